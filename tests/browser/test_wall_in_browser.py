"""The wall in Chromium: crowd alert placards as the command centre lives them, and the wall's big screens.

The test plays the live feed's part (demo/live.py writes a crowd snapshot
every few seconds): it writes snapshots into its own copy of the demo city,
first with every zone calm, then with one zone over its capacity, while the
wall refreshes every 5 s (`?refresh=5`). The placard must pop up for that
zone, stay over the following refreshes, and once acknowledged stay away
while the same surge goes on. DOM hooks (components/alert_placard.py): a
placard is `.alert-placard[data-zone-id]`, its button `.alert-placard__ack`.
"""
from __future__ import annotations

import time
from datetime import datetime

import pytest
from sqlalchemy import create_engine, func, select

from data_access.contract import crowd_reading, crowd_zone
from tests.browser.harness import screenshot, wait_until_shown
from tests.support import insert_rows

REFRESH_S = 5
# Long enough for two refreshes of the wall whatever the phase of its timer.
TWO_REFRESHES_S = 2 * REFRESH_S + 2
CALM_LOAD = 0.5
SURGE_LOAD = 1.5


class CrowdFeed:
    """Writes crowd snapshots at the wall clock: every zone at half its capacity, or one of them over it.

    The sensors are those of the city's latest snapshot; background cells
    (no zone) keep their headcount, so only the zones' load changes.
    """

    def __init__(self, url: str):
        self.url = url
        engine = create_engine(url)
        with engine.connect() as conn:
            latest = conn.execute(select(func.max(crowd_reading.c.recorded_at))).scalar()
            self.sensors = conn.execute(
                select(crowd_reading.c.lat, crowd_reading.c.lon, crowd_reading.c.zone_id, crowd_reading.c.people)
                .where(crowd_reading.c.recorded_at == latest)
            ).mappings().all()
            self.capacity = dict(conn.execute(select(crowd_zone.c.zone_id, crowd_zone.c.capacity)).all())
        engine.dispose()
        self.last_written: datetime | None = None

    @property
    def zones(self) -> list[str]:
        return sorted(self.capacity)

    def snapshot(self, surging: str | None = None) -> None:
        """One snapshot now; `surging` is over capacity by half, every other zone at half of it."""
        now = datetime.now().replace(microsecond=0)
        if now == self.last_written:  # one snapshot a second, as recorded_at has no finer grain
            time.sleep(1)
            now = datetime.now().replace(microsecond=0)
        sensors_in = {zone: sum(s["zone_id"] == zone for s in self.sensors) for zone in self.capacity}
        rows = []
        for sensor in self.sensors:
            zone = sensor["zone_id"]
            people = sensor["people"]
            if zone is not None:
                load = SURGE_LOAD if zone == surging else CALM_LOAD
                people = round(self.capacity[zone] * load / sensors_in[zone])
            rows.append({"recorded_at": now, "lat": sensor["lat"], "lon": sensor["lon"], "people": people,
                         "zone_id": zone})
        insert_rows(self.url, {"crowd_reading": rows})
        self.last_written = now


def placard_shown(page, zone: str) -> bool:
    return page.locator(f'.alert-placard[data-zone-id="{zone}"]').count() > 0


def keep_feeding(page, log, feed: CrowdFeed, *, surging: str | None, placard_of: str, shown: bool) -> None:
    """Go on writing snapshots for two wall refreshes, checking all along that the placard is (not) shown."""
    requests_before = len(log.requests)
    started = time.monotonic()
    while time.monotonic() - started < TWO_REFRESHES_S:
        feed.snapshot(surging)
        for _ in range(4):
            assert placard_shown(page, placard_of) is shown, (
                f"placard of {placard_of} {'vanished' if shown else 'came back'} "
                f"{time.monotonic() - started:.1f} s into the watch"
            )
            page.wait_for_timeout(500)
    assert len(log.callback_requests(since=requests_before)) >= 2, "the wall did not refresh while watched"


def test_placard_pops_up_on_a_surge_and_stays_until_acknowledged(own_demo_city, serve_city, watched_page):
    page, log = watched_page
    feed = CrowdFeed(own_demo_city.url)
    zone = feed.zones[0]
    feed.snapshot(surging=None)
    wall = serve_city(own_demo_city)
    page.goto(wall.url("/wall", f"refresh={REFRESH_S}"))
    wait_until_shown(page)
    assert page.locator(".alert-placard").count() == 0, "a placard while every zone is calm"

    feed.snapshot(surging=zone)
    page.locator(f'.alert-placard[data-zone-id="{zone}"]').wait_for(timeout=(TWO_REFRESHES_S + 3) * 1000)
    screenshot(page, "wall-alert")
    keep_feeding(page, log, feed, surging=zone, placard_of=zone, shown=True)

    page.locator(f'.alert-placard[data-zone-id="{zone}"] .alert-placard__ack').click()
    page.locator(f'.alert-placard[data-zone-id="{zone}"]').wait_for(state="detached", timeout=5000)
    keep_feeding(page, log, feed, surging=zone, placard_of=zone, shown=False)

    assert log.errors == []
    assert log.foreign_requests(wall.origin) == []


def test_placard_outlasts_the_surge_until_someone_acknowledges_it(own_demo_city, serve_city, watched_page):
    """A surge may last a minute and the director be out for ten: the placard waits for them."""
    page, log = watched_page
    feed = CrowdFeed(own_demo_city.url)
    zone = feed.zones[-1]
    feed.snapshot(surging=zone)
    wall = serve_city(own_demo_city)
    page.goto(wall.url("/wall", f"refresh={REFRESH_S}"))
    page.locator(f'.alert-placard[data-zone-id="{zone}"]').wait_for(timeout=(TWO_REFRESHES_S + 3) * 1000)

    keep_feeding(page, log, feed, surging=None, placard_of=zone, shown=True)

    assert log.errors == []


@pytest.mark.parametrize("width, height", [(3840, 2160), (7680, 2160)], ids=["4k", "ultra-wide"])
def test_wall_fills_a_big_screen_without_scrolling(width, height, demo_app, watched_page):
    """Nobody touches the wall: everything it shows must fit the screen, on a 4K wall and a 32:9 one."""
    page, log = watched_page
    page.set_viewport_size({"width": width, "height": height})
    page.goto(demo_app.url("/wall"))
    wait_until_shown(page)
    screenshot(page, f"wall-{width}x{height}")

    overflow = page.evaluate(
        "() => [document.documentElement.scrollWidth - innerWidth, document.documentElement.scrollHeight - innerHeight]"
    )
    assert overflow[0] <= 0 and overflow[1] <= 0, f"the wall overflows the screen by {overflow} px"
    assert log.errors == []
    assert log.foreign_requests(demo_app.origin) == []
