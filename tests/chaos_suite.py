"""Chaos on the cluster of docs/deploy.md "Several hosts": a wall in Chromium through six faults, 60 s each.

The cluster (tests/cluster.py: own PostgreSQL primary and replica, own
Redis, two gunicorn hosts reading the replica, nginx) starts once for the
module, and the faults run one after another on one wall opened once, as a
real wall is (tests/chaos.py): 11 minutes in all on this 2-core machine under load. Each fault's
timeline goes to test-artifacts/chaos_results.json and .md (the format of
bench/chaos_results.md, which `python -m bench.chaos` writes).

What every fault must leave true:
- the wall never goes blank: every sample shows its tiles and a count;
- /health through nginx answers every time, well inside the connect timeout
  (it has a 0.8 s deadline of its own; a /health that waited on the
  database would take the connect timeout or longer);
- where the database the hosts read cannot answer (the replica frozen), the
  wall says so and /health says 503; where it can, no outage notice;
- after the fault, the wall is live again (no notice, new tickets counted)
  within one refresh, the connect timeout, the live cache window, one
  breaker back-off and the time a loaded machine takes to draw
  (tests/chaos.RECOVERY_LIMIT_S);
- no refresh of the wall is answered with a server error.
"""
from __future__ import annotations

import os
import platform

import pytest

from tests.chaos import CONNECT_TIMEOUT_S, FAULTS, RECOVERY_LIMIT_S, REFRESH_S, Timeline, run_all, write_json
from tests.support import ARTIFACTS, unavailable


@pytest.fixture(scope="module")
def timelines() -> dict[str, Timeline]:
    from playwright.sync_api import sync_playwright

    from bench.chaos import write_markdown
    from deploy import local
    from tests.browser.harness import CHROMIUM, launch_chromium
    from tests.cluster import REDIS_SERVER, Cluster
    from tests.pg_standby import PG_BIN

    for program in (CHROMIUM, str(PG_BIN / "initdb"), REDIS_SERVER, local.NGINX):
        if not os.path.exists(program):
            unavailable("the cluster's programs", FileNotFoundError(program))
    load_start = " ".join(f"{v:.2f}" for v in os.getloadavg())
    cluster = Cluster()
    try:
        cluster.start()
        with sync_playwright() as playwright:
            browser = launch_chromium(playwright)
            try:
                found = run_all(cluster, browser)
            finally:
                browser.close()
    finally:
        cluster.stop(keep_logs=ARTIFACTS)
    about = {"machine": f"{platform.node()}, {os.cpu_count()} cores", "load_start": load_start,
             "load_end": " ".join(f"{v:.2f}" for v in os.getloadavg()), "fault_s": found[0].fault_s,
             "preset": cluster.preset, "start_s": sum(cluster.timings.values()), "timings": cluster.timings}
    write_json(found, ARTIFACTS / "chaos_results.json", **about)
    write_markdown(found, ARTIFACTS / "chaos_results.md", about)
    return {timeline.fault: timeline for timeline in found}


@pytest.mark.parametrize("fault", FAULTS, ids=[fault.name for fault in FAULTS])
def test_the_wall_keeps_its_numbers_and_comes_back(timelines, fault):
    timeline = timelines[fault.name]
    watched = [s for s in timeline.samples if s.phase != "before"]
    assert watched, "nothing was sampled"
    blank = [s.t for s in watched if s.reported is None or not s.tiles]
    assert not blank, f"the wall showed no numbers at {blank} s"

    answered = [(t, code, took) for t, code, took in timeline.health if t >= 0]
    assert all(code in ("200", "503") for _, code, _ in answered), timeline.health_codes(0)
    slowest = max(took for _, _, took in answered)
    assert slowest < CONNECT_TIMEOUT_S, f"/health took {slowest:.2f} s"

    settled = [s for s in timeline.during() if s.t >= REFRESH_S + CONNECT_TIMEOUT_S + 5]
    if fault.data_unreachable:
        assert all(s.notices for s in settled), [(s.t, s.notices) for s in settled]
        assert timeline.health_codes(REFRESH_S, timeline.fault_s).keys() == {"503"}
    else:
        noticed = [(s.t, s.notices) for s in watched if s.notices]
        assert not noticed, noticed

    assert timeline.recovery_s is not None, f"not live again within {RECOVERY_LIMIT_S:.0f} s of the fault's end"
    server_errors = {code: n for code, n in timeline.refresh_codes().items() if code.startswith("5")}
    assert not server_errors, server_errors
