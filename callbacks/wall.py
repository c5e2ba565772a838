"""The wall view's callbacks."""
from __future__ import annotations

import dash

from data_access.database import Database


def register(app: dash.Dash, db: Database) -> None:
    """Nothing to wire until the view is built."""
