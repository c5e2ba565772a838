"""One import, from records read to rows stored: tickets, then areas, then the database, then the report.

CSV and Open311 differ only in how records are read (importer.reading);
everything after is this one pipeline, so both formats obey the same rules.
"""
from __future__ import annotations

import numpy as np
import pandas as pd
from sqlalchemy.engine import make_url

from importer.areas import place_tickets
from importer.mapping import Mapping
from importer.reading import Records
from importer.report import ImportReport, Issue
from importer.store import store
from importer.tickets import build_tickets


def import_records(records: Records, mapping: Mapping, url: str, *, source: str, replace: bool = False) -> ImportReport:
    """Write `records` into the contract database at `url` as `mapping` says; return what happened to each row."""
    tickets = build_tickets(records.frame, records.lines, mapping)
    imported = tickets.frame
    missing = pd.Series(np.nan, index=imported.index)
    area_columns = [c for level in mapping.areas.levels for c in (level.column, level.name_column) if c]
    line = pd.Series(records.lines, index=records.frame.index)
    placement = place_tickets(
        mapping.areas,
        records.frame.loc[imported.index, area_columns],
        imported.get("lon", missing),
        imported.get("lat", missing),
        line[imported.index],
    )
    imported = imported.assign(area_code=placement.area_code)
    store(
        url,
        {
            "area": placement.areas,
            "department": tickets.departments,
            "category": tickets.categories,
            "ticket": imported,
        },
        replace=replace,
    )
    notes = pd.concat([tickets.notes, placement.notes]).groupby(level=0).agg("; ".join)
    return ImportReport(
        source=source,
        target=make_url(url).render_as_string(hide_password=True),
        read=len(records.frame) + len(records.unreadable),
        imported=len(imported),
        rejected=records.unreadable + _issues(tickets.rejected, line),
        notes=_issues(notes, line),
        areas=placement.built,
        placed=placement.placed,
        kept_as_is=tickets.sources_kept_as_is,
    )


def _issues(reasons: pd.Series, line: pd.Series) -> list[Issue]:
    return [Issue(int(n), str(reason)) for n, reason in zip(line[reasons.index], reasons)]
