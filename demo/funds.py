"""The micro-fund (民生小事专项经费): a budget per unit and year, and the small works it pays for.

Most projects fix what a ticket reported (the expense links to it and is
dated when the ticket was handled); the rest are the unit's own initiatives.
The fund is spent first and approved after (先使用后审批): recent spending
is mostly still pending, older spending approved, a few items rejected.
"""
from __future__ import annotations

from datetime import datetime

import numpy as np
import pandas as pd

from demo.catalogue import FUND_WORKS, TicketItems
from demo.geometry import Leaves
from demo.names import road_names

BUDGET_RANGE_YUAN = (50_000, 100_000)
LINKED_SHARE = 0.7
# Median cost of one project by kind, in yuan.
MEDIAN_COST = {"repair": 12_000, "environment": 8_000, "emergency": 25_000, "service_project": 30_000}
COST_RANGE_YUAN = (300, 90_000)
# A unit's own initiatives lean to small service projects (便民设施).
OWN_PROJECT_SHARES = {"repair": 0.3, "environment": 0.2, "emergency": 0.1, "service_project": 0.4}
PENDING_RECENT_DAYS = 20
# What share of its budget a unit plans to use by the year's end: it spends towards that as the year goes.
PLANNED_USE_RANGE = (0.55, 1.05)
# A few units overspend (an emergency, a costly fix): by as_of they have used this much of the year's budget.
OVER_BUDGET_SHARE = 0.05
OVER_BUDGET_RANGE = (1.05, 1.35)


def account_ids(area_codes: np.ndarray, years: np.ndarray) -> np.ndarray:
    """F<unit code>-<year>: an expense finds its account from where and when it was spent."""
    code_dash = np.strings.add(np.strings.add("F", np.asarray(area_codes).astype(str)), "-")
    return np.strings.add(code_dash, np.asarray(years).astype(str)).astype(object)


def synthesize_accounts(units: np.ndarray, first_year: int, last_year: int, rng: np.random.Generator) -> pd.DataFrame:
    """One account per unit per calendar year, budgets rounded to the thousand yuan."""
    years = np.arange(first_year, last_year + 1)
    area = np.repeat(np.asarray(units, dtype=object), len(years))
    year = np.tile(years, len(units))
    return pd.DataFrame(
        {
            "account_id": account_ids(area, year),
            "area_code": area,
            "year": year,
            "budget": np.round(rng.uniform(*BUDGET_RANGE_YUAN, len(area)), -3),
        }
    )


def synthesize_expenses(
    *,
    tickets: pd.DataFrame,
    items: TicketItems,
    leaves: Leaves,
    unit_of_leaf: np.ndarray,
    count: int,
    now: datetime,
    since: datetime,
    rng: np.random.Generator,
) -> pd.DataFrame:
    """`count` expenses between `since` and `now`, booked to the account of the unit (and year) they served.

    `unit_of_leaf` is the fund-holding unit's code for every leaf; `items`
    tell what kind of work fixes a ticket of each category.
    """
    now_s, since_s = np.datetime64(now, "s"), np.datetime64(since, "s")
    handled = tickets[tickets["handled_at"].notna().to_numpy()]
    linked = min(int(round(count * LINKED_SHARE)), len(handled))
    fixes = handled.iloc[np.sort(rng.choice(len(handled), linked, replace=False))]
    fix_kind = fixes["category_code"].map(dict(zip(items.codes, items.fund_kinds))).to_numpy(dtype=object)
    fix_leaf = pd.Index(leaves.codes).get_indexer(fixes["area_code"].to_numpy())
    fix_spent = np.minimum(
        fixes["handled_at"].to_numpy() + rng.integers(0, 4 * 3600, linked).astype("timedelta64[s]"), now_s
    )

    own = count - linked
    own_kind = rng.choice(np.array(list(OWN_PROJECT_SHARES), dtype=object), own, p=list(OWN_PROJECT_SHARES.values()))
    own_leaf = rng.integers(0, len(leaves.codes), own)
    window = (now_s - since_s).astype(np.int64)
    own_spent = since_s + rng.integers(0, window, own).astype("timedelta64[s]")

    kind = np.concatenate([fix_kind, own_kind])
    leaf = np.concatenate([fix_leaf, own_leaf])
    spent_at = np.concatenate([fix_spent, own_spent]).astype("datetime64[s]")
    ticket_id = np.concatenate([fixes["ticket_id"].to_numpy(dtype=object), np.full(own, None, dtype=object)])
    order = np.argsort(spent_at, kind="stable")
    kind, leaf, spent_at, ticket_id = kind[order], leaf[order], spent_at[order], ticket_id[order]

    works = np.empty(count, dtype=object)
    for work_kind, options in FUND_WORKS.items():
        mine = kind == work_kind
        works[mine] = rng.choice(np.array(options, dtype=object), mine.sum())
    median = pd.Series(kind).map(MEDIAN_COST).to_numpy(dtype=float)
    amount = np.clip(median * rng.lognormal(0, 0.6, count), *COST_RANGE_YUAN).round(2)
    approval, approved_at = _approvals(spent_at, now_s, rng)
    years = spent_at.astype("datetime64[Y]").astype(np.int64) + 1970
    return pd.DataFrame(
        {
            "expense_id": np.char.mod("E%08d", np.arange(1, count + 1)).astype(object),
            "account_id": account_ids(unit_of_leaf[leaf], years),
            "ticket_id": ticket_id,
            "item": np.strings.add(road_names(leaves.codes[leaf]), works.astype(str)).astype(object),
            "kind": kind,
            "amount": amount,
            "spent_at": spent_at,
            "approval": approval,
            "approved_at": approved_at,
        }
    )


def fit_to_budgets(
    expenses: pd.DataFrame, accounts: pd.DataFrame, now: datetime, rng: np.random.Generator
) -> pd.DataFrame:
    """The expenses with each account's amounts scaled so its spend follows its budget.

    Projects are drawn a few per unit and year, too few for their sum to land
    near a budget by chance; a real unit sizes its works to its fund. So each
    account's spend up to `now` becomes its planned use (PLANNED_USE_RANGE)
    times the share of its year gone, and in every year OVER_BUDGET_SHARE of
    the accounts with spending (at least one) overspend their whole budget.
    """
    spent = expenses.groupby("account_id")["amount"].sum()
    year_start = pd.to_datetime(accounts["year"].astype(str) + "-01-01")
    year_end = pd.to_datetime((accounts["year"] + 1).astype(str) + "-01-01")
    elapsed = ((np.minimum(year_end, pd.Timestamp(now)) - year_start) / (year_end - year_start)).clip(0, 1)
    target = rng.uniform(*PLANNED_USE_RANGE, len(accounts)) * elapsed.to_numpy()
    with_spend = accounts["account_id"].isin(spent.index).to_numpy()
    for year in np.unique(accounts["year"]):
        candidates = np.flatnonzero(with_spend & (accounts["year"] == year).to_numpy())
        count = min(len(candidates), max(1, round(OVER_BUDGET_SHARE * len(candidates))))
        over = rng.choice(candidates, count, replace=False)
        target[over] = rng.uniform(*OVER_BUDGET_RANGE, count)
    wanted = pd.Series(target * accounts["budget"].to_numpy(), index=accounts["account_id"])
    factor = (wanted / spent).reindex(expenses["account_id"]).fillna(1).to_numpy()
    return expenses.assign(amount=(expenses["amount"].to_numpy() * factor).round(2))


def _approvals(spent_at: np.ndarray, now: np.datetime64, rng: np.random.Generator):
    """Approval state and time: spent first, approved days or weeks later (先使用后审批)."""
    count = len(spent_at)
    decided_at = spent_at + rng.integers(3 * 86400, 30 * 86400, count).astype("timedelta64[s]")
    recent = spent_at > now - np.timedelta64(PENDING_RECENT_DAYS, "D")
    draw = rng.random(count)
    pending = (decided_at > now) | (recent & (draw < 0.7)) | (draw > 0.95)
    rejected = ~pending & (draw < 0.03)
    approval = np.where(pending, "pending", np.where(rejected, "rejected", "approved")).astype(object)
    approved_at = np.where(approval == "approved", decided_at, np.datetime64("NaT")).astype("datetime64[s]")
    return approval, approved_at
