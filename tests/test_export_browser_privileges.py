"""The export Chromium is confined: never root, sandboxed, the same-origin rule on, none of the server's secrets.

Each test draws a chart, so the renderer's browser is running, then reads
/proc for every process this test process started (choreographer's pipe
wrapper, Chromium's browser, zygotes, GPU, renderers): their users, their
command lines, their seccomp filter, their environment. CI runs as root, as
a server may: that is the case the confinement is for.
"""
from __future__ import annotations

import os
import stat
from pathlib import Path

import plotly.graph_objects as go
import pytest

from exports.renderer import ChartRenderer, RenderError
from tests.support import unavailable
from tests.test_chart_exports import offline_chromium

A_SECRET = "postgresql+psycopg://onescreen:hunter2@db.intra/city"


@pytest.fixture(scope="module")
def browser_processes():
    """The /proc entries of the running export browser's processes, after one chart was drawn."""
    # Processes other fixtures started (the test directory's slapd, say) are not the browser's.
    already_running = {process.name for process in _descendants(os.getpid())}
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("ONESCREEN_DATABASE_URL", A_SECRET)  # what the server's environment holds
        renderer = ChartRenderer(offline_chromium())
        assert renderer.render(go.Figure(go.Bar(x=["甲", "乙"], y=[3, 1])), "png", 400, 300)[:4] == b"\x89PNG"
    try:
        processes = [process for process in _descendants(os.getpid()) if process.name not in already_running]
        assert any(_is_chromium(process) for process in processes), "no Chromium process found"
        yield processes
    finally:
        renderer.close()


def _descendants(pid: int) -> list[Path]:
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                parent = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError):
                continue  # ended meanwhile
            children.setdefault(parent, []).append(int(entry.name))
    found, todo = [], list(children.get(pid, []))
    while todo:
        child = todo.pop()
        found.append(Path(f"/proc/{child}"))
        todo.extend(children.get(child, []))
    return found


def _status(process: Path) -> dict[str, str]:
    return dict(line.split(":\t", 1) for line in (process / "status").read_text().splitlines() if ":\t" in line)


def _command_line(process: Path) -> str:
    # Chromium's children rewrite their argv into one space-separated string: search it as text.
    return (process / "cmdline").read_bytes().replace(b"\0", b" ").decode()


def _is_chromium(process: Path) -> bool:
    return "/chromium" in _command_line(process).split(" ", 1)[0]


def test_export_chromium_does_not_run_as_root(browser_processes):
    for process in browser_processes:
        real, effective, saved, filesystem = _status(process)["Uid"].split()
        assert "0" not in (real, effective, saved, filesystem), _command_line(process)


def test_export_chromium_cannot_regain_root(browser_processes):
    _as_root()
    for process in browser_processes:
        assert _status(process)["NoNewPrivs"] == "1", _command_line(process)


def test_export_chromium_never_disables_web_security(browser_processes):
    for process in browser_processes:
        assert "--disable-web-security" not in _command_line(process)


def test_export_chromium_runs_with_its_sandbox(browser_processes):
    for process in browser_processes:
        assert "--no-sandbox" not in _command_line(process)
    renderers = [process for process in browser_processes if "--type=renderer" in _command_line(process)]
    assert renderers
    for process in renderers:
        assert _status(process)["Seccomp"] == "2", "a renderer without its seccomp-bpf sandbox"


def test_export_chromium_gets_a_private_home_and_none_of_the_servers_environment(browser_processes):
    browser = next(process for process in browser_processes if _is_chromium(process))
    environment = dict(item.split("=", 1) for item in (browser / "environ").read_text().split("\0") if "=" in item)
    assert A_SECRET not in environment.values()
    assert not any(name.startswith("ONESCREEN_") for name in environment)
    home = Path(environment["HOME"]).stat()
    assert home.st_uid == int(_status(browser)["Uid"].split()[0])
    assert stat.S_IMODE(home.st_mode) == 0o700


def _as_root() -> None:
    if os.geteuid() != 0:
        unavailable("root (the export user is only taken on by a root server)", PermissionError(os.geteuid()))


def test_an_export_user_that_is_root_is_refused():
    _as_root()
    with pytest.raises(RenderError, match="never runs as root"):
        ChartRenderer(offline_chromium(), export_user="root").render(go.Figure(), "svg", 100, 100)


def test_an_export_user_missing_from_this_machine_is_refused_not_replaced_by_root():
    _as_root()
    with pytest.raises(RenderError, match="not a user on this machine"):
        ChartRenderer(offline_chromium(), export_user="onescreen-no-such-user").render(go.Figure(), "svg", 100, 100)
