"""The URL's query string, read and written: the one place a view's scope, language and theme are kept.

Keeping them in the URL (and nowhere in the server) is what lets a leader
share exactly what they see, and lets any gunicorn host answer any request.
"""
from __future__ import annotations

from urllib.parse import parse_qsl, urlencode


def query_params(search: str | None) -> dict[str, str]:
    """`?area=R01&lang=en` as a dict; a repeated parameter keeps its last value, as browsers do."""
    return dict(parse_qsl((search or "").lstrip("?")))


def link(path: str, params: dict[str, str], **changes: str | None) -> str:
    """`path` with `params`, updated by `changes` (None removes a parameter)."""
    merged = {name: value for name, value in {**params, **changes}.items() if value}
    return f"{path}?{urlencode(merged)}" if merged else path
