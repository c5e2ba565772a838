"""Ticket-list exports stream from a server-side cursor on SQLite, PostgreSQL and MariaDB alike, and lose no row."""
from __future__ import annotations

from datetime import datetime

import pandas as pd
import pytest

import api.exports
from data_access import ticket_lists
from demo.generate import generate
from tests.support import DIALECTS, fresh_database_url, read_only_database, signed_in, api_server
from tests.test_exports import _by_api_name, _csv, _xlsx_rows

NOW = datetime(2026, 11, 20, 15, 30)
AS_OF = f"as_of={NOW.isoformat()}"


@pytest.fixture(scope="module", params=DIALECTS)
def client(request, tmp_path_factory):
    """The tiny generated city on one dialect, behind the API and the export routes."""
    url = fresh_database_url(request.param, "onescreen_export_streaming", tmp_path_factory.mktemp("streaming"))
    generate(url, preset="tiny", seed=7, now=NOW)
    db = read_only_database(url, frozen_now=NOW)
    server = api_server(db)
    yield signed_in(server)
    db.engine.dispose()


@pytest.fixture(scope="module")
def scopes(client) -> list[str]:
    """The whole city, and the first of its streets with a backlog."""
    streets = client.get(f"/api/v1/backlog?by=area&{AS_OF}").get_json()["rows"]
    street = next(row["key"] for row in streets if row["backlog"] > 0)
    return [AS_OF, f"area={street}&{AS_OF}"]


def kpi(client, name: str, scope: str) -> int:
    return client.get(f"/api/v1/kpis?{scope}").get_json()[name]


@pytest.mark.parametrize("table", ["backlog", "overdue"])
def test_a_list_csv_has_one_row_per_ticket_the_kpis_count(client, scopes, table):
    for scope in scopes:
        expected = kpi(client, table, scope)
        assert expected > 0, scope
        assert len(_csv(client, f"/export/{table}.csv?{scope}")) == expected, scope


def test_the_backlog_xlsx_has_one_row_per_backlog_ticket(client, scopes):
    for scope in scopes:
        response = client.get(f"/export/backlog.xlsx?{scope}")
        assert response.status_code == 200
        assert len(_xlsx_rows(response.data)) - 1 == kpi(client, "backlog", scope), scope  # less the header


def test_the_backlog_list_comes_oldest_report_first(client, scopes):
    reported = pd.to_datetime(_by_api_name(_csv(client, f"/export/backlog.csv?{scopes[0]}"))["reported_at"])
    assert reported.is_monotonic_increasing


def test_a_list_streamed_two_rows_at_a_time_is_the_same_file(client, scopes, monkeypatch):
    whole = _csv(client, f"/export/backlog.csv?{scopes[0]}")
    chunk_sizes = []
    read_chunks = ticket_lists.ticket_list_chunks

    def counted(*args, **kwargs):
        for chunk in read_chunks(*args, **kwargs):
            chunk_sizes.append(len(chunk.rows))
            yield chunk

    monkeypatch.setattr(ticket_lists, "ticket_list_chunks", counted)
    monkeypatch.setattr(api.exports, "CHUNK_ROWS", 2)
    chunked = _csv(client, f"/export/backlog.csv?{scopes[0]}")
    pd.testing.assert_frame_equal(chunked, whole)
    assert len(chunked) == kpi(client, "backlog", scopes[0])
    assert len(chunk_sizes) > 2 and set(chunk_sizes[:-1]) == {2} and sum(chunk_sizes) == len(chunked)
