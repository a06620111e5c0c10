"""``helpdesk sla due|elapsed`` (sla.entrypoints.calendar_cli.main), driven in-process with capsys."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from sla.entrypoints.calendar_cli import format_minutes, main

pytestmark = pytest.mark.unit

CALENDARS = """\
version: "2026-11-01"
calendars:
  madrid-office:
    timezone: Europe/Madrid
    week:
      mon: [["09:00", "14:00"], ["15:00", "18:00"]]
      tue: [["09:00", "14:00"], ["15:00", "18:00"]]
      wed: [["09:00", "14:00"], ["15:00", "18:00"]]
      thu: [["09:00", "14:00"], ["15:00", "18:00"]]
      fri: [["09:00", "14:00"]]
    holidays: ["2026-12-25", "2027-01-01"]
  always: {timezone: UTC, week: {mon: [["00:00","24:00"]], tue: [["00:00","24:00"]], wed: [["00:00","24:00"]],
           thu: [["00:00","24:00"]], fri: [["00:00","24:00"]], sat: [["00:00","24:00"]], sun: [["00:00","24:00"]]}}
  regional:
    timezone: Europe/Madrid
    week: {mon: [["09:00", "17:00"]]}
    holiday_sets: [ES-MD]
"""


@pytest.fixture
def calendars(tmp_path: Path) -> str:
    path = tmp_path / "calendars.yaml"
    path.write_text(CALENDARS, encoding="utf-8")
    return str(path)


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_due_prints_an_rfc3339_instant_in_the_calendar_zone(calendars: str, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(
        capsys, "due", "--calendars", calendars, "--calendar", "madrid-office",
        "--start", "2026-12-24T16:00:00Z", "--minutes", "120",
    )  # fmt: skip
    assert (code, out, err) == (0, "2026-12-28T10:00:00+01:00\n", "")


def test_due_with_pauses_and_lower_case_rfc3339(calendars: str, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(
        capsys, "due", "--calendars", calendars, "--calendar", "madrid-office",
        "--start", "2026-03-02t10:00:00+01:00", "--minutes", "120",
        "--pause", "2026-03-02T10:30:00+01:00/2026-03-02T11:00:00+01:00",
        "--pause", "2026-03-02T09:30:00Z/2026-03-02T10:30:00Z",
    )  # fmt: skip
    # 10:00-10:30 counts, pauses 10:30-11:30 (merged), then 90 more: 13:00.
    assert (code, out) == (0, "2026-03-02T13:00:00+01:00\n")


def test_due_fractional_minutes_and_utc_zone(calendars: str, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(
        capsys, "due", "--calendars", calendars, "--calendar", "always",
        "--start", "2026-03-07T23:59:00+01:00", "--minutes", "1.5",
    )  # fmt: skip
    assert (code, out) == (0, "2026-03-07T23:00:30+00:00\n")


@pytest.mark.parametrize(
    ("start", "end", "expected"),
    [
        ("2026-03-06T13:00:00+01:00", "2026-03-09T10:00:00+01:00", "120"),  # Fri 60 + Mon 60
        ("2026-03-02T10:00:00+01:00", "2026-03-02T10:00:20+01:00", "0.3333"),
        ("2026-03-02T10:00:00+01:00", "2026-03-02T10:00:30+01:00", "0.5"),
        ("2026-03-02T10:00:00+01:00", "2026-03-02T09:00:00+01:00", "0"),  # end before start
    ],
)
def test_elapsed_prints_minutes(
    calendars: str, capsys: pytest.CaptureFixture[str], start: str, end: str, expected: str
) -> None:
    code, out, err = run(
        capsys, "elapsed", "--calendars", calendars, "--calendar", "madrid-office", "--from", start, "--to", end
    )
    assert (code, out, err) == (0, expected + "\n", "")


def test_elapsed_with_pause(calendars: str, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(
        capsys, "elapsed", "--calendars", calendars, "--calendar", "madrid-office",
        "--from", "2026-03-02T09:00:00+01:00", "--to", "2026-03-02T18:00:00+01:00",
        "--pause", "2026-03-02T13:30:00+01:00/2026-03-02T15:30:00+01:00",
    )  # fmt: skip
    assert (code, out) == (0, "420\n")


@pytest.mark.parametrize(
    ("minutes", "text"),
    [(480.0, "480"), (0.0, "0"), (1 / 3, "0.3333"), (2 / 3, "0.6667"), (59.99999999, "60"), (12.5, "12.5"),
     (100_000.00004, "100000"), (7.25, "7.25")],
)  # fmt: skip
def test_format_minutes(minutes: float, text: str) -> None:
    assert format_minutes(minutes) == text


BAD_INPUT = [
    (["--calendar", "nope"], "unknown calendar 'nope' (known: always, madrid-office, regional)"),
    (["--start", "yesterday"], "--start: 'yesterday' is not an RFC 3339 timestamp"),
    (["--start", "2026-03-02T10:00:00"], "--start: '2026-03-02T10:00:00' has no UTC offset"),
    (["--start", "2026-03-02"], "has no UTC offset"),
    (["--minutes", "-5"], "--minutes: '-5' must be a finite number >= 0"),
    (["--minutes", "ten"], "--minutes: 'ten' is not a number"),
    (["--minutes", "nan"], "must be a finite number >= 0"),
    (["--pause", "2026-03-02T10:00:00Z"], "is not FROM/TO"),
    (["--pause", "2026-03-02T11:00:00Z/2026-03-02T10:00:00Z"], "ends before it starts"),
    (["--pause", "2026-03-02T10:00:00Z/2026-03-02T11:00:00"], "--pause TO: '2026-03-02T11:00:00' has no UTC offset"),
]


@pytest.mark.parametrize(("override", "message"), BAD_INPUT)
def test_bad_input_exits_2_with_a_clear_message(
    calendars: str, capsys: pytest.CaptureFixture[str], override: list[str], message: str
) -> None:
    options = {"--calendars": calendars, "--calendar": "madrid-office", "--start": "2026-03-02T10:00:00Z",
               "--minutes": "60"}  # fmt: skip
    extra: list[str] = []
    if override[0] == "--pause":
        extra = override
    else:
        options[override[0]] = override[1]
    argv = ["due", *[part for item in options.items() for part in item], *extra]
    code, out, err = run(capsys, *argv)
    assert (code, out) == (2, "")
    assert err.startswith("helpdesk sla due: error: ")
    assert message in err


def test_bad_file_names_the_file_and_the_place(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "calendars.yaml"
    path.write_text(
        CALENDARS.replace('[["09:00", "14:00"], ["15:00", "18:00"]]', '[["09:00", "14:30"], ["14:00", "18:00"]]', 1)
    )
    code, _, err = run(
        capsys, "elapsed", "--calendars", str(path), "--calendar", "always",
        "--from", "2026-03-02T10:00:00Z", "--to", "2026-03-02T11:00:00Z",
    )  # fmt: skip
    assert code == 2
    assert f"{path}: calendars.madrid-office.week.mon[1]: 14:00-18:00 overlaps" in err


def test_missing_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    missing = tmp_path / "nope.yaml"
    code, _, err = run(
        capsys, "due", "--calendars", str(missing), "--calendar", "always",
        "--start", "2026-03-02T10:00:00Z", "--minutes", "1",
    )  # fmt: skip
    assert code == 2
    assert f"{missing}: cannot read calendars file" in err


def test_usage_errors_exit_2(calendars: str, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(capsys, "due", "--calendars", calendars, "--calendar", "always", "--start", "2026-03-02T10:00Z")
    assert code == 2
    assert "usage: helpdesk sla due" in err and "the following arguments are required: --minutes" in err
    code, _, err = run(capsys, "soon")
    assert code == 2 and "invalid choice: 'soon'" in err
    code, _, err = run(capsys)
    assert code == 2


def test_help_exits_0(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["due", "--help"]) == 0
    assert "--minutes N" in capsys.readouterr().out


def test_holiday_sets_without_the_package_exit_1(
    calendars: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "holidays", None)
    code, _, err = run(
        capsys, "due", "--calendars", calendars, "--calendar", "regional",
        "--start", "2026-03-02T10:00:00Z", "--minutes", "1",
    )  # fmt: skip
    assert code == 1
    assert "need the optional 'holidays' package" in err
