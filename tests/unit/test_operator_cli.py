"""`helpdesk config validate` names the file, the path inside it and the problem; git-style dispatch works."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.unit
ROOT = Path(__file__).resolve().parents[2]
HELPDESK = str(Path(sys.executable).parent / "helpdesk")


def run(*args: str) -> subprocess.CompletedProcess[str]:
    env = {"PATH": str(Path(sys.executable).parent), "COLUMNS": "200", "HOME": str(ROOT)}
    return subprocess.run([HELPDESK, *args], capture_output=True, text=True, env=env, timeout=120)


def test_sample_configuration_is_valid():
    result = run("config", "validate", "--dir", str(ROOT / "deploy/config/sample"))
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.count("configuration OK") == 5


def test_broken_configuration_is_rejected_with_file_path_and_problem(tmp_path):
    shutil.copytree(ROOT / "deploy/config/sample", tmp_path, dirs_exist_ok=True)
    teams = tmp_path / "teams.yaml"
    teams.write_text(teams.read_text().replace("tier: L2", "tier: L9", 1))
    result = run("config", "validate", "--dir", str(tmp_path))
    assert result.returncode == 1
    assert f"{teams}: teams[1].tier: Input should be 'L1', 'L2' or 'L3'" in result.stdout


def test_subcommands_come_from_the_services():
    result = run(
        "sla",
        "due",
        "--calendars",
        str(ROOT / "deploy/config/sample/calendars.yaml"),
        "--calendar",
        "always",
        "--start",
        "2026-11-23T08:00:00Z",
        "--minutes",
        "90",
    )
    assert result.stdout.strip() == "2026-11-23T09:30:00+00:00"
    unknown = run("frobnicate")
    assert unknown.returncode == 2 and "no helpdesk-frobnicate" in unknown.stderr


def test_replay_of_a_service_that_cannot_be_replayed_says_so_without_touching_anything():
    env_run = subprocess.run(
        [HELPDESK, "replay", "intake"],
        capture_output=True,
        text=True,
        timeout=120,
        env={
            "PATH": str(Path(sys.executable).parent),
            "HOME": str(ROOT),
            "HELPDESK_ENV": "development",
            "HELPDESK_CONFIG_DIR": str(ROOT / "deploy/config/sample"),
            # Nothing listens here: the command must decide before connecting to anything.
            "HELPDESK_PG_DSN": "postgresql://nobody:x@127.0.0.1:1/none",
            "HELPDESK_KAFKA_BOOTSTRAP": "127.0.0.1:1",
        },
    )
    assert env_run.returncode == 2, env_run.stdout + env_run.stderr
    assert "intake cannot be replayed" in env_run.stderr


def test_replay_names_the_services_it_knows():
    result = run("replay", "ticketing")
    assert result.returncode == 2
    assert "unknown service 'ticketing'" in result.stdout
