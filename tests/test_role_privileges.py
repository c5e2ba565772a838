"""OneScreen refuses to start on a database role that could write, and starts on the integration guide's reader.

A read-only transaction is only a default: an owner or superuser can `SET
TRANSACTION READ WRITE` and write. So at start-up OneScreen asks the database
what its role may do, and refuses a role that could change the city's data,
unless an operator says so explicitly (ONESCREEN_ALLOW_WRITABLE_ROLE=1), which
/health then reports. The reader is made with the DDL of docs/integration.md
itself, so the guide's role is the one proven to pass.
"""
from __future__ import annotations

import re

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from data_access.database import Database
from data_access.privileges import WritableRoleError
from tests.support import create_contract, fresh_database_url, insert_rows, settings_for, signed_in, api_server
from tests.test_integration_views import guide_sql

NAME = "onescreen_role"
READER, READER_PASSWORD = "onescreen_reader", "change-me"
SERVER_DIALECTS = ("postgresql", "mariadb")
GUIDE_DIALECT = {"postgresql": "postgresql", "mariadb": "mysql"}
# What the superuser the tests connect as may do, as the refusal names it.
SUPERUSER_CAN = {"postgresql": "superuser", "mariadb": "INSERT"}
# One write granted on top of the guide's reader, in each dialect's words.
EXTRA_GRANT = {
    "postgresql": f"GRANT INSERT ON ticket TO {READER}",
    "mariadb": f"GRANT INSERT ON {NAME}.ticket TO '{READER}'@'%'",
}


@pytest.fixture
def city(dialect, tmp_path):
    url = fresh_database_url(dialect, NAME, tmp_path)
    create_contract(url)
    insert_rows(url, {"area": [{"area_code": "R", "parent_code": None, "level": "city", "name": "测试市"}]})
    return url


def guide_reader(admin_url: str, dialect: str, *extra: str) -> str:
    """The guide's read-only role on the test database (made anew), and its URL."""
    statements = [
        # The guide's database is `city` and its OneScreen hosts 10.x; here they are the test's.
        re.sub(r"\bcity\b", NAME, statement).replace("'10.%'", "'%'")
        for statement in guide_sql("role", GUIDE_DIALECT[dialect])
    ]
    engine = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        if dialect == "postgresql":
            # A role owns nothing once the previous test database is dropped, so it can go.
            conn.execute(text(f"DROP ROLE IF EXISTS {READER}"))
        else:
            conn.execute(text(f"DROP USER IF EXISTS '{READER}'@'%'"))
        for statement in (*statements, *extra):
            conn.execute(text(statement))
    engine.dispose()
    return make_url(admin_url).set(username=READER, password=READER_PASSWORD).render_as_string(hide_password=False)


def served(db: Database):
    server = api_server(db)
    return signed_in(server)


@pytest.mark.parametrize("dialect", SERVER_DIALECTS)
def test_a_superuser_url_refuses_to_start_naming_what_it_could_do(city, dialect):
    with pytest.raises(WritableRoleError, match=SUPERUSER_CAN[dialect]) as refused:
        Database.from_settings(settings_for(city, allow_writable_role=False))
    assert "ONESCREEN_ALLOW_WRITABLE_ROLE" in str(refused.value)


@pytest.mark.parametrize("dialect", SERVER_DIALECTS)
def test_the_integration_guides_reader_starts_and_answers(city, dialect):
    reader_url = guide_reader(city, dialect)
    db = Database.from_settings(settings_for(reader_url, allow_writable_role=False))
    client = served(db)
    assert client.get("/api/v1/kpis").status_code == 200
    assert client.get("/health/details").get_json()["writable_role"] is False
    db.engine.dispose()


@pytest.mark.parametrize("dialect", SERVER_DIALECTS)
def test_the_reader_granted_one_write_is_refused_naming_it(city, dialect):
    reader_url = guide_reader(city, dialect, EXTRA_GRANT[dialect])
    with pytest.raises(WritableRoleError, match=r"INSERT on ticket"):
        Database.from_settings(settings_for(reader_url, allow_writable_role=False))


def test_with_the_override_health_reports_the_writable_role(city, dialect):
    db = Database.from_settings(settings_for(city, allow_writable_role=True))
    health = served(db).get("/health/details").get_json()
    # SQLite's file is opened read-only by SQLite itself: no role can write through it.
    assert health["writable_role"] is (dialect != "sqlite")
    db.engine.dispose()


def test_sqlite_starts_without_the_override(tmp_path):
    url = fresh_database_url("sqlite", NAME, tmp_path)
    create_contract(url)
    db = Database.from_settings(settings_for(url, allow_writable_role=False))
    assert served(db).get("/health/details").get_json()["writable_role"] is False


@pytest.mark.parametrize("dialect", SERVER_DIALECTS)
def test_a_refused_start_leaves_no_connection_open(city, dialect, tmp_path):
    with pytest.raises(WritableRoleError) as refused:
        Database.from_settings(settings_for(city, allow_writable_role=False))
    # The refusal (kept alive here, as a log or a traceback would) must hold no connection:
    # dropping the database it refused fails while one is open.
    fresh_database_url(dialect, NAME, tmp_path)
    assert refused.value
