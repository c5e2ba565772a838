"""A peer that does not answer is down for a while: requests give up at once instead of queueing on it.

Bounded waits (data_access.engine, the cache's socket timeouts) make each
failing request cost a few seconds; without more, every request of every
wall would still pay them, and the worker threads would all sit waiting on a
server that is not there. So the first failure to reach the database (or the
cache) marks it down for a back-off (5 s by default, doubling while it stays
down, to 30 s). While down, `admit` raises `Open` without touching the
network: `Database.connect` turns that into a `DatabaseError`, which the
views show as the outage banner and the API as a 503; the cache computes the
answer without it. When the back-off ends, one request, and only one, goes
through as the probe: if it succeeds the peer is up again for everyone, else
the next back-off is longer.
"""
from __future__ import annotations

import threading
import time

# However long an outage lasts, a recovered peer is noticed within this (a probe is one connection attempt: cheap).
LONGEST_BACKOFF_S = 30.0


class Open(Exception):
    """The peer is known to be down: do not try it now."""

    def __init__(self, retry_in_s: float):
        super().__init__(f"it did not answer; trying again in {retry_in_s:.1f} s")
        self.retry_in_s = retry_in_s


class Breaker:
    """Whether requests may try a peer now; thread-safe, one per peer and worker process."""

    def __init__(self, first_backoff_s: float, clock=time.monotonic):
        self._first_backoff_s = first_backoff_s
        self._clock = clock
        self._lock = threading.Lock()
        self._failures = 0  # in a row, counting the failure that opened and each failed probe
        self._down_until: float | None = None  # None: up
        self._probing = False

    def admit(self) -> bool:
        """Let a request try the peer, or raise Open; True: this request is the probe."""
        with self._lock:
            if self._down_until is None:
                return False
            left = self._down_until - self._clock()
            if left > 0 or self._probing:
                raise Open(max(left, 0.0))
            self._probing = True
            return True

    def succeeded(self) -> None:
        """The peer answered (any request: the probe, or one let in before it went down)."""
        with self._lock:
            self._failures, self._down_until, self._probing = 0, None, False

    def failed(self, probe: bool) -> None:
        """A request could not reach the peer, or it stopped answering."""
        with self._lock:
            # Requests that were already waiting when it went down fail one after another:
            # they must not lengthen the back-off, only the first failure and failed probes do.
            if self._down_until is not None and not probe:
                return
            self._failures += 1
            longest = max(LONGEST_BACKOFF_S, self._first_backoff_s)
            backoff = min(self._first_backoff_s * 2 ** (self._failures - 1), longest)
            self._down_until = self._clock() + backoff
            self._probing = False
