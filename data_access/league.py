"""The league table (红黑榜) of the scope's child areas, ranked by closure rate, with the rank change.

Streets are compared, praised (红榜, the top) and named (黑榜, the bottom)
by their closure rate, so the ranking must be a rule anyone can check:

1. closure_rate, highest first;
2. then on_time_closure_rate, highest first (closing on time is the finer merit);
3. then due, most first (100 % of 80 due tickets outranks 100 % of 2);
4. areas still equal on all three share a rank (1, 2, 2, 4): no area is
   placed above another by its code or name.

An area whose rate is n/a (nothing due, or no tickets at all) ranks after
every rated area. The red board (红榜) is the areas ranked in the top
BOARD_SIZE, the black board (黑榜) those in the bottom BOARD_SIZE of the
rated areas; with fewer than 2 x BOARD_SIZE rated areas each board takes at
most half of them, so no area is on both. The table is built from two `indicators.kpis_by(..., "area")`
answers, the very numbers the API's breakdown serves, so no SQL lives here.

The previous period is the one of the same length just before (Scope.previous_period),
counted as of its own end: its rank is the one that period earned when it
closed, not one improved by tickets closed since.
"""
from __future__ import annotations

from dataclasses import replace

import pandas as pd

from data_access import indicators
from data_access.areas import child_areas_in_scope
from data_access.cache import cached_by_scope
from data_access.database import Database
from data_access.scope import Scope

RANKED_BY = ("closure_rate", "on_time_closure_rate", "due")
BOARD_SIZE = 3
LEAGUE_INDICATORS = (
    "closure_rate", "on_time_closure_rate", "rework_rate", "satisfaction_rate", "avg_handle_hours",
    "due", "closed", "backlog", "overdue",
)
COLUMNS = ("key", "name", *LEAGUE_INDICATORS, "rank", "previous_closure_rate", "previous_rank", "rank_change",
           "board")
_COUNTS = ("due", "closed", "backlog", "overdue")
# Below any real rate or count, so n/a sorts last and equal n/a's compare equal.
_UNRATED = -1.0


@cached_by_scope
def closure_league(db: Database, scope: Scope) -> pd.DataFrame:
    """Every child area of the scope's area, best first.

    Columns (COLUMNS): key, name, LEAGUE_INDICATORS, rank, previous_closure_rate,
    previous_rank, rank_change (previous_rank - rank: positive climbed; None
    when either period's closure rate is n/a, as a move into or out of "no
    data" is not a change of performance), board ("red", "black" or None).
    Tickets filed on the area itself, under none of its children, are in no
    child's row.
    """
    children = child_areas_in_scope(db, scope)
    if not children:
        return pd.DataFrame(columns=list(COLUMNS))
    names = {area.code: area.name for area in children}
    current = _ranked(indicators.kpis_by(db, scope, "area"), names)
    previous = _ranked(indicators.kpis_by(db, _previous(scope), "area"), names)
    league = current.join(previous[["closure_rate", "rank"]].add_prefix("previous_"))
    both_rated = league["closure_rate"].notna() & league["previous_closure_rate"].notna()
    change = (league["previous_rank"] - league["rank"]).astype("object")
    league["rank_change"] = change.where(both_rated, None)
    # A previous period with no rate has no standing to show, only a tie of the unrated.
    league["previous_rank"] = league["previous_rank"].astype("object").where(
        league["previous_closure_rate"].notna(), None)
    league["board"] = _boards(league)
    return league.sort_values(["rank", "key"]).reset_index()[list(COLUMNS)]


def _boards(league: pd.DataFrame) -> pd.Series:
    """"red" for the top BOARD_SIZE ranks, "black" for the bottom ones, among the rated areas."""
    rated = league["closure_rate"].notna()
    rated_count = int(rated.sum())
    size = min(BOARD_SIZE, rated_count // 2)
    red = rated & (league["rank"] <= size)
    black = rated & (league["rank"] > rated_count - size)
    return pd.Series(
        ["red" if top else "black" if bottom else None for top, bottom in zip(red, black)],
        index=league.index, dtype="object",
    )


def _previous(scope: Scope) -> Scope:
    """The previous period, as of its own end (or as of scope.as_of, when that is earlier)."""
    previous = scope.previous_period()
    # A past moment: its answer cannot change, so it may be cached as history.
    return replace(previous, as_of=min(scope.as_of, previous.period_end), live=False)


def _ranked(by_area: pd.DataFrame, names: dict[str, str]) -> pd.DataFrame:
    """LEAGUE_INDICATORS of each area in `names` (indexed by key, with its name) and its rank."""
    frame = by_area.set_index("key").reindex(list(names))[list(LEAGUE_INDICATORS)]
    frame[list(_COUNTS)] = frame[list(_COUNTS)].fillna(0).astype("int64")
    # kpis_by gives None for n/a rates, and NaN for an area absent from the period.
    rates = [name for name in LEAGUE_INDICATORS if name not in _COUNTS]
    frame[rates] = frame[rates].astype("float64")
    frame.insert(0, "name", pd.Series(names))
    frame.index.name = "key"
    merit = frame[list(RANKED_BY)].fillna(_UNRATED)
    # A closure rate of n/a outranks nobody, whatever its other numbers.
    merit.loc[frame["closure_rate"].isna(), list(RANKED_BY)] = _UNRATED
    order = merit.sort_values(list(RANKED_BY), ascending=False, kind="stable")
    ranks, rank, last = {}, 0, None
    for position, (key, row) in enumerate(order.iterrows(), start=1):
        merits = tuple(row)
        if merits != last:
            rank, last = position, merits
        ranks[key] = rank
    frame["rank"] = pd.Series(ranks).astype("int64")
    return frame
