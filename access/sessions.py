"""Where sessions live when a Redis is configured: there, shared by every host, as JSON, expiring by themselves.

Without Redis, sessions are rows of OneScreen's own store (AccessStore's
session methods), which every host shares too. With Redis (the cache's,
ONESCREEN_CACHE_REDIS_URL) a session is one key holding JSON, never a
pickle, whose time-to-live is the idle timeout, renewed as the user works;
the absolute timeout is checked against its creation time. Ending every
session of a user (a changed password, a deactivated account) needs no
index: a session opened before the password last changed, or of a user no
longer active, is refused when it is next read (access.service).
"""
from __future__ import annotations

import json
import logging
import secrets
from datetime import datetime, timedelta
from typing import Callable

import redis
from redis.backoff import NoBackoff
from redis.retry import Retry

from access.store import digest
from data_access.breaker import Breaker, Open

log = logging.getLogger(__name__)

_PREFIX = "onescreen:session:"
_TOUCH_EVERY = timedelta(seconds=60)


class SessionsUnavailable(RuntimeError):
    """Redis, where the sessions are, does not answer: nobody's session can be checked now (a 503, not a login)."""


class RedisSessions:
    """Sessions in Redis. A hung or dead Redis costs one request the connect timeout; then, for the outage
    back-off, every session request is told at once that sessions are unavailable (data_access.breaker)."""

    def __init__(self, url: str, idle: timedelta, absolute: timedelta, clock: Callable[[], datetime],
                 timeout_s: float = 3.0, backoff_s: float = 5.0):
        self._redis = redis.Redis.from_url(url, socket_timeout=timeout_s, socket_connect_timeout=timeout_s,
                                           retry=Retry(NoBackoff(), 0))
        self._idle, self._absolute, self._clock = idle, absolute, clock
        self._breaker = Breaker(backoff_s)
        self._warned = False

    def _call(self, operation):
        try:
            probe = self._breaker.admit()
        except Open as error:
            raise SessionsUnavailable(f"the session store (Redis) {error}") from None
        try:
            result = operation(self._redis)
        except redis.RedisError as error:
            self._breaker.failed(probe)
            if not self._warned:  # once per outage, not once per request
                self._warned = True
                log.warning("the session store (Redis) does not answer: %s", error)
            raise SessionsUnavailable(f"the session store (Redis) does not answer: {error}") from None
        self._breaker.succeeded()
        self._warned = False
        return result

    def open_session(self, user_id: int) -> tuple[str, str]:
        session_id, csrf = secrets.token_urlsafe(32), secrets.token_urlsafe(24)
        now = self._clock()
        self._write(digest(session_id), {"user_id": user_id, "created_at": now.isoformat(),
                                         "last_seen_at": now.isoformat(), "csrf": csrf})
        return session_id, csrf

    def find(self, session_id: str) -> tuple[int, str, datetime] | None:
        """(user id, CSRF token, created at) of an open session; None if unknown, expired or not one of ours."""
        key = digest(session_id)
        raw = self._call(lambda r: r.get(_PREFIX + key))
        if raw is None:
            return None
        try:
            record = json.loads(raw)
            user_id, csrf = int(record["user_id"]), str(record["csrf"])
            created, seen = (datetime.fromisoformat(record[name]) for name in ("created_at", "last_seen_at"))
        except (ValueError, KeyError, TypeError):
            # Anyone on the Redis network can write a key: what OneScreen did not write is not a session.
            log.warning("a session entry in Redis is not one OneScreen wrote; refused")
            self._call(lambda r: r.delete(_PREFIX + key))
            return None
        now = self._clock()
        if now - created > self._absolute or now - seen > self._idle:
            self._call(lambda r: r.delete(_PREFIX + key))
            return None
        if now - seen >= _TOUCH_EVERY:
            self._write(key, {**record, "last_seen_at": now.isoformat()})
        return user_id, csrf, created

    def close_session(self, session_id: str) -> None:
        self._call(lambda r: r.delete(_PREFIX + digest(session_id)))

    def _write(self, key: str, record: dict) -> None:
        self._call(lambda r: r.set(_PREFIX + key, json.dumps(record), ex=int(self._idle.total_seconds())))
