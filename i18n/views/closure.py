"""Labels of the closure view (结案): keys start with "closure."."""

LABELS: dict[str, dict[str, str]] = {
    "closure.kpis": {"zh": "结案指标", "en": "Closure indicators"},
    # The league table (data_access/league.py states the ranking rule these notes repeat)
    "closure.league.title": {"zh": "红黑榜：下级区域结案率排名", "en": "League table: sub-areas by closure rate"},
    "closure.league.note": {
        "zh": "结案率高者在前；相同时比按期结案率，再比应结案数（多者在前），仍相同则并列。"
              "结案率无数据的区域排在最后。前{count}名为红榜，后{count}名为黑榜（只计有结案率的区域，区域较少时各不超过一半）。"
              "名次变化对比上一等长统计期 {start} 至 {end}（按其期末计算）。点击一行可下钻。",
        "en": "Highest closure rate first; ties go to the higher on-time closure rate, then to more tickets due; "
              "still equal, they share the rank. Areas with no closure rate rank last. The top {count} are on "
              "the top board, the bottom {count} on the bottom board (rated areas only; with few areas, at most "
              "half each). Rank change compares the previous period of the same length, {start} to {end} "
              "(counted at its end). Click a row to drill down.",
    },
    "closure.league.red": {"zh": "红榜", "en": "Top"},
    "closure.league.black": {"zh": "黑榜", "en": "Bottom"},
    # The hover on the "—" of an area with no closure rate in the previous period (no rank then).
    "closure.league.new_entry": {
        "zh": "上期结案率无数据（上期无应结案工单），本期新进榜。",
        "en": "No closure rate in the previous period (nothing was due then): new in the table.",
    },
    "closure.column.board": {"zh": "榜单", "en": "Board"},
    "closure.column.rank": {"zh": "名次", "en": "Rank"},
    "closure.column.rank_change": {"zh": "名次变化", "en": "Change"},
    "closure.column.previous_rank": {"zh": "上期名次", "en": "Previous rank"},
    "closure.column.area": {"zh": "区域", "en": "Area"},
    "closure.column.dept": {"zh": "处置部门", "en": "Department"},
    "closure.column.category": {"zh": "类别", "en": "Category"},
    "closure.tooltip.rank_change": {
        "zh": "上期名次 − 本期名次：▲上升，▼下降；任一期结案率无数据时不比较。",
        "en": "Previous rank − current rank: ▲ climbed, ▼ fell; not compared when either period has no closure rate.",
    },
    "closure.by_dept.title": {"zh": "各处置部门结案指标", "en": "Closure by department"},
    "closure.by_category.title": {"zh": "各类别结案指标", "en": "Closure by category"},
}
