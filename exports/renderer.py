"""Charts to PNG, SVG and PDF on the server: one long-lived headless Chromium per process, through kaleido.

Starting Chromium takes seconds; rendering a chart in a running one takes a
few hundred milliseconds. So a process keeps one browser, started on the
first export (after gunicorn has forked, never before) and shared by every
request thread. Kaleido is asyncio; its own global "sync server" hands
results back through one shared queue, which mixes up answers when two
threads ask at once, so this module runs its own event loop on a thread and
gives each request a future of its own.

Nothing the renderer draws may leave the server: plotly.js comes from the
installed plotly package, MathJax (which kaleido would fetch from a CDN) is
off, and Chromium is pointed at a proxy that does not exist, so even a page
that asked for an outside address would get nothing. It runs confined
(exports/confinement.py): never as root, with its sandbox where the machine
allows one, and with the same-origin rule on.
"""
from __future__ import annotations

import asyncio
import logging
import threading
import time
from concurrent.futures import TimeoutError as FutureTimeout

import plotly.graph_objects as go

from exports.confinement import ConfinementError, confine
from exports.pdf_text import searchable

log = logging.getLogger(__name__)

FORMATS = ("png", "svg", "pdf")
# A closed port on the loopback: any http(s) request Chromium might make goes nowhere.
_NO_NETWORK_PROXY = "http://127.0.0.1:9"
_START_SECONDS = 60
# Tabs of the one browser: two draw a report's pages side by side on a two-core server.
TABS = 2
# A browser with no export for this long is stopped, and its memory returned.
IDLE_SECONDS = 600


class RenderError(RuntimeError):
    """The renderer could not start or did not finish an image."""


class ChartRenderer:
    """Renders plotly figures in one Chromium, started on first use; safe to call from any thread.

    A browser holds a few hundred MB, and a wall's server may export once a
    week: after `idle_s` without an export the browser is stopped, and the
    next export starts a new one.
    """

    def __init__(self, chromium_path: str | None = None, timeout_s: float = 60, idle_s: float = IDLE_SECONDS,
                 export_user: str = "nobody"):
        self._chromium_path = chromium_path
        # Whom a root server starts the browser as (config.Settings.export_user).
        self._export_user = export_user
        self._timeout_s = timeout_s
        self._idle_s = idle_s
        self._lock = threading.Lock()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._kaleido = None
        self._in_flight = 0
        self._last_used = 0.0

    @property
    def running(self) -> bool:
        return self._kaleido is not None

    def render(self, figure: go.Figure, fmt: str, width: int, height: int, scale: float = 1) -> bytes:
        """The figure as `fmt` bytes, `width` x `height` CSS pixels (PNG: times `scale`)."""
        return self.render_all([(figure, width, height)], fmt, scale)[0]

    def render_all(self, figures: list[tuple[go.Figure, int, int]], fmt: str, scale: float = 1) -> list[bytes]:
        """Each (figure, width, height) as `fmt` bytes, in order; the browser's tabs draw them side by side."""
        if fmt not in FORMATS:
            raise ValueError(f"no image format {fmt!r}")
        loop, kaleido = self._acquire()
        try:
            futures = [
                asyncio.run_coroutine_threadsafe(
                    kaleido.calc_fig(figure, opts={"format": fmt, "width": int(width), "height": int(height),
                                                   "scale": scale}),
                    loop,
                )
                for figure, width, height in figures
            ]
            try:
                results = [future.result(self._timeout_s) for future in futures]
            except FutureTimeout:
                for future in futures:
                    future.cancel()
                raise RenderError(f"rendering a {fmt} took longer than {self._timeout_s:.0f} s") from None
            except Exception as error:  # the browser died or plotly.js refused the figure
                log.warning("chart rendering failed; the browser restarts on the next export: %s", error)
                self._stop(loop, kaleido)
                raise RenderError(f"rendering a {fmt} failed: {error}") from error
        finally:
            self._release()
        # Chromium's PDF text names some Chinese characters by their radicals: renamed, so 工单 can be found.
        return [searchable(pdf) for pdf in results] if fmt == "pdf" else results

    def close(self) -> None:
        """Stop the browser (the next render starts a new one)."""
        with self._lock:
            loop, kaleido = self._loop, self._kaleido
        if loop is not None:
            self._stop(loop, kaleido)

    def _acquire(self):
        with self._lock:
            if self._kaleido is None:
                self._loop, self._kaleido = self._start()
                threading.Thread(target=self._stop_when_idle, args=(self._kaleido,), name="chart-renderer-idle",
                                 daemon=True).start()
            self._in_flight += 1
            return self._loop, self._kaleido

    def _release(self) -> None:
        with self._lock:
            self._in_flight -= 1
            self._last_used = time.monotonic()

    def _stop_when_idle(self, kaleido) -> None:
        """Watch one browser; stop it once nothing has asked for `idle_s` (then this thread ends)."""
        while True:
            time.sleep(min(self._idle_s, 30))
            with self._lock:
                if self._kaleido is not kaleido:
                    return  # stopped or replaced meanwhile
                idle = self._in_flight == 0 and time.monotonic() - self._last_used >= self._idle_s
                loop = self._loop
            if idle:
                log.info("chart renderer idle for %.0f s: its browser stops", self._idle_s)
                self._stop(loop, kaleido)
                return

    def _stop(self, loop, kaleido) -> None:
        """Stop this browser, if it is still the current one; new renders start another."""
        with self._lock:
            if self._kaleido is not kaleido:
                return
            self._loop = self._kaleido = None
        try:
            asyncio.run_coroutine_threadsafe(kaleido.close(), loop).result(10)
        except Exception:  # noqa: BLE001 - a dead browser need not close cleanly
            log.debug("closing the renderer's browser failed", exc_info=True)
        loop.call_soon_threadsafe(loop.stop)

    def _start(self):
        import kaleido  # imported on first export: the dashboard starts without a browser

        try:
            confinement = confine(self._export_user)
        except ConfinementError as error:
            raise RenderError(f"the chart renderer (Chromium) did not start: {error}") from error
        # The page, written where the browser's account can read it (kaleido's own copy would be root's alone).
        page = confinement.home / "index.html"
        page.write_text(kaleido.PageGenerator(mathjax=False).generate_index(), encoding="utf-8")
        loop = asyncio.new_event_loop()
        threading.Thread(target=loop.run_forever, name="chart-renderer", daemon=True).start()
        options = {"n": TABS, "timeout": self._timeout_s, "page_generator": str(page),
                   "proxy_server": _NO_NETWORK_PROXY, "browser_cls": confinement.chromium,
                   "enable_sandbox": confinement.sandbox}
        if self._chromium_path:
            options["path"] = self._chromium_path

        async def opened():
            browser = kaleido.Kaleido(**options)
            await browser.open()
            return browser

        try:
            browser = asyncio.run_coroutine_threadsafe(opened(), loop).result(_START_SECONDS)
        except Exception as error:
            loop.call_soon_threadsafe(loop.stop)
            confinement.remove()
            raise RenderError(f"the chart renderer (Chromium) did not start: {error}") from error
        log.info("chart renderer started (Chromium %s, %s, %s)", self._chromium_path or "from PATH",
                 f"as {self._export_user}" if confinement.become_user else "as this process's user",
                 "sandboxed" if confinement.sandbox else "without its sandbox")
        return loop, browser
