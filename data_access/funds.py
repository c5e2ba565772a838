"""The micro-fund (民生小事专项经费): budget, spend, pending approval and burn rate per account.

Spend is "used first, approved after" (先使用后审批): an expense counts as
spent when it is made, whatever its approval; `pending` is the part of that
spend still awaiting approval, `rejected` the part refused afterwards.
The fund year is the calendar year of as_of; only spend up to as_of counts.
The list of items (`fund_items`) is bounded like every list: the newest
ITEM_LIMIT expenses and the count of all of them.
"""
from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from typing import NamedTuple

import pandas as pd
from sqlalchemy import and_, case, func, select

from data_access import gate
from data_access.cache import cached_by_scope
from data_access.database import Database
from data_access.scope import Scope

AMOUNTS = ("budget", "spent", "pending", "rejected")
ITEM_LIMIT = 500
ITEM_COLUMNS = (
    "expense_id", "item", "kind", "amount", "spent_at", "approval", "area_code", "area_name",
    "ticket_id", "ticket_title", "ticket_status", "ticket_closed_at",
)


class ExpenseList(NamedTuple):
    """At most `limit` expenses (`rows`) and how many the whole list holds (`total`)."""

    rows: pd.DataFrame
    total: int


def _year_bounds(scope: Scope) -> tuple[int, datetime]:
    return scope.as_of.year, datetime(scope.as_of.year, 1, 1)


@cached_by_scope
def fund_by_account(db: Database, scope: Scope) -> pd.DataFrame:
    """One row per fund account in scope for as_of's year.

    Columns: account_id, area_code, area_name, budget, spent, pending,
    rejected, expenses (count), burn_rate (spent / budget; NaN without budget),
    year_elapsed (share of the year gone by at as_of, to read burn against).
    """
    year, year_start = _year_bounds(scope)
    accounts = gate.fund_accounts(db, scope)
    e = gate.fund_expenses(db, scope)
    areas = gate.reference(db, "area")
    in_year = and_(e.c.account_id == accounts.c.account_id, e.c.spent_at >= year_start, e.c.spent_at <= scope.as_of)

    def amount_if(condition):
        return func.coalesce(func.sum(case((condition, e.c.amount), else_=0)), 0)

    statement = (
        select(
            accounts.c.account_id,
            accounts.c.area_code,
            areas.c.name.label("area_name"),
            accounts.c.budget,
            amount_if(e.c.expense_id.is_not(None)).label("spent"),
            amount_if(e.c.approval == "pending").label("pending"),
            amount_if(e.c.approval == "rejected").label("rejected"),
            func.count(e.c.expense_id).label("expenses"),
        )
        .select_from(accounts)
        .outerjoin(e, in_year)
        .outerjoin(areas, areas.c.area_code == accounts.c.area_code)
        .where(accounts.c.year == year)
        .group_by(accounts.c.account_id, accounts.c.area_code, areas.c.name, accounts.c.budget)
        .order_by(accounts.c.area_code)
    )
    columns = ["account_id", "area_code", "area_name", *AMOUNTS, "expenses"]
    with db.connect() as conn:
        frame = pd.DataFrame(conn.execute(statement).all(), columns=columns)
    frame[list(AMOUNTS)] = frame[list(AMOUNTS)].astype("float64")
    frame["burn_rate"] = frame["spent"] / frame["budget"].where(frame["budget"] > 0)
    frame["year_elapsed"] = year_elapsed(scope)
    return frame


def year_elapsed(scope: Scope) -> float:
    """The share of as_of's calendar year gone by at as_of: what a burn rate is read against."""
    year, year_start = _year_bounds(scope)
    days_in_year = (datetime(year + 1, 1, 1) - year_start).total_seconds()
    return (scope.as_of - year_start).total_seconds() / days_in_year


@cached_by_scope
def fund_totals(db: Database, scope: Scope) -> dict:
    """Budget, spent, pending and rejected over every account in scope for as_of's year (yuan),
    burn_rate (spent / budget; None without budget) and year_elapsed (as in fund_by_account)."""
    frame = fund_by_account(db, scope)
    totals = {name: float(frame[name].sum()) for name in AMOUNTS}
    totals["burn_rate"] = totals["spent"] / totals["budget"] if totals["budget"] > 0 else None
    totals["year_elapsed"] = year_elapsed(scope)
    return totals


@cached_by_scope
def spend_by_kind(db: Database, scope: Scope) -> pd.DataFrame:
    """Spend in as_of's year per kind of expense. Columns: kind, spent, expenses."""
    year, year_start = _year_bounds(scope)
    e = gate.fund_expenses(db, scope)
    accounts = gate.fund_accounts(db, scope)
    statement = (
        select(e.c.kind, func.sum(e.c.amount).label("spent"), func.count().label("expenses"))
        .join(accounts, accounts.c.account_id == e.c.account_id)
        .where(accounts.c.year == year, e.c.spent_at >= year_start, e.c.spent_at <= scope.as_of)
        .group_by(e.c.kind)
        .order_by(e.c.kind)
    )
    with db.connect() as conn:
        frame = pd.DataFrame(conn.execute(statement).all(), columns=["kind", "spent", "expenses"])
    frame["spent"] = frame["spent"].astype("float64")
    return frame


@cached_by_scope
def fund_items(db: Database, scope: Scope, limit: int = ITEM_LIMIT) -> ExpenseList:
    """The expenses of as_of's fund year in scope, newest first, with the ticket each one solved.

    Columns: ITEM_COLUMNS. area_* is the account's unit; ticket_* is NULL for an
    expense with no ticket_id, or whose ticket lies outside the scope's area.
    The ticket filters (source, category, department) do not apply: the fund
    is not split by them anywhere, so they must not hide the ticket an
    expense solved either.
    """
    year, year_start = _year_bounds(scope)
    accounts = gate.fund_accounts(db, scope)
    e = gate.fund_expenses(db, scope)
    areas = gate.reference(db, "area")
    tickets = gate.tickets(db, replace(scope, sources=(), category_code=None, dept_code=None), in_period=False)
    statement = (
        select(
            e.c.expense_id, e.c.item, e.c.kind, e.c.amount, e.c.spent_at, e.c.approval,
            accounts.c.area_code, areas.c.name.label("area_name"),
            e.c.ticket_id, tickets.c.title, tickets.c.status, tickets.c.closed_at,
            # Counted before LIMIT, in the same statement: "showing 500 of N".
            func.count().over().label("total"),
        )
        .join(accounts, accounts.c.account_id == e.c.account_id)
        .outerjoin(areas, areas.c.area_code == accounts.c.area_code)
        .outerjoin(tickets, tickets.c.ticket_id == e.c.ticket_id)
        .where(accounts.c.year == year, e.c.spent_at >= year_start, e.c.spent_at <= scope.as_of)
        .order_by(e.c.spent_at.desc(), e.c.expense_id)
        .limit(max(0, int(limit)))
    )
    with db.connect() as conn:
        rows = pd.DataFrame(conn.execute(statement).all(), columns=[*ITEM_COLUMNS, "total"])
    total = int(rows["total"].iloc[0]) if len(rows) else 0
    rows = rows.drop(columns="total")
    rows["amount"] = rows["amount"].astype("float64")
    for moment in ("spent_at", "ticket_closed_at"):
        rows[moment] = pd.to_datetime(rows[moment])
    return ExpenseList(rows, total)
