"""docs/contract.md and data_access/contract.py are the same contract: tables, columns, types, optional columns, indicators.

The page is what an integrator builds a database from; the module is what
OneScreen reads. Each table on the page is one markdown table under a
"### `name`" heading, one row per column: column | type (with PK) |
presence | notes. A table or column the code does not read yet is marked
"v1.1: not yet read by OneScreen" on the page itself, and must then really
be absent from the code: when the code starts reading it, the mark goes.
"""
from __future__ import annotations

import re
from pathlib import Path
from typing import NamedTuple

import pytest
from sqlalchemy import Boolean, Column, DateTime, Float, Integer, Numeric, SmallInteger, String, Text

from data_access import contract
from data_access.indicators import INDICATORS
from i18n import CATALOGUE

DOC = Path(__file__).resolve().parents[1] / "docs" / "contract.md"
NOT_YET = "v1.1: not yet read by OneScreen"
HEADING = re.compile(r"^### `(\w+)`(.*)$")


class DocColumn(NamedTuple):
    type: str
    primary_key: bool
    optional: bool
    read: bool  # False: marked as not yet read by OneScreen


class DocTable(NamedTuple):
    read: bool
    columns: dict[str, DocColumn]


def cells(line: str) -> list[str]:
    return [cell.strip() for cell in line.strip().strip("|").split("|")]


def documented_tables() -> dict[str, DocTable]:
    tables: dict[str, DocTable] = {}
    lines = DOC.read_text(encoding="utf-8").splitlines()
    for number, line in enumerate(lines):
        heading = HEADING.match(line)
        if not heading:
            continue
        name, rest = heading.groups()
        assert cells(lines[number + 1]) == ["column", "type", "presence", "notes"], name
        columns = {}
        for row in lines[number + 3:]:
            if not row.startswith("|"):
                break
            column, kind, presence, _ = cells(row)
            assert presence in ("required", "optional", f"optional, {NOT_YET}"), (name, column, presence)
            assert column not in columns, (name, column)
            columns[column] = DocColumn(
                type=kind.removesuffix(" PK"), primary_key=kind.endswith(" PK"),
                optional=presence != "required", read=NOT_YET not in presence,
            )
        tables[name] = DocTable(read=NOT_YET not in rest, columns=columns)
    return tables


def portable_type(column: Column) -> str:
    """The code's column type as the page writes it (portable SQL; FLOAT is double precision)."""
    kind = column.type  # a variant keeps its base type
    if isinstance(kind, String) and not isinstance(kind, Text):
        return f"VARCHAR({kind.length})"
    for base, name in ((Text, "TEXT"), (DateTime, "TIMESTAMP"), (Boolean, "BOOLEAN"), (SmallInteger, "SMALLINT"),
                       (Integer, "INTEGER"), (Float, "FLOAT")):
        if isinstance(kind, base):
            return name
    if isinstance(kind, Numeric):
        return f"NUMERIC({kind.precision},{kind.scale})"
    raise AssertionError(f"{column.table.name}.{column.name}: no portable name for {kind!r}")


DOCUMENTED = documented_tables()


def test_the_page_and_the_code_list_the_same_tables():
    read = {name for name, table in DOCUMENTED.items() if table.read}
    assert read == set(contract.metadata.tables)


@pytest.mark.parametrize("name", sorted(contract.metadata.tables))
def test_each_table_has_the_same_columns_types_keys_and_optional_columns(name):
    table, documented = contract.metadata.tables[name], DOCUMENTED[name].columns
    read = {column: doc for column, doc in documented.items() if doc.read}
    assert list(read) == [column.name for column in table.columns]
    for column in table.columns:
        doc = read[column.name]
        assert doc.type == portable_type(column), column.name
        assert doc.primary_key == column.primary_key, column.name
        assert doc.optional == (column.name in contract.OPTIONAL[name]), column.name


def test_what_the_page_marks_as_not_yet_read_is_really_absent_from_the_code_and_optional():
    marked_tables = [name for name, table in DOCUMENTED.items() if not table.read]
    marked_columns = [(name, column) for name, table in DOCUMENTED.items() if table.read
                      for column, doc in table.columns.items() if not doc.read]
    for name in marked_tables:
        assert name not in contract.metadata.tables, f"{name} is read now: remove the mark in docs/contract.md"
        assert all(doc.read for doc in DOCUMENTED[name].columns.values()), name  # a table is marked once, as a whole
    for name, column in marked_columns:
        assert column not in contract.metadata.tables[name].columns, f"{name}.{column} is read now: remove the mark"
        assert DOCUMENTED[name].columns[column].optional, (name, column)  # a column a database may lack


def documented_indicators() -> dict[str, str]:
    """`name` -> 名称 from the page's indicator table."""
    text = DOC.read_text(encoding="utf-8")
    table = text[text.index("| indicator | 名称 | definition |"):]
    rows = re.findall(r"^\| `(\w+)` \| ([^|]+) \|", table.split("\n\n")[0], re.M)
    return {name: label.strip() for name, label in rows}


def test_the_indicators_on_the_page_are_those_the_code_computes_and_explains_on_hover():
    documented = documented_indicators()
    assert list(documented) == list(INDICATORS)
    assert {key.removeprefix("definition.") for key in CATALOGUE if key.startswith("definition.")} == set(documented)
    assert {name: CATALOGUE[f"indicator.{name}"]["zh"] for name in INDICATORS} == documented
