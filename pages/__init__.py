"""The views of DESIGN.md and the paths they live at.

Routing is explicit (a `dcc.Location` and one router callback) rather than
Dash's `use_pages`: `use_pages` keeps a process-wide page registry filled at
import time, while OneScreen builds its app in `create_app` (several apps in
one test run, one per database) and every view needs the `Database` handed
to it there. A view is a path, its catalogue name (nav.<name>), a layout
function of the language and theme, and whether the filter bar (period,
source, category, department) applies to what it shows.
"""
from __future__ import annotations

from typing import Callable, NamedTuple

from pages import closure, crowd, funds, overview, tickets, wall, workers


class View(NamedTuple):
    path: str
    name: str
    layout: Callable
    filtered: bool


# Crowd, workers and funds show the moment (a snapshot, today, the year to date): a period or a ticket
# filter would change nothing on them, so they get no bar that seems to. The wall is never touched:
# it shows the scope its URL was set up with.
VIEWS = (
    View("/", "overview", overview.layout, filtered=True),
    View("/wall", "wall", wall.layout, filtered=False),
    View("/crowd", "crowd", crowd.layout, filtered=False),
    View("/tickets", "tickets", tickets.layout, filtered=True),
    View("/workers", "workers", workers.layout, filtered=False),
    View("/closure", "closure", closure.layout, filtered=True),
    View("/funds", "funds", funds.layout, filtered=False),
)


def view_at(path: str) -> View | None:
    return next((view for view in VIEWS if view.path == path), None)
