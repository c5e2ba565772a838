"""Reading typed values out of export text, a whole column at a time.

Each reader takes a column of text (missing = <NA>) and returns the values
and a mask of the fields that were there but could not be read. The rule is
the same for every type: an empty field is missing (NULL, if the contract
allows it), a field that is present but unreadable rejects its row, because
guessing would put a wrong number on a screen.
"""
from __future__ import annotations

import hashlib
import re

import numpy as np
import pandas as pd

# A timestamp that names its own offset ("...T09:59:00-08:00", "...Z") is
# converted to the city's zone; one that does not is in the export's zone.
_OFFSET = r"\d:\d\d(?::\d\d(?:\.\d+)?)?(?:Z|[+-]\d\d:?\d\d)$"
_TRUE = ("1", "true", "t", "yes", "y", "是")
_FALSE = ("0", "false", "f", "no", "n", "否")
# What a code may hold (data_access.scope accepts exactly these in URLs).
_NOT_CODE = re.compile(r"[^A-Za-z0-9_.\-]+")
_CODE_LENGTH = 32  # the contract's VARCHAR(32) codes


def timestamps(text: pd.Series, fmt: str, written_in: str, city_zone: str) -> tuple[pd.Series, pd.Series]:
    """Naive timestamps in the city's local time (the contract's), to the second."""
    zoned = text.str.contains(_OFFSET, regex=True, na=False)
    moments = pd.Series(pd.NaT, index=text.index, dtype="datetime64[s]")
    if zoned.any():
        utc = pd.to_datetime(text[zoned], format=fmt, utc=True, errors="coerce")
        moments[zoned] = utc.dt.tz_convert(city_zone).dt.tz_localize(None).astype("datetime64[s]")
    plain = text.notna() & ~zoned
    if plain.any():
        local = pd.to_datetime(text[plain], format=fmt, errors="coerce")
        if written_in != city_zone:
            # A wall-clock time that does not exist, or exists twice, in the
            # export's zone (daylight saving) cannot be placed: it is rejected.
            local = (
                local.dt.tz_localize(written_in, ambiguous="NaT", nonexistent="NaT")
                .dt.tz_convert(city_zone)
                .dt.tz_localize(None)
            )
        moments[plain] = local.astype("datetime64[s]")
    return moments, text.notna() & moments.isna()


def numbers(text: pd.Series) -> tuple[pd.Series, pd.Series]:
    values = pd.to_numeric(text, errors="coerce").astype(float)
    bad = text.notna() & (values.isna() | ~np.isfinite(values.fillna(0)))
    return values.where(~bad), bad


def integers(text: pd.Series) -> tuple[pd.Series, pd.Series]:
    values, bad = numbers(text)
    bad |= values.notna() & (values % 1 != 0)
    return values.where(~bad), bad


def booleans(text: pd.Series) -> tuple[pd.Series, pd.Series]:
    """1.0 for yes, 0.0 for no, NaN for unknown: numbers, so that unknown survives the trip to the database."""
    values = text.str.lower().map({**dict.fromkeys(_TRUE, 1.0), **dict.fromkeys(_FALSE, 0.0)}).astype(float)
    return values, text.notna() & values.isna()


def codes_for(names: pd.Series) -> pd.Series:
    """A code for each name (a category or department as the export spells it), stable across imports.

    The name itself where it already is one ("BOS", "GEN_"), else its ASCII
    letters and digits joined by "_" ("Bulky Items" -> "Bulky_Items"), so a URL
    stays readable. A name in other characters (市容环境), or two names that
    would share a code, get "x" + a hash of the name instead: a code depends
    on its name alone, so links stay valid from one import to the next.
    """
    distinct = pd.Series(names.dropna().unique())
    readable = distinct.map(_readable)
    usable = distinct.map(str.isascii) & (readable != "") & ~readable.duplicated(keep=False)
    hashed = distinct.map(lambda name: "x" + hashlib.sha1(name.encode()).hexdigest()[:12])
    code_of = dict(zip(distinct, readable.where(usable, hashed)))
    return names.map(code_of)


def _readable(name: str) -> str:
    if len(name) <= _CODE_LENGTH and not _NOT_CODE.search(name):
        return name
    return _NOT_CODE.sub("_", name).strip("_")[:_CODE_LENGTH]
