"""Directory login (LDAP): a centre's own accounts, with role and areas from its directory groups.

A person logs in with the account they already have; OneScreen binds to the directory as them, which
proves the password without OneScreen ever storing it, then reads which groups they are in. A settings
file (TOML, read once at start-up) maps groups to a role and areas. Deny by default: someone in no
mapped group is refused, however right their password. The directory is a network service OneScreen
does not control, so every wait on it is bounded, and its being down is `DirectoryUnavailable` (the
login page says so), never an error page and never "wrong password".

What the person types goes into LDAP filters and DNs, so it is escaped for each; an empty password is
refused here, because an LDAP bind with a DN and no password is an "unauthenticated bind" that many
servers answer with success.
"""
from __future__ import annotations

import logging
import math
import re
import ssl
import tomllib
from dataclasses import dataclass
from pathlib import Path

import ldap3
from ldap3.core import exceptions as ldap_errors
from ldap3.operation.search import parse_filter
from ldap3.utils.conv import escape_filter_chars
from ldap3.utils.dn import escape_rdn, parse_dn

from access.model import ROLES

log = logging.getLogger(__name__)

# Lowest to highest.
ROLES_IN_ORDER = ROLES
AREA_CODE = re.compile(r"^[A-Za-z0-9_.\-]{1,32}$")
# Longer than any real account name; a bound on what a login form can make the server parse.
MAX_USERNAME = 256
INVALID_CREDENTIALS = 49
# Search answers that still carry entries: a hit, and "more than the two asked for" (an ambiguous name).
SEARCH_ANSWERED = (0, 4)
# What an unreachable, unanswering or TLS-refusing server raises in ldap3 (and the ssl module under it).
_UNREACHABLE = (ldap_errors.LDAPCommunicationError, ldap_errors.LDAPStartTLSError,
                ldap_errors.LDAPSSLConfigurationError, OSError)


class DirectoryConfigError(ValueError):
    """The directory settings file is wrong; the message names the file and the key."""


class DirectoryUnavailable(Exception):
    """The directory could not be asked (down, timed out, TLS refused): not the person's fault."""


@dataclass(frozen=True)
class GroupRule:
    """Members of `group_dn` get at least `role`, and `areas` (each an area and everything under it)."""
    group_dn: str
    role: str
    areas: tuple[str, ...]
    personal_data: bool = False


@dataclass(frozen=True, kw_only=True)
class DirectoryConfig:
    """How to reach the directory, find a person in it, and map their groups.

    A person's DN comes from `user_dn_template` (`uid={username},ou=people,...`) when the directory's
    layout allows it; otherwise OneScreen searches `search_base` with `search_filter`, bound as the
    service account `bind_dn` (or anonymously if that is None).
    """
    url: str
    user_dn_template: str | None
    search_base: str | None
    search_filter: str = "(uid={username})"
    bind_dn: str | None
    bind_password: str | None
    group_base: str
    group_filter: str = "(|(member={user_dn})(uniqueMember={user_dn}))"
    rules: tuple[GroupRule, ...]
    timeout_s: float = 5
    start_tls: bool = False
    ca_file: str | None = None


@dataclass(frozen=True)
class DirectoryIdentity:
    """Who logged in, as the directory and the rules see them; `groups` are all the DNs found."""
    username: str
    display_name: str
    role: str
    areas: tuple[str, ...]
    personal_data: bool
    groups: tuple[str, ...]


_TOP_KEYS = {"url", "user_dn_template", "search_base", "search_filter", "bind_dn", "bind_password",
             "group_base", "group_filter", "timeout_s", "start_tls", "ca_file", "group"}
_RULE_KEYS = {"dn", "role", "areas", "personal_data"}


def load_directory_config(path: str | Path) -> DirectoryConfig:
    """Read and check the directory settings file, so a mistake stops start-up rather than a login."""
    path = Path(path)
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as error:
        raise DirectoryConfigError(f"{path}: cannot read the directory settings: {error}") from error

    def fail(key: str, problem: str):
        raise DirectoryConfigError(f"{path}: {key}: {problem}")

    def text(key: str, table: dict, name: str | None = None, required: bool = False) -> str | None:
        value = table.get(key)
        if value is None:
            if required:
                fail(name or key, "missing")
            return None
        if not isinstance(value, str) or not value.strip():
            fail(name or key, "must be a non-empty string")
        return value

    for key in sorted(raw.keys() - _TOP_KEYS):
        fail(key, f"unknown key (known: {', '.join(sorted(_TOP_KEYS))})")
    url = text("url", raw, required=True)
    if not url.startswith(("ldap://", "ldaps://")):
        fail("url", f"must start with ldap:// or ldaps://, not {url!r}")
    template, search_base = text("user_dn_template", raw), text("search_base", raw)
    if (template is None) == (search_base is None):
        fail("user_dn_template", "set exactly one of user_dn_template (direct bind) and search_base (search)")
    if template is not None:
        _check_placeholders("user_dn_template", template, {"username"}, fail)
    search_filter = text("search_filter", raw) or DirectoryConfig.search_filter
    _check_filter("search_filter", search_filter, {"username"}, fail)
    bind_dn, bind_password = text("bind_dn", raw), text("bind_password", raw)
    if (bind_dn is None) != (bind_password is None):
        fail("bind_password" if bind_dn else "bind_dn", "bind_dn and bind_password go together")
    group_base = text("group_base", raw, required=True)
    group_filter = text("group_filter", raw) or DirectoryConfig.group_filter
    _check_filter("group_filter", group_filter, {"user_dn", "username"}, fail)
    timeout_s = raw.get("timeout_s", DirectoryConfig.timeout_s)
    if isinstance(timeout_s, bool) or not isinstance(timeout_s, (int, float)) or not 0 < timeout_s <= 60:
        fail("timeout_s", f"must be a number of seconds above 0 and at most 60, not {timeout_s!r}")
    start_tls = raw.get("start_tls", False)
    if not isinstance(start_tls, bool):
        fail("start_tls", "must be true or false")
    if start_tls and url.startswith("ldaps://"):
        fail("start_tls", "ldaps:// is already encrypted; start_tls is for ldap://")
    ca_file = text("ca_file", raw)
    if ca_file is not None and not Path(ca_file).is_file():
        fail("ca_file", f"no such file: {ca_file}")

    tables = raw.get("group", [])
    if not isinstance(tables, list) or not tables:
        fail("group", "at least one [[group]] rule is needed, or nobody could log in")
    rules = tuple(_rule(f"group[{index}]", table, text, fail) for index, table in enumerate(tables, 1))
    return DirectoryConfig(url=url, user_dn_template=template, search_base=search_base,
                           search_filter=search_filter, bind_dn=bind_dn, bind_password=bind_password,
                           group_base=group_base, group_filter=group_filter, rules=rules,
                           timeout_s=float(timeout_s), start_tls=start_tls, ca_file=ca_file)


def _check_placeholders(key: str, template: str, allowed: set[str], fail) -> None:
    found = set(re.findall(r"{(\w*)}", template))
    if found - allowed:
        fail(key, f"unknown placeholder {{{sorted(found - allowed)[0]}}} (allowed: "
                  f"{', '.join('{' + name + '}' for name in sorted(allowed))})")
    if not found:
        fail(key, f"must contain {' or '.join('{' + name + '}' for name in sorted(allowed))}")


def _check_filter(key: str, template: str, allowed: set[str], fail) -> None:
    """A filter with its placeholders filled must parse: a typo would otherwise fail every login."""
    _check_placeholders(key, template, allowed, fail)
    try:
        parse_filter(template.format(**{name: "x" for name in allowed}), None, True, True, None, False)
    except ldap_errors.LDAPInvalidFilterError as error:
        fail(key, f"not an LDAP filter: {template!r} ({error})")


def _rule(name: str, table, text, fail) -> GroupRule:
    if not isinstance(table, dict):
        fail(name, "must be a [[group]] table")
    for key in sorted(table.keys() - _RULE_KEYS):
        fail(f"{name}.{key}", f"unknown key (known: {', '.join(sorted(_RULE_KEYS))})")
    group_dn = text("dn", table, f"{name}.dn", required=True)
    try:
        parse_dn(group_dn)
    except ldap_errors.LDAPInvalidDnError as error:
        fail(f"{name}.dn", f"not a DN: {error}")
    role = text("role", table, f"{name}.role", required=True)
    if role not in ROLES_IN_ORDER:
        fail(f"{name}.role", f"unknown role {role!r} (one of {', '.join(ROLES_IN_ORDER)})")
    areas = table.get("areas")
    if not isinstance(areas, list):
        fail(f"{name}.areas", "missing: a list of area codes ([] gives the role but no rows)")
    for code in areas:
        if not isinstance(code, str) or not AREA_CODE.match(code):
            fail(f"{name}.areas", f"bad area code {code!r} (letters, digits, _ . -; at most 32)")
    personal_data = table.get("personal_data", False)
    if not isinstance(personal_data, bool):
        fail(f"{name}.personal_data", "must be true or false")
    return GroupRule(group_dn=group_dn, role=role, areas=tuple(areas), personal_data=personal_data)


def authenticate(config: DirectoryConfig, username: str, password: str) -> DirectoryIdentity | None:
    """The person's identity if the directory accepts the password and a rule admits them, else None.

    Raises DirectoryUnavailable when the directory cannot be asked; each network wait is bounded by
    `config.timeout_s`. The password is never logged.
    """
    if not username or not password:
        log.info("directory login refused before asking the directory: empty username or password")
        return None
    if len(username) > MAX_USERNAME or any(ord(char) < 32 for char in username):
        log.info("directory login refused: username too long or with control characters")
        return None
    server = _server(config)
    try:
        found = _find_person(config, server, username)
        if found is None:
            return None
        user_dn, display_name = found
        with _connection(config, server, user_dn, password) as own:
            if not own.bound:
                log.info("directory login refused for %r: wrong password", username)
                return None
            if display_name is None:
                display_name = _display_name(_search(own, user_dn, "(objectClass=*)", ldap3.BASE, strict=False))
            groups = _groups(config, server, own, username, user_dn)
    except _UNREACHABLE as error:
        log.warning("directory %s unreachable: %s", config.url, error)
        raise DirectoryUnavailable(f"directory {config.url} unreachable: {error}") from error
    return _identity(config, username, display_name or username, groups)


def _server(config: DirectoryConfig) -> ldap3.Server:
    tls = None
    if config.start_tls or config.url.startswith("ldaps://"):
        tls = ldap3.Tls(validate=ssl.CERT_REQUIRED, ca_certs_file=config.ca_file)
    return ldap3.Server(config.url, connect_timeout=config.timeout_s, tls=tls, get_info=ldap3.NONE)


class _connection:
    """A bound (or refused) connection, closed on exit; refused binds are `bound` False, not errors."""

    def __init__(self, config: DirectoryConfig, server: ldap3.Server, dn: str | None, password: str | None,
                 refused: str | None = None):
        self.refused = refused
        # ldap3 packs the receive timeout into a C struct of whole seconds: a float would crash it.
        self.connection = ldap3.Connection(server, user=dn, password=password, raise_exceptions=False,
                                           receive_timeout=max(1, math.ceil(config.timeout_s)))
        self.config = config

    def __enter__(self) -> ldap3.Connection:
        self.connection.open()
        if self.config.start_tls and not self.connection.start_tls():
            raise DirectoryUnavailable(f"directory {self.config.url} refused StartTLS")
        self.connection.bind()
        result = self.connection.result or {}
        if not self.connection.bound and self.refused:
            log.error("directory %s refused the bind of %s", self.config.url, self.refused)
            raise DirectoryUnavailable(f"directory {self.config.url} refused {self.refused}")
        if not self.connection.bound and result.get("result") != INVALID_CREDENTIALS:
            # Busy, unavailable, "confidentiality required"...: the directory's state, not a wrong password.
            log.warning("directory %s answered a bind with %s", self.config.url, result.get("description"))
            raise DirectoryUnavailable(f"directory {self.config.url} answered {result.get('description')}")
        return self.connection

    def __exit__(self, *exc_info) -> None:
        try:
            self.connection.unbind()
        except ldap_errors.LDAPException:
            pass  # closing a connection the server already dropped: nothing left to release


def _find_person(config: DirectoryConfig, server: ldap3.Server, username: str) -> tuple[str, str | None] | None:
    """(DN, display name) of the one entry `username` names; None if none or several do."""
    if config.user_dn_template is not None:
        return config.user_dn_template.format(username=escape_rdn(username)), None
    query = config.search_filter.format(username=escape_filter_chars(username))
    with _service(config, server) as service:
        entries = _search(service, config.search_base, query, ldap3.SUBTREE, size_limit=2)
    if len(entries) != 1:
        log.info("directory login refused for %r: %d entries match", username, len(entries))
        return None
    return entries[0]["dn"], _display_name(entries)


def _service(config: DirectoryConfig, server: ldap3.Server) -> _connection:
    """The service account's connection (anonymous without bind_dn); its refusal is a settings fault."""
    return _connection(config, server, config.bind_dn, config.bind_password, refused="the service account (bind_dn)")


def _search(connection: ldap3.Connection, base: str, query: str, scope, size_limit: int = 0,
            strict: bool = True) -> list[dict]:
    """The entries found, as ldap3's raw dicts.

    Strict: a search the directory refuses (no such base, no access) is a settings fault, not
    "nobody", which would refuse every login in silence. Not strict (a person reading their own
    name, which some directories' rules forbid): no entries.
    """
    connection.search(base, query, search_scope=scope, attributes=["displayName", "cn"], size_limit=size_limit)
    if strict and connection.result["result"] not in SEARCH_ANSWERED:
        log.warning("directory search of %s answered %s", base, connection.result["description"])
        raise DirectoryUnavailable(f"directory search of {base} answered {connection.result['description']}")
    return [entry for entry in connection.response or () if entry["type"] == "searchResEntry"]


def _display_name(entries: list[dict]) -> str | None:
    for attribute in ("displayName", "cn"):
        values = entries[0]["attributes"].get(attribute) if entries else None
        if values:
            return values[0] if isinstance(values, list) else values
    return None


def _groups(config, server, own: ldap3.Connection, username: str, user_dn: str) -> tuple[str, ...]:
    """The DNs of the groups the person is in: asked as the service account when there is one."""
    query = config.group_filter.format(user_dn=escape_filter_chars(user_dn),
                                       username=escape_filter_chars(username))
    if config.bind_dn is None:
        return tuple(sorted(entry["dn"] for entry in _search(own, config.group_base, query, ldap3.SUBTREE)))
    with _service(config, server) as service:
        return tuple(sorted(entry["dn"] for entry in _search(service, config.group_base, query, ldap3.SUBTREE)))


def _normal_dn(dn: str) -> str:
    """A DN compared as directories compare them: attribute names and values without case or spacing."""
    return ",".join(f"{kind.lower()}={value.lower()}" for kind, value, _ in parse_dn(dn, escape=True, strip=True))


def _identity(config: DirectoryConfig, username: str, display_name: str,
              groups: tuple[str, ...]) -> DirectoryIdentity | None:
    """Highest role, union of areas, personal data if any matched rule gives it; None if no rule matches."""
    member_of = {_normal_dn(dn) for dn in groups}
    matched = [rule for rule in config.rules if _normal_dn(rule.group_dn) in member_of]
    if not matched:
        log.info("directory login refused for %r: in no mapped group (groups: %s)", username, list(groups))
        return None
    return DirectoryIdentity(
        username=username,
        display_name=display_name,
        role=max((rule.role for rule in matched), key=ROLES_IN_ORDER.index),
        areas=tuple(sorted({code for rule in matched for code in rule.areas})),
        personal_data=any(rule.personal_data for rule in matched),
        groups=groups,
    )
