"""Personal data masked before it leaves data_access (SCHEMA.md: "masked on every screen and export").

Masking here, rather than in a view, means a screen, an export and the API
that read the same query cannot disagree about what a person's data looks
like, and the unmasked value never reaches layout code.
"""
from __future__ import annotations

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


def mask_name(name: str | None) -> str | None:
    """`张三` -> `张*`, `欧阳娜娜` -> `欧***`, `Li Lei` -> `L*****`: the first character, a star for each other.

    The family name alone is what a Chinese screen shows of a person (张*);
    the length stays visible, as on printed government notices. A name of
    one character still gets its star, so it is never shown whole. None or
    blank stays None.
    """
    if name is None:
        return None
    text = str(name).strip()
    if not text:
        return None
    return text[0] + "*" * max(1, len(text) - 1)
