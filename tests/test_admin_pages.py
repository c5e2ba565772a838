"""The admin pages and the account page, as an administrator and a street leader meet them (Flask's test client).

Forms are posted the way a browser posts them: with the CSRF token read from
the page the session was served. The operational database is a small
contract city (R, its districts R01-R03 and the street R01001).
"""
from __future__ import annotations

import csv
import html
import io
import json
import re

import pytest

from app import create_app
from components import ids
from tests.support import access_of, create_contract, fresh_database_url, insert_rows, settings_for, signed_in
from tests.test_app_shell import AREAS, TICKETS, call_callback, output_key

GOOD_PASSWORD = "Street-Leader-2026"
ADMIN_PATHS = ("/admin", "/admin/users", "/admin/devices", "/admin/tokens", "/admin/audit", "/admin/audit.csv",
               "/admin/policy")


@pytest.fixture
def app(tmp_path):
    url = fresh_database_url("sqlite", "admin_city", tmp_path)
    create_contract(url)
    insert_rows(url, {"area": AREAS, "ticket": TICKETS})
    return create_app(settings_for(url))


def csrf_of(client, path: str = "/admin/users") -> str:
    page = client.get(path).get_data(as_text=True)
    return re.search(r'name="csrf" value="([^"]+)"', page).group(1)


def logged_in(app, username: str, password: str):
    client = app.server.test_client()
    response = client.post("/login", data={"username": username, "password": password})
    assert response.status_code == 303, response.get_data(as_text=True)
    return client


def create_user(admin, **fields):
    data = {"csrf": csrf_of(admin), "display_name": "", "role": "leader", "areas": "R01001",
            "password": GOOD_PASSWORD, **fields}
    return admin.post("/admin/users", data=data)


def test_admin_creates_a_street_leader_who_sees_only_their_street(app):
    admin = signed_in(app, username="chief")
    created = create_user(admin, username="li.street", display_name="李街道", personal_data="on")
    assert created.status_code == 303
    user = access_of(app).store.find_user("li.street")
    assert (user.role, user.areas, user.personal_data) == ("leader", ("R01001",), True)
    listing = admin.get(created.headers["Location"]).get_data(as_text=True)
    assert "用户已创建" in listing and "李街道" in listing

    leader = logged_in(app, "li.street", GOOD_PASSWORD)
    key = output_key(app, ids.OVERVIEW_HEADER)
    other = call_callback(leader, app, key, {(ids.OVERVIEW_REFRESH, "n_intervals"): 1},
                          {(ids.URL, "search"): "?area=R02"}).get_json()["response"]
    shown = json.dumps(other, ensure_ascii=False)
    assert "无权查看区域 R02" in shown
    assert "甲一街道" in json.dumps(other[ids.OVERVIEW_HEADER], ensure_ascii=False)
    assert "乙区" not in json.dumps(other[ids.OVERVIEW_HEADER], ensure_ascii=False)
    assert leader.get("/api/v1/kpis?area=R01001").status_code == 403  # a leader has no API
    changes = access_of(app).store.audit_events(action="admin_change")
    assert changes[0].principal_name == "chief"
    assert changes[0].detail == {"via": "admin", "change": "user_created", "username": "li.street",
                                 "role": "leader", "areas": ["R01001"], "personal_data": True}
    assert GOOD_PASSWORD not in json.dumps([event.detail for event in access_of(app).store.audit_events()])


def test_a_password_the_policy_refuses_and_a_bad_area_are_said_and_nothing_is_made(app):
    admin = signed_in(app)
    refused = create_user(admin, username="weak", password="short", areas="R01 ; DROP")
    page = refused.get_data(as_text=True)
    assert refused.status_code == 400
    assert "区域编码无效" in page and "密码至少 12 位" in page
    assert access_of(app).store.find_user("weak") is None


def test_admin_pages_need_the_admin_role(app):
    leader = signed_in(app, role="leader", areas=("R01001",))
    for path in ADMIN_PATHS:
        assert leader.get(path).status_code == 403, path
    for path in ("/admin/users", "/admin/devices", "/admin/policy", "/admin/users/1/unlock", "/admin/tokens/1/revoke"):
        assert leader.post(path, data={"csrf": csrf_of(leader, "/account")}).status_code == 403, path
    assert leader.get("/account").status_code == 200


def test_admin_form_without_csrf_is_refused(app):
    admin = signed_in(app)
    for data in ({}, {"csrf": "guessed"}):
        refused = admin.post("/admin/users", data={**data, "username": "sneaky", "role": "admin", "areas": "*",
                                                   "password": GOOD_PASSWORD})
        assert refused.status_code == 403
        assert "未做任何更改" in refused.get_data(as_text=True)
    assert access_of(app).store.find_user("sneaky") is None
    assert access_of(app).store.audit_events(action="admin_change")[0].outcome == "refused"


def test_an_admin_cannot_demote_or_deactivate_themselves(app):
    admin = signed_in(app, username="chief")
    me = access_of(app).store.find_user("chief")
    for data in ({"role": "analyst", "areas": "*", "active": "on"}, {"role": "admin", "areas": "*"}):
        refused = admin.post(f"/admin/users/{me.user_id}", data={"csrf": csrf_of(admin), **data})
        assert refused.status_code == 400
        assert "不能取消自己的管理员角色" in refused.get_data(as_text=True)
    assert access_of(app).store.find_user("chief").role == "admin"
    assert access_of(app).store.find_user("chief").active


def test_admin_edits_resets_and_unlocks_a_user(app):
    admin = signed_in(app)
    create_user(admin, username="wang")
    store = access_of(app).store
    wang = store.find_user("wang")
    edited = admin.post(f"/admin/users/{wang.user_id}", data={"csrf": csrf_of(admin), "role": "analyst",
                                                              "areas": "R01, R02", "active": "on"})
    assert edited.status_code == 303
    assert (store.find_user("wang").role, store.find_user("wang").areas) == ("analyst", ("R01", "R02"))
    assert store.audit_events(action="admin_change")[0].detail["role"] == ["leader", "analyst"]
    for _ in range(store.password_policy().lock_after):
        app.server.test_client().post("/login", data={"username": "wang", "password": "wrong"})
    assert store.find_user("wang").locked_until is not None
    assert "解锁" in admin.get("/admin/users").get_data(as_text=True)
    assert admin.post(f"/admin/users/{wang.user_id}/unlock", data={"csrf": csrf_of(admin)}).status_code == 303
    assert admin.post(f"/admin/users/{wang.user_id}/password",
                      data={"csrf": csrf_of(admin), "password": "Another-Pass-77"}).status_code == 303
    logged_in(app, "wang", "Another-Pass-77")


def test_pairing_code_is_shown_once_and_works_once(app):
    admin = signed_in(app)
    registered = admin.post("/admin/devices", data={"csrf": csrf_of(admin, "/admin/devices"), "name": "wall-1",
                                                    "area": "R01", "panels": ["overview", "crowd"],
                                                    "rotate_seconds": "45"})
    page = registered.get_data(as_text=True)
    assert registered.status_code == 201
    code = re.search(r'data-pairing-code="([^"]+)"', page).group(1)
    assert "access-secret" in page and "/login/device" in page
    assert code not in admin.get("/admin/devices").get_data(as_text=True)
    assert code not in json.dumps([event.detail for event in access_of(app).store.audit_events()])

    wall = app.server.test_client()
    paired = wall.post("/login/device", data={"code": code})
    assert paired.status_code == 303
    assert paired.headers["Location"] == "/wall?area=R01&views=overview%2Ccrowd&rotate=45"
    assert wall.get("/wall").status_code == 200
    assert app.server.test_client().post("/login/device", data={"code": code}).status_code == 401

    device = access_of(app).store.devices()[0]
    admin.post(f"/admin/devices/{device.device_id}/revoke", data={"csrf": csrf_of(admin, "/admin/devices")})
    assert wall.get("/wall").status_code == 302


def test_a_bad_device_is_said_not_registered(app):
    admin = signed_in(app)
    refused = admin.post("/admin/devices", data={"csrf": csrf_of(admin, "/admin/devices"), "name": "wall-2",
                                                 "area": "*", "panels": ["nowhere"], "rotate_seconds": "5"})
    page = refused.get_data(as_text=True)
    assert refused.status_code == 400
    assert "区域编码无效" in page and "请至少选择一个轮播视图" in page and "10–3600" in page
    assert access_of(app).store.devices() == []


def test_revoked_token_stops_working(app):
    analyst = signed_in(app, role="analyst", areas=("R01",), username="zhao")
    made = analyst.post("/account/tokens", data={"csrf": csrf_of(analyst, "/account"), "name": "script",
                                                  "expires_days": "30"})
    assert made.status_code == 201
    token = re.search(r'data-token="([^"]+)"', made.get_data(as_text=True)).group(1)
    assert token not in analyst.get("/account").get_data(as_text=True)
    script = app.server.test_client()
    bearer = {"Authorization": f"Bearer {token}"}
    assert script.get("/api/v1/kpis?area=R01", headers=bearer).status_code == 200

    admin = signed_in(app)
    listing = admin.get("/admin/tokens").get_data(as_text=True)
    assert "zhao" in listing and token[:10] in listing and token not in listing
    token_id = access_of(app).store.tokens()[0].token_id
    revoked = admin.post(f"/admin/tokens/{token_id}/revoke", data={"csrf": csrf_of(admin, "/admin/tokens")})
    assert revoked.status_code == 303
    assert script.get("/api/v1/kpis?area=R01", headers=bearer).status_code == 401
    assert [event.action for event in access_of(app).store.audit_events(principal_name="zhao")][-1] == "token_created"


def test_a_user_revokes_only_their_own_token(app):
    analyst = signed_in(app, role="analyst", username="zhao")
    other = signed_in(app, role="analyst", username="qian")
    other.post("/account/tokens", data={"csrf": csrf_of(other, "/account"), "name": "theirs"})
    theirs = access_of(app).store.tokens()[0]
    refused = analyst.post(f"/account/tokens/{theirs.token_id}/revoke", data={"csrf": csrf_of(analyst, "/account")})
    assert refused.status_code == 404
    assert access_of(app).store.tokens()[0].revoked_at is None


def test_a_user_changes_their_own_password_and_stays_logged_in(app):
    admin = signed_in(app)
    create_user(admin, username="sun", role="viewer")
    sun = logged_in(app, "sun", GOOD_PASSWORD)
    wrong = sun.post("/account/password", data={"csrf": csrf_of(sun, "/account"), "current": "nope",
                                                "password": "Brand-New-Pass-1"})
    assert wrong.status_code == 400
    changed = sun.post("/account/password", data={"csrf": csrf_of(sun, "/account"), "current": GOOD_PASSWORD,
                                                  "password": "Brand-New-Pass-1"})
    assert changed.status_code == 303
    assert sun.get("/account").status_code == 200
    logged_in(app, "sun", "Brand-New-Pass-1")
    outcomes = [e.outcome for e in access_of(app).store.audit_events(action="password_changed")]
    assert outcomes == ["ok", "failed"]


def test_audit_page_filters_and_csv_export(app):
    admin = signed_in(app, username="chief")
    access = access_of(app)
    access.audit("login", "failed", None, detail={"username": "=HYPERLINK(\"http://evil\")", "reason": "wrong"})
    create_user(admin, username="zhou")
    answer = admin.get("/admin/audit?action=admin_change&principal=chief&outcome=ok")
    page = html.unescape(answer.get_data(as_text=True))
    assert '{"areas":["R01001"],"change":"user_created"' in page
    assert "HYPERLINK" not in page

    exported = admin.get("/admin/audit.csv?action=login&outcome=failed")
    assert exported.status_code == 200
    assert exported.headers["Cache-Control"] == "no-store"
    rows = list(csv.reader(io.StringIO(exported.get_data(as_text=True).lstrip("\ufeff"))))
    assert rows[0][:3] == ["编号", "时间", "操作"]
    assert len(rows) == 2
    assert json.loads(rows[1][8]) == {"username": "=HYPERLINK(\"http://evil\")", "reason": "wrong"}
    by_name = admin.get("/admin/audit.csv?principal=chief&action=admin_change")
    assert len(list(csv.reader(io.StringIO(by_name.get_data(as_text=True))))) == 2
    access.audit("probe", "ok", None, area_code="=1+2")
    formula = list(csv.reader(io.StringIO(admin.get("/admin/audit.csv?action=probe").get_data(as_text=True))))
    assert formula[1][6] == "'=1+2"
    assert access.store.audit_events(action="export")[0].detail["what"] == "audit"


def test_audit_page_is_paged(app):
    admin = signed_in(app)
    access = access_of(app)
    for number in range(205):
        access.audit("probe", "ok", None, detail={"n": number})
    first = html.unescape(admin.get("/admin/audit?action=probe").get_data(as_text=True))
    second = html.unescape(admin.get("/admin/audit?action=probe&page=2").get_data(as_text=True))
    assert first.count('{"n":') == 200 and "page=2" in first
    assert second.count('{"n":') == 5 and '{"n":0}' in second


@pytest.mark.parametrize("query, said", [
    ("since=2026-13-40", "日期无效"), ("until=yesterday", "日期无效"), ("since=2026-11-20&until=2026-11-01", "起始日期晚于"),
    ("outcome=maybe", "结果只能是"), ("action=DROP%20TABLE", "操作名称"), ("page=-1", "页码无效"),
    ("page=99999999999999", "页码无效"),
])
def test_bad_audit_filter_is_a_message_not_a_crash(app, query, said):
    admin = signed_in(app)
    for path in ("/admin/audit", "/admin/audit.csv"):
        answer = admin.get(f"{path}?{query}")
        assert answer.status_code == 400, path
        assert said in answer.get_data(as_text=True)


def test_a_bad_audit_filter_is_said_in_english_too(app):
    answer = signed_in(app).get("/admin/audit?since=2026-02-30&lang=en")
    assert answer.status_code == 400
    assert "Not a date: 2026-02-30 (YYYY-MM-DD)." in answer.get_data(as_text=True)


def test_policy_page_changes_what_a_password_must_be(app):
    admin = signed_in(app)
    page = admin.get("/admin/policy").get_data(as_text=True)
    assert "180 天" in page
    bad = admin.post("/admin/policy", data={"csrf": csrf_of(admin, "/admin/policy"), "min_length": "4",
                                            "min_classes": "3", "lock_after": "5", "lock_minutes": "15"})
    assert bad.status_code == 400 and "最短长度 需为 8–128" in bad.get_data(as_text=True)
    saved = admin.post("/admin/policy", data={"csrf": csrf_of(admin, "/admin/policy"), "min_length": "20",
                                              "min_classes": "3", "lock_after": "5", "lock_minutes": "15"})
    assert saved.status_code == 303
    assert access_of(app).store.password_policy().min_length == 20
    assert create_user(admin, username="too.short").status_code == 400


def test_account_page_says_who_i_am_and_hides_tokens_from_a_leader(app):
    leader = signed_in(app, role="leader", areas=("R01001",), username="zheng")
    page = leader.get("/account?lang=en").get_data(as_text=True)
    assert "zheng" in page and "leader" in page and "R01001" in page
    assert "My API tokens" not in page
    refused = leader.post("/account/tokens", data={"csrf": csrf_of(leader, "/account"), "name": "x"})
    assert refused.status_code == 403
    assert access_of(app).store.tokens() == []
