"""Wiring shared by every area map: geometry sent once per page, and drill-down by clicking an area.

A map's refresh callback asks `geometry_update` whether the page already
holds the geometry of its scope (the `loaded` store says whose it holds);
only when it does not are the boundaries, the tiles and the viewport sent.
Everything else a refresh sends is a hideout of colours and labels.

A click on an area is untrusted input: the clicked code must be one of the
current area's children, checked against the database, before the URL is
narrowed to it.
"""
from __future__ import annotations

from typing import NamedTuple

import dash
import pandas as pd
from dash import Input, Output, State, no_update

from callbacks.scoped_view import child_area_search
from components.area_map import area_features, tile_layers, viewport
from data_access import geo
from data_access.database import Database
from data_access.scope import Scope


class GeometryUpdate(NamedTuple):
    """What a map refresh sends for the base layers (data, tiles, viewport, loaded: no_update when the
    page holds them), with the shapes drawn and whether they are children a click drills into."""

    shapes: pd.DataFrame
    drillable: bool
    data: object
    tiles: object
    viewport: object
    loaded: object


def geometry_update(db: Database, scope: Scope, loaded: str | None) -> GeometryUpdate:
    """The area layer's outputs: the geometry when the page does not hold this scope's yet, else no_update."""
    shapes = geo.area_shapes(db, scope)
    # A leaf is drawn alone: there is nothing below it to drill into.
    drillable = bool(len(shapes)) and bool((shapes["area_code"] != scope.area_code).all())
    if holds_geometry(db, scope, loaded):
        return GeometryUpdate(shapes, drillable, no_update, no_update, no_update, no_update)
    # Nothing to fit (no areas drawn): the viewport is left alone, as dash-leaflet cannot take None.
    fitted = viewport(geo.bounds(shapes)) or no_update
    return GeometryUpdate(shapes, drillable, area_features(shapes), tile_layers(db.settings.tile_url), fitted,
                          _geometry_key(db, scope))


def holds_geometry(db: Database, scope: Scope, loaded) -> bool:
    """Whether the page's `loaded` (from the browser) says it holds the geometry of `scope`'s map already."""
    return loaded == _geometry_key(db, scope)


def _geometry_key(db: Database, scope: Scope) -> str:
    return f"{scope.area_code}|{db.settings.tile_crs}"


def register_drill_down(app: dash.Dash, db: Database, layer_id: str, url_id: str) -> None:
    """Clicking an area of the layer `layer_id` narrows the URL's scope to it (validated first)."""

    @app.callback(
        Output(url_id, "search", allow_duplicate=True),
        Input(layer_id, "clickData"),
        State(url_id, "search"),
        prevent_initial_call=True,
    )
    def drill_down(feature, search):
        return drill_down_search(db, feature, search)


def drill_down_search(db: Database, feature: dict | None, search: str | None) -> str:
    """The URL query showing the clicked area, keeping every other parameter.

    Raises PreventUpdate unless the click names a child of the current area
    (scoped_view.child_area_search checks): a hand-made request cannot jump
    anywhere else, and a click on the area itself (a leaf drawn alone)
    changes nothing.
    """
    return child_area_search(db, search, clicked_code(feature, "code"))


def clicked_code(feature, name: str) -> str | None:
    """The string property `name` of a clicked GeoJSON feature, or None for anything malformed."""
    if not isinstance(feature, dict):
        return None
    properties = feature.get("properties")
    value = properties.get(name) if isinstance(properties, dict) else None
    return value if isinstance(value, str) and 0 < len(value) <= 40 else None
