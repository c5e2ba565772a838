"""bench/soak.py reads what a wall shows from its real refresh, and its verdict fails on growth.

The soak says "live, not frozen" from the tiles a refresh answer puts on
screen, and "no growth" from its samples; both are checked here: the first on
the real callback of the demo generator's tiny city, the second on made-up
samples that grow and that do not.
"""
from __future__ import annotations

import pytest

from bench.soak import verdict, wall_numbers
from bench.walls import READER, refresh_body
from tests.test_bench_walls import NOW, wall_client  # noqa: F401 (fixture: a leader signed in on the tiny city)


def test_the_soak_reads_every_panels_tiles_and_the_newest_record_from_a_walls_refresh(wall_client):
    dependencies = wall_client.get("/_dash-dependencies").get_json()
    shown = {}
    for search in ("?refresh=2", "?refresh=2&lang=en&views=crowd"):
        body = refresh_body(dependencies, 2, search)(2)
        response = wall_client.post("/_dash-update-component", data=body, content_type="application/json")
        assert response.status_code == 200, response.get_data(as_text=True)[:300]
        shown[search] = wall_numbers(response.get_data())
    every_view = shown["?refresh=2"]["tiles"]
    assert {key.split("/")[0] for key in every_view} >= {"wall-overview-tiles", "wall-crowd-tiles", "wall-workers-tiles"}
    assert every_view["wall-crowd-tiles/snapshot"] and every_view["wall-workers-tiles/online"].isdigit()
    assert "积压工单" in {key.split("/")[1] for key in every_view}
    assert NOW.strftime("%H:%M") in shown["?refresh=2"]["freshness"]["text"]  # the newest record, the city's now
    # The search reaches the server: English, and only the crowd panel's tiles.
    assert {key.split("/")[0] for key in shown["?refresh=2&lang=en&views=crowd"]["tiles"]} == {"wall-crowd-tiles"}


def _samples(rss: list[float], fds: list[int], connections: list[int]) -> list[dict]:
    return [{"t_s": 60.0 * minute,
             "processes": {"master": {"pid": 1, "rss_mb": 100.0, "private_mb": 10.0, "fds": 9, "threads": 1},
                           "worker-0": {"pid": 2, "rss_mb": r, "private_mb": r / 2, "fds": f, "threads": 6}},
             "database_connections": {READER: c, "postgres": 1}}
            for minute, (r, f, c) in enumerate(zip(rss, fds, connections))]


def test_a_worker_that_grows_more_than_a_tenth_after_warm_up_fails_and_one_that_settles_passes():
    warm_up = [150.0, 180.0]  # the growth before warm-up ends does not count
    settles = verdict(_samples(warm_up + [200.0] * 8 + [205.0] * 4, [20] * 14, [3] * 14), warmup_s=120)
    grows = verdict(_samples(warm_up + [200.0 + 3 * i for i in range(12)], [20] * 14, [3] * 14), warmup_s=120)
    assert settles["rss_pass"] and settles["memory"]["worker-0"]["growth"] == pytest.approx(0.025)
    assert not grows["rss_pass"] and grows["memory"]["worker-0"]["growth"] > 0.10
    assert grows["memory"]["worker-0"]["slope_mb_per_h"] == pytest.approx(180.0)


def test_a_descriptor_floor_that_rises_or_connections_past_the_pools_bound_fail_the_soak():
    # Load lifts the peaks (queued requests hold sockets, the pool grows to its high-water mark): that passes.
    busy = verdict(_samples([200.0] * 12, [20, 30, 21] * 4, [3, 4, 3] * 3 + [6] * 3), warmup_s=0)
    leaking = verdict(_samples([200.0] * 12, [20 + i for i in range(12)], [3] * 12), warmup_s=0)
    past_the_bound = verdict(_samples([200.0] * 12, [20] * 12, [3] * 9 + [7] * 3), warmup_s=0, threads=4)
    assert busy["held_pass"], busy["held"]
    assert not leaking["held_pass"] and leaking["held"]["workers' fds net of pooled connections"]["grew"]
    assert not past_the_bound["held_pass"] and past_the_bound["connections_max"] > past_the_bound["connection_bound"]


def test_descriptors_held_through_an_overloaded_end_pass_if_they_come_back_once_the_walls_stop():
    overloaded = _samples([200.0] * 12, [20] * 9 + [60] * 3, [3] * 12)
    came_back = verdict(overloaded, warmup_s=0, drained=_samples([200.0], [21], [4])[0])
    kept = verdict(overloaded, warmup_s=0, drained=_samples([200.0], [40], [3])[0])
    assert came_back["held_pass"], came_back["held"]  # 21 - 4 connections: at the first quarter's floor
    assert not kept["held_pass"]
