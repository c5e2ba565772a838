"""Lists of backlog tickets a duty officer must chase: overdue (超期), near-overdue (临期), and the whole backlog.

The lists are backlog tickets exactly as `indicators.in_backlog` counts them
(reported by as_of, not cancelled, not closed by as_of), split by deadline:

- overdue: due_at < as_of, as SCHEMA.md defines it;
- near-overdue: as_of <= due_at < as_of + NEAR_OVERDUE_HOURS, i.e. the
  deadline falls within the next 24 hours. A ticket with no due_at is never
  near-overdue (it has no deadline to approach);
- backlog: all of them, oldest first (for exports: an analyst's whole list).

A city's backlog can run to tens of thousands of tickets, so a list is never
read whole: at most `limit` rows, most urgent first (ORDER BY due_at), and a
separate count of the whole list, so a screen can say "showing 500 of N".
The reporter's phone is decided here (data_access.masking: whole for a
principal with personal_data, else 138****0000), so every screen, export
and API answer built on these lists shows the same number.
"""
from __future__ import annotations

import pickle
import tempfile
from datetime import timedelta
from typing import Iterator, NamedTuple

import pandas as pd
from sqlalchemy import and_, func, select, true
from sqlalchemy.sql import ColumnElement, FromClause

from data_access import gate
from data_access.cache import cached_by_scope
from data_access.database import Database
from data_access.indicators import backlog_tickets
from data_access.masking import shown_phone
from data_access.scope import Scope

NEAR_OVERDUE_HOURS = 24
LIST_LIMIT = 500
# The columns every list has, in display order; the hours column (hours_overdue
# or hours_left) follows due_at.
COLUMNS = (
    "ticket_id", "title", "source", "category_name", "area_name", "dept_name", "status",
    "reported_at", "due_at", "urgent", "reporter_phone",
)


class TicketList(NamedTuple):
    """At most `limit` rows of a list (`rows`), and how many tickets the whole list holds (`total`)."""

    rows: pd.DataFrame
    total: int


@cached_by_scope
def overdue_tickets(db: Database, scope: Scope, limit: int = LIST_LIMIT) -> TicketList:
    """Backlog tickets past their deadline, longest overdue first.

    Columns: COLUMNS plus hours_overdue (hours from due_at to as_of, one decimal).
    """
    return _read_list(db, scope, "overdue", limit)


@cached_by_scope
def near_overdue_tickets(db: Database, scope: Scope, limit: int = LIST_LIMIT) -> TicketList:
    """Backlog tickets whose deadline falls in the next NEAR_OVERDUE_HOURS, soonest first.

    Columns: COLUMNS plus hours_left (hours from as_of to due_at, one decimal).
    """
    return _read_list(db, scope, "near_overdue", limit)


# Each list's extra hours column (after due_at), and the order its rows come in.
_LIST_HOURS = {"overdue": "hours_overdue", "near_overdue": "hours_left", "backlog": "hours_open"}
LISTS = tuple(_LIST_HOURS)


def hours_column(which: str) -> str:
    """The name of list `which`'s hours column: hours overdue, hours left, or hours open since reported."""
    return _LIST_HOURS[which]


def ticket_list_chunks(
    db: Database, scope: Scope, which: str, limit: int, chunk_size: int = 5000
) -> Iterator[TicketList]:
    """The first `limit` tickets of the `which` list (one of LISTS), `chunk_size` rows at a time.

    For exports, which may run to the whole list. The rows come from a
    server-side cursor as fast as the database gives them and are spooled to
    a temporary file, a chunk at a time; only then are they handed out. So
    memory holds one chunk however long the list is, and the statement is
    over before the slow part (writing a workbook, a client on a slow link)
    begins: it holds no connection meanwhile, and the statement timeout
    bounds the database's work, not the download's. All of it happens at the
    first `next()`, so a database that fails does so before a file is begun.
    Each chunk has the same columns, order and masking as `overdue_tickets` /
    `near_overdue_tickets`, and `total` is the whole list's size. An empty
    list yields nothing.
    """
    statement = _list_statement(db, scope, which, limit)
    with tempfile.TemporaryFile(prefix="onescreen-list-") as spool:
        with db.connect() as conn:
            result = conn.execution_options(yield_per=chunk_size).execute(statement)
            for partition in result.partitions(chunk_size):
                pickle.dump([tuple(row) for row in partition], spool, protocol=pickle.HIGHEST_PROTOCOL)
        spool.seek(0)
        while True:
            try:
                rows = pickle.load(spool)  # our own file, written just above
            except EOFError:
                return
            yield _finished(scope, which, pd.DataFrame(rows, columns=[*COLUMNS, "total"]))


def _read_list(db: Database, scope: Scope, which: str, limit: int) -> TicketList:
    with db.connect() as conn:
        rows = pd.DataFrame(conn.execute(_list_statement(db, scope, which, limit)).all(), columns=[*COLUMNS, "total"])
    return _finished(scope, which, rows)


def _deadline(which: str, t: FromClause, scope: Scope) -> ColumnElement:
    """Which backlog tickets a list holds, by due_at (see the module docstring)."""
    if which == "overdue":
        return t.c.due_at < scope.as_of
    if which == "near_overdue":
        return and_(t.c.due_at >= scope.as_of, t.c.due_at < scope.as_of + timedelta(hours=NEAR_OVERDUE_HOURS))
    if which == "backlog":
        return true()
    raise ValueError(f"no ticket list called {which!r}")


def _finished(scope: Scope, which: str, rows: pd.DataFrame) -> TicketList:
    """Rows of a list statement as a TicketList: phones as the scope may see them, timestamps typed, hours added."""
    total = int(rows["total"].iloc[0]) if len(rows) else 0
    rows = rows.drop(columns="total")
    rows["reporter_phone"] = rows["reporter_phone"].map(lambda phone: shown_phone(scope, phone), na_action="ignore")
    for moment in ("reported_at", "due_at"):
        rows[moment] = pd.to_datetime(rows[moment])
    if which == "overdue":
        hours = (scope.as_of - rows["due_at"]).dt.total_seconds() / 3600
    elif which == "backlog":
        hours = (scope.as_of - rows["reported_at"]).dt.total_seconds() / 3600
    else:
        hours = (rows["due_at"] - scope.as_of).dt.total_seconds() / 3600
    return TicketList(_with_hours(rows, hours_column(which), hours), total)


def _list_statement(db: Database, scope: Scope, which: str, limit: int):
    """The first `limit` backlog tickets of list `which` by due_at (the backlog: by reported_at), named, with the
    list's size in `total`."""
    # The backlog's two halves (never closed, closed after as_of), each led by closed_at: one condition
    # "closed_at IS NULL OR closed_at > as_of" let a database with a plain reported_at or due_at index
    # read every ticket due before as_of to find the few open ones (chengdu on SQLite: 2.5-5 s for a grid).
    t = backlog_tickets(gate.tickets(db, scope, in_period=False), scope.as_of)
    deadline = _deadline(which, t, scope)
    categories = gate.reference(db, "category")
    areas = gate.reference(db, "area")
    departments = gate.reference(db, "department")
    return (
        select(
            t.c.ticket_id, t.c.title, t.c.source,
            categories.c.name.label("category_name"), areas.c.name.label("area_name"),
            departments.c.name.label("dept_name"),
            t.c.status, t.c.reported_at, t.c.due_at, t.c.urgent, t.c.reporter_phone,
            # The size of the whole list, counted before LIMIT in the same statement: a
            # separate COUNT would let SQLite scan the covering reported_at index instead
            # of reading the few open tickets through ix_ticket_closed.
            func.count().over().label("total"),
        )
        .select_from(t)
        .outerjoin(categories, categories.c.category_code == t.c.category_code)
        .outerjoin(areas, areas.c.area_code == t.c.area_code)
        .outerjoin(departments, departments.c.dept_code == t.c.dept_code)
        .where(deadline)
        # ticket_id breaks ties, so the same 500 are shown on every screen and refresh.
        .order_by(*((t.c.reported_at,) if which == "backlog" else (t.c.due_at,)), t.c.ticket_id)
        .limit(max(0, int(limit)))
    )


def _with_hours(rows: pd.DataFrame, name: str, hours: pd.Series) -> pd.DataFrame:
    """`rows` with the hours column placed after due_at."""
    rows = rows.copy()
    rows.insert(rows.columns.get_loc("due_at") + 1, name, hours.round(1))
    return rows
