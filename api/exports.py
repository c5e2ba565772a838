"""Data exports by URL, for analysts' scripts: /export/<table>.csv and /export/<table>.xlsx (issue #5).

An export is the same numbers the API and the screens show, for the same
scope parameters, answered by the same `data_access` functions; only the
form differs. Headers are in the interface language (`lang`) with the
SCHEMA.md / API name in brackets, so a script can find `closure_rate`
whatever language the analyst reads. The ticket lists stream: rows come
from the database a chunk at a time and go out as they are written (CSV) or
through XlsxWriter's constant_memory mode and a temporary file (XLSX), so a
city-wide list never sits in memory whole. A list longer than
EXPORT_ROW_LIMIT ends with a row that says so; an empty export says 无数据.
"""
from __future__ import annotations

import csv
import io
import math
import os
import re
import tempfile
from collections.abc import Iterable, Iterator
from datetime import date, datetime
from typing import NamedTuple
from urllib.parse import quote

import pandas as pd
import xlsxwriter
from flask import Blueprint, Response, request

from api import ApiError, scope_from_request
from api.openapi import EXPORT_TABLES
from data_access import indicators, ticket_lists
from data_access.areas import WHOLE_DATABASE, find_area
from data_access.database import Database
from data_access.scope import Scope
from i18n import code_label, indicator_definition, indicator_label, language, t

# Excel's sheet holds 1,048,576 rows; past this a list export stops and its last row says so.
EXPORT_ROW_LIMIT = 1_000_000
CHUNK_ROWS = 5000
FORMATS = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
_NOT_IN_FILE_NAMES = re.compile(r'[\\/:*?"<>|\[\]\s]+')
_CODE_LABELS = {"source", "status", "age"}  # dimensions whose keys the catalogue names


def _label(key: str, lang: str, **values) -> str:
    return t(f"export.{key}", lang, **values)


class Column(NamedTuple):
    """A column of an export: its API name, and the kind that decides how a value is written."""

    name: str
    kind: str  # text, count, rate, hours, moment, day


class Note(NamedTuple):
    """A final one-cell row that tells the reader something about the rows above (no data, truncated)."""

    text: str


class Export(NamedTuple):
    table: str
    label: str
    columns: list[Column]
    rows: Iterator[list | Note]


def export_blueprint(db: Database) -> Blueprint:
    """/export/<table>.<csv|xlsx>; `api.register_api` adds the JSON error handlers."""
    exports = Blueprint("exports", __name__, url_prefix="/export")

    @exports.get("/<path:file_name>")
    def export(file_name: str):
        table, _, ext = file_name.rpartition(".")
        if ext not in FORMATS or not _known_table(table):
            raise ApiError(404, f"no export {file_name!r}; tables: {', '.join(export_tables())}; "
                           "formats: csv, xlsx", "table")
        lang = language(request.args.get("lang"))
        scope = scope_from_request(db)
        data = _export(db, scope, table, lang)
        response = _csv_response(data, lang) if ext == "csv" else _xlsx_response(data, lang)
        response.headers["Content-Disposition"] = _content_disposition(db, scope, data, ext, lang)
        return response

    return exports


def export_tables() -> list[str]:
    """Every table name an export URL accepts (api.openapi.EXPORT_TABLES: the document and the routes agree)."""
    return list(EXPORT_TABLES)


def _known_table(table: str) -> bool:
    return table in export_tables()


def _export(db: Database, scope: Scope, table: str, lang: str) -> Export:
    if table == "kpis":
        return _kpis_export(db, scope, lang)
    if table in ("overdue", "near-overdue"):
        return _list_export(db, scope, table, lang)
    kind, _, dimension = table.partition("-")
    query = indicators.kpis_by if kind == "breakdown" else indicators.backlog_by
    frame = query(db, scope, dimension)
    label = _label(kind, lang, dimension=_label(f"dimension.{dimension}", lang))
    columns = [Column("key", "day" if dimension == "day" else "text"), Column("name", "text")]
    columns += [_indicator_column(c) for c in frame.columns if c not in ("key", "name")]
    if dimension in _CODE_LABELS:
        frame = frame.assign(name=[code_label(dimension, k, lang) if k else None for k in frame["key"]])
    rows = [[row[c.name] for c in columns] for row in frame.to_dict("records")]
    return Export(table, label, columns, iter(rows or [Note(_label("no_data", lang))]))


def _kpis_export(db: Database, scope: Scope, lang: str) -> Export:
    values = indicators.kpis(db, scope)
    columns = [_indicator_column(name) for name in indicators.INDICATORS]
    rows: list = [[values[c.name] for c in columns]]
    if values["reported"] == 0 and values["backlog"] == 0:
        rows.append(Note(_label("no_data", lang)))
    return Export("kpis", t("overview.kpis", lang), columns, iter(rows))


def _list_export(db: Database, scope: Scope, table: str, lang: str) -> Export:
    which = table.replace("-", "_")
    hours = "hours_overdue" if which == "overdue" else "hours_left"
    columns = [Column(name, _list_kind(name)) for name in ticket_lists.COLUMNS]
    columns.insert([c.name for c in columns].index("due_at") + 1, Column(hours, "hours"))
    chunks = ticket_lists.ticket_list_chunks(db, scope, which, EXPORT_ROW_LIMIT, CHUNK_ROWS)
    # The first chunk is read now, inside the request, so a database that fails is a 503, not a cut file.
    first = next(chunks, None)
    return Export(table, t(f"tickets.{which}.title", lang), columns, _list_rows(first, chunks, columns, lang))


def _list_rows(first, chunks, columns: list[Column], lang: str) -> Iterator[list | Note]:
    if first is None:
        yield Note(_label("no_data", lang))
        return
    shown, total = 0, first.total
    for chunk in _chained(first, chunks):
        for row in chunk.rows.to_dict("records"):
            row["source"] = code_label("source", row["source"], lang) if row["source"] else None
            row["status"] = code_label("status", row["status"], lang) if row["status"] else None
            yield [row[c.name] for c in columns]
            shown += 1
    if shown < total:
        yield Note(_label("truncated", lang, shown=shown, total=total, limit=EXPORT_ROW_LIMIT))


def _chained(first, rest: Iterable) -> Iterator:
    yield first
    yield from rest


def _indicator_column(name: str) -> Column:
    if name.endswith("_rate"):
        return Column(name, "rate")
    if name == "avg_handle_hours":
        return Column(name, "hours")
    return Column(name, "count")


def _list_kind(name: str) -> str:
    if name in ("reported_at", "due_at"):
        return "moment"
    if name == "urgent":
        return "count"
    return "text"


def _header(column: Column, lang: str, *, fraction_note: bool) -> str:
    """`结案率(小数) [closure_rate]`: the interface language, then the name scripts use."""
    if column.name in indicators.INDICATORS:
        label = indicator_label(column.name, lang)
    elif column.name in ("key", "name"):
        label = _label(column.name, lang)
    else:
        label = t(f"tickets.column.{column.name}", lang)
    if fraction_note and column.kind == "rate":
        label += f"({_label('fraction', lang)})" if lang == "zh" else f" ({_label('fraction', lang)})"
    return f"{label} [{column.name}]"


def _is_na(value) -> bool:
    if value is None or value is pd.NaT:
        return True
    return isinstance(value, float) and math.isnan(value)


def _plain(value):
    """A frame value as a plain Python value: numpy scalars unwrapped, pandas timestamps as datetimes."""
    if isinstance(value, pd.Timestamp):
        return value.to_pydatetime()
    if hasattr(value, "item"):
        return value.item()
    return value


# CSV


def _csv_response(data: Export, lang: str) -> Response:
    return Response(_csv_chunks(data, lang), mimetype="text/csv", content_type=FORMATS["csv"])


def _csv_chunks(data: Export, lang: str) -> Iterator[bytes]:
    """The CSV a chunk of rows at a time: a BOM so Excel reads UTF-8, then the header, then the rows."""
    yield "\ufeff".encode("utf-8")
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow([_header(c, lang, fraction_note=True) for c in data.columns])
    pending = 0
    for row in data.rows:
        writer.writerow([row.text] if isinstance(row, Note) else [_csv_value(v) for v in row])
        pending += 1
        if pending >= CHUNK_ROWS:
            yield _take(buffer)
            pending = 0
    yield _take(buffer)


def _take(buffer: io.StringIO) -> bytes:
    text = buffer.getvalue()
    buffer.seek(0)
    buffer.truncate()
    return text.encode("utf-8")


def _csv_value(value) -> str:
    value = _plain(value)
    if _is_na(value):
        return ""
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, datetime):
        return value.isoformat(sep=" ")
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


# XLSX


def _xlsx_response(data: Export, lang: str) -> Response:
    """Write the workbook to a temporary file (constant memory), then stream the file and delete it."""
    handle, path = tempfile.mkstemp(suffix=".xlsx", prefix="onescreen-export-")
    os.close(handle)
    try:
        _write_workbook(path, data, lang)
    except BaseException:
        os.unlink(path)
        raise
    response = Response(_file_chunks(path), content_type=FORMATS["xlsx"])
    response.call_on_close(lambda: os.path.exists(path) and os.unlink(path))
    return response


def _file_chunks(path: str) -> Iterator[bytes]:
    with open(path, "rb") as file:
        while chunk := file.read(64 * 1024):
            yield chunk


def _write_workbook(path: str, data: Export, lang: str) -> None:
    workbook = xlsxwriter.Workbook(path, {"constant_memory": True})
    formats = {
        "header": workbook.add_format({"bold": True, "text_wrap": True}),
        "rate": workbook.add_format({"num_format": "0.0%"}),
        "hours": workbook.add_format({"num_format": "0.0"}),
        "count": workbook.add_format({"num_format": "0"}),
        "moment": workbook.add_format({"num_format": "yyyy-mm-dd hh:mm:ss"}),
        "day": workbook.add_format({"num_format": "yyyy-mm-dd"}),
    }
    sheet = workbook.add_worksheet(_sheet_name(data.label))
    sheet.set_column(0, len(data.columns) - 1, 18)
    for col, column in enumerate(data.columns):
        sheet.write_string(0, col, _header(column, lang, fraction_note=False), formats["header"])
    for row_number, row in enumerate(data.rows, start=1):
        if isinstance(row, Note):
            sheet.write_string(row_number, 0, row.text)
            continue
        for col, (column, value) in enumerate(zip(data.columns, row)):
            _write_cell(sheet, row_number, col, column, _plain(value), formats)
    _write_definitions(workbook.add_worksheet(_label("definitions", lang)), data, lang, formats["header"])
    workbook.close()


def _write_cell(sheet, row: int, col: int, column: Column, value, formats: dict) -> None:
    if _is_na(value):
        return
    if column.kind == "day" and isinstance(value, str):
        value = date.fromisoformat(value)
    if column.kind in ("moment", "day") and isinstance(value, (date, datetime)):
        sheet.write_datetime(row, col, value, formats[column.kind])
    elif column.kind in ("rate", "hours", "count"):
        sheet.write_number(row, col, float(value), formats[column.kind])
    else:
        sheet.write_string(row, col, str(value))


def _write_definitions(sheet, data: Export, lang: str, header_format) -> None:
    """A second sheet: each column's API name, label and, for indicators, SCHEMA.md's definition."""
    sheet.set_column(0, 1, 24)
    sheet.set_column(2, 2, 80)
    for col, key in enumerate(("column", "name", "definition")):
        sheet.write_string(0, col, _label(key, lang), header_format)
    for row, column in enumerate(data.columns, start=1):
        sheet.write_string(row, 0, column.name)
        sheet.write_string(row, 1, _header(column, lang, fraction_note=False))
        if column.name in indicators.INDICATORS:
            sheet.write_string(row, 2, indicator_definition(column.name, lang))


def _sheet_name(label: str) -> str:
    return re.sub(r"[\[\]:*?/\\]", "-", label)[:31]


# File names


def file_name(area_name: str, scope: Scope, label: str, ext: str) -> str:
    """`工单指标_平江街道_2026-11-01_2026-11-30.csv`: what the file holds, where and when."""
    parts = [label, area_name, scope.period_from.isoformat(), scope.period_to.isoformat()]
    return "_".join(_NOT_IN_FILE_NAMES.sub("-", p) for p in parts) + f".{ext}"


def _content_disposition(db: Database, scope: Scope, data: Export, ext: str, lang: str) -> str:
    """RFC 6266 with an RFC 5987 UTF-8 `filename*`, and an ASCII `filename` for clients that lack it."""
    if scope.area_code == WHOLE_DATABASE:
        area_name, area_code = t("area.whole_database", lang), "all"
    else:
        area = find_area(db, scope.area_code)
        area_name, area_code = (area.name if area else scope.area_code), scope.area_code
    utf8 = file_name(area_name, scope, data.label, ext)
    ascii_name = file_name(area_code, scope, data.table, ext)
    return f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(utf8, safe='')}"
