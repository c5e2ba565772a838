"""A directory user logs in through OneScreen's own login page and sees what their groups give them."""
from __future__ import annotations

import pytest

from access.guard import SESSION_COOKIE
from app import create_app
from tests.ldap_server import PASSWORDS, directory  # noqa: F401 (the fixture)
from tests.support import access_of, create_contract, fresh_database_url, insert_rows, settings_for
from tests.test_directory_login import example_against

AREAS = [
    {"area_code": "R", "parent_code": None, "level": "city", "name": "测试市"},
    {"area_code": "R01", "parent_code": "R", "level": "district", "name": "甲区"},
    {"area_code": "R01001", "parent_code": "R01", "level": "street", "name": "甲一街道"},
    {"area_code": "R02", "parent_code": "R", "level": "district", "name": "乙区"},
]


@pytest.fixture
def app(directory, tmp_path):  # noqa: F811
    url = fresh_database_url("sqlite", "directory_city", tmp_path)
    create_contract(url)
    insert_rows(url, {"area": AREAS})
    return create_app(settings_for(url, ldap_config=str(example_against(directory.url, tmp_path))))


def test_a_directory_leader_logs_in_and_is_held_to_their_street(app):
    client = app.server.test_client()
    response = client.post("/login", data={"username": "Leader01", "password": PASSWORDS["leader01"]})
    assert response.status_code == 303
    assert client.get_cookie(SESSION_COOKIE) is not None
    user = access_of(app).store.find_user("leader01")
    assert (user.source, user.role, user.areas) == ("ldap", "leader", ("R01001",))
    login = access_of(app).store.audit_events(action="login")[0]
    assert login.outcome == "ok" and login.detail["source"] == "ldap"
    assert client.get("/").status_code == 200


def test_a_wrong_directory_password_is_refused_and_audited(app):
    response = app.server.test_client().post("/login", data={"username": "leader01", "password": "nope"})
    assert response.status_code == 401
    assert access_of(app).store.find_user("leader01") is None
    assert access_of(app).store.audit_events(action="login")[0].outcome == "failed"


def test_someone_in_no_mapped_group_cannot_log_in(app):
    response = app.server.test_client().post("/login", data={"username": "loner01",
                                                             "password": PASSWORDS["loner01"]})
    assert response.status_code == 401


def test_an_unreachable_directory_says_so_on_the_login_page(tmp_path, directory):  # noqa: F811
    url = fresh_database_url("sqlite", "directory_down_city", tmp_path)
    create_contract(url)
    config = example_against("ldap://127.0.0.1:9", tmp_path, ("timeout_s = 5", "timeout_s = 1"))
    app = create_app(settings_for(url, ldap_config=str(config)))
    response = app.server.test_client().post("/login", data={"username": "leader01", "password": "x"},
                                             query_string={"lang": "en"})
    assert response.status_code == 401
    assert "directory (LDAP) cannot be reached" in response.get_data(as_text=True)


def test_a_directory_user_an_admin_deactivated_stays_out(app):
    client = app.server.test_client()
    client.post("/login", data={"username": "leader01", "password": PASSWORDS["leader01"]})
    store = access_of(app).store
    store.update_user(store.find_user("leader01").user_id, active=False)
    response = app.server.test_client().post("/login", data={"username": "leader01",
                                                             "password": PASSWORDS["leader01"]})
    assert response.status_code == 401
    assert store.audit_events(action="login")[0].outcome == "failed"
