"""Properties of business-time arithmetic over random calendars, starts, targets and pauses.

Random calendars use zones with awkward DST: Madrid and New York (1 h at 02:00/03:00), Lord Howe (30 min),
Havana (the jump is at midnight, so some local dates start at 01:00), plus fixed-offset zones where a
minute-by-minute reference implementation is easy to write independently.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from sla.domain.calendar import BusinessCalendar, Pause
from sla.domain.calendar_config import DAYS, CalendarSpec

pytestmark = pytest.mark.unit

PROPERTY_SETTINGS = settings(
    database=None, deadline=None, max_examples=100, suppress_health_check=[HealthCheck.too_slow]
)
MS = timedelta(milliseconds=1)
DST_ZONES = ["Europe/Madrid", "America/New_York", "Australia/Lord_Howe", "America/Havana"]
FIXED_ZONES = ["UTC", "Asia/Kolkata", "Asia/Kathmandu"]
ORIGIN = datetime(2026, 1, 1, tzinfo=UTC)


def _transitions(zone: str) -> list[datetime]:
    """The 2026 UTC-offset changes of a zone, found minute by minute from daily samples."""
    tz = ZoneInfo(zone)
    found = []
    for day in range(366):
        a, b = ORIGIN + timedelta(days=day), ORIGIN + timedelta(days=day + 1)
        if a.astimezone(tz).utcoffset() != b.astimezone(tz).utcoffset():
            while b - a > timedelta(minutes=1):
                mid = a + (b - a) / 2
                mid = mid.replace(second=0, microsecond=0)
                if mid.astimezone(tz).utcoffset() == a.astimezone(tz).utcoffset():
                    a = mid if mid > a else a + timedelta(minutes=1)
                else:
                    b = mid
            found.append(b)
    return found


HOT_SPOTS = sorted({t for zone in DST_ZONES for t in _transitions(zone)})
assert len(HOT_SPOTS) >= 8


def clock(minute: int) -> str:
    return f"{minute // 60:02d}:{minute % 60:02d}"


@st.composite
def day_hours(draw: st.DrawFn) -> list[list[str]]:
    count = draw(st.integers(0, 3))
    bounds = sorted(draw(st.sets(st.integers(0, 96).map(lambda q: q * 15), min_size=2 * count, max_size=2 * count)))
    intervals = [[bounds[i], bounds[i + 1]] for i in range(0, len(bounds), 2)]
    if len(intervals) > 1 and draw(st.booleans()):  # sometimes touching: [a, b], [b, c]
        intervals[1][0] = intervals[0][1]
    return [[clock(start), clock(end)] for start, end in intervals]


@st.composite
def specs(draw: st.DrawFn, zones: Sequence[str]) -> CalendarSpec:
    week = {day: hours for day in DAYS if (hours := draw(day_hours()))}
    assume(week)
    holidays = draw(st.lists(st.dates(date(2025, 12, 1), date(2027, 3, 1)), max_size=6))
    return CalendarSpec.model_validate({"timezone": draw(st.sampled_from(zones)), "week": week, "holidays": holidays})


def calendars(zones: Sequence[str] = DST_ZONES + FIXED_ZONES) -> st.SearchStrategy[BusinessCalendar]:
    return specs(zones).map(lambda spec: BusinessCalendar(spec, name="random"))


# Instants: anywhere in 2026, or within three days of a DST change; whole seconds, sometimes whole minutes.
instants = st.one_of(
    st.integers(0, 365 * 86400).map(lambda s: ORIGIN + timedelta(seconds=s)),
    st.builds(
        lambda hot, minutes, seconds: hot + timedelta(minutes=minutes, seconds=seconds),
        st.sampled_from(HOT_SPOTS),
        st.integers(-3 * 1440, 3 * 1440),
        st.sampled_from([0, 0, 0, 30, 59]),
    ),
)


@st.composite
def pause_lists(draw: st.DrawFn, near: datetime) -> list[Pause]:
    pauses = []
    for _ in range(draw(st.integers(0, 3))):
        begin = near + timedelta(minutes=draw(st.integers(-600, 6 * 1440)))
        pauses.append((begin, begin + timedelta(minutes=draw(st.integers(0, 2 * 1440)))))
    return pauses


def running(cal: BusinessCalendar, at: datetime, pauses: Sequence[Pause]) -> bool:
    return cal.is_open(at) and not any(begin <= at < end for begin, end in pauses)


def whole_seconds(minutes: int) -> float:
    return minutes / 60


# ---------------------------------------------------------------- composition


@PROPERTY_SETTINGS
@given(
    cal=calendars(), start=instants, a=st.integers(0, 20 * 1440 * 60), b=st.integers(0, 20 * 1440 * 60), data=st.data()
)
def test_due_is_additive_for_whole_seconds(
    cal: BusinessCalendar, start: datetime, a: int, b: int, data: st.DataObject
) -> None:
    """With targets in whole seconds there is no rounding, so additivity is exact everywhere, even when the
    intermediate deadline lands on a closing time: it moves to the next opening, which adds no business time."""
    pauses = data.draw(pause_lists(start))
    direct = cal.due(start, whole_seconds(a + b), pauses)
    stepped = cal.due(cal.due(start, whole_seconds(a), pauses), whole_seconds(b), pauses)
    assert direct.astimezone(UTC) == stepped.astimezone(UTC)


@PROPERTY_SETTINGS
@given(
    cal=calendars(),
    start=instants,
    a=st.floats(0, 20_000, allow_nan=False),
    b=st.floats(0, 20_000, allow_nan=False),
    data=st.data(),
)
def test_due_is_additive_away_from_boundaries(
    cal: BusinessCalendar, start: datetime, a: float, b: float, data: st.DataObject
) -> None:
    """For arbitrary floats, a + b and the two separately round to microseconds differently. That only
    matters near a boundary: a total that lands a microsecond before a closing time stays there, while one
    that rounds onto the closing time jumps to the next opening (hours later). So exclude deadlines within
    1 ms of a closing time, a break, or a pause start, i.e. require the clock to run on both sides."""
    pauses = data.draw(pause_lists(start))
    direct = cal.due(start, a + b, pauses)
    assume(running(cal, direct - MS, pauses) and running(cal, direct + MS, pauses))
    stepped = cal.due(cal.due(start, a, pauses), b, pauses)
    assert abs(direct.astimezone(UTC) - stepped.astimezone(UTC)) <= timedelta(microseconds=2)


@PROPERTY_SETTINGS
@given(
    cal=calendars(),
    start=instants,
    n=st.one_of(st.integers(0, 30_000), st.floats(0, 30_000, allow_nan=False)),
    data=st.data(),
)
def test_elapsed_inverts_due(cal: BusinessCalendar, start: datetime, n: float, data: st.DataObject) -> None:
    pauses = data.draw(pause_lists(start))
    deadline = cal.due(start, n, pauses)
    assert cal.elapsed(start, deadline, pauses) == pytest.approx(n, abs=1e-6)
    assert deadline.tzinfo == cal.zone
    # Business time is not exceeded until work resumes: the deadline is an instant where the clock runs.
    assert running(cal, deadline, pauses)


@PROPERTY_SETTINGS
@given(cal=calendars(), start=instants, data=st.data())
def test_deadline_on_a_closing_time_moves_to_the_next_opening(
    cal: BusinessCalendar, start: datetime, data: st.DataObject
) -> None:
    """Aim the target exactly at the end of a business interval (a closing time, a break, a pause start)."""
    pauses = data.draw(pause_lists(start))
    ahead = cal.intervals(start, start + timedelta(days=10), pauses)
    assume(ahead)
    _, close = data.draw(st.sampled_from(ahead))
    n = cal.elapsed(start, close, pauses)
    deadline = cal.due(start, n, pauses)
    assert running(cal, deadline, pauses)
    assert deadline.astimezone(UTC) >= close.astimezone(UTC)
    assert deadline.astimezone(UTC) == cal.due(close, 0, pauses).astimezone(UTC)  # the next opening after close
    assert cal.elapsed(close, deadline, pauses) == 0


@PROPERTY_SETTINGS
@given(
    cal=calendars(),
    start=instants,
    n1=st.floats(0, 20_000, allow_nan=False),
    n2=st.floats(0, 20_000, allow_nan=False),
    data=st.data(),
)
def test_due_is_monotonic_in_minutes(
    cal: BusinessCalendar, start: datetime, n1: float, n2: float, data: st.DataObject
) -> None:
    pauses = data.draw(pause_lists(start))
    low, high = sorted((n1, n2))
    assert cal.due(start, low, pauses).astimezone(UTC) <= cal.due(start, high, pauses).astimezone(UTC)


@PROPERTY_SETTINGS
@given(cal=calendars(), t=st.lists(instants, min_size=3, max_size=3), data=st.data())
def test_elapsed_is_additive_over_a_split_point(cal: BusinessCalendar, t: list[datetime], data: st.DataObject) -> None:
    start, middle, end = sorted(t)
    pauses = data.draw(pause_lists(start))
    whole = cal.elapsed(start, end, pauses)
    assert whole == pytest.approx(cal.elapsed(start, middle, pauses) + cal.elapsed(middle, end, pauses), abs=1e-6)
    assert cal.elapsed(end, start, pauses) == 0
    assert 0 <= whole <= (end - start) / timedelta(minutes=1)


@PROPERTY_SETTINGS
@given(zone=st.sampled_from(DST_ZONES + FIXED_ZONES), t=st.lists(instants, min_size=2, max_size=2))
def test_24x7_is_real_time_in_every_zone(zone: str, t: list[datetime]) -> None:
    """Local days of 23, 23.5, 24.5 or 25 hours (and dates starting at 01:00) leave no gap or overlap."""
    spec = CalendarSpec.model_validate({"timezone": zone, "week": dict.fromkeys(DAYS, [["00:00", "24:00"]])})
    cal = BusinessCalendar(spec, name="24x7")
    start, end = sorted(t)
    real = (end - start) / timedelta(minutes=1)
    assert cal.elapsed(start, end) == pytest.approx(real, abs=1e-9)
    assert cal.due(start, real).astimezone(UTC) == end


# ---------------------------------------------------------------- against a minute-by-minute reference


def reference_running(spec: CalendarSpec, pauses: Sequence[Pause], at: datetime) -> bool:
    """Fixed-offset zones only: local wall time is plain arithmetic, no DST."""
    local = at.astimezone(ZoneInfo(spec.timezone))
    minute = local.hour * 60 + local.minute
    if local.date() in spec.holidays:
        return False
    if not any(start <= minute < end for start, end in spec.open_minutes(DAYS[local.weekday()])):
        return False
    return not any(begin <= at < end for begin, end in pauses)


minute_instants = st.integers(0, 365 * 1440).map(lambda m: ORIGIN + timedelta(minutes=m))


@st.composite
def minute_pauses(draw: st.DrawFn, near: datetime) -> list[Pause]:
    pauses = []
    for _ in range(draw(st.integers(0, 3))):
        begin = near + timedelta(minutes=draw(st.integers(-300, 3 * 1440)))
        pauses.append((begin, begin + timedelta(minutes=draw(st.integers(0, 600)))))
    return pauses


@settings(PROPERTY_SETTINGS, max_examples=100)
@given(spec=specs(FIXED_ZONES), start=minute_instants, span=st.integers(0, 4 * 1440), data=st.data())
def test_elapsed_matches_minute_by_minute_reference(
    spec: CalendarSpec, start: datetime, span: int, data: st.DataObject
) -> None:
    pauses = data.draw(minute_pauses(start))
    expected = sum(reference_running(spec, pauses, start + timedelta(minutes=m)) for m in range(span))
    assert BusinessCalendar(spec, name="ref").elapsed(start, start + timedelta(minutes=span), pauses) == expected


@settings(PROPERTY_SETTINGS, max_examples=100)
@given(spec=specs(FIXED_ZONES), start=minute_instants, data=st.data())
def test_due_matches_minute_by_minute_reference(spec: CalendarSpec, start: datetime, data: st.DataObject) -> None:
    """Reference definition: the first minute at or after start where the clock runs and n minutes are used."""
    week_minutes = sum(end - begin for day in DAYS for begin, end in spec.open_minutes(day))
    n = data.draw(st.integers(0, min(2000, 2 * week_minutes)))
    pauses = data.draw(minute_pauses(start))
    at, used = start, 0
    while True:
        if reference_running(spec, pauses, at):
            if used == n:
                break
            used += 1
        at += timedelta(minutes=1)
    assert BusinessCalendar(spec, name="ref").due(start, n, pauses).astimezone(UTC) == at
