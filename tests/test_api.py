"""The JSON API: SCHEMA.md's indicators by name, clear 4xx errors, a health check, and no 5xx for any input."""
from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.generation import GenerationMode

from data_access.indicators import INDICATORS
from tests.support import create_contract, fresh_database_url, insert_rows, read_only_database, signed_in, api_server, api_token, with_bearer
from tests.test_indicator_definitions import AREAS, EXPECTED, TICKETS


def _server(db) -> Flask:
    server = api_server(db)
    return server


@pytest.fixture(scope="module")
def city(tmp_path_factory):
    url = fresh_database_url("sqlite", "api_city", tmp_path_factory.mktemp("api"))
    create_contract(url)
    insert_rows(url, {"area": AREAS, "ticket": TICKETS})
    return url


@pytest.fixture(scope="module")
def client(city):
    db = read_only_database(city)
    yield signed_in(_server(db))
    db.engine.dispose()


def test_kpis_default_scope_is_root_area_last_30_days_until_now(client):
    body = client.get("/api/v1/kpis").get_json()
    assert set(body) == {"area", "from", "to", "as_of", *INDICATORS}
    assert (body["area"], body["from"], body["to"], body["as_of"]) == (
        "R", "2026-10-22", "2026-11-20", "2026-11-20T12:00:00"
    )
    for name, value in EXPECTED["R"].items():
        assert body[name] == pytest.approx(value) if value is not None else body[name] is None


def test_kpis_for_an_area_and_period(client):
    body = client.get("/api/v1/kpis?area=R02&from=2026-11-01&to=2026-11-20&as_of=2026-11-20T12:00:00").get_json()
    assert body["reported"] == 3
    assert body["closure_rate"] == 1.0
    assert body["on_time_closure_rate"] is None  # n/a is null, never 0


def test_unknown_area_is_404_naming_the_parameter(client):
    response = client.get("/api/v1/kpis?area=NOWHERE")
    assert response.status_code == 404
    assert response.get_json()["error"]["param"] == "area"


@pytest.mark.parametrize(
    "query, param",
    [
        ("from=2026-13-01", "from"),
        ("to=yesterday", "to"),
        ("as_of=2026-11-20T25:00", "as_of"),
        ("as_of=2026-11-20T12:00:00%2B08:00", "as_of"),
        ("from=2026-11-20&to=2026-11-01", "from"),
        ("area=R%27%20OR%201%3D1", "area"),
        ("source=DROP%20TABLE", "source"),
    ],
)
def test_bad_input_is_400_with_a_message_naming_the_parameter(client, query, param):
    response = client.get(f"/api/v1/kpis?{query}")
    assert response.status_code == 400
    error = response.get_json()["error"]
    assert error["param"] == param and error["message"]


def test_breakdown_by_child_area_serves_nulls_for_na_rates(client):
    response = client.get("/api/v1/breakdown?by=area&from=2026-11-01&to=2026-11-20")
    assert response.status_code == 200
    assert b"NaN" not in response.data
    rows = {row["key"]: row for row in response.get_json()["rows"]}
    assert rows["R02"]["on_time_closure_rate"] is None
    assert rows["R01"]["name"] == "甲区"
    assert rows["R01"]["backlog"] == EXPECTED["R01"]["backlog"]


def test_backlog_by_age(client):
    rows = client.get("/api/v1/backlog?by=age").get_json()["rows"]
    assert sum(row["backlog"] for row in rows) == EXPECTED["R"]["backlog"]


def test_unknown_dimension_is_400(client):
    assert client.get("/api/v1/breakdown?by=weather").status_code == 400


def test_health_reports_the_newest_data_and_its_age(client):
    body = client.get("/health/details").get_json()
    assert body["status"] == "ok"
    assert body["newest_data_at"] == "2026-11-18T08:00:00"  # T12, the newest report before now
    assert body["data_age_seconds"] == 2 * 86400 + 4 * 3600


def test_health_is_503_when_the_database_is_gone(tmp_path):
    db = read_only_database(f"sqlite:///{tmp_path}/gone.sqlite")
    response = signed_in(_server(db)).get("/health/details")
    assert response.status_code == 503
    assert response.get_json()["status"] == "down"


def test_api_on_a_missing_database_is_503_not_500(tmp_path):
    db = read_only_database(f"sqlite:///{tmp_path}/gone.sqlite")
    response = signed_in(_server(db)).get("/api/v1/kpis")
    assert response.status_code == 503
    assert "database" in response.get_json()["error"]["message"]


OPERATIONS = ["/api/v1/kpis", "/api/v1/breakdown", "/api/v1/backlog"]


@pytest.mark.parametrize("mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE], ids=str)
@pytest.mark.parametrize("path", OPERATIONS)
def test_no_input_from_the_openapi_document_gets_a_server_error(client, path, mode):
    """Fuzzed from the OpenAPI document; negative mode sends what it forbids (bad dates, codes, types)."""
    schema = schemathesis.openapi.from_wsgi(
        "/api/v1/openapi.json", with_bearer(client.application, api_token(client.application)))
    operation = schema[path]["GET"]

    @given(case=operation.as_strategy(generation_mode=mode))
    @settings(max_examples=120, suppress_health_check=list(HealthCheck), deadline=None, database=None)
    def no_server_error(case):
        response = case.call()
        assert response.status_code < 500, (case.query, response.text[:300])
        assert response.headers["content-type"][0].startswith("application/json")

    no_server_error()
