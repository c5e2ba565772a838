"""Reference lists for choosing filters: departments and the category tree.

They change rarely and are small (tens to a few hundred rows), so they are
read whole and kept in the result cache for the history window.
"""
from __future__ import annotations

from sqlalchemy import select

from data_access import gate
from data_access.database import Database
from data_access.scope import Scope


def departments(db: Database) -> list[tuple[str, str]]:
    """(dept_code, name) of every department, by name."""

    def read():
        d = gate.reference(db, "department")
        with db.connect() as conn:
            return [tuple(r) for r in conn.execute(select(d.c.dept_code, d.c.name).order_by(d.c.name)).all()]

    return db.cache.get_or_compute(f"reference.departments:{db.cache_namespace}", False, read)


def categories(db: Database) -> list[tuple[str, str, int]]:
    """(category_code, name, level) of the category tree in code order, so subclasses follow their class."""

    def read():
        c = gate.reference(db, "category")
        statement = select(c.c.category_code, c.c.name, c.c.level).order_by(c.c.category_code)
        with db.connect() as conn:
            return [(code, name, int(level or 1)) for code, name, level in conn.execute(statement).all()]

    return db.cache.get_or_compute(f"reference.categories:{db.cache_namespace}", False, read)


def unknown_filters(db: Database, scope: Scope) -> dict[str, str]:
    """The scope's `dept` and `category` filters whose code the reference tables lack, by parameter: {"dept": "NOPE"}.

    A filter on a code nobody uses counts nothing, and a screen of zeros
    passes for a quiet city; the screens name such a filter and drop it, the
    API refuses it, both from this one check.
    """
    unknown = {}
    if scope.dept_code and scope.dept_code not in {code for code, _ in departments(db)}:
        unknown["dept"] = scope.dept_code
    if scope.category_code and scope.category_code not in {code for code, _, _ in categories(db)}:
        unknown["category"] = scope.category_code
    return unknown
