"""An Open311 GeoReport v2 export lands in the contract database; every request it cannot take is reported by line.

The export is written here, one request per line (request i on line i + 1),
with what real exports contain: offsets in timestamps, a request without
coordinates, an unknown status, unreadable timestamps, duplicate ids, a
closed request with no time, a point outside the city and one in a
neighbourhood that belongs to the other district.
"""
from __future__ import annotations

import contextlib
import io
import json
from datetime import datetime
from pathlib import Path

import pandas as pd
import pytest
import shapely
from sqlalchemy import create_engine, text

from importer.__main__ import main as import_main
from tests.support import read_only_database, signed_in, api_server

ROOT = Path(__file__).resolve().parents[1]
TEMPLATE = ROOT / "importer" / "mappings" / "open311.toml"
AS_OF = datetime(2020, 1, 6, 12, 0)

# Two districts, north and south of 34.05, and four neighbourhoods. Number 2
# reaches a little into the south, but lies mostly in the north.
DISTRICTS = {"1": (-118.30, 34.05, -118.20, 34.10), "2": (-118.30, 34.00, -118.20, 34.05)}
NEIGHBOURHOODS = {
    "1": (-118.30, 34.05, -118.25, 34.10),
    "2": (-118.25, 34.045, -118.20, 34.10),
    "3": (-118.30, 34.00, -118.25, 34.05),
    "4": (-118.25, 34.00, -118.20, 34.045),
}
IN_NEIGHBOURHOOD_1 = {"lat": 34.07, "long": -118.28}
IN_THE_SOUTHERN_TIP_OF_2 = {"lat": 34.047, "long": -118.22}
OUTSIDE = {"lat": 40.7, "long": -74.0}
CLOSED_AT = "2020-01-03T12:30:00-08:00"

MAPPING = """
[timestamps]
format = "ISO8601"
timezone = "America/Los_Angeles"

[columns]
ticket_id = "service_request_id"
reported_at = "requested_datetime"
closed_at = "updated_datetime"
due_at = "expected_datetime"
status = "status"
category = "service_code"
category_name = "service_name"
dept = "agency_responsible"
lat = "lat"
lon = "long"
title = "description"

[defaults]
source = "open311"

[status]
open = "accepted"
closed = "closed"

[areas]
code = "C"
name = "Test City"

[[areas.levels]]
level = "district"
boundaries = "districts.geojson"
id_property = "code"
name = "{label}"
digits = 2

[[areas.levels]]
level = "street"
boundaries = "neighbourhoods.geojson"
id_property = "code"
name = "Neighbourhood {id}"
digits = 3
"""


def request(request_id: str, **fields) -> dict:
    base = {
        "service_request_id": request_id,
        "status": "open",
        "service_code": "graffiti",
        "service_name": "Graffiti removal",
        "agency_responsible": "Public Works",
        "requested_datetime": "2020-01-03T09:00:00-08:00",
        "description": f"request {request_id}",
        **IN_NEIGHBOURHOOD_1,
    }
    return {k: v for k, v in {**base, **fields}.items() if v is not None}


# Line numbers: the array opens on line 1, request i (from 0) is on line i + 2.
REQUESTS = [
    request("R1", status="closed", updated_datetime=CLOSED_AT, expected_datetime="2020-01-04T09:00:00-08:00"),  # line 2
    request("R2", requested_datetime="2020-01-03T17:30:00Z", lat=None, long=None),  # 3: no point
    request("R3", status="in_progress"),  # 4: unknown status
    request("R4", requested_datetime="yesterday"),  # 5: unreadable timestamp
    request("R1", description="the same id again"),  # 6: duplicate of line 2
    request("R6", status="closed"),  # 7: closed, but when?
    "not a request",  # 8
    request("R8", lat="north"),  # 9: unreadable coordinate
    request("R9", **OUTSIDE),  # 10: outside the city
    request("R10", **IN_THE_SOUTHERN_TIP_OF_2),  # 11: neighbourhood 2 is the north's
    request("R11", updated_datetime=CLOSED_AT, expected_datetime="2020-01-04T09:00:00-08:00"),  # 12: open, overdue
    request("R4", requested_datetime="2020-01-03T08:00:00-08:00"),  # 13: the good copy of a broken R4
    request("R13", requested_datetime="2020-01-03T10:00:00"),  # 14: no offset: local time
    request("R14", status="closed", updated_datetime="2020-01-02T09:00:00-08:00"),  # 15: closed before reported
]
REJECTED = {
    4: "status 'in_progress' is not in the mapping's [status]",
    5: "requested_datetime 'yesterday' is not a timestamp like ISO8601",
    6: "service_request_id 'R1' already imported from line 2",
    7: "status 'closed' means closed, but updated_datetime gives no closing time",
    8: "a JSON str, not a service request object",
    9: "lat 'north' is not a number",
    15: "updated_datetime is before requested_datetime",
}


def write_boxes(path: Path, boxes: dict[str, tuple], **properties) -> None:
    features = [
        {
            "type": "Feature",
            "properties": {"code": code, **{k: v[code] for k, v in properties.items()}},
            "geometry": json.loads(shapely.to_geojson(shapely.box(*box))),
        }
        for code, box in boxes.items()
    ]
    path.write_text(json.dumps({"type": "FeatureCollection", "features": features}))


def write_export(path: Path, requests: list) -> None:
    path.write_text("[\n" + ",\n".join(json.dumps(r) for r in requests) + "\n]\n")


@pytest.fixture(scope="module")
def city(tmp_path_factory):
    """The export imported by the CLI: (database URL, what it printed, the report file's text)."""
    folder = tmp_path_factory.mktemp("open311")
    write_boxes(folder / "districts.geojson", DISTRICTS, label={"1": "North", "2": "South"})
    write_boxes(folder / "neighbourhoods.geojson", NEIGHBOURHOODS)
    (folder / "city.toml").write_text(MAPPING)
    write_export(folder / "requests.json", REQUESTS)
    url = f"sqlite:///{folder / 'city.sqlite'}"
    exit_code, printed = run_cli(["open311", str(folder / "requests.json"), "--mapping", str(folder / "city.toml"), "--url", url])
    assert exit_code == 0, printed
    report = (folder / "city.sqlite.import-report.txt").read_text(encoding="utf-8")
    return url, printed, report


def run_cli(argv: list[str]) -> tuple[int, str]:
    """The CLI's exit status and everything it printed."""
    out = io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(out):
        exit_code = import_main(argv)
    return exit_code, out.getvalue()


def tickets(url: str) -> pd.DataFrame:
    engine = create_engine(url)
    with engine.connect() as conn:
        frame = pd.read_sql(text("SELECT * FROM ticket"), conn, index_col="ticket_id")
    engine.dispose()
    return frame


def test_every_rejected_request_is_reported_with_its_line_and_reason(city):
    _, printed, report = city
    for line, reason in REJECTED.items():
        assert f"  line {line}: {reason}\n" in report
    assert f"rejected      {len(REJECTED):>9}" in printed
    assert "records read         14" in printed and "imported              7" in printed


def test_the_good_requests_landed_with_city_local_times(city):
    landed = tickets(city[0])
    assert sorted(landed.index) == ["R1", "R10", "R11", "R13", "R2", "R4", "R9"]
    first = landed.loc["R1"]
    # 09:00-08:00 is 09:00 in Los Angeles; 17:30Z is 09:30 there; no offset means local already.
    assert (first["reported_at"], first["closed_at"], first["due_at"]) == (
        "2020-01-03 09:00:00", "2020-01-03 12:30:00", "2020-01-04 09:00:00"
    )
    assert landed.loc["R2", "reported_at"] == "2020-01-03 09:30:00"
    assert landed.loc["R13", "reported_at"] == "2020-01-03 10:00:00"
    assert (first["status"], first["source"], first["category_code"], first["dept_code"]) == (
        "closed", "open311", "graffiti", "Public_Works"
    )
    # The second R4 is good: a broken first copy does not take it down.
    assert landed.loc["R4", "reported_at"] == "2020-01-03 08:00:00"
    # Only a closed ticket keeps a closing time.
    assert landed.loc[["R2", "R4", "R9", "R10", "R11"], "closed_at"].isna().all()


def test_requests_are_placed_in_the_finest_area_their_point_allows(city):
    landed = tickets(city[0])["area_code"]
    assert landed["R1"] == "C01001"
    assert landed["R2"] == "C"  # no point: the city's, not lost
    assert landed["R9"] == "C"  # far outside
    assert landed["R10"] == "C02"  # in the south, in a neighbourhood of the north


def test_requests_left_above_the_finest_level_are_noted(city):
    report = city[2]
    assert "  line 3: no point; kept in C\n" in report
    assert "  line 10: its point lies in no district; kept in C\n" in report
    assert "  line 11: Neighbourhood 2 (C01002) lies under C01, not under C02; kept in C02\n" in report
    # An open request's update is not its closing.
    assert "  line 12: closing time (updated_datetime) left out: status 'open' is not closed\n" in report
    assert "Imported with a note (4):" in report


def test_the_area_tree_has_hierarchical_codes_from_the_boundaries(city):
    engine = create_engine(city[0])
    with engine.connect() as conn:
        areas = dict(conn.execute(text("SELECT area_code, parent_code FROM area")).all())
        names = dict(conn.execute(text("SELECT area_code, name FROM area")).all())
    engine.dispose()
    assert areas == {
        "C": None, "C01": "C", "C02": "C",
        "C01001": "C01", "C01002": "C01", "C02003": "C02", "C02004": "C02",
    }
    assert (names["C"], names["C01"], names["C02004"]) == ("Test City", "North", "Neighbourhood 4")


def test_the_api_counts_what_landed(city):
    db = read_only_database(city[0], frozen_now=AS_OF)
    server = api_server(db)
    body = signed_in(server).get("/api/v1/kpis?from=2020-01-01&to=2020-01-06").get_json()
    db.engine.dispose()
    assert body["area"] == "C"
    assert (body["reported"], body["closed"], body["backlog"], body["overdue"]) == (7, 1, 6, 1)
    assert body["on_time_closure_rate"] == pytest.approx(0.5)  # R1 on time; R11 due and open


def test_the_committed_template_imports_every_request_at_the_city_root(tmp_path):
    write_export(tmp_path / "requests.json", [request("A"), request("B", status="closed", updated_datetime=CLOSED_AT)])
    url = f"sqlite:///{tmp_path / 'template.sqlite'}"
    exit_code, printed = run_cli(["open311", str(tmp_path / "requests.json"), "--mapping", str(TEMPLATE), "--url", url])
    assert exit_code == 0, printed
    assert set(tickets(url)["area_code"]) == {"CITY"}


def test_an_existing_contract_database_is_replaced_only_when_asked(city, tmp_path):
    url = city[0]
    arguments = ["open311", str(tmp_path / "requests.json"), "--mapping", str(TEMPLATE), "--url", url]
    write_export(tmp_path / "requests.json", [request("ONLY")])
    exit_code, printed = run_cli(arguments)
    assert exit_code == 2 and "pass --replace" in printed
    assert len(tickets(url)) == 7
    assert run_cli(arguments + ["--replace", "--report", str(tmp_path / "report.txt")])[0] == 0
    assert list(tickets(url).index) == ["ONLY"]


def test_a_file_that_is_not_json_stops_before_anything_is_written(tmp_path):
    (tmp_path / "requests.json").write_text('[\n{"service_request_id": "A"},\n{"oops"\n]')
    url = f"sqlite:///{tmp_path / 'never.sqlite'}"
    exit_code, printed = run_cli(["open311", str(tmp_path / "requests.json"), "--mapping", str(TEMPLATE), "--url", url])
    assert exit_code == 2
    assert "not valid JSON at line 4" in printed
    assert not (tmp_path / "never.sqlite").exists()


def test_a_mistake_in_the_mapping_names_its_key(tmp_path):
    (tmp_path / "bad.toml").write_text(TEMPLATE.read_text().replace("[status]", "[statuses]"))
    exit_code, printed = run_cli(["open311", "x.json", "--mapping", str(tmp_path / "bad.toml"), "--url", "sqlite://"])
    assert exit_code == 2
    assert "statuses: unknown key" in printed
