"""Export records to contract tickets: typed, mapped to the contract's words, checked against its lifecycle.

Every check is a whole-column operation that yields a reason per failing
row; a row with any reason is rejected with all of them, and the rest go on.
The lifecycle rules are the contract's, not the export's: a closed ticket
must have a closing time, and only a closed ticket keeps one, because the
indicators count as closed whatever has a closed_at (SCHEMA.md "closed").
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import reduce

import numpy as np
import pandas as pd
from sqlalchemy import Boolean, DateTime, Float, Integer

from data_access import contract
from importer import values
from importer.mapping import Mapping

# Lifecycle moments that cannot come before the report (due_at may: a deadline set in advance).
_AFTER_REPORT = ("accepted_at", "dispatched_at", "handled_at", "closed_at")
_LATITUDE, _LONGITUDE = 90.0, 180.0
_TITLE_CUT = "…"
# Fields whose export words are translated through the mapping, not read as they are.
_MAPPED = ("status", "source")
_SOURCE_LENGTH = contract.ticket.c.source.type.length


@dataclass
class Tickets:
    frame: pd.DataFrame  # contract ticket columns but area_code, one row per imported record (index: record)
    rejected: pd.Series  # every reason of each rejected record, "; "-joined (index: record)
    notes: pd.Series  # what was left out of an imported record (index: record)
    categories: pd.DataFrame  # contract category rows
    departments: pd.DataFrame  # contract department rows
    sources_kept_as_is: dict[str, int]


class _Checks:
    """Reasons collected per row, each a text Series that is <NA> where the row passed."""

    def __init__(self, index: pd.Index):
        self.index = index
        self.reasons: list[pd.Series] = []

    def add(self, failing: pd.Series, reason) -> None:
        if failing.any():
            text = reason if isinstance(reason, pd.Series) else pd.Series(reason, index=self.index, dtype="string")
            self.reasons.append(text.where(failing.fillna(False).astype(bool)))

    def joined(self) -> pd.Series:
        if not self.reasons:
            return pd.Series(dtype="string")
        stacked = pd.concat(self.reasons, axis=1, ignore_index=True).stack().dropna()
        return stacked.groupby(level=0).agg("; ".join).astype("string")


def build_tickets(records: pd.DataFrame, lines: np.ndarray, mapping: Mapping) -> Tickets:
    """Tickets from `records` (text, as read); `lines` say where each record starts, for duplicate reasons."""
    text = {field: _first_present(records, columns) for field, columns in mapping.columns.items()}
    labels = {field: "/".join(columns) for field, columns in mapping.columns.items()}
    exported_source = text.get("source", _missing(records.index))
    for field, value in mapping.defaults.items():
        text[field] = text.get(field, _missing(records.index)).fillna(value)
        labels.setdefault(field, field)
    rejections, notes = _Checks(records.index), _Checks(records.index)
    for field in ("ticket_id", "reported_at", "status", "source"):
        rejections.add(text[field].isna(), f"no {labels[field]}")

    ticket = pd.DataFrame(index=records.index)
    for field, raw in text.items():
        if field in contract.ticket.c and field not in _MAPPED:
            ticket[field] = _typed(field, raw, labels[field], mapping, rejections, notes)
    _check_ranges(ticket, text, labels, rejections)
    # A status that is already a contract word needs no mapping line.
    ticket["status"] = text["status"].map({**{s: s for s in contract.TICKET_STATUSES}, **mapping.status}).astype("string")
    rejections.add(
        text["status"].notna() & ticket["status"].isna(),
        labels["status"] + " '" + text["status"] + "' is not in the mapping's [status]",
    )
    # SCHEMA.md allows sources outside its list: one the mapping does not translate is kept as it is.
    ticket["source"] = text["source"].map(mapping.source).astype("string").fillna(text["source"])
    rejections.add(ticket["source"].str.len() > _SOURCE_LENGTH, f"{labels['source']} is longer than {_SOURCE_LENGTH} characters")
    _check_lifecycle(ticket, text, labels, rejections, notes)
    categories, departments = _reference_tables(ticket, text, mapping)
    _reject_duplicates(ticket, labels["ticket_id"], lines, rejections)

    reasons = rejections.joined()
    imported = ~records.index.isin(reasons.index)
    unmapped = exported_source.notna() & ~exported_source.isin([*mapping.source, *contract.TICKET_SOURCES])
    return Tickets(
        frame=ticket[imported],
        rejected=reasons,
        notes=notes.joined().reindex(records.index[imported]).dropna(),
        categories=categories,
        departments=departments,
        sources_kept_as_is=exported_source[imported & unmapped].value_counts().to_dict(),
    )


def _missing(index: pd.Index) -> pd.Series:
    return pd.Series(pd.NA, index=index, dtype="string")


def _first_present(records: pd.DataFrame, columns: tuple[str, ...]) -> pd.Series:
    """The first non-empty of `columns` in each row (a fallback chain such as closeddate, then updateddate)."""
    return reduce(lambda first, column: first.fillna(records[column]), columns[1:], records[columns[0]]).astype("string")


def _typed(field: str, raw: pd.Series, label: str, mapping: Mapping, rejections: _Checks, notes: _Checks) -> pd.Series:
    """`raw` read as the contract column `field`'s type; unreadable fields become reasons."""
    column = contract.ticket.c[field]
    kind = column.type
    quoted = label + " '" + raw.str.slice(0, 40) + "'"
    if isinstance(kind, DateTime):
        parsed, bad = values.timestamps(raw, mapping.timestamp_format, mapping.written_in, mapping.timezone)
        rejections.add(bad, quoted + f" is not a timestamp like {mapping.timestamp_format}")
        return parsed
    if isinstance(kind, Boolean):
        parsed, bad = values.booleans(raw)
        rejections.add(bad, quoted + " is not yes/no")
        return parsed
    if isinstance(kind, Integer):
        parsed, bad = values.integers(raw)
        rejections.add(bad, quoted + " is not a whole number")
        return parsed
    if isinstance(kind, Float):
        parsed, bad = values.numbers(raw)
        rejections.add(bad, quoted + " is not a number")
        return parsed
    limit = kind.length
    too_long = raw.str.len() > limit
    if field == "title":
        # A title is for reading; its first 256 characters say what it is.
        notes.add(too_long, f"{label} cut to {limit} characters")
        return raw.where(~too_long, raw.str.slice(0, limit - 1) + _TITLE_CUT)
    rejections.add(too_long, f"{label} is longer than the contract's {limit} characters")
    return raw


def _check_ranges(ticket: pd.DataFrame, text: dict, labels: dict, rejections: _Checks) -> None:
    """Values of the right type that still cannot be true."""

    def quoted(field: str) -> pd.Series:
        return labels[field] + " '" + text[field] + "'"

    if "lat" in ticket:
        rejections.add(ticket["lat"].abs() > _LATITUDE, quoted("lat") + " is not a latitude (-90 to 90)")
    if "lon" in ticket:
        rejections.add(ticket["lon"].abs() > _LONGITUDE, quoted("lon") + " is not a longitude (-180 to 180)")
    if "lat" in text or "lon" in text:
        nothing = _missing(ticket.index)
        one_of_two = text.get("lat", nothing).isna() != text.get("lon", nothing).isna()
        rejections.add(one_of_two, "a point needs both latitude and longitude")
    if "satisfaction" in ticket:
        rejections.add(ticket["satisfaction"].notna() & ~ticket["satisfaction"].isin([1, 2, 3]),
                       quoted("satisfaction") + " is not 1, 2 or 3")
    if "supervision" in ticket:
        rejections.add(ticket["supervision"].notna() & ~ticket["supervision"].isin(contract.SUPERVISIONS),
                       quoted("supervision") + " is not supervised (督办) or leader (领导关注)")
    if "rework_count" in ticket:
        rejections.add(ticket["rework_count"] < 0, quoted("rework_count") + " is negative")


def _check_lifecycle(ticket: pd.DataFrame, text: dict, labels: dict, rejections: _Checks, notes: _Checks) -> None:
    closed = ticket["status"] == "closed"
    closed_at = ticket.get("closed_at", pd.Series(pd.NaT, index=ticket.index, dtype="datetime64[s]"))
    rejections.add(
        closed & closed_at.isna() & text.get("closed_at", closed_at).isna(),
        labels["status"] + " '" + text["status"] + f"' means closed, but {labels.get('closed_at', 'no column')} gives no closing time",
    )
    if "closed_at" in ticket:
        ignored = closed_at.notna() & ~closed & ticket["status"].notna()
        notes.add(ignored, f"closing time ({labels['closed_at']}) left out: status '" + text["status"] + "' is not closed")
        ticket["closed_at"] = closed_at.where(closed)
    for field in _AFTER_REPORT:
        if field in ticket:
            before = ticket[field] < ticket["reported_at"]
            rejections.add(before, f"{labels[field]} is before {labels['reported_at']}")


def _reference_tables(ticket: pd.DataFrame, text: dict, mapping: Mapping) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The category and department tables, from the names the export uses; their codes go on `ticket`."""
    categories = pd.DataFrame(columns=list(contract.category.c.keys()))
    departments = pd.DataFrame(columns=list(contract.department.c.keys()))
    if "category" in text:
        ticket["category_code"] = values.codes_for(text["category"])
        names = text.get("category_name", text["category"]).fillna(text["category"])
        # Categories come as one level, the major classes (大类).
        categories = _named_codes(ticket["category_code"], names, "category_code").assign(
            parent_code=None, level=1, sla_hours=np.nan
        )[categories.columns]
    if "dept" in text:
        ticket["dept_code"] = values.codes_for(text["dept"])
        names = text["dept"].map(mapping.department_names).astype("string").fillna(text["dept"])
        departments = _named_codes(ticket["dept_code"], names, "dept_code")
    return categories, departments


def _named_codes(codes: pd.Series, names: pd.Series, code_column: str) -> pd.DataFrame:
    """One row per code, named by the first name seen with it."""
    pairs = pd.DataFrame({code_column: codes, "name": names}).dropna()
    return pairs.drop_duplicates(code_column).sort_values(code_column, ignore_index=True)


def _reject_duplicates(ticket: pd.DataFrame, label: str, lines: np.ndarray, rejections: _Checks) -> None:
    """Reject every copy of an id after the first good one.

    Judged among the rows that are otherwise good, so a broken first copy
    does not take a good second one down with it.
    """
    good = ~ticket.index.isin(rejections.joined().index)
    ids = ticket["ticket_id"].where(good)
    first_line = pd.Series(lines, index=ticket.index).groupby(ids).transform("first").astype("Int64")
    rejections.add(
        ids.notna() & ids.duplicated(keep="first"),
        label + " '" + ids + "' already imported from line " + first_line.astype("string"),
    )
