"""Acknowledging a crowd alert placard: a server-side, audited act that every wall of the area sees.

A director presses "确认" on one wall; the centre must know who took the
alert and when, and the other walls of the area must stop showing it as
waiting. So the press goes to the server (`acknowledge`): each alert key is
checked (its shape by callbacks/inputs.py, its zone against the zones the
wall's narrowed scope holds), written to OneScreen's store once (the first
acknowledgement stands) and audited. Every wall's refresh reads the store
for its current alerts (`acknowledged`): their placards close, and the crowd
panel says who acknowledged each and when.

An alert's key is "<zone id>|<since>" (assets/wall.js placardKey): one run
of one zone over capacity; the zone's next run has a new since, so a new
placard.
"""
from __future__ import annotations

import logging
from datetime import datetime

import dash
import pandas as pd
from dash import Input, Output, State

from access.guard import current_principal
from access.model import Principal
from access.service import Access
from callbacks import requested_scope
from callbacks.url import query_params
from components import ids
from data_access import crowd
from data_access.database import Database

log = logging.getLogger(__name__)

# An acknowledgement as the store keeps it: (when, by whom).
Acknowledgement = tuple[datetime, str]


def alert_key(zone_id: str, since) -> str:
    """The key of one run over capacity, as the browser builds it from an alert record (alert_records)."""
    return f"{zone_id}|{pd.Timestamp(since).isoformat()}"


def acknowledged(access: Access, keys: list[str]) -> dict[str, Acknowledgement]:
    """Who acknowledged which of these alerts, when: the store's record, whichever wall it came from."""
    return access.store.acknowledged(keys) if keys else {}


def acknowledgement_record(found: Acknowledgement) -> dict:
    """One acknowledgement as the browser keeps it: {"by", "at" (ISO text)}."""
    at, by = found
    return {"by": by, "at": at.isoformat(timespec="seconds")}


def acknowledgement_data(found: dict[str, Acknowledgement]) -> dict[str, dict]:
    return {key: acknowledgement_record(acknowledgement) for key, acknowledgement in found.items()}


def acknowledge_alerts(access: Access, db: Database, principal: Principal, keys: list[str],
                       params: dict[str, str]) -> dict[str, Acknowledgement]:
    """Record `principal`'s acknowledgement of each alert of a zone its wall's scope holds; audit every one.

    A key naming a zone outside the scope (a crafted request, a wall whose
    area was narrowed) or a moment still to come is refused and audited, never
    written. Returns the store's acknowledgements of the keys, the earlier
    ones of other walls included.
    """
    scope = requested_scope.resolve(db, params).scope
    zones = crowd.zone_load(db, scope).set_index("zone_id")
    now = db.settings.now()
    for key in keys:
        zone_id, _, since_text = key.partition("|")
        if zone_id not in zones.index or not _past(since_text, now):
            access.audit("acknowledge", "refused", principal, area_code=scope.area_code,
                         detail={"alert": key, "zone": zone_id, "reason": "not an alert of this wall's scope"})
            continue
        area_code = str(zones.at[zone_id, "area_code"])
        first = access.store.acknowledge(key, area_code, principal.shown_name)
        access.audit("acknowledge", "ok", principal, area_code=area_code,
                     detail={"alert": key, "zone": zone_id, "zone_name": str(zones.at[zone_id, "name"]),
                             "first": first})
    return acknowledged(access, keys)


def _past(moment_text: str, now: datetime) -> bool:
    """The key's moment is a real one, not after now (its shape, inputs.ALERT_KEY, may still hold month 13)."""
    try:
        return datetime.fromisoformat(moment_text) <= now
    except ValueError:
        return False


def register(app: dash.Dash, db: Database, access: Access) -> None:
    @app.callback(Output(ids.WALL_ACKNOWLEDGED, "data"), Input(ids.WALL_ACK_SENT, "data"),
                  State(ids.URL, "search"), prevent_initial_call=True)
    def acknowledge(sent, search):
        # The shape is checked before Dash runs this (inputs.ALERT_KEY); a list item may still be null.
        keys = list(dict.fromkeys(key for key in (sent or {}).get("keys") or [] if key is not None))
        found = acknowledge_alerts(access, db, current_principal(), keys, query_params(search))
        return acknowledgement_data(found)
