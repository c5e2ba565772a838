"""A OneScreen cluster on this machine, every process its own, to break one part at a time (tests/chaos_suite.py).

What docs/deploy.md "Several hosts" installs, on free loopback ports and in
a temporary folder: a PostgreSQL primary with the demo city and a streaming
replica of it (tests/pg_standby: Debian's PostgreSQL 15, pg_basebackup -R,
run as the `postgres` account), a Redis, two gunicorn "hosts" reading the city from the
replica through the read-only role of docs/integration.md, and nginx in
front with the config deploy/render.py makes (started as deploy/local.py
does). The machine's shared servers (5432, 6379) are never touched: every
fault is played on a process started here.

A `TicketWriter` plays the city's intake on the primary, a ticket a second,
so "the numbers are live" can be told from "the numbers are kept": a live
wall's count of tickets reported today grows.
"""
from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import threading
import time
import uuid
from datetime import datetime, timedelta
from pathlib import Path

from sqlalchemy import create_engine, func, select, text

from access.service import Access
from data_access.contract import area, ticket
from demo.generate import generate
from deploy import local
from tests.pg_standby import Node, pg_standby
from tests.support import free_port, settings_for
from tests.test_integration_views import guide_sql

REDIS_SERVER = shutil.which("redis-server") or "/usr/bin/redis-server"
CITY = "city"  # the database name docs/integration.md's role statements grant on
READER_PASSWORD = "change-me"  # docs/integration.md's, on a server that lives for one test run on the loopback
WALL_DEVICE = "chaos-wall"
# The cluster's settings beside the defaults every host shares (deploy/onescreen.env.example).
HOST_SETTINGS = {
    # The wall refreshes every 5 s; a live answer kept 5 s shows a new ticket at the next refresh or the one after.
    "ONESCREEN_LIVE_CACHE_SECONDS": "5",
}
# A host imports the app and migrates its store before it answers: minutes on a 2-core machine under load.
START_S = 240


def signal_server(node: Node, signum: int) -> None:
    """`signum` to a PostgreSQL server's postmaster and every process it forked (backends, walsender, walreceiver).

    Not its process group alone (tests.pg_standby's freeze): PostgreSQL calls setsid() in each child, so every
    backend is a group of its own, and a frozen postmaster alone still lets open connections answer. The
    postmaster is stopped first, so no child is forked behind the list, and resumed last.
    """
    postmaster = node.pid
    children = _children(postmaster)
    for pid in ([postmaster, *children] if signum == signal.SIGSTOP else [*children, postmaster]):
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signum)


class RedisServer:
    """A redis-server of the cluster's own, without persistence."""

    def __init__(self, folder: Path, port: int):
        self.folder, self.port = folder, port
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        self.process = subprocess.Popen(
            [REDIS_SERVER, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
             "--dir", str(self.folder), "--logfile", str(self.folder / "redis.log")],
            stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=1) as probe:
                    probe.sendall(b"PING\r\n")
                    if probe.recv(16).startswith(b"+PONG"):
                        return
            except OSError:
                time.sleep(0.1)
        raise RuntimeError(f"redis-server on {self.port} did not answer")

    def kill(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGCONT)  # a frozen one must be able to die
            self.process.kill()
            self.process.wait(timeout=10)

    def signal(self, signum: int) -> None:
        self.process.send_signal(signum)

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"


class WebHost:
    """One OneScreen host: a gunicorn (deploy/local.start_web) on its own port."""

    def __init__(self, port: int, env: dict[str, str], log):
        self.port, self._env, self._log = port, env, log
        self.process: subprocess.Popen | None = None

    @property
    def address(self) -> str:
        return f"127.0.0.1:{self.port}"

    def start(self) -> None:
        self.process = local.start_web(self.port, self._env, self._log)

    def wait_until_up(self) -> None:
        local.wait_until_up(f"http://{self.address}/health", self.process, START_S)

    def kill(self) -> None:
        """SIGKILL the master and its workers at once, as a host that loses power (no graceful shutdown)."""
        pids = [self.process.pid, *_children(self.process.pid)]
        for pid in pids:
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        self.process.wait(timeout=10)


def _children(pid: int) -> list[int]:
    try:
        return [int(child) for child in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    except OSError:
        return []


class TicketWriter:
    """A ticket reported every `every_s` seconds into the primary, errors (a stopped primary) counted, not raised."""

    def __init__(self, url: str, every_s: float = 1.0):
        self._engine = create_engine(url, pool_pre_ping=True, connect_args={"connect_timeout": 2})
        self._every_s = every_s
        with self._engine.connect() as conn:
            self._area = conn.execute(
                select(area.c.area_code).where(~area.c.area_code.in_(
                    select(area.c.parent_code).where(area.c.parent_code.is_not(None))))
                .order_by(area.c.area_code).limit(1)).scalar_one()
        self.written = 0
        self.failed = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="chaos-ticket-writer", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=10)
        self._engine.dispose()

    def _run(self) -> None:
        while not self._stop.wait(self._every_s):
            now = datetime.now().replace(microsecond=0)
            try:
                with self._engine.begin() as conn:
                    conn.execute(ticket.insert().values(
                        ticket_id=f"CHAOS-{uuid.uuid4().hex[:16]}", source="hotline_12345", area_code=self._area,
                        status="reported", reported_at=now, due_at=now + timedelta(days=3), title="chaos"))
                self.written += 1
            except Exception:  # noqa: BLE001 - the primary is down or frozen: that is the fault being played
                self.failed += 1


class Cluster:
    """The whole cluster; `start()` brings it up (a minute or so), `stop()` takes every process down."""

    def __init__(self, folder: Path | None = None, preset: str = "tiny", web_hosts: int = 2):
        # nginx's workers run as nobody and must reach their files: not pytest's folder (mode 0700, root's).
        self.folder = Path(tempfile.mkdtemp(prefix="onescreen-chaos-", dir=folder))
        self.folder.chmod(0o755)
        self.preset = preset
        self._pg = contextlib.ExitStack()
        self.primary: Node | None = None
        self.replica: Node | None = None
        self.redis = RedisServer(self.folder, free_port())
        self.store = f"sqlite:///{self.folder / 'onescreen-app.sqlite'}"
        self.listen = f"127.0.0.1:{free_port()}"
        self.web_ports = [free_port() for _ in range(web_hosts)]
        self.hosts: list[WebHost] = []
        self.nginx: subprocess.Popen | None = None
        self.writer: TicketWriter | None = None
        self.wall_credential = ""
        self.root_area = ""
        self._log = None
        self.timings: dict[str, float] = {}  # seconds each start-up phase took

    @property
    def origin(self) -> str:
        return f"http://{self.listen}"

    @property
    def reader_url(self) -> str:
        """What every host reads the city with: the read-only role, on the replica."""
        return f"postgresql+psycopg://onescreen_reader:{READER_PASSWORD}@127.0.0.1:{self.replica.port}/{CITY}"

    def _phase(self, name: str) -> None:
        now = time.monotonic()
        self.timings[name] = round(now - self._phase_at, 1)
        self._phase_at = now

    def start(self) -> "Cluster":
        self._phase_at = time.monotonic()
        # The replica streams from the start: the city written into the primary next reaches it as WAL.
        pair = self._pg.enter_context(pg_standby(database=CITY))
        self.primary, self.replica = pair.primary, pair.standby
        self._phase("postgresql")
        generate(self.primary.url, preset=self.preset, seed=20261202)
        city = create_engine(self.primary.url)
        with city.begin() as conn:
            self.root_area = conn.execute(select(area.c.area_code).where(area.c.parent_code.is_(None))).scalar_one()
            for statement in guide_sql("role", "postgresql"):
                conn.execute(text(statement))
        city.dispose()
        pair.wait_caught_up()
        self._phase("city")
        self.redis.start()
        self._pair_wall()
        self._log = open(self.folder / "web.log", "ab")
        env = local.web_environment(self.reader_url, self.store, ONESCREEN_CACHE_REDIS_URL=self.redis.url,
                                    **HOST_SETTINGS)
        self.hosts = [WebHost(port, env, self._log) for port in self.web_ports]
        for host in self.hosts:
            host.start()
        for host in self.hosts:
            host.wait_until_up()
        self._phase("hosts")
        config = local.render(self.folder / "nginx", self.listen, [host.address for host in self.hosts])
        self.nginx = local.start_nginx(config)
        local.wait_until_up(f"{self.origin}/health", self.nginx)
        self._phase("nginx")
        self.writer = TicketWriter(self.primary.url)
        self.writer.start()
        return self

    def _pair_wall(self) -> None:
        """OneScreen's own store, shared by the hosts, with a wall device of the whole city paired in it.

        A paired device, not a person's session: sessions live in the cache's Redis when there is one, and a
        Redis restarted without persistence forgets them; a device's credential is in the store. The store is a
        SQLite file, as both hosts are on this machine (several machines share one on PostgreSQL, docs/deploy.md);
        it stays out of the faults, which are the city database's and the cache's.
        """
        store = Access(settings_for(self.reader_url, app_database_url=self.store)).store
        store.upgrade()
        _, code = store.register_device(WALL_DEVICE, self.root_area, ["overview"], 60, created_by="tests.cluster")
        self.wall_credential = store.pair_device(code)[1]

    def reported_on_primary(self) -> int:
        """Tickets the primary holds: what a live wall catches up with."""
        engine = create_engine(self.primary.url, connect_args={"connect_timeout": 2})
        try:
            with engine.connect() as conn:
                return conn.execute(select(func.count()).select_from(ticket)).scalar_one()
        finally:
            engine.dispose()

    def wait_all_up(self) -> None:
        """Until every host answers (one started again boots for a while)."""
        for host in self.hosts:
            host.wait_until_up()

    def stop(self, keep_logs: Path | None = None) -> None:
        """Every process down and the folder removed; `keep_logs`: the hosts', nginx's and Redis's logs copied there."""
        if self.writer:
            self.writer.stop()
        for server in (self.primary, self.replica):
            if server is not None and server.pid:
                signal_server(server, signal.SIGCONT)
        self.redis.kill()
        local.stop([host.process for host in self.hosts if host.process] + ([self.nginx] if self.nginx else []))
        self._pg.close()  # both PostgreSQL servers stopped, their folder removed
        if self._log:
            self._log.close()
        if keep_logs:
            keep_logs.mkdir(parents=True, exist_ok=True)
            for log in (self.folder / "web.log", self.folder / "redis.log", self.folder / "nginx" / "error.log"):
                if log.exists():
                    shutil.copyfile(log, keep_logs / f"chaos-{log.name}")
        shutil.rmtree(self.folder, ignore_errors=True)
