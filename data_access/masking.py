"""Personal data, decided before it leaves data_access: whole for a principal with `personal_data`, else masked.

Deciding here, rather than in a view, means a screen, an export and the API
that read the same query cannot disagree about what a person's data looks
like, and an unmasked value never reaches layout code it was not meant for.
The rule has one input, `Scope.personal_data` (set by
access.area_scope.narrow from the principal's flag, and part of the cache
key, so a masked and an unmasked answer never share an entry); a scope
nobody narrowed (the CLI, benchmarks) is masked like a principal without it.

Phones are masked (138****0000). Who a worker is (name, id) and where one
went (the day's track) are not masked but withheld: a masked name next to a
worker id and a track would still identify the person.
"""
from __future__ import annotations

from data_access.scope import Scope


class PersonalDataRequired(Exception):
    """An answer that identifies a person was asked for a scope whose principal lacks `personal_data`."""


def identified(scope: Scope) -> bool:
    """Answers for `scope` may identify people: whole phones, worker names and ids, individual tracks."""
    return scope.personal_data


def require_identified(scope: Scope) -> None:
    """Raise PersonalDataRequired unless answers for `scope` may identify people."""
    if not identified(scope):
        raise PersonalDataRequired("this answer identifies a person: it needs the personal-data permission")


def shown_phone(scope: Scope, phone: str | None) -> str | None:
    """The phone as `scope` may see it: whole with personal data, else mask_phone's form; blank is None either way."""
    if not identified(scope):
        return mask_phone(phone)
    text = None if phone is None else str(phone).strip()
    return text or None


# A mobile number keeps its carrier prefix and last four digits (138****0000),
# the form Chinese government systems print; shorter numbers (landline
# extensions, short codes) keep only their last two characters, since three
# plus four would reveal nearly all of them.
_PHONE_HEAD = 3
_PHONE_TAIL = 4
_SHORT_PHONE_TAIL = 2
_SHORTEST_FULL_MASK = _PHONE_HEAD + _PHONE_TAIL + 1


def mask_phone(phone: str | None) -> str | None:
    """`13812340000` -> `138****0000`; None or blank stays None (n/a, not a fake number)."""
    if phone is None:
        return None
    text = str(phone).strip()
    if not text:
        return None
    if len(text) >= _SHORTEST_FULL_MASK:
        hidden = len(text) - _PHONE_HEAD - _PHONE_TAIL
        return f"{text[:_PHONE_HEAD]}{'*' * hidden}{text[-_PHONE_TAIL:]}"
    tail = text[-_SHORT_PHONE_TAIL:] if len(text) > _SHORT_PHONE_TAIL else ""
    return "*" * (len(text) - len(tail)) + tail
