"""The demo city's area tree: nested polygons that tile the root exactly, with hierarchical codes.

The finest areas are a Voronoi tiling of seeds inside the root's outline,
denser in the core (grids are smaller where people live closer), relaxed
twice so cells are compact. Every coarser unit is then a group of finer
ones: the units just below the root gather around their real locations,
deeper units split their parent around evenly spread seeds. A parent's
polygon is the union of its children's, so nesting is exact and the
boundaries look like real ones (they follow grid edges, not straight lines).
Children's codes are the parent's code plus a fixed-width sequence, numbered
along a Hilbert curve so that neighbouring codes are neighbouring places.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import shapely

from demo.geometry import COORDINATE_DECIMALS, Leaves, geojson_texts, round_coordinates
from demo.names import place_stems
from demo.presets import CityPreset

LLOYD_RELAXATIONS = 2
HILBERT_ORDER = 16


@dataclass(frozen=True)
class CityMap:
    """The area table plus what the other generators need to place things in it."""

    areas: pd.DataFrame
    leaves: Leaves
    outline: shapely.Polygon
    # For each level below the root: the code of every leaf's unit at that level.
    ancestors: dict[str, np.ndarray]


@dataclass(frozen=True)
class _Level:
    """Units of one level: which unit each leaf belongs to, each unit's parent and seed leaf."""

    name: str
    unit_of_leaf: np.ndarray
    parent: np.ndarray
    seed_leaf: np.ndarray


def build_city(preset: CityPreset, rng: np.random.Generator) -> CityMap:
    """The preset's area tree, its polygons and codes, and every leaf's ancestors."""
    outline = round_coordinates(shapely.Polygon(preset.outline))
    # Distances are measured with longitude shrunk by cos(latitude), so cells are round on the ground.
    squash = np.array([np.cos(np.radians(outline.centroid.y)), 1.0])
    outline_m = shapely.transform(outline, lambda xy: xy * squash)
    cells_m, seeds = _relaxed_voronoi(_leaf_seeds(preset, outline, rng) * squash, outline_m)
    leaf_shapes = round_coordinates(shapely.transform(cells_m, lambda xy: xy / squash))

    anchors = np.array([(unit.lon, unit.lat) for unit in preset.named_units]) * squash
    hilbert = _hilbert_index(seeds)
    levels = _group_leaves(preset, seeds, anchors, hilbert)
    codes, names = _codes_and_names(preset, levels, hilbert, rng)
    shapes = _unit_shapes(levels, leaf_shapes)
    root_shape = shapely.coverage_union_all(shapes[0])

    frames = [_area_rows([preset.root_code], [None], preset.root_level, [preset.root_name], np.array([root_shape]))]
    parent_codes = np.array([preset.root_code], dtype=object)
    for level, level_codes, level_names, level_shapes in zip(levels, codes, names, shapes):
        frames.append(_area_rows(level_codes, parent_codes[level.parent], level.name, level_names, level_shapes))
        parent_codes = level_codes
    leaf_rows = frames[-1]
    leaves = Leaves(
        codes=codes[-1],
        shapes=leaf_shapes,
        lon=leaf_rows["center_lon"].to_numpy(),
        lat=leaf_rows["center_lat"].to_numpy(),
    )
    ancestors = {level.name: level_codes[level.unit_of_leaf] for level, level_codes in zip(levels, codes)}
    return CityMap(
        areas=pd.concat(frames, ignore_index=True), leaves=leaves, outline=root_shape, ancestors=ancestors
    )


def _leaf_seeds(preset: CityPreset, outline: shapely.Polygon, rng: np.random.Generator) -> np.ndarray:
    """One seed per finest area, inside the outline: part uniform, part gathered around the core."""
    count = preset.levels[-1].count
    xmin, ymin, xmax, ymax = outline.bounds
    seeds = np.empty((0, 2))
    while len(seeds) < count:
        batch = count * 2
        core = rng.random(batch) < preset.core_share
        points = np.where(
            core[:, None],
            rng.normal(preset.core, preset.core_spread_deg, size=(batch, 2)),
            rng.uniform((xmin, ymin), (xmax, ymax), size=(batch, 2)),
        )
        seeds = np.vstack([seeds, points[shapely.contains_xy(outline, points[:, 0], points[:, 1])]])
    return seeds[:count]


def _voronoi(seeds: np.ndarray, outline: shapely.Polygon) -> np.ndarray:
    """The Voronoi cell of each seed (in seed order), clipped to the outline."""
    diagram = shapely.voronoi_polygons(
        shapely.multipoints(seeds), extend_to=outline.buffer(outline.length), ordered=True
    )
    return shapely.intersection(shapely.get_parts(diagram), outline)


def _relaxed_voronoi(seeds: np.ndarray, outline: shapely.Polygon) -> tuple[np.ndarray, np.ndarray]:
    """Lloyd relaxation: move each seed to its cell's centroid, so no cell is a needle.

    A centroid that falls outside its (concave, clipped) cell keeps the old seed.
    """
    for _ in range(LLOYD_RELAXATIONS):
        cells = _voronoi(seeds, outline)
        centroids = shapely.get_coordinates(shapely.centroid(cells))
        inside = shapely.contains_xy(cells, centroids[:, 0], centroids[:, 1])
        seeds = np.where(inside[:, None], centroids, seeds)
    return _voronoi(seeds, outline), seeds


def _hilbert_index(points: np.ndarray) -> np.ndarray:
    """Position of each point along a Hilbert curve over their bounding box (nearby points, nearby index)."""
    side = 1 << HILBERT_ORDER
    low, high = points.min(axis=0), points.max(axis=0)
    cells = ((points - low) / np.maximum(high - low, 1e-12) * (side - 1)).astype(np.int64)
    x, y = cells[:, 0], cells[:, 1]
    index = np.zeros(len(points), dtype=np.int64)
    s = side >> 1
    while s > 0:
        rx = (x & s) > 0
        ry = (y & s) > 0
        index += s * s * ((3 * rx) ^ ry)
        # Rotate the quadrant so the curve stays continuous.
        flip = ~ry & rx
        x = np.where(flip, side - 1 - x, x)
        y = np.where(flip, side - 1 - y, y)
        x, y = np.where(~ry, y, x), np.where(~ry, x, y)
        s >>= 1
    return index


def _squared_distances(points: np.ndarray, centres: np.ndarray) -> np.ndarray:
    return ((points[:, None, :] - centres[None, :, :]) ** 2).sum(axis=2)


def _group_leaves(preset: CityPreset, seeds: np.ndarray, anchors: np.ndarray, hilbert: np.ndarray) -> list[_Level]:
    """Assign every leaf to one unit per level, top-down.

    The first level gathers leaves around the leaves nearest the named units'
    real locations; each deeper level splits every parent into an equal
    share of the level's count (see _split). The finest level is the leaves.
    """
    anchor_leaf = np.argmin(_squared_distances(anchors, seeds), axis=1)
    levels = [
        _Level(
            name=preset.levels[0].level,
            unit_of_leaf=np.argmin(_squared_distances(seeds, seeds[anchor_leaf]), axis=1),
            parent=np.zeros(len(anchors), dtype=np.int64),
            seed_leaf=anchor_leaf,
        )
    ]
    for spec in preset.levels[1:-1]:
        levels.append(_split(levels[-1], spec.level, spec.count, seeds, hilbert))
    leaf_index = np.arange(len(seeds))
    levels.append(_Level(preset.levels[-1].level, leaf_index, levels[-1].unit_of_leaf, leaf_index))
    return levels


def _split(above: _Level, name: str, count: int, seeds: np.ndarray, hilbert: np.ndarray) -> _Level:
    """Split every unit of `above` into its share of `count` units.

    Seeds are the parent's leaves at evenly spaced ranks along the Hilbert
    curve, so they spread over the parent; each leaf joins its nearest seed,
    and a seed's own leaf joins it, so no unit is empty. Units come out
    numbered parent by parent, along the curve.
    """
    parents = len(above.parent)
    members = np.bincount(above.unit_of_leaf, minlength=parents)
    share = np.full(parents, max(count // parents, 1))
    # The remainder goes to the parents with the most leaves.
    share[np.argsort(-members, kind="stable")[: max(count - share.sum(), 0)]] += 1
    share = np.minimum(share, members)

    by_parent = np.lexsort((hilbert, above.unit_of_leaf))
    member_start = np.cumsum(members) - members
    unit_start = np.cumsum(share) - share
    parent_of_unit = np.repeat(np.arange(parents), share)
    rank = np.arange(share.sum()) - unit_start[parent_of_unit]
    stride = members[parent_of_unit] / share[parent_of_unit]
    seed_leaf = by_parent[member_start[parent_of_unit] + ((rank + 0.5) * stride).astype(np.int64)]

    unit_of_leaf = np.empty(len(seeds), dtype=np.int64)
    for parent in range(parents):
        leaves = by_parent[member_start[parent] : member_start[parent] + members[parent]]
        units = unit_start[parent] + np.arange(share[parent])
        nearest = np.argmin(_squared_distances(seeds[leaves], seeds[seed_leaf[units]]), axis=1)
        unit_of_leaf[leaves] = units[nearest]
    return _Level(name, unit_of_leaf, parent_of_unit, seed_leaf)


def _groups(group: np.ndarray, groups: int) -> list[np.ndarray]:
    """The member indices of each group, for the per-parent steps (a few thousand parents at most)."""
    order = np.argsort(group, kind="stable")
    return np.split(order, np.cumsum(np.bincount(group, minlength=groups))[:-1])


def _rank_within(group: np.ndarray, key: np.ndarray) -> np.ndarray:
    """0-based rank of each element by `key` among the elements of its group."""
    order = np.lexsort((key, group))
    counts = np.bincount(group)
    ranks = np.empty(len(group), dtype=np.int64)
    ranks[order] = np.arange(len(group)) - (np.cumsum(counts) - counts)[group[order]]
    return ranks


def _codes_and_names(preset: CityPreset, levels: list[_Level], hilbert: np.ndarray, rng: np.random.Generator):
    """Codes (parent code + fixed-width sequence) and display names of the units of every level."""
    codes, names = [], []
    parent_codes = np.array([preset.root_code], dtype=object)
    parent_names = np.array([preset.root_name], dtype=object)
    for depth, (spec, level) in enumerate(zip(preset.levels, levels)):
        if depth == 0:
            sequence = [
                unit.code_suffix or f"{rank + 1:0{spec.code_digits}d}" for rank, unit in enumerate(preset.named_units)
            ]
            level_names = [unit.name for unit in preset.named_units]
        else:
            ranks = _rank_within(level.parent, hilbert[level.seed_leaf]) + 1
            sequence = np.char.mod(f"%0{spec.code_digits}d", ranks)
            stems = np.empty(len(level.parent), dtype=object)
            if "{stem}" in spec.naming:
                for members in _groups(level.parent, len(parent_codes)):
                    stems[members] = place_stems(len(members), rng)
            level_names = [
                spec.naming.format(stem=stem, parent=parent_names[parent], seq=rank)
                for stem, parent, rank in zip(stems, level.parent, ranks)
            ]
        parent_codes = np.strings.add(parent_codes[level.parent].astype(str), sequence).astype(object)
        parent_names = np.array(level_names, dtype=object)
        codes.append(parent_codes)
        names.append(parent_names)
    return codes, names


def _unit_shapes(levels: list[_Level], leaf_shapes: np.ndarray) -> list[np.ndarray]:
    """Polygons of every level, bottom-up: a unit is the union of its children.

    The children already share rounded vertices along common edges, so the
    union is a coverage union: exact, and fast.
    """
    shapes = [leaf_shapes]
    for child, parent in zip(levels[:0:-1], levels[-2::-1]):
        members = _groups(child.parent, len(parent.parent))
        shapes.insert(0, np.array([shapely.coverage_union_all(shapes[0][group]) for group in members]))
    return shapes


def _area_rows(codes, parent_codes, level: str, names, shapes: np.ndarray) -> pd.DataFrame:
    labels = shapely.get_coordinates(shapely.point_on_surface(shapes)).round(COORDINATE_DECIMALS)
    return pd.DataFrame(
        {
            "area_code": np.asarray(codes, dtype=object),
            "parent_code": np.asarray(parent_codes, dtype=object),
            "level": level,
            "name": np.asarray(names, dtype=object),
            "boundary": geojson_texts(shapes),
            "center_lat": labels[:, 1],
            "center_lon": labels[:, 0],
        }
    )
