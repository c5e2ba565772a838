"""Shapes to draw on a map: area and crowd-zone boundaries, made small, in the datum the tiles use.

Stored boundaries are precise to 0.1 m (SCHEMA.md: GeoJSON text, WGS84). A
map card shows a whole city in two or three thousand pixels, so most of that
precision is invisible and would only make the page slow: Chengdu's twenty
district outlines are 280 KB as stored. Shapes are therefore simplified to
about one pixel of a map card showing the whole extent (`MAP_PIXELS`) and
their coordinates rounded to that precision (the twenty districts: 88 KB). Neighbouring areas are simplified as
one coverage (shapely's coverage_simplify), so a shared edge stays shared:
no slivers or gaps appear between districts.

Maps draw in the tiles' datum (settings.tile_crs). With GCJ-02 tiles (AMap /
Tencent style), everything drawn is shifted from WGS84 by `wgs84_to_gcj02`;
stored data stays WGS84 and nothing here writes.

Shapes change rarely, so they are cached for the history window, keyed by
area (not by time).
"""
from __future__ import annotations

import json
import math

import numpy as np
import pandas as pd
import shapely
from sqlalchemy import select

from data_access import gate
from data_access.areas import WHOLE_DATABASE
from data_access.database import Database
from data_access.scope import Scope

# A vertex that moves by less than 1/MAP_PIXELS of the drawn extent moves by
# about a pixel on a desk's map card and two on a 4K wall's (a card there is
# some 2,000 pixels wide): invisible on a choropleth, and it halves the bytes.
MAP_PIXELS = 1000
# Stored precision (1e-6 degree, about 0.1 m): rounding never goes finer.
MAX_DECIMALS = 6
AREA_SHAPE_COLUMNS = ["area_code", "name", "level", "geometry", "center_lon", "center_lat"]
ZONE_SHAPE_COLUMNS = ["zone_id", "name", "geometry", "center_lon", "center_lat"]

# The Krasovsky 1940 ellipsoid and the offset formula of GCJ-02, as published
# in every open implementation (eviltransform and its ports).
_GCJ_A = 6378245.0
_GCJ_EE = 0.00669342162296594323


def wgs84_to_gcj02(lon, lat):
    """WGS84 longitude/latitude (scalars or arrays) to GCJ-02, the datum of AMap / Tencent tiles.

    Points outside mainland China's rough bounding box are not shifted,
    as GCJ-02 maps do not shift them either.
    """
    lon = np.asarray(lon, dtype=float)
    lat = np.asarray(lat, dtype=float)
    x, y = lon - 105.0, lat - 35.0
    d_lat = (
        -100.0 + 2.0 * x + 3.0 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * np.sqrt(np.abs(x))
        + (20.0 * np.sin(6.0 * x * np.pi) + 20.0 * np.sin(2.0 * x * np.pi)) * 2.0 / 3.0
        + (20.0 * np.sin(y * np.pi) + 40.0 * np.sin(y / 3.0 * np.pi)) * 2.0 / 3.0
        + (160.0 * np.sin(y / 12.0 * np.pi) + 320.0 * np.sin(y * np.pi / 30.0)) * 2.0 / 3.0
    )
    d_lon = (
        300.0 + x + 2.0 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * np.sqrt(np.abs(x))
        + (20.0 * np.sin(6.0 * x * np.pi) + 20.0 * np.sin(2.0 * x * np.pi)) * 2.0 / 3.0
        + (20.0 * np.sin(x * np.pi) + 40.0 * np.sin(x / 3.0 * np.pi)) * 2.0 / 3.0
        + (150.0 * np.sin(x / 12.0 * np.pi) + 300.0 * np.sin(x / 30.0 * np.pi)) * 2.0 / 3.0
    )
    rad_lat = lat / 180.0 * np.pi
    magic = 1 - _GCJ_EE * np.sin(rad_lat) ** 2
    d_lat = (d_lat * 180.0) / ((_GCJ_A * (1 - _GCJ_EE)) / (magic * np.sqrt(magic)) * np.pi)
    d_lon = (d_lon * 180.0) / (_GCJ_A / np.sqrt(magic) * np.cos(rad_lat) * np.pi)
    outside = (lon < 72.004) | (lon > 137.8347) | (lat < 0.8293) | (lat > 55.8271)
    return np.where(outside, lon, lon + d_lon), np.where(outside, lat, lat + d_lat)


def to_tile_datum(lon, lat, tile_crs: str):
    """Coordinates as the map must draw them over tiles in `tile_crs` ("wgs84" or "gcj02")."""
    if tile_crs == "gcj02":
        return wgs84_to_gcj02(lon, lat)
    return np.asarray(lon, dtype=float), np.asarray(lat, dtype=float)


def drawn_points(frame: pd.DataFrame, tile_crs: str) -> pd.DataFrame:
    """`frame` with its `lon`/`lat` columns moved into the tiles' datum (a copy; the input is untouched)."""
    if frame.empty or tile_crs == "wgs84":
        return frame
    lon, lat = to_tile_datum(frame["lon"].to_numpy(), frame["lat"].to_numpy(), tile_crs)
    return frame.assign(lon=lon, lat=lat)


def area_shapes(db: Database, scope: Scope) -> pd.DataFrame:
    """The shapes a map of the scope draws: the scope area's children, or the area itself when it has none.

    Columns: area_code, name, level, geometry (a GeoJSON geometry dict,
    simplified, in the tiles' datum; None when the area has no boundary),
    center_lon, center_lat (the stored label point, else a point inside the
    boundary; NaN when the area has neither). Ordered by area_code.
    """
    key = f"geo.area_shapes:{db.cache_namespace}:{scope.area_code}:{db.settings.tile_crs}"
    shapes = db.cache.get_or_compute(key, False, lambda: _read_area_shapes(db, scope.area_code))
    if scope.unrestricted_below:
        return shapes
    # Shapes are reference data, cached for everyone; a principal is shown only those of its own areas.
    inside = shapes["area_code"].map(lambda code: any(code.startswith(p) for p in scope.permitted_areas))
    return shapes[inside.astype(bool)].reset_index(drop=True)


def _read_area_shapes(db: Database, area_code: str) -> pd.DataFrame:
    a = gate.reference(db, "area")
    columns = (a.c.area_code, a.c.name, a.c.level, a.c.boundary, a.c.center_lon, a.c.center_lat)
    parent = a.c.parent_code.is_(None) if area_code == WHOLE_DATABASE else a.c.parent_code == area_code
    with db.connect() as conn:
        rows = conn.execute(select(*columns).where(parent).order_by(a.c.area_code)).all()
        if not rows and area_code != WHOLE_DATABASE:
            rows = conn.execute(select(*columns).where(a.c.area_code == area_code)).all()
    frame = pd.DataFrame(rows, columns=["area_code", "name", "level", "boundary", "center_lon", "center_lat"])
    return _drawable(frame, db.settings.tile_crs)[AREA_SHAPE_COLUMNS]


def zone_shapes(db: Database, scope: Scope) -> pd.DataFrame:
    """The crowd zones in scope, drawable. Columns: zone_id, name, geometry, center_lon, center_lat (as area_shapes).

    A zone has no label point in the contract, so a zone without a boundary
    has no place on the map (NaN centre); views still list it.
    """
    key = f"geo.zone_shapes:{db.cache_namespace}:{scope.area_code}:{db.settings.tile_crs}"

    def read() -> pd.DataFrame:
        z = gate.crowd_zones(db, scope)
        with db.connect() as conn:
            rows = conn.execute(select(z.c.zone_id, z.c.name, z.c.boundary).order_by(z.c.zone_id)).all()
        frame = pd.DataFrame(rows, columns=["zone_id", "name", "boundary"]).assign(center_lon=np.nan, center_lat=np.nan)
        return _drawable(frame, db.settings.tile_crs)[ZONE_SHAPE_COLUMNS]

    return db.cache.get_or_compute(key, False, read)


def bounds(shapes: pd.DataFrame) -> list[list[float]] | None:
    """[[south, west], [north, east]] around every shape and centre in `shapes` (Leaflet's order); None if empty."""
    boxes = [shapely.bounds(shapely.from_geojson(json.dumps(g))) for g in shapes["geometry"] if g]
    points = shapes[["center_lon", "center_lat"]].dropna().to_numpy()
    if len(points):
        boxes.append(np.concatenate([points.min(axis=0), points.max(axis=0)]))
    if not boxes:
        return None
    stacked = np.vstack(boxes)
    west, south = stacked[:, 0].min(), stacked[:, 1].min()
    east, north = stacked[:, 2].max(), stacked[:, 3].max()
    return [[float(south), float(west)], [float(north), float(east)]]


def simplification(extent_deg: float) -> tuple[float, int]:
    """(tolerance in degrees, decimals to keep) for shapes drawn across `extent_deg` degrees.

    The tolerance is one pixel of a MAP_PIXELS-wide map; coordinates keep
    just enough decimals that rounding moves a vertex by under half of that.
    """
    tolerance = max(extent_deg, 1e-9) / MAP_PIXELS
    decimals = min(MAX_DECIMALS, max(0, math.ceil(-math.log10(tolerance / 2))))
    return tolerance, decimals


def _drawable(frame: pd.DataFrame, tile_crs: str) -> pd.DataFrame:
    """Boundary text -> simplified, rounded, datum-shifted geometry dicts; missing centres from the shapes."""
    shapes = _parse_boundaries(frame["boundary"])
    present = ~shapely.is_missing(shapes)
    if present.any():
        xmin, ymin, xmax, ymax = shapely.total_bounds(shapes[present])
        tolerance, decimals = simplification(max(xmax - xmin, ymax - ymin))
        shapes[present] = _simplified(shapes[present], tolerance)
        inside = shapely.point_on_surface(shapes[present])
        centres = frame.loc[present, ["center_lon", "center_lat"]].to_numpy(dtype=float, copy=True)
        missing_centre = np.isnan(centres).any(axis=1)
        centres[missing_centre] = shapely.get_coordinates(inside)[missing_centre]
        frame.loc[present, ["center_lon", "center_lat"]] = centres
        shapes[present] = shapely.transform(
            shapes[present],
            lambda xy: np.round(np.column_stack(to_tile_datum(xy[:, 0], xy[:, 1], tile_crs)), decimals),
        )
    centres = frame[["center_lon", "center_lat"]].to_numpy(dtype=float)
    lon, lat = to_tile_datum(centres[:, 0], centres[:, 1], tile_crs)
    geometry = [json.loads(text) if text else None for text in shapely.to_geojson(shapes)]
    return frame.assign(geometry=geometry, center_lon=lon, center_lat=lat)


def _parse_boundaries(texts: pd.Series) -> np.ndarray:
    """Boundary texts as shapely geometries; missing, unreadable or non-polygon ones as None.

    A boundary is optional in the contract and typed by hand in some cities:
    one bad row must cost that area its outline, not the whole map.
    """
    shapes = np.full(len(texts), None, dtype=object)
    for i, text in enumerate(texts):
        if not isinstance(text, str) or not text.strip():  # NULL reads as None or NaN
            continue
        try:
            shape = shapely.from_geojson(text)
        except shapely.errors.GEOSException:
            continue
        if shape.geom_type in ("Polygon", "MultiPolygon") and not shape.is_empty:
            shapes[i] = shape if shape.is_valid else shapely.make_valid(shape)
    return shapes


def _simplified(shapes: np.ndarray, tolerance: float) -> np.ndarray:
    """Neighbours simplified together when they form a proper coverage (shared edges stay shared), else one by one."""
    if shapely.coverage_is_valid(shapes):
        return shapely.coverage_simplify(shapes, tolerance)
    return shapely.simplify(shapes, tolerance, preserve_topology=True)
