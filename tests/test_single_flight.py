"""One computation per key across the cluster, the last good answer when the database fails, and a cache that can
fail (killed or hung Redis) without taking the database down."""
from __future__ import annotations

import logging
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from urllib.parse import urlsplit

import pytest
import redis
from dash import no_update
from sqlalchemy import create_engine

import i18n
from callbacks.scoped_view import refresh_answer
from callbacks.wall import REFRESH_OUTPUTS, wall_refresh
from data_access import DatabaseError
from data_access.cache import LAST_GOOD_SECONDS, LOCAL_ENTRIES, ResultCache, refreshing_in_place, watch_staleness
from tests.support import REDIS_URL, reachable_redis, read_only_database, settings_for
from tests.tcp_proxy import TcpProxy
from tests.test_app_shell import as_json
from tests.test_cache import city  # noqa: F401 (fixture)


@pytest.fixture
def redis_url():
    """The test Redis, not flushed: keys in these tests are unique, so parallel runs never meet."""
    return reachable_redis()


@pytest.fixture(params=["in process", "redis"])
def cache_url(request):
    return None if request.param == "in process" else request.getfixturevalue("redis_url")


def _key() -> str:
    return f"i11-single-flight-{uuid.uuid4().hex}"


class Counted:
    """A computation that takes `seconds` and counts how often it ran (the database's load)."""

    def __init__(self, value, seconds: float = 0.3, error: Exception | None = None):
        self.value, self.seconds, self.error = value, seconds, error
        self.runs = 0
        self._lock = threading.Lock()

    def __call__(self):
        with self._lock:
            self.runs += 1
        time.sleep(self.seconds)
        if self.error is not None:
            raise self.error
        return self.value


def _down() -> DatabaseError:
    return DatabaseError("SELECT 1", {}, ConnectionRefusedError("the database is down"))


def _ask_together(caches, key, compute, live=True, threads=20):
    """`threads` requests for `key` at once, spread over `caches` (hosts): their answers and how long each took."""
    start = threading.Barrier(threads)

    def ask(i):
        start.wait()
        began = time.monotonic()
        value = caches[i % len(caches)].get_or_compute(key, live, compute)
        return value, time.monotonic() - began

    with ThreadPoolExecutor(threads) as pool:
        return list(pool.map(ask, range(threads)))


def test_twenty_requests_for_a_cold_key_compute_it_once(cache_url):
    # With Redis, two hosts sharing it: the lock is the cluster's, not the process's.
    hosts = [ResultCache(settings_for("sqlite://", cache_redis_url=cache_url)) for _ in range(2 if cache_url else 1)]
    compute = Counted({"reported": 9})
    answers = _ask_together(hosts, _key(), compute)
    assert compute.runs == 1
    assert [value for value, _ in answers] == [{"reported": 9}] * 20


def test_an_answer_past_its_freshness_is_served_at_once_while_one_request_refreshes_it(cache_url):
    cache = ResultCache(settings_for("sqlite://", cache_redis_url=cache_url, live_cache_seconds=1))
    key = _key()
    cache.get_or_compute(key, True, lambda: "old")
    time.sleep(1.2)
    refresh_seconds = 1.0
    refresh = Counted("new", seconds=refresh_seconds)
    answers = _ask_together([cache], key, refresh)
    # Every one, the request that started the refresh too, got the old answer long before the refresh ended.
    assert [value for value, _ in answers] == ["old"] * 20
    assert max(took for _, took in answers) < refresh_seconds * 0.8
    deadline = time.monotonic() + refresh_seconds + 10  # the refresh, behind the requests, on a loaded machine
    while cache.get_or_compute(key, True, refresh) != "new":
        assert time.monotonic() < deadline, "the refresh behind the requests never landed"
        time.sleep(0.05)
    assert refresh.runs == 1


def test_the_background_refresher_computes_in_place_not_behind():
    cache = ResultCache(settings_for("sqlite://", live_cache_seconds=1))
    key = _key()
    cache.get_or_compute(key, True, lambda: "old")
    time.sleep(1.2)
    with refreshing_in_place():
        assert cache.get_or_compute(key, True, Counted("new", seconds=0.2)) == "new"


def test_a_failing_database_serves_the_last_good_answer_flagged_with_its_age(cache_url):
    cache = ResultCache(settings_for("sqlite://", cache_redis_url=cache_url, live_cache_seconds=1))
    key = _key()
    cache.get_or_compute(key, True, lambda: {"reported": 9})
    time.sleep(1.2)
    failing = Counted(None, seconds=0, error=_down())
    # The first request after the database went down is served the answer of a second ago, and refreshes it behind;
    # that refresh fails, so the next request refreshes in front and is told the database failed (the banner).
    assert cache.get_or_compute(key, True, failing) == {"reported": 9}
    deadline = time.monotonic() + 10
    while failing.runs < 1 and time.monotonic() < deadline:
        time.sleep(0.05)
    time.sleep(0.2)
    with watch_staleness() as staleness:
        assert cache.get_or_compute(key, True, failing) == {"reported": 9}
    assert staleness.database_failed
    assert 1.2 <= staleness.age_s < 5
    with watch_staleness() as fresh:
        cache.get_or_compute(_key(), True, lambda: 1)
    assert fresh.stale_since is None and not fresh.database_failed


def test_a_failing_database_with_no_previous_answer_raises_as_before(cache_url):
    cache = ResultCache(settings_for("sqlite://", cache_redis_url=cache_url))
    failing = Counted(None, seconds=0.3, error=_down())
    key = _key()
    with pytest.raises(DatabaseError):
        cache.get_or_compute(key, True, failing)
    # Requests waiting for the one failing computation share its error rather than each asking again.
    errors = []

    def ask(_):
        try:
            cache.get_or_compute(key, True, failing)
        except DatabaseError as error:
            errors.append(error)

    with ThreadPoolExecutor(10) as pool:
        list(pool.map(ask, range(10)))
    assert len(errors) == 10 and failing.runs <= 3


def test_live_answers_keep_a_last_good_copy_for_a_day_in_redis(redis_url):
    cache = ResultCache(settings_for("sqlite://", cache_redis_url=redis_url, live_cache_seconds=15))
    key = _key()
    cache.get_or_compute(key, True, lambda: "live")
    store = redis.Redis.from_url(redis_url)
    [answer] = store.keys(f"onescreen:*{key}")
    [last_good] = store.keys(f"onescreen-last-good:*{key}")
    assert 0 < store.ttl(answer) <= 15
    assert 15 < store.ttl(last_good) <= LAST_GOOD_SECONDS


def test_the_in_process_cache_is_bounded_whatever_the_number_of_as_of_moments():
    cache = ResultCache(settings_for("sqlite://"))
    for moment in range(LOCAL_ENTRIES + 500):
        cache.get_or_compute(f"history:as_of={moment}", False, lambda: moment)
    assert len(cache._local) == LOCAL_ENTRIES
    # The newest are kept, the oldest went first.
    assert cache.get_or_compute(f"history:as_of={LOCAL_ENTRIES + 499}", False, lambda: -1) == LOCAL_ENTRIES + 499
    assert cache.get_or_compute("history:as_of=0", False, lambda: -1) == -1


@pytest.fixture
def frozen_redis(redis_url):
    """(a Redis URL through a proxy that can hang, the proxy): the real server is never touched."""
    real = urlsplit(redis_url)
    proxy = TcpProxy(real.hostname, real.port or 6379)
    yield f"redis://127.0.0.1:{proxy.port}{real.path}", proxy
    proxy.close()


def test_a_frozen_redis_falls_back_in_process_with_one_warning_and_recovers(frozen_redis, caplog):
    url, proxy = frozen_redis
    cache = ResultCache(settings_for("sqlite://", cache_redis_url=url, outage_backoff_s=0.5, connect_timeout_s=1.0))
    warm = _key()
    assert cache.get_or_compute(warm, True, lambda: "through redis") == "through redis"

    proxy.hang()
    compute = Counted("in process", seconds=0.1)
    key = _key()
    began = time.monotonic()
    with caplog.at_level(logging.WARNING, logger="data_access.cache"):
        answers = [answer for _ in range(5) for answer in _ask_together([cache], key, compute)]
    took = time.monotonic() - began
    assert [value for value, _ in answers] == ["in process"] * 100
    assert took < 5 and max(t for _, t in answers) < 3
    assert compute.runs == 1  # the database's load stays one computation per key, Redis or not
    outage = [r for r in caplog.records if "does not answer" in r.getMessage()]
    assert len(outage) == 1

    proxy.forward()
    time.sleep(0.6)  # the retry interval (patched)
    back = _key()
    deadline = time.monotonic() + 5
    while not redis.Redis.from_url(REDIS_URL).keys(f"onescreen:*{back}") and time.monotonic() < deadline:
        cache.get_or_compute(back, True, lambda: "through redis again")
        time.sleep(0.1)
    assert redis.Redis.from_url(REDIS_URL).keys(f"onescreen:*{back}")
    assert any("answers again" in r.getMessage() for r in caplog.records)


def _outputs(db, search):
    return refresh_answer(search, len(REFRESH_OUTPUTS), lambda: wall_refresh(db, search, 16).outputs(), "wall")


def _notice_texts(outputs) -> list[str]:
    return [notice.children for notice in outputs[1]]


def test_a_wall_starting_during_an_outage_shows_the_last_good_answer_and_its_age(city, redis_url):  # noqa: F811
    search = f"?views=tickets,closure&area=R&from=2026-11-01&x={uuid.uuid4().hex}"
    earlier = read_only_database(city, cache_redis_url=redis_url, live_cache_seconds=1)
    live = _outputs(earlier, search)
    assert not any("cannot be read" in text or "无法读取" in text for text in _notice_texts(live))
    time.sleep(1.2)  # past its freshness: only the last good copy is left

    starting = read_only_database(city, cache_redis_url=redis_url, live_cache_seconds=1)
    starting.engine = create_engine("sqlite:////nonexistent/onescreen.sqlite")  # the database is down
    shown = _outputs(starting, search)
    assert shown[0] is not no_update  # drawn, not kept: this wall had nothing to keep
    assert as_json([shown[0], *shown[2:]]) == as_json([live[0], *live[2:]])  # the same numbers, charts and freshness
    [aged] = [text for text in _notice_texts(shown) if text.startswith("暂时无法读取最新数据")]
    assert aged == i18n.t("notice.last_good_answer", "zh", age=aged.split("显示的是")[1].split("读取")[0])
    assert "秒前" in aged  # about a second old


def test_a_wall_with_no_last_good_answer_shows_the_outage_notice(city):  # noqa: F811
    db = read_only_database(city)
    db.engine = create_engine("sqlite:////nonexistent/onescreen.sqlite")
    shown = _outputs(db, "?views=tickets&area=R")
    assert shown[0] is no_update
    assert _notice_texts(shown) == [i18n.t("notice.database_unavailable", "zh")]


def test_an_answer_refreshed_behind_is_made_of_fresh_parts_not_of_their_previous_answers():
    cache = ResultCache(settings_for("sqlite://", live_cache_seconds=1))
    outer, inner = _key(), _key()
    part = iter(["part 1", "part 2"])
    built = []

    def build():
        value = cache.get_or_compute(inner, True, lambda: next(part))
        built.append(value)
        return value

    assert cache.get_or_compute(outer, True, build) == "part 1"
    time.sleep(1.2)  # both past their freshness
    assert cache.get_or_compute(outer, True, build) == "part 1"  # at once, the previous answer
    deadline = time.monotonic() + 10
    while len(built) < 2:
        assert time.monotonic() < deadline, "the refresh behind never ran"
        time.sleep(0.05)
    assert built[1] == "part 2"  # the part computed anew in that thread, not its previous answer served
