"""A city's own schema, made to fit the contract with the SQL views docs/integration.md gives, serves the same KPIs.

The demo city is turned into a typical 数字城管 operational schema (its
tables and columns renamed, statuses, channels, levels and roles stored as
that schema's codes), then the view DDL is taken from docs/integration.md
itself, so the guide cannot drift from what works: `python -m
data_access.check` must accept the result, and every API answer must equal
the one the untouched demo city gives.
"""
from __future__ import annotations

import re
from datetime import datetime
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from data_access.check import main as check_main
from data_access.contract import AREA_LEVELS, TICKET_SOURCES, TICKET_STATUSES, WORKER_ROLES
from demo.generate import generate
from tests.support import fresh_database_url, read_only_database, signed_in, api_server

GUIDE = Path(__file__).resolve().parents[1] / "docs" / "integration.md"
NOW = datetime(2026, 11, 20, 15, 30)
AS_OF = "2026-11-20T15:00:00"

# The operational schema: contract table -> (its table there, contract column -> its column there).
OPERATIONAL_NAMES = {
    "area": ("dcm_region", {
        "area_code": "region_code", "parent_code": "parent_region_code", "level": "region_level",
        "name": "region_name", "boundary": "boundary_geojson", "center_lat": "label_lat", "center_lon": "label_lng",
    }),
    "department": ("dcm_dept", {"dept_code": "dept_id", "name": "dept_name"}),
    "category": ("dcm_event_type", {
        "category_code": "type_code", "parent_code": "parent_type_code", "level": "type_level",
        "name": "type_name", "sla_hours": "time_limit_hours",
    }),
    "ticket": ("dcm_case", {
        "ticket_id": "case_no", "source": "channel_code", "category_code": "type_code", "area_code": "cell_code",
        "lat": "gps_lat", "lon": "gps_lng", "status": "case_state", "urgent": "is_urgent",
        "reported_at": "report_time", "accepted_at": "register_time", "dispatched_at": "dispatch_time",
        "handled_at": "dispose_time", "closed_at": "archive_time", "due_at": "deadline_time",
        "dept_code": "dispose_dept_id", "rework_count": "rework_times", "satisfaction": "satisfaction_level",
        "title": "case_title", "reporter_phone": "reporter_tel", "supervision": "supervise_flag",
    }),
    "grid_worker": ("grid_member", {
        "worker_id": "member_id", "name": "member_name", "role": "member_type", "area_code": "grid_code",
        "phone": "mobile", "active": "on_duty",
    }),
    "worker_position": ("member_track", {
        "worker_id": "member_id", "recorded_at": "track_time", "lat": "gps_lat", "lon": "gps_lng",
    }),
}
# The codes that schema stores for the contract's words.
OPERATIONAL_CODES = {
    ("dcm_region", "region_level"): dict(zip(AREA_LEVELS, "1234567")),
    ("dcm_case", "channel_code"): dict(zip(TICKET_SOURCES, ("01", "02", "03", "04", "05", "06"))),
    ("dcm_case", "case_state"): dict(zip(TICKET_STATUSES, ("10", "20", "30", "40", "50", "60", "90"))),
    ("grid_member", "member_type"): dict(zip(WORKER_ROLES, "12345")),
    ("dcm_case", "supervise_flag"): {"supervised": "1", "leader": "2"},
}
QUESTIONS = [
    f"/api/v1/kpis?as_of={AS_OF}",
    f"/api/v1/kpis?as_of={AS_OF}&source=hotline_12345,grid_patrol",
    *(f"/api/v1/breakdown?by={by}&as_of={AS_OF}" for by in ("area", "source", "category", "dept", "status", "day")),
    *(f"/api/v1/backlog?by={by}&as_of={AS_OF}" for by in ("age", "area", "status")),
    "/health",
]
# The guide gives DDL for PostgreSQL and MySQL; the PostgreSQL views are portable enough for SQLite too.
GUIDE_DIALECT = {"sqlite": "postgresql", "postgresql": "postgresql", "mariadb": "mysql"}


def guide_sql(kind: str, dialect: str) -> list[str]:
    """The statements of the guide's block marked <!-- kind: dialect -->."""
    blocks = re.findall(rf"<!-- {kind}: {dialect} -->\s*```sql\n(.*?)```", GUIDE.read_text(encoding="utf-8"), re.S)
    assert len(blocks) == 1, f"docs/integration.md has {len(blocks)} '{kind}: {dialect}' blocks"
    statements = [s.strip() for s in blocks[0].split(";")]
    return [s for s in statements if s and not all(line.startswith("--") for line in s.splitlines())]


def become_operational_schema(url: str, dialect: str) -> None:
    """Rename the demo's tables and columns to the operational schema's and store its codes."""
    engine = create_engine(url)
    with engine.begin() as conn:
        for contract_table, (table, columns) in OPERATIONAL_NAMES.items():
            conn.execute(text(f"ALTER TABLE {contract_table} RENAME TO {table}"))
            for contract_column, column in columns.items():
                conn.execute(text(f"ALTER TABLE {table} RENAME COLUMN {contract_column} TO {column}"))
        for (table, column), codes in OPERATIONAL_CODES.items():
            whens = " ".join(f"WHEN '{word}' THEN '{code}'" for word, code in codes.items())
            conn.execute(text(f"UPDATE {table} SET {column} = CASE {column} {whens} ELSE {column} END"))
        if dialect != "sqlite":
            # The guide's indexes replace the demo's: the test then proves its DDL is valid.
            for index in conn.execute(text(_contract_indexes_sql(dialect))).all():
                drop = f"DROP INDEX {index.name}" + (f" ON {index.table_name}" if dialect == "mariadb" else "")
                conn.execute(text(drop))
            for statement in guide_sql("indexes", GUIDE_DIALECT[dialect]):
                conn.execute(text(statement))
    engine.dispose()


def _contract_indexes_sql(dialect: str) -> str:
    tables = ", ".join(f"'{table}'" for table, _ in OPERATIONAL_NAMES.values())
    if dialect == "postgresql":
        return f"SELECT indexname AS name, tablename AS table_name FROM pg_indexes WHERE tablename IN ({tables}) AND indexname LIKE 'ix\\_%'"
    return ("SELECT DISTINCT index_name AS name, table_name FROM information_schema.statistics "
            f"WHERE table_schema = DATABASE() AND table_name IN ({tables}) AND index_name LIKE 'ix\\_%'")


def create_guide_views(url: str, dialect: str) -> None:
    engine = create_engine(url)
    with engine.begin() as conn:
        for statement in guide_sql("views", GUIDE_DIALECT[dialect]):
            conn.execute(text(statement))
    engine.dispose()


def api_client(url: str):
    db = read_only_database(url, frozen_now=NOW)
    server = api_server(db)
    return db, signed_in(server)


@pytest.fixture(scope="module", params=["sqlite", "postgresql", "mariadb"])
def databases(request, tmp_path_factory):
    """(the demo city as generated, the same city in the operational schema behind the guide's views, dialect)."""
    dialect = request.param
    folder = tmp_path_factory.mktemp(f"integration_{dialect}")
    original = fresh_database_url(dialect, "onescreen_contract", folder)
    operational = fresh_database_url(dialect, "onescreen_operational", folder)
    for url in (original, operational):
        generate(url, preset="tiny", seed=11, now=NOW)
    become_operational_schema(operational, dialect)
    create_guide_views(operational, dialect)
    return original, operational, dialect


def test_the_operational_schema_alone_does_not_fit_the_contract(tmp_path, capsys):
    url = fresh_database_url("sqlite", "operational_only", tmp_path)
    generate(url, preset="tiny", seed=11, now=NOW)
    become_operational_schema(url, "sqlite")
    assert check_main([url]) == 1
    assert "MISSING   ticket: table or view not found" in capsys.readouterr().out


def test_the_contract_check_accepts_the_guides_views(databases, capsys):
    _, operational, _ = databases
    assert check_main([operational]) == 0
    printed = capsys.readouterr().out
    assert "RESULT: fits the contract." in printed
    for table in ("area", "department", "category", "ticket", "grid_worker", "worker_position"):
        assert f"ok        {table}\n" in printed
    # Views have no indexes of their own: the check lists them all for the integrator to verify on the tables.
    assert "ix_ticket_reported_cover" in printed


def test_the_api_answers_the_same_through_the_views(databases):
    original, operational, _ = databases
    (db_a, original_api), (db_b, operational_api) = api_client(original), api_client(operational)
    try:
        for question in QUESTIONS:
            expected = original_api.get(question)
            assert expected.status_code == 200, question
            assert operational_api.get(question).get_json() == expected.get_json(), question
        # The same through one district, as a leader drilling down would ask.
        district = original_api.get(f"/api/v1/breakdown?by=area&as_of={AS_OF}").get_json()["rows"][0]["key"]
        question = f"/api/v1/kpis?area={district}&as_of={AS_OF}"
        assert operational_api.get(question).get_json() == original_api.get(question).get_json()
    finally:
        db_a.engine.dispose()
        db_b.engine.dispose()
