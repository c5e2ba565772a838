"""Cached answers as data: a declared JSON codec, so what is read back from a cache can never run code.

Pickle rebuilds whatever object its bytes name, so anyone able to write to a
shared cache could run code on every server reading it. This codec writes
plain JSON and rebuilds only what it declares: JSON's own values, lists,
tagged dicts, tuples, dates and times, Decimals, DataFrames (columns with
their dtypes) and the few answer records listed in `_RECORDS`. Anything else
is refused with `CodecError`, on the way in and on the way out.

An encoded value is JSON where every object is a tag `{"$": kind, ...}`;
plain JSON objects never occur, so no data can pass for a tag.
"""
from __future__ import annotations

import dataclasses
import importlib
import json
from datetime import date, datetime
from decimal import Decimal
from typing import Any

import numpy as np
import pandas as pd

# Marks bytes this codec wrote (and its version): anything else is not a cached answer.
_MAGIC = b"onescreen-json-1\n"

# The answer records the query functions return, by import path. Only these are ever constructed
# from cached data, and only from their fields. Named, not imported, since they import the cache.
_RECORDS = frozenset({
    "data_access.areas.Area",
    "data_access.funds.ExpenseList",
    "data_access.ticket_lists.TicketList",
})

# Column dtypes stored as their plain values (missing as null) and rebuilt by dtype name.
_VALUE_DTYPES = frozenset({"int64", "int32", "float64", "bool", "Int64", "Int32", "Float64", "boolean"})


class CodecError(ValueError):
    """A value the codec does not declare, or bytes it did not write."""


def dumps(value: Any) -> bytes:
    return _MAGIC + json.dumps(_encode(value), ensure_ascii=False, separators=(",", ":")).encode()


def loads(data: bytes) -> Any:
    if not isinstance(data, bytes) or not data.startswith(_MAGIC):
        raise CodecError("not written by this codec")
    try:
        return _decode(json.loads(data[len(_MAGIC):]))
    except CodecError:
        raise
    except (ValueError, TypeError, KeyError, IndexError, AttributeError) as error:
        raise CodecError(f"malformed entry: {error}") from error


def _name(cls: type) -> str:
    return f"{cls.__module__}.{cls.__qualname__}"


def _encode(value: Any) -> Any:
    # bool before int (bool is an int); numpy scalars as Python ones, as pandas hands both out.
    if value is None or isinstance(value, (bool, str)) or type(value) in (int, float):
        return value
    if isinstance(value, np.generic) and type(value.item()) in (bool, int, float):
        return value.item()
    if isinstance(value, list):
        return [_encode(v) for v in value]
    if isinstance(value, pd.DataFrame):
        return _encode_frame(value)
    if _name(type(value)) in _RECORDS:
        fields = value._asdict() if isinstance(value, tuple) else {f.name: getattr(value, f.name)
                                                                   for f in dataclasses.fields(value)}
        return {"$": "record", "type": _name(type(value)), "v": {k: _encode(v) for k, v in fields.items()}}
    if type(value) is tuple:
        return {"$": "tuple", "v": [_encode(v) for v in value]}
    if type(value) is dict:
        return {"$": "dict", "v": [[_encode(k), _encode(v)] for k, v in value.items()]}
    if type(value) is pd.Timestamp:
        return {"$": "timestamp", "v": value.isoformat()}
    if value is pd.NaT:
        return {"$": "nat"}
    if type(value) is datetime:
        return {"$": "datetime", "v": value.isoformat()}
    if type(value) is date:
        return {"$": "date", "v": value.isoformat()}
    if type(value) is Decimal:
        return {"$": "decimal", "v": str(value)}
    raise CodecError(f"cannot cache a {_name(type(value))}")


def _encode_frame(frame: pd.DataFrame) -> dict:
    if not isinstance(frame.index, pd.RangeIndex):
        raise CodecError("only frames with a plain row number index are cached")
    columns = [_encode_column(frame.iloc[:, i]) for i in range(frame.shape[1])]
    index = frame.index
    if str(frame.columns.dtype) not in ("object", "str"):
        raise CodecError("only frames with named columns are cached")
    return {"$": "frame", "columns": [_encode(c) for c in frame.columns], "names": str(frame.columns.dtype),
            "index": [index.start, index.stop, index.step], "data": columns}


def _encode_column(column: pd.Series) -> dict:
    dtype = column.dtype
    if dtype.kind == "M" and isinstance(dtype, np.dtype):
        # Naive datetimes as integers in their own unit: exact, and NaT is its own integer.
        return {"dtype": str(dtype), "v": column.to_numpy().view("int64").tolist()}
    if str(dtype) in _VALUE_DTYPES:
        values = column.to_numpy(dtype=object, na_value=None) if isinstance(dtype, pd.api.extensions.ExtensionDtype) \
            else column.to_numpy()
        return {"dtype": str(dtype), "v": [_encode(v) for v in values.tolist()]}
    if dtype == object or str(dtype) == "str":
        return {"dtype": str(dtype), "v": [_encode(v) for v in column.tolist()]}
    raise CodecError(f"cannot cache a column of {dtype}")


def _decode(value: Any) -> Any:
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    if isinstance(value, list):
        return [_decode(v) for v in value]
    kind = value["$"]
    if kind == "dict":
        return {_hashable(_decode(k)): _decode(v) for k, v in value["v"]}
    if kind == "tuple":
        return tuple(_decode(v) for v in value["v"])
    if kind == "frame":
        return _decode_frame(value)
    if kind == "record":
        return _record_type(value["type"])(**{k: _decode(v) for k, v in value["v"].items()})
    if kind == "datetime":
        return datetime.fromisoformat(value["v"])
    if kind == "date":
        return date.fromisoformat(value["v"])
    if kind == "timestamp":
        return pd.Timestamp(value["v"])
    if kind == "nat":
        return pd.NaT
    if kind == "decimal":
        return Decimal(value["v"])
    raise CodecError(f"unknown tag {kind!r}")


def _hashable(key: Any) -> Any:
    if isinstance(key, list):
        raise CodecError("a list cannot be a dict key")
    return key


def _record_type(name: str) -> type:
    if name not in _RECORDS:
        raise CodecError(f"{name!r} is not a declared answer record")
    module, _, cls = name.rpartition(".")
    return getattr(importlib.import_module(module), cls)


def _decode_frame(value: dict) -> pd.DataFrame:
    start, stop, step = (int(n) for n in value["index"])
    index = pd.RangeIndex(start, stop, step)
    columns = [_decode(c) for c in value["columns"]]
    data = [_decode_column(column, index) for column in value["data"]]
    if len(columns) != len(data):
        raise CodecError("column names and columns differ in number")
    frame = pd.concat(data, axis=1, ignore_index=True) if data else pd.DataFrame(index=index)
    names = value["names"]
    if names not in ("object", "str"):
        raise CodecError(f"unknown column names dtype {names!r}")
    frame.columns = pd.Index(columns, dtype=names)
    return frame


def _decode_column(column: dict, index: pd.RangeIndex) -> pd.Series:
    dtype, values = column["dtype"], column["v"]
    if len(values) != len(index):
        raise CodecError("a column's length differs from the frame's")
    if dtype.startswith("datetime64[") and dtype[11:-1] in ("s", "ms", "us", "ns"):
        return pd.Series(np.array(values, dtype="int64").view(dtype), index=index)
    if dtype in _VALUE_DTYPES:
        return pd.Series(pd.array(values, dtype=dtype), index=index)
    if dtype in ("object", "str"):
        decoded = np.empty(len(values), dtype=object)
        decoded[:] = [_decode(v) for v in values]
        return pd.Series(decoded, index=index, dtype=dtype)
    raise CodecError(f"unknown column dtype {dtype!r}")
