"""A peer that does not answer is down for a while: requests give up at once instead of queueing on it.

Bounded waits (data_access.engine, the cache's socket timeouts) make each
failing request cost a few seconds; without more, every request of every
wall would still pay them, and the worker threads would all sit waiting on a
server that is not there. So the first failure to reach the database (or the
cache) marks it down for a back-off (ONESCREEN_OUTAGE_BACKOFF, 5 s by
default). While down, `admit` raises `Open` without touching the network:
`Database.connect` turns that into a `DatabaseError`, which the views show
as the outage banner and the API as a 503; the cache computes the answer
without it. When the back-off ends, one request, and only one, goes through
as the probe: if it succeeds the peer is up again for everyone, else it is
down for another back-off.

The back-off does not grow while the peer stays down: a wall refreshes every
5 s at the shortest, and must be live again within one refresh of the
database's recovery, however long the outage was. A probe is one bounded
connection attempt by one request every back-off, which a dead peer can
bear. /health, which balancers ask every second or so, may probe before the
back-off ends (`admit(early=True)`, data_access.health): with it asked, a
recovery is noticed within a health check's moment.
"""
from __future__ import annotations

import threading
import time


class Open(Exception):
    """The peer is known to be down: do not try it now."""

    def __init__(self, retry_in_s: float):
        super().__init__(f"it did not answer; trying again in {retry_in_s:.1f} s")
        self.retry_in_s = retry_in_s


class Breaker:
    """Whether requests may try a peer now; thread-safe, one per peer and worker process."""

    def __init__(self, backoff_s: float, clock=time.monotonic):
        self._backoff_s = backoff_s
        self._clock = clock
        self._lock = threading.Lock()
        self._down_until: float | None = None  # None: up
        self._probing = False

    def admit(self, early: bool = False) -> bool:
        """Let a request try the peer, or raise Open; True: this request is the probe.

        early: probe now if the peer is down and no probe is under way, without waiting for the back-off's end
        (the health check's one probe at a time).
        """
        with self._lock:
            if self._down_until is None:
                return False
            left = self._down_until - self._clock()
            if (left > 0 and not early) or self._probing:
                raise Open(max(left, 0.0))
            self._probing = True
            return True

    def succeeded(self) -> None:
        """The peer answered (any request: the probe, or one let in before it went down)."""
        with self._lock:
            self._down_until, self._probing = None, False

    def failed(self, probe: bool) -> None:
        """A request could not reach the peer, or it stopped answering."""
        with self._lock:
            # Requests that were already waiting when it went down fail one after another:
            # they must not lengthen the back-off, only the first failure and failed probes do.
            if self._down_until is not None and not probe:
                return
            self._down_until = self._clock() + self._backoff_s
            self._probing = False
