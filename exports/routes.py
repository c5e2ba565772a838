"""The export URLs, one blueprint on the dashboard's Flask server:

- `/export/<table>.csv|.xlsx`: the API's tables (api/exports.py);
- `/export/<view>/<panel>.png|.svg|.pdf|.csv|.xlsx`, `<panel>@2x.png`, `<panel>@4x.png`: one card of a view;
- `/export/<view>.xlsx|.pdf`: the whole-view report.

Each takes the same scope parameters as the API and the views (area, from,
to, as_of, source, category, dept, lang), checked by `api.scope_from_request`:
a bad one is a 400 naming it, an unknown area a 404. Files are streamed
from Flask, never passed through a callback, and named for what they hold
(`结案率_平江街道_2026-11-01_2026-11-30.png`).

Everything but a CSV is made whole before its first byte goes out (an image,
a report, a workbook written to a temporary file), so it runs in the
process's bounded export pool (exports/pool.py); a full pool is a 503 JSON
answer with `Retry-After`.
"""
from __future__ import annotations

import re

from flask import Blueprint, Response, g, jsonify, request

from api import ApiError, scope_from_request
from api.exports import (
    FORMATS, content_disposition, counted, csv_response, export_tables, table_export, xlsx_response,
)
from data_access.database import Database
from exports import files
from exports.panels import VIEWS
from exports.pool import ExportPool, ExportsBusy
from exports.renderer import ChartRenderer, RenderError
from i18n import language, t

IMAGE_TYPES = {"png": "image/png", "svg": "image/svg+xml", "pdf": "application/pdf"}
# <panel>[@2x|@4x].<format>: PNG comes at 1x for screens, 2x and 4x for print.
_PANEL_FILE = re.compile(r"^(?P<panel>[a-z-]+?)(?:@(?P<scale>[24])x)?\.(?P<ext>png|svg|pdf|csv|xlsx)$")
REPORT_FORMATS = ("xlsx", "pdf")


class RendererUnavailable(ApiError):
    def __init__(self, lang: str):
        super().__init__(503, t("export.unavailable", lang))


def export_blueprint(db: Database, renderer: ChartRenderer) -> Blueprint:
    """/export/*; `api.register_api` adds the JSON error handlers."""
    exports = Blueprint("exports", __name__, url_prefix="/export")
    pool = ExportPool(db.settings.export_slots, db.settings.export_queue)

    @exports.errorhandler(ExportsBusy)
    def _busy(busy: ExportsBusy):
        seconds = busy.retry_after_s
        message = t("export.busy", language(request.args.get("lang")), seconds=seconds)
        return jsonify({"error": {"message": message, "retry_after": seconds}}), 503, {"Retry-After": str(seconds)}

    @exports.get("/<file_name>")
    def table_or_report(file_name: str):
        stem, _, ext = file_name.rpartition(".")
        if stem in VIEWS and ext in REPORT_FORMATS:
            with pool.slot():
                return _report(db, renderer, stem, ext)
        if ext not in FORMATS or stem not in export_tables():
            raise ApiError(404, f"no export {file_name!r}; tables: {', '.join(export_tables())}; formats: csv, "
                           f"xlsx; reports: {', '.join(f'{v}.xlsx|pdf' for v in VIEWS)}", "table")
        lang = language(request.args.get("lang"))
        scope = scope_from_request(db)
        data = counted(table_export(db, scope, stem, lang), _tally())
        if ext == "csv":
            response = csv_response(data, lang)
        else:
            with pool.slot():
                response = xlsx_response([data], lang)
        return _named(response, db, scope, data.label, data.table, ext, lang)

    @exports.get("/<view>/<file_name>")
    def panel(view: str, file_name: str):
        match = _PANEL_FILE.match(file_name)
        exported = VIEWS.get(view)
        chosen = exported.panel(match["panel"]) if exported and match else None
        if chosen is None or (match["scale"] and match["ext"] != "png"):
            raise ApiError(404, f"no export {view}/{file_name}; views and cards: "
                           + "; ".join(f"{v.name}: {', '.join(p.name for p in v.panels)}" for v in VIEWS.values())
                           + "; files: <card>.png|svg|pdf|csv|xlsx, <card>@2x.png, <card>@4x.png", "panel")
        call = _request(db, exported)
        ext = match["ext"]
        if ext in FORMATS:
            data = counted(files.panel_data(call, chosen), _tally())
            if ext == "csv":
                response = csv_response(data, call.lang)
            else:
                with pool.slot():
                    response = xlsx_response([data], call.lang)
            return _named(response, db, call.scope, data.label, data.table, ext, call.lang)
        scale = int(match["scale"] or 1)
        try:
            with pool.slot():
                image = files.panel_image(call, chosen, renderer, ext, scale)
        except RenderError:
            raise RendererUnavailable(call.lang) from None
        response = Response(image.content, content_type=IMAGE_TYPES[ext])
        return _named(response, db, call.scope, image.label, f"{view}-{chosen.name}", ext, call.lang,
                      suffix=f"@{scale}x" if scale > 1 else "")

    return exports


def _report(db: Database, renderer: ChartRenderer, view: str, ext: str):
    call = _request(db, VIEWS[view])
    label = files.report_title(call)
    if ext == "xlsx":
        response = xlsx_response(files.report_sheets(call), call.lang)
    else:
        try:
            response = Response(files.report_pdf(call, renderer), content_type=IMAGE_TYPES["pdf"])
        except RenderError:
            raise RendererUnavailable(call.lang) from None
    return _named(response, db, call.scope, label, f"{view}-report", ext, call.lang)


def _request(db: Database, view) -> files.Request:
    scope = scope_from_request(db)
    params = {name: value for name, value in request.args.items()}
    return files.Request(db, view, scope, params, language(params.get("lang")))


def _tally() -> dict:
    """The count of rows this request's export writes, which the guard's audit record reads once it is sent."""
    tally = g.setdefault("audit_tally", {"rows": 0})
    return tally


def _named(response: Response, db: Database, scope, label: str, ascii_label: str, ext: str, lang: str,
           suffix: str = "") -> Response:
    response.headers["Content-Disposition"] = content_disposition(db, scope, label, ascii_label, ext, lang, suffix)
    # What the audit trail records of an export: what it was, and the scope actually exported.
    g.audit_detail = {"export": f"{ascii_label}{suffix}.{ext}", "scope": scope.to_params()}
    return response
