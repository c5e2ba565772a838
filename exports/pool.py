"""The bounded pool heavy exports run in, so an export storm cannot take the threads the walls refresh on.

A chart image or a whole-view report costs seconds of CPU and a browser tab;
a gunicorn worker has a handful of threads. Without a bound, eight PDFs at
once held every thread of the server and `/health` timed out. Here at most
`slots` heavy exports run at a time per process and `queue` more wait for a
slot (for at most `QUEUE_WAIT_SECONDS`); the next one is refused at once with
`ExportsBusy`, which the export routes answer as a 503 with `Retry-After`.
`slots + queue` stays below gunicorn's `--threads`, so a worker always has
threads left for views, walls and the API (docs/deploy.md "Sizing").

Table CSVs are not bounded here: they stream a chunk at a time and cost the
server little per row.
"""
from __future__ import annotations

import math
import threading
import time
from contextlib import contextmanager
from typing import Iterator

# A queued export that has not started after this long is refused too: its client has likely given up, and
# nginx's proxy_read_timeout (deploy/nginx/onescreen.conf) would cut it off anyway.
QUEUE_WAIT_SECONDS = 30
# What an export is assumed to take before this process has timed one (a report PDF on the demo city).
FIRST_GUESS_SECONDS = 10.0
# How much one finished export moves the estimate of the next one's duration.
_SMOOTHING = 0.3


class ExportsBusy(Exception):
    """Every slot and every queue place is taken; try again after `retry_after_s` seconds."""

    def __init__(self, retry_after_s: int):
        super().__init__(f"every export slot is busy; retry in {retry_after_s} s")
        self.retry_after_s = retry_after_s


class ExportPool:
    """At most `slots` exports at a time, `queue` more waiting; safe to use from any request thread."""

    def __init__(self, slots: int, queue: int, queue_wait_s: float = QUEUE_WAIT_SECONDS):
        self.slots, self.queue = slots, queue
        self._queue_wait_s = queue_wait_s
        self._running = threading.Semaphore(slots)
        self._admitted = threading.Semaphore(slots + queue)
        self._lock = threading.Lock()
        self._typical_s = FIRST_GUESS_SECONDS

    @contextmanager
    def slot(self) -> Iterator[None]:
        """Run the block in a slot, waiting in the queue if need be; ExportsBusy when the queue is full too."""
        if not self._admitted.acquire(blocking=False):
            raise ExportsBusy(self.retry_after_s())
        try:
            if not self._running.acquire(timeout=self._queue_wait_s):
                raise ExportsBusy(self.retry_after_s())
            started = time.monotonic()
            try:
                yield
            finally:
                self._running.release()
                self._learn(time.monotonic() - started)
        finally:
            self._admitted.release()

    def retry_after_s(self) -> int:
        """When a refused export may find a place: the queue ahead of it drained at the typical export's pace."""
        with self._lock:
            waves = (self.slots + self.queue) / self.slots
            # Rounded to a tenth first: an estimate that has settled on 2.0000001 s means 2.
            return max(1, math.ceil(round(self._typical_s * waves, 1)))

    def _learn(self, seconds: float) -> None:
        with self._lock:
            self._typical_s += _SMOOTHING * (seconds - self._typical_s)
