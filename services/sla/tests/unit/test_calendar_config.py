"""calendars.yaml: shape, validation, and error messages that name the file, the place and the problem."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import ValidationError
from sla.domain.calendar_config import CalendarsFile, CalendarSpec, load_calendars, parse_clock

pytestmark = pytest.mark.unit

BRIEF = """\
calendars:
  madrid-office:
    timezone: Europe/Madrid
    week:
      mon: [["09:00", "14:00"], ["15:00", "18:00"]]
      tue: [["09:00", "18:00"]]
    holidays: ["2026-12-25", "2027-01-01"]
    holiday_sets: [ES-MD]
  always: {timezone: UTC, week: {mon: [["00:00","24:00"]], tue: [["00:00","24:00"]], wed: [["00:00","24:00"]], thu: [["00:00","24:00"]], fri: [["00:00","24:00"]], sat: [["00:00","24:00"]], sun: [["00:00","24:00"]]}}
"""  # noqa: E501  (the contract's example, verbatim)


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "calendars.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_the_contract_example_loads(tmp_path: Path) -> None:
    loaded = load_calendars(write(tmp_path, BRIEF))
    assert loaded.version == "unversioned"
    office = loaded.calendars["madrid-office"]
    assert office.timezone == "Europe/Madrid"
    assert office.open_minutes("mon") == [(540, 840), (900, 1080)]
    assert office.open_minutes("wed") == []
    assert [str(day) for day in office.holidays] == ["2026-12-25", "2027-01-01"]
    assert office.holiday_sets == ["ES-MD"]
    assert loaded.calendars["always"].open_minutes("sun") == [(0, 1440)]


def test_the_sample_deploy_file_loads() -> None:
    root = Path(__file__).resolve().parents[4]
    loaded = load_calendars(root / "deploy/config/sample/calendars.yaml")
    assert "madrid-office" in loaded.calendars


@pytest.mark.parametrize(("text", "version"), [('version: "v3"\n', "v3"), ("version: 2026-11-01\n", "2026-11-01"),
                                               ("version: 7\n", "7"), ("", "unversioned")])  # fmt: skip
def test_version(tmp_path: Path, text: str, version: str) -> None:
    assert load_calendars(write(tmp_path, text + "calendars: {}\n")).version == version


def test_parse_clock() -> None:
    assert (parse_clock("00:00"), parse_clock("09:30"), parse_clock("23:59"), parse_clock("24:00")) == (
        0,
        570,
        1439,
        1440,
    )
    for bad in ("24:01", "9:00", "25:00", "12:60", "noon", "12:00:00"):
        with pytest.raises(ValueError, match="is not a time of day in HH:MM form"):
            parse_clock(bad)


def calendar_yaml(week: str, extra: str = "") -> str:
    return f"calendars:\n  madrid-office:\n    timezone: Europe/Madrid\n    week: {week}\n{extra}"


@pytest.mark.parametrize(
    ("week", "extra", "place", "problem"),
    [
        ('{mon: [["09:00", "14:30"], ["14:00", "18:00"]]}', "", "calendars.madrid-office.week.mon[1]",
         "14:00-18:00 overlaps or comes before mon[0] 09:00-14:30"),
        ('{tue: [["15:00", "18:00"], ["09:00", "14:00"]]}', "", "calendars.madrid-office.week.tue[1]",
         "09:00-14:00 overlaps or comes before tue[0] 15:00-18:00"),
        ('{wed: [["18:00", "09:00"]]}', "", "calendars.madrid-office.week.wed[0]",
         "start 18:00 must be before end 09:00"),
        ('{thu: [["09:00", "09:00"]]}', "", "calendars.madrid-office.week.thu[0]",
         "start 09:00 must be before end 09:00"),
        ('{fri: [["24:00", "24:00"]]}', "", "calendars.madrid-office.week.fri[0]", "24:00 can only end an interval"),
        ('{sat: [["09:00", "25:00"]]}', "", "calendars.madrid-office.week.sat[0].end", "'25:00' is not a time of day"),
        ('{sun: [["9:00", "12:00"]]}', "", "calendars.madrid-office.week.sun[0].start", "'9:00' is not a time of day"),
        ('{mon: [["09:00", 14:00]]}', "", "calendars.madrid-office.week.mon[0].end",
         'an unquoted 14:00 in YAML is read as a number; quote it: "HH:MM"'),
        ('{mon: [["09:00", "12:00", "13:00"]]}', "", "calendars.madrid-office.week.mon[0]",
         "expected a [start, end] pair of HH:MM times"),
        ('{mon: ["09:00-18:00"]}', "", "calendars.madrid-office.week.mon[0]", "expected a [start, end] pair"),
        ('{monday: [["09:00", "18:00"]]}', "", "calendars.madrid-office.week.monday",
         "Input should be 'mon', 'tue', 'wed', 'thu', 'fri', 'sat' or 'sun'"),
        ("{}", "    holidays: [\"2026-02-30\"]\n", "calendars.madrid-office.holidays[0]", "valid date"),
        ("{}", "    holiday_sets: [ES_MD]\n", "calendars.madrid-office.holiday_sets[0]",
         "'ES_MD' is not a holiday set code"),
        ("{}", "    holiday: []\n", "calendars.madrid-office.holiday", "Extra inputs are not permitted"),
    ],
)  # fmt: skip
def test_errors_name_the_file_the_place_and_the_problem(
    tmp_path: Path, week: str, extra: str, place: str, problem: str
) -> None:
    path = write(tmp_path, calendar_yaml(week, extra))
    with pytest.raises(ValueError) as caught:
        load_calendars(path)
    message = str(caught.value)
    assert message.startswith(f"{path}: {place}: "), message
    assert problem in message


def test_bad_timezone(tmp_path: Path) -> None:
    path = write(tmp_path, "calendars:\n  x:\n    timezone: Europe/Madridd\n    week: {}\n")
    with pytest.raises(ValueError, match=r"calendars\.x\.timezone: unknown time zone 'Europe/Madridd'"):
        load_calendars(path)


def test_several_problems_are_all_reported(tmp_path: Path) -> None:
    text = (
        "calendars:\n  a:\n    timezone: Nowhere/Land\n    week: {}\n"
        '  b:\n    timezone: UTC\n    week: {mon: [["10:00", "09:00"]]}\n'
    )
    lines = str(pytest.raises(ValueError, load_calendars, write(tmp_path, text)).value).splitlines()
    assert [line.split(": ")[1] for line in lines] == ["calendars.a.timezone", "calendars.b.week.mon[0]"]


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("calendars: [\n", "not valid YAML"),
        ("- a\n- b\n", "(top level): expected a mapping with 'calendars:', got list"),
        ("version: x\n", "calendars: Field required"),
        ("calendars:\n  x:\n    timezone: UTC\n", "calendars.x.week: Field required"),
    ],
)
def test_bad_files(tmp_path: Path, text: str, problem: str) -> None:
    path = write(tmp_path, text)
    with pytest.raises(ValueError) as caught:
        load_calendars(path)
    assert str(caught.value).startswith(f"{path}: ")
    assert problem in str(caught.value)


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="nope.yaml: cannot read calendars file: No such file or directory"):
        load_calendars(tmp_path / "nope.yaml")


def test_models_directly() -> None:
    spec = CalendarSpec(timezone="UTC", week={"mon": [("09:00", "12:00"), ("12:00", "18:00")]})
    assert spec.open_minutes("mon") == [(540, 720), (720, 1080)]  # touching is allowed
    with pytest.raises(ValidationError, match=r"mon\[1\]: 11:00-18:00 overlaps"):
        CalendarSpec(timezone="UTC", week={"mon": [("09:00", "12:00"), ("11:00", "18:00")]})
    with pytest.raises(ValidationError, match=r"calendars\.office\.week[\s\S]*mon\[0\]: start 12:00 must be before"):
        CalendarsFile.model_validate(
            {"calendars": {"office": {"timezone": "UTC", "week": {"mon": [["12:00", "09:00"]]}}}}
        )
