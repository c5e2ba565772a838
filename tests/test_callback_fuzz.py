"""Hostile callback requests: whatever a client posts to /_dash-update-component, the server never answers 5xx.

Every server callback's request is built from its declaration (the ids and
properties it reads, with a value a browser would send), checked to run,
then mutated by hypothesis, seeded and bounded: values of the wrong type,
nested thousands deep, huge, missing keys, unknown outputs, foreign ids,
random URL queries. The city is the demo generator's tiny preset, so each
view's callbacks really query a database with workers, crowd and funds.
"""
from __future__ import annotations

import copy
import json
import logging
from collections import Counter
from datetime import datetime

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app import create_app
from callbacks import inputs
from components import ids
from demo.generate import generate
from tests.support import settings_for, signed_in

NOW = datetime(2026, 11, 20, 12, 0)
CALLBACK_URL = "/_dash-update-component"
REQUESTS_PER_EXAMPLE = 5
EXAMPLES = 1100  # x REQUESTS_PER_EXAMPLE: over 5,000 requests

# What a browser sends for each input, by (component, property), else by property.
BROWSER_VALUES = {
    (ids.URL, "pathname"): "/",
    (ids.URL, "search"): "",
    (ids.FILTER_BAR, "id"): ids.FILTER_BAR,
    (ids.FILTER_PERIOD, "start_date"): "2026-10-22",
    (ids.FILTER_PERIOD, "end_date"): "2026-11-20",
    (ids.FILTER_SOURCE, "value"): [],
    (ids.OVERVIEW_MAP_INDICATOR, "value"): "closure_rate",
    (ids.CROWD_REPLAY, "value"): 0,
    (ids.CROWD_REPLAY, "max"): 0,
    (ids.WALL_VIEWPORT, "data"): {"font_px": 24},
    (ids.WALL_PLACARDS, "data"): {"open": []},
}
BY_PROPERTY = {"n_intervals": 1}


@pytest.fixture(scope="module")
def client(tmp_path_factory):
    path = tmp_path_factory.mktemp("fuzz") / "tiny.sqlite"
    generate(f"sqlite:///{path}", preset="tiny", seed=20261120, now=NOW)
    app = create_app(settings_for(f"sqlite:///{path}"))
    return app, signed_in(app)


def browser_request(output: str, callback: inputs.ServerCallback) -> dict:
    """The request a browser makes for the callback with output key `output`."""
    def values(declared):
        return [{"id": c, "property": p, "value": BROWSER_VALUES.get((c, p), BY_PROPERTY.get(p))} for c, p in declared]
    body = {"output": output, "outputs": callback.outputs, "inputs": values(callback.inputs),
            "changedPropIds": [f"{c}.{p}" for c, p in callback.inputs[:1]]}
    if callback.state:
        body["state"] = values(callback.state)
    return body


def post(client, body) -> int:
    data = body if isinstance(body, (bytes, str)) else json.dumps(body)
    return client.post(CALLBACK_URL, data=data, content_type="application/json").status_code


def test_every_input_of_every_server_callback_has_a_declared_shape(client):
    app, _ = client
    undeclared = {
        f"{component}.{prop}"
        for callback in inputs.server_callbacks(app).values()
        for component, prop in callback.inputs + callback.state
        if inputs.declared_shape(component, prop) is None
    }
    assert not undeclared


def test_what_a_browser_sends_runs_every_server_callback(client):
    app, http = client
    statuses = {output: post(http, browser_request(output, callback))
                for output, callback in inputs.server_callbacks(app).items()}
    assert statuses and all(status in (200, 204) for status in statuses.values()), statuses


JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=True) | st.text(max_size=40),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=10), children, max_size=4),
    max_leaves=12,
)
SCOPE_NAMES = ("area", "from", "to", "as_of", "source", "category", "dept", "lang", "theme", "views", "rotate",
               "refresh", "sound", "x")
URL_QUERIES = st.lists(
    st.tuples(st.sampled_from(SCOPE_NAMES), st.text(max_size=30) | st.sampled_from(
        ["R", "2026-11-01", "2026-13-40", "2026-11-20T10:00:00", "hotline_12345", "en", "light", "wall,crowd", "5"])),
    max_size=5,
).map(lambda pairs: "?" + "&".join(f"{name}={value}" for name, value in pairs))


def _deep(depth: int) -> str:
    return "[" * depth + "]" * depth


@st.composite
def hostile_request(draw, callbacks: dict[str, inputs.ServerCallback]):
    output = draw(st.sampled_from(sorted(callbacks)))
    body = browser_request(output, callbacks[output])
    lists = [key for key in ("inputs", "state") if body.get(key)]
    mutation = draw(st.sampled_from(
        ["value", "value", "query", "path", "drop_key", "top_level", "output", "id", "changed", "deep", "raw"]))
    if mutation in ("value", "query", "path", "id") and lists:
        item = draw(st.sampled_from(body[draw(st.sampled_from(lists))]))
        if mutation == "value":
            item["value"] = draw(JSON_VALUES)
        elif mutation == "query":
            item["value"] = draw(URL_QUERIES) if item["property"] == "search" else draw(st.text(max_size=80))
        elif mutation == "path":
            item["value"] = draw(st.sampled_from(["", "wall", "/nope", "//x", "/wall/../crowd"])) \
                if item["property"] == "pathname" else draw(JSON_VALUES)
        else:
            item[draw(st.sampled_from(["id", "property"]))] = draw(JSON_VALUES)
    elif mutation == "drop_key":
        body.pop(draw(st.sampled_from(sorted(body))))
    elif mutation == "top_level":
        body[draw(st.sampled_from(sorted(body) + ["extra"]))] = draw(JSON_VALUES)
    elif mutation == "output":
        body["output"] = draw(st.text(max_size=60) | st.sampled_from(["url.search", "nope.children", "..a.b.."]))
    elif mutation == "changed":
        body["changedPropIds"] = draw(JSON_VALUES)
    elif mutation == "deep":
        return _deep(draw(st.integers(min_value=33, max_value=100_000)))
    else:
        return draw(st.binary(max_size=200))
    return body


def test_hostile_callback_requests_never_get_a_server_error(client):
    app, http = client
    callbacks = inputs.server_callbacks(app)
    statuses: Counter = Counter()
    targeted: Counter = Counter()
    ran: Counter = Counter()  # mutated requests that passed the check and ran their callback
    server_errors = []

    @settings(max_examples=EXAMPLES, derandomize=True, deadline=None, database=None,
              suppress_health_check=list(HealthCheck))
    @given(st.lists(hostile_request(callbacks), min_size=REQUESTS_PER_EXAMPLE, max_size=REQUESTS_PER_EXAMPLE))
    def run(bodies):
        for body in bodies:
            status = post(http, body)
            statuses[status] += 1
            if isinstance(body, dict) and isinstance(body.get("output"), str):
                targeted[body["output"]] += 1
                ran[body["output"]] += status in (200, 204)
            if status >= 500:
                server_errors.append((status, copy.deepcopy(body) if isinstance(body, dict) else body[:200]))

    logging.getLogger("callbacks.inputs").setLevel(logging.ERROR)  # one warning per refusal: thousands here
    try:
        run()
    finally:
        logging.getLogger("callbacks.inputs").setLevel(logging.NOTSET)
    assert sum(statuses.values()) >= 5000
    assert set(callbacks) <= set(targeted), set(callbacks) - set(targeted)
    assert all(ran[output] for output in callbacks), [output for output in callbacks if not ran[output]]
    assert not server_errors, server_errors[:5]


def test_a_refused_request_is_one_log_line_without_a_traceback(client, caplog):
    _, http = client
    with caplog.at_level(logging.WARNING):
        assert post(http, {"output": "nope.children", "outputs": {}, "inputs": []}) == 400
        assert post(http, _deep(50_000)) == 400
        assert post(http, '{"output": NaN}') == 400
    refusals = [r for r in caplog.records if r.name == "callbacks.inputs"]
    assert len(refusals) == 3 and not any(r.exc_info for r in refusals)


def test_a_url_query_that_is_not_text_is_refused_not_a_crash(client):
    app, http = client
    callbacks = inputs.server_callbacks(app)
    body = browser_request("..root.children...root.style...root.lang..", callbacks[
        "..root.children...root.style...root.lang.."])
    body["inputs"][1]["value"] = 12
    response = http.post(CALLBACK_URL, json=body)
    assert response.status_code == 400 and "url.search must be text" in response.get_json()["error"]["message"]


def test_a_callback_body_of_60_mb_is_refused_with_413(client):
    _, http = client
    response = http.post(CALLBACK_URL, data=b"[" + b" " * 60_000_000 + b"]", content_type="application/json")
    assert response.status_code == 413 and "larger than" in response.get_json()["error"]["message"]


def test_a_script_dash_does_not_serve_is_a_404(client):
    _, http = client
    assert http.get("/_dash-component-suites/dash/nope.js").status_code == 404
    assert http.get("/_dash-component-suites/nopackage/x.js").status_code == 404


@pytest.mark.parametrize("path", ["/api/v1/crowd", "/api/v2/kpis", "/api", "/api/"])
def test_an_unknown_api_path_is_a_json_404(client, path):
    _, http = client
    response = http.get(path)
    assert response.status_code == 404 and response.is_json and "openapi" in response.get_json()["error"]["message"]
    assert http.get("/api/v1/kpis").status_code == 200
