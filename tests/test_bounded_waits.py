"""A hung or dead database or cache costs a request a few seconds at most, and /health always answers within one.

The real PostgreSQL, MariaDB and Redis of the machine are reached through a
TCP proxy (tests/tcp_proxy.py) that the tests make hang (a frozen server:
connections accepted, nothing ever answered) or refuse (a dead one). The
bounds asserted are generous (a few seconds); what they rule out is the
unbounded wait, 20 s or for ever, of a worker on a socket that never answers.
"""
from __future__ import annotations

import json
import time
from urllib.parse import urlsplit

import pytest
import redis
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from app import create_app
from components import ids
from data_access import DatabaseError
from data_access.breaker import Breaker, Open
from data_access.database import Database, DatabaseUnavailable
from tests.support import (
    REDIS_URL, api_server, api_token, create_contract, fresh_database_url, insert_rows, settings_for, signed_in,
    unavailable,
)
from tests.tcp_proxy import TcpProxy
from tests.test_app_shell import call_callback, output_key
from tests.test_indicator_definitions import AREAS, EXPECTED, TICKETS

SERVER_DIALECTS = ("postgresql", "mariadb")
# Short bounds, so the tests are quick; the defaults are 3 s and 5 s. psycopg waits 2 s at least to connect.
BOUNDS = {"connect_timeout_s": 1.0, "outage_backoff_s": 1.0}
# A request in an outage: a pooled connection's ping, one new connection, each bounded by the connect timeout.
OUTAGE_ANSWER_S = 6.0


@pytest.fixture(scope="module", params=SERVER_DIALECTS)
def city(request, tmp_path_factory):
    url = fresh_database_url(request.param, "i11_timeouts_city", tmp_path_factory.mktemp("bounded"))
    create_contract(url)
    insert_rows(url, {"area": AREAS, "ticket": TICKETS})
    return url


@pytest.fixture
def proxy(city):
    real = make_url(city)
    proxy = TcpProxy(real.host, real.port)
    yield proxy
    proxy.close()


def through(url: str, proxy: TcpProxy) -> str:
    return make_url(url).set(host="127.0.0.1", port=proxy.port).render_as_string(hide_password=False)


@pytest.fixture
def served(city, proxy):
    """(the database through the proxy, an API client with a token)."""
    db = Database.from_settings(settings_for(through(city, proxy), **BOUNDS))
    server = api_server(db)
    client = server.test_client()
    client.environ_base["HTTP_AUTHORIZATION"] = f"Bearer {api_token(server)}"
    yield db, client
    db.engine.dispose()


def timed(call):
    started = time.monotonic()
    answer = call()
    return answer, time.monotonic() - started


def kpis(client, day: int):
    """The KPIs of November up to `day`: a different day is a different cache key, so the database is asked."""
    return client.get(f"/api/v1/kpis?from=2026-11-01&to=2026-11-{day:02d}")


def live_again(client, day: int, within_s: float = 15.0) -> float:
    """Seconds until the KPIs answer from the database again (asserting they do within `within_s`)."""
    started = time.monotonic()
    while time.monotonic() - started < within_s:
        response = kpis(client, day)
        if response.status_code == 200:
            assert response.get_json()["reported"] > 0
            return time.monotonic() - started
        time.sleep(0.2)
    pytest.fail(f"the database was not read again within {within_s} s of its recovery")


def test_a_hung_database_costs_a_request_seconds_and_health_answers_within_one(served, proxy):
    db, client = served
    assert kpis(client, 10).status_code == 200
    assert client.get("/health").status_code == 200
    proxy.hang()
    time.sleep(1.6)  # the health answer above is remembered a moment; let it go

    health, seconds = timed(lambda: client.get("/health"))
    assert (health.status_code, health.get_json()) == (503, {"status": "down"})
    assert seconds < 1.0  # its probe is still waiting on the hung server

    response, seconds = timed(lambda: kpis(client, 11))
    assert response.status_code == 503 and "database" in response.get_json()["error"]["message"]
    assert seconds < OUTAGE_ANSWER_S

    for day in (12, 13, 14):  # the breaker is open: no waiting at all
        response, seconds = timed(lambda: kpis(client, day))
        # Less than one connect timeout: a request that tried the hung server would have waited that long at least.
        assert response.status_code == 503 and seconds < BOUNDS["connect_timeout_s"]
    health, seconds = timed(lambda: client.get("/health"))
    assert health.status_code == 503 and seconds < 1.0

    proxy.forward()
    live_again(client, 15)
    time.sleep(1.6)  # the last "down" is remembered a moment too
    assert client.get("/health").status_code == 200


def test_after_a_long_outage_the_database_is_live_again_within_one_back_off(served, proxy):
    db, client = served
    assert kpis(client, 10).status_code == 200
    proxy.refuse()
    down_until = time.monotonic() + 8 * BOUNDS["outage_backoff_s"]
    while time.monotonic() < down_until:  # walls keep asking: every back-off one of them probes, and fails
        assert kpis(client, 11).status_code == 503
        time.sleep(0.1)
    proxy.forward()
    # A back-off that grew while it stayed down (1, 2, 4, 8 s) would keep it dark for up to 8 s more.
    assert live_again(client, 12) < BOUNDS["outage_backoff_s"] + OUTAGE_ANSWER_S / 2


def test_health_probes_before_the_back_off_ends_and_closes_it_for_everyone(city, proxy):
    db = Database.from_settings(settings_for(through(city, proxy), connect_timeout_s=1.0, outage_backoff_s=60.0))
    server = api_server(db)
    client = server.test_client()
    client.environ_base["HTTP_AUTHORIZATION"] = f"Bearer {api_token(server)}"
    try:
        assert kpis(client, 10).status_code == 200
        proxy.refuse()
        assert kpis(client, 11).status_code == 503  # down for a minute
        proxy.forward()
        assert kpis(client, 12).status_code == 503  # requests wait for the back-off's end ...
        health, seconds = timed(lambda: client.get("/health"))
        assert health.status_code == 200 and seconds < 1.0  # ... the health check probes now
        assert kpis(client, 13).status_code == 200  # and the database is up for every request
    finally:
        db.engine.dispose()


def test_a_dead_database_port_fails_fast_and_comes_back(served, proxy):
    db, client = served
    assert kpis(client, 10).status_code == 200
    proxy.refuse()
    response, seconds = timed(lambda: kpis(client, 11))
    assert response.status_code == 503 and seconds < OUTAGE_ANSWER_S
    time.sleep(1.6)
    health, seconds = timed(lambda: client.get("/health"))
    assert health.status_code == 503 and seconds < 1.0
    proxy.forward()
    live_again(client, 12)


def test_during_an_outage_requests_cost_the_server_a_bounded_number_of_connection_attempts(served, proxy):
    db, client = served
    assert kpis(client, 10).status_code == 200
    proxy.hang()
    before = proxy.accepted
    started = time.monotonic()
    answers = [kpis(client, 11 + n % 10).status_code for n in range(40)]
    spent = time.monotonic() - started
    assert set(answers) == {503}
    # The first request reconnects once; then at most one probe per back-off (1 s, 2 s, 4 s ...) tries again.
    assert proxy.accepted - before <= 1 + spent / BOUNDS["outage_backoff_s"]
    assert spent < 2 * OUTAGE_ANSWER_S


def test_a_server_that_freezes_during_a_statement_lets_go_after_the_statement_timeout(city, proxy):
    db = Database.from_settings(settings_for(through(city, proxy), statement_timeout_s=1, **BOUNDS))
    started = time.monotonic()
    with pytest.raises(DatabaseError):
        with db.connect() as conn:
            proxy.hang()
            conn.execute(text("SELECT 1")).all()
    # The statement timeout (the server's, which a frozen server never sends) and the client's margin.
    assert time.monotonic() - started < 1 + 2 + 1
    with pytest.raises(DatabaseUnavailable):  # and the database is down for everyone, at once
        with db.connect():
            pass
    db.engine.dispose()


def test_a_view_shows_the_outage_notice_within_seconds_of_a_hang(city, proxy):
    app = create_app(settings_for(through(city, proxy), **BOUNDS))
    client = signed_in(app)

    def refresh(search: str):
        return call_callback(client, app, output_key(app, ids.OVERVIEW_HEADER),
                             {(ids.OVERVIEW_REFRESH, "n_intervals"): 1}, {(ids.URL, "search"): search})

    assert refresh("?from=2026-11-01").status_code == 200
    proxy.hang()
    response, seconds = timed(lambda: refresh("?from=2026-11-02"))
    assert response.status_code == 200 and seconds < OUTAGE_ANSWER_S
    answer = response.get_json()["response"]
    assert set(answer) == {ids.OVERVIEW_NOTICES}  # the numbers on screen stay
    assert "暂时无法读取数据库" in json.dumps(answer, ensure_ascii=False)


# --- The cache ---------------------------------------------------------------------------------


@pytest.fixture
def redis_proxy():
    real = urlsplit(REDIS_URL)
    try:
        redis.Redis.from_url(REDIS_URL).ping()
    except redis.RedisError as error:
        unavailable(f"Redis at {REDIS_URL}", error)
    proxy = TcpProxy(real.hostname, real.port or 6379)
    yield f"redis://127.0.0.1:{proxy.port}{real.path}", proxy
    proxy.close()


def test_a_frozen_redis_costs_one_request_the_socket_timeout_and_the_others_nothing(tmp_path, redis_proxy):
    redis_url, proxy = redis_proxy
    url = fresh_database_url("sqlite", "i11_timeouts_cached", tmp_path)
    create_contract(url)
    insert_rows(url, {"area": AREAS, "ticket": TICKETS})
    db = Database.from_settings(settings_for(url, cache_redis_url=redis_url, **BOUNDS))
    server = api_server(db)
    client = server.test_client()
    client.environ_base["HTTP_AUTHORIZATION"] = f"Bearer {api_token(server)}"
    assert kpis(client, 20).status_code == 200

    proxy.hang()
    response, seconds = timed(lambda: kpis(client, 20))
    assert response.status_code == 200 and response.get_json()["reported"] == EXPECTED["R"]["reported"]
    assert seconds < BOUNDS["connect_timeout_s"] + 1.5  # one socket timeout, then the database answers
    for day in (11, 12, 13):
        response, seconds = timed(lambda: kpis(client, day))
        # The cache is skipped during its back-off: less than the one socket timeout a try would cost.
        assert response.status_code == 200 and seconds < BOUNDS["connect_timeout_s"]

    proxy.forward()
    time.sleep(BOUNDS["outage_backoff_s"] + 0.2)
    before = proxy.accepted
    assert kpis(client, 14).status_code == 200
    assert proxy.accepted > before  # Redis is used again
    db.engine.dispose()


# --- SQLite and the breaker itself -----------------------------------------------------------


def test_a_sqlite_reader_behind_a_writers_lock_gives_up_after_the_busy_timeout(tmp_path):
    url = fresh_database_url("sqlite", "i11_timeouts_locked", tmp_path)
    create_contract(url)
    insert_rows(url, {"area": AREAS})
    writer = create_engine(url)
    db = Database.from_settings(settings_for(url, **BOUNDS))
    with writer.connect() as locking:
        locking.execute(text("BEGIN EXCLUSIVE"))  # a rollback journal: readers wait on this lock
        started = time.monotonic()
        with pytest.raises(DatabaseError, match="locked"):
            with db.connect() as conn:
                conn.execute(text("SELECT count(*) FROM area")).scalar()
        assert time.monotonic() - started < BOUNDS["connect_timeout_s"] + 1
        locking.execute(text("ROLLBACK"))
    with db.connect() as conn:  # a lock is an answer, not an outage: the database is not marked down
        assert conn.execute(text("SELECT count(*) FROM area")).scalar() == len(AREAS)
    writer.dispose()
    db.engine.dispose()


class Clock:
    def __init__(self):
        self.now = 0.0

    def __call__(self):
        return self.now


def test_the_breaker_backs_off_never_longer_than_its_back_off_and_lets_one_probe_through():
    clock = Clock()
    breaker = Breaker(5, clock=clock)
    assert breaker.admit() is False  # up: every request goes, none is a probe
    breaker.failed(probe=False)
    breaker.failed(probe=False)  # one that was already waiting: it does not lengthen the back-off
    with pytest.raises(Open) as refused:
        breaker.admit()
    assert refused.value.retry_in_s == 5
    clock.now = 5
    assert breaker.admit() is True  # the probe
    with pytest.raises(Open):
        breaker.admit()  # one at a time
    backoffs = []
    for _ in range(6):  # a long outage: a recovery is still noticed within one back-off (a wall's shortest refresh)
        breaker.failed(probe=True)
        with pytest.raises(Open) as refused:
            breaker.admit()
        backoffs.append(refused.value.retry_in_s)
        clock.now += refused.value.retry_in_s
        assert breaker.admit() is True
    assert backoffs == [5] * 6
    breaker.succeeded()
    assert breaker.admit() is False
    breaker.failed(probe=False)
    with pytest.raises(Open) as refused:
        breaker.admit()
    assert refused.value.retry_in_s == 5


def test_the_health_check_may_probe_before_the_back_off_ends_one_probe_at_a_time():
    clock = Clock()
    breaker = Breaker(5, clock=clock)
    breaker.failed(probe=False)
    clock.now = 1
    with pytest.raises(Open):
        breaker.admit()  # a request waits for the back-off's end
    assert breaker.admit(early=True) is True  # the health check probes now
    with pytest.raises(Open):
        breaker.admit(early=True)  # while it probes, nobody else does, early or not
    clock.now = 6
    with pytest.raises(Open):
        breaker.admit()
    breaker.succeeded()
    assert breaker.admit() is False
