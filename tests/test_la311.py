"""The LA 311 sample, imported with the committed mapping, gives the numbers pandas computes straight from the CSV.

The expected numbers are computed here from requests.csv alone, following
SCHEMA.md's definitions and the decisions written in
importer/mappings/la311.toml (Closed and Referred Out are closed, at
closeddate or else updateddate; a request belongs to the council district
LA recorded for it), never from the imported database.
"""
from __future__ import annotations

import contextlib
import io
from datetime import datetime
from pathlib import Path
from typing import NamedTuple

import pandas as pd
import pytest
import shapely
from sqlalchemy import create_engine, text

from demo.datasets import unpacked
from importer.__main__ import main as import_main
from tests.support import fresh_database_url, read_only_database, signed_in, api_server

ROOT = Path(__file__).resolve().parents[1]
MAPPING = ROOT / "importer" / "mappings" / "la311.toml"
LA_FORMAT = "%m/%d/%y %H:%M"
PERIOD = "from=2020-01-01&to=2020-01-03"
# Just after the last request (2020-01-03 14:22), when most were still open;
# and a month on, when nearly all were closed.
AS_OF = (datetime(2020, 1, 3, 15, 0), datetime(2020, 2, 3, 0, 0))
DISTRICTS = [f"LA{n:02d}" for n in range(1, 16)]

class Imported(NamedTuple):
    url: str
    path: Path
    printed: str  # what the CLI printed


@pytest.fixture(scope="module")
def imported(tmp_path_factory) -> Imported:
    """The sample imported by the CLI, as an integrator would run it (after `python -m demo.datasets la311`)."""
    unpacked("la311")
    path = tmp_path_factory.mktemp("la311") / "la311.sqlite"
    url = f"sqlite:///{path}"
    printed = io.StringIO()
    with contextlib.redirect_stdout(printed):
        assert import_main(["csv", "--mapping", str(MAPPING), "--url", url]) == 0
    return Imported(url, path, printed.getvalue())


@pytest.fixture(scope="module")
def client(imported):
    db = read_only_database(imported.url, frozen_now=AS_OF[0])
    server = api_server(db)
    yield signed_in(server)
    db.engine.dispose()


@pytest.fixture(scope="module")
def requests(imported) -> pd.DataFrame:
    """requests.csv as pandas reads it, with what the mapping decides: closing time, closed, district."""
    frame = pd.read_csv(unpacked("la311") / "requests.csv", dtype=str, keep_default_na=False, na_values=[""])
    reported = pd.to_datetime(frame["createddate"], format=LA_FORMAT)
    closing = pd.to_datetime(frame["closeddate"], format=LA_FORMAT).fillna(
        pd.to_datetime(frame["updateddate"], format=LA_FORMAT)
    )
    return frame.assign(
        reported=reported,
        closing=closing,
        is_cancelled=frame["status"] == "Cancelled",
        is_closed=frame["status"].isin(["Closed", "Referred Out"]),
        district="LA" + frame["cd"].str.zfill(2),
    )


def expected_kpis(requests: pd.DataFrame, as_of: datetime) -> dict:
    """SCHEMA.md's indicators for these requests at `as_of` (no due dates: everything accepted is due)."""
    accepted = ~requests["is_cancelled"]
    closed = accepted & requests["is_closed"] & (requests["closing"] <= as_of)
    hours = (requests["closing"] - requests["reported"])[closed].dt.total_seconds() / 3600
    reported = len(requests)
    return {
        "reported": reported,
        "cancelled": int(requests["is_cancelled"].sum()),
        "closed": int(closed.sum()),
        "closure_rate": closed.sum() / accepted.sum() if accepted.sum() else None,
        "avg_handle_hours": hours.mean() if len(hours) else None,
        "backlog": int(((requests["reported"] <= as_of) & accepted & ~closed).sum()),
    }


def assert_kpis_match(body: dict, expected: dict, where: str) -> None:
    for name, value in expected.items():
        if value is None:
            assert body[name] is None, (where, name)
        else:
            assert body[name] == pytest.approx(value, rel=1e-9), (where, name)


@pytest.mark.parametrize("as_of", AS_OF, ids=lambda moment: moment.date().isoformat())
def test_city_kpis_equal_those_computed_from_the_csv(client, requests, as_of):
    body = client.get(f"/api/v1/kpis?area=LA&{PERIOD}&as_of={as_of.isoformat()}").get_json()
    assert_kpis_match(body, expected_kpis(requests, as_of), "LA")
    # No due dates in LA's data: on-time closure cannot be computed, and nothing is overdue.
    assert body["on_time_closure_rate"] is None
    assert body["overdue"] == 0
    assert body["satisfaction_rate"] is None


@pytest.mark.parametrize("as_of", AS_OF, ids=lambda moment: moment.date().isoformat())
def test_each_council_district_kpis_equal_those_computed_from_the_csv(client, requests, as_of):
    for district in DISTRICTS:
        body = client.get(f"/api/v1/kpis?area={district}&{PERIOD}&as_of={as_of.isoformat()}").get_json()
        assert_kpis_match(body, expected_kpis(requests[requests["district"] == district], as_of), district)


def test_the_city_breakdown_lists_the_fifteen_districts_with_the_same_numbers(client, requests):
    as_of = AS_OF[0]
    rows = client.get(f"/api/v1/breakdown?by=area&{PERIOD}&as_of={as_of.isoformat()}").get_json()["rows"]
    by_key = {row["key"]: row for row in rows}
    assert set(DISTRICTS) <= set(by_key)
    assert by_key["LA06"]["name"] == "Council District 6"
    for district in DISTRICTS:
        assert_kpis_match(by_key[district], expected_kpis(requests[requests["district"] == district], as_of), district)


def test_drill_down_from_the_city_to_a_neighborhood_council(client, requests):
    """Lake Balboa NC (id 19) lies mostly in district 6: LA06019 holds its requests that LA filed under district 6."""
    assert client.get("/api/v1/kpis?area=LA06019").status_code == 200
    children = client.get(f"/api/v1/breakdown?by=area&area=LA06&{PERIOD}&as_of=2020-01-03T15:00:00").get_json()["rows"]
    assert {"key": "LA06019", "name": "LAKE BALBOA NC"}.items() <= next(r for r in children if r["key"] == "LA06019").items()
    lake_balboa = requests[(requests["nc"] == "19") & (requests["cd"] == "6")]
    body = client.get(f"/api/v1/kpis?area=LA06019&{PERIOD}&as_of=2020-01-03T15:00:00").get_json()
    assert_kpis_match(body, expected_kpis(lake_balboa, AS_OF[0]), "LA06019")


def test_the_area_tree_is_city_districts_and_the_99_neighborhood_councils_with_real_boundaries(imported):
    engine = create_engine(imported.url)
    with engine.connect() as conn:
        areas = pd.read_sql(text("SELECT * FROM area"), conn)
    engine.dispose()
    by_level = areas.groupby("level")["area_code"].apply(sorted).to_dict()
    assert by_level["city"] == ["LA"]
    assert by_level["district"] == DISTRICTS
    councils = areas[areas["level"] == "street"]
    assert len(councils) == 99
    # A council's code is its district's code and its 3-digit id; its parent is that district.
    assert (councils["area_code"].str.len() == 7).all()
    assert (councils["area_code"].str[:4] == councils["parent_code"]).all()
    assert councils["parent_code"].isin(DISTRICTS).all()
    shapes = shapely.from_geojson(areas["boundary"].tolist())
    assert shapely.is_valid(shapes).all()
    # The boundaries are LA's: the city outline holds the City Hall.
    city_hall = shapely.Point(-118.2428, 34.0537)
    assert shapes[areas["level"].eq("city").to_numpy()][0].contains(city_hall)


def test_every_request_is_imported_and_every_one_left_above_a_council_is_noted(imported):
    printed = imported.printed
    assert "records read     10,000" in printed
    assert "imported         10,000" in printed
    assert "rejected              0" in printed
    assert "areas built   city 1, district 15, street 99" in printed
    report = Path(f"{imported.path}.import-report.txt").read_text(encoding="utf-8")
    engine = create_engine(imported.url)
    with engine.connect() as conn:
        above = conn.execute(text("SELECT COUNT(*) FROM ticket WHERE LENGTH(area_code) < 7")).scalar()
        at_root = conn.execute(text("SELECT COUNT(*) FROM ticket WHERE area_code = 'LA'")).scalar()
    engine.dispose()
    assert report.count("; kept in LA") == above
    # The 11 requests with no district, council or point stay at the city.
    assert at_root == 11 and report.count("no cd and no point; kept in LA\n") == 11
    assert "closing time (closeddate/updateddate) left out: status 'Cancelled' is not closed" in report


# Bel Air-Beverly Crest NC's outline alone is 361 KB: more than MySQL's TEXT, hence LONGTEXT in contract.py.
@pytest.mark.parametrize("server", ["postgresql", "mariadb"])
def test_the_sample_imports_into_postgresql_and_mariadb_with_the_same_numbers(server, client, tmp_path):
    url = fresh_database_url(server, "onescreen_la311", tmp_path)
    with contextlib.redirect_stdout(io.StringIO()):
        assert import_main(["csv", "--mapping", str(MAPPING), "--url", url, "--report", str(tmp_path / "r.txt")]) == 0
    db = read_only_database(url, frozen_now=AS_OF[0])
    server_app = api_server(db)
    try:
        for question in ("kpis?area=LA", "kpis?area=LA06019", "breakdown?by=area&area=LA06", "backlog?by=status"):
            path = f"/api/v1/{question}&{PERIOD}&as_of={AS_OF[0].isoformat()}"
            assert signed_in(server_app).get(path).get_json() == client.get(path).get_json(), question
    finally:
        db.engine.dispose()
