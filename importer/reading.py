"""Reading an export into text records that remember where in the file they started.

Both readers return the same thing, `Records`: every field as text (nothing
is guessed: "06" stays "06", an empty field is missing), the line on which
each record starts, and the records that could not be read at all, with
their line and reason. From here on CSV and Open311 JSON are one pipeline.
"""
from __future__ import annotations

import json
import re
import warnings
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from importer.errors import ImporterError
from importer.report import Issue

# pandas' C parser reports a row with the wrong number of fields like this,
# numbering records (the header is 1), not physical lines.
_SKIPPED_RECORD = re.compile(r"Skipping line (\d+): (.+)")
_JSON_SEPARATORS = re.compile(r"[\s,]*")


class UnreadableFile(ImporterError, ValueError):
    """The file as a whole cannot be read (missing, wrong encoding, not JSON): nothing was imported."""


@dataclass(frozen=True)
class Records:
    frame: pd.DataFrame  # one row per record, every column text (pandas "string"), <NA> when empty
    lines: np.ndarray  # the line each row of `frame` starts on
    unreadable: list[Issue]


def read_csv(path: Path, columns: list[str], encoding: str, delimiter: str) -> Records:
    """The `columns` of a CSV file (the header must have them all)."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", pd.errors.ParserWarning)
        try:
            frame = pd.read_csv(
                path,
                dtype=str,
                sep=delimiter,
                encoding=encoding,
                # Only an empty field is missing: "NA" or "null" may be a real value.
                keep_default_na=False,
                na_values=[""],
                # A blank line is a record too (rejected later), so record numbers stay true.
                skip_blank_lines=False,
                on_bad_lines="warn",
            )
        except (OSError, UnicodeDecodeError, pd.errors.ParserError, pd.errors.EmptyDataError) as error:
            raise UnreadableFile(f"{path}: {error}") from None
    absent = [c for c in columns if c not in frame.columns]
    if absent:
        raise UnreadableFile(f"{path}: no column {', '.join(absent)} (the header has {', '.join(frame.columns)})")
    skipped = [
        (int(m.group(1)), m.group(2).strip())
        for w in caught
        for m in _SKIPPED_RECORD.finditer(str(w.message))
    ]
    lines, skipped_lines = _csv_lines(frame, [record for record, _ in skipped])
    frame = _text(frame[columns])
    unreadable = [Issue(line, reason) for line, (_, reason) in zip(skipped_lines, skipped)]
    return Records(frame, lines, unreadable)


def _csv_lines(frame: pd.DataFrame, skipped_records: list[int]) -> tuple[np.ndarray, list[int]]:
    """The physical line of each kept record and of each skipped one.

    Records are numbered from the header (1); a record's line is its number
    plus the line breaks inside quoted fields of the records before it.
    Skipped records are taken to hold none (pandas does not return them).
    """
    count = len(frame) + len(skipped_records)
    numbers = np.arange(2, count + 2)
    kept = numbers[~np.isin(numbers, skipped_records)]
    # Every column counts, the ones the mapping does not read too.
    breaks = frame.apply(lambda column: column.str.count("\n")).fillna(0).sum(axis=1).to_numpy(dtype=np.int64)
    breaks_before = np.concatenate([[0], np.cumsum(breaks)])
    lines = kept + breaks_before[:-1]
    before_skipped = np.searchsorted(kept, skipped_records)
    return lines, [int(r + breaks_before[i]) for r, i in zip(skipped_records, before_skipped)]


def read_open311(path: Path, columns: list[str]) -> Records:
    """The `columns` of an Open311 GeoReport v2 `GET requests.json` answer (a JSON array of request objects).

    Open311 leaves most fields optional, so a field no request carries is
    simply missing, not an error.
    """
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as error:
        raise UnreadableFile(f"{path}: {error}") from None
    values, starts = _json_array(text, path)
    newlines = np.array([m.start() for m in re.finditer("\n", text)], dtype=np.int64)
    lines = np.searchsorted(newlines, np.array(starts, dtype=np.int64)) + 1
    is_object = np.array([isinstance(v, dict) for v in values], dtype=bool)
    unreadable = [
        Issue(int(line), f"a JSON {type(value).__name__}, not a service request object")
        for value, line, ok in zip(values, lines, is_object)
        if not ok
    ]
    objects = [v for v, ok in zip(values, is_object) if ok]
    frame = pd.DataFrame.from_records(objects) if objects else pd.DataFrame(index=range(0))
    frame = _text(frame.reindex(columns=columns))
    return Records(frame, lines[is_object], unreadable)


def _json_array(text: str, path: Path) -> tuple[list, list[int]]:
    """The elements of the top-level array and the character offset where each starts.

    Decoded one element at a time (rather than json.loads) only to know where
    each starts, so a rejected request can be reported by its line.
    """
    decoder = json.JSONDecoder()
    position = _JSON_SEPARATORS.match(text).end()
    if text[position : position + 1] != "[":
        raise UnreadableFile(f"{path}: not an Open311 request list (a JSON array of objects)")
    position += 1
    values, starts = [], []
    while True:
        position = _JSON_SEPARATORS.match(text, position).end()
        if text[position : position + 1] == "]":
            return values, starts
        try:
            value, end = decoder.raw_decode(text, position)
        except json.JSONDecodeError as error:
            raise UnreadableFile(f"{path}: not valid JSON at line {error.lineno}: {error.msg}") from None
        values.append(value)
        starts.append(position)
        position = end


def _text(frame: pd.DataFrame) -> pd.DataFrame:
    """Every field as stripped text; empty (or JSON null) is missing."""
    text = frame.astype("string").apply(lambda column: column.str.strip())
    return text.mask(text == "")
