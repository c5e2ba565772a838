"""`python -m access`, as an installer runs it: in a subprocess, against a store and a city made here.

The CLI and the app are pointed at the same store file (ONESCREEN_APP_DATABASE_URL),
so a user the CLI makes must be able to log in through the app's login page.
"""
from __future__ import annotations

import os
import re
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import pytest

from app import create_app
from tests.support import create_contract, fresh_database_url, insert_rows, settings_for
from tests.test_app_shell import AREAS

ROOT = Path(__file__).resolve().parent.parent
PASSWORD = "Installer-Sets-2026"


@pytest.fixture
def city_url(tmp_path) -> str:
    url = fresh_database_url("sqlite", "cli_city", tmp_path)
    create_contract(url)
    insert_rows(url, {"area": AREAS})
    return url


@pytest.fixture
def store_url(tmp_path) -> str:
    return f"sqlite:///{tmp_path / 'cli-store.sqlite'}"


def run_cli(store_url: str, *args: str, stdin: str = "", city_url: str | None = None) -> subprocess.CompletedProcess:
    env = {**os.environ, "ONESCREEN_APP_DATABASE_URL": store_url}
    if city_url:
        env["ONESCREEN_DATABASE_URL"] = city_url
    return subprocess.run([sys.executable, "-m", "access", *args], input=stdin, capture_output=True, text=True,
                          cwd=ROOT, env=env, timeout=120)


def app_on(city_url: str, store_url: str):
    return create_app(replace(settings_for(city_url), app_database_url=store_url))


def can_log_in(app, username: str, password: str) -> bool:
    response = app.server.test_client().post("/login", data={"username": username, "password": password})
    return response.status_code == 303


def test_cli_creates_the_first_admin(city_url, store_url):
    made = run_cli(store_url, "create-admin", "--username", "chief", "--area", "R", "--display-name", "王主任",
                   "--password-stdin", stdin=PASSWORD + "\n")
    assert made.returncode == 0, made.stderr
    assert "created chief: admin of R" in made.stdout
    app = app_on(city_url, store_url)
    client = app.server.test_client()
    assert client.post("/login", data={"username": "chief", "password": PASSWORD}).status_code == 303
    assert client.get("/admin/users").status_code == 200
    store = app.server.extensions["onescreen.access"].store
    event = store.audit_events(action="admin_change")[0]
    assert event.principal_name is None
    assert event.detail["via"] == "cli" and event.detail["username"] == "chief"
    listed = run_cli(store_url, "list-users")
    assert re.search(r"^chief\tlocal\tadmin\tR\t", listed.stdout, re.M)


@pytest.mark.parametrize("args, stdin, said", [
    (("create-user", "--username", "li", "--role", "leader", "--area", "R01;", "--password-stdin"), PASSWORD,
     "Not an area code: R01;"),
    (("create-user", "--username", "li", "--role", "leader", "--area", "R01", "--password-stdin"), "short",
     "At least 12 characters."),
    (("create-user", "--username", "li", "--role", "mayor", "--area", "R01"), "", "invalid choice: 'mayor'"),
    (("create-admin", "--username", "chief", "--password-stdin"), PASSWORD, "--area"),
    (("set-password", "--username", "nobody", "--password-stdin"), PASSWORD, "there is no user 'nobody'"),
    (("demo-logins", "--street", "R99"), "", "there is no area 'R99'"),
])
def test_bad_arguments_exit_2_with_a_clear_message(city_url, store_url, args, stdin, said):
    result = run_cli(store_url, *args, stdin=stdin + "\n", city_url=city_url)
    assert result.returncode == 2
    assert said in result.stderr
    assert "Traceback" not in result.stderr


def test_cli_sets_a_password_and_purges_the_audit_trail(city_url, store_url):
    run_cli(store_url, "create-user", "--username", "zhang", "--role", "leader", "--area", "R01001",
            "--password-stdin", stdin=PASSWORD + "\n")
    changed = run_cli(store_url, "set-password", "--username", "zhang", "--password-stdin", stdin="Changed-By-CLI-9\n")
    assert changed.returncode == 0, changed.stderr
    app = app_on(city_url, store_url)
    assert can_log_in(app, "zhang", "Changed-By-CLI-9") and not can_log_in(app, "zhang", PASSWORD)
    purged = run_cli(store_url, "purge-audit")
    assert purged.returncode == 0 and "removed 0 audit records older than 180 days" in purged.stdout


def test_demo_logins_print_working_logins(city_url, store_url):
    logins = {}
    for _ in range(2):  # a second `make demo` resets the same two users with new passwords
        printed = run_cli(store_url, "demo-logins", city_url=city_url)
        assert printed.returncode == 0, printed.stderr
        found = dict(re.findall(r"^\s+(demo-\w+)\s+(\S+)\s", printed.stdout, re.M))
        assert set(found) == {"demo-admin", "demo-street"}
        assert found != logins
        logins = found
    assert "demo-admin" in printed.stdout and "admin of R" in printed.stdout
    assert "leader of R01001" in printed.stdout
    app = app_on(city_url, store_url)
    store = app.server.extensions["onescreen.access"].store
    assert [(u.username, u.role, u.areas) for u in store.users()] == [
        ("demo-admin", "admin", ("R",)), ("demo-street", "leader", ("R01001",))]
    for username, password in logins.items():
        assert can_log_in(app, username, password), username
    assert store.devices() == []  # the demo pairs nothing by itself
