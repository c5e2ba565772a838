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

import codecs
import re
import string
import tomllib
from dataclasses import dataclass
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from data_access import contract
from importer.errors import ImporterError

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
# Every key a mapping file may hold, by table ("" is the top); docs/integration.md documents each.
# [columns] and [defaults] take TICKET_FIELDS; [status], [source], [departments] take the export's own words.
KEYS = {
    "": {"file", "encoding", "delimiter", "timestamps", "columns", "defaults", "status", "source", "departments",
         "areas"},
    "timestamps": {"format", "timezone", "written_in"},
    "areas": {"code", "name", "level", "levels"},
    "areas.levels": {"level", "digits", "column", "boundaries", "id_property", "name", "name_column", "holds",
                     "pattern", "ignore"},
}
# What a level's values are: codes (numbers among them) or names the importer makes codes of.
HOLDS = ("code", "name")


class MappingError(ImporterError, ValueError):
    """The mapping file cannot be used; the message names the key and says why."""


@dataclass(frozen=True)
class AreaLevel:
    """One level below the root: where its units come from and how their codes are made.

    Units come from a boundary file (one GeoJSON feature each, found by
    point-in-polygon) and/or from a code column of the export. With both,
    the export's own code wins and the point is the fallback. A unit's code
    is its parent's code followed by its id, `digits` wide: a code or number
    (`holds = "code"`, zero-padded) or a hash of a name (`holds = "name"`),
    read from the part of each value `pattern` captures (areas.unit_ids).
    """

    level: str
    digits: int
    column: str | None
    boundaries: Path | None
    id_property: str | None
    name: str
    name_column: str | None
    holds: str = "code"
    pattern: re.Pattern | None = None
    ignore: frozenset[str] = frozenset()  # casefolded values that mean "not known"
    key: str = "areas.levels[0]"  # where the level is in the mapping, for messages


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
    _only(raw, "", KEYS[""])
    timestamps = _table(raw, "timestamps")
    _only(timestamps, "timestamps.", KEYS["timestamps"])
    timezone = _zone(timestamps, "timezone", required=True)
    columns = {field: _column_list(field, value) for field, value in _table(raw, "columns").items()}
    defaults = _words(raw, "defaults")
    for section, fields in (("columns", columns), ("defaults", defaults)):
        for field in fields:
            if field not in TICKET_FIELDS:
                raise MappingError(f"{section}.{field}: not a ticket field; use one of {', '.join(TICKET_FIELDS)}")
    missing = [f for f in REQUIRED_FIELDS if f not in columns]
    if missing:
        raise MappingError(f"columns: {', '.join(missing)} must be mapped")
    if "source" not in columns and "source" not in defaults:
        raise MappingError("columns.source: map a column, or give defaults.source for every row")
    status = _words(raw, "status")
    unknown = sorted(set(status.values()) - set(contract.TICKET_STATUSES))
    if unknown:
        raise MappingError(f"status: {', '.join(unknown)} are not contract statuses ({', '.join(contract.TICKET_STATUSES)})")
    file = _string(raw, "file", "", "the export's path, relative to the mapping file")
    encoding = _string(raw, "encoding", "", "a text encoding such as utf-8 or gb18030") or "utf-8"
    try:
        codecs.lookup(encoding)
    except LookupError:
        raise MappingError(f"encoding: {encoding!r} is not a text encoding; use one such as utf-8, gb18030") from None
    delimiter = _string(raw, "delimiter", "", "the one character between fields, such as , or ;") or ","
    if len(delimiter) != 1 or delimiter in "\r\n\"":
        raise MappingError(f"delimiter: {delimiter!r} is not one character between fields; use one such as , or ;")
    return Mapping(
        file=(path.parent / file).resolve() if file else None,
        encoding=encoding,
        delimiter=delimiter,
        # pandas' "ISO8601" also reads offsets (Open311's 2020-01-03T09:59:00-08:00).
        timestamp_format=_string(timestamps, "format", "timestamps.", "a strftime format such as %Y-%m-%d %H:%M:%S")
        or "ISO8601",
        timezone=timezone,
        written_in=_zone(timestamps, "written_in", required=False) or timezone,
        columns=columns,
        defaults=defaults,
        status=status,
        source=_words(raw, "source"),
        department_names=_words(raw, "departments"),
        areas=_area_tree(_table(raw, "areas"), path.parent),
    )


def _area_tree(raw: dict, base: Path) -> AreaTree:
    _only(raw, "areas.", KEYS["areas"])
    code = _string(raw, "code", "areas.", "the root's code, such as BOS (letters, digits, _ . -; at most 32)")
    name = _string(raw, "name", "areas.", "the root's display name, such as Boston")
    if not code or not AREA_CODE.match(code) or not name:
        raise MappingError(f"areas: give the root's code (letters, digits, _ . -; at most 32) and name; "
                           f"found code {code!r}, name {name!r}")
    level = _level("areas.level", raw.get("level", "city"))
    items = raw.get("levels", [])
    if not isinstance(items, list) or not all(isinstance(item, dict) for item in items):
        raise MappingError("areas.levels: must be [[areas.levels]] tables, one per level, top first")
    levels, above = [], level
    for i, item in enumerate(items):
        levels.append(_area_level(item, f"areas.levels[{i}]", above, levels[-1] if levels else None, base))
        above = levels[-1].level
    if len(code) + sum(level.digits for level in levels) > 32:
        raise MappingError("areas: the finest codes would be longer than the contract's 32 characters; "
                           "shorten areas.code or the levels' digits")
    return AreaTree(code=code, name=name, level=level, levels=tuple(levels))


def _area_level(item: dict, where: str, above: str, upper: AreaLevel | None, base: Path) -> AreaLevel:
    _only(item, where + ".", KEYS["areas.levels"])
    this = _level(f"{where}.level", item.get("level"))
    if contract.AREA_LEVELS.index(this) <= contract.AREA_LEVELS.index(above):
        raise MappingError(f"{where}.level: {this} must lie below {above} "
                           f"(contract order: {', '.join(contract.AREA_LEVELS)})")
    at = where + "."
    column = _string(item, "column", at, "the export's column that holds each ticket's unit")
    boundaries = _string(item, "boundaries", at, "a GeoJSON file, relative to the mapping file")
    id_property = _string(item, "id_property", at, "the feature property that holds each unit's id")
    name_column = _string(item, "name_column", at, "the export's column that holds each unit's display name")
    if not boundaries and not column:
        raise MappingError(f"{where}: give boundaries (a GeoJSON file), a code column, or both")
    if boundaries and not id_property:
        raise MappingError(f"{where}.id_property: missing; name the feature property that holds each unit's id")
    if name_column and not column:
        raise MappingError(f"{where}.name_column: names units found by column; set {where}.column too")
    # Parents are found by overlapping shapes; a shape cannot overlap a unit that has none.
    if boundaries and upper is not None and upper.boundaries is None:
        raise MappingError(f"{where}: a level with boundaries needs boundaries on the level above")
    digits = item.get("digits")
    if isinstance(digits, bool) or not isinstance(digits, int) or not 1 <= digits <= 12:
        found = "missing" if digits is None else f"is {digits!r}"
        raise MappingError(f"{where}.digits: {found}; give how many characters each unit adds to the code, 1 to 12")
    holds = _string(item, "holds", at, f"one of {', '.join(HOLDS)}") or "code"
    if holds not in HOLDS:
        raise MappingError(f"{where}.holds: is {holds!r}; use \"code\" (codes or numbers) or \"name\" (names)")
    name = _string(item, "name", at, "a template such as \"Ward {id}\"") or "{id}"
    _check_template(f"{where}.name", name, boundaries is not None)
    ignore = item.get("ignore", [])
    if not isinstance(ignore, list) or not all(isinstance(v, str) for v in ignore):
        raise MappingError(f"{where}.ignore: a list of values that mean \"not known\", such as [\"Unspecified\"]")
    return AreaLevel(
        level=this,
        digits=digits,
        column=column,
        boundaries=(base / boundaries).resolve() if boundaries else None,
        id_property=id_property,
        name=name,
        name_column=name_column,
        holds=holds,
        pattern=_pattern(item, where),
        ignore=frozenset(" ".join(v.split()).casefold() for v in ignore),
        key=where,
    )


def _pattern(item: dict, where: str) -> re.Pattern | None:
    text = _string(item, "pattern", where + ".", "a regular expression such as '(?:Ward )?(\\d+)'")
    if text is None:
        return None
    try:
        pattern = re.compile(text)
    except re.error as error:
        raise MappingError(f"{where}.pattern: {text!r} is not a regular expression ({error})") from None
    if pattern.groups > 1:
        raise MappingError(f"{where}.pattern: {text!r} has {pattern.groups} groups; capture the unit's id in one")
    return pattern


def _check_template(key: str, template: str, with_properties: bool) -> None:
    """A name template may use {id} and, for a level with boundaries, the features' properties by name."""
    try:
        fields = [field for _, field, _, _ in string.Formatter().parse(template) if field is not None]
    except ValueError as error:
        raise MappingError(f"{key}: {template!r} is not a name template such as \"Ward {{id}}\" ({error})") from None
    for field in fields:
        plain = field.isidentifier()
        if not plain or (field != "id" and not with_properties):
            allowed = "{id} or a feature property such as {name}" if with_properties else "{id}"
            raise MappingError(f"{key}: {template!r} uses {{{field}}}; a name template may use {allowed}")


def _table(raw: dict, key: str) -> dict:
    value = raw.get(key, {})
    if not isinstance(value, dict):
        raise MappingError(f"{key}: is {value!r}; must be a table ([{key}])")
    return value


def _only(raw: dict, prefix: str, allowed: set[str]) -> None:
    # A misspelt key would otherwise be ignored, and its setting silently not applied.
    unknown = sorted(set(raw) - allowed)
    if unknown:
        raise MappingError(f"{prefix}{unknown[0]}: unknown key; allowed: {', '.join(sorted(allowed))}")


def _string(raw: dict, key: str, prefix: str, what: str) -> str | None:
    """The text at `key` (None when absent); anything else stops the import, saying what was expected."""
    value = raw.get(key)
    if value is None or isinstance(value, str):
        return value
    raise MappingError(f"{prefix}{key}: is {value!r}; give {what} as a quoted string")


def _words(raw: dict, key: str) -> dict[str, str]:
    """A table of the export's words and what they become: every value text (a number is taken as its text)."""
    table = _table(raw, key)
    for word, value in table.items():
        if isinstance(value, bool) or not isinstance(value, (str, int, float)):
            raise MappingError(f"{key}.{word}: is {value!r}; give a quoted string")
    return {str(k): str(v) for k, v in table.items()}


def _column_list(field: str, value) -> tuple[str, ...]:
    columns = (value,) if isinstance(value, str) else tuple(value) if isinstance(value, list) else ()
    if not columns or not all(isinstance(c, str) and c for c in columns):
        raise MappingError(f"columns.{field}: a column name, or a list of them (the first non-empty is used)")
    return columns


def _zone(raw: dict, key: str, *, required: bool) -> str | None:
    name = raw.get(key)
    if name is None:
        if required:
            raise MappingError(f"timestamps.{key}: missing; give the city's IANA time zone, such as Asia/Shanghai")
        return None
    try:
        ZoneInfo(str(name))
    except (ZoneInfoNotFoundError, ValueError, TypeError, OSError):
        raise MappingError(f"timestamps.{key}: {name!r} is not an IANA time zone such as America/Los_Angeles") from None
    return str(name)


def _level(key: str, value) -> str:
    if value not in contract.AREA_LEVELS:
        raise MappingError(f"{key}: {value!r} is not a contract level ({', '.join(contract.AREA_LEVELS)})")
    return value
