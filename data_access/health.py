"""Whether the database answers, known within a deadline and remembered for a moment.

/health is what load balancers ask, every second or more often, and what
they give up on after a second or two: an answer that waits on a hung
database is no answer, and the host is taken out even though it could show
its walls the last good numbers. So the check never waits longer than its
deadline: one probe (`SELECT 1` through `Database.connect`, which lets it
be the breaker's probe while the database is down, before the back-off
ends, so a recovery is noticed at the next check) runs in a thread of its own, and a probe that has not answered within the
deadline means down, while it goes on to its own bounded end. Answers
are remembered briefly, so a balancer hammering /health costs the database
one probe per moment, not one per request.
"""
from __future__ import annotations

import logging
import threading
import time

from sqlalchemy import text

from data_access import DatabaseError
from data_access.database import Database

log = logging.getLogger(__name__)

# Within what /health must answer (a second) less the time to write the answer.
DEADLINE_S = 0.8
# How long an answer stands: long enough that hammering costs nothing, short enough to see a change at once.
REMEMBER_S = 1.5


class HealthCheck:
    def __init__(self, db: Database, deadline_s: float = DEADLINE_S, remember_s: float = REMEMBER_S,
                 clock=time.monotonic):
        self._db = db
        self._deadline_s, self._remember_s, self._clock = deadline_s, remember_s, clock
        self._lock = threading.Lock()
        self._answer: tuple[float, bool] | None = None  # (when known, up)
        self._probe: threading.Event | None = None  # set when the running probe has its answer

    def database_answers(self) -> bool:
        """True if the database answered within the deadline (now or a moment ago)."""
        with self._lock:
            if self._answer and self._clock() - self._answer[0] < self._remember_s:
                return self._answer[1]
            if self._probe is None:
                self._probe = threading.Event()
                threading.Thread(target=self._run_probe, args=(self._probe,), name="health-probe",
                                 daemon=True).start()
            probe = self._probe
        if probe.wait(self._deadline_s):
            return self._answer[1]
        with self._lock:
            self._answer = (self._clock(), False)
        log.warning("health check: the database did not answer within %.1f s", self._deadline_s)
        return False

    def _run_probe(self, done: threading.Event) -> None:
        try:
            with self._db.connect(early_probe=True) as conn:
                conn.execute(text("SELECT 1"))
            up = True
        except DatabaseError as error:
            log.warning("health check: database down: %s", error)
            up = False
        except Exception:  # whatever it is, the probe must end, and say down
            log.exception("health check: the probe failed")
            up = False
        with self._lock:
            self._answer, self._probe = (self._clock(), up), None
        done.set()
