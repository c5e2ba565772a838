"""What an account may be, checked the same way whoever makes it: the admin pages, the account page, the CLI.

A user name, an area grant and a password are validated here and nowhere
else, and every change made through these functions is one audit record
naming what changed (never the password). A refusal is a `Refused` carrying
catalogue keys (i18n `admin.*`, `password.*`), so the page says it in the
reader's language and the CLI in English.
"""
from __future__ import annotations

import re
import secrets
import string
from dataclasses import asdict
from typing import Iterable

import i18n
from access.model import EVERY_AREA, ROLES, Principal
from access.passwords import PasswordPolicy
from access.service import Access
from access.store import User

USERNAME = re.compile(r"[A-Za-z0-9_.@\-]{1,64}")
# The operational database's area codes (data_access/contract.py: String(32)).
AREA_CODE = re.compile(r"[A-Za-z0-9_.\-]{1,32}")
_PASSWORD_ALPHABET = string.ascii_letters + string.digits + "-_.!#%+="


class Refused(ValueError):
    """A change the rules do not allow. problems: (catalogue key, values) pairs."""

    def __init__(self, problems: Iterable[tuple[str, dict]]):
        self.problems = list(problems)
        super().__init__(", ".join(key for key, _ in self.problems))

    def texts(self, lang: str) -> list[str]:
        return [i18n.t(key, lang, **values) for key, values in self.problems]


def parse_areas(given: str | Iterable[str]) -> tuple[str, ...]:
    """Area codes typed as one text (space or comma separated) or given as a list; "*" is every area."""
    codes = re.split(r"[\s,，]+", given) if isinstance(given, str) else list(given)
    codes = [code.strip() for code in codes if code and code.strip()]
    bad = [code for code in codes if code != EVERY_AREA and not AREA_CODE.fullmatch(code)]
    if bad:
        raise Refused([("admin.bad_areas", {"codes": " ".join(bad)[:100]})])
    return tuple(sorted(set(codes)))


def password_problems(policy: PasswordPolicy, password: str, username: str) -> list[tuple[str, dict]]:
    return [(key, asdict(policy)) for key in policy.problems(password, username)]


def create_local_user(access: Access, by: Principal | None, *, username: str, display_name: str, role: str,
                      areas: str | Iterable[str], password: str, personal_data: bool, via: str) -> int:
    """A new local account, audited as an admin change; `via`: "admin" (the page) or "cli".

    areas: as `parse_areas` takes them. Every problem is found before any is raised, so one answer names them all.
    """
    problems = []
    try:
        areas = parse_areas(areas)
    except Refused as refused:
        problems += refused.problems
    if not USERNAME.fullmatch(username or ""):
        problems.append(("admin.bad_username", {}))
    elif access.store.find_user(username) is not None:
        problems.append(("admin.user_exists", {"username": username}))
    if role not in ROLES:
        problems.append(("admin.bad_role", {"role": (role or "")[:20]}))
    problems += password_problems(access.store.password_policy(), password, username or "")
    if problems:
        raise Refused(problems)
    user_id = access.store.create_user(username, (display_name or "").strip()[:128] or username, role, areas,
                                       password=password, personal_data=personal_data)
    access.audit("admin_change", "ok", by, detail={
        "via": via, "change": "user_created", "username": username, "role": role, "areas": list(areas),
        "personal_data": personal_data})
    return user_id


def set_local_password(access: Access, by: Principal | None, user: User, password: str, *, via: str,
                       action: str = "admin_change") -> None:
    """Set a local account's password under the policy (which ends the user's sessions); the audit names the user."""
    if user.source != "local":
        raise Refused([("admin.directory_password", {})])
    problems = password_problems(access.store.password_policy(), password, user.username)
    if problems:
        raise Refused(problems)
    access.store.set_password(user.user_id, password)
    access.audit(action, "ok", by, detail={"via": via, "change": "password_set", "username": user.username})


def random_password(policy: PasswordPolicy, username: str = "") -> str:
    """A fresh password this policy accepts (the demo's logins), from the system's secure random source."""
    length = max(16, policy.min_length)
    while True:
        candidate = "".join(secrets.choice(_PASSWORD_ALPHABET) for _ in range(length))
        if not policy.problems(candidate, username):
            return candidate
