"""Areas as real 311 exports give them: by name (Boston neighborhoods, NYC boroughs), by number written
several ways ("Ward 3", "3", "03"), and by code (Boston's police districts A1, A15); and what an
integrator reads when the mapping does not fit the export.

Each case is a CSV and a mapping written to a temporary folder and imported by the CLI into SQLite.
"""
from __future__ import annotations

import contextlib
import hashlib
import io

import pandas as pd
from sqlalchemy import create_engine, text

from importer.__main__ import main as import_main
from importer.values import codes_for

HEAD = """
[timestamps]
format = "%Y-%m-%d %H:%M:%S"
timezone = "America/New_York"

[columns]
ticket_id = "case_enquiry_id"
reported_at = "open_dt"
status = "case_status"
dept = "department"

[defaults]
source = "hotline_12345"

[status]
Open = "accepted"

[areas]
code = "{root}"
name = "{city}"
"""


def run(tmp_path, header: str, rows: list[str], levels: str, root: str = "BOS", city: str = "Boston"):
    """Import the CSV with the mapping; (exit status, printed, stderr, areas, tickets)."""
    (tmp_path / "export.csv").write_text(header + "\n" + "\n".join(rows) + "\n", encoding="utf-8")
    (tmp_path / "map.toml").write_text(HEAD.format(root=root, city=city) + levels, encoding="utf-8")
    url = f"sqlite:///{tmp_path / 'city.sqlite'}"
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        status = import_main(["csv", str(tmp_path / "export.csv"), "--mapping", str(tmp_path / "map.toml"),
                              "--url", url])
    if status:
        return status, out.getvalue(), err.getvalue(), None, None
    engine = create_engine(url)
    with engine.connect() as conn:
        areas = pd.read_sql(text("SELECT * FROM area"), conn, index_col="area_code")
        tickets = pd.read_sql(text("SELECT * FROM ticket"), conn, index_col="ticket_id")
    engine.dispose()
    report = (tmp_path / "city.sqlite.import-report.txt").read_text(encoding="utf-8")
    return status, out.getvalue(), report, areas, tickets


BOSTON = "case_enquiry_id,open_dt,case_status,department,neighborhood,ward,precinct,police_district"
BOSTON_ROWS = [
    "101004113298,2019-01-01 00:13:00,Open,PWDx,Roslindale,Ward 20,2010,E5",  # 2
    "101004113302,2019-01-01 01:08:00,Open,GEN_,Jamaica Plain,Ward 19,1906,E13",  # 3
    "101004113303,2019-01-01 01:10:00,Open,BTDT,South Boston / South Boston Waterfront,Ward 6,0605,C6",  # 4
    "101004113304,2019-01-01 02:30:00,Open,GEN_,JAMAICA  PLAIN,19,1906,E13",  # 5
    "101004113305,2019-01-01 03:00:00,Open,ISD,Roslindale,020,2010,E5",  # 6
    "101004113306,2019-01-01 04:00:00,Open,PWDx, ,Ward 3,0306,A1",  # 7
    "101004113307,2019-01-01 05:00:00,Open,PWDx,Downtown / Financial District,03,0306,A15",  # 8
]


def name_id(name: str, digits: int) -> str:
    return hashlib.sha1(name.casefold().encode()).hexdigest()[:digits]


def test_neighborhoods_given_by_name_become_areas_with_codes_from_their_names(tmp_path):
    levels = """
[[areas.levels]]
level = "district"
column = "neighborhood"
holds = "name"
digits = 4
"""
    status, _, report, areas, tickets = run(tmp_path, BOSTON, BOSTON_ROWS, levels)
    assert status == 0
    districts = areas[areas["level"] == "district"]
    # Case and spacing do not make another neighborhood; the first spelling names it.
    assert sorted(districts["name"]) == [
        "Downtown / Financial District", "Jamaica Plain", "Roslindale", "South Boston / South Boston Waterfront",
    ]
    roslindale = "BOS" + name_id("Roslindale", 4)
    assert districts.loc[roslindale, "parent_code"] == "BOS"
    assert tickets.loc[["101004113298", "101004113305"], "area_code"].tolist() == [roslindale, roslindale]
    assert tickets.loc["101004113304", "area_code"] == "BOS" + name_id("Jamaica Plain", 4)
    assert tickets.loc["101004113306", "area_code"] == "BOS"
    assert "  line 7: no neighborhood; kept in BOS\n" in report


def test_a_ward_written_as_ward_3_or_3_or_03_is_one_ward_with_precincts_under_it(tmp_path):
    levels = """
[[areas.levels]]
level = "district"
column = "ward"
pattern = '(?:Ward )?(\\d+)'
name = "Ward {id}"
digits = 2

[[areas.levels]]
level = "street"
column = "precinct"
name = "Precinct {id}"
digits = 4
"""
    status, _, _, areas, tickets = run(tmp_path, BOSTON, BOSTON_ROWS, levels)
    assert status == 0
    assert areas["parent_code"].fillna("(root)").to_dict() == {
        "BOS": "(root)", "BOS03": "BOS", "BOS06": "BOS", "BOS19": "BOS", "BOS20": "BOS",
        "BOS030306": "BOS03", "BOS060605": "BOS06", "BOS191906": "BOS19", "BOS202010": "BOS20",
    }
    # The first spelling names the unit, leading zeros and all.
    assert (areas.loc["BOS03", "name"], areas.loc["BOS030306", "name"]) == ("Ward 3", "Precinct 0306")
    assert tickets.loc[["101004113298", "101004113305"], "area_code"].tolist() == ["BOS202010"] * 2
    assert tickets.loc[["101004113306", "101004113307"], "area_code"].tolist() == ["BOS030306"] * 2


def test_codes_of_varying_length_are_padded_and_keep_their_underscores(tmp_path):
    levels = """
[[areas.levels]]
level = "district"
column = "police_district"
name = "District {id}"
digits = 3
"""
    status, _, _, areas, tickets = run(tmp_path, BOSTON, BOSTON_ROWS, levels)
    assert status == 0
    assert sorted(areas.index) == ["BOS", "BOS0A1", "BOS0C6", "BOS0E5", "BOSA15", "BOSE13"]
    assert areas.loc["BOS0A1", "name"] == "District A1"
    assert tickets.loc["101004113307", "area_code"] == "BOSA15"
    # Department codes that are codes already stay as they are: GEN_ keeps its underscore.
    assert tickets.loc["101004113302", "dept_code"] == "GEN_"
    assert codes_for(pd.Series(["GEN_", "GEN", "Bulky Items"])).tolist() == ["GEN_", "GEN", "Bulky_Items"]


NYC = "case_enquiry_id,open_dt,case_status,department,borough,community_board"
NYC_ROWS = [
    "48542220,2020-12-31 23:59:47,Open,NYPD,BROOKLYN,03 BROOKLYN",  # 2
    "48536430,2020-12-31 23:58:15,Open,DSNY,STATEN ISLAND,01 STATEN ISLAND",  # 3
    "48539361,2020-12-31 23:57:00,Open,NYPD,Brooklyn,03 BROOKLYN",  # 4
    "48543132,2020-12-31 23:56:00,Open,HPD,Unspecified,0 Unspecified",  # 5
    "48536441,2020-12-31 23:55:00,Open,NYPD,QUEENS,Unspecified QUEENS",  # 6
]


def test_boroughs_with_spaces_and_community_boards_by_name_with_unspecified_left_out(tmp_path):
    levels = """
[[areas.levels]]
level = "district"
column = "borough"
holds = "name"
ignore = ["Unspecified"]
digits = 3

[[areas.levels]]
level = "street"
column = "community_board"
holds = "name"
ignore = ["0 Unspecified"]
pattern = '(\\d\\d [A-Z ]+)'
digits = 3
"""
    status, _, report, areas, tickets = run(tmp_path, NYC, NYC_ROWS, levels, root="NYC", city="New York")
    assert status == 0
    brooklyn, staten = "NYC" + name_id("BROOKLYN", 3), "NYC" + name_id("STATEN ISLAND", 3)
    board = brooklyn + name_id("03 BROOKLYN", 3)
    assert areas.loc[staten, "name"] == "STATEN ISLAND"
    assert (areas.loc[board, "name"], areas.loc[board, "parent_code"]) == ("03 BROOKLYN", brooklyn)
    assert tickets.loc[["48542220", "48539361"], "area_code"].tolist() == [board, board]
    assert tickets.loc["48543132", "area_code"] == "NYC"
    assert "  line 5: no borough; kept in NYC\n" in report
    queens = "NYC" + name_id("QUEENS", 3)
    assert (f"  line 6: community_board 'Unspecified QUEENS' does not match areas.levels[1].pattern "
            f"((\\d\\d [A-Z ]+)); kept in {queens}\n" in report)


def test_names_where_codes_are_expected_stop_the_import_saying_which_level_and_what_to_set(tmp_path):
    levels = """
[[areas.levels]]
level = "district"
column = "neighborhood"
digits = 2

[[areas.levels]]
level = "street"
column = "precinct"
digits = 4
"""
    status, printed, stderr, _, _ = run(tmp_path, BOSTON, BOSTON_ROWS, levels)
    assert (status, printed) == (2, "")
    assert stderr == (
        "nothing imported: areas.levels[0] (district): no district could be made: no value of column neighborhood "
        "is usable, such as line 2: 'Roslindale' is not a code of at most 2 letters, digits, _ . or - "
        "(areas.levels[0].digits); if the column names its units, set areas.levels[0].holds = \"name\"; "
        "if a number sits among words, capture it with areas.levels[0].pattern\n"
    )


def test_a_mapping_key_left_out_is_called_missing(tmp_path):
    levels = """
[[areas.levels]]
level = "district"
column = "ward"
"""
    status, _, stderr, _, _ = run(tmp_path, BOSTON, BOSTON_ROWS, levels)
    assert status == 2
    assert stderr.startswith("nothing imported: areas.levels[0].digits: missing; give how many characters")
