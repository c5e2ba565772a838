"""The views of DESIGN.md and the paths they live at.

Routing is explicit (a `dcc.Location` and one router callback) rather than
Dash's `use_pages`: `use_pages` keeps a process-wide page registry filled at
import time, while OneScreen builds its app in `create_app` (several apps in
one test run, one per database) and every view needs the `Database` handed
to it there. A view is a path, its catalogue name (nav.<name>) and a layout
function of the language and theme.
"""
from __future__ import annotations

from typing import Callable, NamedTuple

from pages import closure, crowd, funds, overview, tickets, wall, workers


class View(NamedTuple):
    path: str
    name: str
    layout: Callable


VIEWS = (
    View("/", "overview", overview.layout),
    View("/wall", "wall", wall.layout),
    View("/crowd", "crowd", crowd.layout),
    View("/tickets", "tickets", tickets.layout),
    View("/workers", "workers", workers.layout),
    View("/closure", "closure", closure.layout),
    View("/funds", "funds", funds.layout),
)


def view_at(path: str) -> View | None:
    return next((view for view in VIEWS if view.path == path), None)
