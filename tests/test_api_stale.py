"""The API says when it serves a last good answer: a `stale` object and headers, never old numbers passed off as live.

The database (the machine's PostgreSQL, never stopped) is reached through a
TCP proxy (tests/tcp_proxy.py) that the test freezes: connections accepted,
nothing answered, as a hung server.
"""
from __future__ import annotations

import time
from datetime import datetime, timezone

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from api import STALE_SECONDS_HEADER, STALE_WARNING
from api.openapi import openapi_document
from data_access.database import Database
from tests.support import (
    POSTGRES_ADMIN_URL, api_server, api_token, create_contract, fresh_database_url, insert_rows, settings_for,
)
from tests.tcp_proxy import TcpProxy
from tests.test_indicator_definitions import AREAS, EXPECTED, TICKETS

NAME = "i11_replica_api_stale"
# Answers go past their freshness within a second, so the test need not wait out the default window.
SETTINGS = {"connect_timeout_s": 1.0, "outage_backoff_s": 1.0, "live_cache_seconds": 1}
ROUTES = ("/api/v1/kpis", "/api/v1/breakdown?by=area", "/api/v1/backlog?by=age")


@pytest.fixture(scope="module")
def city(tmp_path_factory):
    url = fresh_database_url("postgresql", NAME, tmp_path_factory.mktemp("stale"))
    create_contract(url)
    insert_rows(url, {"area": AREAS, "ticket": TICKETS})
    yield url
    admin = create_engine(POSTGRES_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f"DROP DATABASE IF EXISTS {NAME} WITH (FORCE)"))
    admin.dispose()


@pytest.fixture
def served(city):
    real = make_url(city)
    proxy = TcpProxy(real.host, real.port)
    db = Database.from_settings(settings_for(real.set(port=proxy.port).render_as_string(hide_password=False),
                                             **SETTINGS))
    server = api_server(db)
    client = server.test_client()
    client.environ_base["HTTP_AUTHORIZATION"] = f"Bearer {api_token(server)}"
    yield proxy, client
    proxy.forward()
    db.engine.dispose()
    proxy.close()


def test_a_live_answer_has_no_stale_mark(served):
    _, client = served
    for route in ROUTES:
        response = client.get(route)
        assert response.status_code == 200
        assert "stale" not in response.get_json()
        assert "Warning" not in response.headers and STALE_SECONDS_HEADER not in response.headers


def test_a_frozen_database_s_last_good_answer_is_marked_stale_and_live_again_unmarked(served):
    proxy, client = served
    before = {route: client.get(route).get_json() for route in ROUTES}
    computed = datetime.now(timezone.utc)
    proxy.hang()
    time.sleep(1.5)  # every answer is past its one-second freshness
    for route in ROUTES:
        response = client.get(route)
        assert response.status_code == 200, response.get_json()
        body = response.get_json()
        stale = body.pop("stale")
        assert body == before[route]  # the last good numbers, as they were
        assert stale["reason"] == "database_unavailable"
        assert stale["age_seconds"] >= 1
        since = datetime.fromisoformat(stale["since"])
        assert abs((since - computed).total_seconds()) < 5
        assert response.headers["Warning"] == STALE_WARNING
        assert int(response.headers[STALE_SECONDS_HEADER]) == stale["age_seconds"]
    assert before["/api/v1/kpis"]["reported"] == EXPECTED["R"]["reported"]

    proxy.forward()
    deadline = time.monotonic() + 15
    while True:
        response = client.get("/api/v1/kpis")
        if "stale" not in response.get_json():
            break
        assert time.monotonic() < deadline, "still stale 15 s after the database came back"
        time.sleep(0.2)
    assert response.status_code == 200 and STALE_SECONDS_HEADER not in response.headers


def test_the_openapi_document_describes_the_stale_mark():
    paths = openapi_document()["paths"]
    for route in ("/api/v1/kpis", "/api/v1/breakdown", "/api/v1/backlog"):
        ok = paths[route]["get"]["responses"]["200"]
        schema = ok["content"]["application/json"]["schema"]
        assert schema["properties"]["stale"]["required"] == ["since", "age_seconds", "reason"]
        assert set(ok["headers"]) == {"Warning", STALE_SECONDS_HEADER}
