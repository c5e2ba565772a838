"""A CSV export with a mapping file: a 数字城管 case list with Chinese headers, area code columns and no boundaries.

What CSV adds to Open311: line numbers that survive quoted line breaks and
rows with the wrong number of fields, areas known only from code columns,
timestamps exported in UTC, and the contract's optional columns (deadline,
urgency, satisfaction, rework) read with their types.
"""
from __future__ import annotations

import contextlib
import io

import pandas as pd
import pytest
from sqlalchemy import create_engine, text

from importer.__main__ import main as import_main
from importer.values import codes_for

HEADER = "案卷号,上报时间,结案时间,归档时间,处置时限,状态,来源,大类,区,区名,街道,街道名,紧急,满意度,返工次数,描述"
# Line numbers as a text editor shows them; line 4's description holds a line break, so line 5 is its second half.
ROWS = [
    "A1,2026/11/20 01:00:00,2026/11/20 03:00:00,,2026/11/21 01:00:00,结案,12345热线,市容环境,01,姑苏区,001,平江街道,是,3,0,井盖缺失",  # 2
    "A2,2026/11/20 02:00:00,,2026/11/20 05:00:00,,结案,微信,市容环境,01,姑苏区,001,平江街道,否,2,1,垃圾满溢",  # 3
    'A3,2026/11/20 02:30:00,,,,处置中,12345热线,街面秩序,01,姑苏区,002,沧浪街道,,,,"两行\n描述"',  # 4-5
    "A4,2026/11/20 03:00:00,,,,处置中,12345热线,街面秩序,01,姑苏区,002,沧浪街道,,,,多了一列,!",  # 6: 17 fields
    "",  # 7: a blank line
    "A6,2026/11/20 03:30:00,,,,处置中,12345热线,街面秩序,01,姑苏区,002,沧浪街道,也许,5,-1,",  # 8
    "A7,2026/11/20 04:00:00,,,,处置中,网格巡查,宣传广告,02,吴中区,002,沧浪街道,,,,跨区的街道编号",  # 9
    "A8,2026/11/20 04:30:00,,,,作废,12345热线,宣传广告,02,吴中区,,," + ",,," + "长" * 300,  # 10
]
MAPPING = """
encoding = "utf-8"

[timestamps]
format = "%Y/%m/%d %H:%M:%S"
timezone = "Asia/Shanghai"
written_in = "UTC"

[columns]
ticket_id = "案卷号"
reported_at = "上报时间"
closed_at = ["结案时间", "归档时间"]
due_at = "处置时限"
status = "状态"
source = "来源"
category = "大类"
urgent = "紧急"
satisfaction = "满意度"
rework_count = "返工次数"
title = "描述"

[status]
"结案" = "closed"
"处置中" = "dispatched"
"作废" = "cancelled"

[source]
"12345热线" = "hotline_12345"
"网格巡查" = "grid_patrol"

[areas]
code = "320508"
name = "苏州市"

[[areas.levels]]
level = "district"
column = "区"
name_column = "区名"
digits = 2

[[areas.levels]]
level = "street"
column = "街道"
name_column = "街道名"
digits = 3
"""


@pytest.fixture(scope="module")
def imported(tmp_path_factory):
    folder = tmp_path_factory.mktemp("csv")
    (folder / "cases.csv").write_text(HEADER + "\n" + "\n".join(ROWS) + "\n", encoding="utf-8")
    (folder / "cases.toml").write_text(MAPPING, encoding="utf-8")
    url = f"sqlite:///{folder / 'cases.sqlite'}"
    printed = io.StringIO()
    with contextlib.redirect_stdout(printed):
        assert import_main(["csv", str(folder / "cases.csv"), "--mapping", str(folder / "cases.toml"), "--url", url]) == 0
    engine = create_engine(url)
    with engine.connect() as conn:
        tickets = pd.read_sql(text("SELECT * FROM ticket"), conn, index_col="ticket_id")
        areas = pd.read_sql(text("SELECT * FROM area"), conn, index_col="area_code")
        categories = pd.read_sql(text("SELECT * FROM category"), conn, index_col="category_code")
    engine.dispose()
    report = (folder / "cases.sqlite.import-report.txt").read_text(encoding="utf-8")
    return tickets, areas, categories, report, printed.getvalue()


def test_rejected_rows_carry_the_line_a_text_editor_shows(imported):
    report = imported[3]
    assert "  line 6: expected 16 fields, saw 17\n" in report
    assert "  line 7: no 案卷号; no 上报时间; no 状态; no 来源\n" in report
    assert "  line 8: 紧急 '也许' is not yes/no; 满意度 '5' is not 1, 2 or 3; 返工次数 '-1' is negative\n" in report
    assert sorted(imported[0].index) == ["A1", "A2", "A3", "A7", "A8"]


def test_timestamps_exported_in_utc_become_city_local_time(imported):
    first = imported[0].loc["A1"]
    assert (first["reported_at"], first["closed_at"], first["due_at"]) == (
        "2026-11-20 09:00:00", "2026-11-20 11:00:00", "2026-11-21 09:00:00"
    )
    # No 结案时间: the archive time is the fallback.
    assert imported[0].loc["A2", "closed_at"] == "2026-11-20 13:00:00"


def test_optional_columns_are_read_with_their_types(imported):
    tickets = imported[0]
    assert (tickets.loc["A1", "urgent"], tickets.loc["A2", "urgent"]) == (1, 0)
    assert pd.isna(tickets.loc["A3", "urgent"])  # unknown stays unknown, never "not urgent"
    assert (tickets.loc["A1", "satisfaction"], tickets.loc["A2", "rework_count"]) == (3, 1)
    assert tickets.loc["A3", "title"] == "两行\n描述"


def test_areas_from_code_columns_nest_by_where_their_tickets_are(imported):
    tickets, areas = imported[0], imported[1]
    assert areas["parent_code"].fillna("(root)").to_dict() == {
        "320508": "(root)", "32050801": "320508", "32050802": "320508",
        "32050801001": "32050801", "32050801002": "32050801",
    }
    assert (areas.loc["32050801", "name"], areas.loc["32050801002", "name"]) == ("姑苏区", "沧浪街道")
    assert areas["boundary"].isna().all()
    assert tickets.loc["A1", "area_code"] == "32050801001"
    # Street 002 is 姑苏区's (two tickets to one): a 吴中区 ticket naming it stays at its district.
    assert tickets.loc["A7", "area_code"] == "32050802"
    assert "  line 9: 沧浪街道 (32050801002) lies under 32050801, not under 32050802; kept in 32050802\n" in imported[3]
    assert "  line 10: 描述 cut to 256 characters; no 街道; kept in 32050802\n" in imported[3]


def test_chinese_category_names_get_stable_url_safe_codes(imported):
    categories = imported[2]
    assert set(categories["name"]) == {"市容环境", "街面秩序", "宣传广告"}
    assert all(code.startswith("x") and code.isascii() for code in categories.index)
    assert codes_for(pd.Series(["市容环境"])).iat[0] == imported[0].loc["A1", "category_code"]
    assert codes_for(pd.Series(["Bulky Items", "BOS"])).tolist() == ["Bulky_Items", "BOS"]


def test_long_titles_are_cut_and_noted_unmapped_sources_kept_and_counted(imported):
    tickets, report, printed = imported[0], imported[3], imported[4]
    assert tickets.loc["A8", "title"] == "长" * 255 + "…"
    assert "  line 10: 描述 cut to 256 characters;" in report
    assert tickets.loc["A2", "source"] == "微信"
    assert "sources not in the mapping, kept as they are: 微信 1" in printed


def test_supervision_is_read_and_a_word_outside_the_contract_rejects_the_row(tmp_path):
    header = "案卷号,上报时间,状态,来源,区,区名,街道,街道名,督办"
    rows = ["S1,2026/11/20 01:00:00,处置中,12345热线,01,姑苏区,001,平江街道,supervised",
            "S2,2026/11/20 02:00:00,处置中,12345热线,01,姑苏区,001,平江街道,",
            "S3,2026/11/20 03:00:00,处置中,12345热线,01,姑苏区,001,平江街道,urgent"]
    mapping = MAPPING.replace('title = "描述"', 'supervision = "督办"')
    for line in ("结案时间", "处置时限", "大类", "紧急", "满意度", "返工次数"):
        mapping = "\n".join(row for row in mapping.splitlines() if f'"{line}"' not in row or row.startswith('"'))
    (tmp_path / "s.csv").write_text(header + "\n" + "\n".join(rows) + "\n", encoding="utf-8")
    (tmp_path / "s.toml").write_text(mapping, encoding="utf-8")
    url = f"sqlite:///{tmp_path / 's.sqlite'}"
    with contextlib.redirect_stdout(io.StringIO()):
        assert import_main(["csv", str(tmp_path / "s.csv"), "--mapping", str(tmp_path / "s.toml"), "--url", url]) == 0
    engine = create_engine(url)
    with engine.connect() as conn:
        kept = dict(conn.execute(text("SELECT ticket_id, supervision FROM ticket ORDER BY ticket_id")).all())
    engine.dispose()
    assert kept == {"S1": "supervised", "S2": None}
    report = (tmp_path / "s.sqlite.import-report.txt").read_text(encoding="utf-8")
    assert "line 4: 督办 'urgent' is not supervised (督办) or leader (领导关注)" in report
