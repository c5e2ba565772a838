"""Local passwords: argon2 hashes and the policy an administrator sets (等保 2.0 身份鉴别).

argon2id (argon2-cffi's defaults, RFC 9106's second recommendation) makes a
stolen copy of the store expensive to guess from. The policy (length,
character classes, lockout) is data in the store, not code, so the centre's
security officer changes it from the admin page without a release.
"""
from __future__ import annotations

import json
from dataclasses import asdict, dataclass, fields

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

_HASHER = PasswordHasher()
# Verified against when a user name is unknown, so a wrong name costs as long as a wrong password
# and the login's timing does not tell which names exist.
_DUMMY_HASH = _HASHER.hash("not a password anyone has")
_CLASSES = (str.islower, str.isupper, str.isdigit, lambda c: not c.isalnum())


@dataclass(frozen=True)
class PasswordPolicy:
    min_length: int = 12
    # How many of: lower case, upper case, digits, other characters.
    min_classes: int = 3
    # Failed logins in a row that lock the account, and for how long.
    lock_after: int = 5
    lock_minutes: int = 15

    def problems(self, password: str, username: str = "") -> list[str]:
        """What is wrong with `password` under this policy, as catalogue keys (i18n `password.*`); empty: fine."""
        found = []
        if len(password) < self.min_length:
            found.append("password.too_short")
        if sum(any(test(c) for c in password) for test in _CLASSES) < self.min_classes:
            found.append("password.too_few_classes")
        if username and username.lower() in password.lower():
            found.append("password.contains_username")
        return found

    def to_json(self) -> str:
        return json.dumps(asdict(self))

    @classmethod
    def from_json(cls, text: str | None) -> "PasswordPolicy":
        """The stored policy; anything unreadable or out of range falls back to the default for that field."""
        try:
            given = json.loads(text) if text else {}
        except ValueError:
            given = {}
        default = cls()
        values = {}
        for field in fields(cls):
            value = given.get(field.name) if isinstance(given, dict) else None
            ok = isinstance(value, int) and not isinstance(value, bool) and 0 <= value <= 1000
            values[field.name] = value if ok else getattr(default, field.name)
        return cls(**values)


def hash_password(password: str) -> str:
    return _HASHER.hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    """Whether `password` matches; a missing or damaged hash never matches (and costs the same time)."""
    try:
        return _HASHER.verify(password_hash or _DUMMY_HASH, password) and password_hash is not None
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(password_hash: str) -> bool:
    """The hash was made with weaker parameters than today's: rehash it at the next good login."""
    try:
        return _HASHER.check_needs_rehash(password_hash)
    except InvalidHashError:
        return True
