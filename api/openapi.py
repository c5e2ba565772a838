"""The OpenAPI 3 document of the JSON API: what an analyst scripts against, and what the fuzz test attacks.

Parameter rules here mirror `data_access.scope.parse_scope`; indicator
descriptions are SCHEMA.md's definitions as the translation catalogue words
them for the screens' hover text, so the API and the screens cannot disagree.
"""
from __future__ import annotations

from components.export_menu import PANELS, REPORT_VIEWS
from data_access.indicators import BACKLOG_DIMENSIONS, INDICATORS, PERIOD_DIMENSIONS
from i18n import indicator_definition

CODE_PATTERN = r"^[A-Za-z0-9_.\-]{1,32}$"

_COUNTS = {"reported", "cancelled", "accepted", "closed", "due", "on_time_closed", "backlog", "overdue"}


def _indicator_schema(name: str) -> dict:
    description = indicator_definition(name, "en")
    if name in _COUNTS:
        return {"type": "integer", "minimum": 0, "description": description}
    if name == "avg_handle_hours":
        return {"type": "number", "nullable": True, "description": description + " Null when none is closed."}
    return {"type": "number", "minimum": 0, "maximum": 1, "nullable": True,
            "description": description + " A fraction (0.93), null when n/a."}


def _query(name: str, description: str, schema: dict) -> dict:
    return {"name": name, "in": "query", "required": False, "description": description, "schema": schema}


SCOPE_PARAMETERS = [
    _query("area", "Area code; the area and everything under it. Default: the root area.",
           {"type": "string", "pattern": CODE_PATTERN}),
    _query("from", "First day of the period (reported_at), inclusive. Default: 29 days before `to`.",
           {"type": "string", "format": "date"}),
    _query("to", "Last day of the period, inclusive. Default: the day of as_of.",
           {"type": "string", "format": "date"}),
    _query("as_of", "The moment taken as now, city local time without zone (a bare date: end of that day). "
           "Default: now.", {"type": "string", "format": "date-time"}),
    _query("source", "Comma-separated ticket sources, e.g. hotline_12345,city_mgmt.",
           {"type": "string", "pattern": r"^[a-z0-9_]{1,32}(,[a-z0-9_]{1,32})*$"}),
    _query("category", "Category code; the class and everything under it. A code the category table lacks is a 400.",
           {"type": "string", "pattern": CODE_PATTERN}),
    _query("dept", "Department code. A code the department table lacks is a 400.",
           {"type": "string", "pattern": CODE_PATTERN}),
]

_ERROR = {
    "type": "object",
    "required": ["error"],
    "properties": {
        "error": {
            "type": "object",
            "required": ["message"],
            "properties": {"message": {"type": "string"}, "param": {"type": "string"}},
        }
    },
}
_SCOPE_ECHO = {
    "area": {"type": "string"},
    "from": {"type": "string", "format": "date"},
    "to": {"type": "string", "format": "date"},
    "as_of": {"type": "string"},
}


# An answer served from the cache past its freshness (api/__init__.py): live answers have no `stale`.
_STALE = {
    "type": "object",
    "description": "Present only when the answer is not live: the database did not answer (or one request was "
    "refreshing it) and the last good answer was served. The numbers are those of `since`.",
    "required": ["since", "age_seconds", "reason"],
    "properties": {
        "since": {"type": "string", "format": "date-time",
                  "description": "When the oldest answer served was computed (UTC)."},
        "age_seconds": {"type": "integer", "minimum": 0, "description": "How old that answer is."},
        "reason": {"type": "string", "enum": ["database_unavailable", "refreshing"]},
    },
}
_STALE_HEADERS = {
    "Warning": {"description": 'Only on a stale answer: `110 - "Response is Stale"`.',
                "schema": {"type": "string"}},
    "X-OneScreen-Stale-Seconds": {"description": "Only on a stale answer: its age in seconds (`stale.age_seconds`).",
                                  "schema": {"type": "integer", "minimum": 0}},
}


def _json(schema: dict, description: str) -> dict:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def _answer(schema: dict, description: str) -> dict:
    """A 200 of the indicators: `schema` plus the stale mark and its headers."""
    marked = {**schema, "properties": {**schema["properties"], "stale": _STALE}}
    return {**_json(marked, description), "headers": _STALE_HEADERS}


def _errors() -> dict:
    return {
        "400": _json(_ERROR, "A parameter is not acceptable; `param` names it."),
        "404": _json(_ERROR, "No area with that code."),
        "503": _json(_ERROR, "The database did not answer."),
    }


def _breakdown(path_summary: str, dimensions: tuple[str, ...], default: str, columns: list[str]) -> dict:
    row = {"type": "object", "properties": {"key": {"type": "string", "nullable": True},
                                            "name": {"type": "string", "nullable": True},
                                            **{c: _indicator_schema(c) for c in columns}}}
    return {
        "get": {
            "summary": path_summary,
            "parameters": [*SCOPE_PARAMETERS,
                           _query("by", "Dimension to group by.", {"type": "string", "enum": list(dimensions),
                                                                   "default": default})],
            "responses": {
                "200": _answer({"type": "object", "properties": {**_SCOPE_ECHO, "by": {"type": "string"},
                                                                 "rows": {"type": "array", "items": row}}},
                               "One row per group."),
                **_errors(),
            },
        }
    }


# Every table an export URL (api/exports.py) accepts.
EXPORT_TABLES = (
    "kpis",
    *(f"breakdown-{d}" for d in PERIOD_DIMENSIONS),
    *(f"backlog-{d}" for d in BACKLOG_DIMENSIONS),
    "overdue",
    "near-overdue",
    "backlog",
)


def _export(ext: str, media_type: str, form: str) -> dict:
    return {
        "get": {
            "summary": f"A table as a {ext.upper()} file for the scope, headers in the interface language",
            "description": f"{form} Named `<table label>_<area name>_<from>_<to>.{ext}` (Content-Disposition, "
            "RFC 5987 filename* plus an ASCII filename). Ticket lists stream with reporters' phones masked unless "
            "the principal has personal_data; a list longer than the export limit ends with a row saying so; an "
            "empty scope says 无数据 / no data.",
            "parameters": [
                {"name": "table", "in": "path", "required": True, "schema": {"type": "string", "enum": list(EXPORT_TABLES)}},
                *SCOPE_PARAMETERS,
                _query("lang", "Interface language of headers and labels.",
                       {"type": "string", "enum": ["zh", "en"], "default": "zh"}),
            ],
            "responses": {
                "200": {"description": "The file.", "content": {media_type: {"schema": {"type": "string",
                                                                                        "format": "binary"}}}},
                **_errors(),
                "404": _json(_ERROR, "No such table, or no area with that code."),
            },
        }
    }


_LANG = _query("lang", "Interface language of titles, headers and labels.",
               {"type": "string", "enum": ["zh", "en"], "default": "zh"})
_FILE_CONTENT = {"schema": {"type": "string", "format": "binary"}}


def _card_export() -> dict:
    cards = "; ".join(
        f"{view}: {', '.join(card for v, card in PANELS.values() if v == view)}" for view in REPORT_VIEWS
    )
    return {
        "get": {
            "summary": "One card of a view (a chart or a table) as an image or as the data behind it",
            "description": "`file` is `<card>.<format>`: png (1280 px wide), `<card>@2x.png` and `<card>@4x.png` "
            "for print, svg, pdf (the image, framed with its title, the scope, the data source and the "
            "indicators' definitions), csv (UTF-8 with BOM) or xlsx (the data, as in /export/{table}). "
            f"Cards per view: {cards}. Same numbers and masking as the screen; an empty scope gives a valid file "
            "that says 无数据 / no data. 503 when the image renderer is unavailable.",
            "parameters": [
                {"name": "view", "in": "path", "required": True,
                 "schema": {"type": "string", "enum": list(REPORT_VIEWS)}},
                {"name": "file", "in": "path", "required": True,
                 "schema": {"type": "string", "pattern": r"^[a-z-]+(@[24]x)?\.(png|svg|pdf|csv|xlsx)$"}},
                *SCOPE_PARAMETERS,
                _LANG,
            ],
            "responses": {
                "200": {"description": "The file.", "content": {media: _FILE_CONTENT for media in (
                    "image/png", "image/svg+xml", "application/pdf", "text/csv",
                    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")}},
                **_errors(),
                "404": _json(_ERROR, "No such view, card or format, or no area with that code."),
                "503": _json(_ERROR, "The database did not answer, or the image renderer is unavailable."),
            },
        }
    }


def _report_export(ext: str, media_type: str, form: str) -> dict:
    return {
        "get": {
            "summary": f"The whole view as a {ext.upper()} report for the scope",
            "description": form,
            "parameters": [
                {"name": "view", "in": "path", "required": True,
                 "schema": {"type": "string", "enum": list(REPORT_VIEWS)}},
                *SCOPE_PARAMETERS,
                _LANG,
            ],
            "responses": {"200": {"description": "The report.", "content": {media_type: _FILE_CONTENT}},
                          **_errors()},
        }
    }


def openapi_document() -> dict:
    kpis = {
        "type": "object",
        "required": [*_SCOPE_ECHO, *INDICATORS],
        "properties": {**_SCOPE_ECHO, **{name: _indicator_schema(name) for name in INDICATORS}},
    }
    return {
        "openapi": "3.0.3",
        "info": {
            "title": "OneScreen (一屏观城) API",
            "version": "1.0.0",
            "description": "Read-only indicators of the city's linkage command centre, "
            "as defined in the OneScreen database contract. Rates are fractions (0.93), null when n/a. "
            "When the database does not answer, the last good answer is served with a `stale` object and the "
            "headers `Warning: 110` and `X-OneScreen-Stale-Seconds`; with none, a 503.",
        },
        "paths": {
            "/api/v1/kpis": {
                "get": {
                    "summary": "All indicators for a scope",
                    "parameters": SCOPE_PARAMETERS,
                    "responses": {"200": _answer(kpis, "The indicators."), **_errors()},
                }
            },
            "/api/v1/breakdown": _breakdown(
                "Period indicators per group (child area, source, category, department, status, day)",
                PERIOD_DIMENSIONS, "area", list(INDICATORS),
            ),
            "/api/v1/backlog": _breakdown(
                "Backlog and overdue per group (child area, source, category, department, status, age bucket)",
                BACKLOG_DIMENSIONS, "age", ["backlog", "overdue"],
            ),
            "/export/{table}.csv": _export("csv", "text/csv",
                                           "UTF-8 with a BOM; rates as fractions, n/a as empty cells."),
            "/export/{table}.xlsx": _export(
                "xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                "Numbers as numbers, dates as dates, rates formatted as percentages; a Definitions sheet.",
            ),
            "/export/{view}/{file}": _card_export(),
            "/export/{view}.xlsx": _report_export(
                "xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                "A sheet of the view's KPI tiles, a sheet with the data of each card, and a Definitions sheet.",
            ),
            "/export/{view}.pdf": _report_export(
                "pdf", "application/pdf",
                "A4 landscape: a title page with the scope, the KPI table, then a page per card.",
            ),
        },
    }
