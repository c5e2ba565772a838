"""A mapping file: how one export's columns and values become the contract's tickets and areas.

An export is never in the contract's shape: its columns have their own
names, its statuses and channels their own words, its timestamps their own
format and zone, and its areas are either code columns or points to be found
in boundary files. A mapping file (TOML, so that every decision can carry a
comment saying why) states all of that once; the importer holds no
knowledge of any particular city. `importer/mappings/la311.toml` is the
worked example, `importer/mappings/open311.toml` the template for Open311
GeoReport v2 exports.

Everything is validated here, before a single row is read, so a mistake in
the mapping stops the import with a message naming the key, and never shows
up later as thousands of rejected rows.
"""
from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from data_access import contract

# The ticket fields a mapping may fill: the contract's ticket columns, except
# that category and department are named by their value in the export (the
# importer makes codes of them) and the area is found by the [areas] section.
DERIVED_COLUMNS = ("category_code", "dept_code", "area_code")
TICKET_FIELDS = tuple(c for c in contract.ticket.c.keys() if c not in DERIVED_COLUMNS) + (
    "category",
    "category_name",
    "dept",
)
# Without these a row is not a ticket; `source` may instead come from [defaults].
REQUIRED_FIELDS = ("ticket_id", "reported_at", "status")
# The root's code starts every area code, and codes travel in URLs (data_access.scope).
AREA_CODE = re.compile(r"^[A-Za-z0-9_.\-]{1,32}$")


class MappingError(ValueError):
    """The mapping file cannot be used; the message names the key and says why."""


@dataclass(frozen=True)
class AreaLevel:
    """One level below the root: where its units come from and how their codes are made.

    Units come from a boundary file (one GeoJSON feature each, found by
    point-in-polygon) and/or from a code column of the export. With both,
    the export's own code wins and the point is the fallback. A unit's code
    is its parent's code followed by its id zero-padded to `digits`.
    """

    level: str
    digits: int
    column: str | None
    boundaries: Path | None
    id_property: str | None
    name: str
    name_column: str | None


@dataclass(frozen=True)
class AreaTree:
    """The root area (the whole city) and the levels below it, top first."""

    code: str
    name: str
    level: str
    levels: tuple[AreaLevel, ...]


@dataclass(frozen=True)
class Mapping:
    """A whole mapping file, validated; paths resolved."""

    file: Path | None
    encoding: str
    delimiter: str
    timestamp_format: str
    timezone: str
    written_in: str
    columns: dict[str, tuple[str, ...]]
    defaults: dict[str, str]
    status: dict[str, str]
    source: dict[str, str]
    department_names: dict[str, str]
    areas: AreaTree

    def source_columns(self) -> list[str]:
        """Every export column the mapping reads (the file must have them all)."""
        named = [c for columns in self.columns.values() for c in columns]
        named += [c for level in self.areas.levels for c in (level.column, level.name_column) if c]
        return list(dict.fromkeys(named))


def load_mapping(path: str | Path) -> Mapping:
    """Read and validate a mapping file; relative paths in it are relative to the file."""
    path = Path(path).resolve()
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as error:
        raise MappingError(f"{path}: {error}") from None
    return _mapping(raw, path)


def _mapping(raw: dict, path: Path) -> Mapping:
    _only(raw, "", {"file", "encoding", "delimiter", "timestamps", "columns", "defaults", "status", "source",
                    "departments", "areas"})
    timestamps = _table(raw, "timestamps")
    _only(timestamps, "timestamps.", {"format", "timezone", "written_in"})
    timezone = _zone(timestamps, "timezone", required=True)
    columns = {field: _column_list(field, value) for field, value in _table(raw, "columns").items()}
    defaults = {field: str(value) for field, value in _table(raw, "defaults").items()}
    for section, fields in (("columns", columns), ("defaults", defaults)):
        for field in fields:
            if field not in TICKET_FIELDS:
                raise MappingError(f"{section}.{field}: not a ticket field; use one of {', '.join(TICKET_FIELDS)}")
    missing = [f for f in REQUIRED_FIELDS if f not in columns]
    if missing:
        raise MappingError(f"columns: {', '.join(missing)} must be mapped")
    if "source" not in columns and "source" not in defaults:
        raise MappingError("columns.source: map a column, or give defaults.source for every row")
    status = {str(k): str(v) for k, v in _table(raw, "status").items()}
    unknown = sorted(set(status.values()) - set(contract.TICKET_STATUSES))
    if unknown:
        raise MappingError(f"status: {', '.join(unknown)} are not contract statuses ({', '.join(contract.TICKET_STATUSES)})")
    file = raw.get("file")
    return Mapping(
        file=(path.parent / file).resolve() if file else None,
        encoding=str(raw.get("encoding", "utf-8")),
        delimiter=str(raw.get("delimiter", ",")),
        # pandas' "ISO8601" also reads offsets (Open311's 2020-01-03T09:59:00-08:00).
        timestamp_format=str(timestamps.get("format", "ISO8601")),
        timezone=timezone,
        written_in=_zone(timestamps, "written_in", required=False) or timezone,
        columns=columns,
        defaults=defaults,
        status=status,
        source={str(k): str(v) for k, v in _table(raw, "source").items()},
        department_names={str(k): str(v) for k, v in _table(raw, "departments").items()},
        areas=_area_tree(_table(raw, "areas"), path.parent),
    )


def _area_tree(raw: dict, base: Path) -> AreaTree:
    _only(raw, "areas.", {"code", "name", "level", "levels"})
    code, name = str(raw.get("code", "")), str(raw.get("name", ""))
    if not AREA_CODE.match(code) or not name:
        raise MappingError("areas: give the root's code (letters, digits; at most 32) and name")
    level = _level("areas.level", raw.get("level", "city"))
    levels, above = [], level
    for i, item in enumerate(raw.get("levels", [])):
        where = f"areas.levels[{i}]"
        _only(item, where + ".", {"level", "digits", "column", "boundaries", "id_property", "name", "name_column"})
        this = _level(f"{where}.level", item.get("level"))
        if contract.AREA_LEVELS.index(this) <= contract.AREA_LEVELS.index(above):
            raise MappingError(f"{where}.level: {this} must lie below {above} (contract order: {', '.join(contract.AREA_LEVELS)})")
        boundaries = item.get("boundaries")
        if not boundaries and not item.get("column"):
            raise MappingError(f"{where}: give boundaries (a GeoJSON file), a code column, or both")
        if boundaries and not item.get("id_property"):
            raise MappingError(f"{where}.id_property: name the feature property that holds each unit's id")
        # Parents are found by overlapping shapes; a shape cannot overlap a unit that has none.
        if boundaries and levels and levels[-1].boundaries is None:
            raise MappingError(f"{where}: a level with boundaries needs boundaries on the level above")
        digits = item.get("digits")
        if not isinstance(digits, int) or not 1 <= digits <= 12:
            raise MappingError(f"{where}.digits: how many characters each unit adds to the code (1-12)")
        levels.append(
            AreaLevel(
                level=this,
                digits=digits,
                column=item.get("column"),
                boundaries=(base / boundaries).resolve() if boundaries else None,
                id_property=item.get("id_property"),
                name=str(item.get("name", "{id}")),
                name_column=item.get("name_column"),
            )
        )
        above = this
    if len(code) + sum(level.digits for level in levels) > 32:
        raise MappingError("areas: the finest codes would be longer than the contract's 32 characters")
    return AreaTree(code=code, name=name, level=level, levels=tuple(levels))


def _table(raw: dict, key: str) -> dict:
    value = raw.get(key, {})
    if not isinstance(value, dict):
        raise MappingError(f"{key}: must be a table")
    return value


def _only(raw: dict, prefix: str, allowed: set[str]) -> None:
    # A misspelt key would otherwise be ignored, and its setting silently not applied.
    unknown = sorted(set(raw) - allowed)
    if unknown:
        raise MappingError(f"{prefix}{unknown[0]}: unknown key; allowed: {', '.join(sorted(allowed))}")


def _column_list(field: str, value) -> tuple[str, ...]:
    columns = (value,) if isinstance(value, str) else tuple(value) if isinstance(value, list) else ()
    if not columns or not all(isinstance(c, str) and c for c in columns):
        raise MappingError(f"columns.{field}: a column name, or a list of them (the first non-empty is used)")
    return columns


def _zone(raw: dict, key: str, *, required: bool) -> str | None:
    name = raw.get(key)
    if name is None:
        if required:
            raise MappingError(f"timestamps.{key}: give the city's IANA time zone, such as Asia/Shanghai")
        return None
    try:
        ZoneInfo(str(name))
    except (ZoneInfoNotFoundError, ValueError):
        raise MappingError(f"timestamps.{key}: {name!r} is not an IANA time zone such as America/Los_Angeles") from None
    return str(name)


def _level(key: str, value) -> str:
    if value not in contract.AREA_LEVELS:
        raise MappingError(f"{key}: {value!r} is not a contract level ({', '.join(contract.AREA_LEVELS)})")
    return value
