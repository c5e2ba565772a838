"""A PostgreSQL 15 primary and a streaming standby of its own, for tests that stop, freeze or lag a database.

The machine's PostgreSQL (5432) serves every other test and helper: it is
never stopped, frozen or reconfigured. A test that needs a database to fail,
or a replica to fall behind, starts this pair instead:

    from tests.pg_standby import pg_standby

    with pg_standby() as pair:                    # initdb, start, pg_basebackup -R, start, wait until streaming
        pair.primary.url                          # "postgresql+psycopg://postgres@127.0.0.1:<port>/onescreen"
        pair.standby.url                          # the same database, read from the standby
        pair.primary.execute("CREATE TABLE t (x int)")   # statements as the superuser (autocommit)
        pair.wait_caught_up()                     # until the standby replayed everything the primary wrote
        pair.standby.execute("SELECT pg_wal_replay_pause()")  # or pair.standby.pause_replay() / resume_replay()
        pair.standby.freeze(); pair.standby.thaw()  # SIGSTOP / SIGCONT the postmaster's whole process group
        pair.primary.stop(); pair.primary.start()   # pg_ctl stop -m fast / pg_ctl start -w
        pair.primary.pid, pair.primary.data_dir, pair.primary.port, pair.primary.log_file
    # both servers stopped (thawed first if frozen) and the temporary directory removed, whatever happened

`pg_standby(database="onescreen")` creates `database` on the primary before
the base backup (so the standby has it from the start). Both listen on
127.0.0.1 on free ports and on unix sockets in the temporary directory
(never /var/run/postgresql); authentication is `trust` for the local user
`postgres`, so the URLs carry no password. The servers run as the `postgres`
OS user (the tests run as root, and PostgreSQL refuses to run as root), from
/usr/lib/postgresql/15/bin (ONESCREEN_PG_BIN to use another), with settings
for a quick start and no durability (fsync off): data of a test, not of a city.
Startup takes a few seconds; use it once per test module (a module fixture),
not per test.
"""
from __future__ import annotations

import contextlib
import os
import pwd
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from pathlib import Path
from typing import Iterator

import psycopg

PG_BIN = Path(os.environ.get("ONESCREEN_PG_BIN", "/usr/lib/postgresql/15/bin"))
OS_USER = "postgres"
# How long a server may take to start or stop, and the standby to begin streaming, on a loaded machine.
START_TIMEOUT_S = 60

# A quick start and no durability: the pair lives for one test module.
_SETTINGS = {
    "listen_addresses": "'127.0.0.1'",
    "fsync": "off",
    "full_page_writes": "off",
    "shared_buffers": "'16MB'",
    "max_connections": "40",
    "max_wal_senders": "4",
    "wal_level": "replica",
    "hot_standby": "on",
    # The standby reports what it received and replayed every second, so the primary (and a test) sees it soon.
    "wal_receiver_status_interval": "'1s'",
    # A standby whose replay is paused must not cancel its own readers' queries.
    "max_standby_streaming_delay": "-1",
    "log_min_messages": "warning",
    "logging_collector": "off",
}


def _run(*args: str, cwd: Path) -> str:
    """Run a PostgreSQL program as the postgres OS user; its output, or an error that shows it."""
    done = subprocess.run([str(PG_BIN / args[0]), *args[1:]], cwd=cwd, user=OS_USER, group=OS_USER,
                          capture_output=True, text=True, timeout=START_TIMEOUT_S + 30)
    if done.returncode != 0:
        raise RuntimeError(f"{' '.join(args)} failed ({done.returncode}): {done.stdout}{done.stderr}")
    return done.stdout


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Node:
    """One server of the pair: where it lives, how to reach it, and what a test may do to it."""

    def __init__(self, name: str, base: Path, port: int, database: str):
        self.name = name
        self.base = base
        self.data_dir = base / name
        self.port = port
        self.database = database
        self.log_file = base / f"{name}.log"
        self.frozen = False

    @property
    def url(self) -> str:
        """The SQLAlchemy URL of `database` on this server (TCP on 127.0.0.1, user postgres, no password)."""
        return f"postgresql+psycopg://{OS_USER}@127.0.0.1:{self.port}/{self.database}"

    def dsn(self, database: str | None = None) -> str:
        """A libpq connection string over the unix socket (reaches the server even if a test blocks its port)."""
        return f"host={self.base} port={self.port} user={OS_USER} dbname={database or self.database}"

    @property
    def pid(self) -> int | None:
        """The postmaster's pid (it leads its process group), None while stopped."""
        try:
            return int((self.data_dir / "postmaster.pid").read_text().split("\n", 1)[0])
        except (OSError, ValueError):
            return None

    def start(self) -> None:
        """pg_ctl start, waiting until it accepts connections."""
        options = f"-p {self.port} -k {self.base}"
        _run("pg_ctl", "start", "-w", "-t", str(START_TIMEOUT_S), "-D", str(self.data_dir),
             "-l", str(self.log_file), "-o", options, cwd=self.base)

    def stop(self, mode: str = "fast") -> None:
        """pg_ctl stop (`mode`: smart, fast or immediate), waiting until it is down; thawed first if frozen."""
        self.thaw()
        _run("pg_ctl", "stop", "-w", "-t", str(START_TIMEOUT_S), "-m", mode, "-D", str(self.data_dir), cwd=self.base)

    def freeze(self) -> None:
        """SIGSTOP the postmaster and every backend (its process group): a hung server, connections accepted by the
        kernel and never answered."""
        os.killpg(self.pid, signal.SIGSTOP)
        self.frozen = True

    def thaw(self) -> None:
        """SIGCONT what `freeze` stopped."""
        if self.frozen:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.pid, signal.SIGCONT)
            self.frozen = False

    def execute(self, statement: str, params=None, database: str | None = None):
        """Run one statement as the superuser, autocommit; the first row's first value, or None."""
        with psycopg.connect(self.dsn(database), autocommit=True, connect_timeout=10) as conn:
            cursor = conn.execute(statement, params)
            row = cursor.fetchone() if cursor.description else None
            return None if row is None else row[0]

    def pause_replay(self) -> None:
        """On the standby: stop replaying WAL (it still receives it), so it falls behind the primary."""
        self.execute("SELECT pg_wal_replay_pause()")

    def resume_replay(self) -> None:
        self.execute("SELECT pg_wal_replay_resume()")


class StandbyPair:
    """A running primary and its streaming standby (see the module's docstring)."""

    def __init__(self, primary: Node, standby: Node):
        self.primary, self.standby = primary, standby

    def wait_streaming(self, timeout_s: float = START_TIMEOUT_S) -> None:
        """Until the standby's WAL receiver streams from the primary."""
        _wait(lambda: self.standby.execute("SELECT status FROM pg_stat_wal_receiver") == "streaming",
              timeout_s, "the standby did not start streaming")

    def wait_caught_up(self, timeout_s: float = START_TIMEOUT_S) -> None:
        """Until the standby replayed everything the primary has written by now (replay must not be paused)."""
        # The insert position: everything written, even what is not flushed yet (the walsender sends it once it is).
        target = self.primary.execute("SELECT pg_current_wal_insert_lsn()::text")
        _wait(lambda: self.standby.execute("SELECT pg_last_wal_replay_lsn() >= %s::pg_lsn", (target,)),
              timeout_s, f"the standby did not replay up to {target}")


def _wait(done, timeout_s: float, failure: str) -> None:
    deadline = time.monotonic() + timeout_s
    while True:
        try:
            if done():
                return
        except psycopg.OperationalError:
            pass  # not accepting connections yet
        if time.monotonic() > deadline:
            raise TimeoutError(f"{failure} within {timeout_s:g} s")
        time.sleep(0.1)


@contextlib.contextmanager
def pg_standby(database: str = "onescreen") -> Iterator[StandbyPair]:
    """Start a primary and a streaming standby in a temporary directory; stop both and remove it on the way out."""
    if not (PG_BIN / "initdb").exists():
        raise RuntimeError(f"no PostgreSQL programs in {PG_BIN} (set ONESCREEN_PG_BIN)")
    account = pwd.getpwnam(OS_USER)
    base = Path(tempfile.mkdtemp(prefix="onescreen-pg-standby-"))
    os.chown(base, account.pw_uid, account.pw_gid)
    os.chmod(base, 0o700)
    primary = Node("primary", base, free_port(), database)
    standby = Node("standby", base, free_port(), database)
    started: list[Node] = []
    try:
        _run("initdb", "-D", str(primary.data_dir), "-U", OS_USER, "--auth=trust", "-E", "UTF8",
             "--locale=C.UTF-8", "--no-sync", cwd=base)
        with open(primary.data_dir / "postgresql.conf", "a") as conf:
            conf.write("".join(f"{name} = {value}\n" for name, value in _SETTINGS.items()))
        primary.start()
        started.append(primary)
        if database != "postgres":
            primary.execute(f'CREATE DATABASE "{database}"', database="postgres")
        # -R writes standby.signal and primary_conninfo (over the socket); the copied postgresql.conf keeps the
        # primary's port, which start() overrides.
        _run("pg_basebackup", "-D", str(standby.data_dir), "-h", str(base), "-p", str(primary.port), "-U", OS_USER,
             "-R", "-X", "stream", "-c", "fast", "--no-sync", cwd=base)
        standby.start()
        started.append(standby)
        pair = StandbyPair(primary, standby)
        pair.wait_streaming()
        yield pair
    finally:
        for node in reversed(started):
            with contextlib.suppress(Exception):
                node.stop("immediate")
        shutil.rmtree(base, ignore_errors=True)
