"""Business-hours calendars as configured in ``calendars.yaml`` (the public contract; see docs/sla-calendars.md).

```yaml
version: "2026-11-01"            # optional, "unversioned" when absent
calendars:
  madrid-office:
    timezone: Europe/Madrid      # an IANA zone name
    week:                        # local wall-clock hours; a missing day is closed
      mon: [["09:00", "14:00"], ["15:00", "18:00"]]
      tue: [["09:00", "18:00"]]
    holidays: ["2026-12-25"]     # whole local dates
    holiday_sets: [ES-MD]        # optional, from the `holidays` package
```

Only the shape is checked here; :class:`sla.domain.calendar.BusinessCalendar` does the arithmetic.
"""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path
from typing import Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import yaml  # type: ignore[import-untyped, unused-ignore]
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator
from pydantic_core import PydanticCustomError

__all__ = [
    "DAYS",
    "CalendarSpec",
    "CalendarsFile",
    "DayName",
    "load_calendars",
    "parse_clock",
]

DayName = Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
DAYS: tuple[DayName, ...] = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
"""Day keys in ``date.weekday()`` order."""

_CLOCK = re.compile(r"(?P<h>[01]\d|2[0-4]):(?P<m>[0-5]\d)")
_HOLIDAY_SET = re.compile(r"[A-Za-z]{2,3}(-[A-Za-z0-9]{1,10})?")


def parse_clock(text: str) -> int:
    """Minutes since local midnight for ``"HH:MM"`` (``"24:00"`` is 1440, the next local midnight)."""
    match = _CLOCK.fullmatch(text)
    if match is None or (match["h"] == "24" and match["m"] != "00"):
        raise ValueError(f"{text!r} is not a time of day in HH:MM form (00:00..23:59, or 24:00 as an end)")
    return int(match["h"]) * 60 + int(match["m"])


def _check_clock(value: object) -> str:
    if isinstance(value, bool) or not isinstance(value, str):
        hint = ""
        if isinstance(value, int):
            # YAML 1.1 reads an unquoted 14:00 as the base-60 number 840.
            hint = f' (an unquoted {value // 60}:{value % 60:02d} in YAML is read as a number; quote it: "HH:MM")'
        raise PydanticCustomError(
            "clock_type",
            "expected a time of day as a string in HH:MM form, got {got}{hint}",
            {"got": repr(value), "hint": hint},
        )
    try:
        parse_clock(value)
    except ValueError as exc:
        raise PydanticCustomError("clock_format", str(exc)) from None
    return value


class CalendarSpec(BaseModel):
    """One calendar: a zone, weekly local working hours, and the dates that are closed all day."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    timezone: str
    week: dict[DayName, list[tuple[str, str]]]
    """Day -> sorted, non-overlapping ``[start, end]`` local wall-clock intervals; a missing day is closed."""
    holidays: list[date] = Field(default_factory=list)
    holiday_sets: list[str] = Field(default_factory=list)
    """``country`` or ``country-subdivision`` codes of the ``holidays`` package, e.g. ``ES`` or ``ES-MD``."""

    @field_validator("timezone")
    @classmethod
    def _zone_exists(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"unknown time zone {value!r} (expected an IANA name such as Europe/Madrid)") from None
        return value

    @field_validator("week", mode="before")
    @classmethod
    def _week_shape(cls, value: Any) -> Any:
        """Check each interval's shape and times before pydantic coerces them, so errors point at ``mon[1]``."""
        if not isinstance(value, dict):
            return value  # pydantic reports the type error
        for day, intervals in value.items():
            if day not in DAYS or not isinstance(intervals, list | tuple):
                continue  # pydantic reports unknown days and non-lists
            for index, interval in enumerate(intervals):
                if not isinstance(interval, list | tuple) or len(interval) != 2:
                    raise PydanticCustomError(
                        "interval_shape",
                        "{day}[{index}]: expected a [start, end] pair of HH:MM times, got {got}",
                        {"day": day, "index": index, "got": repr(interval)},
                    )
                for position, clock in zip(("start", "end"), interval, strict=True):
                    try:
                        _check_clock(clock)
                    except PydanticCustomError as exc:
                        raise PydanticCustomError(
                            "interval_time",
                            "{day}[{index}] {position}: {problem}",
                            {"day": day, "index": index, "position": position, "problem": exc.message()},
                        ) from None
        return value

    @field_validator("week")
    @classmethod
    def _week_order(cls, value: dict[DayName, list[tuple[str, str]]]) -> dict[DayName, list[tuple[str, str]]]:
        for day in DAYS:
            previous_end: int | None = None
            for index, (start, end) in enumerate(value.get(day, [])):
                ctx = {"day": day, "index": index, "start": start, "end": end}
                if start == "24:00":
                    raise PydanticCustomError("interval_start", "{day}[{index}]: 24:00 can only end an interval", ctx)
                if parse_clock(start) >= parse_clock(end):
                    raise PydanticCustomError(
                        "interval_empty", "{day}[{index}]: start {start} must be before end {end}", ctx
                    )
                if previous_end is not None and parse_clock(start) < previous_end:
                    prev = value[day][index - 1]
                    raise PydanticCustomError(
                        "interval_order",
                        "{day}[{index}]: {start}-{end} overlaps or comes before {day}[{previous}] "
                        "{prev_start}-{prev_end}; list intervals in order without overlaps",
                        {**ctx, "previous": index - 1, "prev_start": prev[0], "prev_end": prev[1]},
                    )
                previous_end = parse_clock(end)
        return value

    @field_validator("holiday_sets")
    @classmethod
    def _holiday_set_codes(cls, value: list[str]) -> list[str]:
        for index, code in enumerate(value):
            if not _HOLIDAY_SET.fullmatch(code):
                raise PydanticCustomError(
                    "holiday_set",
                    "[{index}]: {code} is not a holiday set code (country or country-subdivision, e.g. ES or ES-MD)",
                    {"index": index, "code": repr(code)},
                )
        return value

    def open_minutes(self, day: DayName) -> list[tuple[int, int]]:
        """The day's intervals as (start, end) minutes since local midnight; end may be 1440."""
        return [(parse_clock(start), parse_clock(end)) for start, end in self.week.get(day, [])]


class CalendarsFile(BaseModel):
    """The whole ``calendars.yaml``."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    version: str = "unversioned"
    calendars: dict[str, CalendarSpec]

    @field_validator("version", mode="before")
    @classmethod
    def _version_text(cls, value: Any) -> Any:
        # YAML reads an unquoted 2026-11-01 as a date and 3 as an int; both are unambiguous as text.
        if isinstance(value, date) or (isinstance(value, int) and not isinstance(value, bool)):
            return value.isoformat() if isinstance(value, date) else str(value)
        return value


def _location(loc: tuple[int | str, ...], ctx: dict[str, Any] | None) -> str:
    """Error location plus the day/index from ctx, e.g. ``calendars.madrid-office.week.mon[1]``."""
    text = ""
    for part in loc:
        if part == "[key]":  # pydantic's marker for a bad dict key; the key itself is the previous part
            continue
        if isinstance(part, int):
            text += f"[{part}]"
        else:
            text += f".{part}" if text else part
    if ctx and "day" in ctx:
        text += f".{ctx['day']}"
    if ctx and "index" in ctx:
        text += f"[{ctx['index']}]"
        if "position" in ctx:
            text += f".{ctx['position']}"
    return text or "(top level)"


def _problem(error: Any) -> str:
    message = str(error["msg"]).removeprefix("Value error, ")
    ctx = error.get("ctx") or {}
    if "day" in ctx and "index" in ctx:
        # The location already names day and index; drop the "mon[1] " / "mon[1] start: " prefix.
        prefix = f"{ctx['day']}[{ctx['index']}]"
        if "position" in ctx:
            prefix += f" {ctx['position']}"
        message = message.removeprefix(prefix).removeprefix(":").strip()
    elif "index" in ctx:
        message = message.removeprefix(f"[{ctx['index']}]:").strip()
    return message


def format_validation_error(source: str, exc: ValidationError) -> str:
    """One line per problem: ``FILE: calendars.madrid-office.week.mon[1]: start 15:00 must be ...``."""
    lines = []
    for error in exc.errors(include_url=False):
        ctx = error.get("ctx")
        lines.append(f"{source}: {_location(tuple(error['loc']), ctx)}: {_problem(error)}")
    return "\n".join(lines)


def load_calendars(path: str | Path) -> CalendarsFile:
    """Read and validate a calendars file.

    Raises ValueError naming the file, the place inside it (``calendars.madrid-office.week.mon[1]``) and the problem.
    """
    source = str(path)
    try:
        with Path(path).open(encoding="utf-8") as stream:
            data = yaml.safe_load(stream)
    except OSError as exc:
        raise ValueError(f"{source}: cannot read calendars file: {exc.strerror or exc}") from exc
    except UnicodeDecodeError as exc:
        raise ValueError(f"{source}: not UTF-8 text: {exc}") from exc
    except yaml.YAMLError as exc:
        raise ValueError(f"{source}: not valid YAML: {exc}") from exc
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise ValueError(f"{source}: (top level): expected a mapping with 'calendars:', got {type(data).__name__}")
    try:
        return CalendarsFile.model_validate(data)
    except ValidationError as exc:
        raise ValueError(format_validation_error(source, exc)) from exc
