"""Crowd zones and headcount snapshots (phone-signal heat and video AI).

A snapshot has one reading per sensor: several points inside each watched
zone (zone_id set) and background cells spread over the city (zone_id
NULL). How many people a point sees is a pure function of its place, the
time and chance: the zone's capacity or a residential density, times
rhythm.crowd_load for the kind of place, times the point's own catchment
(fixed by its coordinates). So the live feed, which only knows what the
database holds, continues the generator's history without a seam, and
surges on top of it: every few minutes one zone goes over its capacity for
about a minute, so alert placards can be watched popping up.
"""
from __future__ import annotations

from datetime import datetime

import numpy as np
import pandas as pd
import shapely

from demo.geometry import COORDINATE_DECIMALS, Leaves, blob, geojson_texts, points_within
from demo.presets import PRESETS, ZoneSpec
from demo.rhythm import crowd_load

SNAPSHOT_INTERVAL_S = 300
# People a background cell holds at full residential load.
BACKGROUND_PEOPLE = 1500
BACKGROUND_KIND = "background"
# The kind of every zone any preset knows, by name; other zones behave like shopping streets.
ZONE_KINDS = {zone.name: zone.kind for preset in PRESETS.values() for zone in preset.crowd_zones}
DEFAULT_ZONE_KIND = "commercial"
SURGE_CYCLE_S = 180
SURGE_LENGTH_S = 60
SURGE_LOAD = (1.15, 1.35)


def zone_table(specs: tuple[ZoneSpec, ...], leaves: Leaves, rng: np.random.Generator) -> tuple[pd.DataFrame, np.ndarray]:
    """The crowd_zone rows and their polygons; a zone belongs to the finest area under its centre."""
    shapes = np.array([blob(zone.lon, zone.lat, zone.radius_m, rng) for zone in specs])
    centres = shapely.points([(zone.lon, zone.lat) for zone in specs])
    # Distance 0 to the leaf containing the centre, so "nearest" is "containing" when there is one.
    _, leaf = shapely.STRtree(leaves.shapes).query_nearest(centres, all_matches=False)
    zones = pd.DataFrame(
        {
            "zone_id": [f"Z{number:03d}" for number in range(1, len(specs) + 1)],
            "name": [zone.name for zone in specs],
            "area_code": leaves.codes[leaf],
            "boundary": geojson_texts(shapes),
            "capacity": [zone.capacity for zone in specs],
        }
    )
    return zones, shapes


def sensor_layout(
    zones: pd.DataFrame,
    zone_shapes: np.ndarray,
    outline: shapely.Geometry,
    per_zone: int,
    background_cells: int,
    rng: np.random.Generator,
) -> pd.DataFrame:
    """Where readings are taken: `per_zone` points inside every zone, background cells outside all zones."""
    zone_points = [points_within(shape, per_zone, rng) for shape in zone_shapes]
    background = points_within(outline.difference(shapely.union_all(zone_shapes)), background_cells, rng)
    points = np.vstack([*zone_points, background]).round(COORDINATE_DECIMALS)
    zone_ids = np.concatenate([np.repeat(zones["zone_id"].to_numpy(dtype=object), per_zone), np.full(background_cells, None)])
    return pd.DataFrame({"lat": points[:, 1], "lon": points[:, 0], "zone_id": zone_ids})


def snapshot_times(now: datetime, days: int) -> np.ndarray:
    """Every 5-minute mark of the last `days` days up to `now` (datetime64[s])."""
    last = np.datetime64(now, "s").astype(np.int64) // SNAPSHOT_INTERVAL_S * SNAPSHOT_INTERVAL_S
    count = days * 86400 // SNAPSHOT_INTERVAL_S
    return (last - SNAPSHOT_INTERVAL_S * np.arange(count)[::-1]).astype("datetime64[s]")


def people_counts(layout: pd.DataFrame, zones: pd.DataFrame, times: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """People seen by each sensor (columns) at each time (rows)."""
    zone_ids = layout["zone_id"].to_numpy(dtype=object)
    in_zone = pd.notna(zone_ids)
    zone_index = pd.Index(zones["zone_id"]).get_indexer(zone_ids)
    kinds = np.where(in_zone, zones["name"].map(ZONE_KINDS).fillna(DEFAULT_ZONE_KIND).to_numpy()[zone_index], BACKGROUND_KIND)

    catchment = _catchment(layout["lat"].to_numpy(), layout["lon"].to_numpy())
    # Within a zone the points share its capacity in proportion to their catchment.
    group = np.where(in_zone, zone_index, len(zones))
    group_catchment = np.bincount(group, weights=catchment)[group]
    capacity = zones["capacity"].to_numpy(dtype=float)[np.where(in_zone, zone_index, 0)]
    nominal = np.where(in_zone, capacity * catchment / group_catchment, BACKGROUND_PEOPLE * catchment)

    # A zone breathes as a whole (a tour group arrives), each point a little on its own.
    together = rng.lognormal(0, 0.06, size=(len(times), len(zones) + 1))[:, group]
    alone = rng.lognormal(0, 0.10, size=(len(times), len(layout)))
    expected = nominal * crowd_load(kinds, times) * together * alone
    return np.rint(expected).astype(np.int64)


def readings(layout: pd.DataFrame, zones: pd.DataFrame, times: np.ndarray, rng: np.random.Generator) -> pd.DataFrame:
    """crowd_reading rows: one snapshot per time, one row per sensor."""
    people = people_counts(layout, zones, times, rng)
    sensors = len(layout)
    return pd.DataFrame(
        {
            "recorded_at": np.repeat(np.asarray(times, dtype="datetime64[s]"), sensors),
            "lat": np.tile(layout["lat"].to_numpy(), len(times)),
            "lon": np.tile(layout["lon"].to_numpy(), len(times)),
            "people": people.ravel(),
            "zone_id": np.tile(layout["zone_id"].to_numpy(dtype=object), len(times)),
            "area_code": np.full(sensors * len(times), None, dtype=object),
        }
    )


def surging_zone(zone_ids: list[str], moment: datetime) -> str | None:
    """The zone over capacity at `moment`: each in turn, the first minute of every 3-minute cycle."""
    if not zone_ids:
        return None
    seconds = int(np.datetime64(moment, "s").astype(np.int64))
    cycle, into = divmod(seconds, SURGE_CYCLE_S)
    return sorted(zone_ids)[cycle % len(zone_ids)] if into < SURGE_LENGTH_S else None


def surge(people: np.ndarray, layout: pd.DataFrame, zones: pd.DataFrame, zone_id: str, rng: np.random.Generator) -> np.ndarray:
    """One snapshot's counts with `zone_id` pushed over its capacity, keeping its points' proportions."""
    mine = (layout["zone_id"] == zone_id).to_numpy()
    capacity = zones.loc[zones["zone_id"] == zone_id, "capacity"].iloc[0]
    target = capacity * rng.uniform(*SURGE_LOAD)
    shares = np.maximum(people[mine], 1) / np.maximum(people[mine], 1).sum()
    surged = people.copy()
    surged[mine] = np.ceil(target * shares).astype(np.int64)
    return surged


def _catchment(lat: np.ndarray, lon: np.ndarray) -> np.ndarray:
    """A sensor's relative catchment (0.5-1.5), fixed by where it is (to ~10 m, robust to float storage)."""
    key = np.rint(lat * 1e4).astype(np.int64) * 10_000_000 + np.rint(lon * 1e4).astype(np.int64)
    return 0.5 + (pd.util.hash_array(key) % 10_000) / 10_000
