"""`python -m data_access.check URL`: does this database fit the contract?

For an integrator connecting a city's database: lists, table by table, what
the contract needs and the database lacks (OneScreen cannot run), what it
lacks but may (pages show "n/a" there), and whether the ticket indexes the
queries rely on exist. Exits 0 when the database is usable (area and ticket present, and no table
present lacks a required column), 1 otherwise, 2 when it cannot be read.
It connects read-only, like the dashboard.
"""
from __future__ import annotations

import argparse
import sys
from dataclasses import dataclass, field

from sqlalchemy import inspect
from sqlalchemy.engine import make_url

from data_access import contract
from data_access.engine import read_only_engine


@dataclass
class TableReport:
    name: str
    exists: bool
    missing_required: list[str] = field(default_factory=list)
    missing_optional: list[str] = field(default_factory=list)


@dataclass
class ContractReport:
    tables: list[TableReport]
    missing_indexes: list[str]

    @property
    def fits(self) -> bool:
        return all((t.exists or t.name in contract.OPTIONAL_TABLES) and not t.missing_required for t in self.tables)

    @property
    def usable(self) -> bool:
        """Tickets and areas are the product's core; other tables only feed their own views."""
        present = {t.name for t in self.tables if t.exists}
        complete = all(not t.missing_required for t in self.tables if t.exists)
        return complete and {"ticket", "area"} <= present


def check_contract(url: str) -> ContractReport:
    engine = read_only_engine(url, statement_timeout_s=30)
    try:
        inspector = inspect(engine)
        existing = {n.lower(): n for n in inspector.get_table_names() + inspector.get_view_names()}
        reports = []
        for name, table in contract.metadata.tables.items():
            actual = existing.get(name)
            have = {c["name"].lower() for c in inspector.get_columns(actual)} if actual else set()
            optional = contract.OPTIONAL[name]
            absent = [c for c in table.c.keys() if c not in have]
            reports.append(
                TableReport(
                    name=name,
                    exists=actual is not None,
                    missing_required=[c for c in absent if c not in optional],
                    missing_optional=[c for c in absent if c in optional],
                )
            )
        missing_indexes = _missing_ticket_indexes(inspector, existing.get("ticket"))
    finally:
        engine.dispose()
    return ContractReport(reports, missing_indexes)


def _missing_ticket_indexes(inspector, ticket_table: str | None) -> list[str]:
    """Contract ticket indexes whose leading columns no index of the table starts with.

    On views (the usual integration) the database cannot report indexes;
    they must then exist on the tables behind the views, so all are listed
    as "not seen" for the integrator to verify.
    """
    if ticket_table is None:
        return []
    try:
        found = [tuple(c.lower() for c in ix["column_names"] if c) for ix in inspector.get_indexes(ticket_table)]
        found += [tuple(c.lower() for c in inspector.get_pk_constraint(ticket_table)["constrained_columns"])]
    except Exception:  # views have no indexes to inspect on some dialects
        found = []
    missing = []
    for index in contract.TICKET_INDEXES:
        wanted = tuple(c.name for c in index.columns)[:2]
        if not any(f[: len(wanted)] == wanted for f in found):
            missing.append(f"{index.name} ({', '.join(c.name for c in index.columns)})")
    return missing


def render(report: ContractReport, url: str) -> str:
    lines = [f"OneScreen contract check (v1.1) for {url}", ""]
    for t in report.tables:
        if not t.exists and t.name in contract.OPTIONAL_TABLES:
            lines.append(f"optional  {t.name}: absent (a v1.1 table: its views will show no data)")
            continue
        if not t.exists:
            lines.append(f"MISSING   {t.name}: table or view not found (its pages will show no data)")
            continue
        if t.missing_required:
            lines.append(f"MISSING   {t.name}: required columns {', '.join(t.missing_required)}")
        if t.missing_optional:
            lines.append(f"optional  {t.name}: lacks {', '.join(t.missing_optional)} (shown as n/a)")
        if not t.missing_required and not t.missing_optional:
            lines.append(f"ok        {t.name}")
    if report.missing_indexes:
        lines.append("")
        lines.append("Indexes not seen on ticket (queries will be slow at city scale; see docs/integration.md):")
        lines += [f"  {ix}" for ix in report.missing_indexes]
    lines.append("")
    if report.fits:
        lines.append("RESULT: fits the contract.")
    elif report.usable:
        lines.append("RESULT: usable; the views of the missing tables will show no data.")
    else:
        lines.append("RESULT: does not fit: add the missing required tables or columns (as views, for example).")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m data_access.check", description=__doc__.splitlines()[0])
    parser.add_argument("url", help="SQLAlchemy URL, e.g. postgresql+psycopg://reader@db/city")
    args = parser.parse_args(argv)
    shown_url = make_url(args.url).render_as_string(hide_password=True)
    try:
        report = check_contract(args.url)
    except Exception as error:
        print(f"cannot read {shown_url}: {error}", file=sys.stderr)
        return 2
    print(render(report, shown_url))
    return 0 if report.usable else 1


if __name__ == "__main__":
    sys.exit(main())
