"""A ticket's text never becomes a live formula in Excel or WPS.

Titles are typed by citizens and call-takers. A CSV cell that starts with
=, +, -, @, a tab or a carriage return is read as a formula by a
spreadsheet, so every CSV export writes such a text with a leading ' (the
OWASP rule); numbers stay numbers. XLSX cells are typed: a text is written
as a string, never as a formula.
"""
from __future__ import annotations

import csv
import io
import re
import zipfile
from datetime import datetime

import pytest

from api.exports import Column, Export, csv_response
from app import create_app
from tests.support import create_contract, fresh_database_url, insert_rows, settings_for, signed_in
from tests.test_exports import _xlsx_rows
from tests.test_indicator_definitions import AREAS, _ticket

NOW = datetime(2026, 11, 20, 12, 0)
SCOPE = "area=R&from=2026-11-01&to=2026-11-20&as_of=2026-11-20T12:00:00"
FORMULA_TITLES = ['=HYPERLINK("http://x","y")', "@SUM(1)", "-1+2", "+1", "\tTAB", "\rCR"]
PLAIN_TITLE = "路灯不亮 = 报修"
_OOXML_ESCAPE = re.compile(r"_x([0-9A-F]{4})_")


def _overdue(number: int, title: str) -> dict:
    return {**_ticket(f"X{number}", "R01", "accepted", datetime(2026, 11, 10, number), due=datetime(2026, 11, 12)),
            "title": title}


@pytest.fixture(scope="module")
def client(tmp_path_factory):
    url = fresh_database_url("sqlite", "formula_city", tmp_path_factory.mktemp("formulas"))
    create_contract(url)
    titles = [*FORMULA_TITLES, PLAIN_TITLE]
    insert_rows(url, {"area": AREAS, "ticket": [_overdue(i, title) for i, title in enumerate(titles)]})
    return signed_in(create_app(settings_for(url, frozen_now=NOW)))


def _csv_cells(data: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline="")))


@pytest.mark.parametrize("path", ["/export/overdue.csv", "/export/tickets/overdue.csv"])
def test_a_title_that_looks_like_a_formula_is_written_as_text_in_csv(client, path):
    response = client.get(f"{path}?{SCOPE}")
    assert response.status_code == 200
    cells = [cell for row in _csv_cells(response.data) for cell in row]
    for title in FORMULA_TITLES:
        assert "'" + title in cells
        assert title not in cells
    assert PLAIN_TITLE in cells  # a formula character inside a text is harmless
    assert not any(cell[:1] in ("=", "+", "-", "@", "\t", "\r") for cell in cells)


def test_numbers_in_csv_stay_numbers_even_when_negative():
    export = Export("t", "t", [Column("delta", "number", "差"), Column("note", "text", "注")],
                    iter([[-3, "-3"], [-1.5, "x"]]))
    rows = _csv_cells(csv_response(export, "zh").get_data())
    assert rows[1:] == [["-3", "'-3"], ["-1.5", "x"]]


def test_xlsx_writes_a_formula_like_title_as_a_string_not_a_formula(client):
    data = client.get(f"/export/overdue.xlsx?{SCOPE}").data
    assert b"<f>" not in zipfile.ZipFile(io.BytesIO(data)).read("xl/worksheets/sheet1.xml")
    # XLSX keeps the text as typed (its cell type already makes it text); a CR is stored OOXML-escaped, _x000D_.
    cells = [_OOXML_ESCAPE.sub(lambda m: chr(int(m.group(1), 16)), cell) for row in _xlsx_rows(data)
             for cell in row if isinstance(cell, str)]
    for title in FORMULA_TITLES:
        assert title in cells
