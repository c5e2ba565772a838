"""The JSON API and health check, on the same Flask server as the dashboard.

Analysts and other systems pull the same numbers the screens show: every
route parses its scope with `parse_scope` and answers from the same
`data_access` functions as the views. Bad input is a 4xx with a JSON error
that names the parameter; a database that does not answer is a 503; nothing
else escapes as a 500.

A database that does not answer (or one request refreshing an answer past
its freshness while others ask) is no 503 when the cache holds a last good
answer: that answer is served, and says so: a `stale` object in the JSON
(`since`, when it was computed; `age_seconds`; `reason`) and the headers
`Warning: 110 - "Response is Stale"` and `X-OneScreen-Stale-Seconds`, so a
script can tell old numbers from live ones. A live answer has neither.
"""
from __future__ import annotations

import logging
import math
from datetime import date, datetime, timezone
from typing import Callable

from flask import Blueprint, Flask, jsonify, request

from access.area_scope import AreaRefused, home_area, narrow
from access.guard import current_principal
from api.openapi import openapi_document
from data_access import DatabaseError, indicators, reference
from data_access.areas import WHOLE_DATABASE, find_area, root_area_code
from data_access.cache import Staleness, watch_staleness
from data_access.database import Database
from data_access.freshness import newest_data_at, replica_lag_s
from data_access.health import HealthCheck
from data_access.scope import Scope, ScopeError, parse_scope

log = logging.getLogger(__name__)
_FILTER_NOUNS = {"dept": "department", "category": "category"}
# The headers of an answer served past its freshness (RFC 7234's warning, and its age for scripts to compare).
STALE_WARNING = '110 - "Response is Stale"'
STALE_SECONDS_HEADER = "X-OneScreen-Stale-Seconds"


class ApiError(Exception):
    def __init__(self, status: int, message: str, param: str | None = None):
        super().__init__(message)
        self.status, self.message, self.param = status, message, param


def register_api(server: Flask, db: Database, renderer=None) -> None:
    """Add /api/v1/*, /export/* and /health to the dashboard's Flask server.

    `renderer` draws exported charts (exports.renderer.ChartRenderer); by
    default one is made here, and starts its browser on the first export.
    """
    # Imported here: the exports use this module's scope parsing and errors, so they load after them.
    from exports.renderer import ChartRenderer
    from exports.routes import export_blueprint

    renderer = renderer or ChartRenderer(db.settings.chromium_path, export_user=db.settings.export_user)
    server.register_blueprint(_api_blueprint(db))
    server.register_blueprint(_with_json_errors(export_blueprint(db, renderer)))
    health = HealthCheck(db)
    server.add_url_rule("/health", "health", lambda: _health(db, health, details=False))
    server.add_url_rule("/health/details", "health_details", lambda: _health(db, health, details=True))
    # Without this, a mistyped API path fell through to the dashboard's page: a 200 of HTML to a script.
    for rule in ("/api", "/api/", "/api/<path:_path>"):
        server.add_url_rule(rule, "api_not_found", _api_not_found, methods=_ANY_METHOD)


_ANY_METHOD = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"]


def _api_not_found(_path: str = ""):
    return jsonify({"error": {"message": f"no API route {request.path}; see /api/v1/openapi.json"}}), 404


def _api_blueprint(db: Database) -> Blueprint:
    api = _with_json_errors(Blueprint("api_v1", __name__, url_prefix="/api/v1"))

    @api.get("/openapi.json")
    def openapi():
        return jsonify(openapi_document())

    @api.get("/kpis")
    def kpis():
        def answer():
            scope = scope_from_request(db)
            return {**_scope_echo(scope), **indicators.kpis(db, scope)}

        return _answered(answer)

    @api.get("/breakdown")
    def breakdown():
        return _answered(lambda: _grouped(db, indicators.kpis_by, indicators.PERIOD_DIMENSIONS, default="area"))

    @api.get("/backlog")
    def backlog():
        return _answered(lambda: _grouped(db, indicators.backlog_by, indicators.BACKLOG_DIMENSIONS, default="age"))

    return api


def _answered(answer: Callable[[], dict]):
    """`answer()` as JSON, marked stale (body and headers) when any answer it read was a last good one."""
    with watch_staleness() as seen:
        body = answer()
    if seen.stale_since is None:
        return jsonify(body)
    response = jsonify({**body, "stale": stale_note(seen)})
    response.headers["Warning"] = STALE_WARNING
    response.headers[STALE_SECONDS_HEADER] = str(int(seen.age_s))
    return response


def stale_note(seen: Staleness) -> dict:
    """The `stale` object: when the oldest answer served was computed (UTC), how old it is, and why it was served."""
    return {
        "since": datetime.fromtimestamp(seen.stale_since, timezone.utc).isoformat(timespec="seconds"),
        "age_seconds": int(seen.age_s),
        "reason": "database_unavailable" if seen.database_failed else "refreshing",
    }


def _with_json_errors(blueprint: Blueprint) -> Blueprint:
    """Bad input as a 4xx JSON error naming the parameter, a failing database as a 503."""

    @blueprint.errorhandler(ApiError)
    def _api_error(error: ApiError):
        body = {"error": {"message": error.message}}
        if error.param:
            body["error"]["param"] = error.param
        return jsonify(body), error.status

    @blueprint.errorhandler(DatabaseError)
    def _database_error(error: DatabaseError):
        log.warning("database error answering %s: %s", request.path, error)
        return jsonify({"error": {"message": "the database did not answer; try again shortly"}}), 503

    return blueprint


def _grouped(db: Database, query, dimensions: tuple[str, ...], default: str) -> dict:
    """A breakdown route's answer: the scope, a validated `by`, one row per group."""
    scope = scope_from_request(db)
    dimension = request.args.get("by", default)
    if dimension not in dimensions:
        raise ApiError(400, f"by must be one of {', '.join(dimensions)}", "by")
    frame = query(db, scope, dimension)
    return {**_scope_echo(scope), "by": dimension, "rows": _rows(frame)}


def scope_from_request(db: Database) -> Scope:
    """The request's scope as its principal may have it, or ApiError: 400 naming a bad parameter or an unknown dept
    or category code, 404 for an unknown area, 403 naming an area outside the principal's (API and exports)."""
    principal = current_principal()
    default_area = root_area_code(db)
    if principal is not None:
        default_area = home_area(principal, default_area)
    try:
        scope = parse_scope(
            request.args,
            now=db.settings.now(),
            default_area=default_area,
            live_granularity_s=db.settings.live_cache_seconds,
        )
    except ScopeError as error:
        raise ApiError(400, error.message, error.param) from None
    if principal is not None:
        try:
            scope = narrow(principal, scope)
        except AreaRefused as refused:
            # Refused before the area is looked up: whether an area exists outside yours is not yours to learn.
            raise ApiError(403, f"area {refused.area_code or '(whole database)'!r} is outside your areas",
                           "area") from None
    if scope.area_code != WHOLE_DATABASE and find_area(db, scope.area_code) is None:
        raise ApiError(404, f"no area with code {scope.area_code!r}", "area")
    # A filter on an unknown code would answer zeros, which read as a quiet city: refused, as the screens name it.
    unknown = reference.unknown_filters(db, scope)
    if unknown:
        param, code = next(iter(unknown.items()))
        raise ApiError(400, f"no {_FILTER_NOUNS[param]} with code {code!r}", param)
    return scope


def _scope_echo(scope: Scope) -> dict:
    return {
        "area": scope.area_code,
        "from": scope.period_from.isoformat(),
        "to": scope.period_to.isoformat(),
        "as_of": scope.as_of.isoformat(),
    }


def _rows(frame) -> list[dict]:
    """Frame rows as JSON-safe dicts: NaN (pandas' n/a) becomes null, never the invalid token NaN."""
    return [{k: _json_value(v) for k, v in row.items()} for row in frame.to_dict("records")]


def _json_value(value):
    if isinstance(value, float) and math.isnan(value):
        return None
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    if hasattr(value, "item"):  # numpy scalars
        return _json_value(value.item())
    return value


def _health(db: Database, health: HealthCheck, *, details: bool):
    """Whether the database answers: up or down, for load balancers, and nothing more to anyone who asks.

    Within a second whatever hangs (data_access.health). With `details` (/health/details, which the guard
    opens to administrators only): how old the newest data is, how far behind the replica read is (null: not a
    replica; 0: caught up; data_access.freshness.replica_lag_s), and whether the operational role could write,
    which tell an outsider what is stale or weak.
    """
    now = db.settings.now()
    down = {"status": "down", "database": "unreachable", "checked_at": now.isoformat()}
    if not health.database_answers():
        return jsonify(down if details else {"status": "down"}), 503
    if not details:
        return jsonify({"status": "ok"})
    whole = Scope(area_code=WHOLE_DATABASE, period_from=now.date(), period_to=now.date(), as_of=now)
    try:
        newest = newest_data_at(db, whole)
        lag = replica_lag_s(db)
    except DatabaseError as error:
        log.warning("health check: database down: %s", error)
        return jsonify(down), 503
    age = (now - newest).total_seconds() if newest else None
    return jsonify(
        {
            "status": "ok",
            "database": "ok",
            "checked_at": now.isoformat(),
            "newest_data_at": newest.isoformat() if newest else None,
            "data_age_seconds": None if age is None else int(age),
            "replica_lag_seconds": None if lag is None else round(lag, 1),
            # Only true when an operator allowed it (ONESCREEN_ALLOW_WRITABLE_ROLE=1): it should not stay so.
            "writable_role": bool(db.writable_privileges),
        }
    )
