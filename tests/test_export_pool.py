"""Exports cannot starve the walls: heavy exports run a few at a time, the rest are told when to come back.

The renderer here is a stub that holds every image until the test lets it
go, so the slots stay taken for as long as the test needs; meanwhile the
overview's refresh callback and the API must answer as fast as ever.
"""
from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime

import pytest

from app import create_app
from callbacks import inputs
from demo.generate import generate
from exports.pool import ExportPool, ExportsBusy
from tests.support import settings_for, signed_in
from tests.test_callback_fuzz import browser_request

NOW = datetime(2026, 11, 20, 12, 0, 0)
SLOTS, QUEUE = 2, 1
CHART = "/export/tickets/by-source.png"
OVERVIEW_REFRESH = "overview-header.children"


class HeldRenderer:
    """Draws nothing until `release` is set; counts the images it has been asked for."""

    def __init__(self):
        self.release = threading.Event()
        self.started = 0
        self._lock = threading.Lock()

    def render(self, figure, fmt, width, height, scale=1) -> bytes:
        with self._lock:
            self.started += 1
        assert self.release.wait(timeout=60), "the test never released the renderer"
        return b"\x89PNG\r\n\x1a\n"

    def render_all(self, figures, fmt, scale=1) -> list[bytes]:
        return [self.render(figure, fmt, width, height, scale) for figure, width, height in figures]

    def close(self) -> None:
        pass


@pytest.fixture(scope="module")
def city(tmp_path_factory):
    path = tmp_path_factory.mktemp("export_pool") / "tiny.sqlite"
    generate(f"sqlite:///{path}", preset="tiny", seed=20261120, now=NOW)
    return f"sqlite:///{path}"


def _wait_for(condition, timeout_s: float = 10) -> None:
    deadline = time.monotonic() + timeout_s
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.02)


def _timed(call):
    started = time.monotonic()
    response = call()
    return response, time.monotonic() - started


def test_an_export_storm_gets_503_with_retry_after_while_views_and_the_api_stay_fast(city):
    renderer = HeldRenderer()
    app = create_app(settings_for(city, frozen_now=NOW, export_slots=SLOTS, export_queue=QUEUE), renderer=renderer)
    clients = [signed_in(app, username=f"exporter-{n}") for n in range(SLOTS + QUEUE + 1)]
    desk = signed_in(app, username="desk")
    refresh = next(key for key in inputs.server_callbacks(app) if OVERVIEW_REFRESH in key)
    refresh_body = browser_request(refresh, inputs.server_callbacks(app)[refresh])

    with ThreadPoolExecutor(SLOTS + QUEUE) as held:
        try:
            running = [held.submit(clients[n].get, CHART) for n in range(SLOTS)]
            _wait_for(lambda: renderer.started == SLOTS)
            queued = held.submit(clients[SLOTS].get, CHART)
            time.sleep(0.5)  # the queued export reaches the pool, and waits there
            assert not queued.done()

            refused = clients[-1].get(f"{CHART}?lang=en")
            assert refused.status_code == 503
            retry_after = int(refused.headers["Retry-After"])
            assert retry_after >= 1
            assert refused.get_json()["error"]["message"] == f"Exports are busy; retry in {retry_after} s."
            assert renderer.started == SLOTS  # the refused export never reached the renderer

            view, view_s = _timed(lambda: desk.post("/_dash-update-component", json=refresh_body))
            api, api_s = _timed(lambda: desk.get("/api/v1/kpis"))
            assert (view.status_code, api.status_code) == (200, 200)
            assert view_s < 2 and api_s < 2, (view_s, api_s)
        finally:
            renderer.release.set()
        assert [future.result(timeout=30).status_code for future in running] == [200, 200]
        assert queued.result(timeout=30).status_code == 200
    assert renderer.started == SLOTS + 1
    assert clients[-1].get(CHART).status_code == 200  # slots free again: the next export runs


def test_a_queued_export_that_waits_too_long_is_refused_and_frees_its_place():
    pool = ExportPool(slots=1, queue=1, queue_wait_s=0.2)
    release = threading.Event()

    def hold():
        with pool.slot():
            release.wait(timeout=10)

    holder = threading.Thread(target=hold)
    holder.start()
    try:
        time.sleep(0.1)
        with pytest.raises(ExportsBusy):
            with pool.slot():
                pass
        with pytest.raises(ExportsBusy):  # its queue place was given back: the next one waits, then is refused
            with pool.slot():
                pass
    finally:
        release.set()
        holder.join()
    with pool.slot():
        pass


def test_retry_after_follows_how_long_exports_take():
    pool = ExportPool(slots=2, queue=2)
    for _ in range(30):
        pool._learn(1.0)
    # Four exports ahead at two at a time, about a second each: two waves.
    assert pool.retry_after_s() == 2
