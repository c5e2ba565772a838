"""What a browser may send to a callback: the declared shape of every Input and State, checked in one place.

Dash runs a callback with whatever JSON a client posts to
`/_dash-update-component`; a wall's browser sends what the layout holds, but
a hand-made request can send a number where a URL's query belongs, a
thousand-deep list, or the name of a callback that does not exist. Every
request is checked here against what the callback it names declares, before
Dash runs anything: a request that does not fit is refused with a 400 and
one log line, so no callback ever sees a value of a shape it was not
written for. `CALLBACK_INPUTS` lists the shape of every (component, property)
any server callback reads; a test fails for a callback input missing from
it, so a new callback cannot skip the check.
"""
from __future__ import annotations

import json
import logging
import re
from dataclasses import dataclass
from typing import Any, Callable

import dash
from dash._utils import split_callback_id
from dash.exceptions import DependencyException
from flask import Response, request
from werkzeug.exceptions import RequestEntityTooLarge

from components import ids

log = logging.getLogger(__name__)

# Deeper than any real payload (a clicked GeoJSON multipolygon is about 12
# levels inside the request), far shallower than what exhausts the parser.
MAX_DEPTH = 32
CALLBACK_PATH = "_dash-update-component"
# The largest real callback request (a click on a map area, which carries the
# area's outline) is tens of KB; a few hundred KB leaves room and keeps a flood
# of large bodies from filling a worker's memory. Every other route is a GET.
MAX_BODY_BYTES = 512 * 1024

# A shape checks one value and says what is wrong with it, or None when it fits.
Shape = Callable[[Any], "str | None"]


def text(longest: int = 4096, starts_with: str = "") -> Shape:
    def check(value):
        if not isinstance(value, str):
            return "must be text"
        if len(value) > longest:
            return f"longer than {longest} characters"
        if not value.startswith(starts_with):
            return f"must start with {starts_with!r}"
        return None
    return check


def number(integer: bool = False) -> Shape:
    def check(value):
        # JSON true/false are Python bools, which are ints: not a count.
        if isinstance(value, bool) or not isinstance(value, int if integer else (int, float)):
            return "must be a whole number" if integer else "must be a number"
        return None
    return check


def list_of(item: Shape, longest: int = 1000) -> Shape:
    def check(value):
        if not isinstance(value, list):
            return "must be a list"
        if len(value) > longest:
            return f"more than {longest} items"
        return next((f"item {i}: {problem}" for i, v in enumerate(value) if (problem := _nullable(item, v))), None)
    return check


def matching(pattern: str, what: str) -> Shape:
    """Text all of which matches the regular expression `pattern` (`what` names it in the refusal)."""
    compiled = re.compile(pattern)

    def check(value):
        if not isinstance(value, str) or compiled.fullmatch(value) is None:
            return f"must be {what}"
        return None
    return check


def mapping(**fields: Shape) -> Shape:
    """A JSON object; the keys named in `fields` have those shapes when present, other keys are free."""
    def check(value):
        if not isinstance(value, dict):
            return "must be an object"
        return next((f"{key}: {problem}" for key, shape in fields.items()
                     if (problem := _nullable(shape, value.get(key)))), None)
    return check


def one_of(*shapes: Shape) -> Shape:
    def check(value):
        problems = [shape(value) for shape in shapes]
        return None if None in problems else " or ".join(p for p in problems if p)
    return check


def _nullable(shape: Shape, value) -> str | None:
    """Every property may be null: Dash sends null for a property the layout has not set yet."""
    return None if value is None else shape(value)


# The shapes of what components report, named for the component that reports them.
URL_QUERY = text(4096)
URL_PATH = text(2048, starts_with="/")
COUNT = number(integer=True)
CODE = text(64)
DATE = text(32)
PLOTLY_CLICK = mapping(points=list_of(mapping(), longest=100))
GEOJSON_CLICK = mapping(properties=mapping())
GRID_CELL_CLICK = mapping(rowId=one_of(text(256), number()))
# A crowd alert's key, "<zone id>|<since>" (callbacks/wall_acknowledgement.py): a zone id of the contract's
# 40 characters at most, and the moment its run over capacity began, in ISO form to the second.
ALERT_KEY = matching(r"[^|\x00-\x1f]{1,40}\|\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,6})?",
                     "an alert key (zone|since)")

CALLBACK_INPUTS: dict[tuple[str, str], Shape] = {
    (ids.URL, "pathname"): URL_PATH,
    (ids.URL, "search"): URL_QUERY,
    (ids.FILTER_BAR, "id"): text(64),
    (ids.FILTER_PERIOD, "start_date"): DATE,
    (ids.FILTER_PERIOD, "end_date"): DATE,
    (ids.FILTER_SOURCE, "value"): one_of(list_of(CODE, longest=50), CODE),
    (ids.FILTER_CATEGORY, "value"): CODE,
    (ids.FILTER_DEPT, "value"): CODE,
    (ids.OVERVIEW_MAP_INDICATOR, "value"): CODE,
    (ids.WORKERS_PICKER, "value"): CODE,
    (ids.CROWD_REPLAY, "value"): number(),
    (ids.CROWD_REPLAY, "max"): number(),
    (ids.WALL_VIEWPORT, "data"): mapping(font_px=number()),
    (ids.WALL_PLACARDS, "data"): mapping(open=list_of(mapping(), longest=200)),
    (ids.WALL_ACK_SENT, "data"): mapping(keys=list_of(ALERT_KEY, longest=200)),
    # What a map's `loaded` store holds: the key of the geometry it was last sent.
    (ids.OVERVIEW_MAP_LOADED, "data"): text(256),
    (ids.CROWD_MAP_LOADED, "data"): text(256),
    (ids.WORKERS_MAP_LOADED, "data"): text(256),
    (ids.CLOSURE_LEAGUE_GRID, "cellClicked"): GRID_CELL_CLICK,
    (ids.FUNDS_ACCOUNTS_GRID, "cellClicked"): GRID_CELL_CLICK,
}
# Every refresh timer's tick count and every chart's click, whichever view it is on.
INPUTS_BY_PROPERTY: dict[str, Shape] = {
    "n_intervals": COUNT,
    "clickData": PLOTLY_CLICK,
}
# Leaflet layers report a clicked GeoJSON feature, not a plotly point.
GEOJSON_LAYERS = (ids.OVERVIEW_MAP_AREAS, ids.CROWD_MAP_AREAS, ids.WORKERS_MAP_AREAS, ids.WORKERS_POSITIONS)
CALLBACK_INPUTS.update({(layer, "clickData"): GEOJSON_CLICK for layer in GEOJSON_LAYERS})


def declared_shape(component_id: str, prop: str) -> Shape | None:
    return CALLBACK_INPUTS.get((component_id, prop)) or INPUTS_BY_PROPERTY.get(prop)


class Refused(ValueError):
    """A callback request that does not fit what the callback it names declares."""


@dataclass(frozen=True)
class ServerCallback:
    outputs: object  # a {id, property} dict, or a list of them, as the request's `outputs` must be
    inputs: tuple[tuple[str, str], ...]
    state: tuple[tuple[str, str], ...]


def server_callbacks(app: dash.Dash) -> dict[str, ServerCallback]:
    """The callbacks the server runs, by their output key; clientside ones run in the browser and are not here."""
    return {
        output: ServerCallback(
            outputs=split_callback_id(output),
            inputs=tuple((i["id"], i["property"]) for i in spec["inputs"]),
            state=tuple((s["id"], s["property"]) for s in spec["state"]),
        )
        for output, spec in app.callback_map.items() if "callback" in spec
    }


def check_request(body, callbacks: dict[str, ServerCallback]) -> None:
    """Raise Refused unless `body` is a request for one of `callbacks` with values of their declared shapes."""
    if not isinstance(body, dict):
        raise Refused("the request is not a JSON object")
    output = body.get("output")
    callback = callbacks.get(output) if isinstance(output, str) else None
    if callback is None:
        raise Refused("no server callback has this output")
    if body.get("outputs") != callback.outputs:
        raise Refused("outputs do not match the callback's")
    _check_values("inputs", body.get("inputs"), callback.inputs)
    _check_values("state", body.get("state", []), callback.state)
    for key in ("changedPropIds", "parsedChangedPropsIds"):
        changed = body.get(key, [])
        known = {f"{component}.{prop}" for component, prop in callback.inputs}
        if not isinstance(changed, list) or not all(isinstance(c, str) and c in known for c in changed):
            raise Refused(f"{key} names something that is not an input of the callback")


def _check_values(key: str, values, declared: tuple[tuple[str, str], ...]) -> None:
    if not isinstance(values, list) or len(values) != len(declared):
        raise Refused(f"{key}: expected {len(declared)} values")
    for value, (component, prop) in zip(values, declared):
        if not isinstance(value, dict) or value.get("id") != component or value.get("property") != prop:
            raise Refused(f"{key}: expected {component}.{prop}")
        shape = declared_shape(component, prop)
        problem = _nullable(shape, value.get("value")) if shape else "has no declared shape"
        if problem:
            raise Refused(f"{component}.{prop} {problem}")


def _depth(value) -> int:
    """The nesting depth of parsed JSON, walked without recursion (a hostile body may be deep)."""
    deepest, stack = 0, [(value, 1)]
    while stack:
        item, depth = stack.pop()
        deepest = max(deepest, depth)
        if depth > MAX_DEPTH:
            break
        children = item.values() if isinstance(item, dict) else item if isinstance(item, list) else ()
        stack.extend((child, depth + 1) for child in children)
    return deepest


def _not_json(constant: str):
    raise ValueError(f"{constant} is not JSON")


def parse_body(data: bytes):
    try:
        body = json.loads(data, parse_constant=_not_json)
    except (ValueError, RecursionError):
        raise Refused("the body is not JSON") from None
    if _depth(body) > MAX_DEPTH:
        raise Refused(f"the body nests deeper than {MAX_DEPTH} levels")
    return body


def _json_error(status: int, message: str) -> Response:
    return Response(json.dumps({"error": {"message": message}}), status=status, mimetype="application/json")


def register(app: dash.Dash) -> None:
    """Check every callback request before Dash dispatches it (call after every callback is registered).

    Also answers the two other ways a request reached Dash's own code and came
    back a 500: a body over MAX_BODY_BYTES is a 413, a script Dash does not
    serve a 404.
    """
    callbacks = server_callbacks(app)
    path = app.config.routes_pathname_prefix + CALLBACK_PATH
    app.server.config["MAX_CONTENT_LENGTH"] = MAX_BODY_BYTES

    @app.server.errorhandler(RequestEntityTooLarge)
    def _too_large(_error):
        log.warning("request body over %d bytes refused: %s %s", MAX_BODY_BYTES, request.method, request.path)
        return _json_error(413, f"the request body is larger than {MAX_BODY_BYTES // 1024} KB")

    @app.server.errorhandler(DependencyException)
    def _no_such_script(_error):
        log.warning("no such script: %s", request.path)
        return _json_error(404, "no such file")

    @app.server.before_request
    def check_callback_request():
        if request.path != path or request.method != "POST":
            return None
        try:
            body = parse_body(request.get_data(cache=True))
            check_request(body, callbacks)
        except Refused as refused:
            log.warning("callback request refused from %s: %s", request.remote_addr, refused)
            return _json_error(400, str(refused))
        return None
