"""Benchmark: what a hung or dead database costs a request, /health, and the server, with the default bounds.

`python -m bench.outages` writes bench/outages_results.md. The real PostgreSQL and MariaDB of the machine
(tests/support admin URLs) are reached through tests/tcp_proxy.TcpProxy, made to hang (accept, answer
nothing) or refuse (port closed); the servers themselves are never stopped. Default settings:
ONESCREEN_CONNECT_TIMEOUT=3, ONESCREEN_OUTAGE_BACKOFF=5, ONESCREEN_STATEMENT_TIMEOUT=20.
"""
from __future__ import annotations

import logging
import os
import platform
import tempfile
import time
from pathlib import Path

from sqlalchemy.engine import make_url

from data_access.database import Database
from tests.support import api_server, api_token, create_contract, fresh_database_url, insert_rows, settings_for
from tests.tcp_proxy import TcpProxy
from tests.test_bounded_waits import kpis, timed
from tests.test_indicator_definitions import AREAS, TICKETS

RESULTS = Path(__file__).with_name("outages_results.md")
HAMMER_S = 20


def measure(url: str, fault: str) -> str:
    real = make_url(url)
    proxy = TcpProxy(real.host, real.port)
    db = Database.from_settings(settings_for(real.set(host="127.0.0.1", port=proxy.port).render_as_string(False)))
    server = api_server(db)
    client = server.test_client()
    client.environ_base["HTTP_AUTHORIZATION"] = f"Bearer {api_token(server)}"
    kpis(client, 10), client.get("/health")
    time.sleep(1.6)  # past the remembered health answer
    getattr(proxy, fault)()
    health, health_s = timed(lambda: client.get("/health"))
    first, first_s = timed(lambda: kpis(client, 11))
    next_s = max(timed(lambda: kpis(client, 12 + n))[1] for n in range(5))
    time.sleep(1.6)
    health2, health2_s = timed(lambda: client.get("/health"))
    before, started, requests = proxy.accepted, time.monotonic(), 0
    while time.monotonic() - started < HAMMER_S:
        kpis(client, 20)
        requests += 1
    attempts = proxy.accepted - before
    proxy.forward()
    _, live_s = timed(lambda: [time.sleep(0.1) for _ in iter(lambda: kpis(client, 19).status_code == 200, True)])
    db.engine.dispose()
    proxy.close()
    return (f"| {real.get_backend_name()} | {fault} | {health.status_code} in {health_s:.2f} s | "
            f"{health2.status_code} in {health2_s:.2f} s | {first.status_code} in {first_s:.2f} s | "
            f"{next_s * 1000:.0f} ms | {requests} -> {attempts if fault == 'hang' else 'n/a'} | {live_s:.1f} s |")


def main() -> None:
    logging.disable(logging.CRITICAL)
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for dialect in ("postgresql", "mariadb"):
            url = fresh_database_url(dialect, "i11_timeouts_bench", Path(tmp))
            create_contract(url)
            insert_rows(url, {"area": AREAS, "ticket": TICKETS})
            rows += [measure(url, fault) for fault in ("hang", "refuse")]
    load = os.getloadavg()
    RESULTS.write_text(
        "# Outages: what a hung or dead database costs (bench/outages.py)\n\n"
        f"Machine: {platform.node()}, {os.cpu_count()} cores, {platform.platform()}; "
        f"load average {load[0]:.2f} {load[1]:.2f} {load[2]:.2f} at the end (other sessions' tests were running).\n"
        "Default bounds (connect timeout 3 s, back-off 5 s doubling to 30 s). One API client in process "
        "(Flask test client), the database behind a TCP proxy that hangs or refuses.\n\n"
        "| database | fault | /health, probe still hanging | /health, a moment later | first KPI request | "
        f"next 5 KPI requests (slowest) | requests in {HAMMER_S} s -> connection attempts | live again after recovery |\n"
        "|---|---|---|---|---|---|---|---|\n" + "\n".join(rows) + "\n\n"
        "\"live again\" is bounded by the back-off reached when the fault ends (5, 10, 20, then 30 s): "
        "one probe request per back-off, so the server sees one connection attempt per back-off and worker.\n"
    )
    print(RESULTS.read_text())


if __name__ == "__main__":
    main()
