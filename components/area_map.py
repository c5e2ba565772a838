"""The area map: child areas' boundaries as the basemap, coloured by an indicator, with legend and drill-down.

Command centres are offline, so no public tile server can be reached: the
boundaries of the scope's child areas (data_access.geo, already simplified
and in the tiles' datum) *are* the basemap, and intranet tiles are added
under them only when configured (settings.tile_url).

Colour is applied in the browser by hand-written functions in
assets/maps.js, fed through each layer's `hideout`: the geometry is sent
once when a page opens, and a refresh or a new indicator sends only a
hideout of colours and labels (dash-leaflet re-styles without new data).
A view adds its own layers (crowd zones, heat cells, workers, a track)
as `overlays`; the builders for those layers' data and hideouts live here
too, so every map draws the same way. No I/O: frames in, components and
plain dicts out.
"""
from __future__ import annotations

import math
from typing import Iterable, NamedTuple

import dash_leaflet as dl
import pandas as pd
from dash import dcc, html
from dash_extensions.javascript import Namespace

from components.theme import Theme
from components.wall_figures import NEAR_CAPACITY
from i18n import (
    format_count,
    format_indicator,
    format_moment,
    format_rate,
    indicator_definition,
    indicator_label,
    t,
)

MAPS = Namespace("onescreenMaps")
EMPTY = {"type": "FeatureCollection", "features": []}
# Names stay on the map (not only on hover) up to this many areas: a wall has no mouse.
# More (Chengdu's twenty districts) and the small ones in the core overlap.
PERMANENT_LABELS_UP_TO = 12
COLOUR_CLASSES = 5
# Pixels kept clear around what a map is fitted to (its viewport): a shape never touches the map's edge.
FIT_PADDING = 12
FILL_OPACITY = 0.72
# The ticket indicators a map of child areas can be coloured by, the first by default
# (values from indicators.kpis_by(..., "area")).
MAP_INDICATORS = ("closure_rate", "backlog", "overdue", "reported")


class AreaMapIds(NamedTuple):
    """The ids of one map's parts: the map, its tile layer group, the area layer, the legend, the
    message over the map (what it cannot draw), and the store saying whose geometry the map holds."""

    map: str
    tiles: str
    areas: str
    legend: str
    message: str
    loaded: str


class ColourScale(NamedTuple):
    """Classes of values: `colours[i]` fills values from `edges[i]` up to the next edge; the last class
    runs to `high`. `kind` is "rate" or "count", as the values are written in the legend."""

    edges: tuple[float, ...]
    colours: tuple[str, ...]
    high: float
    kind: str

    def index(self, value) -> int | None:
        """The class of `value`; None for no value (n/a)."""
        if value is None or (isinstance(value, float) and math.isnan(value)):
            return None
        return min(sum(1 for edge in self.edges[1:] if value >= edge), len(self.colours) - 1)

    def colour(self, value) -> str | None:
        index = self.index(value)
        return None if index is None else self.colours[index]


def area_map(ids: AreaMapIds, theme: Theme, *, overlays: Iterable = ()) -> html.Div:
    """The map skeleton a page lays out; callbacks fill the layers (see module docstring).

    The view starts on China and is fitted to the areas when their geometry
    arrives; `overlays` are drawn above the areas, in order.
    """
    return html.Div(
        [
            dl.Map(
                [
                    dl.LayerGroup(id=ids.tiles),
                    dl.GeoJSON(
                        id=ids.areas,
                        data=EMPTY,
                        style=MAPS("areaStyle"),
                        pointToLayer=MAPS("areaPoint"),
                        onEachFeature=MAPS("areaTooltip"),
                        hideout=neutral_hideout(theme, hint=None),
                        bubblingMouseEvents=False,
                    ),
                    *overlays,
                ],
                id=ids.map,
                center=[30.0, 110.0],
                zoom=4,
                # Leaflet's attribution links to a website; nothing on an offline wall may.
                attributionControl=False,
                # A canvas draws thousands of markers where SVG elements would stall.
                preferCanvas=True,
                zoomSnap=0.25,
                className="area-map__map",
            ),
            html.Div(id=ids.legend, className="map-legend"),
            html.Div(id=ids.message, className="map-message"),
            dcc.Store(id=ids.loaded),
        ],
        className="area-map",
    )


def map_card(title: str, note, body, *, controls=None, wide: bool = False) -> html.Section:
    """A card holding a map (the chart cards' look); `controls` sit beside the title.

    `note` is text, or a component a callback fills (a note that depends on what the map shows).
    """
    heading = [html.H2(title, className="card__title")]
    if note is not None:  # not `if note`: an empty component is falsy, yet a callback will fill it
        heading.append(html.P(note, className="card__note"))
    head = [html.Div(heading)]
    if controls is not None:
        head.append(html.Div(controls, className="map-card__controls"))
    return html.Section(
        [html.Div(head, className="card__heading map-card__heading"), html.Div(body, className="map-card__body")],
        className="card map-card map-card--wide" if wide else "card map-card",
    )


def tile_layers(tile_url: str | None) -> list:
    """The intranet tile layer when one is configured; none otherwise (the boundaries are the basemap)."""
    return [dl.TileLayer(url=tile_url, attribution="")] if tile_url else []


def area_features(shapes: pd.DataFrame) -> dict:
    """A FeatureCollection of the areas in `shapes` (data_access.geo.area_shapes).

    An area with a boundary is its polygon; one with only a centre is a point
    there; one with neither is not drawn. Properties: code, name.
    """
    features = []
    for area in shapes.itertuples(index=False):
        if area.geometry:
            geometry = area.geometry
        elif not (pd.isna(area.center_lon) or pd.isna(area.center_lat)):
            geometry = {"type": "Point", "coordinates": [float(area.center_lon), float(area.center_lat)]}
        else:
            continue
        features.append(
            {"type": "Feature", "geometry": geometry, "properties": {"code": area.area_code, "name": area.name}}
        )
    return {"type": "FeatureCollection", "features": features}


def nothing_to_draw(shapes: pd.DataFrame) -> bool:
    """Areas there are, yet none has a boundary or a centre (NYC's community districts as imported)."""
    with_centre = shapes[["center_lon", "center_lat"]].notna().all(axis=1)
    return not shapes.empty and not (shapes["geometry"].notna() | with_centre).any()


def shapes_message(shapes: pd.DataFrame, lang: str) -> str | None:
    """What the map cannot draw, said in place: no areas, no boundaries at all, or some areas without one."""
    if shapes.empty:
        return t("map.no_areas", lang)
    if nothing_to_draw(shapes):
        return t("map.nothing_to_draw", lang)
    with_boundary = shapes["geometry"].notna()
    if not with_boundary.any():
        return t("map.no_boundaries", lang)
    missing = int((~with_boundary).sum())
    return t("map.some_without_boundary", lang, count=missing) if missing else None


def viewport(bounds: list[list[float]] | None) -> dict | None:
    """The map's viewport fitted to `bounds` ([[south, west], [north, east]]); None when there is nothing to fit."""
    if not bounds:
        return None
    return {"bounds": bounds, "transition": "fitBounds", "options": {"padding": [FIT_PADDING, FIT_PADDING]}}


def neutral_hideout(theme: Theme, *, hint: str | None, permanent: bool = False) -> dict:
    """The areas drawn plain, as a basemap under other layers."""
    return {
        "line": theme.muted,
        "neutral": theme.surface,
        "neutralOpacity": 0.85,
        "fillOpacity": FILL_OPACITY,
        "colours": {},
        "labels": {},
        "hint": hint,
        "permanent": permanent,
    }


def labels_permanent(shapes: pd.DataFrame) -> bool:
    return 0 < len(shapes) <= PERMANENT_LABELS_UP_TO


def colour_scale(values: Iterable, theme: Theme, *, kind: str) -> ColourScale | None:
    """Up to COLOUR_CLASSES classes of equal width over the values present (None when there are none).

    The classes compare the areas on screen with each other, so their
    colours must not say "good" or "bad" by themselves: a rate (closure)
    runs in one hue from dim to bright; a count (backlog, people) from dim
    through amber to red, as heat, counted from zero (nothing is dim). Red
    never marks a 99 % closure rate that only happens to be the lowest.
    There are never more classes than the legend can tell apart: a rate is
    written to 0.1 %, a count in whole units (a count's classes are whole
    ranges such as 0–183, 184–367).
    """
    present = [float(v) for v in values if v is not None and not (isinstance(v, float) and math.isnan(v))]
    if not present:
        return None
    high = max(present)
    stops = stops_for(theme, kind)
    if kind == "count":
        low = min(0.0, min(present))
        step = max(1, math.ceil((high - low + 1) / COLOUR_CLASSES))
        classes = math.ceil((high - low + 1) / step)
        edges = tuple(low + step * i for i in range(classes))
    else:
        low = min(present)
        classes = max(1, min(COLOUR_CLASSES, math.floor((high - low) / 0.001 + 1e-9)))
        edges = tuple(low + (high - low) * i / classes for i in range(classes))
    if classes == 1:
        # One value for every area: nothing to compare; a count of nothing stays dim.
        return ColourScale(edges, (_ramp(stops, 0.0 if kind == "count" and high == 0 else 1.0),), high, kind)
    colours = tuple(_ramp(stops, (i + 1) / classes) for i in range(classes))
    return ColourScale(edges, colours, high, kind)


def stops_for(theme: Theme, kind: str) -> tuple[str, ...]:
    """The ramp's colours, dim first: one hue for a rate, dim-amber-red for a count."""
    return (theme.border, theme.series[1]) if kind == "rate" else (theme.border, theme.warning, theme.alert)


def choropleth_hideout(
    theme: Theme, scale: ColourScale | None, values: dict, labels: dict, *, hint: str | None, permanent: bool
) -> dict:
    """Areas filled by `scale` from `values` (code -> value), with `labels` (code -> text) in their tooltips."""
    hideout = neutral_hideout(theme, hint=hint, permanent=permanent)
    hideout["line"] = theme.text
    hideout["neutralOpacity"] = 0.5
    hideout["colours"] = {code: scale.colour(v) for code, v in values.items() if scale and scale.colour(v)}
    hideout["labels"] = labels
    return hideout


def legend(
    title: str, definition: str, entries: list[tuple[str, str]], lang: str, *, missing: str | None = None
) -> list:
    """A legend: the title (its definition on hover), then a swatch per (colour, text) entry.

    `missing`: the colour areas without a value are drawn in, listed as "no data".
    """
    rows = [html.Div(title, className="map-legend__title", title=definition)]
    rows += [_legend_row(colour, text) for colour, text in entries]
    if missing:
        rows.append(_legend_row(missing, t("no_data", lang)))
    return rows


def scale_entries(scale: ColourScale | None, lang: str) -> list[tuple[str, str]]:
    """(colour, "from – to") per class, written as the values are (a rate, or whole counts)."""
    if scale is None:
        return []
    uppers = list(scale.edges[1:]) + [None]
    entries = []
    for colour, low, upper in zip(scale.colours, scale.edges, uppers):
        if scale.kind == "rate":
            high = scale.high if upper is None else upper
            text = format_rate(low, lang) if high == low else f"{format_rate(low, lang)} – {format_rate(high, lang)}"
        else:
            high = int(scale.high) if upper is None else int(upper) - 1
            text = format_count(int(low), lang) if high <= low else \
                f"{format_count(int(low), lang)} – {format_count(high, lang)}"
        entries.append((colour, text))
    return entries


def indicator_dropdown(dropdown_id: str, lang: str) -> dcc.Dropdown:
    """The choice of MAP_INDICATORS a map is coloured by."""
    return dcc.Dropdown(
        id=dropdown_id,
        options=[{"label": indicator_label(name, lang), "value": name} for name in MAP_INDICATORS],
        value=MAP_INDICATORS[0],
        clearable=False,
        searchable=False,
        className="map-card__dropdown",
    )


def indicator_choropleth(
    shapes: pd.DataFrame, by_area: pd.DataFrame, indicator: str, lang: str, theme: Theme, *, drillable: bool
) -> tuple[dict, list]:
    """(hideout, legend) colouring the areas of `shapes` by `indicator` from `kpis_by(..., "area")`.

    A child area with no ticket has no row there: its counts are 0, its
    rates n/a (drawn in the "no data" colour, never as 0 %). `drillable`:
    the areas are children a click narrows the scope to (not a leaf drawn alone).
    """
    area_values = _area_values(shapes, by_area, indicator)
    scale = colour_scale(area_values.values(), theme, kind="rate" if indicator.endswith("_rate") else "count")
    name = indicator_label(indicator, lang)
    labels = {code: f"{name}: {format_indicator(indicator, value, lang)}" for code, value in area_values.items()}
    hideout = choropleth_hideout(
        theme, scale, area_values, labels, hint=t("map.click_to_drill", lang) if drillable else None,
        permanent=labels_permanent(shapes),
    )
    entries = scale_entries(scale, lang)
    has_missing = any(value is None for value in area_values.values())
    return hideout, legend(name, indicator_definition(indicator, lang), entries, lang,
                           missing=hideout["neutral"] if has_missing else None)


def indicator_table(shapes: pd.DataFrame, by_area: pd.DataFrame, caption: str, lang: str) -> list:
    """The numbers a map of `shapes` is coloured by, as a table under `caption`: an area a row, MAP_INDICATORS
    as columns.

    What the overview shows in place of a map that has nothing to draw: the
    same values, by the same rule (no ticket: counts 0, rates n/a).
    """
    values = {indicator: _area_values(shapes, by_area, indicator) for indicator in MAP_INDICATORS}
    header = html.Tr([html.Th(t("map.table.area", lang)),
                      *(html.Th(indicator_label(name, lang), title=indicator_definition(name, lang))
                        for name in MAP_INDICATORS)])
    rows = [
        html.Tr([html.Td(name), *(html.Td(format_indicator(indicator, values[indicator][code], lang))
                                  for indicator in MAP_INDICATORS)])
        for code, name in zip(shapes["area_code"], shapes["name"])
    ]
    return [html.P(caption), html.Table([html.Thead(header), html.Tbody(rows)], className="map-table")]


def _area_values(shapes: pd.DataFrame, by_area: pd.DataFrame, indicator: str) -> dict:
    """Code -> `indicator` for each area of `shapes`: a child area with no ticket counts 0, its rates None (n/a)."""
    values = dict(zip(by_area["key"], by_area[indicator])) if not by_area.empty else {}
    rate = indicator.endswith("_rate")
    area_values = {}
    for code in shapes["area_code"]:
        value = values.get(code)
        if value is None or (isinstance(value, float) and math.isnan(value)):
            value = None if rate else 0
        area_values[code] = value
    return area_values


def point_features(frame: pd.DataFrame, properties: list[str]) -> dict:
    """Points at `frame`'s lon/lat (rows without a position are skipped), each with the named columns as properties.

    Coordinates are rounded to 1e-5 degree (about a metre): finer is invisible and costs bytes.
    """
    placed = frame.dropna(subset=["lon", "lat"])
    columns = [placed[name].tolist() for name in properties]
    features = [
        {
            "type": "Feature",
            "geometry": {"type": "Point", "coordinates": [round(float(lon), 5), round(float(lat), 5)]},
            "properties": dict(zip(properties, values)),
        }
        for lon, lat, *values in zip(placed["lon"], placed["lat"], *columns)
    ]
    return {"type": "FeatureCollection", "features": features}


def shape_features(frame: pd.DataFrame, id_column: str, *, with_centres: bool) -> dict:
    """Polygons of `frame` (geometry column), with their centre points too when `with_centres`.

    A small shape vanishes at city zoom; its centre marker keeps it visible.
    Properties: id, name.
    """
    features = []
    for row in frame.itertuples(index=False):
        properties = {"id": getattr(row, id_column), "name": row.name}
        if row.geometry:
            features.append({"type": "Feature", "geometry": row.geometry, "properties": properties})
        if with_centres and not (pd.isna(row.center_lon) or pd.isna(row.center_lat)):
            point = {"type": "Point", "coordinates": [float(row.center_lon), float(row.center_lat)]}
            features.append({"type": "Feature", "geometry": point, "properties": properties})
    return {"type": "FeatureCollection", "features": features}


def _legend_row(colour: str, text: str) -> html.Div:
    return html.Div(
        [html.Span(className="map-legend__swatch", style={"background": colour}), html.Span(text)],
        className="map-legend__row",
    )


def _ramp(stops: tuple[str, ...], position: float) -> str:
    """The colour at `position` (0-1) along straight RGB lines between the `stops`."""
    segments = len(stops) - 1
    index = min(int(position * segments), segments - 1)
    within = position * segments - index
    start, end = _rgb(stops[index]), _rgb(stops[index + 1])
    return "#" + "".join(f"{round(a + (b - a) * within):02x}" for a, b in zip(start, end))


def _rgb(colour: str) -> tuple[int, int, int]:
    return tuple(int(colour[i:i + 2], 16) for i in (1, 3, 5))


# --- Crowd layers: zones coloured by load, heat cells -----------------------------------------

# Load classes of a crowd zone (people / capacity): normal below NEAR_CAPACITY
# (80 %, the wall's threshold too), near capacity up to 100 %, over capacity
# beyond (SCHEMA.md: an alert is people > capacity).
LOAD_CLASSES = ("normal", "high", "over")
# Heat cells across the drawn extent: fine enough to show where a zone is
# fullest, coarse enough that a city-wide phone-signal feed stays a few
# thousand cells. The cell is 1/N degree, N from these round numbers.
HEAT_CELLS_ACROSS = 40
CELLS_PER_DEGREE = (10, 20, 50, 100, 200, 500, 1000, 2000)


def load_class(people: int, capacity, load) -> str | None:
    """normal / high / over for a zone's headcount, or None when its load is n/a (no positive capacity)."""
    if load is None or (isinstance(load, float) and math.isnan(load)):
        return None
    if people > capacity:
        return "over"
    return "high" if load >= NEAR_CAPACITY else "normal"


def load_colours(theme: Theme) -> dict[str, str]:
    return {"normal": theme.series[1], "high": theme.warning, "over": theme.alert}


def zone_hideout(loads: pd.DataFrame, lang: str, theme: Theme) -> dict:
    """Colours and tooltip lines of the zones from `crowd.zone_load` (zone_id, name, people, capacity, load).

    A zone over capacity is also named on the map (`alarms`: its name and
    load, a label that stays): a wall has no mouse to hover a red shape with.
    """
    colours, labels, alarms = {}, {}, {}
    palette = load_colours(theme)
    for zone in loads.itertuples(index=False):
        kind = load_class(zone.people, zone.capacity, zone.load)
        load = format_rate(None if kind is None else float(zone.load), lang)
        if kind:
            colours[zone.zone_id] = palette[kind]
        if kind == "over":
            alarms[zone.zone_id] = t("crowd.zone.alarm", lang, name=zone.name, load=load)
        labels[zone.zone_id] = t(
            "crowd.zone.tooltip", lang, people=format_count(int(zone.people), lang),
            capacity=format_count(int(zone.capacity), lang), load=load,
        )
    return {"colours": colours, "labels": labels, "alarms": alarms, "neutral": theme.muted, "pointRadius": 7}


def zone_legend(lang: str, theme: Theme) -> list:
    palette = load_colours(theme)
    entries = [(palette[kind], t(f"crowd.class.{kind}", lang)) for kind in LOAD_CLASSES]
    return legend(t("crowd.legend.load", lang), t("crowd.definition.load", lang), entries, lang, missing=theme.muted)


def heat_cells_per_degree(bounds: list[list[float]] | None) -> int:
    """The heat cell size (as cells per degree) for a map drawn across `bounds`."""
    if not bounds:
        return CELLS_PER_DEGREE[-1]
    (south, west), (north, east) = bounds
    extent = max(north - south, east - west)
    return next((n for n in CELLS_PER_DEGREE if extent * n >= HEAT_CELLS_ACROSS), CELLS_PER_DEGREE[-1])


def heat_layer(cells: pd.DataFrame, cells_per_degree: int, lang: str, theme: Theme) -> tuple[dict, dict, list]:
    """(data, hideout, legend) of the heat cells from `crowd.heat_cells` (lat, lon, people; in the tiles' datum).

    A cell is sent as its centre and class; the browser draws the square
    (assets/maps.js heatCell), so a cell costs a few dozen bytes.
    """
    scale = colour_scale(cells["people"], theme, kind="count")
    frame = cells.assign(
        c=[scale.index(p) for p in cells["people"]] if scale else [],
        t=[t("crowd.heat.cell", lang, people=format_count(int(p), lang)) for p in cells["people"]],
    )
    hideout = {"colours": list(scale.colours) if scale else [], "half": 0.5 / cells_per_degree, "fillOpacity": 0.65}
    title = t("crowd.legend.heat", lang)
    definition = t("crowd.definition.heat", lang, cell=f"{1 / cells_per_degree:g}")
    key = legend(title, definition, scale_entries(scale, lang), lang) if scale else []
    return point_features(frame, ["c", "t"]), hideout, key


def legend_sections(*sections: list) -> list:
    """Several legends stacked in one box (the crowd map: zone load and heat)."""
    return [html.Div(section, className="map-legend__section") for section in sections if section]


# --- Workers layers: positions or per-area counts, patrol coverage, a track -------------------

# The largest dot of per-area worker counts, in pixels; the smallest is MIN_AGGREGATE_RADIUS.
MAX_AGGREGATE_RADIUS = 22
MIN_AGGREGATE_RADIUS = 5
WORKER_RADIUS = 5


def state_colours(theme: Theme) -> dict[str, str]:
    """Worker states (data_access.workers.WORKER_STATES): online green, stale amber, offline grey."""
    return {"online": theme.series[1], "stale": theme.warning, "offline": theme.muted}


def worker_points(roster: pd.DataFrame, as_of, lang: str) -> dict:
    """Each worker of `workers.worker_roster` with a position (tiles' datum) as a dot.

    Properties are kept short, as a street sends a thousand of them: id and
    n (worker id and name, only when the roster carries them: data_access
    withholds them without personal data, and then the dot is a position
    without identity), s (state) and p (last ping: the time, with the date
    when not as_of's day). The browser writes the tooltip (assets/maps.js
    workerTooltip).
    """
    pings = [
        None if pd.isna(moment) else moment.strftime("%H:%M:%S" if moment.date() == as_of.date() else "%Y-%m-%d %H:%M")
        for moment in pd.to_datetime(roster["last_ping"])
    ]
    frame = roster.assign(s=roster["state"], p=pings)
    if "worker_id" not in roster:
        return point_features(frame, ["s", "p"])
    return point_features(frame.assign(id=roster["worker_id"], n=roster["name"]), ["id", "n", "s", "p"])


def worker_aggregates(shapes: pd.DataFrame, by_area: pd.DataFrame, lang: str) -> dict:
    """Workers per child area (`workers.workers_by_area`) as one dot at each area's centre, sized by count.

    Properties: code (what a click drills to), s ("aggregate"), r (radius:
    area proportional to the count), t (the tooltip: name and states).
    """
    placed = shapes[["area_code", "center_lon", "center_lat"]].rename(
        columns={"area_code": "key", "center_lon": "lon", "center_lat": "lat"}
    )
    frame = by_area.merge(placed, on="key", how="inner")
    largest = max(int(frame["total"].max()), 1) if len(frame) else 1
    radius = [
        round(MIN_AGGREGATE_RADIUS + (MAX_AGGREGATE_RADIUS - MIN_AGGREGATE_RADIUS) * math.sqrt(total / largest), 1)
        for total in frame["total"]
    ]
    text = [
        f"{row.name}\n" + t("workers.tooltip.aggregate", lang, **{
            state: format_count(int(getattr(row, state)), lang) for state in ("total", "online", "stale", "offline")
        }) + "\n" + t("map.click_to_drill", lang)
        for row in frame.itertuples(index=False)
    ]
    return point_features(frame.assign(code=frame["key"], s="aggregate", r=radius, t=text), ["code", "s", "r", "t"])


def worker_hideout(theme: Theme, lang: str, *, aggregated: bool) -> dict:
    """Colours per state (and for per-area counts), and the words the browser writes workers' tooltips with.

    Per-area dots are translucent with a light ring: they overlap in a dense
    core, and the fill under them must stay readable.
    """
    colours = {**state_colours(theme), "aggregate": theme.accent}
    return {
        "colours": colours, "neutral": theme.muted, "radius": WORKER_RADIUS,
        "line": theme.text if aggregated else theme.page, "weight": 1, "fillOpacity": 0.6 if aggregated else 0.9,
        "states": {state: t(f"workers.state.{state}", lang) for state in state_colours(theme)},
        "lastPing": t("workers.tooltip.last_ping", lang),
    }


def state_legend(lang: str, theme: Theme, *, online_minutes: int, stale_minutes: int) -> list:
    """The states' colours; their definitions (with the data layer's thresholds) on hover."""
    entries = [(colour, t(f"workers.state.{state}", lang)) for state, colour in state_colours(theme).items()]
    definition = "\n".join(
        t(f"workers.definition.{state}", lang, online=online_minutes, stale=stale_minutes)
        for state in state_colours(theme)
    )
    return legend(t("workers.legend.states", lang), definition, entries, lang)


def aggregate_legend(largest: int, lang: str, theme: Theme) -> list:
    entry = (theme.accent, t("workers.legend.aggregate.row", lang, count=format_count(largest, lang)))
    return legend(t("workers.legend.aggregate", lang), t("workers.definition.total", lang), [entry], lang)


def coverage_choropleth(
    shapes: pd.DataFrame, coverage: pd.DataFrame, lang: str, theme: Theme, *, drillable: bool
) -> tuple[dict, list]:
    """(hideout, legend) filling each area by its grids nobody patrolled today (`workers.patrol_coverage_by_area`).

    An area without grids has no count and keeps the plain fill.
    """
    counts = dict(zip(coverage["key"], coverage["unpatrolled"]))
    grids = dict(zip(coverage["key"], coverage["grids"]))
    values = {code: counts[code] for code in shapes["area_code"] if code in counts}
    labels = {
        code: t("workers.tooltip.coverage", lang, count=format_count(int(value), lang),
                grids=format_count(int(grids[code]), lang))
        for code, value in values.items()
    }
    scale = colour_scale(values.values(), theme, kind="count")
    hideout = choropleth_hideout(
        theme, scale, values, labels, hint=t("map.click_to_drill", lang) if drillable else None,
        permanent=labels_permanent(shapes),
    )
    # Workers are drawn at the areas' centres: names go above them, counts stay in the hover tooltip.
    hideout.update(labelValues=False, labelAbove=MAX_AGGREGATE_RADIUS)
    key = legend(t("workers.legend.coverage", lang), t("workers.definition.unpatrolled", lang),
                 scale_entries(scale, lang), lang) if scale else []
    return hideout, key


def track_layer(track: pd.DataFrame, lang: str, theme: Theme) -> list:
    """A worker's pings today (`workers.patrol_track`, tiles' datum) as a line with its first and latest ping marked."""
    if track.empty:
        return []
    points = [[round(float(lat), 6), round(float(lon), 6)] for lat, lon in zip(track["lat"], track["lon"])]
    first, last = track.iloc[0], track.iloc[-1]
    return [
        dl.Polyline(positions=points, color=theme.accent, weight=4, opacity=0.9),
        dl.CircleMarker(
            center=points[0], radius=7, color=theme.page, weight=2, fillColor=theme.series[1], fillOpacity=1,
            children=dl.Tooltip(t("workers.track.start", lang, moment=format_moment(first["recorded_at"], lang))),
        ),
        dl.CircleMarker(
            center=points[-1], radius=9, color=theme.page, weight=2, fillColor=theme.accent, fillOpacity=1,
            children=dl.Tooltip(t("workers.track.end", lang, moment=format_moment(last["recorded_at"], lang))),
        ),
    ]
