"""Exports by URL: CSV and XLSX files hold the API's numbers, in the interface language, masked, never cut silently."""
from __future__ import annotations

import io
import re
import zipfile
from datetime import date, datetime
from urllib.parse import unquote
from xml.etree import ElementTree

import pandas as pd
import pytest

import api.exports
from data_access import ticket_lists
from data_access.scope import Scope
from tests.support import create_contract, fresh_database_url, insert_rows, read_only_database, signed_in, api_server
from tests.test_indicator_definitions import AREAS, TICKETS

SCOPE = "area=R&from=2026-11-01&to=2026-11-20&as_of=2026-11-20T12:00:00"
EMPTY_SCOPE = "area=R03&from=2026-11-01&to=2026-11-20&as_of=2026-11-20T12:00:00"
NS = {"x": "http://schemas.openxmlformats.org/spreadsheetml/2006/main"}


@pytest.fixture(scope="module")
def client(tmp_path_factory):
    url = fresh_database_url("sqlite", "export_city", tmp_path_factory.mktemp("exports"))
    create_contract(url)
    insert_rows(url, {"area": AREAS, "ticket": TICKETS})
    db = read_only_database(url)
    server = api_server(db)
    yield signed_in(server)
    db.engine.dispose()


def _csv(client, path: str) -> pd.DataFrame:
    response = client.get(path)
    assert response.status_code == 200, response.data[:300]
    assert response.data.startswith(b"\xef\xbb\xbf")
    return pd.read_csv(io.BytesIO(response.data), encoding="utf-8-sig")


def _by_api_name(frame: pd.DataFrame) -> pd.DataFrame:
    """Columns renamed from `结案率(小数) [closure_rate]` to `closure_rate`."""
    return frame.rename(columns=lambda header: re.search(r"\[(\w+)\]$", header).group(1))


def _xlsx_rows(data: bytes) -> list[list]:
    """The first sheet's cells, strings as text and numbers as floats, read with zipfile (no openpyxl here)."""
    book = zipfile.ZipFile(io.BytesIO(data))
    shared = []
    if "xl/sharedStrings.xml" in book.namelist():
        root = ElementTree.fromstring(book.read("xl/sharedStrings.xml"))
        shared = ["".join(t.text or "" for t in si.iter(f"{{{NS['x']}}}t")) for si in root.findall("x:si", NS)]
    sheet = ElementTree.fromstring(book.read("xl/worksheets/sheet1.xml"))
    rows = []
    for row in sheet.iter(f"{{{NS['x']}}}row"):
        cells = {}
        for cell in row.findall("x:c", NS):
            column = re.match(r"[A-Z]+", cell.get("r")).group(0)
            index = sum((ord(ch) - 64) * 26 ** i for i, ch in enumerate(reversed(column))) - 1
            kind, value = cell.get("t"), cell.find("x:v", NS)
            if kind == "s":
                cells[index] = shared[int(value.text)]
            elif kind == "inlineStr":
                cells[index] = "".join(t.text or "" for t in cell.iter(f"{{{NS['x']}}}t"))
            else:
                cells[index] = float(value.text)
        rows.append([cells.get(i) for i in range(max(cells) + 1)] if cells else [])
    return rows


def test_kpis_csv_has_a_bom_chinese_headers_and_the_apis_numbers(client):
    frame = _csv(client, f"/export/kpis.csv?{SCOPE}")
    assert "结案率(小数) [closure_rate]" in frame.columns
    assert "上报数 [reported]" in frame.columns
    exported = _by_api_name(frame).iloc[0]
    expected = client.get(f"/api/v1/kpis?{SCOPE}").get_json()
    for name, value in exported.items():
        if expected[name] is None:
            assert pd.isna(value), name  # n/a is an empty cell, never 0
        else:
            assert value == pytest.approx(expected[name]), name


def test_breakdown_csv_matches_the_api_breakdown(client):
    exported = _by_api_name(_csv(client, f"/export/breakdown-area.csv?{SCOPE}")).set_index("key")
    for row in client.get(f"/api/v1/breakdown?by=area&{SCOPE}").get_json()["rows"]:
        for name, value in row.items():
            if name == "key":
                continue
            got = exported.loc[row["key"], name]
            assert pd.isna(got) if value is None else got == pytest.approx(value) if name != "name" else got == value


def test_csv_headers_follow_the_interface_language(client):
    frame = _csv(client, f"/export/backlog-source.csv?{SCOPE}&lang=en")
    assert list(frame.columns) == ["Code [key]", "Name [name]", "Backlog [backlog]", "Overdue [overdue]"]


def test_xlsx_holds_numbers_formatted_as_percentages_and_the_apis_values(client):
    response = client.get(f"/export/breakdown-area.xlsx?{SCOPE}")
    assert response.status_code == 200
    assert response.content_type.startswith("application/vnd.openxmlformats")
    rows = _xlsx_rows(response.data)
    headers = [re.search(r"\[(\w+)\]$", h).group(1) for h in rows[0]]
    assert rows[0][headers.index("closure_rate")] == "结案率 [closure_rate]"
    exported = {r[0]: dict(zip(headers, r)) for r in rows[1:]}
    for row in client.get(f"/api/v1/breakdown?by=area&{SCOPE}").get_json()["rows"]:
        for name in ("reported", "closure_rate", "backlog", "avg_handle_hours"):
            got = exported[row["key"]].get(name)
            assert got is None if row[name] is None else got == pytest.approx(row[name]), name
    styles = zipfile.ZipFile(io.BytesIO(response.data)).read("xl/styles.xml").decode()
    assert 'formatCode="0.0%"' in styles
    sheets = zipfile.ZipFile(io.BytesIO(response.data)).read("xl/workbook.xml").decode()
    assert "说明" in sheets  # the definitions sheet


def test_xlsx_writes_ticket_moments_as_dates(client):
    rows = _xlsx_rows(client.get(f"/export/overdue.xlsx?{SCOPE}").data)
    reported_at = [h for h in rows[0]].index("上报时间 [reported_at]")
    assert all(isinstance(r[reported_at], float) for r in rows[1:])  # an Excel date is a serial number


def test_ticket_lists_mask_the_reporters_phone(client):
    for table in ("overdue", "near-overdue"):
        frame = _by_api_name(_csv(client, f"/export/{table}.csv?{SCOPE}"))
        phones = frame["reporter_phone"].dropna()
        if table == "overdue":
            assert len(phones) > 0
        assert all(p == "138****0000" for p in phones)
    for row in _xlsx_rows(client.get(f"/export/overdue.xlsx?{SCOPE}").data)[1:]:
        assert "13800000000" not in row and "138****0000" in row


def test_overdue_csv_lists_the_same_tickets_as_the_api_counts(client):
    frame = _by_api_name(_csv(client, f"/export/overdue.csv?{SCOPE}"))
    assert len(frame) == client.get(f"/api/v1/kpis?{SCOPE}").get_json()["overdue"]


def test_a_list_longer_than_the_limit_ends_with_a_row_saying_so(client, monkeypatch):
    monkeypatch.setattr(api.exports, "EXPORT_ROW_LIMIT", 1)
    monkeypatch.setattr(api.exports, "CHUNK_ROWS", 1)
    text = client.get(f"/export/overdue.csv?{SCOPE}").data.decode("utf-8-sig")
    lines = text.strip().splitlines()
    assert len(lines) == 3  # header, one ticket, the note
    assert lines[-1].startswith("仅导出前 1 条，共 ")


def test_an_empty_scope_gives_a_valid_file_saying_no_data(client):
    for table in ("overdue", "breakdown-source", "kpis"):
        text = client.get(f"/export/{table}.csv?{EMPTY_SCOPE}").data.decode("utf-8-sig")
        assert text.strip().splitlines()[-1] == "无数据"
    assert client.get(f"/export/overdue.csv?{EMPTY_SCOPE}&lang=en").data.decode("utf-8-sig").strip().endswith(
        "no data")
    rows = _xlsx_rows(client.get(f"/export/backlog-age.xlsx?{EMPTY_SCOPE}").data)
    assert rows[-1] == ["无数据"]


def test_the_file_name_says_what_where_and_when(client):
    disposition = client.get(f"/export/breakdown-area.csv?{SCOPE}").headers["Content-Disposition"]
    assert 'filename="breakdown-area_R_2026-11-01_2026-11-20.csv"' in disposition
    utf8 = re.search(r"filename\*=UTF-8''(\S+)", disposition).group(1)
    assert unquote(utf8) == "工单指标-按区域_测试市_2026-11-01_2026-11-20.csv"


def test_every_listed_table_exports_in_both_formats(client):
    for table in api.exports.export_tables():
        for ext in ("csv", "xlsx"):
            assert client.get(f"/export/{table}.{ext}?{SCOPE}").status_code == 200, (table, ext)


@pytest.mark.parametrize("path", ["/export/weather.csv", "/export/kpis.pdf", "/export/breakdown-age.csv",
                                  "/export/kpis"])
def test_an_unknown_table_is_a_404_json_error(client, path):
    response = client.get(path)
    assert response.status_code == 404
    assert response.get_json()["error"]["param"] == "table"


@pytest.mark.parametrize("query, param, status", [("from=2026-13-01", "from", 400), ("to=yesterday", "to", 400),
                                                  ("area=NOWHERE", "area", 404)])
def test_a_bad_scope_is_a_json_error_naming_the_parameter(client, query, param, status):
    response = client.get(f"/export/kpis.xlsx?{query}")
    assert response.status_code == status
    assert response.get_json()["error"]["param"] == param


def test_the_export_paths_are_in_the_openapi_document(client):
    paths = client.get("/api/v1/openapi.json").get_json()["paths"]
    assert {"/export/{table}.csv", "/export/{table}.xlsx"} <= set(paths)


def test_a_list_is_read_whole_before_its_file_is_written_so_no_connection_waits_on_the_client(tmp_path):
    """The statement is over at the first chunk: a slow download holds no connection and no statement timeout."""
    url = fresh_database_url("sqlite", "spooled", tmp_path)
    create_contract(url)
    insert_rows(url, {"area": AREAS, "ticket": TICKETS})
    db = read_only_database(url)
    scope = Scope(area_code="R", period_from=date(2026, 11, 1), period_to=date(2026, 11, 20),
                  as_of=datetime(2026, 11, 20, 12, 0, 0))
    chunks = ticket_lists.ticket_list_chunks(db, scope, "backlog", limit=100, chunk_size=1)
    first = next(chunks)
    assert db.engine.pool.checkedout() == 0
    rest = list(chunks)
    assert len(rest) + 1 == first.total > 1
    assert [len(chunk.rows) for chunk in rest] == [1] * len(rest)
    db.engine.dispose()


def test_an_export_is_audited_with_what_where_and_how_many_rows(client):
    from tests.support import access_of

    response = client.get("/export/backlog.csv")
    assert response.status_code == 200
    body = response.get_data(as_text=True)
    response.close()
    event = access_of(client.application).store.audit_events(action="export")[0]
    assert event.detail["export"] == "backlog.csv" and event.outcome == "ok"
    assert event.detail["rows"] == len(body.strip().splitlines()) - 1
    assert event.detail["scope"]["from"] and event.area_code == event.detail["scope"].get("area")
