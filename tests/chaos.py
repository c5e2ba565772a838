"""The chaos scenario: a wall in Chromium watched second by second while one part of the cluster is broken.

Shared by tests/chaos_suite.py (which asserts on the timelines) and
bench/chaos.py (which writes them to bench/chaos_results.md). For each
fault of FAULTS, on a running tests/cluster.Cluster:

- before: a few seconds of the wall live;
- the fault, `fault_s` seconds (60 by default, the issue's);
- after: until the wall is live again, or RECOVERY_LIMIT_S.

Every ~1 s a sample notes what the wall shows (its overview tiles and
notices, read from the DOM; the freshness badge's state), and, from a thread
of its own, /health through nginx (HTTP code and seconds). Every callback
response the page gets (Playwright's response events) is noted with its
status; a request that failed outright as "failed".

"Live" is told from "kept" by the city's intake (cluster.TicketWriter, a
ticket a second into the primary): the wall is live again once it shows no
notice and a count of tickets reported larger than any it showed up to the
end of the fault.
"""
from __future__ import annotations

import json
import re
import signal
import threading
import time
from dataclasses import asdict, dataclass, field
from typing import Callable
from urllib.error import HTTPError, URLError
from urllib.request import urlopen

from playwright.sync_api import Browser, Page
from playwright.sync_api import TimeoutError as PlaywrightTimeoutError

from access.guard import DEVICE_COOKIE
from config import Settings
from tests.cluster import HOST_SETTINGS, Cluster, signal_server

REFRESH_S = 5
WALL_PATH = f"/wall?refresh={REFRESH_S}&views=overview&lang=en"  # English: counts shown exact ("2,213", not 2.2千)
FAULT_S = 60.0
BEFORE_S = 6.0
SAMPLE_EVERY_S = 1.0
HEALTH_TIMEOUT_S = 5.0
# A first wall on a cold cluster builds every answer; on a loaded 2-core machine that takes a while.
OPEN_TIMEOUT_MS = 120_000
# The defaults the hosts run with (config.py): ONESCREEN_CONNECT_TIMEOUT and ONESCREEN_OUTAGE_BACKOFF.
CONNECT_TIMEOUT_S = Settings.__dataclass_fields__["connect_timeout_s"].default
BACKOFF_S = Settings.__dataclass_fields__["outage_backoff_s"].default
LIVE_WINDOW_S = float(HOST_SETTINGS["ONESCREEN_LIVE_CACHE_SECONDS"])
# What the issue asks of a recovery: one refresh, with the connect timeout of a connection made as it ends, and the
# live cache window the answer it shows may still be of.
ONE_REFRESH_S = REFRESH_S + CONNECT_TIMEOUT_S + LIVE_WINDOW_S
# What the cluster can promise: that, plus one breaker back-off (the database is tried again when it ends) and the
# time a loaded 2-core machine takes to build and draw an answer.
RECOVERY_LIMIT_S = ONE_REFRESH_S + BACKOFF_S + 15.0

_READ_WALL_JS = """
() => {
    const tiles = [...document.querySelectorAll('#wall-overview-tiles [data-indicator]')].map(
        tile => [tile.dataset.indicator, (tile.querySelector('.kpi__value') || {}).textContent || '']);
    const notices = [...document.querySelectorAll('#wall-notices .notice')].map(notice => notice.textContent);
    const badge = document.querySelector('#wall-badge');
    return {path: location.pathname, tiles, notices, badge: badge ? badge.className : ''};
}
"""


@dataclass(frozen=True)
class Fault:
    name: str
    what: str
    begin: Callable[[Cluster], None]
    end: Callable[[Cluster], None]
    # The database the hosts read cannot answer: the wall must say so (notice), /health is 503.
    data_unreachable: bool


def _restart_host(cluster: Cluster) -> None:
    # Not waited for: the wall is watched while the host boots; run_fault waits for it before the next fault.
    cluster.hosts[0].start()


FAULTS = (
    Fault("primary_stopped", "PostgreSQL primary stopped (pg_ctl stop -m fast), then started",
          lambda c: c.primary.stop("fast"), lambda c: c.primary.start(), data_unreachable=False),
    Fault("primary_frozen", "PostgreSQL primary frozen: SIGSTOP to its postmaster and every backend, then SIGCONT",
          lambda c: signal_server(c.primary, signal.SIGSTOP), lambda c: signal_server(c.primary, signal.SIGCONT),
          data_unreachable=False),
    Fault("replica_frozen", "PostgreSQL replica (what the hosts read) frozen: SIGSTOP, then SIGCONT",
          lambda c: signal_server(c.replica, signal.SIGSTOP), lambda c: signal_server(c.replica, signal.SIGCONT),
          data_unreachable=True),
    Fault("redis_killed", "Redis killed (SIGKILL), then started again empty",
          lambda c: c.redis.kill(), lambda c: c.redis.start(), data_unreachable=False),
    Fault("redis_frozen", "Redis frozen: SIGSTOP, then SIGCONT",
          lambda c: c.redis.signal(signal.SIGSTOP), lambda c: c.redis.signal(signal.SIGCONT),
          data_unreachable=False),
    Fault("host_killed", "one OneScreen host killed (SIGKILL to its gunicorn master and workers), then started",
          lambda c: c.hosts[0].kill(), _restart_host, data_unreachable=False),
)


@dataclass
class Sample:
    t: float  # seconds since the fault began (negative: before it)
    phase: str  # before, fault, after
    reported: int | None  # the wall's count of tickets reported (None: not shown)
    tiles: int  # how many overview tiles the wall shows
    notices: list[str]
    badge: str  # the freshness badge's state (fresh, amber, red, pending)
    health: str = ""  # /health's code, or "timeout"/"refused", as last measured
    health_s: float | None = None
    refreshes: list[str] = field(default_factory=list)  # codes of the callback responses since the last sample


@dataclass
class Timeline:
    fault: str
    what: str
    data_unreachable: bool
    fault_s: float
    samples: list[Sample] = field(default_factory=list)
    health: list[tuple[float, str, float]] = field(default_factory=list)  # (t, code, seconds) every ~1 s
    end_took_s: float = 0.0  # how long ending the fault took (a restart)
    recovery_s: float | None = None  # seconds after the fault ended until the wall was live (None: not within limit)
    written_during: int = 0  # tickets the intake wrote during the fault
    write_failures: int = 0

    def during(self) -> list[Sample]:
        return [s for s in self.samples if s.phase == "fault"]

    def after(self) -> list[Sample]:
        return [s for s in self.samples if s.phase == "after"]

    def refresh_codes(self, phase: str | None = None) -> dict[str, int]:
        counts: dict[str, int] = {}
        for sample in self.samples:
            if phase is None or sample.phase == phase:
                for code in sample.refreshes:
                    counts[code] = counts.get(code, 0) + 1
        return counts

    def health_codes(self, since: float = float("-inf"), until: float = float("inf")) -> dict[str, int]:
        counts: dict[str, int] = {}
        for t, code, _ in self.health:
            if since <= t < until:
                counts[code] = counts.get(code, 0) + 1
        return counts

    @property
    def slowest_health_s(self) -> float:
        return max((seconds for _, _, seconds in self.health), default=0.0)

    def as_dict(self) -> dict:
        return asdict(self) | {"refresh_codes": {phase: self.refresh_codes(phase) for phase in ("before", "fault",
                                                                                               "after")}}


class HealthProbe:
    """GET /health through nginx every ~1 s in a thread: (seconds since `zero`, code, seconds it took)."""

    def __init__(self, url: str):
        self._url = url
        self.zero = time.monotonic()
        self.answers: list[tuple[float, str, float]] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="chaos-health", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.is_set():
            started = time.monotonic()
            try:
                with urlopen(self._url, timeout=HEALTH_TIMEOUT_S) as answer:
                    code = str(answer.status)
            except HTTPError as error:
                code = str(error.code)
            except (URLError, OSError) as error:
                code = "timeout" if "timed out" in str(error) else "refused"
            took = time.monotonic() - started
            self.answers.append((started - self.zero, code, took))
            self._stop.wait(max(0.0, SAMPLE_EVERY_S - took))

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=HEALTH_TIMEOUT_S + 2)


class Wall:
    """The wall in Chromium, paired as the cluster's wall device, and what its callbacks answered."""

    def __init__(self, browser: Browser, cluster: Cluster):
        self.context = browser.new_context(viewport={"width": 1280, "height": 720}, locale="en-US")
        self.context.add_cookies([{"name": DEVICE_COOKIE, "value": cluster.wall_credential, "url": cluster.origin,
                                   "httpOnly": True, "sameSite": "Lax"}])
        self.page: Page = self.context.new_page()
        self._codes: list[str] = []
        self.page.on("response", self._on_response)
        self.page.on("requestfailed", self._on_failed)
        self.page.goto(cluster.origin + WALL_PATH, wait_until="load", timeout=OPEN_TIMEOUT_MS)
        try:
            self.page.wait_for_function("() => document.querySelectorAll('#wall-overview-tiles [data-indicator]')"
                                        ".length > 0", timeout=OPEN_TIMEOUT_MS)
        except PlaywrightTimeoutError:
            raise RuntimeError(f"the wall shows no tiles at {self.page.url}: codes {self._codes}, "
                               f"text {self.page.inner_text('body')[:500]!r}") from None

    def _on_response(self, response) -> None:
        if "/_dash-update-component" in response.url:
            self._codes.append(str(response.status))

    def _on_failed(self, request) -> None:
        if "/_dash-update-component" in request.url:
            self._codes.append("failed")

    def codes_since_last(self) -> list[str]:
        codes, self._codes = self._codes, []
        return codes

    def read(self) -> dict:
        return self.page.evaluate(_READ_WALL_JS)

    def close(self) -> None:
        self.context.close()


def reported_of(tiles: list) -> int | None:
    text = dict(tiles).get("reported", "")
    digits = re.sub(r"[,\s]", "", text)
    return int(digits) if digits.isdigit() else None


def _badge_state(class_name: str) -> str:
    found = re.search(r"freshness-badge--(\w+)", class_name)
    return found[1] if found else ""


def run_fault(cluster: Cluster, wall: Wall, fault: Fault, fault_s: float = FAULT_S) -> Timeline:
    """Break `fault`'s part for `fault_s` seconds, mend it, and watch the wall until it is live again."""
    timeline = Timeline(fault.name, fault.what, fault.data_unreachable, fault_s)
    probe = HealthProbe(cluster.origin + "/health")
    zero = probe.zero + BEFORE_S  # the fault begins BEFORE_S after the probe started
    shown_before_end = 0
    wall.codes_since_last()

    def sample(phase: str) -> Sample:
        seen = wall.read()
        health = probe.answers[-1] if probe.answers else (0.0, "", None)
        taken = Sample(round(time.monotonic() - zero, 1), phase, reported_of(seen["tiles"]), len(seen["tiles"]),
                       seen["notices"], _badge_state(seen["badge"]), health[1],
                       None if health[2] is None else round(health[2], 3), wall.codes_since_last())
        timeline.samples.append(taken)
        return taken

    def sample_until(phase: str, until: float) -> None:
        nonlocal shown_before_end
        while time.monotonic() < until:
            started = time.monotonic()
            taken = sample(phase)
            shown_before_end = max(shown_before_end, taken.reported or 0)
            wall.page.wait_for_timeout(max(0.0, SAMPLE_EVERY_S - (time.monotonic() - started)) * 1000)

    try:
        sample_until("before", zero)
        written, failed = cluster.writer.written, cluster.writer.failed
        fault.begin(cluster)
        sample_until("fault", zero + fault_s)
        ended = time.monotonic()
        fault.end(cluster)
        timeline.end_took_s = round(time.monotonic() - ended, 1)
        timeline.written_during = cluster.writer.written - written
        timeline.write_failures = cluster.writer.failed - failed
        while time.monotonic() - ended < RECOVERY_LIMIT_S:
            started = time.monotonic()
            taken = sample("after")
            if not taken.notices and (taken.reported or 0) > shown_before_end:
                timeline.recovery_s = round(time.monotonic() - ended, 1)
                break
            wall.page.wait_for_timeout(max(0.0, SAMPLE_EVERY_S - (time.monotonic() - started)) * 1000)
        cluster.wait_all_up()
    finally:
        probe.stop()
        timeline.health = [(round(t - BEFORE_S, 1), code, round(took, 3)) for t, code, took in probe.answers]
    return timeline


def run_all(cluster: Cluster, browser: Browser, faults=FAULTS, fault_s: float = FAULT_S,
            log: Callable[[str], None] = lambda line: None) -> list[Timeline]:
    """Every fault in turn, one after another, on one wall opened once (as a real wall is: nobody reloads it)."""
    wall = Wall(browser, cluster)
    timelines = []
    try:
        for fault in faults:
            timeline = run_fault(cluster, wall, fault, fault_s)
            log(f"{fault.name}: recovery {timeline.recovery_s} s, health {timeline.health_codes()}, "
                f"refreshes {timeline.refresh_codes()}")
            timelines.append(timeline)
    finally:
        wall.close()
    return timelines


def write_json(timelines: list[Timeline], path, **about) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps({**about, "faults": [t.as_dict() for t in timelines]}, indent=1), encoding="utf-8")
