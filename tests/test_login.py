"""Logging in with a local account, as a person meets it: the login page, the session cookie, lockout, throttling."""
from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta

import pytest

from access.guard import SESSION_COOKIE
from access.passwords import PasswordPolicy
from app import create_app
from tests.support import access_of, create_contract, fresh_database_url, insert_rows, settings_for

PASSWORD = "Grid-Leader-2026"
AREAS = [
    {"area_code": "R", "parent_code": None, "level": "city", "name": "测试市"},
    {"area_code": "R01", "parent_code": "R", "level": "district", "name": "甲区"},
    {"area_code": "R01001", "parent_code": "R01", "level": "street", "name": "甲一街道"},
]


@pytest.fixture
def app(tmp_path):
    url = fresh_database_url("sqlite", "login_city", tmp_path)
    create_contract(url)
    insert_rows(url, {"area": AREAS})
    app = create_app(settings_for(url, login_rate_limit="1000 per minute"))
    access_of(app).store.create_user("leader", "街道领导", "leader", ["R01001"], password=PASSWORD)
    return app


def log_in(client, username="leader", password=PASSWORD, **query):
    return client.post("/login", data={"username": username, "password": password}, query_string=query)


def test_a_page_without_a_session_sends_the_browser_to_the_login_page(app):
    response = app.server.test_client().get("/tickets?area=R01001")
    assert response.status_code == 302
    assert response.headers["Location"] == "/login?next=/tickets%3Farea%3DR01001"


def test_the_login_page_speaks_chinese_and_english(app):
    client = app.server.test_client()
    assert "用户名" in client.get("/login").get_data(as_text=True)
    assert "User name" in client.get("/login?lang=en").get_data(as_text=True)


def test_a_good_login_opens_a_server_side_session_in_a_safe_cookie(app):
    client = app.server.test_client()
    response = log_in(client, next="/closure?area=R01001")
    assert response.status_code == 303
    assert response.headers["Location"] == "/closure?area=R01001"
    cookie = next(c for c in response.headers.getlist("Set-Cookie") if c.startswith(SESSION_COOKIE))
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Secure" not in cookie
    session_id = cookie.split(";")[0].split("=", 1)[1]
    # The cookie is only a key: the store holds the session, under the key's digest, never the key itself.
    store = access_of(app).store
    assert store.session_user(session_id, timedelta(hours=1), timedelta(hours=12))[0].username == "leader"
    with store.engine.connect() as conn:
        stored = [row[0] for row in conn.exec_driver_sql("SELECT session_hash FROM os_session")]
    assert session_id not in stored and len(stored) == 1
    assert client.get("/closure?area=R01001").status_code == 200


def test_the_cookie_is_secure_over_https(app):
    response = app.server.test_client().post(
        "/login", data={"username": "leader", "password": PASSWORD}, base_url="https://onescreen.intra")
    cookie = next(c for c in response.headers.getlist("Set-Cookie") if c.startswith(SESSION_COOKIE))
    assert "Secure" in cookie


def test_after_login_the_browser_never_leaves_the_server(app):
    for target in ("https://evil.example/", "//evil.example/x", "/\\evil.example"):
        response = log_in(app.server.test_client(), next=target)
        assert response.headers["Location"] == "/", target


def test_a_wrong_password_and_an_unknown_name_get_the_same_answer(app):
    wrong_password = log_in(app.server.test_client(), password="nope")
    unknown_name = log_in(app.server.test_client(), username="nobody-here")
    assert wrong_password.status_code == unknown_name.status_code == 401
    assert "用户名或密码错误" in wrong_password.get_data(as_text=True)
    assert wrong_password.get_data(as_text=True) == unknown_name.get_data(as_text=True).replace(
        'value="nobody-here"', 'value="leader"')


def test_repeated_failures_lock_the_account_even_with_the_right_password(app):
    store = access_of(app).store
    store.set_password_policy(PasswordPolicy(lock_after=3, lock_minutes=15))
    for _ in range(3):
        log_in(app.server.test_client(), password="wrong")
    response = log_in(app.server.test_client())
    assert response.status_code == 401
    assert "已锁定" in response.get_data(as_text=True)
    assert store.find_user("leader").locked_until > datetime.now()


def test_one_address_trying_too_often_is_throttled(tmp_path):
    url = fresh_database_url("sqlite", "throttle_city", tmp_path)
    create_contract(url)
    app = create_app(settings_for(url, login_rate_limit="3 per minute"))
    client = app.server.test_client()
    answers = [log_in(client, username=f"guess{i}", password="x").status_code for i in range(5)]
    assert answers[:3] == [401, 401, 401]
    assert answers[3:] == [429, 429]


def test_every_login_and_logout_is_audited(app):
    client = app.server.test_client()
    log_in(client, password="wrong")
    log_in(client)
    client.get("/")  # the guard reads the session, and with it the CSRF token the logout form carries
    store = access_of(app).store
    with store.engine.connect() as conn:
        csrf = conn.exec_driver_sql("SELECT csrf_token FROM os_session").scalar()
    assert client.post("/logout", data={"csrf": csrf}).status_code == 303
    events = [(e.action, e.outcome) for e in reversed(store.audit_events())]
    assert events == [("login", "failed"), ("login", "ok"), ("logout", "ok")]
    assert store.audit_events(action="login", outcome="failed")[0].detail["reason"] == "wrong"
    assert client.get("/").status_code == 302


def test_logout_without_the_forms_token_is_refused(app):
    client = app.server.test_client()
    log_in(client)
    assert client.post("/logout", data={"csrf": "guess"}).status_code == 403
    assert client.get("/").status_code == 200


def test_a_session_ends_when_idle_and_at_its_absolute_limit(tmp_path):
    url = fresh_database_url("sqlite", "idle_city", tmp_path)
    create_contract(url)
    insert_rows(url, {"area": AREAS})
    app = create_app(settings_for(url, session_idle_minutes=30, session_absolute_hours=2))
    store = access_of(app).store
    clock = [datetime(2026, 12, 1, 8, 0)]
    store._clock = lambda: clock[0]
    store.create_user("leader", "街道领导", "leader", ["R01001"], password=PASSWORD)
    client = app.server.test_client()
    log_in(client)
    for minutes in (20, 45, 70, 95, 115):  # never idle for 30 minutes, but past 2 hours at the end
        clock[0] = datetime(2026, 12, 1, 8, 0) + timedelta(minutes=minutes)
        assert client.get("/").status_code == 200, minutes
    clock[0] += timedelta(minutes=10)
    assert client.get("/").status_code == 302
    log_in(client)
    clock[0] += timedelta(minutes=31)
    assert client.get("/").status_code == 302


def test_a_changed_password_ends_the_old_sessions(app):
    client = app.server.test_client()
    log_in(client)
    store = access_of(app).store
    store.set_password(store.find_user("leader").user_id, "Another-Pass-2026")
    assert client.get("/").status_code == 302


def test_the_password_policy_names_what_is_wrong():
    policy = PasswordPolicy(min_length=12, min_classes=3)
    assert policy.problems("short", "leader") == ["password.too_short", "password.too_few_classes"]
    assert policy.problems("leader-Pass-2026", "leader") == ["password.contains_username"]
    assert policy.problems("Grid-Pass-2026", "leader") == []
    # A damaged stored policy falls back field by field, never to no policy at all.
    assert PasswordPolicy.from_json('{"min_length": "x", "lock_after": 3}') == replace(PasswordPolicy(), lock_after=3)


def test_with_redis_sessions_live_there_as_json_and_end_with_a_new_password(tmp_path):
    import json

    import redis

    from tests.support import REDIS_URL, unavailable

    try:
        redis.Redis.from_url(REDIS_URL, socket_timeout=2).ping()
    except redis.RedisError as error:
        unavailable("Redis", error)
    url = fresh_database_url("sqlite", "redis_session_city", tmp_path)
    create_contract(url)
    insert_rows(url, {"area": AREAS})
    app = create_app(settings_for(url, cache_redis_url=REDIS_URL))
    store = access_of(app).store
    store.create_user("leader", "街道领导", "leader", ["R01001"], password=PASSWORD)
    client = app.server.test_client()
    log_in(client)
    assert client.get("/").status_code == 200
    with store.engine.connect() as conn:
        assert conn.exec_driver_sql("SELECT count(*) FROM os_session").scalar() == 0
    session_id = client.get_cookie(SESSION_COOKIE).value
    from access.store import digest

    raw = redis.Redis.from_url(REDIS_URL).get(f"onescreen:session:{digest(session_id)}")
    assert json.loads(raw)["user_id"] == store.find_user("leader").user_id
    # A hostile value under the session's key is refused, not trusted.
    redis.Redis.from_url(REDIS_URL).set(f"onescreen:session:{digest(session_id)}", b"\x80\x04garbage")
    assert client.get("/").status_code == 302
    log_in(client)
    assert client.get("/").status_code == 200
    store._clock = lambda: datetime.now() + timedelta(seconds=5)
    store.set_password(store.find_user("leader").user_id, "Another-Pass-2026")
    assert client.get("/").status_code == 302


def test_a_hung_session_store_is_a_quick_503_not_a_frozen_page(tmp_path):
    import time
    from urllib.parse import urlsplit

    import redis

    from tests.support import REDIS_URL, unavailable
    from tests.tcp_proxy import TcpProxy

    try:
        redis.Redis.from_url(REDIS_URL, socket_timeout=2).ping()
    except redis.RedisError as error:
        unavailable("Redis", error)
    real = urlsplit(REDIS_URL)
    proxy = TcpProxy(real.hostname, real.port or 6379)
    url = fresh_database_url("sqlite", "hung_session_city", tmp_path)
    create_contract(url)
    insert_rows(url, {"area": AREAS})
    app = create_app(settings_for(url, cache_redis_url=f"redis://127.0.0.1:{proxy.port}{real.path}",
                                  connect_timeout_s=1.0, outage_backoff_s=1.0))
    access_of(app).store.create_user("leader", "街道领导", "leader", ["R01001"], password=PASSWORD)
    client = app.server.test_client()
    log_in(client)
    assert client.get("/").status_code == 200
    proxy.hang()
    answers = []
    for _ in range(5):
        started = time.monotonic()
        answers.append((client.get("/").status_code, time.monotonic() - started))
    assert [status for status, _ in answers] == [503] * 5
    # The first waits one connect timeout (1 s); the rest are told at once, in less than one.
    assert answers[0][1] < 2.5 and max(seconds for _, seconds in answers[1:]) < 1.0
    proxy.forward()
    time.sleep(1.2)
    assert client.get("/").status_code == 200  # the same session, once Redis answers again
    proxy.close()
