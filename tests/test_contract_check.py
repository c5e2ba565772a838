"""`python -m data_access.check` tells an integrator what their database has, lacks, or lacks optionally."""
from __future__ import annotations

from sqlalchemy import create_engine, text

from data_access.check import main
from tests.support import create_contract, fresh_database_url


def test_full_contract_database_fits(tmp_path, capsys):
    url = fresh_database_url("sqlite", "full", tmp_path)
    create_contract(url)
    assert main([url]) == 0
    out = capsys.readouterr().out
    assert "RESULT: fits the contract." in out
    assert "Indexes not seen" not in out


def test_partial_database_names_missing_required_and_optional_columns(tmp_path, capsys):
    url = fresh_database_url("sqlite", "partial", tmp_path)
    engine = create_engine(url)
    with engine.begin() as conn:
        conn.execute(text("CREATE TABLE area (area_code TEXT PRIMARY KEY, parent_code TEXT, level TEXT, name TEXT)"))
        conn.execute(text("CREATE TABLE ticket (ticket_id TEXT PRIMARY KEY, source TEXT, area_code TEXT, status TEXT)"))
    engine.dispose()
    assert main([url]) == 1
    out = capsys.readouterr().out
    assert "MISSING   ticket: required columns reported_at" in out
    assert "optional  area: lacks boundary, center_lat, center_lon" in out
    assert "MISSING   grid_worker: table or view not found" in out
    assert "ix_ticket_reported_cover" in out
    assert "does not fit" in out


def test_tickets_only_database_is_usable(tmp_path, capsys):
    url = fresh_database_url("sqlite", "tickets_only", tmp_path)
    engine = create_engine(url)
    with engine.begin() as conn:
        conn.execute(text("CREATE TABLE area (area_code TEXT PRIMARY KEY, parent_code TEXT, level TEXT, name TEXT)"))
        conn.execute(text("CREATE TABLE ticket (ticket_id TEXT PRIMARY KEY, source TEXT, area_code TEXT,"
                          " status TEXT, reported_at TIMESTAMP)"))
    engine.dispose()
    assert main([url]) == 0
    assert "usable; the views of the missing tables will show no data" in capsys.readouterr().out


def test_unreadable_database_exits_2_with_a_message(tmp_path, capsys):
    assert main([f"sqlite:///{tmp_path}/nothing-here.sqlite"]) == 2
    assert "cannot read" in capsys.readouterr().err
