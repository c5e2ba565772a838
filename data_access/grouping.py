"""Grouping by the children of an area (or a category): the "by child area" of every breakdown."""
from __future__ import annotations

from sqlalchemy import case, func, literal
from sqlalchemy.sql import ColumnElement


def child_key(column: ColumnElement, child_codes: list[str]) -> ColumnElement:
    """Maps a code to the child (of the scope) it lies under.

    When all children's codes have one length, as in the national grid
    coding, the child is a prefix of that length: a cheap substring the
    database groups by. Otherwise each child is tested in turn, longest first.
    Codes under no child (tickets filed on the parent itself) keep their own code.
    """
    if not child_codes:
        return column
    lengths = {len(code) for code in child_codes}
    if len(lengths) == 1:
        return func.substr(column, 1, lengths.pop())
    whens = [
        (column.startswith(code, autoescape=True), literal(code))
        for code in sorted(child_codes, key=len, reverse=True)
    ]
    return case(*whens, else_=column)
