"""The whole deployment on one machine, for a try: gunicorns behind nginx, as docs/deploy.md installs them.

    python -m deploy.local --url sqlite:///data/demo.sqlite [--listen 127.0.0.1:8080] [--web-port 8061 ...]
        [--export-port 8071 ...]

Two web processes serve the pages, walls and API; an export process (fewer
threads, lower CPU priority) makes the files of /export/, as the
onescreen-web@ and onescreen-export@ units do.

Everything nginx needs (its config, pid, logs, temporary files) lives in a
run folder of its own (a new temporary one by default), so a try never touches
/etc/nginx or a system nginx. The processes are the ones the systemd units
start (deploy/systemd), with ONESCREEN_TRUSTED_PROXIES=1 as nginx is in front.
Ctrl-C stops them all. `make deploy-local` runs this on the demo city.
"""
from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.error import HTTPError, URLError
from urllib.request import urlopen

from deploy.render import LOCATIONS, Tls, site

ROOT = Path(__file__).resolve().parent.parent
GUNICORN = Path(sys.executable).with_name("gunicorn")
# Debian's nginx package; its mime.types maps file names to the Content-Type gzip_types matches.
NGINX = "/usr/sbin/nginx"
MIME_TYPES = "/etc/nginx/mime.types"
START_SECONDS = 60
# What deploy/systemd/onescreen-export@.service gives an export process: one worker (one Chromium), a few threads
# (ONESCREEN_EXPORT_SLOTS + ONESCREEN_EXPORT_QUEUE, 3 by default, below them) and a lower CPU priority (Nice=).
EXPORT_WORKERS, EXPORT_THREADS, EXPORT_NICE = 1, 4, 10


def main_config(run_dir: Path, site_path: Path) -> str:
    """nginx's top-level config for a run folder: the site inside an http {} that writes only to `run_dir`."""
    temp = run_dir / "temp"
    paths = "\n".join(f"    {kind}_temp_path {temp / kind};" for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi"))
    return f"""# Rendered by deploy/local.py for a try on one machine; a deployment uses Debian's /etc/nginx/nginx.conf.
daemon off;
worker_processes 1;
pid {run_dir / "nginx.pid"};
error_log {run_dir / "error.log"} warn;
events {{
    worker_connections 1024;
}}
http {{
    include {MIME_TYPES};
    default_type application/octet-stream;
    # Which process answered ($upstream_addr) and how long it took: where a slow request went, on a try.
    log_format onescreen '$remote_addr [$time_local] "$request" $status $body_bytes_sent '
                         'upstream=$upstream_addr request_time=$request_time';
    access_log {run_dir / "access.log"} onescreen;
{paths}
    include {site_path};
}}
"""


def render(run_dir: Path, listen: str, web: list[str], tls: Tls | None = None, export: list[str] | None = None) -> Path:
    """Write the site and the main config into `run_dir`; the main config's path."""
    (run_dir / "temp").mkdir(parents=True, exist_ok=True)
    # A root nginx's workers run as nobody, and must reach their temporary files in here.
    for folder in (run_dir, run_dir / "temp"):
        folder.chmod(0o755)
    site_path = run_dir / "onescreen.conf"
    site_path.write_text(site(listen, web, export=export, server_name="_", locations=str(LOCATIONS), tls=tls), encoding="utf-8")
    config = run_dir / "nginx.conf"
    config.write_text(main_config(run_dir, site_path), encoding="utf-8")
    return config


def nginx_command(config: Path, *args: str) -> list[str]:
    # -e: the error log from the very start, before the config names one (else /var/log/nginx/error.log).
    return [NGINX, "-p", str(config.parent), "-e", str(config.parent / "error.log"), "-c", str(config), *args]


def check(config: Path) -> subprocess.CompletedProcess:
    """`nginx -t` on the rendered config."""
    return subprocess.run(nginx_command(config, "-t"), capture_output=True, text=True, timeout=30)


def web_environment(database_url: str, app_database_url: str | None, **extra: str) -> dict[str, str]:
    """The processes' settings: these and nothing else of ONESCREEN_*; app_database_url None: config.py's default."""
    env = {key: value for key, value in os.environ.items() if not key.startswith("ONESCREEN_")}
    env.update(ONESCREEN_DATABASE_URL=database_url, ONESCREEN_TRUSTED_PROXIES="1", **extra)
    if app_database_url:
        env["ONESCREEN_APP_DATABASE_URL"] = app_database_url
    return env


def start_web(port: int, env: dict[str, str], log, workers: int = 2, threads: int = 4, timeout_s: int = 120,
              nice: int = 0) -> subprocess.Popen:
    """One gunicorn serving app:server on 127.0.0.1:`port`, as deploy/systemd/onescreen-web@.service does.

    `nice` lowers its CPU priority (and its Chromium's, a child) as the export unit's Nice= does.
    """
    # nice(1) execs gunicorn: the process started is the gunicorn master itself.
    niced = ["nice", "-n", str(nice)] if nice else []
    return subprocess.Popen(
        [*niced, str(GUNICORN), "--bind", f"127.0.0.1:{port}", "--workers", str(workers), "--threads", str(threads),
         "--timeout", str(timeout_s), "app:server"],
        cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)


def start_export(port: int, env: dict[str, str], log) -> subprocess.Popen:
    """One export process on 127.0.0.1:`port`, as deploy/systemd/onescreen-export@.service does."""
    return start_web(port, env, log, workers=EXPORT_WORKERS, threads=EXPORT_THREADS, nice=EXPORT_NICE)


def start_nginx(config: Path) -> subprocess.Popen:
    return subprocess.Popen(nginx_command(config), stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT)


def wait_until_up(url: str, process: subprocess.Popen, timeout_s: float = START_SECONDS) -> None:
    """Until `url` answers at all (any status); RuntimeError if `process` exits first or it takes too long."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{process.args[0]} exited with {process.returncode} before {url} answered")
        try:
            with urlopen(url, timeout=2):
                return
        except HTTPError:
            return
        except (URLError, OSError):
            time.sleep(0.2)
    raise RuntimeError(f"{url} did not answer within {timeout_s:.0f} s")


def stop(processes: list[subprocess.Popen]) -> None:
    """Stop them all and wait for them; a second Ctrl-C while they stop is ignored, so none is left behind."""
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, signal.SIG_IGN)
    end(processes)


def end(processes: list[subprocess.Popen]) -> None:
    """Terminate them all and wait for each, killing one that has not exited after 20 s."""
    for process in processes:
        if process.poll() is None:
            process.terminate()
    for process in processes:
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def _interrupted(_signum, _frame):
    raise KeyboardInterrupt


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m deploy.local", description=__doc__.split("\n")[0])
    parser.add_argument("--url", required=True, help="the operational database (ONESCREEN_DATABASE_URL)")
    parser.add_argument("--app-url", default=os.environ.get("ONESCREEN_APP_DATABASE_URL", ""),
                        help="OneScreen's own store (ONESCREEN_APP_DATABASE_URL); default: config.py's")
    parser.add_argument("--listen", default="127.0.0.1:8080")
    parser.add_argument("--web-port", type=int, action="append", help="a gunicorn's port (repeat); 8061 and 8062")
    parser.add_argument("--export-port", type=int, action="append",
                        help="an export process's port (repeat); 8071")
    parser.add_argument("--run-dir", type=Path, help="nginx's config, logs and temp files; default: a new temp folder")
    args = parser.parse_args(argv)
    ports = args.web_port or [8061, 8062]
    export_ports = args.export_port or [8071]
    run_dir = args.run_dir or Path(tempfile.mkdtemp(prefix="onescreen-deploy-"))
    config = render(run_dir, args.listen, [f"127.0.0.1:{port}" for port in ports],
                    export=[f"127.0.0.1:{port}" for port in export_ports])
    checked = check(config)
    if checked.returncode != 0:
        print(checked.stderr, file=sys.stderr)
        return 1
    env = web_environment(args.url, args.app_url or None)
    # SIGTERM (a parent shell) stops the stack as Ctrl-C does; SIGINT too where a shell started this ignoring it.
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, _interrupted)
    processes: list[subprocess.Popen] = []
    try:
        with open(run_dir / "web.log", "ab") as log:
            for port in ports:
                processes.append(start_web(port, env, log))
            for port in export_ports:
                processes.append(start_export(port, env, log))
            for port, process in zip(ports + export_ports, processes):
                wait_until_up(f"http://127.0.0.1:{port}/health", process)
            processes.append(start_nginx(config))
            wait_until_up(f"http://{args.listen}/health", processes[-1])
            print(f"OneScreen through nginx: http://{args.listen}/  (gunicorn on {', '.join(map(str, ports))}, "
                  f"exports on {', '.join(map(str, export_ports))}; "
                  f"nginx config and logs in {run_dir}; Ctrl-C stops all)", flush=True)
            while all(process.poll() is None for process in processes):
                time.sleep(0.5)
            print("a process of the stack stopped; stopping the others", file=sys.stderr)
            return 1
    except KeyboardInterrupt:
        return 0
    finally:
        stop(processes)


if __name__ == "__main__":
    sys.exit(main())
