"""The background refresher: walls (and overviews) are never cold, because the answers they need are rebuilt before
they ask.

Each cache window (ONESCREEN_LIVE_CACHE_SECONDS) the refresher replays every
question recently asked by a wall or an overview (each registers its own with
`keep`; the cache's registry, bounded in lifetime and count) for the new
window, so the screen's next refresh is a cache hit;
walls that ask in the moment before it is done get the previous window's
answer at once (stale-while-revalidate), never a cold computation. The
database then runs the same statements per window whatever the number of
walls.

One refresher works per cluster: the holder of a lease in Redis (taken with
SET NX PX, renewed by its holder). Without Redis, or while it does not
answer, each process refreshes its own cache. The thread starts lazily,
from the first wall or overview refresh a process serves (so after gunicorn forked;
never at import), and ends with `stop()` or the process (a daemon thread).

The questions replayed were resolved and narrowed for their principal when
asked; they are replayed as they are (no principal, never widened), so the
answer computed is the one that principal's wall reads.
ONESCREEN_REFRESHER=0 turns it off (tests that count statements).
"""
from __future__ import annotations

import logging
import os
import threading
import uuid
from datetime import datetime
from typing import Callable

from data_access.cache import refreshing_in_place
from data_access.database import Database

log = logging.getLogger(__name__)

# Replays start this long after a window opens: the clock the scopes floor to has surely turned.
AFTER_WINDOW_S = 0.2
# The lease outlives a slow pass (a cold chengdu-scale pass takes tens of seconds), or another holder takes over.
LEASE_MIN_S = 60.0


class Refresher:
    def __init__(self, db: Database, enabled: bool):
        self.db = db
        self._enabled = enabled
        self._warmers: dict[str, Callable[[object], None]] = {}
        self._token = uuid.uuid4().hex
        self._lease = f"refresher:{db.cache_namespace}"
        self._lease_s = max(LEASE_MIN_S, 3.0 * db.settings.live_cache_seconds)
        self._stopped = threading.Event()
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None
        self._pid: int | None = None
        self.passes = 0  # passes the thread made (tests and logs see it work)

    def keep(self, registry: str, warm: Callable[[object], None]) -> None:
        """Keep warm what is asked in the cache's `registry`: `warm(record)` computes one question's answers."""
        self._warmers[registry] = warm

    def start(self) -> None:
        """Run in this process from now on, if enabled (cheap when it already runs)."""
        if not self._enabled or self._stopped.is_set() or (self._pid == os.getpid() and self._thread is not None):
            return
        with self._lock:
            if self._pid == os.getpid() and self._thread is not None:
                return
            # A thread started before a fork did not survive it: this process starts its own.
            self._pid = os.getpid()
            self._thread = threading.Thread(target=self._run, name="onescreen-refresher", daemon=True)
            self._thread.start()

    def stop(self, timeout_s: float = 5.0) -> None:
        """Stop refreshing, and wait up to `timeout_s` for the thread to end."""
        self._stopped.set()
        thread = self._thread
        if thread is not None and self._pid == os.getpid() and thread is not threading.current_thread():
            thread.join(timeout_s)

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def _run(self) -> None:
        while not self._stopped.wait(self._until_next_window()):
            self.refresh_once()
            self.passes += 1

    def _until_next_window(self) -> float:
        window = max(1, self.db.settings.live_cache_seconds)
        now = datetime.now()
        into = (now.hour * 3600 + now.minute * 60 + now.second + now.microsecond / 1e6) % window
        return window - into + AFTER_WINDOW_S

    def refresh_once(self) -> int | None:
        """One pass: every question asked recently, computed for the current window. How many were (None: another
        process holds the lease and does it)."""
        if not self._holds_lease():
            return None
        asked = [(warm, record) for registry, warm in self._warmers.items()
                 for record in self.db.cache.remembered(registry)]
        done, failed = 0, []
        for warm, record in asked:
            # Renewed before each question: a pass may outlast the lease, and a lost lease ends it.
            if self._stopped.is_set() or not self._holds_lease():
                break
            try:
                with refreshing_in_place():  # one question after another, not all at once behind the walls
                    warm(record)
                done += 1
            except Exception as error:  # noqa: BLE001 - one bad question must not stop the others' refresh
                failed.append(error)
        if failed:  # once per pass, not once per question
            log.warning("the refresher could not compute %d of %d questions: %s", len(failed), len(asked), failed[0])
        return done

    def _holds_lease(self) -> bool:
        return self.db.cache.hold(self._lease, self._token, self._lease_s)
