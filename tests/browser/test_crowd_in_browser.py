"""The crowd map in Chromium with a zone in alarm: the zone drawn whole inside the map, and named on it.

The test writes one snapshot with the city's southernmost zone over its
capacity (the live feed's surge, tests/browser/test_wall_in_browser.py's
CrowdFeed): the bottom edge is where the replay bar under the map took its
height after the map was first fitted. The map draws on a canvas
(preferCanvas), so a zone has no element of its own: its place is read from
Leaflet, through a hook the page is given before any script runs (every
L.Map created is kept in window.__maps).
"""
from __future__ import annotations

import json

import pytest
import shapely
from sqlalchemy import create_engine, select

from components.area_map import FIT_PADDING
from data_access.contract import crowd_zone
from tests.browser.harness import screenshot, wait_until_shown
from tests.browser.test_wall_in_browser import CrowdFeed

KEEP_MAPS_JS = """
(() => {
    window.__maps = [];
    let leaflet;
    Object.defineProperty(window, "L", {
        configurable: true,
        get: () => leaflet,
        set: (value) => {
            leaflet = value;
            if (value && value.Map && !value.Map.__kept) {
                value.Map.__kept = true;
                value.Map.addInitHook(function () { window.__maps.push(this); });
            }
        },
    });
})();
"""
# The zone's polygon as drawn (its bounds at the map's zoom, in page pixels), the map's box, and the map's labels.
ZONE_ON_MAP_JS = """
(zone) => {
    const map = window.__maps.find(m => m.getContainer().classList.contains("area-map__map"));
    const box = map.getContainer().getBoundingClientRect();
    const polygon = Object.values(map._layers).find(
        layer => layer.feature && layer.feature.properties.id === zone && layer.feature.geometry.type !== "Point"
    );
    const bounds = polygon.getBounds();
    const nw = map.latLngToContainerPoint(bounds.getNorthWest());
    const se = map.latLngToContainerPoint(bounds.getSouthEast());
    const labels = [...map.getContainer().querySelectorAll(".leaflet-tooltip.map-label--alarm")].map(label => {
        const r = label.getBoundingClientRect();
        return {text: label.textContent, box: [r.left, r.top, r.right, r.bottom]};
    });
    return {
        map: [box.left, box.top, box.right, box.bottom],
        zone: [box.left + nw.x, box.top + nw.y, box.left + se.x, box.top + se.y],
        labels: labels,
    };
}
"""


def southernmost_zone(url: str) -> tuple[str, str]:
    """(zone_id, name) of the zone whose boundary reaches furthest south."""
    engine = create_engine(url)
    with engine.connect() as conn:
        zones = conn.execute(select(crowd_zone.c.zone_id, crowd_zone.c.name, crowd_zone.c.boundary)).all()
    engine.dispose()
    south = {row.zone_id: shapely.bounds(shapely.from_geojson(row.boundary))[1] for row in zones if row.boundary}
    zone_id = min(south, key=south.get)
    return zone_id, next(row.name for row in zones if row.zone_id == zone_id)


def inside(inner, outer, margin: float = 0) -> bool:
    """The box `inner` lies in `outer` with `margin` pixels to spare on every side (boxes: left, top, right, bottom)."""
    return (outer[0] + margin <= inner[0] and outer[1] + margin <= inner[1]
            and inner[2] <= outer[2] - margin and inner[3] <= outer[3] - margin)


@pytest.mark.parametrize("width, height", [(1920, 1080), (2560, 1080), (3840, 2160)], ids=["full-hd", "21:9", "4k"])
def test_a_zone_in_alarm_is_drawn_whole_inside_the_map_and_named_on_it(
    width, height, own_demo_city, serve_city, watched_page
):
    zone, name = southernmost_zone(own_demo_city.url)
    CrowdFeed(own_demo_city.url).snapshot(surging=zone)
    served = serve_city(own_demo_city)
    page, log = watched_page
    page.add_init_script(KEEP_MAPS_JS)
    page.set_viewport_size({"width": width, "height": height})
    page.goto(served.url("/crowd"))
    wait_until_shown(page, ".area-map .map-label--alarm")
    screenshot(page, f"crowd-alarm-{width}x{height}")

    drawn = page.evaluate(ZONE_ON_MAP_JS, zone)
    # The map is fitted to the zones with FIT_PADDING to spare (a pixel for rounding), whatever settles under it.
    assert inside(drawn["zone"], drawn["map"], FIT_PADDING - 1), (
        f"zone {zone} drawn at {drawn['zone']}, the map is {drawn['map']}"
    )
    # Named with its load, as the zone list writes it (the feed puts it at about 150 %).
    assert [label["text"].rsplit(" ", 1)[0] for label in drawn["labels"]] == [name], json.dumps(drawn["labels"])
    assert float(drawn["labels"][0]["text"].rsplit(" ", 1)[1].rstrip("%")) > 100
    assert inside(drawn["labels"][0]["box"], drawn["map"])
    assert log.errors == []
    assert log.foreign_requests(served.origin) == []
