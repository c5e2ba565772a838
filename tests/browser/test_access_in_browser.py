"""Access in Chromium: a street leader's login, a paired wall nobody logs into, and a placard acknowledged for all.

The users and devices are made in the served app's own store (as an admin
page or `python -m access` would); everything else goes through the pages a
person or a wall's browser really uses: the login form, the pairing form,
the placard's button, the logout button.
"""
from __future__ import annotations

from sqlalchemy import create_engine, select

from data_access.contract import area, crowd_zone
from tests.browser.harness import log_in, screenshot, wait_until_shown
from tests.browser.test_wall_in_browser import REFRESH_S, TWO_REFRESHES_S, CrowdFeed

PASSWORD = "Gusu-2026-street!"
# A refresh whatever the phase of the wall's timer, and the time the page takes to leave for the pairing page.
ONE_REFRESH_AND_SLACK_MS = (REFRESH_S + 5) * 1000
# The shortest rotation a wall may be set to (pages/wall.ROTATE_S.low).
ROTATE_S = 10


def areas_of(url: str) -> dict[str, list[tuple[str, str]]]:
    """{level: [(area code, name), ...]} of the demo city, in code order."""
    engine = create_engine(url)
    with engine.connect() as conn:
        rows = conn.execute(select(area.c.level, area.c.area_code, area.c.name).order_by(area.c.area_code)).all()
    engine.dispose()
    found: dict[str, list[tuple[str, str]]] = {}
    for level, code, name in rows:
        found.setdefault(level, []).append((code, name))
    return found


def zone_area(url: str, zone_id: str) -> str:
    engine = create_engine(url)
    with engine.connect() as conn:
        code = conn.execute(select(crowd_zone.c.area_code).where(crowd_zone.c.zone_id == zone_id)).scalar_one()
    engine.dispose()
    return code


def pair_wall(served, page, area_code: str, views: tuple[str, ...], name: str) -> int:
    """Register a device in the store and pair `page`'s browser with it through the pairing form; its id."""
    device_id, code = served.access.store.register_device(name, area_code, views, ROTATE_S, created_by="test")
    page.goto(served.url("/login/device"))
    page.fill("input[name=code]", code)
    page.click("button[type=submit]")
    page.wait_for_url("**/wall?**")
    return device_id


def test_log_in_see_only_the_street_log_out(demo_app, demo_city, new_page):
    page, log = new_page()
    streets = areas_of(demo_city.url)["street"]
    (street, street_name), (other, _other_name) = streets[0], streets[1]
    store = demo_app.access.store
    user_id = store.create_user("leader-of-one-street", "街道负责人", "leader", (street,))
    store.set_password(user_id, PASSWORD)

    page.goto(demo_app.url("/"))
    page.wait_for_url("**/login?next=**")
    page.fill("input[name=username]", "leader-of-one-street")
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(demo_app.url("/"))
    wait_until_shown(page)
    assert page.locator(".scope__area").inner_text() == street_name
    assert "街道负责人（领导）" in page.locator(".identity__who").inner_text()  # the display name, with the role
    screenshot(page, "header-signed-in")

    page.goto(demo_app.url("/", f"area={other}"))
    wait_until_shown(page)
    notices = " ".join(page.locator(".notices").all_inner_texts())
    assert other in notices and street_name in notices, notices
    assert page.locator(".scope__area").inner_text() == street_name

    page.click(".identity__logout")
    page.wait_for_url("**/login?bye=1**")
    page.goto(demo_app.url("/"))
    page.wait_for_url("**/login?next=**")
    assert log.errors == []
    assert log.foreign_requests(demo_app.origin) == []


def test_paired_wall_rotates_with_no_one_logged_in(demo_app, demo_city, new_page):
    page, log = new_page()
    district = areas_of(demo_city.url)["district"][0][0]
    pair_wall(demo_app, page, district, ("overview", "crowd"), "rotating-wall")
    wait_until_shown(page, ".wall")
    assert [c["name"] for c in page.context.cookies()] == ["onescreen_device"], "a wall holds no person's session"
    assert page.get_attribute(".wall", "data-active") == "overview"
    page.wait_for_function("() => document.querySelector('.wall').dataset.active === 'crowd'",
                           timeout=(ROTATE_S + 5) * 1000)
    page.wait_for_function("() => document.querySelector('.wall').dataset.active === 'overview'",
                           timeout=(ROTATE_S + 5) * 1000)
    assert log.errors == []


def test_revoked_device_is_blank_within_one_refresh(demo_app, demo_city, new_page):
    page, log = new_page()
    district = areas_of(demo_city.url)["district"][0][0]
    device_id = pair_wall(demo_app, page, district, ("overview",), "wall-to-revoke")
    page.goto(f"{page.url}&refresh={REFRESH_S}")
    wait_until_shown(page, ".wall .kpi")

    assert demo_app.access.store.revoke_device(device_id)
    page.wait_for_url(demo_app.url("/login/device"), timeout=ONE_REFRESH_AND_SLACK_MS)
    assert page.locator(".wall").count() == 0 and page.locator("input[name=code]").count() == 1
    # The browser logs the refused callback request itself; nothing else may fail on the way out.
    assert all("status of 401" in error for error in log.errors), log.errors


def test_acknowledged_placard_shows_on_another_wall_and_in_the_audit(own_demo_city, serve_city, new_page):
    feed = CrowdFeed(own_demo_city.url)
    zone = feed.zones[0]
    feed.snapshot(surging=zone)
    served = serve_city(own_demo_city)
    zone_area_code = zone_area(own_demo_city.url, zone)
    store = served.access.store
    leader_id = store.create_user("duty-leader", "值班领导", "leader", (zone_area_code,))
    desk, desk_log = new_page()
    log_in(desk.context, store.open_session(leader_id)[0])
    wall, wall_log = new_page()
    pair_wall(served, wall, zone_area_code, ("crowd",), "second-wall")

    placard = f'.alert-placard[data-zone-id="{zone}"]'
    desk.goto(served.url("/wall", f"views=crowd&refresh={REFRESH_S}"))
    wall.goto(f"{wall.url}&refresh={REFRESH_S}")
    for page in (desk, wall):
        page.locator(placard).wait_for(timeout=(TWO_REFRESHES_S + 3) * 1000)

    desk.locator(f"{placard} .alert-placard__ack").click()
    desk.locator(placard).wait_for(state="detached", timeout=5000)
    feed.snapshot(surging=zone)  # the surge goes on: only the acknowledgement closes the other wall's placard
    wall.locator(placard).wait_for(state="detached", timeout=ONE_REFRESH_AND_SLACK_MS)
    assert "值班领导" in wall.locator(".wall-alerts").inner_text()

    [record] = [r for r in store.audit_events(action="acknowledge") if r.principal_name == "duty-leader"]
    assert (record.outcome, record.area_code, record.detail["zone"]) == ("ok", zone_area_code, zone)
    assert record.detail["alert"].startswith(f"{zone}|")
    # And an administrator reads it on the audit page.
    admin, admin_log = new_page()
    log_in(admin.context)
    admin.goto(served.url("/admin/audit", "action=acknowledge"))
    audit_text = admin.locator("main").inner_text()
    assert "duty-leader" in audit_text and zone in audit_text
    assert desk_log.errors == [] and wall_log.errors == [] and admin_log.errors == []
