"""Tables as files, for analysts' scripts and reports: the API's tables, a view's grids, the report's sheets.

The routes are in exports/routes.py (/export/<table>.csv and .xlsx, and the
views' cards and reports, which write their data with these same writers).

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
from flask import Response

from api.openapi import EXPORT_TABLES
from data_access import indicators, ticket_lists
from data_access.areas import WHOLE_DATABASE, find_area
from data_access.database import Database
from data_access.scope import Scope
from i18n import code_label, indicator_definition, indicator_label, t

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
    """A column of an export: its API name, the kind that decides how a value is written, its header.

    `label` is the header in the interface language when the name alone
    does not say it (a view's grid column); else the catalogue's label of the name.
    """

    name: str
    kind: str  # text, count, number (as it is), rate, hours, yuan, moment, day
    label: str | None = None


class Note(NamedTuple):
    """A final one-cell row that tells the reader something about the rows above (no data, truncated)."""

    text: str


class Export(NamedTuple):
    table: str
    label: str
    columns: list[Column]
    rows: Iterator[list | Note]


def counted(data: Export, tally: dict) -> Export:
    """`data` whose rows add themselves to tally["rows"] as they are written (the audit trail says how many left)."""
    tally.setdefault("rows", 0)

    def rows():
        for row in data.rows:
            if not isinstance(row, Note):
                tally["rows"] += 1
            yield row

    return data._replace(rows=rows())


def export_tables() -> list[str]:
    """Every table name an export URL accepts (api.openapi.EXPORT_TABLES: the document and the routes agree)."""
    return list(EXPORT_TABLES)


def table_export(db: Database, scope: Scope, table: str, lang: str) -> Export:
    """One of `export_tables()` for the scope, its rows read (ticket lists: streamed) as the file is written."""
    if table == "kpis":
        return _kpis_export(db, scope, lang)
    if table.replace("-", "_") in ticket_lists.LISTS:
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
    hours = ticket_lists.hours_column(which)
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


def frame_export(table: str, label: str, frame: pd.DataFrame, columns: list[Column], lang: str) -> Export:
    """A frame a view draws (workers per area, spend per kind) as an export of `columns`; empty: 无数据."""
    rows = [[row[c.name] for c in columns] for row in frame.to_dict("records")]
    return Export(table, label, columns, iter(rows or [Note(_label("no_data", lang))]))


def grid_export(table: str, label: str, columns: list[tuple[str, str]], rows: list[dict], lang: str,
                total: int | None = None, *, as_shown: bool = False) -> Export:
    """A view's grid as an export: its (field, header) columns and its rows exactly as on screen.

    Values are the rows' raw ones (numbers stay numbers), or with `as_shown`
    the text the grid shows (2.16万, 紧急); their kind is read from the
    field's name and values. A grid that lists only the first rows of
    `total` ends with a note saying so; an empty one says 无数据.
    """
    typed = [Column(field, _grid_kind(field, [row.get(field) for row in rows]), header) for field, header in columns]
    if as_shown:
        body: list = [[row.get(f"{c.name}_text", row.get(c.name)) for c in typed] for row in rows]
    else:
        body = [[row.get(c.name) for c in typed] for row in rows]
    if not body:
        body.append(Note(_label("no_data", lang)))
    elif total is not None and total > len(rows):
        body.append(Note(_label("truncated_view", lang, shown=len(rows), total=total)))
    return Export(table, label, typed, iter(body))


_MONEY = {"budget", "spent", "pending", "rejected", "amount"}
_MOMENT = re.compile(r"^\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}")


def _grid_kind(field: str, values: list) -> str:
    present = [v for v in values if v is not None and not is_na(v)]
    if field.endswith("_rate") or field == "load":
        return "rate"
    if field in _MONEY:
        return "yuan"
    if field.endswith("_hours") or field.startswith("hours_"):
        return "hours"
    if present and all(isinstance(v, (int, float)) for v in present):  # flags (urgent) as 1 and 0
        return "count"
    if present and all(isinstance(v, str) and _MOMENT.match(v) for v in present):
        return "moment"
    return "text"


def _header(column: Column, lang: str, *, fraction_note: bool) -> str:
    """`结案率(小数) [closure_rate]`: the interface language, then the name scripts use."""
    if column.label is not None:
        label = column.label
    elif column.name in indicators.INDICATORS:
        label = indicator_label(column.name, lang)
    elif column.name in ("key", "name"):
        label = _label(column.name, lang)
    else:
        label = t(f"tickets.column.{column.name}", lang)
    if fraction_note and column.kind == "rate":
        label += f"({_label('fraction', lang)})" if lang == "zh" else f" ({_label('fraction', lang)})"
    return f"{label} [{column.name}]"


def is_na(value) -> bool:
    if value is None or value is pd.NaT:
        return True
    return isinstance(value, float) and math.isnan(value)


def plain_value(value):
    """A frame value as a plain Python value: numpy scalars unwrapped, pandas timestamps as datetimes."""
    if isinstance(value, pd.Timestamp):
        return value.to_pydatetime()
    if hasattr(value, "item"):
        return value.item()
    return value


# CSV


def csv_response(data: Export, lang: str) -> Response:
    return Response(_csv_chunks(data, lang), mimetype="text/csv", content_type=FORMATS["csv"])


def _csv_chunks(data: Export, lang: str) -> Iterator[bytes]:
    """The CSV a chunk of rows at a time: a BOM so Excel reads UTF-8, then the header, then the rows."""
    yield "\ufeff".encode("utf-8")
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow([_header(c, lang, fraction_note=True) for c in data.columns])
    pending = 0
    for row in data.rows:
        writer.writerow([row.text] if isinstance(row, Note) else [csv_value(v) for v in row])
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


# A spreadsheet reads a cell starting with one of these as a formula (OWASP's CSV injection rule).
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def csv_value(value) -> str:
    value = plain_value(value)
    if is_na(value):
        return ""
    if isinstance(value, str):
        # A text such as a citizen's ticket title must stay text in Excel and WPS:
        # a leading ' makes it so. Numbers are not str here, so -3 stays a number.
        return "'" + value if value.startswith(_FORMULA_START) else value
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, datetime):
        return value.isoformat(sep=" ")
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


# XLSX


def xlsx_response(sheets: list[Export], lang: str) -> Response:
    """Write the workbook to a temporary file (constant memory), then stream the file and delete it."""
    handle, path = tempfile.mkstemp(suffix=".xlsx", prefix="onescreen-export-")
    os.close(handle)
    try:
        write_workbook(path, sheets, lang)
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


def write_workbook(path: str, sheets: list[Export], lang: str) -> None:
    """A sheet per export, in order, then a definitions sheet naming every column of them all."""
    workbook = xlsxwriter.Workbook(path, {"constant_memory": True})
    formats = {
        "header": workbook.add_format({"bold": True, "text_wrap": True}),
        "rate": workbook.add_format({"num_format": "0.0%"}),
        "hours": workbook.add_format({"num_format": "0.0"}),
        "yuan": workbook.add_format({"num_format": "#,##0.00"}),
        "count": workbook.add_format({"num_format": "0"}),
        "moment": workbook.add_format({"num_format": "yyyy-mm-dd hh:mm:ss"}),
        "day": workbook.add_format({"num_format": "yyyy-mm-dd"}),
    }
    names: set[str] = set()
    for data in sheets:
        _write_sheet(workbook.add_worksheet(_unique_sheet_name(data.label, names)), data, lang, formats)
    _write_definitions(workbook.add_worksheet(_label("definitions", lang)), sheets, lang, formats["header"])
    workbook.close()


def _write_sheet(sheet, data: Export, lang: str, formats: dict) -> None:
    sheet.set_column(0, len(data.columns) - 1, 18)
    for col, column in enumerate(data.columns):
        sheet.write_string(0, col, _header(column, lang, fraction_note=False), formats["header"])
    for row_number, row in enumerate(data.rows, start=1):
        if isinstance(row, Note):
            sheet.write_string(row_number, 0, row.text)
            continue
        for col, (column, value) in enumerate(zip(data.columns, row)):
            _write_cell(sheet, row_number, col, column, plain_value(value), formats)


def _write_cell(sheet, row: int, col: int, column: Column, value, formats: dict) -> None:
    if is_na(value):
        return
    if column.kind in ("day", "moment") and isinstance(value, str):
        value = date.fromisoformat(value) if column.kind == "day" else datetime.fromisoformat(value)
    if column.kind in ("moment", "day") and isinstance(value, (date, datetime)):
        sheet.write_datetime(row, col, value, formats[column.kind])
    elif column.kind == "number" and isinstance(value, (int, float)):
        sheet.write_number(row, col, float(value))
    elif column.kind in ("rate", "hours", "count", "yuan"):
        sheet.write_number(row, col, float(value), formats[column.kind])
    else:
        sheet.write_string(row, col, str(value))


def _write_definitions(sheet, sheets: list[Export], lang: str, header_format) -> None:
    """The last sheet: each column's API name, label and, for indicators, SCHEMA.md's definition."""
    sheet.set_column(0, 1, 24)
    sheet.set_column(2, 2, 80)
    for col, key in enumerate(("column", "name", "definition")):
        sheet.write_string(0, col, _label(key, lang), header_format)
    seen: set[tuple[str, str]] = set()
    row = 0
    for data in sheets:
        for column in data.columns:
            header = _header(column, lang, fraction_note=False)
            if (column.name, header) in seen:
                continue
            seen.add((column.name, header))
            row += 1
            sheet.write_string(row, 0, column.name)
            sheet.write_string(row, 1, header)
            if column.name in indicators.INDICATORS:
                sheet.write_string(row, 2, indicator_definition(column.name, lang))


def _unique_sheet_name(label: str, taken: set[str]) -> str:
    """Excel's rules: 31 characters, none of []:*?/\\, and no two sheets alike (case aside)."""
    base = _sheet_name(label)
    name, n = base, 2
    while name.lower() in taken:
        suffix = f"({n})"
        name, n = base[: 31 - len(suffix)] + suffix, n + 1
    taken.add(name.lower())
    return name


def _sheet_name(label: str) -> str:
    return re.sub(r"[\[\]:*?/\\]", "-", label)[:31]


# File names


def file_name(area_name: str, scope: Scope, label: str, ext: str, suffix: str = "") -> str:
    """`工单指标_平江街道_2026-11-01_2026-11-30.csv`: what the file holds, where and when (`suffix`: `@2x`)."""
    parts = [label, area_name, scope.period_from.isoformat(), scope.period_to.isoformat()]
    return "_".join(_NOT_IN_FILE_NAMES.sub("-", p) for p in parts) + f"{suffix}.{ext}"


def content_disposition(db: Database, scope: Scope, label: str, ascii_label: str, ext: str, lang: str,
                        suffix: str = "") -> str:
    """RFC 6266 with an RFC 5987 UTF-8 `filename*`, and an ASCII `filename` for clients that lack it."""
    area_name, area_code = scope_area_name(db, scope, lang), scope.area_code
    if scope.area_code == WHOLE_DATABASE:
        area_code = "all"
    utf8 = file_name(area_name, scope, label, ext, suffix)
    ascii_name = file_name(area_code, scope, ascii_label, ext, suffix)
    return f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(utf8, safe='')}"


def scope_area_name(db: Database, scope: Scope, lang: str) -> str:
    """The name of the scope's area as files and exported images give it."""
    if scope.area_code == WHOLE_DATABASE:
        return t("area.whole_database", lang)
    area = find_area(db, scope.area_code)
    return area.name if area else scope.area_code
