"""A clone works alone: nothing the repository ships points outside it, and the LA 311 sample it documents is in it.

A newcomer's clone has no ../shared folder beside it (nor anything else): a
link, a path or a test that reaches out of the checkout breaks for them.
"""
from __future__ import annotations

import hashlib
import os
import re
import socket
import subprocess
import sys
import time
from pathlib import Path
from urllib.error import HTTPError
from urllib.request import urlopen

from demo.datasets import SHIPPED, unpacked
from tests.support import create_contract

ROOT = Path(__file__).resolve().parents[1]
# A path that climbs out of the checkout into the project's shared folder, as
# "../shared/DESIGN.md", "../../../shared/datasets/..." or ROOT.parent / "shared".
OUTSIDE = r"\.\./shared|parent *[/] *[\"']shared[\"']|shared/(contract|datasets|DESIGN|STYLE)"


def test_no_shipped_file_points_outside_the_checkout():
    found = subprocess.run(
        ["git", "grep", "-I", "-n", "-E", "-e", OUTSIDE, "--", ".", f":!{Path(__file__).relative_to(ROOT)}"],
        cwd=ROOT, capture_output=True, text=True,
    )
    assert found.returncode in (0, 1), found.stderr  # 1: nothing found
    assert found.stdout.splitlines() == []


def test_the_la311_sample_unpacks_to_the_files_its_readme_lists_byte_for_byte():
    listed = dict(
        (name, digest)
        for digest, name in re.findall(r"^([0-9a-f]{64})  (\S+)$", (SHIPPED / "la311" / "README.md").read_text(), re.M)
    )
    folder = unpacked("la311")
    assert sorted(listed) == sorted(archive.stem for archive in (SHIPPED / "la311").glob("*.xz"))
    for name, digest in listed.items():
        assert hashlib.sha256((folder / name).read_bytes()).hexdigest() == digest, name


def test_the_la311_mapping_reads_the_unpacked_sample():
    mapping = (ROOT / "importer" / "mappings" / "la311.toml").read_text(encoding="utf-8")
    paths = re.findall(r'^(?:file|boundaries) = "([^"]+)"', mapping, re.M)
    base = ROOT / "importer" / "mappings"
    assert {(base / path).resolve() for path in paths} == {path for path in unpacked("la311").iterdir()}


def test_a_gunicorn_started_in_the_checkout_leaves_no_control_socket_in_the_home_folder(tmp_path):
    """Two demos on one machine would share gunicorn's default control socket (~/.gunicorn/gunicorn.ctl),
    and stopping one deletes the other's: `gunicorn app:server` run from the checkout, as the Makefile
    and the benchmarks run it, makes none."""
    database = f"sqlite:///{tmp_path / 'empty.sqlite'}"
    create_contract(database)
    home = tmp_path / "home"
    home.mkdir()
    env = {key: value for key, value in os.environ.items() if key != "XDG_RUNTIME_DIR"}
    env.update(HOME=str(home), ONESCREEN_DATABASE_URL=database)
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    gunicorn = Path(sys.executable).with_name("gunicorn")
    server = subprocess.Popen([str(gunicorn), "--bind", f"127.0.0.1:{port}", "--workers", "1", "app:server"],
                              cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        answer = wait_for_health(f"http://127.0.0.1:{port}/health", server)
        assert answer == 200
        assert sorted(path.relative_to(home).as_posix() for path in home.rglob("*")) == []
    finally:
        server.terminate()
        server.wait(timeout=30)


def wait_for_health(url: str, server: subprocess.Popen, timeout_s: float = 60) -> int:
    """/health's status once the server answers (the master has set up everything by then)."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline and server.poll() is None:
        try:
            with urlopen(url, timeout=5) as response:
                return response.status
        except HTTPError as error:
            return error.code
        except OSError:
            time.sleep(0.2)
    raise AssertionError(f"gunicorn did not answer {url} (exit code {server.poll()})")
