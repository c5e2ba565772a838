"""The area tree of an import, and the finest area each ticket lies in.

SCHEMA.md wants hierarchical codes (a child's code starts with its
parent's), so every unit of a level gets its parent's code followed by its
own id, zero-padded: Los Angeles "LA", its council district 6 "LA06", the
Lake Balboa neighborhood council (id 19) under it "LA06019".

A unit's parent is the unit of the level above that its shape overlaps most
(candidates from an STRtree, then exact intersection areas of those few),
so the tree depends on the boundary files alone and codes, which end up in
shared links, stay the same from one import to the next. A level known
only from a code column takes the parent most of its tickets lie in.

Tickets descend the tree one level at a time: at each level the export's
own code column is believed first, and the point (found among the level's
polygons with an STRtree) is the fallback. A ticket goes down only into a
child of the area it is already in; when it cannot (no code and no point,
an unknown code, a point in no polygon, or a unit that sits under another
parent) it stays where it is, with a note saying why. A ticket placed
nowhere below the root stays at the root: it is still the city's.
"""
from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass

import numpy as np
import pandas as pd
import shapely
from shapely import STRtree

from data_access import contract
from importer.mapping import AreaLevel, AreaTree, MappingError

AREA_COLUMNS = list(contract.area.c.keys())
# A unit's id becomes part of its code, and codes travel in URLs (data_access.scope).
UNIT_ID = r"[A-Za-z0-9_.\-]+"


@dataclass
class Placement:
    areas: pd.DataFrame  # contract area rows, root first
    area_code: pd.Series  # the finest area of each ticket
    notes: pd.Series  # why a ticket stayed above the finest level, and where (index: ticket)
    built: dict[str, int]  # areas per level
    placed: dict[str, int]  # tickets per level of their area


def place_tickets(tree: AreaTree, codes: pd.DataFrame, lon: pd.Series, lat: pd.Series, lines: pd.Series) -> Placement:
    """Build the tree and place each ticket; `codes` holds the export's code (and name) columns as text.

    `lines` (the line each ticket starts on) is for the message when a level ends up with no unit.
    """
    located = lon.notna() & lat.notna()
    points = pd.Series(None, index=lon.index, dtype=object)
    points[located] = shapely.points(lon[located].to_numpy(), lat[located].to_numpy())
    current = pd.Series(tree.code, index=lon.index, dtype="string")
    why = pd.Series(pd.NA, index=lon.index, dtype="string")
    levels: list[pd.DataFrame] = []
    above_level = tree.level
    for level in tree.levels:
        above = levels[-1] if levels else None
        units, current, why = _descend(tree, level, above, above_level, codes, points, current, why, lines)
        levels.append(units)
        above_level = level.level
    areas = _area_rows(tree, levels)
    level_of = areas.set_index("area_code")["level"]
    return Placement(
        areas=areas,
        area_code=current,
        notes=(why + "; kept in " + current).dropna(),
        built=areas["level"].value_counts(sort=False).to_dict(),
        placed=current.map(level_of).value_counts().reindex(areas["level"].unique(), fill_value=0).to_dict(),
    )


def _descend(tree: AreaTree, level: AreaLevel, above: pd.DataFrame | None, above_level: str, codes: pd.DataFrame,
             points: pd.Series, current: pd.Series, why: pd.Series,
             lines: pd.Series) -> tuple[pd.DataFrame, pd.Series, pd.Series]:
    """Build one level's units and move each ticket down into its unit where it can.

    Returns the units (with codes), each ticket's area after this level, and
    why each ticket that stopped (here or above) stopped.
    """
    missing = pd.Series(pd.NA, index=current.index, dtype="string")
    written, value, unusable = unit_ids(codes[level.column], level) if level.column else (missing, missing, missing)
    units = _boundary_units(level) if level.boundaries else _column_units(level, written, value, codes)
    member = value.map(pd.Series(units.index, index=units["id"])).astype("Int64")
    if level.boundaries:
        member = _by_point(member, units["shape"].to_numpy(), points)
    units["parent_code"] = _parents(units, above, tree.code, member, current)
    units = units.dropna(subset=["parent_code"]).assign(level=level.level)
    if units.empty and len(current):
        raise MappingError(_why_empty(level, above_level, codes, written, unusable, lines))
    units["area_code"] = units["parent_code"] + units["id"]
    tickets = pd.DataFrame(
        {
            "written": written,
            "unusable": unusable,
            "value": value,
            "member": member,
            "located": points.notna(),
            "current": current,
            **{column: member.map(units[column]).astype("string") for column in ("area_code", "parent_code", "name")},
        }
    )
    fits = why.isna() & (tickets["parent_code"] == current).fillna(False)
    reason = _why_not_placed(level, above_level, tickets)
    return units, current.mask(fits, tickets["area_code"]), why.mask(why.isna() & ~fits, reason)


def unit_ids(raw: pd.Series, level: AreaLevel) -> tuple[pd.Series, pd.Series, pd.Series]:
    """Each value as the export writes it (after `pattern`), its unit id, and why a value present gives no id.

    Worked out once per distinct value: an export repeats a few hundred area values over millions of rows.
    """
    distinct = pd.Series(raw.dropna().unique(), dtype=object)
    worked = [_unit_id(value, level) for value in distinct]
    columns = [pd.Series(dict(zip(distinct, part)), dtype="string") for part in zip(*worked)] if worked else []
    if not columns:
        return (pd.Series(pd.NA, index=raw.index, dtype="string"),) * 3
    return tuple(raw.map(column).astype("string") for column in columns)


def _unit_id(value: str, level: AreaLevel) -> tuple[str | None, str | None, str | None]:
    """(value as written, id, why no id) for one value; see docs/integration.md, "Area values"."""
    text = " ".join(value.split())
    if text.casefold() in level.ignore:
        return None, None, None
    if level.pattern is not None:
        matched = level.pattern.fullmatch(text)
        text = (matched.group(1) if level.pattern.groups else matched.group(0)) if matched else None
        if not text:
            return None, None, f"'{value}' does not match {level.key}.pattern ({level.pattern.pattern})"
    if level.holds == "name":
        # A name's id depends on the name alone (not on the export's order), so links stay valid.
        return text, hashlib.sha1(text.casefold().encode()).hexdigest()[: level.digits], None
    # "3", "03" and "003" are one number; a shorter code is padded to the level's width, so no code prefixes another.
    padded = (text.lstrip("0") if text.isascii() and text.isdigit() else text).rjust(level.digits, "0")
    if len(padded) == level.digits and pd.Series([padded]).str.fullmatch(UNIT_ID).iat[0]:
        return text, padded, None
    hint = (f'if the column names its units, set {level.key}.holds = "name"; '
            f"if a number sits among words, capture it with {level.key}.pattern")
    return text, None, (f"'{value}' is not a code of at most {level.digits} letters, digits, _ . or - "
                        f"({level.key}.digits); {hint}")


def _why_empty(level: AreaLevel, above_level: str, codes: pd.DataFrame, written: pd.Series, unusable: pd.Series,
               lines: pd.Series) -> str:
    """Why a level ended with no unit at all, which would leave every level below it empty too."""
    head = f"{level.key} ({level.level}): no {level.level} could be made"
    if level.boundaries is not None:
        return f"{head}: {level.boundaries} has no feature"
    if codes[level.column].isna().all():
        return (f"{head}: column {level.column} is empty in every imported row; "
                f"name the right column in {level.key}.column")
    if unusable.notna().any():
        first = unusable.dropna().index[0]
        return (f"{head}: no value of column {level.column} is usable, such as line {lines[first]}: "
                f"{unusable[first]}")
    if written.isna().all():
        return f"{head}: every value of column {level.column} is in {level.key}.ignore"
    return f"{head}: no ticket with a {level.column} was placed in a {above_level}, so no {level.level} has a parent"


def _boundary_units(level: AreaLevel) -> pd.DataFrame:
    """One unit per GeoJSON feature of the level's boundary file: id, name, shape."""
    try:
        features = json.loads(level.boundaries.read_text(encoding="utf-8"))["features"]
        if not isinstance(features, list) or not all(isinstance(f, dict) for f in features):
            raise TypeError("features is not a list of features")
        properties = [feature.get("properties") or {} for feature in features]
        if not all(isinstance(p, dict) for p in properties):
            raise TypeError("a feature's properties is not an object")
        shapes = shapely.from_geojson([json.dumps(feature["geometry"]) for feature in features])
    except (OSError, ValueError, KeyError, TypeError, shapely.errors.GEOSException) as error:
        raise MappingError(f"{level.boundaries}: not a GeoJSON FeatureCollection ({error})") from None
    written, ids, unusable = unit_ids(pd.Series([_property(p, level.id_property) for p in properties], dtype="string"),
                                      level)
    if ids.isna().any() or ids.duplicated().any():
        bad = written[ids.isna() | ids.duplicated(keep=False)].fillna("(none)").tolist()
        raise MappingError(
            f"{level.boundaries}: each feature's {level.id_property} must give a unique {level.level} id "
            f"({level.key}.digits, .holds, .pattern); these do not: {bad[:5]}"
        )
    try:
        names = [level.name.format(**{**p, "id": i}) for i, p in zip(written, properties)]
    except KeyError as error:
        raise MappingError(f"{level.key}.name: {level.name!r} uses {error}, which a feature lacks") from None
    shapes = np.where(shapely.is_valid(shapes), shapes, shapely.make_valid(shapes))
    return pd.DataFrame({"id": ids, "name": names, "shape": shapes})


def _property(properties: dict, key: str) -> str | None:
    value = properties.get(key)
    return None if value is None else str(value)


def _column_units(level: AreaLevel, written: pd.Series, value: pd.Series, codes: pd.DataFrame) -> pd.DataFrame:
    """One unit per id the export's column gives; named by its name column, else the template on its first spelling."""
    usable = value.notna()
    if level.holds == "name":
        spellings = pd.DataFrame({"id": value, "key": written.str.casefold()})[usable].drop_duplicates()
        shared = spellings[spellings["id"].duplicated(keep=False)]
        if len(shared):
            clash = written[usable & value.eq(shared["id"].iat[0])].unique().tolist()
            raise MappingError(f"{level.key}: the names {clash[:2]} get the same code {shared['id'].iat[0]}; "
                               f"raise {level.key}.digits")
    first = written[usable].groupby(value[usable]).first()
    names = codes[level.name_column][usable].groupby(value[usable]).first() if level.name_column else first.iloc[:0]
    ids = pd.Series(sorted(value[usable].unique()), dtype="string")
    fallback = ids.map(lambda i: level.name.format(id=first[i]))
    return pd.DataFrame({"id": ids, "name": ids.map(names).astype("string").fillna(fallback), "shape": None})


def _by_point(member: pd.Series, shapes: np.ndarray, points: pd.Series) -> pd.Series:
    """`member`, with each ticket that has no unit yet but a point given the unit whose polygon covers it."""
    need = member.isna() & points.notna()
    if not need.any():
        return member
    inside, unit = STRtree(shapes).query(points[need].to_numpy(), predicate="covered_by")
    # A point on an edge shared by two polygons is covered by both: the first wins.
    _, first = np.unique(inside, return_index=True)
    found = member.copy()
    found[need[need].index[inside[first]]] = unit[first]
    return found


def _parents(units: pd.DataFrame, above: pd.DataFrame | None, root: str, member: pd.Series, current: pd.Series) -> pd.Series:
    """The parent code of each unit (NA when it cannot be told)."""
    if above is None:
        return pd.Series(root, index=units.index, dtype="string")
    if units["shape"].notna().all():
        return _parents_by_overlap(units["shape"].to_numpy(), above)
    # Most of the unit's tickets already placed one level up decide; ties go to the smaller code.
    placed = current.isin(above["area_code"])
    votes = pd.DataFrame({"unit": member[placed], "parent": current[placed]}).dropna()
    counts = votes.value_counts().reset_index().sort_values(["unit", "count", "parent"], ascending=[True, False, True])
    return counts.drop_duplicates("unit").set_index("unit")["parent"].reindex(units.index).astype("string")


def _parents_by_overlap(shapes: np.ndarray, above: pd.DataFrame) -> pd.Series:
    above_shapes = above["shape"].to_numpy()
    tree = STRtree(above_shapes)
    child, parent = tree.query(shapes, predicate="intersects")
    overlap = shapely.area(shapely.intersection(shapes[child], above_shapes[parent]))
    best = (
        pd.DataFrame({"child": child, "parent": parent, "overlap": overlap})
        .sort_values(["child", "overlap"], ascending=[True, False])
        .drop_duplicates("child")
    )
    chosen = pd.Series(best["parent"].to_numpy(), index=best["child"].to_numpy()).reindex(range(len(shapes)))
    # A unit that overlaps nothing above (a gap between the files) goes to the nearest one.
    apart = np.flatnonzero(chosen.isna().to_numpy())
    if len(apart):
        near_child, near_parent = tree.query_nearest(shapes[apart])
        _, first = np.unique(near_child, return_index=True)
        chosen.iloc[apart[near_child[first]]] = near_parent[first]
    return pd.Series(above["area_code"].to_numpy()[chosen.to_numpy(dtype=int)], dtype="string")


def _why_not_placed(level: AreaLevel, above_level: str, tickets: pd.DataFrame) -> pd.Series:
    """Why each ticket cannot go down into this level; each rule knows more than the one before."""
    name, column, shaped = level.level, level.column, level.boundaries is not None
    value, located = tickets["value"], tickets["located"] & shaped
    wanted = " and ".join(([f"no {column}"] if column else []) + (["no point"] if shaped else []))
    reason = pd.Series(wanted, index=tickets.index, dtype="string")
    reason = reason.mask(located, f"its point lies in no {name}")
    known = f" among the {level.id_property}s of {level.boundaries.name}" if shaped else ""
    unknown = f"{column} '" + tickets["written"] + f"' is not a known {name}{known}"
    reason = reason.mask(value.notna(), unknown)
    reason = reason.mask(value.notna() & located, unknown + ", nor does its point lie in one")
    reason = reason.mask(tickets["unusable"].notna(), f"{column} " + tickets["unusable"])
    reason = reason.mask(tickets["member"].notna() & tickets["parent_code"].isna(),
                         f"{name} '" + tickets["written"] + f"' lies under no {above_level}")
    under_another = (tickets["name"] + " (" + tickets["area_code"] + ") lies under " + tickets["parent_code"]
                     + ", not under " + tickets["current"])
    return reason.mask(tickets["parent_code"].notna(), under_another)


def _area_rows(tree: AreaTree, levels: list[pd.DataFrame]) -> pd.DataFrame:
    """Contract area rows: the root (outlined by the union of the top level's shapes, if any), then each level."""
    top = levels[0]["shape"].dropna().to_numpy() if levels else np.array([])
    root = pd.DataFrame(
        {
            "area_code": [tree.code],
            "parent_code": [None],
            "level": [tree.level],
            "name": [tree.name],
            "shape": [shapely.union_all(top) if len(top) else None],
        }
    )
    rows = pd.concat([root, *(units[root.columns] for units in levels)], ignore_index=True)
    # shapely passes None (a unit known only from a code column) through as None / NaN.
    shapes = rows["shape"].to_numpy()
    label = shapely.point_on_surface(shapes)
    rows["boundary"] = pd.Series(shapely.to_geojson(shapes), dtype="string")
    rows["center_lat"] = shapely.get_y(label)
    rows["center_lon"] = shapely.get_x(label)
    return rows[AREA_COLUMNS]
