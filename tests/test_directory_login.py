"""Directory login against a real OpenLDAP: role and areas from groups, deny by default, bounded waits."""
from __future__ import annotations

import logging
import socket
import threading
import time
from dataclasses import replace
from pathlib import Path

import pytest

from access.directory import (
    DirectoryConfigError,
    DirectoryUnavailable,
    GroupRule,
    authenticate,
    load_directory_config,
)
from tests.ldap_server import GROUPS, HOSTILE_UID, PASSWORDS, PEOPLE, SERVICE_PASSWORD, SUFFIX, directory  # noqa: F401

EXAMPLE = Path(__file__).resolve().parent.parent / "docs" / "examples" / "ldap.toml"


def example_against(url: str, tmp_path: Path, *edits: tuple[str, str]) -> Path:
    """The shipped example settings, pointed at `url` and the test directory's names, with `edits` applied."""
    text = (EXAMPLE.read_text().replace("dc=example,dc=org", SUFFIX).replace("ldap://ldap.example.org:389", url)
            .replace('"change-me"', f'"{SERVICE_PASSWORD}"').replace("start_tls = true", "start_tls = false"))
    for old, new in edits:
        assert old in text, f"the example no longer has {old!r}"
        text = text.replace(old, new)
    path = tmp_path / "ldap.toml"
    path.write_text(text)
    return path


@pytest.fixture(params=["search", "direct bind"])
def config(request, directory, tmp_path):  # noqa: F811 (the fixture imported above)
    """The example settings against the test slapd: as shipped (search), and with a DN template instead."""
    loaded = load_directory_config(example_against(directory.url, tmp_path))
    if request.param == "direct bind":
        loaded = replace(loaded, user_dn_template=f"uid={{username}},{PEOPLE}", search_base=None,
                         bind_dn=None, bind_password=None)
    return loaded


class SilentListener:
    """A port that accepts connections and never answers: a hung directory. Counts who connected."""

    def __init__(self):
        self.socket = socket.create_server(("127.0.0.1", 0))
        self.port = self.socket.getsockname()[1]
        self.accepted: list[socket.socket] = []
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self):
        while True:
            try:
                self.accepted.append(self.socket.accept()[0])
            except OSError:
                return

    def close(self):
        self.socket.close()
        for connection in self.accepted:
            connection.close()


@pytest.fixture
def silent_port():
    listener = SilentListener()
    yield listener
    listener.close()


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_directory_user_gets_role_and_areas_of_their_groups(config):
    leader = authenticate(config, "leader01", PASSWORDS["leader01"])
    assert (leader.username, leader.display_name, leader.role, leader.areas, leader.personal_data) == (
        "leader01", "Li Jie", "leader", ("R01001",), False)
    assert leader.groups == (f"cn=canteen,{GROUPS}", f"cn=street-leaders,{GROUPS}")
    analyst = authenticate(config, "analyst01", PASSWORDS["analyst01"])
    assert (analyst.role, analyst.areas, analyst.personal_data) == ("analyst", ("R01",), True)


def test_several_groups_give_the_highest_role_all_areas_and_personal_data_if_any(config):
    more = (GroupRule(f"CN=Canteen, {GROUPS.upper()}", "viewer", ("R02", "R01001"), personal_data=True),)
    leader = authenticate(replace(config, rules=more + config.rules), "leader01", PASSWORDS["leader01"])
    assert (leader.role, leader.areas, leader.personal_data) == ("leader", ("R01001", "R02"), True)


def test_wrong_password_is_refused(config):
    assert authenticate(config, "leader01", "leader-pass-not") is None
    assert authenticate(config, "leader01", PASSWORDS["analyst01"]) is None
    assert authenticate(config, "nobody", PASSWORDS["leader01"]) is None


def test_empty_password_is_refused_before_any_bind(config, silent_port):
    hung = replace(config, url=f"ldap://127.0.0.1:{silent_port.port}", timeout_s=1)
    started = time.monotonic()
    assert authenticate(hung, "leader01", "") is None
    assert authenticate(hung, "", PASSWORDS["leader01"]) is None
    # Had either reached the network, the silent port would have held it for the timeout.
    assert time.monotonic() - started < 0.5
    time.sleep(0.2)
    assert silent_port.accepted == []


def test_user_in_no_mapped_group_is_refused(config, caplog):
    with caplog.at_level(logging.INFO, logger="access.directory"):
        assert authenticate(config, "loner01", PASSWORDS["loner01"]) is None
    assert "no mapped group" in caplog.text and "cn=canteen" in caplog.text


@pytest.mark.parametrize("typed", ["*", "leader0*", "*)(uid=leader01", "leader01)(|(uid=*", "leader01\\2a",
                                   "uid=leader01", "leader01,ou=people"])
def test_filter_metacharacters_cannot_widen_the_search(config, typed):
    assert authenticate(config, typed, PASSWORDS["leader01"]) is None


def test_a_username_of_metacharacters_logs_in_as_exactly_that_user(config):
    eve = authenticate(config, HOSTILE_UID, PASSWORDS[HOSTILE_UID])
    # Her filter `(member=<her DN>)`, had it gone in unescaped, would have matched every group.
    assert (eve.username, eve.role, eve.areas, eve.groups) == (HOSTILE_UID, "viewer", ("R01002",),
                                                              (f"cn=viewers,{GROUPS}",))


def test_passwords_are_never_logged(config, caplog):
    with caplog.at_level(logging.DEBUG):
        authenticate(config, "leader01", PASSWORDS["leader01"])
        authenticate(config, "leader01", "a-wrong-secret")
        authenticate(config, "loner01", PASSWORDS["loner01"])
    assert caplog.text
    for secret in (PASSWORDS["leader01"], "a-wrong-secret", PASSWORDS["loner01"], SERVICE_PASSWORD):
        assert secret not in caplog.text


@pytest.mark.parametrize("server", ["closed port", "silent port"])
def test_unreachable_directory_says_so_within_the_timeout(config, silent_port, server):
    port = closed_port() if server == "closed port" else silent_port.port
    for url in (f"ldap://127.0.0.1:{port}", f"ldaps://127.0.0.1:{port}"):
        unreachable = replace(config, url=url, timeout_s=1)
        started = time.monotonic()
        with pytest.raises(DirectoryUnavailable, match="unreachable"):
            authenticate(unreachable, "leader01", PASSWORDS["leader01"])
        assert time.monotonic() - started < unreachable.timeout_s + 2


def test_tls_to_the_directory_checks_its_certificate(config, directory):  # noqa: F811
    start_tls = replace(config, start_tls=True, ca_file=directory.ca_file)
    ldaps = replace(config, url=directory.ldaps_url, ca_file=directory.ca_file)
    for encrypted in (start_tls, ldaps):
        assert authenticate(encrypted, "leader01", PASSWORDS["leader01"]).role == "leader"
        # Signed by no CA the system trusts, and not issued to "localhost": both a TLS failure.
        unsigned = replace(encrypted, ca_file=None)
        wrong_name = replace(encrypted, url=encrypted.url.replace("127.0.0.1", "localhost"))
        for refused in (unsigned, wrong_name):
            with pytest.raises(DirectoryUnavailable, match="certificate"):
                authenticate(refused, "leader01", PASSWORDS["leader01"])


def test_a_wrong_service_password_or_search_base_is_a_settings_fault_not_a_wrong_password(directory,  # noqa: F811
                                                                                             tmp_path):
    config = load_directory_config(example_against(directory.url, tmp_path))
    with pytest.raises(DirectoryUnavailable, match="service account"):
        authenticate(replace(config, bind_password="not-the-service-password"), "leader01", PASSWORDS["leader01"])
    with pytest.raises(DirectoryUnavailable, match="noSuchObject"):
        authenticate(replace(config, group_base=f"ou=teams,{SUFFIX}"), "leader01", PASSWORDS["leader01"])


def test_the_example_settings_load_as_shipped():
    config = load_directory_config(EXAMPLE)
    assert config.start_tls and config.url.startswith("ldap://")
    assert [(rule.role, rule.areas) for rule in config.rules] == [
        ("leader", ("R01001",)), ("analyst", ("R01",)), ("viewer", ("R01002",))]


@pytest.mark.parametrize(("edit", "key"), [
    (('role = "leader"', 'role = "boss"'), "group[1].role"),
    (('url = "ldap://127.0.0.1', '# url = "ldap://127.0.0.1'), "url: missing"),
    (('url = "ldap://', 'url = "http://'), "url"),
    (('areas = ["R01"]', 'areas = ["R01; DROP"]'), "group[2].areas"),
    (('areas = ["R01"]', 'areas = "R01"'), "group[2].areas"),
    (("timeout_s = 5", "timeout_s = 5\ncolour = 'red'"), "colour: unknown key"),
    (('role = "viewer"', 'role = "viewer"\nadmin = true'), "group[3].admin: unknown key"),
    (("timeout_s = 5", "timeout_s = 0"), "timeout_s"),
    (('search_filter = "(uid={username})"', 'search_filter = "(uid={user})"'), "search_filter"),
    (('search_filter = "(uid={username})"', 'search_filter = "(uid=leader01)"'), "search_filter"),
    (("(uniqueMember={user_dn}))", "(uniqueMember={user_dn})"), "group_filter: not an LDAP filter"),
    (('bind_password = "', '# bind_password = "'), "bind_password"),
    (('search_base = "', 'user_dn_template = "uid={username},ou=people,dc=onescreen,dc=test"\nsearch_base = "'),
     "user_dn_template"),
    (('dn = "cn=analysts', 'dn = "analysts'), "group[2].dn"),
    (("start_tls = false", "start_tls = false\nca_file = '/nonexistent/ca.pem'"), "ca_file"),
    (("personal_data = true", 'personal_data = "yes"'), "group[2].personal_data"),
])
def test_bad_config_names_the_key(tmp_path, edit, key):
    path = example_against("ldap://127.0.0.1:1", tmp_path, edit)
    with pytest.raises(DirectoryConfigError, match=rf"ldap\.toml: {key}".replace("[", r"\[").replace("]", r"\]")):
        load_directory_config(path)
