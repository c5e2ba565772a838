"""The views of DESIGN.md and the paths they live at.

Routing is explicit (a `dcc.Location` and one router callback) rather than
Dash's `use_pages`: `use_pages` keeps a process-wide page registry filled at
import time, while OneScreen builds its app in `create_app` (several apps in
one test run, one per database) and every view needs the `Database` handed
to it there. A view is a path, its catalogue name (nav.<name>) and a layout
function of the language and theme.
"""
from __future__ import annotations

from functools import partial
from typing import Callable, NamedTuple

from pages import next_release, overview


class View(NamedTuple):
    path: str
    name: str
    layout: Callable


VIEWS = (
    View("/", "overview", overview.layout),
    *(
        View(f"/{name}", name, partial(next_release.layout, name))
        for name in ("wall", "crowd", "tickets", "workers", "closure", "funds")
    ),
)


def view_at(path: str) -> View | None:
    return next((view for view in VIEWS if view.path == path), None)
