"""Area scope and the guard, through every door: a street leader sees their street and nothing of the next one.

The city is small and split in two halves that share nothing:

    R 测试市 ├── R01 甲区 └── R01001 甲一街道   tickets TK-NORTH-*, worker WK-NORTH (赵北), zone ZN-NORTH 北广场,
             │                                account AC-NORTH
             └── R02 乙区 └── R02001 乙一街道   tickets TK-SOUTH-*, worker WK-SOUTH (钱南), zone ZN-SOUTH 南广场,
                                              account AC-SOUTH

Everything of the south half (ids, names, and the names of 乙区 and 乙一街道,
which lie beside a leader of 甲一街道, not above) is FORBIDDEN to that leader:
no answer of a callback, the API or an export may contain any of it. The
doors are the URL, a hand-made callback payload, the API, every export route
and the result cache; each test runs on the three operational dialects.
"""
from __future__ import annotations

import io
import json
import zipfile
from datetime import datetime, timedelta

import pytest
from plotly.utils import PlotlyJSONEncoder
from pypdf import PdfWriter

from access.guard import DEVICE_COOKIE
from access.service import Access
from access.store import AccessStore
from api.exports import FORMATS
from api.openapi import EXPORT_TABLES
from app import create_app
from callbacks import inputs
from components import ids
from exports.panels import VIEWS as EXPORT_VIEWS
from exports.routes import IMAGE_TYPES, REPORT_FORMATS
from i18n import t
from tests.support import (access_of, api_token, create_contract, fresh_database_url, insert_rows, settings_for,
                           signed_in)
from tests.test_callback_fuzz import browser_request

NOW = datetime(2026, 11, 20, 12, 0)  # settings_for freezes the clock here
STREET, OTHER_STREET = "R01001", "R02001"


def _ticket(ticket_id, area, status, days_ago, *, closed_days_ago=None):
    return {"ticket_id": ticket_id, "source": "hotline_12345", "area_code": area, "status": status,
            "title": f"{ticket_id} 路面破损", "reported_at": NOW - timedelta(days=days_ago),
            "closed_at": None if closed_days_ago is None else NOW - timedelta(days=closed_days_ago),
            "due_at": NOW - timedelta(days=days_ago - 1), "rework_count": 0, "reporter_phone": "13812345678"}


def _half(side: str, street: str, worker_name: str, zone_name: str, item: str) -> dict:
    """One half of the city: two closed tickets and one overdue, a worker who pinged, a crowd zone, an account."""
    return {
        "ticket": [_ticket(f"TK-{side}-1", street, "closed", 3, closed_days_ago=2),
                   _ticket(f"TK-{side}-2", street, "closed", 5, closed_days_ago=4),
                   _ticket(f"TK-{side}-3", street, "accepted", 6)],
        "grid_worker": [{"worker_id": f"WK-{side}", "name": worker_name, "role": "full_time", "area_code": street,
                         "active": True, "phone": "13912345678"}],
        "worker_position": [{"worker_id": f"WK-{side}", "recorded_at": NOW - timedelta(minutes=2),
                             "lat": 31.1, "lon": 120.1}],
        "crowd_zone": [{"zone_id": f"ZN-{side}", "name": zone_name, "area_code": street, "capacity": 10}],
        "crowd_reading": [{"recorded_at": NOW - timedelta(minutes=1), "lat": 31.1, "lon": 120.1, "people": 25,
                           "zone_id": f"ZN-{side}"}],
        "fund_account": [{"account_id": f"AC-{side}", "area_code": street, "year": 2026, "budget": 10000}],
        "fund_expense": [{"expense_id": f"EX-{side}", "account_id": f"AC-{side}", "item": item, "kind": "repair",
                          "amount": 2500, "spent_at": datetime(2026, 11, 1), "approval": "approved"}],
    }


AREAS = [
    {"area_code": "R", "parent_code": None, "level": "city", "name": "测试市"},
    {"area_code": "R01", "parent_code": "R", "level": "district", "name": "甲区"},
    {"area_code": "R02", "parent_code": "R", "level": "district", "name": "乙区"},
    {"area_code": STREET, "parent_code": "R01", "level": "street", "name": "甲一街道"},
    {"area_code": OTHER_STREET, "parent_code": "R02", "level": "street", "name": "乙一街道"},
]
NORTH = _half("NORTH", STREET, "赵北北", "北广场", "北门修路")
SOUTH = _half("SOUTH", OTHER_STREET, "钱南南", "南广场", "南门修桥")
FORBIDDEN = ("TK-SOUTH", "WK-SOUTH", "钱南", "ZN-SOUTH", "南广场", "AC-SOUTH", "EX-SOUTH", "南门修桥", "乙区", "乙一街道")
# The rows of both halves (area names are reference data, not rows: a user with no area still reads the city's).
EVERY_ROW = ("TK-NORTH", "WK-NORTH", "赵北", "ZN-NORTH", "北广场", "AC-NORTH", "EX-NORTH", "北门修路", *FORBIDDEN[:-2])
# What a principal with no area must not see even as an empty row: the districts below the city.
DISTRICT_NAMES = ("甲区", "乙区", "甲一街道", "乙一街道")
NOTICE_OUTPUTS = {value for name, value in vars(ids).items() if name.endswith("_NOTICES") and name != "WALL_SETUP_NOTICES"}


class RecordingRenderer:
    """Stands in for Chromium: an image is the figure's JSON, so a test reads what a chart would have shown."""

    def __init__(self):
        self.drawn: list[str] = []

    def render(self, figure, fmt, width, height, scale=1) -> bytes:
        self.drawn.append(json.dumps(figure.to_plotly_json(), cls=PlotlyJSONEncoder, ensure_ascii=False))
        return self.drawn[-1].encode()

    def render_all(self, figures, fmt, scale=1) -> list[bytes]:
        return [self.render(figure, fmt, width, height, scale) and _blank_pdf() for figure, width, height in figures]

    def close(self) -> None:
        pass


def _blank_pdf() -> bytes:
    writer = PdfWriter()
    writer.add_blank_page(width=100, height=100)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


@pytest.fixture
def city_url(dialect, tmp_path, request) -> str:
    # A database per test: an app keeps its pool open to the end of the run, so a shared name could not be dropped.
    name = "i10_doors_" + request.node.originalname.removeprefix("test_")[:40]
    url = fresh_database_url(dialect, name, tmp_path)
    create_contract(url)
    rows = {"area": AREAS}
    for half in (NORTH, SOUTH):
        for table, table_rows in half.items():
            rows.setdefault(table, []).extend(table_rows)
    insert_rows(url, rows)
    return url


@pytest.fixture
def renderer() -> RecordingRenderer:
    return RecordingRenderer()


@pytest.fixture
def app(city_url, renderer):
    return create_app(settings_for(city_url), renderer=renderer)


def leaked(text: str, forbidden=FORBIDDEN) -> list[str]:
    return [word for word in forbidden if word in text]


def every_callback(client, app, search: str, **values) -> dict[str, tuple[int, str]]:
    """{output: (status, answer text)} of every server callback as a browser on `search` would ask it;
    `values` set other inputs by (component id, property) written as "component.property"."""
    answers = {}
    for output, callback in inputs.server_callbacks(app).items():
        body = browser_request(output, callback)
        for item in body["inputs"] + body.get("state", []):
            if (item["id"], item["property"]) == (ids.URL, "search"):
                item["value"] = search
            item["value"] = values.get(f"{item['id']}.{item['property']}", item["value"])
        response = client.post("/_dash-update-component", json=body)
        answers[output] = (response.status_code, readable(response))
    return answers


def readable(response) -> str:
    """A response's text with JSON's \\u escapes undone, so a Chinese name is found where it is."""
    if response.is_json:
        return json.dumps(response.get_json(), ensure_ascii=False)
    return response.get_data(as_text=True)


def without_notices(answer_text: str) -> dict:
    answer = json.loads(answer_text)["response"]
    return {component: value for component, value in answer.items() if component not in NOTICE_OUTPUTS}


def notices_of(answers: dict) -> dict[str, str]:
    """{output: its notices' text} of the answers that have a notices output (the views' refreshes)."""
    found = {}
    for output, (status, text) in answers.items():
        if status == 200:
            answer = json.loads(text)["response"]
            for component in NOTICE_OUTPUTS & set(answer):
                found[output] = json.dumps(answer[component], ensure_ascii=False)
    return found


REFUSED = t("access.area_refused", "zh", code=OTHER_STREET, fallback="甲一街道")


# --- A street leader -----------------------------------------------------------------------------


def test_street_leader_cannot_see_other_street(app, renderer):
    leader = signed_in(app, role="leader", areas=(STREET,))
    own = every_callback(leader, app, f"?area={STREET}")
    assert all(status in (200, 204) for status, _ in own.values()), own
    # Their own street's things are there (so the checks below can fail), and nothing of the other's.
    assert {"TK-NORTH", "北广场", "甲一街道"} <= {word for word in EVERY_ROW + ("甲一街道",)
                                          if word in "".join(text for _, text in own.values())}
    assert not leaked("".join(text for _, text in own.values()))

    # (a) The URL: every view's refresh says it refused the area and shows the leader's street, to the number.
    for search in (f"?area={OTHER_STREET}", "?area=R", "?area=R02"):
        refused = every_callback(leader, app, search)
        for output, (status, text) in refused.items():
            assert status in (200, 204), (search, output, status)
            assert not leaked(text), (search, output, leaked(text))
        refreshes = notices_of(refused)
        assert len(refreshes) >= 7, refreshes.keys()  # every view's refresh, the wall's included
        code = search.split("=")[1]
        for output, notice in refreshes.items():
            assert t("access.area_refused", "zh", code=code, fallback="甲一街道") in notice, (search, output)
            assert without_notices(refused[output][1]) == without_notices(own[output][1]), (search, output)
    # An empty area is no area: the leader's own street.
    empty = every_callback(leader, app, "?area=")
    for output, (status, text) in empty.items():
        assert status in (200, 204) and not leaked(text), (output, leaked(text))
    for output in notices_of(empty):
        assert without_notices(empty[output][1]) == without_notices(own[output][1]), output

    # (b) Hand-made payloads: a drill to the other street, a map click on it, a worker of it.
    clicks = {
        f"{ids.AREA_CHART}.clickData": {"points": [{"customdata": [OTHER_STREET, "乙一街道", "1"]}]},
        f"{ids.TICKETS_BY_AREA}.clickData": {"points": [{"customdata": [OTHER_STREET]}]},
        f"{ids.WORKERS_BY_AREA}.clickData": {"points": [{"y": OTHER_STREET}]},
        f"{ids.WORKERS_POSITIONS}.clickData": {"properties": {"code": OTHER_STREET}},
        f"{ids.WORKERS_PICKER}.value": "WK-SOUTH",
    }
    map_click = {"properties": {"code": OTHER_STREET, "name": "乙一街道"}}
    for search in ("", f"?area={STREET}", "?area=R", "?area=R02", f"?area={OTHER_STREET}", "?area="):
        crafted = every_callback(leader, app, search, **clicks)
        map_clicks = {key: (status, text) for key, (status, text) in every_callback(
            leader, app, search, **{f"{component}.clickData": map_click for component, prop in
                                    _map_layers(app)}).items()}
        for output, (status, text) in {**crafted, **map_clicks}.items():
            assert status in (200, 204), (search, output, status)
            assert not leaked(text), (search, output, leaked(text))
            if status == 200 and OTHER_STREET not in search:  # a click never takes the URL there
                assert OTHER_STREET not in json.loads(text)["response"].get(ids.URL, {}).get("search", ""), output

    # (c) The API, as an analyst of the same street: 403 naming the area, and the street's own numbers by default.
    script = _bearer(app, role="analyst", areas=(STREET,))
    for route in ("/api/v1/kpis", "/api/v1/breakdown", "/api/v1/backlog"):
        for area in (OTHER_STREET, "R", "R02"):
            response = script.get(f"{route}?area={area}")
            assert response.status_code == 403, (route, area)
            assert response.is_json and response.get_json()["error"]["param"] == "area"
            assert repr(area) in response.get_json()["error"]["message"]
        # No area (or an empty one) is the principal's own, as on the screens.
        default, empty, asked = script.get(route), script.get(f"{route}?area="), script.get(f"{route}?area={STREET}")
        assert default.status_code == 200 and default.get_json() == empty.get_json() == asked.get_json()
        assert default.get_json()["area"] == STREET and not leaked(readable(default))
    assert script.get("/api/v1/kpis").get_json()["reported"] == 3

    # (d) Every export route: 403 for the other street, and no row of it in the file of the default area.
    for url in export_urls(app):
        for area in (OTHER_STREET, "R"):
            refused = script.get(f"{url}?area={area}")
            assert refused.status_code == 403 and refused.is_json, (url, area, refused.status_code)
        response, text = exported(script, url, renderer)
        assert response.status_code == 200, (url, response.status_code, text[:300])
        assert not leaked(text), (url, leaked(text))

    # (e) The cache: the city's answers, computed first for an admin, are not what the leader gets.
    admin = signed_in(app, role="admin", areas=("*",))
    city_answers = every_callback(admin, app, "")
    assert leaked("".join(text for _, text in city_answers.values()))  # the admin does see the south
    city_api = _bearer(app, role="admin", areas=("*",))
    assert city_api.get("/api/v1/kpis").get_json()["reported"] == 6
    for output, (status, text) in every_callback(leader, app, "").items():
        assert not leaked(text), (output, leaked(text))
    for output, (status, text) in every_callback(leader, app, "?area=R").items():
        assert not leaked(text), (output, leaked(text))
    assert script.get("/api/v1/kpis").get_json()["reported"] == 3
    assert script.get("/export/backlog.csv").status_code == 200
    assert not leaked(script.get("/export/backlog.csv").get_data(as_text=True))


def test_unassigned_user_sees_nothing(app, renderer):
    nobody = signed_in(app, role="analyst", areas=())
    answers = every_callback(nobody, app, "")
    for output, (status, text) in answers.items():
        assert status in (200, 204), output
        assert not leaked(text, EVERY_ROW), (output, leaked(text, EVERY_ROW))
        # Not even as empty rows of a league or chart: the city's districts are below no area of theirs.
        assert not leaked(text, DISTRICT_NAMES), (output, leaked(text, DISTRICT_NAMES))
    refreshes = notices_of(answers)
    assert len(refreshes) >= 7
    assert all(t("access.no_area", "zh") in notice for notice in refreshes.values()), refreshes
    tiles = json.loads(answers[_output_of(app, ids.OVERVIEW_HEADER)][1])["response"][ids.KPI_TILES]["children"]
    assert '"reported"' in json.dumps(tiles) and _tile_value(tiles, "reported") == "0"

    script = _bearer(app, role="analyst", areas=())
    kpis = script.get("/api/v1/kpis").get_json()
    assert kpis["reported"] == 0 and kpis["backlog"] == 0
    assert not any(value for name, value in kpis.items() if isinstance(value, (int, float)) and name != "area")
    for route in ("/api/v1/breakdown?by=area", "/api/v1/breakdown?by=source", "/api/v1/backlog?by=age"):
        rows = script.get(route).get_json()["rows"]
        assert not any(isinstance(v, (int, float)) and v for row in rows for v in row.values()), (route, rows)
    for url in export_urls(app):
        response, text = exported(script, url, renderer)
        assert response.status_code == 200, url
        assert not leaked(text, EVERY_ROW), (url, leaked(text, EVERY_ROW))
        assert not leaked(text, DISTRICT_NAMES), (url, leaked(text, DISTRICT_NAMES))


def test_viewer_cannot_drill_below_their_area(app):
    viewer = signed_in(app, role="viewer", areas=("R01",))
    own = every_callback(viewer, app, "")
    below = every_callback(viewer, app, f"?area={STREET}")
    for output, notice in notices_of(below).items():
        assert t("access.area_refused", "zh", code=STREET, fallback="甲区") in notice, output
        assert without_notices(below[output][1]) == without_notices(own[output][1]), output
    # Clicking the street (a child of the district on screen) does not take the viewer there.
    clicked = every_callback(viewer, app, "", **{
        f"{ids.AREA_CHART}.clickData": {"points": [{"customdata": [STREET]}]},
        f"{ids.TICKETS_BY_AREA}.clickData": {"points": [{"customdata": [STREET]}]},
        f"{ids.WORKERS_BY_AREA}.clickData": {"points": [{"y": STREET}]},
        **{f"{component}.clickData": {"properties": {"code": STREET}} for component, _ in _map_layers(app)},
    })
    for output, (status, text) in clicked.items():
        if status == 200 and ids.URL in json.loads(text)["response"]:
            assert STREET not in json.loads(text)["response"][ids.URL].get("search", ""), output
    # A viewer has no API and no exports at all.
    assert viewer.get("/api/v1/kpis").status_code == 403
    assert viewer.get("/export/kpis.csv").status_code == 403


# --- Wall devices, sessions, tokens ----------------------------------------------------------------


def _paired_wall(app, area: str = STREET):
    store = access_of(app).store
    device_id, code = store.register_device("wall-1", area, ("overview", "crowd"), 30, "admin")
    _device, credential = store.pair_device(code)
    wall = app.server.test_client()
    wall.set_cookie(DEVICE_COOKIE, credential)
    return device_id, wall


def test_wall_device_cannot_export(app):
    _, wall = _paired_wall(app)
    assert wall.get("/wall").status_code == 200
    assert wall.get("/tickets").status_code == 403
    for url in ["/api/v1/kpis", "/api/v1/breakdown", "/api/v1/openapi.json", *export_urls(app)]:
        response = wall.get(url)
        assert response.status_code == 403 and response.is_json, url
    # Not even with a token's header on top of the cookie: a header that is no token is no principal.
    assert wall.get("/export/kpis.csv", headers={"Authorization": "Bearer nothing"}).status_code == 401


def test_revoked_device_gets_401_on_its_next_refresh(app):
    device_id, wall = _paired_wall(app)
    output = _output_of(app, ids.WALL_TITLE)
    body = browser_request(output, inputs.server_callbacks(app)[output])
    first = wall.post("/_dash-update-component", json=body)
    assert first.status_code == 200 and "甲一街道" in readable(first)
    assert not leaked(readable(first))
    assert access_of(app).store.revoke_device(device_id)
    again = wall.post("/_dash-update-component", json=body)
    assert again.status_code == 401 and again.is_json
    assert wall.get("/wall").status_code == 302


def test_expired_session_is_refused(city_url):
    clock = [NOW]
    settings = settings_for(city_url, session_idle_minutes=30, session_absolute_hours=8)
    store = AccessStore("sqlite://", clock=lambda: clock[0])
    app = create_app(settings, renderer=RecordingRenderer(), access=Access(settings, store=store))
    client = signed_in(app, role="leader", areas=(STREET,))
    assert client.get("/api/v1/kpis").status_code == 403  # a leader: in, but not to the API
    assert client.get("/").status_code == 200

    clock[0] += timedelta(minutes=29)
    assert client.get("/").status_code == 200  # and the idle time starts again
    clock[0] += timedelta(minutes=31)
    assert client.get("/").status_code == 302, "idle for 31 minutes"
    assert client.post("/_dash-update-component", json={}).status_code == 401

    client = signed_in(app, role="leader", areas=(STREET,))
    for _ in range(8 * 2):  # busy all day, never idle for long
        clock[0] += timedelta(minutes=29)
        assert client.get("/").status_code == 200
    clock[0] += timedelta(minutes=29)
    assert client.get("/").status_code == 302, "past the absolute limit of 8 hours"


def test_token_is_bound_to_its_users_areas(app):
    store = access_of(app).store
    user_id = store.create_user("analyst-north", "analyst", "analyst", (STREET,))
    _, token = store.create_token(user_id, "script")
    script = _bearer_of(app, token)
    assert script.get("/api/v1/kpis").get_json()["area"] == STREET
    assert script.get(f"/api/v1/kpis?area={OTHER_STREET}").status_code == 403
    # The token carries no areas of its own: it is the user's, as the user is now.
    store.update_user(user_id, areas=(OTHER_STREET,))
    assert script.get("/api/v1/kpis").get_json()["area"] == OTHER_STREET
    assert script.get(f"/api/v1/kpis?area={STREET}").status_code == 403
    store.update_user(user_id, role="leader")
    assert script.get("/api/v1/kpis").status_code == 403  # a leader has no API
    store.update_user(user_id, role="analyst", active=False)
    assert script.get("/api/v1/kpis").status_code == 401
    # A token opens the API and exports only, never a page or a callback.
    store.update_user(user_id, active=True)
    assert script.get("/").status_code == 302
    assert script.post("/_dash-update-component", json={}).status_code == 401


# --- Helpers ----------------------------------------------------------------------------------------


def export_urls(app) -> list[str]:
    """A URL for every file every export rule serves: tables x formats, views' cards x files, views' reports."""
    rules = sorted(rule.rule for rule in app.server.url_map.iter_rules() if rule.rule.startswith("/export/"))
    assert rules == ["/export/<file_name>", "/export/<view>/<file_name>"], "an export route this test does not know"
    urls = [f"/export/{table}.{ext}" for table in EXPORT_TABLES for ext in FORMATS]
    urls += [f"/export/{view}.{ext}" for view in EXPORT_VIEWS for ext in REPORT_FORMATS]
    urls += [f"/export/{view}/{panel.name}.{ext}" for view, exported in EXPORT_VIEWS.items()
             for panel in exported.panels for ext in (*IMAGE_TYPES, *FORMATS)]
    return urls


def exported(client, url: str, renderer: RecordingRenderer):
    """(the response, what its file says), a test to search: CSV and the recording renderer's images as text,
    an XLSX as all the XML it is made of (every sheet, every shared string), a PDF report as the renderer's
    drawings of its pages."""
    renderer.drawn.clear()
    response = client.get(url)
    if response.status_code != 200:
        return response, readable(response)
    content = response.data
    if url.endswith(".xlsx"):
        book = zipfile.ZipFile(io.BytesIO(content))
        return response, "\n".join(book.read(name).decode() for name in book.namelist() if name.endswith(".xml"))
    if url.endswith(".pdf") and content.startswith(b"%PDF"):
        return response, "\n".join(renderer.drawn)
    return response, content.decode("utf-8-sig")


def _map_layers(app) -> list[tuple[str, str]]:
    """The (component, property) of every area map layer's click a drill-down callback listens to."""
    return sorted({(component, prop) for callback in inputs.server_callbacks(app).values()
                   for component, prop in callback.inputs if prop == "clickData" and "map" in component})


def _output_of(app, component: str) -> str:
    return next(key for key in inputs.server_callbacks(app) if key.strip(".").startswith(f"{component}."))


def _tile_value(tiles, indicator: str) -> str:
    for row in tiles:
        for tile in row["props"]["children"]:
            if tile["props"].get("data-indicator") == indicator:
                return tile["props"]["children"][1]["props"]["children"]
    raise AssertionError(f"no tile {indicator}")


class _Bearer:
    """A script's client: every request carries its token."""

    def __init__(self, client, token: str):
        self.client, self.headers = client, {"Authorization": f"Bearer {token}"}

    def get(self, url, **kwargs):
        return self.client.get(url, headers=self.headers, **kwargs)

    def post(self, url, **kwargs):
        return self.client.post(url, headers=self.headers, **kwargs)


def _bearer_of(app, token: str) -> _Bearer:
    return _Bearer(app.server.test_client(), token)


def _bearer(app, *, role: str, areas: tuple[str, ...]) -> _Bearer:
    return _bearer_of(app, api_token(app, role=role, areas=areas))


def test_the_areas_above_a_leaders_own_are_named_but_lead_nowhere(app):
    leader = signed_in(app, role="leader", areas=(STREET,))
    header = every_callback(leader, app, "")[_output_of(app, ids.TICKETS_HEADER)][1]
    assert "测试市" in header and "甲区" in header and "甲一街道" in header
    # The street is the leader's own (shown, not linked); the district and the city above it are names only.
    assert header.count('"crumbs__above"') == 2 and '"crumbs__link"' not in header
