"""OneScreen's own store on the three dialects: migrations that match the tables, secrets kept only as digests,
an audit trail that only grows."""
from __future__ import annotations

from datetime import datetime

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect, select

from access import tables as T
from access.model import Principal
from access.store import AccessStore, digest
from tests.support import fresh_database_url

NOW = datetime(2026, 11, 20, 12, 0)


@pytest.fixture
def store(dialect, tmp_path):
    store = AccessStore(fresh_database_url(dialect, "i10_doors_store", tmp_path), clock=lambda: NOW)
    yield store
    store.engine.dispose()


def test_upgrade_twice_is_a_no_op_and_the_schema_is_the_tables(store):
    store.upgrade()
    user_id = store.create_user("ada", "Ada", "leader", ("R01001",))
    store.upgrade()
    assert store.user(user_id).areas == ("R01001",)
    with store.engine.connect() as conn:
        differences = compare_metadata(MigrationContext.configure(conn, opts={"compare_type": True, "version_table": "os_alembic_version"}), T.metadata)
    assert differences == []
    assert set(T.metadata.tables) <= set(inspect(store.engine).get_table_names())


def test_session_ids_tokens_and_pairing_codes_are_stored_only_as_digests(store):
    store.upgrade()
    user_id = store.create_user("ada", "Ada", "analyst", ("R01001",))
    session_id, _csrf = store.open_session(user_id)
    _token_id, token = store.create_token(user_id, "script")
    device_id, code = store.register_device("wall-1", "R01001", ("overview",), 30, "ada")
    with store.engine.connect() as conn:
        stored = [str(value) for table in (T.sessions, T.api_tokens, T.devices)
                  for row in conn.execute(select(table)) for value in row]
        device = conn.execute(select(T.devices)).mappings().one()
    assert digest(session_id) in stored and digest(token) in stored and device["pairing_code_hash"] == digest(code)
    assert not [value for value in stored if session_id in value or token in value or code in value]

    _device, credential = store.pair_device(code)
    with store.engine.connect() as conn:
        device = conn.execute(select(T.devices)).mappings().one()
        stored = [str(value) for value in device.values()]
    assert device["credential_hash"] == digest(credential) and device["pairing_code_hash"] is None
    assert not [value for value in stored if credential in value]
    assert store.pair_device(code) is None  # once only
    assert store.device_by_credential(credential).device_id == device_id


def test_audit_records_append(store):
    store.upgrade()
    ada = Principal("user", 1, "ada", "leader", ("R01001",))
    store.record("login", "ok", ada, detail={"source": "local"})
    store.record("view", "ok", ada, area_code="R01001", detail={"path": "/"})
    store.record("login", "failed", None, detail={"username": "eve"})
    events = store.audit_events(limit=None)
    assert [(e.action, e.outcome, e.principal_name) for e in events] == [
        ("login", "failed", None), ("view", "ok", "ada"), ("login", "ok", "ada")]
    assert events[1].area_code == "R01001" and events[1].detail == {"path": "/"}
    assert store.count_audit_events() == 3
    store.record("logout", "ok", ada)
    assert [e.event_id for e in store.audit_events(limit=None)][1:] == [e.event_id for e in events]
