"""Personal data by role: phones, worker names and ids, and a worker's track, whole only with `personal_data`.

The city is tests/test_area_map.py's MAP_CITY (workers W1 张三, W2 欧阳娜娜,
W3 李四), with two open tickets whose reporters left a phone: T2 overdue
(13800000000), T5 due within the day (13912345678). Each door is asked the
same question twice, by a principal without and one with the flag.
"""
from __future__ import annotations

import json
from dataclasses import replace
from datetime import datetime

import pytest

from access.area_scope import narrow
from access.store import Device
from app import create_app
from callbacks.workers import worker_track
from components import ids
from data_access import ticket_lists, workers
from data_access.database import Database
from data_access.masking import PersonalDataRequired
from tests.support import (access_of, acting_as, create_contract, fresh_database_url, insert_rows, principal_with,
                           read_only_database, settings_for, signed_in)
from tests.test_app_shell import call_callback, output_key
from tests.test_area_map import MAP_CITY, NOW, scope, ticket

D = datetime
# Every row names reporter_phone (None: none left), as one INSERT takes its columns from the first row.
REPORTERS = {"T2": "13800000000", "T5": "13912345678"}
CITY = {
    **MAP_CITY,
    "ticket": [
        {**row, "reporter_phone": REPORTERS.get(row["ticket_id"])}
        for row in (*MAP_CITY["ticket"], ticket("T5", "R02001", "accepted", D(2026, 11, 19), due=D(2026, 11, 21, 6)))
    ],
}
PHONES = {"whole": ("13800000000", "13912345678"), "masked": ("138****0000", "139****5678")}
NAMES = ("张三", "欧阳娜娜", "李四")
SEARCH = "?area=R&as_of=2026-11-20T12:00:00"
SCOPE = SEARCH[1:]


def city_url(dialect: str, tmp_path, name: str) -> str:
    """The city in a database of its own per test: an app's pool (which a test cannot reach to close) never
    holds a connection to a database the next test drops."""
    url = fresh_database_url(dialect, f"i10_personal_{name}", tmp_path)
    create_contract(url)
    insert_rows(url, CITY)
    return url


def app_on(dialect: str, tmp_path, name: str):
    return create_app(settings_for(city_url(dialect, tmp_path, name)))


def text_of(response) -> str:
    assert response.status_code == 200, response.get_data(as_text=True)[:300]
    return json.dumps(response.get_json(), ensure_ascii=False) if response.is_json else \
        response.get_data().decode("utf-8-sig")


def shows(text: str, flag: bool) -> None:
    """`text` holds the phones whole (flag) or only masked (no flag), never both."""
    whole, masked = (PHONES["whole"], PHONES["masked"]) if flag else (PHONES["masked"], PHONES["whole"])
    assert all(phone in text for phone in whole), text[:500]
    assert not any(phone in text for phone in masked), text[:500]


def bearer_client(app, *, personal_data: bool):
    """An analyst's script: a token of a user with or without the flag, sent as Authorization: Bearer."""
    store = access_of(app).store
    user_id = store.create_user(f"script-{personal_data}", "script", "analyst", ("*",), personal_data=personal_data)
    token = store.create_token(user_id, "tests")[1]
    client = app.server.test_client()
    client.environ_base["HTTP_AUTHORIZATION"] = f"Bearer {token}"
    return client


def tickets_rows(client, app) -> str:
    answer = call_callback(client, app, output_key(app, ids.TICKETS_HEADER), {(ids.TICKETS_REFRESH, "n_intervals"): 1},
                           {(ids.URL, "search"): SEARCH})
    response = text_of(answer)
    grids = json.loads(response)["response"]
    return json.dumps([grids[ids.TICKETS_OVERDUE_GRID], grids[ids.TICKETS_NEAR_OVERDUE_GRID]], ensure_ascii=False)


def positions(client, app) -> list[dict]:
    answer = call_callback(client, app, output_key(app, ids.WORKERS_HEADER), {(ids.WORKERS_REFRESH, "n_intervals"): 1},
                           {(ids.URL, "search"): SEARCH, (ids.WORKERS_MAP_LOADED, "data"): None})
    response = json.loads(text_of(answer))["response"]
    return [feature["properties"] for feature in response[ids.WORKERS_POSITIONS]["data"]["features"]], response


def clicked_then_tracked(client, app, worker_id: str) -> tuple[object, str]:
    """A dot clicked with `worker_id` (as a crafted payload may say), then the track callback for the choice."""
    click_key = next(key for key in app.callback_map if f"{ids.WORKERS_PICKER}.value" in key)
    dot = {"properties": {"id": worker_id}}
    click = call_callback(client, app, click_key, {(ids.WORKERS_POSITIONS, "clickData"): dot},
                          {(ids.URL, "search"): SEARCH})
    chosen = json.loads(text_of(click))["response"][ids.WORKERS_PICKER]["value"]
    track = call_callback(client, app, output_key(app, ids.WORKERS_TRACK),
                          {(ids.WORKERS_PICKER, "value"): chosen, (ids.WORKERS_REFRESH, "n_intervals"): 1},
                          {(ids.URL, "search"): SEARCH})
    answer = json.loads(text_of(track))["response"]
    return answer[ids.WORKERS_TRACK]["children"], answer[ids.WORKERS_TRACK_INFO]["children"]


def test_personal_data_needs_the_flag(dialect, tmp_path):
    app = app_on(dialect, tmp_path, "flag")
    for flag in (False, True):
        client = signed_in(app, role="analyst", personal_data=flag)
        # Exports: the ticket lists as tables, and the tickets view's cards of them.
        shows(text_of(client.get(f"/export/backlog.csv?{SCOPE}")), flag)
        lists = "".join(text_of(client.get(f"{path}?{SCOPE}")) for path in (
            "/export/overdue.csv", "/export/near-overdue.csv", "/export/tickets/overdue.csv",
            "/export/tickets/near-overdue.csv"))
        shows(lists, flag)
        # The API's door (a script's token): the same lists, the same rule, from the token's user.
        shows(text_of(bearer_client(app, personal_data=flag).get(f"/export/backlog.csv?{SCOPE}")), flag)
        # Screens: the tickets view's grids.
        shows(tickets_rows(client, app), flag)

        # The workers view: dots, picker, a clicked dot's track.
        dots, panels = positions(client, app)
        assert len(dots) == 3
        everything = json.dumps(panels, ensure_ascii=False)
        if flag:
            assert sorted(dot["n"] for dot in dots) == sorted(NAMES)
            assert sorted(dot["id"] for dot in dots) == ["W1", "W2", "W3"]
            assert [o["value"] for o in panels[ids.WORKERS_PICKER]["options"]] == ["W1", "W2", "W3"]
        else:
            assert all(set(dot) == {"s", "p"} for dot in dots)  # a state and a time: a position without identity
            assert not any(who in everything for who in (*NAMES, "张*", "W1", "W2", "W3"))
            assert panels[ids.WORKERS_PICKER] == {"options": [], "placeholder": "查看个人轨迹需要“个人信息”权限",
                                                  "disabled": True}
        layers, info = clicked_then_tracked(client, app, "W1")
        if flag:
            assert info == "张三（W1）· 专职 · 今日定位 2 次 · 2026-11-20 09:00:00 – 2026-11-20 11:58:00"
            assert layers and "31.02" in json.dumps(layers)
        else:
            assert layers == [] and info == "查看个人轨迹需要“个人信息”权限，请联系管理员。"


def test_masked_and_unmasked_answers_never_share_a_cache_entry(dialect, tmp_path):
    app = app_on(dialect, tmp_path, "cache")
    identified, anonymous = signed_in(app, personal_data=True), signed_in(app, personal_data=False)
    shows(tickets_rows(identified, app), True)
    assert sorted(dot.get("n") for dot in positions(identified, app)[0]) == sorted(NAMES)
    # The same scope, the same app and cache, asked second by a principal without the flag.
    shows(tickets_rows(anonymous, app), False)
    assert all(set(dot) == {"s", "p"} for dot in positions(anonymous, app)[0])


def test_masked_and_unmasked_answers_have_different_cache_keys():
    plain = scope()
    assert plain.cache_key() != replace(plain, personal_data=True).cache_key()


def test_worker_track_needs_the_flag(dialect, tmp_path):
    db: Database = read_only_database(city_url(dialect, tmp_path, "track"))
    try:
        anonymous, identified = scope(), replace(scope(), personal_data=True)
        for question in (workers.patrol_track, workers.worker_in_scope):
            with pytest.raises(PersonalDataRequired):
                question(db, anonymous, "W1")
        # Asking about an id outside the scope is refused alike: no oracle for who is where.
        with pytest.raises(PersonalDataRequired):
            workers.worker_in_scope(db, anonymous.with_area("R02"), "W1")
        assert workers.patrol_track(db, identified, "W1")["recorded_at"].tolist() == \
            [D(2026, 11, 20, 9), D(2026, 11, 20, 11, 58)]
        assert workers.worker_in_scope(db, identified, "W1")["name"] == "张三"
        assert "name" not in workers.worker_roster(db, anonymous, 10)
        assert workers.worker_roster(db, identified, 10)["name"].tolist() == list(NAMES)

        # Through the view's wiring, as a principal without, with, and as a wall device (never the flag).
        device = Device(1, "wall-1", "R", ("workers",), 30, NOW, "admin", NOW, None, None, None).principal()
        assert narrow(device, scope()).personal_data is False
        for principal, shown in ((principal_with(personal_data=False), False), (device, False),
                                 (principal_with(personal_data=True), True)):
            with acting_as(principal):
                layers, info = worker_track(db, SEARCH, "W1")
                missing = worker_track(db, SEARCH, "W9")
            if shown:
                assert layers and info.startswith("张三（W1）")
                assert missing == ([], "网格员「W9」不在当前范围内，未显示轨迹")
            else:
                assert layers == [] and info == "查看个人轨迹需要“个人信息”权限，请联系管理员。"
                assert missing == ([], info)
    finally:
        db.engine.dispose()


def test_phones_are_whole_only_with_the_flag_in_data_access(dialect, tmp_path):
    db: Database = read_only_database(city_url(dialect, tmp_path, "phones"))
    try:
        for flag, expected in ((False, "138****0000"), (True, "13800000000")):
            asked = replace(scope(), personal_data=flag)
            assert ticket_lists.overdue_tickets(db, asked).rows["reporter_phone"].tolist() == [expected]
            chunks = ticket_lists.ticket_list_chunks(db, asked, "backlog", limit=10, chunk_size=1)
            phones = [phone for chunk in chunks for phone in chunk.rows["reporter_phone"].dropna()]
            assert sorted(phones) == sorted(PHONES["whole" if flag else "masked"])
    finally:
        db.engine.dispose()
