"""Every view, opened in real Chromium on the demo city and on an empty database, as a wall or a leader would.

A view must draw without a single browser console error or uncaught
exception, and must not make the browser reach past the app's own origin
(command centres are offline: a CDN font, a public tile or plotly's cloud
would hang or leak there). Each page is kept as a 1920x1080 screenshot in
test-artifacts/screenshots/.
"""
from __future__ import annotations

import pytest

from tests.browser.harness import VIEW_PATHS, screenshot, wait_until_shown

DATABASES = ("demo_app", "empty_app")


@pytest.mark.parametrize("database", DATABASES)
@pytest.mark.parametrize("view", VIEW_PATHS)
def test_view_draws_without_errors_and_stays_on_its_own_origin(view, database, watched_page, request):
    served = request.getfixturevalue(database)
    page, log = watched_page
    page.goto(served.url(VIEW_PATHS[view]))
    wait_until_shown(page)
    screenshot(page, view if database == "demo_app" else f"{view}-empty")

    assert log.errors == []
    assert log.foreign_requests(served.origin) == []
    # The check above means something only if the page did load what it needs through the app.
    assert log.callback_requests(), "the page made no Dash callback request"
