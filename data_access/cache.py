"""Query results cached by scope, in process or in a shared Redis.

Every screen on the same scope asks the same question; the database should
answer it once per freshness window. Keys are the query's name and the
scope's canonical text, so two screens (or a screen and the API) showing the
same scope share one entry. A cache that fails is bypassed, never fatal: the
dashboard is slower without it, not down.

A Redis that hangs costs one request the socket timeout (the connect
timeout), then the cache is skipped for a back-off (data_access.breaker), so
the other requests go straight to the database instead of each waiting on it.

Values are stored through `data_access.codec`, never pickled: an entry in
Redis is data anyone on its network may have written, and one the codec did
not write (hostile or corrupt) is a miss, logged and recomputed.
"""
from __future__ import annotations

import functools
import logging
from typing import Callable, TypeVar

from flask import Flask
from flask_caching import Cache
from flask_caching.backends import RedisCache, SimpleCache

from config import Settings
from data_access import codec
from data_access.breaker import Breaker, Open

log = logging.getLogger(__name__)

T = TypeVar("T")

# Bump when a cached result's shape changes, so a shared Redis never serves
# an old shape to a new release.
_KEY_VERSION = "v2"  # v2: stored by the codec instead of pickled


class _CodecSerializer:
    """Flask-Caching's backends call `serializer.dumps/loads`; this one speaks the codec only."""

    def dumps(self, value) -> bytes:
        return codec.dumps(value)  # a value it does not declare raises: the answer is served uncached

    def loads(self, data: bytes | None):
        if data is None:
            return None
        try:
            return codec.loads(data)
        except codec.CodecError as error:
            log.warning("cache entry is not a cached answer (%s); recomputing it", error)
            return None


class CodecRedisCache(RedisCache):
    serializer = _CodecSerializer()


# The in-process cache goes through the same codec: one path, exercised by every test,
# and callers get a fresh copy they may change as before.
class CodecSimpleCache(SimpleCache):
    serializer = _CodecSerializer()


class ResultCache:
    def __init__(self, settings: Settings, server: Flask | None = None):
        if settings.cache_redis_url:
            config = {
                "CACHE_TYPE": f"{__name__}.CodecRedisCache",
                "CACHE_REDIS_URL": settings.cache_redis_url,
                "CACHE_OPTIONS": {
                    "socket_timeout": settings.connect_timeout_s,
                    "socket_connect_timeout": settings.connect_timeout_s,
                },
            }
        else:
            config = {"CACHE_TYPE": f"{__name__}.CodecSimpleCache", "CACHE_THRESHOLD": 2000}
        config["CACHE_KEY_PREFIX"] = "onescreen:"
        # Flask-Caching builds its backend on a Flask app; scripts and tests have
        # none. The backend is then used directly, because `Cache` looks for
        # it on whichever app is current, and the API may run on another one.
        app = server or Flask("onescreen-cache")
        extension = Cache(app, config=config)
        self._cache = app.extensions["cache"][extension]
        self._live_seconds = settings.live_cache_seconds
        self._history_seconds = settings.history_cache_seconds
        self._breaker = Breaker(settings.outage_backoff_s)

    def get_or_compute(self, key: str, live: bool, compute: Callable[[], T]) -> T:
        """The cached value for `key`, computing and storing it on a miss.

        `live` answers (about "now") expire quickly; answers about a past
        moment are kept longer.
        """
        key = f"{_KEY_VERSION}:{key}"
        try:
            probe = self._breaker.admit()
        except Open:
            return compute()
        try:
            found = self._cache.get(key)
        except Exception:  # a cache outage must not take the dashboard down
            log.warning("cache read failed; querying the database directly", exc_info=True)
            self._breaker.failed(probe)
            return compute()
        self._breaker.succeeded()
        if found is not None:
            return found
        value = compute()
        try:
            self._cache.set(key, value, timeout=self._live_seconds if live else self._history_seconds)
        except Exception:
            log.warning("cache write failed; the answer is served uncached", exc_info=True)
        return value

    def clear(self) -> None:
        """Forget every cached answer (benchmarks measure cold queries with it)."""
        self._cache.clear()


def cached_by_scope(query: Callable[..., T]) -> Callable[..., T]:
    """Cache a query function `query(db, scope, *args)` under its name, the scope and its arguments."""

    @functools.wraps(query)
    def wrapper(db, scope, *args):
        key = f"{query.__module__}.{query.__name__}:{db.cache_namespace}:{scope.cache_key()}:{args!r}"
        return db.cache.get_or_compute(key, scope.live, lambda: query(db, scope, *args))

    return wrapper
