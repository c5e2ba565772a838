"""Ready-made answers: a view's refresh output serialized once per question and data window, served to every screen.

The wall's refresh and the desk views' (callbacks/scoped_view.ready_refresh_answer) are served so.

A hundred walls on one scope ask the same question every few seconds; with
the data cached, what is left is building the same figures a hundred times
(150-650 ms of CPU each at chengdu scale). Here the built output is kept as
the JSON Dash would send, through the same ResultCache as the data (one
build at a time across the cluster, the previous answer while it rebuilds,
the last good one when the database fails), and handed back as plain dicts
and lists, which Dash sends unchanged: a warm refresh costs a few ms.

The caller's key must hold everything the output depends on. Its scope's
`cache_key()` says who may see it (the narrowed areas, personal data) and
the data's window (the live `as_of`), so two principals who may see
different things never share an answer, and a new window is a new answer.
"""
from __future__ import annotations

import hashlib
import json
from typing import Callable, Sequence

from dash import no_update
from plotly.io.json import to_json_plotly

from data_access import DatabaseError
from data_access.cache import note_stale, watch_staleness
from data_access.database import Database
from data_access.scope import Scope


class _BuiltWithoutDatabase(DatabaseError):
    """An answer built while the database failed (out of last good data): never stored, so a recovered database
    shows at the next refresh, but served when there is no earlier ready-made one."""

    def __init__(self, text: str, stale_since: float):
        # DatabaseError is SQLAlchemy's DBAPIError: a statement, its parameters and the driver's error, none here.
        super().__init__("the database did not answer while the answer was built", None, None)
        self.text = text
        self.stale_since = stale_since


def ready_made(db: Database, kind: str, scope: Scope, shown_as: tuple, build: Callable[[], object]):
    """`build()`'s value as Dash would send it (plain JSON data), built once per (kind, scope, shown_as).

    shown_as: everything besides the scope the output depends on (the URL's display parameters, the size class,
    what the store says), as text; one `kind` per view.
    """
    def compute() -> tuple[str, float | None]:
        with watch_staleness() as seen:
            text = to_json_plotly(build())
        if seen.database_failed:
            raise _BuiltWithoutDatabase(text, seen.stale_since)
        return text, seen.stale_since

    shown = _digest(shown_as)
    prefix = f"ready.{kind}:{db.cache_namespace}"
    try:
        text, stale_since = db.cache.get_or_compute(
            f"{prefix}:{scope.cache_key()}:{shown}", scope.live, compute,
            lineage=f"{prefix}:{scope.live_lineage_key()}:{shown}",
        )
        database_failed = False
    except _BuiltWithoutDatabase as built:
        text, stale_since, database_failed = built.text, built.stale_since, True
    if stale_since is not None:
        # The answer was built out of answers past their freshness: every screen it is served to says so.
        note_stale(stale_since, database_failed)
    return json.loads(text)


def _digest(parts: tuple) -> str:
    # Keys stay short whatever the URL holds; the parts are joined unambiguously (JSON), then hashed.
    return hashlib.sha256(json.dumps(parts, ensure_ascii=False, default=str).encode()).hexdigest()[:32]


def ready_outputs(db: Database, kind: str, scope: Scope, shown_as: tuple, build: Callable[[], Sequence]) -> list:
    """`ready_made` for a callback's outputs, some of which may be `no_update` (what the page already holds, such
    as a map's geometry): those positions are kept as such, the rest served as Dash would send them."""

    def outputs() -> dict:
        values = list(build())
        unchanged = [i for i, value in enumerate(values) if value is no_update]
        return {"unchanged": unchanged, "values": [None if i in unchanged else v for i, v in enumerate(values)]}

    sent = ready_made(db, kind, scope, shown_as, outputs)
    values = sent["values"]
    for i in sent["unchanged"]:
        values[i] = no_update
    return values
