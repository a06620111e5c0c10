"""Business time: when N business minutes after an instant are used up, and how many lie between two instants.

Conventions (docs/sla-calendars.md has a worked example of each):

* Working hours are **local wall-clock** times in the calendar's zone; durations are **real elapsed** time.
  On a DST day ``00:00-24:00`` lasts 23 or 25 hours, ``01:00-04:00`` lasts 2 hours on the spring-forward
  day in Europe/Madrid (02:00-03:00 does not exist) and 4 on the fall-back day (02:00-03:00 happens twice).
* A wall-clock time ``T`` of a local date means *the first instant at which the local clock reads ``T`` or
  later*. For an ordinary time that is the one instant; for a repeated (ambiguous) time it is the first
  occurrence, i.e. ``fold=0``; for a skipped (nonexistent) time it is the moment the clock jumps, e.g.
  ``02:30`` on 2026-03-29 in Madrid is 03:00 CEST. (Plain ``fold=0`` would put a skipped 02:30 at 03:30,
  later than 03:00; the rule above keeps the mapping monotonic, so intervals never invert.)
  ``24:00`` is the next local midnight under the same rule.
* A holiday (listed, or from a ``holiday_sets`` entry) closes the whole local date.
* A start outside hours (weekend, holiday, break, night) counts from the next opening.
* Business time is not exceeded until work resumes: a deadline that lands exactly on a closing time, the
  start of a break or the start of a pause moves to the next instant the clock runs again. Touching
  intervals (``[09:00, 12:00], [12:00, 18:00]``, or midnight in a 24x7 calendar) are continuous, so nothing
  moves there. ``due(start, 0)`` is ``start`` inside open hours and the next opening outside them.
* Pauses are ``(from, to)`` instants; they may overlap each other and lie partly or wholly outside hours.
  Their span is removed from the clock.

Everything is pure: the only state is a memo of holiday-set years. Instants are timezone-aware; results are
in the calendar's zone. Internally all arithmetic is on UTC datetimes (exact to the microsecond).
"""

from __future__ import annotations

import importlib
import math
from collections.abc import Callable, Iterator, Mapping, Sequence
from datetime import UTC, date, datetime, timedelta
from typing import Protocol, cast
from zoneinfo import ZoneInfo

from .calendar_config import DAYS, CalendarsFile, CalendarSpec

__all__ = [
    "BusinessCalendar",
    "HolidaySetsUnavailableError",
    "NoBusinessHoursError",
    "Pause",
    "UnknownCalendarError",
]

Pause = tuple[datetime, datetime]
"""``(from, to)``: the clock is stopped for instants in ``[from, to)``."""

_ONE_DAY = timedelta(days=1)
_MINUTE = timedelta(minutes=1)
_LAST_DAY = date(9999, 12, 29)
"""The walk stops before this local date (datetime's range ends at 9999-12-31)."""


class NoBusinessHoursError(ValueError):
    """The calendar has no open hours, so no deadline can ever be reached."""


class UnknownCalendarError(KeyError):
    """No calendar of that name in the calendars file."""

    def __str__(self) -> str:
        return str(self.args[0]) if self.args else "unknown calendar"


class HolidaySetsUnavailableError(RuntimeError):
    """``holiday_sets`` is used but the optional ``holidays`` package is not installed."""


class _HolidaysModule(Protocol):
    def country_holidays(
        self, country: str, subdiv: str | None = None, years: int | None = None
    ) -> Mapping[date, str]: ...


def _holidays_module(calendar: str, codes: Sequence[str]) -> _HolidaysModule:
    try:
        module = importlib.import_module("holidays")
    except ModuleNotFoundError as exc:
        raise HolidaySetsUnavailableError(
            f"calendar {calendar!r} uses holiday_sets {list(codes)}, which need the optional 'holidays' package "
            f"(pip install holidays); importing it failed: {exc}. Install it, or list the dates under 'holidays:' "
            "instead."
        ) from exc
    return cast(_HolidaysModule, module)


def _holiday_set(calendar: str, module: _HolidaysModule, code: str) -> Callable[[int], frozenset[date]]:
    country, _, subdiv = code.partition("-")
    country = country.upper()

    def year_dates(year: int) -> frozenset[date]:
        return frozenset(module.country_holidays(country, subdiv=subdiv or None, years=year).keys())

    try:
        year_dates(2000)  # fail now, not on the first due() that reaches an unknown set
    except (NotImplementedError, KeyError, ValueError) as exc:
        raise ValueError(
            f"calendar {calendar!r}: holiday set {code!r} is not known to the holidays package: {exc}"
        ) from exc
    return year_dates


def _aware(value: datetime, what: str) -> datetime:
    if not isinstance(value, datetime):
        raise TypeError(f"{what} must be a datetime, got {type(value).__name__}")
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"{what} must be timezone-aware, got naive {value.isoformat()}")
    return value.astimezone(UTC)


def _normalise_pauses(pauses: Sequence[Pause]) -> list[Pause]:
    """UTC, sorted, overlapping or touching pauses merged, empty ones dropped."""
    spans: list[Pause] = []
    for index, pause in enumerate(pauses):
        try:
            begin, end = pause
        except (TypeError, ValueError):
            raise ValueError(f"pauses[{index}] must be a (from, to) pair of datetimes, got {pause!r}") from None
        begin, end = _aware(begin, f"pauses[{index}] from"), _aware(end, f"pauses[{index}] to")
        if end < begin:
            raise ValueError(f"pauses[{index}] ends ({end.isoformat()}) before it starts ({begin.isoformat()})")
        if end > begin:
            spans.append((begin, end))
    spans.sort()
    merged: list[Pause] = []
    for begin, end in spans:
        if merged and begin <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((begin, end))
    return merged


_CACHED_DAYS = 50_000
"""Dates whose intervals a calendar keeps (about 137 years; a few MB)."""


class BusinessCalendar:
    """Business-time arithmetic for one :class:`CalendarSpec`; ``name`` and ``version`` identify it in events."""

    __slots__ = (
        "_fixed_holidays",
        "_holiday_sets",
        "_intervals",
        "_set_years",
        "_week",
        "_week_minutes",
        "name",
        "spec",
        "version",
        "zone",
    )

    def __init__(self, spec: CalendarSpec, *, name: str, version: str = "unversioned") -> None:
        self.spec = spec
        self.name = name
        self.version = version
        self.zone = ZoneInfo(spec.timezone)
        self._week: tuple[tuple[tuple[int, int], ...], ...] = tuple(tuple(spec.open_minutes(day)) for day in DAYS)
        self._week_minutes = sum(end - start for day in self._week for start, end in day)
        self._fixed_holidays = frozenset(spec.holidays)
        self._holiday_sets: tuple[Callable[[int], frozenset[date]], ...] = ()
        if spec.holiday_sets:
            module = _holidays_module(name, spec.holiday_sets)
            self._holiday_sets = tuple(_holiday_set(name, module, code) for code in spec.holiday_sets)
        self._set_years: dict[int, frozenset[date]] = {}
        self._intervals: dict[date, tuple[Pause, ...]] = {}
        """Each local date's open intervals, computed once: a date's hours never change for a calendar
        (profiling the SLA service showed the wall-clock conversions as its largest cost)."""

    @classmethod
    def from_file(cls, calendars: CalendarsFile, name: str) -> BusinessCalendar:
        """The calendar ``name`` of a loaded file, carrying the file's version."""
        try:
            spec = calendars.calendars[name]
        except KeyError:
            known = ", ".join(sorted(calendars.calendars)) or "none"
            raise UnknownCalendarError(f"unknown calendar {name!r} (known: {known})") from None
        return cls(spec, name=name, version=calendars.version)

    def __repr__(self) -> str:
        return f"BusinessCalendar(name={self.name!r}, version={self.version!r}, zone={self.zone.key!r})"

    @property
    def has_hours(self) -> bool:
        """False when no day of the week has open hours (``due`` then raises NoBusinessHoursError)."""
        return any(self._week)

    # ------------------------------------------------------------------ public arithmetic

    def due(self, start: datetime, minutes: float, pauses: Sequence[Pause] = ()) -> datetime:
        """The instant at which ``minutes`` business minutes after ``start`` are used up, in the calendar's zone.

        Pauses remove their span from the clock. A deadline on a closing time (or the start of a break or a
        pause) moves to the next instant the clock runs; ``due(start, 0)`` is ``start`` when the clock runs at
        ``start`` and the next opening otherwise.
        """
        begin = _aware(start, "start")
        if isinstance(minutes, bool) or not isinstance(minutes, int | float):
            raise TypeError(f"minutes must be a number, got {type(minutes).__name__}")
        if not math.isfinite(minutes) or minutes < 0:
            raise ValueError(f"minutes must be a finite number >= 0, got {minutes!r}")
        if not self.has_hours:
            raise NoBusinessHoursError(
                f"calendar {self.name!r} has no open hours on any day of the week; no deadline can be reached"
            )
        # Fail fast on absurd targets: an upper bound of the business minutes left before the range ends
        # (nominal hours plus a generous DST allowance per day).
        weeks_left = (_LAST_DAY - self._local_date(begin)).days // 7 + 1
        if minutes > weeks_left * (self._week_minutes + 7 * 180):
            raise ValueError(f"{minutes} business minutes after {start.isoformat()} is beyond the year 9999")
        remaining = timedelta(minutes=minutes)
        try:
            for opened, closed in self._free(begin, _normalise_pauses(pauses)):
                span = closed - opened
                if remaining < span:
                    return (opened + remaining).astimezone(self.zone)
                remaining -= span
        except OverflowError:
            raise ValueError(f"calendar {self.name!r}: the deadline is beyond the year 9999") from None
        raise AssertionError("unreachable: _free() without an end either yields forever or raises")

    def elapsed(self, start: datetime, end: datetime, pauses: Sequence[Pause] = ()) -> float:
        """Business minutes in ``[start, end)`` minus pauses (fractional with seconds); 0 if ``end <= start``."""
        begin, finish = _aware(start, "start"), _aware(end, "end")
        normalised = _normalise_pauses(pauses)
        if finish <= begin or not self.has_hours:
            return 0.0
        total = timedelta(0)
        for opened, closed in self._free(begin, normalised, until=finish):
            if opened >= finish:
                break
            total += min(closed, finish) - opened
        return total / _MINUTE

    def intervals(self, start: datetime, end: datetime, pauses: Sequence[Pause] = ()) -> list[Pause]:
        """The running-clock intervals within ``[start, end)``, in the calendar's zone (for display and debugging)."""
        begin, finish = _aware(start, "start"), _aware(end, "end")
        normalised = _normalise_pauses(pauses)
        if finish <= begin or not self.has_hours:
            return []
        found: list[Pause] = []
        for opened, closed in self._free(begin, normalised, until=finish):
            if opened >= finish:
                break
            found.append((opened.astimezone(self.zone), min(closed, finish).astimezone(self.zone)))
        return found

    def is_open(self, at: datetime) -> bool:
        """Whether the clock runs at ``at`` (open hours, not a holiday; a closing instant itself is closed)."""
        instant = _aware(at, "at")
        day = self._local_date(instant)
        return any(
            opened <= instant < closed
            for previous in (day - _ONE_DAY, day)
            for opened, closed in self._day_intervals(previous)
        )

    def is_holiday(self, day: date) -> bool:
        """Whether the local date is closed all day as a holiday (listed or from a holiday set)."""
        if day in self._fixed_holidays:
            return True
        if not self._holiday_sets:
            return False
        dates = self._set_years.get(day.year)
        if dates is None:
            dates = frozenset(found for year_dates in self._holiday_sets for found in year_dates(day.year))
            self._set_years[day.year] = dates
        return day in dates

    # ------------------------------------------------------------------ the walk

    def _local_date(self, instant: datetime) -> date:
        return instant.astimezone(self.zone).date()

    def _wall_instant(self, day: date, minute: int) -> datetime:
        """The first instant (UTC) at which the local clock reads ``day`` + ``minute`` or later.

        ``minute`` 1440 is the next local midnight.
        """
        if minute >= 1440:
            day += _ONE_DAY
            minute -= 1440
        naive = datetime(day.year, day.month, day.day, minute // 60, minute % 60)
        instant = naive.replace(tzinfo=self.zone).astimezone(UTC)  # fold=0: the first of two readings
        if instant.astimezone(self.zone).replace(tzinfo=None) == naive:
            return instant
        # Skipped by a forward jump. fold=0 reads it with the offset before the jump (a later instant), fold=1
        # with the offset after (an earlier one); the jump lies in (earlier, later]. Transitions are whole seconds.
        earlier = naive.replace(tzinfo=self.zone, fold=1).astimezone(UTC)
        low, high = 0, int((instant - earlier).total_seconds())
        while high - low > 1:
            middle = (low + high) // 2
            probe = earlier + timedelta(seconds=middle)
            if probe.astimezone(self.zone).replace(tzinfo=None) >= naive:
                high = middle
            else:
                low = middle
        return earlier + timedelta(seconds=high)

    def _day_intervals(self, day: date) -> tuple[Pause, ...]:
        """Open intervals of one local date as non-empty UTC pairs, in order."""
        cached = self._intervals.get(day)
        if cached is not None:
            return cached
        spans = self._week[day.weekday()]
        found: list[Pause] = []
        if spans and not self.is_holiday(day):
            for start_minute, end_minute in spans:
                opened, closed = self._wall_instant(day, start_minute), self._wall_instant(day, end_minute)
                if opened < closed:
                    found.append((opened, closed))
        if len(self._intervals) >= _CACHED_DAYS:
            self._intervals.clear()  # far-apart dates (a fuzzer, years of history): start over, stay bounded
        self._intervals[day] = result = tuple(found)
        return result

    def _free(self, low: datetime, pauses: list[Pause], until: datetime | None = None) -> Iterator[Pause]:
        """Non-empty UTC intervals, in order, where the clock runs at or after ``low``.

        Walks local dates (each date's intervals lie between its midnight and the next), clips to ``low`` and
        cuts out ``pauses`` (normalised). Jumps over long pauses. Without ``until`` it never ends (the caller
        stops it) unless the date range runs out, which raises ValueError.
        """
        count, index = len(pauses), 0
        # Invariant: a local date's intervals lie in [midnight(date), midnight(date + 1)], where midnight is the
        # first instant the clock reads that date's 00:00 or later; an instant whose clock reads date D is
        # therefore at or after midnight(D), and earlier dates have nothing left after it.
        day = self._local_date(low)
        last = _LAST_DAY if until is None else min(_LAST_DAY, self._local_date(until) + _ONE_DAY)
        while True:
            while index < count and pauses[index][1] <= low:
                index += 1
            if index < count and pauses[index][0] <= low:
                low = pauses[index][1]
                index += 1
                day = max(day, self._local_date(low))
                continue
            if day > last:
                if until is None:
                    raise ValueError(f"calendar {self.name!r}: the deadline is beyond the year 9999")
                return
            for opened, closed in self._day_intervals(day):
                if closed <= low:
                    continue
                opened = max(opened, low)
                while index < count and pauses[index][0] < closed:
                    paused, resumed = pauses[index]
                    if resumed <= opened:
                        index += 1
                        continue
                    if paused > opened:
                        yield opened, paused
                    if resumed >= closed:
                        opened = closed
                        break
                    opened = resumed
                    index += 1
                if opened < closed:
                    yield opened, closed
                low = closed
            day += _ONE_DAY
