"""Every answer OneScreen serves carries the browser-side protections a command centre's network expects.

A page, an API answer and an export are fetched with Flask's test client; the
Content-Security-Policy is checked against the inline scripts of the page
actually served, so a script Dash adds later cannot slip past it unhashed.
"""
from __future__ import annotations

import base64
import hashlib
import json
import re
from dataclasses import replace
from datetime import datetime, timedelta

import pytest

import config
from access.guard import SESSION_COOKIE
from app import create_app
from tests.support import create_contract, fresh_database_url, insert_rows, settings_for, signed_in

NOW = datetime(2026, 11, 20, 12, 0)
AREAS = [
    {"area_code": "R", "parent_code": None, "level": "city", "name": "测试市"},
    {"area_code": "R01", "parent_code": "R", "level": "district", "name": "甲区"},
]
TICKETS = [{
    "ticket_id": "T1", "source": "hotline_12345", "area_code": "R01", "status": "accepted",
    "reported_at": NOW - timedelta(days=1), "closed_at": None, "due_at": None, "satisfaction": None,
    "rework_count": 0,
}]
PAGE, API_ANSWER, EXPORT = "/", "/api/v1/kpis?area=R", "/export/kpis.csv?area=R"


@pytest.fixture(scope="module")
def city_settings(tmp_path_factory):
    url = fresh_database_url("sqlite", "headers_city", tmp_path_factory.mktemp("headers"))
    create_contract(url)
    insert_rows(url, {"area": AREAS, "ticket": TICKETS})
    return settings_for(url)


@pytest.fixture(scope="module")
def client(city_settings):
    return signed_in(create_app(city_settings))


def _policy(response) -> dict[str, list[str]]:
    directives = (part.split() for part in response.headers["Content-Security-Policy"].split(";") if part.strip())
    return {name: values for name, *values in directives}


@pytest.mark.parametrize("path", [PAGE, API_ANSWER, EXPORT])
def test_page_api_answer_and_export_carry_the_security_headers(client, path):
    response = client.get(path)
    assert response.status_code == 200
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "same-origin"
    policy = _policy(response)
    assert policy["frame-ancestors"] == ["'none'"]
    assert policy["object-src"] == ["'none'"]


@pytest.mark.parametrize("path", [API_ANSWER, EXPORT, "/health"])
def test_api_answers_and_exports_are_never_stored(client, path):
    assert client.get(path).headers["Cache-Control"] == "no-store"


def test_callback_answers_are_never_stored(client):
    layout = client.get("/_dash-layout")
    assert layout.headers["Cache-Control"] == "no-store"


def test_dash_scripts_stay_cacheable(client):
    page = client.get(PAGE).get_data(as_text=True)
    script = re.search(r'<script src="(/_dash-component-suites/[^"]+)"', page).group(1)
    assert "no-store" not in client.get(script).headers.get("Cache-Control", "")


def test_scripts_run_only_from_the_app_or_by_hash_never_by_eval(client):
    response = client.get(PAGE)
    policy = _policy(response)
    assert "'unsafe-eval'" not in " ".join(sum(policy.values(), []))
    assert "'unsafe-inline'" not in policy["script-src"]
    page = response.get_data(as_text=True)
    inline = [body for attributes, body in re.findall(r"<script([^>]*)>(.*?)</script>", page, re.S)
              if "src=" not in attributes and "application/json" not in attributes]
    assert inline, "Dash's renderer bootstrap is an inline script"
    served = {f"'sha256-{base64.b64encode(hashlib.sha256(body.encode()).digest()).decode()}'" for body in inline}
    hashed = {value for value in policy["script-src"] if value.startswith("'sha256-")}
    assert served <= hashed
    assert policy["script-src"][0] == "'self'"


def test_the_page_names_no_dash_plotly_or_python_version(client):
    page = client.get(PAGE).get_data(as_text=True)
    config = json.loads(re.search(r'<script id="_dash-config" type="application/json">(.*?)</script>', page, re.S)
                        .group(1))
    assert not {"dash_version", "python_version", "plotly_version", "ddk_version", "dash_version_url"} & set(config)


def test_walls_may_be_embedded_only_where_configured(city_settings):
    settings = replace(city_settings, frame_ancestors=("'self'", "https://portal.city.example"))
    response = signed_in(create_app(settings)).get("/wall")
    assert _policy(response)["frame-ancestors"] == ["'self'", "https://portal.city.example"]


def test_map_tiles_may_come_from_the_configured_tile_server(city_settings):
    settings = replace(city_settings, tile_url="https://{s}.tiles.intra:8443/{z}/{x}/{y}.png")
    response = signed_in(create_app(settings)).get("/crowd")
    assert "https://*.tiles.intra:8443" in _policy(response)["img-src"]


def test_a_request_for_another_host_is_refused_when_hosts_are_listed(city_settings):
    settings = replace(city_settings, allowed_hosts=("onescreen.intra", "127.0.0.1"))
    client = signed_in(create_app(settings))
    session = client.get_cookie(SESSION_COOKIE).value
    for host in ("onescreen.intra", "127.0.0.1", "evil.example"):  # a browser logged in on each name
        client.set_cookie(SESSION_COOKIE, session, domain=host)
    assert client.get(PAGE, headers={"Host": "onescreen.intra"}).status_code == 200
    assert client.get(API_ANSWER, headers={"Host": "127.0.0.1:8050"}).status_code == 200
    refused = client.get(API_ANSWER, headers={"Host": "evil.example"})
    assert refused.status_code == 400
    assert refused.headers["X-Content-Type-Options"] == "nosniff"
    assert client.get(API_ANSWER, headers={"Host": "[bad"}).status_code == 400


def test_any_host_is_served_when_no_hosts_are_listed(client):
    client.set_cookie(SESSION_COOKIE, client.get_cookie(SESSION_COOKIE).value, domain="whatever.example")
    assert client.get(PAGE, headers={"Host": "whatever.example"}).status_code == 200


def test_the_settings_read_bare_csp_keywords_and_host_lists(monkeypatch):
    monkeypatch.setenv("ONESCREEN_FRAME_ANCESTORS", "self, https://portal.city.example")
    monkeypatch.setenv("ONESCREEN_ALLOWED_HOSTS", "OneScreen.intra, 10.0.0.5")
    settings = config.load_settings()
    assert settings.frame_ancestors == ("'self'", "https://portal.city.example")
    assert settings.allowed_hosts == ("onescreen.intra", "10.0.0.5")
    monkeypatch.delenv("ONESCREEN_FRAME_ANCESTORS")
    monkeypatch.delenv("ONESCREEN_ALLOWED_HOSTS")
    assert config.load_settings().frame_ancestors == ("'none'",)
    assert config.load_settings().allowed_hosts == ()


def test_none_cannot_be_combined_with_origins(monkeypatch):
    monkeypatch.setenv("ONESCREEN_FRAME_ANCESTORS", "none https://portal.city.example")
    with pytest.raises(config.SettingsError, match="ONESCREEN_FRAME_ANCESTORS"):
        config.load_settings()
