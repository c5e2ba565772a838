"""The tickets view: not built yet, so it says so (next_release)."""
from __future__ import annotations

from functools import partial

from pages import next_release

layout = partial(next_release.layout, "tickets")
