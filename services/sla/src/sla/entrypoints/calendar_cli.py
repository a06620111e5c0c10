"""``helpdesk sla due|elapsed``: business-time arithmetic on a calendars file, from the command line.

    due     --calendars FILE --calendar NAME --start RFC3339 --minutes N [--pause FROM/TO ...]
    elapsed --calendars FILE --calendar NAME --from T1 --to T2 [--pause FROM/TO ...]

``due`` prints one RFC 3339 instant in the calendar's zone; ``elapsed`` prints business minutes (an integer
when whole, else a decimal with up to 4 places). Exit status: 0 ok, 2 bad input (usage, file, calendar name,
timestamp, number), 1 when the environment lacks something (the optional ``holidays`` package).
"""

from __future__ import annotations

import argparse
import math
import sys
from datetime import datetime
from typing import NoReturn

from sla.domain.calendar import BusinessCalendar, HolidaySetsUnavailableError, Pause, UnknownCalendarError
from sla.domain.calendar_config import load_calendars

__all__ = ["build_parser", "format_minutes", "main", "parse_instant"]

PROG = "helpdesk sla"


class _InputError(Exception):
    """Bad input, reported as ``prog: error: message`` with exit status 2."""

    def __init__(self, message: str, prog: str = PROG, usage: str = "") -> None:
        super().__init__(message)
        self.prog = prog
        self.usage = usage


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        raise _InputError(message, self.prog, self.format_usage())


def parse_instant(text: str, option: str) -> datetime:
    """An RFC 3339 timestamp with a UTC offset (``Z`` or ``±HH:MM``); anything else is an input error."""
    try:
        value = datetime.fromisoformat(text.strip().upper())  # RFC 3339 allows a lower-case t and z
    except ValueError:
        raise _InputError(
            f"{option}: {text!r} is not an RFC 3339 timestamp (e.g. 2026-03-30T09:00:00+02:00 or 2026-03-30T07:00:00Z)"
        ) from None
    if value.tzinfo is None or value.utcoffset() is None:
        raise _InputError(f"{option}: {text!r} has no UTC offset; add Z or ±HH:MM (e.g. {text}Z)")
    return value


def _parse_pause(text: str) -> Pause:
    begin, slash, end = text.partition("/")
    if not slash or "/" in end:
        raise _InputError(f"--pause: {text!r} is not FROM/TO (two RFC 3339 timestamps separated by '/')")
    paused, resumed = parse_instant(begin, "--pause FROM"), parse_instant(end, "--pause TO")
    if resumed < paused:
        raise _InputError(f"--pause: {text!r} ends before it starts")
    return paused, resumed


def _parse_minutes(text: str) -> float:
    try:
        minutes = float(text)
    except ValueError:
        raise _InputError(f"--minutes: {text!r} is not a number") from None
    if not math.isfinite(minutes) or minutes < 0:
        raise _InputError(f"--minutes: {text!r} must be a finite number >= 0")
    return minutes


def format_minutes(minutes: float) -> str:
    """``480`` when whole (to 4 places), else ``0.3333``: at most 4 decimals, no trailing zeros."""
    rounded = round(minutes, 4)
    if rounded == int(rounded):
        return str(int(rounded))
    return f"{rounded:.4f}".rstrip("0")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog=PROG, description="Business-time arithmetic on an SLA calendars file.", allow_abbrev=False)
    commands = parser.add_subparsers(dest="command", required=True, metavar="{due,elapsed}")

    def common(sub: argparse.ArgumentParser) -> None:
        sub.add_argument("--calendars", required=True, metavar="FILE", help="calendars.yaml")
        sub.add_argument("--calendar", required=True, metavar="NAME", help="a calendar in FILE")
        sub.add_argument(
            "--pause",
            action="append",
            default=[],
            metavar="FROM/TO",
            help="stop the clock between two RFC 3339 instants (repeatable; may overlap or lie outside hours)",
        )

    due = commands.add_parser(
        "due",
        help="the instant when N business minutes after --start are used up",
        description="Print the instant (RFC 3339, in the calendar's zone) when N business minutes after "
        "--start are used up.",
        allow_abbrev=False,
    )
    common(due)
    due.add_argument("--start", required=True, metavar="RFC3339", help="when the clock starts")
    due.add_argument("--minutes", required=True, metavar="N", help="business minutes (>= 0, may be fractional)")

    elapsed = commands.add_parser(
        "elapsed",
        help="business minutes between two instants",
        description="Print the business minutes between --from and --to (0 if --to is not after --from).",
        allow_abbrev=False,
    )
    common(elapsed)
    elapsed.add_argument("--from", dest="from_", required=True, metavar="RFC3339")
    elapsed.add_argument("--to", required=True, metavar="RFC3339")
    return parser


def _run(args: argparse.Namespace) -> str:
    pauses = [_parse_pause(text) for text in args.pause]
    if args.command == "due":
        start = parse_instant(args.start, "--start")
        minutes = _parse_minutes(args.minutes)
    else:
        start, end = parse_instant(args.from_, "--from"), parse_instant(args.to, "--to")
    calendar = BusinessCalendar.from_file(load_calendars(args.calendars), args.calendar)
    if args.command == "due":
        return calendar.due(start, minutes, pauses).isoformat()
    return format_minutes(calendar.elapsed(start, end, pauses))


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
        prog = f"{PROG} {args.command}"
        try:
            print(_run(args))
        except _InputError as exc:
            exc.prog = prog
            raise
        except (ValueError, UnknownCalendarError) as exc:
            raise _InputError(str(exc), prog) from exc
    except _InputError as exc:
        sys.stderr.write(f"{exc.usage}{exc.prog}: error: {exc}\n")
        return 2
    except HolidaySetsUnavailableError as exc:
        sys.stderr.write(f"{PROG}: error: {exc}\n")
        return 1
    except SystemExit as exc:  # --help
        return exc.code if isinstance(exc.code, int) else 0
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
