"""Geometry shared by the generator and the live feed: stored boundaries, grids, points inside them.

Boundaries are stored as GeoJSON with coordinates rounded to 1e-6 degree
(about 0.1 m). Rounding happens once, per vertex, before any union, so two
neighbours that share an edge still share it exactly after rounding and a
parent is exactly the union of its children: no slivers, no gaps.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import shapely

COORDINATE_DECIMALS = 6
METRES_PER_DEGREE_LAT = 111_320.0


def round_coordinates(geometries: np.ndarray) -> np.ndarray:
    """The same geometries with every vertex rounded to the stored precision."""
    return shapely.transform(geometries, lambda xy: np.round(xy, COORDINATE_DECIMALS))


def geojson_texts(geometries: np.ndarray) -> np.ndarray:
    """GeoJSON geometry text (lon/lat) for each geometry, as stored in `boundary` columns."""
    return shapely.to_geojson(geometries).astype(object)


def metres_to_degrees(metres: float | np.ndarray, lat: float | np.ndarray) -> tuple:
    """Degrees of (longitude, latitude) spanned by a distance in metres at a latitude."""
    dlat = np.asarray(metres) / METRES_PER_DEGREE_LAT
    return dlat / np.cos(np.radians(lat)), dlat


def blob(lon: float, lat: float, radius_m: float, rng: np.random.Generator, vertices: int = 14) -> shapely.Polygon:
    """An irregular round polygon around a point: the footprint of a street, park or station."""
    angles = np.sort(rng.uniform(0, 2 * np.pi, vertices))
    radii = radius_m * rng.uniform(0.7, 1.2, vertices)
    dlon, dlat = metres_to_degrees(radii, lat)
    ring = np.column_stack([lon + dlon * np.cos(angles), lat + dlat * np.sin(angles)])
    return round_coordinates(shapely.Polygon(ring))


def points_within(polygon: shapely.Geometry, count: int, rng: np.random.Generator) -> np.ndarray:
    """`count` uniform random (lon, lat) points inside a polygon, by rejection from its bounding box."""
    xmin, ymin, xmax, ymax = polygon.bounds
    found = np.empty((0, 2))
    while len(found) < count:
        candidates = rng.uniform((xmin, ymin), (xmax, ymax), size=(count * 4, 2))
        inside = shapely.contains_xy(polygon, candidates[:, 0], candidates[:, 1])
        found = np.vstack([found, candidates[inside]])
    return found[:count]


@dataclass(frozen=True)
class Leaves:
    """The finest areas of the city (grids or micro-grids): where tickets happen and workers patrol.

    `lon`/`lat` are the stored label points (always inside), `radius_deg` a
    typical half-width, used to spread points and patrols over the area.
    """

    codes: np.ndarray
    shapes: np.ndarray
    lon: np.ndarray
    lat: np.ndarray

    @classmethod
    def from_boundaries(cls, codes, boundaries, lon, lat) -> "Leaves":
        return cls(
            codes=np.asarray(codes, dtype=object),
            shapes=shapely.from_geojson(np.asarray(boundaries, dtype=object)),
            lon=np.asarray(lon, dtype=float),
            lat=np.asarray(lat, dtype=float),
        )

    @property
    def radius_deg(self) -> np.ndarray:
        return np.sqrt(shapely.area(self.shapes)) / 2

    def scatter(self, index: np.ndarray, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
        """A point inside leaf `index[i]` for each i: jitter around the label point, kept inside.

        A jittered point that falls outside its (possibly concave) leaf
        falls back to the label point, so every point is in its own area.
        """
        spread = 0.35 * self.radius_deg[index]
        lon = self.lon[index] + rng.normal(0, 1, len(index)) * spread
        lat = self.lat[index] + rng.normal(0, 1, len(index)) * spread
        inside = shapely.contains_xy(self.shapes[index], lon, lat)
        lon = np.where(inside, lon, self.lon[index])
        lat = np.where(inside, lat, self.lat[index])
        return lon.round(COORDINATE_DECIMALS), lat.round(COORDINATE_DECIMALS)
