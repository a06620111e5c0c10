"""Architecture rules: the domain does no I/O; services never import each other."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

pytestmark = pytest.mark.unit
ROOT = Path(__file__).resolve().parents[2]
SERVICES = ["intake", "routing", "sla", "escalation", "projections"]
IO_LIBS = {"faststream", "aiokafka", "asyncpg", "fastapi", "httpx", "uvicorn", "helpdesk_runtime"}


def imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(a.name.split(".")[0] for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module.split(".")[0])
    return names


@pytest.mark.parametrize("service", SERVICES)
def test_domain_imports_no_io_library(service):
    for path in (ROOT / "services" / service / "src" / service / "domain").rglob("*.py"):
        assert not imported_modules(path) & IO_LIBS, f"{path} imports {imported_modules(path) & IO_LIBS}"


@pytest.mark.parametrize("service", SERVICES)
def test_services_never_import_each_other(service):
    others = set(SERVICES) - {service}
    for path in (ROOT / "services" / service).rglob("*.py"):
        assert not imported_modules(path) & others, f"{path} imports {imported_modules(path) & others}"


def test_libs_events_does_no_io():
    for path in (ROOT / "libs" / "events" / "src").rglob("*.py"):
        assert not imported_modules(path) & IO_LIBS, path
