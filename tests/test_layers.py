"""The architecture's one-way layers hold: only data_access touches the database, only the gate reads scoped tables."""
from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LAYOUT_AND_WIRING = ("pages", "components", "callbacks", "exports")


def python_files(*folders: str) -> list[Path]:
    return [p for folder in folders for p in (ROOT / folder).rglob("*.py")]


def test_only_the_gate_reads_contract_tables():
    allowed = {"data_access/gate.py", "data_access/database.py"}
    offenders = [
        str(p.relative_to(ROOT))
        for p in python_files("data_access", "api", *LAYOUT_AND_WIRING)
        if "contract_table(" in p.read_text() and str(p.relative_to(ROOT)) not in allowed
    ]
    assert offenders == []


def test_layout_and_wiring_never_import_sqlalchemy():
    imports_sql = re.compile(r"^\s*(from|import)\s+sqlalchemy", re.MULTILINE)
    offenders = [str(p.relative_to(ROOT)) for p in python_files(*LAYOUT_AND_WIRING, "api")
                 if imports_sql.search(p.read_text())]
    assert offenders == []


def test_data_access_never_imports_dash():
    imports_dash = re.compile(r"^\s*(from|import)\s+dash", re.MULTILINE)
    assert [p.name for p in python_files("data_access") if imports_dash.search(p.read_text())] == []


def test_queries_connect_only_through_the_database_so_the_breaker_hears_of_every_failure():
    # data_access/check.py is the integrator's contract check: a command of its own, with no Database.
    allowed = {"data_access/database.py", "data_access/check.py"}
    raw = re.compile(r"engine\.(connect|begin)\(|inspect\(\s*(db\.)?engine")
    offenders = [str(p.relative_to(ROOT)) for p in python_files("data_access", "api", *LAYOUT_AND_WIRING)
                 if raw.search(p.read_text()) and str(p.relative_to(ROOT)) not in allowed]
    assert offenders == []
