"""The area tree: the root, an area's children and ancestors, names.

Area codes are hierarchical (a child's code starts with its parent's), which
is what lets every other query select "this area and everything under it"
with one prefix match.
"""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

from data_access import gate
from data_access.database import Database

WHOLE_DATABASE = ""


@dataclass(frozen=True)
class Area:
    code: str
    name: str
    level: str
    parent_code: str | None


def _area(row) -> Area:
    return Area(code=row.area_code, name=row.name, level=row.level, parent_code=row.parent_code)


def root_area_code(db: Database) -> str:
    """The default area: the single root, or the whole database when it has several roots (or none)."""

    def read():
        a = gate.reference(db, "area")
        with db.connect() as conn:
            roots = conn.execute(select(a.c.area_code).where(a.c.parent_code.is_(None)).limit(2)).all()
        return roots[0].area_code if len(roots) == 1 else WHOLE_DATABASE

    # Asked on every request; the area tree changes rarely, so it is kept for the history window.
    return db.cache.get_or_compute(f"areas.root:{db.cache_namespace}", False, read)


def find_area(db: Database, code: str) -> Area | None:
    """The area with this code, or None. Known areas are cached like the root; unknown ones are asked again."""

    def read():
        a = gate.reference(db, "area")
        with db.connect() as conn:
            row = conn.execute(
                select(a.c.area_code, a.c.name, a.c.level, a.c.parent_code).where(a.c.area_code == code)
            ).first()
        return _area(row) if row else None

    return db.cache.get_or_compute(f"areas.find:{db.cache_namespace}:{code}", False, read)


def child_areas(db: Database, code: str) -> list[Area]:
    """The areas one level below `code` (the roots, for the whole database), ordered by code."""
    a = gate.reference(db, "area")
    parent = a.c.parent_code.is_(None) if code == WHOLE_DATABASE else a.c.parent_code == code
    with db.connect() as conn:
        rows = conn.execute(
            select(a.c.area_code, a.c.name, a.c.level, a.c.parent_code).where(parent).order_by(a.c.area_code)
        ).all()
    return [_area(r) for r in rows]


def child_areas_in_scope(db: Database, scope) -> list[Area]:
    """The children of the scope's area whose rows the scope's principal may see: a breakdown by child area
    lists these, so a principal without an area is not shown the city's districts as empty rows."""
    children = child_areas(db, scope.area_code)
    if scope.unrestricted_below:
        return children
    return [child for child in children if any(child.code.startswith(code) for code in scope.permitted_areas)]


def first_area_at_level(db: Database, level: str) -> Area | None:
    """The area of this level with the smallest code (`python -m access demo-logins` picks its demo street so)."""
    a = gate.reference(db, "area")
    with db.connect() as conn:
        row = conn.execute(
            select(a.c.area_code, a.c.name, a.c.level, a.c.parent_code).where(a.c.level == level)
            .order_by(a.c.area_code).limit(1)
        ).first()
    return _area(row) if row else None


def area_path(db: Database, code: str) -> list[Area]:
    """The area and its ancestors, root first: the breadcrumb 市 > 区 > 街道 > 工作站 > 网格.

    Ancestors' codes are prefixes of the code, so one indexed IN query finds them.
    """
    if code == WHOLE_DATABASE:
        return []
    a = gate.reference(db, "area")
    prefixes = [code[:n] for n in range(1, len(code) + 1)]
    with db.connect() as conn:
        rows = conn.execute(
            select(a.c.area_code, a.c.name, a.c.level, a.c.parent_code).where(a.c.area_code.in_(prefixes))
        ).all()
    return sorted((_area(r) for r in rows), key=lambda area: len(area.code))
