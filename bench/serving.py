"""The OneScreen processes a benchmark measures: started as deploy/ starts them, always stopped after.

`gunicorn()` is one process as deploy/local.py (and so the systemd units)
starts it; `deployment()` is the whole stack of docs/deploy.md on this
machine: web processes and export processes behind nginx, its site rendered
by deploy/render.py. Both wait until /health answers and stop what they
started, even when the benchmark fails or is interrupted.
"""
from __future__ import annotations

import os
import socket
import subprocess
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import Iterator, NamedTuple

from deploy import local

# A chengdu-scale server opens its catalogue before /health answers.
START_SECONDS = 120


class Gunicorn(NamedTuple):
    port: int
    master: subprocess.Popen

    def workers(self) -> list[int]:
        return [int(pid) for task in Path(f"/proc/{self.master.pid}/task").iterdir()
                for pid in (task / "children").read_text().split()]

    def cpu_seconds(self) -> float:
        """User + system CPU of the workers and everything they started (an export's Chromium) so far.

        Per running process of the tree, utime + stime and cutime + cstime (/proc/<pid>/stat): what it used, and
        what its children that have ended used. A running child's time is not in its parent's yet, so nothing
        counts twice.
        """
        ticks = 0
        for pid in self.workers():
            for process in [pid, *_children(pid)]:
                try:
                    fields = Path(f"/proc/{process}/stat").read_text().rsplit(")", 1)[1].split()
                except FileNotFoundError:
                    continue
                ticks += sum(int(field) for field in fields[11:15])
        return ticks / os.sysconf("SC_CLK_TCK")


def _children(pid: int) -> list[int]:
    """Every descendant of `pid` that is running now."""
    found = []
    try:
        tasks = list(Path(f"/proc/{pid}/task").iterdir())
    except FileNotFoundError:
        return found
    for task in tasks:
        try:
            children = [int(child) for child in (task / "children").read_text().split()]
        except FileNotFoundError:
            continue
        for child in children:
            found += [child, *_children(child)]
    return found


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextmanager
def gunicorn(env: dict[str, str], log: Path, *, workers: int, threads: int, timeout_s: int = 120, nice: int = 0
             ) -> Iterator[Gunicorn]:
    """One gunicorn (deploy.local.start_web) on a free port, up once /health answers; stopped after."""
    port = free_port()
    with log.open("ab") as out:
        master = local.start_web(port, env, out, workers=workers, threads=threads, timeout_s=timeout_s, nice=nice)
    try:
        local.wait_until_up(f"http://127.0.0.1:{port}/health", master, START_SECONDS)
        yield Gunicorn(port, master)
    finally:
        local.end([master])


class Deployed(NamedTuple):
    listen: str  # nginx's address, host:port
    web: list[Gunicorn]
    export: list[Gunicorn]

    @property
    def port(self) -> int:
        return int(self.listen.rsplit(":", 1)[1])


@contextmanager
def deployment(env: dict[str, str], run_dir: Path, *, web_processes: int, web_workers: int, web_threads: int,
               export_processes: int) -> Iterator[Deployed]:
    """nginx in front of `web_processes` web gunicorns and `export_processes` export ones, as docs/deploy.md."""
    log = run_dir / "gunicorn.log"
    with ExitStack() as running:
        web = [running.enter_context(gunicorn(env, log, workers=web_workers, threads=web_threads))
               for _ in range(web_processes)]
        export = [running.enter_context(gunicorn(env, log, workers=local.EXPORT_WORKERS,
                                                 threads=local.EXPORT_THREADS, nice=local.EXPORT_NICE))
                  for _ in range(export_processes)]
        listen = f"127.0.0.1:{free_port()}"
        config = local.render(run_dir / "nginx", listen, [f"127.0.0.1:{p.port}" for p in web],
                              export=[f"127.0.0.1:{p.port}" for p in export] or None)
        checked = local.check(config)
        if checked.returncode != 0:
            raise RuntimeError(f"nginx -t refused the rendered config: {checked.stderr}")
        nginx = local.start_nginx(config)
        running.callback(local.end, [nginx])
        local.wait_until_up(f"http://{listen}/health", nginx)
        yield Deployed(listen, web, export)
