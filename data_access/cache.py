"""Query results cached by scope, in process or in a shared Redis: one computation per key, the last good answer always.

Every screen on the same scope asks the same question; the database should
answer it once per freshness window. Keys are the query's name and the
scope's canonical text, so two screens (or a screen and the API) showing the
same scope share one entry.

Three promises, because a wall is looked at most when something is wrong:
- One computation at a time per key across the cluster (a Redis lock with a
  lifetime; a process lock without Redis). Whoever does not hold it gets the
  previous answer at once if there is one (stale-while-revalidate), else waits,
  bounded, for the one computation. The request that takes it gets the previous
  answer at once too, when that is under a minute old, and refreshes it in a
  thread behind (REFRESH_BEHIND_S): the first wall of a new cache window does
  not wait for it either.
- The last good answer outlives its freshness: a live answer's copy is kept
  for LAST_GOOD_SECONDS under its scope's live lineage (the same scope in any
  cache window). When the database fails, that copy is served, and the block
  of reads that got it learns how old it is (`watch_staleness`).
- A cache that fails is bypassed, never fatal: with Redis down or hung (every
  call bounded by the connect timeout, ONESCREEN_CONNECT_TIMEOUT), answers go
  through a bounded in-process cache with the same single-flight, one warning
  per outage, and Redis is tried again after the outage back-off
  (ONESCREEN_OUTAGE_BACKOFF), as a database is.

Two more things the background refresher (callbacks/refresher.py) needs from
the same stores: a bounded registry of what was recently asked (`remember`,
`remembered`), and a lease that elects one holder across the cluster (`hold`).

Values are stored through `data_access.codec`, never pickled: an entry in
Redis is data anyone on its network may have written, and one the codec did
not write (hostile or corrupt) is a miss, logged and recomputed.
"""
from __future__ import annotations

import contextlib
import contextvars
import functools
import logging
import threading
import time
import uuid
from collections import OrderedDict
from datetime import datetime
from typing import Callable, Iterator, NamedTuple, TypeVar

import redis
from redis.backoff import NoBackoff
from redis.retry import Retry

from config import Settings
from data_access import DatabaseError, codec

log = logging.getLogger(__name__)

T = TypeVar("T")

# Bump when a cached result's shape changes, so a shared Redis never serves
# an old shape to a new release.
_KEY_VERSION = "v3"  # v3: (computed_at, value) entries; v2: stored by the codec instead of pickled

# Namespaces: an answer of one cache window, the last good copy of a live lineage, a computation in progress.
_ANSWER_PREFIX = "onescreen:"
_LAST_GOOD_PREFIX = "onescreen-last-good:"
_LOCK_PREFIX = "onescreen-lock:"
_ASKED_PREFIX = "onescreen-asked:"
_LEASE_PREFIX = "onescreen-lease:"

# How long the last good copy of a live answer is kept: an outage overnight is still bridged in the morning.
LAST_GOOD_SECONDS = 24 * 3600
# The in-process cache's bound: per worker, whatever the number of as_of moments asked.
LOCAL_ENTRIES = 2000
# How often a request waiting on another host's computation looks for its answer.
_POLL_SECONDS = 0.05
# Expired entries are swept out of the in-process store this often: a ready-made wall answer is large, and one
# per cache window would otherwise wait for the LRU bound to push it out.
_SWEEP_SECONDS = 5.0
# A live answer less than this old is served at once even to the request that refreshes it, which refreshes it
# in the background: a screen says its data is old only from a minute on (callbacks/scoped_view.refresh_answer),
# and no wall should wait seconds because its refresh was the first of a new cache window.
REFRESH_BEHIND_S = 60.0
# What was recently asked (`remember`): forgotten after this long, and at most this many per registry.
ASKED_SECONDS = 600.0
ASKED_ENTRIES = 200


class Entry(NamedTuple):
    """A cached answer and when (epoch seconds) it was computed."""

    computed_at: float
    value: object

    @property
    def age_s(self) -> float:
        return max(0.0, time.time() - self.computed_at)


class Staleness:
    """What a block of reads was served: the oldest answer past its freshness, if any (`watch_staleness`)."""

    def __init__(self):
        self.stale_since: float | None = None  # epoch seconds the oldest stale answer was computed at
        self.database_failed = False  # one of them was served because the database did not answer

    def saw(self, entry: Entry, database_failed: bool) -> None:
        if self.stale_since is None or entry.computed_at < self.stale_since:
            self.stale_since = entry.computed_at
        self.database_failed = self.database_failed or database_failed

    @property
    def age_s(self) -> float:
        """How old the oldest stale answer is (0: every answer was fresh)."""
        return 0.0 if self.stale_since is None else max(0.0, time.time() - self.stale_since)


_staleness: contextvars.ContextVar[Staleness | None] = contextvars.ContextVar("onescreen_staleness", default=None)
# Set by the background refresher: its pass computes in place, one question after another, rather than handing
# each to a thread of its own (which would ask the database everything at once).
_in_place: contextvars.ContextVar[bool] = contextvars.ContextVar("onescreen_refresh_in_place", default=False)


@contextlib.contextmanager
def refreshing_in_place() -> Iterator[None]:
    """Inside the block, a request that refreshes an answer computes it itself (see REFRESH_BEHIND_S)."""
    token = _in_place.set(True)
    try:
        yield
    finally:
        _in_place.reset(token)


@contextlib.contextmanager
def watch_staleness() -> Iterator[Staleness]:
    """Collect how old the answers read inside the block are: a view says so when it shows the last good ones."""
    watched = Staleness()
    token = _staleness.set(watched)
    try:
        yield watched
    finally:
        _staleness.reset(token)


def _served_stale(entry: Entry, database_failed: bool = False):
    note_stale(entry.computed_at, database_failed)
    return entry.value


def note_stale(computed_at: float, database_failed: bool = False) -> None:
    """Tell the block of reads watching (`watch_staleness`) that it was served an answer computed at `computed_at`:
    for an answer built out of other answers, which must say what they were."""
    watched = _staleness.get()
    if watched is not None:
        watched.saw(Entry(computed_at, None), database_failed)


class _Flight:
    """One computation of a key in this process; the requests that wait for it get its outcome."""

    def __init__(self):
        self.done = threading.Event()
        self.entry: Entry | None = None
        self.stale = False
        self.database_failed = False
        self.error: BaseException | None = None

    def outcome(self):
        if self.error is not None:
            raise self.error
        return _served_stale(self.entry, self.database_failed) if self.stale else self.entry.value


class _LocalStore:
    """A bounded in-process store of encoded entries: least recently used out past LOCAL_ENTRIES."""

    def __init__(self, max_entries: int = LOCAL_ENTRIES):
        self._entries: OrderedDict[str, tuple[float, bytes]] = OrderedDict()
        self._max = max_entries
        self._lock = threading.Lock()
        self._sweep_at = 0.0
        self._asked: dict[str, OrderedDict[bytes, float]] = {}

    def get_many(self, names: list[str]) -> list[bytes | None]:
        now = time.monotonic()
        found = []
        with self._lock:
            for name in names:
                expires_data = self._entries.get(name)
                if expires_data is None or expires_data[0] <= now:
                    self._entries.pop(name, None)
                    found.append(None)
                else:
                    self._entries.move_to_end(name)
                    found.append(expires_data[1])
        return found

    def set_many(self, items: dict[str, bytes], ttl_s: dict[str, float]) -> None:
        now = time.monotonic()
        with self._lock:
            for name, data in items.items():
                self._entries[name] = (now + ttl_s[name], data)
                self._entries.move_to_end(name)
            if now >= self._sweep_at:
                self._sweep_at = now + _SWEEP_SECONDS
                for name in [name for name, (expires, _) in self._entries.items() if expires <= now]:
                    del self._entries[name]
            while len(self._entries) > self._max:
                self._entries.popitem(last=False)

    def remember(self, registry: str, member: bytes) -> None:
        now = time.time()
        with self._lock:
            asked = self._asked.setdefault(registry, OrderedDict())
            asked[member] = now
            asked.move_to_end(member)
            while len(asked) > ASKED_ENTRIES:
                asked.popitem(last=False)

    def remembered(self, registry: str) -> list[bytes]:
        since = time.time() - ASKED_SECONDS
        with self._lock:
            return [member for member, at in self._asked.get(registry, {}).items() if at >= since]

    def __len__(self) -> int:
        return len(self._entries)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()
            self._asked.clear()


class _RedisStore:
    """Encoded entries and computation locks in a shared Redis, every call bounded in time."""

    # Deletes a lock only if it is still ours: one that outlived its lifetime may be another host's now.
    _RELEASE = "if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) end return 0"
    # Takes a free lease or renews our own, in one step: two hosts can never both hold it.
    _HOLD = (
        "local holder = redis.call('get', KEYS[1]) "
        "if holder == ARGV[1] then redis.call('pexpire', KEYS[1], ARGV[2]) return 1 end "
        "if not holder then redis.call('set', KEYS[1], ARGV[1], 'PX', ARGV[2]) return 1 end "
        "return 0"
    )

    def __init__(self, url: str, timeout_s: float):
        self._client = redis.Redis.from_url(
            url, socket_timeout=timeout_s, socket_connect_timeout=timeout_s,
            retry=Retry(NoBackoff(), 0),  # a retry doubles the wait on a hung server and helps nothing
        )

    def get_many(self, names: list[str]) -> list[bytes | None]:
        return self._client.mget(names)

    def set_many(self, items: dict[str, bytes], ttl_s: dict[str, float]) -> None:
        pipe = self._client.pipeline(transaction=False)
        for name, data in items.items():
            pipe.set(name, data, px=int(ttl_s[name] * 1000))
        pipe.execute()

    def acquire(self, name: str, token: str, lifetime_s: float) -> bool:
        return bool(self._client.set(name, token, nx=True, px=int(lifetime_s * 1000)))

    def release(self, name: str, token: str) -> None:
        self._client.eval(self._RELEASE, 1, name, token)

    def remember(self, registry: str, member: bytes) -> None:
        now = time.time()
        pipe = self._client.pipeline(transaction=False)
        pipe.zadd(registry, {member: now})
        pipe.zremrangebyscore(registry, "-inf", now - ASKED_SECONDS)
        pipe.zremrangebyrank(registry, 0, -ASKED_ENTRIES - 1)
        pipe.pexpire(registry, int(ASKED_SECONDS * 1000))
        pipe.execute()

    def remembered(self, registry: str) -> list[bytes]:
        return self._client.zrangebyscore(registry, time.time() - ASKED_SECONDS, "+inf")

    def hold(self, name: str, token: str, lifetime_s: float) -> bool:
        return bool(self._client.eval(self._HOLD, 1, name, token, int(lifetime_s * 1000)))

    def clear(self) -> None:
        for prefix in (_ANSWER_PREFIX, _LAST_GOOD_PREFIX, _LOCK_PREFIX, _ASKED_PREFIX):
            names = list(self._client.scan_iter(f"{prefix}*"))
            if names:
                self._client.delete(*names)


class ResultCache:
    def __init__(self, settings: Settings):
        self._live_seconds = settings.live_cache_seconds
        self._history_seconds = settings.history_cache_seconds
        # A computation is a few statements, each bounded by the statement timeout: its lock outlives it.
        self._lock_seconds = max(5.0, 2 * settings.statement_timeout_s)
        self._local = _LocalStore()
        self._shared = _RedisStore(settings.cache_redis_url, settings.connect_timeout_s) \
            if settings.cache_redis_url else None
        self._retry_every_s = settings.outage_backoff_s
        self._shared_down = False
        self._retry_shared_at = 0.0
        self._state_lock = threading.Lock()
        self._flights: dict[str, _Flight] = {}
        # The last computation failed on the database: refresh in the foreground, so that the request that
        # finds it down serves the last good answer flagged as such (the outage banner), until one succeeds.
        self._database_failing = False

    def get_or_compute(self, key: str, live: bool, compute: Callable[[], T], *, lineage: str | None = None) -> T:
        """The cached value for `key`, computed once (across the cluster) when it is missing or past its freshness.

        `live` answers (about "now") are fresh for seconds; their last good
        copy is kept under `lineage` (the same question in any cache window;
        default `key`) for LAST_GOOD_SECONDS, served while one request
        refreshes it and when the database fails. Answers about a past moment
        are fresh, and kept, for the history window. A DatabaseError with no
        answer to fall back on is raised as before.
        """
        names = [f"{_ANSWER_PREFIX}{_KEY_VERSION}:{key}"]
        if live:
            names.append(f"{_LAST_GOOD_PREFIX}{_KEY_VERSION}:{lineage or key}")
        current, *last_good = self._read(names)
        if current is not None:
            return current.value
        previous = last_good[0] if last_good else None
        with self._state_lock:
            flight = self._flights.get(names[0])
            leader = flight is None
            if leader:
                flight = self._flights[names[0]] = _Flight()
        if not leader:
            if previous is not None:
                return _served_stale(previous)
            if flight.done.wait(self._lock_seconds):
                return flight.outcome()
            return compute()  # the computation outlived its bound: this request asks on its own
        if live and previous is not None and previous.age_s < REFRESH_BEHIND_S \
                and not self._database_failing and not _in_place.get():
            self._lead_behind(flight, names, live, previous, compute)
            return _served_stale(previous)
        try:
            self._lead(flight, names, live, previous, compute)
        except BaseException as error:
            flight.error = error
            raise
        finally:
            with self._state_lock:
                del self._flights[names[0]]
            flight.done.set()
        return flight.outcome()

    def _lead_behind(self, flight: _Flight, names: list[str], live: bool, previous: Entry, compute) -> None:
        """`_lead` in a thread of its own, the request's context copied (its read-only scope, its language), its
        staleness watch left out: the request has its answer already."""
        context = contextvars.copy_context()
        context.run(_staleness.set, None)
        # What the answer is built from is computed in place, in this thread: an answer of the new window is made
        # of the new window's parts (not of their previous answers), one thread per question, not one per part.
        context.run(_in_place.set, True)

        def run() -> None:
            try:
                context.run(self._lead, flight, names, live, previous, compute)
            except BaseException as error:  # noqa: BLE001 (no request to raise it to: logged, and waiters get it)
                flight.error = error
                log.warning("refreshing a cached answer in the background failed", exc_info=True)
            finally:
                with self._state_lock:
                    del self._flights[names[0]]
                flight.done.set()

        threading.Thread(target=run, name="onescreen-refresh-behind", daemon=True).start()

    def _lead(self, flight: _Flight, names: list[str], live: bool, previous: Entry | None, compute) -> None:
        """Compute the answer for this process's waiters, once across the cluster, into `flight`."""
        lock_name = f"{_LOCK_PREFIX}{names[0]}"
        token = uuid.uuid4().hex
        deadline = time.monotonic() + self._lock_seconds
        while not self._acquire(lock_name, token):
            if previous is not None:  # another host is refreshing it: the previous answer will do meanwhile
                flight.entry, flight.stale = previous, True
                return
            if time.monotonic() > deadline:
                break  # the other host's computation outlived its bound: ask on our own
            time.sleep(_POLL_SECONDS)
            current, *last_good = self._read(names)
            if current is not None:
                flight.entry = current
                return
            previous = last_good[0] if last_good else None
        try:
            try:
                value = compute()
            except DatabaseError:
                self._database_failing = True
                if previous is None:
                    raise
                log.warning("the database did not answer; serving the last good answer, %.0f s old", previous.age_s)
                flight.entry, flight.stale, flight.database_failed = previous, True, True
                return
            self._database_failing = False
            flight.entry = Entry(time.time(), value)
            self._write(names, live, flight.entry)
        finally:
            self._release(lock_name, token)

    def _read(self, names: list[str]) -> list[Entry | None]:
        return [_entry(data) for data in self._call(lambda store: store.get_many(names))]

    def _write(self, names: list[str], live: bool, entry: Entry) -> None:
        try:
            data = codec.dumps(tuple(entry))
        except codec.CodecError:
            log.warning("cache write failed; the answer is served uncached", exc_info=True)
            return
        ttl_s = {names[0]: self._live_seconds if live else self._history_seconds}
        if live:
            ttl_s[names[1]] = LAST_GOOD_SECONDS
        self._call(lambda store: store.set_many(dict.fromkeys(names, data), ttl_s))

    def _acquire(self, name: str, token: str) -> bool:
        # Without Redis the process's own flight is the lock.
        return self._call(lambda store: store.acquire(name, token, self._lock_seconds), local=lambda: True)

    def _release(self, name: str, token: str) -> None:
        self._call(lambda store: store.release(name, token), local=lambda: None)

    def _call(self, operation, local=None):
        """`operation` on Redis while it answers, else on the in-process store (or `local()`)."""
        shared = self._shared_to_use()
        if shared is not None:
            try:
                result = operation(shared)
            except (redis.RedisError, OSError) as error:
                self._shared_failed(error)
            else:
                self._shared_answered()
                return result
        return local() if local is not None else operation(self._local)

    def _shared_to_use(self) -> _RedisStore | None:
        if self._shared is None or not self._shared_down:
            return self._shared
        with self._state_lock:
            # While Redis is down, one request per retry interval tries it; the others go on locally.
            if time.monotonic() < self._retry_shared_at:
                return None
            self._retry_shared_at = time.monotonic() + self._retry_every_s
        return self._shared

    def _shared_failed(self, error: Exception) -> None:
        with self._state_lock:
            first = not self._shared_down
            self._shared_down = True
            self._retry_shared_at = time.monotonic() + self._retry_every_s
        if first:  # once per outage, not once per request
            log.warning("the Redis cache does not answer (%s); caching in process until it is back", error)

    def _shared_answered(self) -> None:
        if self._shared_down:
            with self._state_lock:
                back, self._shared_down = self._shared_down, False
            if back:
                log.warning("the Redis cache answers again; caching there")

    def remember(self, registry: str, value) -> None:
        """Note that `value` (codec data) was asked now, in `registry`: kept ASKED_SECONDS, at most ASKED_ENTRIES."""
        try:
            member = codec.dumps(value)
        except codec.CodecError:
            log.warning("cannot remember what was asked; it is not refreshed in the background", exc_info=True)
            return
        self._call(lambda store: store.remember(f"{_ASKED_PREFIX}{_KEY_VERSION}:{registry}", member))

    def remembered(self, registry: str) -> list:
        """What was asked in `registry` within ASKED_SECONDS, newest last; entries the codec did not write are left
        out (logged)."""
        found = []
        for member in self._call(lambda store: store.remembered(f"{_ASKED_PREFIX}{_KEY_VERSION}:{registry}")):
            try:
                found.append(codec.loads(member))
            except codec.CodecError as error:
                log.warning("a remembered question is not one this release wrote (%s); skipped", error)
        return found

    def hold(self, lease: str, token: str, lifetime_s: float) -> bool:
        """Take the lease `lease` for `token`, or renew it if `token` holds it: True while it is ours.

        Across the cluster through Redis; in process without it, or while it does not answer, so each process
        is then its own holder (the work goes on, once per process instead of once per cluster).
        """
        name = f"{_LEASE_PREFIX}{lease}"
        return self._call(lambda store: store.hold(name, token, lifetime_s), local=lambda: True)

    def clear(self) -> None:
        """Forget every cached answer (benchmarks measure cold queries with it)."""
        self._local.clear()
        if self._shared is not None:
            self._shared.clear()


def _entry(data: bytes | None) -> Entry | None:
    if data is None:
        return None
    try:
        found = codec.loads(data)
    except codec.CodecError as error:
        log.warning("cache entry is not a cached answer (%s); recomputing it", error)
        return None
    if not (isinstance(found, tuple) and len(found) == 2 and type(found[0]) is float):
        log.warning("cache entry is not a cached answer (not a (computed_at, value) pair); recomputing it")
        return None
    return Entry(*found)


def cached_per_window(db, name: str, window: datetime, compute: Callable[[], T]) -> T:
    """A live answer about the database itself (no scope), computed once per cache window (`window`: a live
    scope's floored as_of) across the cluster, its last good copy kept as a scope's is."""
    key = f"{name}:{db.cache_namespace}"
    return db.cache.get_or_compute(f"{key}:{window.isoformat()}", True, compute, lineage=f"{key}:live")


def cached_by_scope(query: Callable[..., T]) -> Callable[..., T]:
    """Cache a query function `query(db, scope, *args)` under its name, the scope and its arguments."""

    @functools.wraps(query)
    def wrapper(db, scope, *args):
        name = f"{query.__module__}.{query.__name__}:{db.cache_namespace}"
        return db.cache.get_or_compute(
            f"{name}:{scope.cache_key()}:{args!r}", scope.live, lambda: query(db, scope, *args),
            lineage=f"{name}:{scope.live_lineage_key()}:{args!r}",
        )

    return wrapper
