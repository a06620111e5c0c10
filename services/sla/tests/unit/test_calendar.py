"""Hand-checked business-time cases: weekends, holidays, split shifts, DST both ways, starts outside hours,
multi-week targets, 24x7, pauses, and the closing-time rule."""

from __future__ import annotations

import ast
import sys
import time
import types
from collections.abc import Mapping
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sla.domain.calendar import (
    BusinessCalendar,
    HolidaySetsUnavailableError,
    NoBusinessHoursError,
    UnknownCalendarError,
)
from sla.domain.calendar_config import CalendarsFile, CalendarSpec

pytestmark = pytest.mark.unit

MADRID = ZoneInfo("Europe/Madrid")
NEW_YORK = ZoneInfo("America/New_York")
SPLIT = [["09:00", "14:00"], ["15:00", "18:00"]]
ALL_DAY = [["00:00", "24:00"]]
DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


def calendar(
    timezone: str, week: dict[str, list[list[str]]], holidays: tuple[str, ...] = (), name: str = "test"
) -> BusinessCalendar:
    spec = CalendarSpec.model_validate({"timezone": timezone, "week": week, "holidays": list(holidays)})
    return BusinessCalendar(spec, name=name, version="t1")


# Mon-Thu 09:00-14:00 + 15:00-18:00 (8 h), Fri 09:00-14:00 (5 h): 37 h = 2220 minutes a week.
OFFICE = calendar(
    "Europe/Madrid",
    {"mon": SPLIT, "tue": SPLIT, "wed": SPLIT, "thu": SPLIT, "fri": [["09:00", "14:00"]]},
    holidays=("2026-12-25", "2027-01-01"),
    name="madrid-office",
)
MADRID_24X7 = calendar("Europe/Madrid", dict.fromkeys(DAYS, ALL_DAY))
ALWAYS = calendar("UTC", dict.fromkeys(DAYS, ALL_DAY), name="always")
NIGHT_SUNDAY = calendar("Europe/Madrid", {"sun": [["01:00", "04:00"]]})
NY_OFFICE = calendar("America/New_York", dict.fromkeys(DAYS[:5], [["09:00", "17:00"]]))
NY_24X7 = calendar("America/New_York", dict.fromkeys(DAYS, ALL_DAY))


def mad(year: int, month: int, day: int, hour: int = 0, minute: int = 0, second: int = 0, fold: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, second, tzinfo=MADRID, fold=fold)


def ny(year: int, month: int, day: int, hour: int = 0, minute: int = 0, second: int = 0, fold: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, second, tzinfo=NEW_YORK, fold=fold)


def utc(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


def same(actual: datetime, expected: datetime) -> None:
    """Same instant *and* same UTC offset (so a wrong fold or zone is caught).

    Compared in UTC: Python compares datetimes sharing a tzinfo by wall time, ignoring fold.
    """
    assert actual.astimezone(UTC) == expected.astimezone(UTC), f"{actual.isoformat()} != {expected.isoformat()}"
    assert actual.utcoffset() == expected.utcoffset(), f"{actual.isoformat()} vs {expected.isoformat()}"


# ---------------------------------------------------------------- split shifts and the closing-time rule


@pytest.mark.parametrize(
    ("start", "minutes", "expected"),
    [
        (mad(2026, 3, 2, 10), 60, mad(2026, 3, 2, 11)),  # inside the morning
        (mad(2026, 3, 2, 13, 30), 60, mad(2026, 3, 2, 15, 30)),  # 30 before the break, 30 after
        (mad(2026, 3, 2, 13), 60, mad(2026, 3, 2, 15)),  # lands on the break's start: moves to 15:00
        (mad(2026, 3, 2, 13), 59.5, mad(2026, 3, 2, 13, 59, 30)),  # just before the break stays
        (mad(2026, 3, 2, 17), 60, mad(2026, 3, 3, 9)),  # lands on closing: next opening
        (mad(2026, 3, 2, 17), 61, mad(2026, 3, 3, 9, 1)),
        (mad(2026, 3, 2, 9), 480, mad(2026, 3, 3, 9)),  # a whole day, ends on closing
        (mad(2026, 3, 2, 9), 479, mad(2026, 3, 2, 17, 59)),
    ],
)
def test_split_shift(start: datetime, minutes: float, expected: datetime) -> None:
    same(OFFICE.due(start, minutes), expected)


@pytest.mark.parametrize(
    ("start", "expected"),
    [
        (mad(2026, 3, 2, 10), mad(2026, 3, 2, 10)),  # open: start itself
        (mad(2026, 3, 2, 9), mad(2026, 3, 2, 9)),  # an opening is open
        (mad(2026, 3, 2, 7), mad(2026, 3, 2, 9)),  # before opening
        (mad(2026, 3, 2, 14, 30), mad(2026, 3, 2, 15)),  # in the break
        (mad(2026, 3, 2, 14), mad(2026, 3, 2, 15)),  # the break's first instant is closed
        (mad(2026, 3, 2, 18), mad(2026, 3, 3, 9)),  # closing instant is closed
        (mad(2026, 3, 7, 12), mad(2026, 3, 9, 9)),  # Saturday
        (mad(2026, 12, 25, 10), mad(2026, 12, 28, 9)),  # holiday Friday, then the weekend
    ],
)
def test_zero_minutes_is_start_when_open_else_next_opening(start: datetime, expected: datetime) -> None:
    same(OFFICE.due(start, 0), expected)


def test_touching_intervals_are_continuous() -> None:
    touching = calendar("UTC", {"mon": [["09:00", "12:00"], ["12:00", "18:00"]]})
    same(touching.due(utc(2026, 3, 2, 11), 60), utc(2026, 3, 2, 12))
    assert touching.elapsed(utc(2026, 3, 2, 9), utc(2026, 3, 2, 18)) == 540
    # 24x7: midnight is not a closing time.
    same(ALWAYS.due(utc(2026, 3, 7, 23), 60), utc(2026, 3, 8, 0))
    same(ALWAYS.due(utc(2026, 3, 7, 23, 30), 60), utc(2026, 3, 8, 0, 30))


# ---------------------------------------------------------------- weekends, holidays, outside hours


def test_weekend_is_skipped() -> None:
    same(OFFICE.due(mad(2026, 3, 6, 13, 30), 60), mad(2026, 3, 9, 9, 30))  # Fri 30 min + Mon 30 min
    assert OFFICE.elapsed(mad(2026, 3, 6, 13), mad(2026, 3, 9, 10)) == 120


def test_start_outside_hours_counts_from_next_opening() -> None:
    same(OFFICE.due(mad(2026, 3, 7, 12), 90), mad(2026, 3, 9, 10, 30))  # Saturday
    same(OFFICE.due(mad(2026, 3, 2, 6, 15), 90), mad(2026, 3, 2, 10, 30))  # early Monday
    same(OFFICE.due(mad(2026, 3, 2, 14, 10), 90), mad(2026, 3, 2, 16, 30))  # lunch break
    same(OFFICE.due(mad(2026, 3, 2, 22), 90), mad(2026, 3, 3, 10, 30))  # night
    same(OFFICE.due(mad(2026, 12, 25, 10), 90), mad(2026, 12, 28, 10, 30))  # holiday


def test_holiday_removes_the_whole_local_date() -> None:
    # Thu 2026-12-24 17:00: 60 min on Thursday, Fri 25 is a holiday, then the weekend, then Mon 28.
    same(OFFICE.due(mad(2026, 12, 24, 17), 120), mad(2026, 12, 28, 10))
    assert OFFICE.elapsed(mad(2026, 12, 24, 0), mad(2026, 12, 28, 0)) == 480
    assert OFFICE.is_holiday(date(2026, 12, 25))
    assert not OFFICE.is_open(mad(2026, 12, 25, 10))
    # The holiday is a *local* date: 2026-12-24T23:30Z is already the 25th in Madrid.
    assert OFFICE.elapsed(utc(2026, 12, 24, 23, 30), utc(2026, 12, 25, 22, 59)) == 0


def test_holiday_applies_to_24x7_too() -> None:
    always_but_christmas = calendar("UTC", dict.fromkeys(DAYS, ALL_DAY), holidays=("2026-12-25",))
    same(always_but_christmas.due(utc(2026, 12, 24, 23), 120), utc(2026, 12, 26, 1))


def test_start_in_another_zone_and_result_in_the_calendar_zone() -> None:
    result = OFFICE.due(utc(2026, 3, 2, 8, 30), 30)  # 09:30 in Madrid (CET, +01:00)
    same(result, mad(2026, 3, 2, 10))
    assert result.tzinfo == MADRID
    assert result.isoformat() == "2026-03-02T10:00:00+01:00"


def test_fractional_minutes_and_seconds() -> None:
    same(OFFICE.due(mad(2026, 3, 2, 10), 0.5), mad(2026, 3, 2, 10, 0, 30))
    assert OFFICE.elapsed(mad(2026, 3, 2, 10), mad(2026, 3, 2, 10, 0, 30)) == 0.5
    assert OFFICE.elapsed(mad(2026, 3, 2, 13, 59, 59), mad(2026, 3, 2, 15, 0, 1)) == pytest.approx(2 / 60)


def test_elapsed_basics() -> None:
    assert OFFICE.elapsed(mad(2026, 3, 2, 9), mad(2026, 3, 2, 18)) == 480
    assert OFFICE.elapsed(mad(2026, 3, 2, 0), mad(2026, 3, 9, 0)) == 2220
    assert OFFICE.elapsed(mad(2026, 3, 2, 12), mad(2026, 3, 2, 12)) == 0
    assert OFFICE.elapsed(mad(2026, 3, 2, 12), mad(2026, 3, 2, 11)) == 0  # end before start
    assert OFFICE.elapsed(mad(2026, 3, 7, 0), mad(2026, 3, 8, 23, 59)) == 0  # weekend
    assert OFFICE.elapsed(mad(2026, 3, 2, 14, 10), mad(2026, 3, 2, 14, 50)) == 0  # break


# ---------------------------------------------------------------- DST: wall-clock hours, real durations


def test_dst_madrid_whole_day_is_23_and_25_hours() -> None:
    assert MADRID_24X7.elapsed(mad(2026, 3, 29), mad(2026, 3, 30)) == 23 * 60
    assert MADRID_24X7.elapsed(mad(2026, 10, 25), mad(2026, 10, 26)) == 25 * 60
    assert MADRID_24X7.elapsed(mad(2026, 3, 28), mad(2026, 3, 29)) == 24 * 60


def test_dst_madrid_24x7_due_is_real_time() -> None:
    # Sat 12:00 CET + 24 real hours = Sun 13:00 CEST.
    same(MADRID_24X7.due(mad(2026, 3, 28, 12), 24 * 60), mad(2026, 3, 29, 13))
    # Sat 12:00 CEST + 24 real hours = Sun 11:00 CET.
    same(MADRID_24X7.due(mad(2026, 10, 24, 12), 24 * 60), mad(2026, 10, 25, 11))


def test_dst_madrid_spring_forward_night_shift_lasts_two_hours() -> None:
    # Sun 2026-03-29 01:00-04:00: 02:00-03:00 does not exist; 01:00 CET .. 04:00 CEST is 2 real hours.
    sunday = (mad(2026, 3, 29), mad(2026, 3, 30))
    assert NIGHT_SUNDAY.elapsed(*sunday) == 120
    same(NIGHT_SUNDAY.due(mad(2026, 3, 29), 30), mad(2026, 3, 29, 1, 30))  # CET
    same(NIGHT_SUNDAY.due(mad(2026, 3, 29), 90), mad(2026, 3, 29, 3, 30))  # CEST, 90 real minutes later
    assert NIGHT_SUNDAY.due(mad(2026, 3, 29), 90).utcoffset() == timedelta(hours=2)
    # Exactly used up at 04:00 (closing): next Sunday's opening.
    same(NIGHT_SUNDAY.due(mad(2026, 3, 29), 120), mad(2026, 4, 5, 1))


def test_dst_madrid_fall_back_night_shift_lasts_four_hours() -> None:
    # Sun 2026-10-25 01:00-04:00: 02:00-03:00 happens twice; 01:00 CEST .. 04:00 CET is 3+1 real hours.
    assert NIGHT_SUNDAY.elapsed(mad(2026, 10, 25), mad(2026, 10, 26)) == 240
    first = NIGHT_SUNDAY.due(mad(2026, 10, 25), 90)
    second = NIGHT_SUNDAY.due(mad(2026, 10, 25), 150)
    same(first, mad(2026, 10, 25, 2, 30, fold=0))  # 02:30 CEST, the first reading
    same(second, mad(2026, 10, 25, 2, 30, fold=1))  # 02:30 CET, the second reading, an hour later
    assert (first.utcoffset(), second.utcoffset()) == (timedelta(hours=2), timedelta(hours=1))
    assert second.astimezone(UTC) - first.astimezone(UTC) == timedelta(hours=1)
    same(NIGHT_SUNDAY.due(mad(2026, 10, 25), 239), mad(2026, 10, 25, 3, 59))


def test_dst_skipped_opening_starts_when_the_clock_jumps() -> None:
    # 02:30 does not exist on 2026-03-29: the shift opens at the jump (03:00 CEST), not at 03:30.
    late = calendar("Europe/Madrid", {"sun": [["02:30", "05:00"]]})
    assert late.elapsed(mad(2026, 3, 29), mad(2026, 3, 30)) == 120
    same(late.due(mad(2026, 3, 28, 12), 0), mad(2026, 3, 29, 3, 0))
    # On the fall-back day 02:30 is the first reading (fold=0): 02:30 CEST .. 05:00 CET is 3.5 hours.
    assert late.elapsed(mad(2026, 10, 25), mad(2026, 10, 26)) == 210
    same(late.due(mad(2026, 10, 24, 12), 0), mad(2026, 10, 25, 2, 30, fold=0))
    # An interval entirely inside the gap is empty that day.
    gap_only = calendar("Europe/Madrid", {"sun": [["02:00", "02:45"]]})
    assert gap_only.elapsed(mad(2026, 3, 29), mad(2026, 3, 30)) == 0
    same(gap_only.due(mad(2026, 3, 28, 12), 0), mad(2026, 4, 5, 2))


def test_dst_office_hours_stay_local_across_the_change() -> None:
    # Fri 13:00 CET + 120: 60 on Friday, then Monday 09:00 CEST + 60.
    same(OFFICE.due(mad(2026, 3, 27, 13), 120), mad(2026, 3, 30, 10))
    assert OFFICE.due(mad(2026, 3, 27, 13), 120).utcoffset() == timedelta(hours=2)
    same(OFFICE.due(mad(2026, 10, 23, 13), 120), mad(2026, 10, 26, 10))
    assert OFFICE.due(mad(2026, 10, 23, 13), 120).utcoffset() == timedelta(hours=1)
    assert OFFICE.elapsed(mad(2026, 3, 27, 9), mad(2026, 3, 30, 18)) == 300 + 480


def test_dst_new_york() -> None:
    # Spring forward Sun 2026-03-08 02:00 EST -> 03:00 EDT; fall back Sun 2026-11-01 02:00 EDT -> 01:00 EST.
    assert NY_24X7.elapsed(ny(2026, 3, 8), ny(2026, 3, 9)) == 23 * 60
    assert NY_24X7.elapsed(ny(2026, 11, 1), ny(2026, 11, 2)) == 25 * 60
    # 00:00 EDT + 2 real hours = 01:00 EST, the second 01:00 of the day.
    result = NY_24X7.due(ny(2026, 11, 1), 120)
    same(result, ny(2026, 11, 1, 1, fold=1))
    assert result.utcoffset() == timedelta(hours=-5)
    same(NY_24X7.due(ny(2026, 3, 8, 1, 30), 60), ny(2026, 3, 8, 3, 30))
    # Office hours 09:00-17:00 stay local: Fri 16:00 EST + 120 = Mon 10:00 EDT.
    same(NY_OFFICE.due(ny(2026, 3, 6, 16), 120), ny(2026, 3, 9, 10))
    assert NY_OFFICE.elapsed(ny(2026, 3, 6, 9), ny(2026, 3, 9, 17)) == 960
    assert NY_OFFICE.elapsed(ny(2026, 10, 30, 9), ny(2026, 11, 2, 17)) == 960


def test_dst_gap_at_midnight_havana() -> None:
    # Cuba springs forward at 00:00 -> 01:00 (2026-03-08): the local date starts at 01:00, and "24:00" of
    # Saturday is that same instant, so a 24x7 calendar stays continuous.
    havana = ZoneInfo("America/Havana")
    cal = calendar("America/Havana", dict.fromkeys(DAYS, ALL_DAY))
    assert cal.elapsed(datetime(2026, 3, 7, tzinfo=havana), datetime(2026, 3, 9, tzinfo=havana)) == 47 * 60
    same(cal.due(datetime(2026, 3, 7, 23, 30, tzinfo=havana), 30), datetime(2026, 3, 8, 1, tzinfo=havana))


# ---------------------------------------------------------------- multi-week targets, 24x7


def test_multi_week_targets() -> None:
    start = mad(2026, 3, 2, 9)  # Monday opening; 2220 minutes a week
    same(OFFICE.due(start, 2 * 2220), mad(2026, 3, 16, 9))  # ends on Fri 13 14:00 closing -> Monday
    same(OFFICE.due(start, 2 * 2220 - 1), mad(2026, 3, 13, 13, 59))
    same(OFFICE.due(start, 2 * 2220 + 1), mad(2026, 3, 16, 9, 1))
    # Across DST (no holidays in these weeks): 5 weeks from Mon 2026-03-16 09:00 CET.
    same(OFFICE.due(mad(2026, 3, 16, 9), 5 * 2220 + 30), mad(2026, 4, 20, 9, 30))
    assert OFFICE.elapsed(mad(2026, 3, 16, 9), mad(2026, 4, 20, 9, 30)) == 5 * 2220 + 30


def test_100k_minutes_is_fast_and_exact() -> None:
    start = mad(2026, 3, 2, 9)
    best = float("inf")
    for _ in range(3):
        began = time.perf_counter()
        result = OFFICE.due(start, 100_000)
        best = min(best, time.perf_counter() - began)
    assert best < 0.05, f"100,000 business minutes took {best * 1000:.1f} ms"
    assert OFFICE.elapsed(start, result) == 100_000
    assert OFFICE.is_open(result)


def test_sparse_calendar_many_years_is_still_fast() -> None:
    one_hour_a_week = calendar("Europe/Madrid", {"wed": [["10:00", "11:00"]]})
    began = time.perf_counter()
    result = one_hour_a_week.due(mad(2026, 1, 1), 100_000)  # 1667 weeks, ~32 years
    assert time.perf_counter() - began < 0.5
    assert result.year == 2057
    assert one_hour_a_week.elapsed(mad(2026, 1, 1), result) == 100_000


def test_24x7_utc() -> None:
    same(ALWAYS.due(utc(2026, 3, 7, 12), 3 * 1440), utc(2026, 3, 10, 12))
    assert ALWAYS.elapsed(utc(2026, 1, 1), utc(2027, 1, 1)) == 365 * 1440
    same(ALWAYS.due(utc(2026, 3, 7, 12), 0), utc(2026, 3, 7, 12))


# ---------------------------------------------------------------- pauses


def test_pause_inside_hours_removes_its_span() -> None:
    pause = (mad(2026, 3, 2, 10, 30), mad(2026, 3, 2, 11))
    same(OFFICE.due(mad(2026, 3, 2, 10), 120, [pause]), mad(2026, 3, 2, 12, 30))
    assert OFFICE.elapsed(mad(2026, 3, 2, 10), mad(2026, 3, 2, 12, 30), [pause]) == 120


def test_overlapping_pauses_count_once() -> None:
    pauses = [(mad(2026, 3, 2, 10, 45), mad(2026, 3, 2, 11, 30)), (mad(2026, 3, 2, 10, 30), mad(2026, 3, 2, 11))]
    same(OFFICE.due(mad(2026, 3, 2, 10), 120, pauses), mad(2026, 3, 2, 13))
    assert OFFICE.elapsed(mad(2026, 3, 2, 9), mad(2026, 3, 2, 18), pauses) == 480 - 60


def test_pause_across_the_break_and_outside_hours() -> None:
    across_break = (mad(2026, 3, 2, 13, 30), mad(2026, 3, 2, 15, 30))
    same(OFFICE.due(mad(2026, 3, 2, 13), 60, [across_break]), mad(2026, 3, 2, 16))
    weekend = (mad(2026, 3, 7, 10), mad(2026, 3, 8, 20))
    same(OFFICE.due(mad(2026, 3, 6, 13, 30), 60, [weekend]), mad(2026, 3, 9, 9, 30))
    before_start = (mad(2026, 3, 2, 8), mad(2026, 3, 2, 10, 30))
    same(OFFICE.due(mad(2026, 3, 2, 10), 60, [before_start]), mad(2026, 3, 2, 11, 30))
    assert OFFICE.elapsed(mad(2026, 3, 2, 9), mad(2026, 3, 2, 18), [across_break, weekend]) == 480 - 60


def test_deadline_on_a_pause_start_waits_for_the_resume() -> None:
    pause = (mad(2026, 3, 2, 10, 30), mad(2026, 3, 2, 11))
    same(OFFICE.due(mad(2026, 3, 2, 10), 30, [pause]), mad(2026, 3, 2, 11))
    same(OFFICE.due(mad(2026, 3, 2, 10, 40), 0, [pause]), mad(2026, 3, 2, 11))
    # A pause that resumes after closing: the clock runs again at the next opening.
    late = (mad(2026, 3, 2, 17, 30), mad(2026, 3, 2, 20))
    same(OFFICE.due(mad(2026, 3, 2, 17), 30, [late]), mad(2026, 3, 3, 9))


def test_long_pause_is_jumped_over() -> None:
    pause = (mad(2026, 3, 2, 10), mad(2026, 3, 23, 12))  # three weeks
    same(OFFICE.due(mad(2026, 3, 2, 10), 30, [pause]), mad(2026, 3, 23, 12, 30))
    assert OFFICE.elapsed(mad(2026, 3, 2, 9), mad(2026, 3, 23, 12, 30), [pause]) == 60 + 30
    years = (utc(2026, 1, 1), utc(9000, 1, 1))
    same(ALWAYS.due(utc(2026, 1, 1), 1, [years]), utc(9000, 1, 1, 0, 1))


def test_empty_pause_is_ignored_and_reversed_pause_rejected() -> None:
    same(OFFICE.due(mad(2026, 3, 2, 10), 60, [(mad(2026, 3, 2, 10, 30), mad(2026, 3, 2, 10, 30))]), mad(2026, 3, 2, 11))
    with pytest.raises(ValueError, match=r"pauses\[0\] ends .* before it starts"):
        OFFICE.due(mad(2026, 3, 2, 10), 60, [(mad(2026, 3, 2, 11), mad(2026, 3, 2, 10))])


# ---------------------------------------------------------------- bad input


def test_naive_instants_are_rejected() -> None:
    naive = datetime(2026, 3, 2, 10)
    with pytest.raises(ValueError, match="start must be timezone-aware"):
        OFFICE.due(naive, 10)
    with pytest.raises(ValueError, match="end must be timezone-aware"):
        OFFICE.elapsed(mad(2026, 3, 2, 10), naive)
    with pytest.raises(ValueError, match="start must be timezone-aware"):
        OFFICE.elapsed(naive, mad(2026, 3, 2, 10))
    with pytest.raises(ValueError, match=r"pauses\[0\] from must be timezone-aware"):
        OFFICE.due(mad(2026, 3, 2, 10), 10, [(naive, mad(2026, 3, 2, 11))])


@pytest.mark.parametrize("minutes", [-1, float("nan"), float("inf")])
def test_bad_minutes(minutes: float) -> None:
    with pytest.raises(ValueError, match="finite number >= 0"):
        OFFICE.due(mad(2026, 3, 2, 10), minutes)


def test_calendar_without_hours_raises_instead_of_looping() -> None:
    never = calendar("UTC", {})
    assert not never.has_hours
    with pytest.raises(NoBusinessHoursError, match="no open hours"):
        never.due(utc(2026, 3, 2), 0)
    with pytest.raises(NoBusinessHoursError):
        never.due(utc(2026, 3, 2), 60)
    assert never.elapsed(utc(2026, 3, 2), utc(2027, 3, 2)) == 0
    assert not never.is_open(utc(2026, 3, 2))


def test_target_beyond_the_datetime_range() -> None:
    began = time.perf_counter()
    with pytest.raises(ValueError, match="beyond the year 9999"):
        ALWAYS.due(utc(2026, 1, 1), 1e13)
    with pytest.raises(ValueError, match="beyond the year 9999"):
        OFFICE.due(utc(2026, 1, 1), 3_000_000_000)  # ~8000 years of 37-hour weeks would be ~1.5e9
    assert time.perf_counter() - began < 0.1


# ---------------------------------------------------------------- construction


def test_from_file_and_identity() -> None:
    loaded = CalendarsFile.model_validate(
        {"version": "v7", "calendars": {"always": {"timezone": "UTC", "week": {"mon": [["00:00", "24:00"]]}}}}
    )
    cal = BusinessCalendar.from_file(loaded, "always")
    assert (cal.name, cal.version, cal.zone.key) == ("always", "v7", "UTC")
    with pytest.raises(UnknownCalendarError, match=r"unknown calendar 'nope' \(known: always\)"):
        BusinessCalendar.from_file(loaded, "nope")


def test_is_open() -> None:
    assert OFFICE.is_open(mad(2026, 3, 2, 9))
    assert not OFFICE.is_open(mad(2026, 3, 2, 14))
    assert OFFICE.is_open(mad(2026, 3, 2, 13, 59, 59))
    assert not OFFICE.is_open(mad(2026, 3, 7, 10))
    assert ALWAYS.is_open(utc(2026, 3, 8, 0))


def test_intervals() -> None:
    found = OFFICE.intervals(mad(2026, 3, 2, 10), mad(2026, 3, 3, 10), [(mad(2026, 3, 2, 16), mad(2026, 3, 2, 17))])
    assert found == [
        (mad(2026, 3, 2, 10), mad(2026, 3, 2, 14)),
        (mad(2026, 3, 2, 15), mad(2026, 3, 2, 16)),
        (mad(2026, 3, 2, 17), mad(2026, 3, 2, 18)),
        (mad(2026, 3, 3, 9), mad(2026, 3, 3, 10)),
    ]
    assert all(opened.tzinfo == MADRID for opened, _ in found)


# ---------------------------------------------------------------- holiday_sets (the optional `holidays` package)


def _fake_holidays_module() -> types.ModuleType:
    module = types.ModuleType("holidays")

    def country_holidays(country: str, subdiv: str | None = None, years: int | None = None) -> Mapping[date, str]:
        if country != "ES":
            raise NotImplementedError(f"Country {country} not available")
        if subdiv not in (None, "MD"):
            raise NotImplementedError(f"Entity `subdiv` code {subdiv} is not available for country ES")
        assert years is not None
        found = {date(years, 1, 6): "Epifanía del Señor"}
        if subdiv == "MD":
            found[date(years, 5, 2)] = "Fiesta de la Comunidad de Madrid"
        return found

    module.country_holidays = country_holidays  # type: ignore[attr-defined]
    return module


def _spec_with_sets(*codes: str) -> CalendarSpec:
    return CalendarSpec.model_validate(
        {"timezone": "Europe/Madrid", "week": dict.fromkeys(DAYS[:5], SPLIT), "holiday_sets": list(codes)}
    )


def test_holiday_sets_close_their_dates(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "holidays", _fake_holidays_module())
    cal = BusinessCalendar(_spec_with_sets("ES-MD"), name="madrid-office")
    assert cal.is_holiday(date(2027, 5, 2)) and cal.is_holiday(date(2026, 1, 6))
    # Fri 2025-05-02 is the Comunidad de Madrid holiday: Thursday 17:00 + 120 -> Monday 10:00.
    same(cal.due(mad(2025, 5, 1, 17), 120), mad(2025, 5, 5, 10))
    national = BusinessCalendar(_spec_with_sets("ES"), name="spain")
    assert not national.is_holiday(date(2025, 5, 2))


def test_unknown_holiday_set(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "holidays", _fake_holidays_module())
    with pytest.raises(ValueError, match=r"holiday set 'ES-XX' is not known to the holidays package"):
        BusinessCalendar(_spec_with_sets("ES-XX"), name="madrid-office")


def test_holiday_sets_without_the_package_fail_clearly(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "holidays", None)  # makes `import holidays` raise ModuleNotFoundError
    with pytest.raises(HolidaySetsUnavailableError, match=r"calendar 'madrid-office' uses holiday_sets \['ES-MD'\]"):
        BusinessCalendar(_spec_with_sets("ES-MD"), name="madrid-office")
    # Calendars that do not use holiday sets never import it.
    assert BusinessCalendar(_spec_with_sets(), name="plain").due(mad(2026, 3, 2, 10), 1) == mad(2026, 3, 2, 10, 1)


def test_the_domain_does_not_import_infrastructure() -> None:
    import sla.domain.calendar as module

    forbidden = {"faststream", "aiokafka", "asyncpg", "fastapi"}
    for path in Path(module.__file__).parent.glob("calendar*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        roots = {
            alias.name.split(".")[0] for node in ast.walk(tree) if isinstance(node, ast.Import) for alias in node.names
        }
        roots |= {
            node.module.split(".")[0] for node in ast.walk(tree) if isinstance(node, ast.ImportFrom) and node.module
        }
        assert not roots & forbidden, (path.name, roots & forbidden)
