"""OneScreen (一屏观城): the app, built once per process from the settings.

`create_app` is the only place the pieces meet: one `Database` (read-only
pool, schema, cache) is made here and handed to the callbacks and the JSON
API, so the views and the API answer from the same queries and the same
cache. Routing is explicit (see `pages/__init__.py` for why not `use_pages`).
Everything the browser loads is served by this app: Dash's own scripts,
plotly.js and assets/ - command centres run offline.

`gunicorn app:server` serves the module-level app, configured from the
environment (config.load_settings).
"""
from __future__ import annotations

import dash

import config
import security_headers
import static_compression
from access import guard
from access.admin import admin_blueprint
from access.login import login_blueprint
from access.service import Access
from api import register_api
from callbacks import closure, crowd, filters, funds, inputs, navigation, overview, tickets, wall, workers
from callbacks.refresher import Refresher
from components import shell
from components.theme import DEFAULT_THEME
from data_access.database import Database
from i18n import DEFAULT_LANGUAGE, HTML_LANG
from pages import VIEWS

# Dash's page, with the wall's colours set before any script runs, so a wall
# reloading at night does not flash white.
INDEX_STRING = f"""<!DOCTYPE html>
<html lang="{HTML_LANG[DEFAULT_LANGUAGE]}">
    <head>
        {{%metas%}}
        <title>{{%title%}}</title>
        {{%favicon%}}
        <style>{DEFAULT_THEME.root_css()}</style>
        {{%css%}}
    </head>
    <body>
        {{%app_entry%}}
        <footer>
            {{%config%}}
            {{%scripts%}}
            {{%renderer%}}
        </footer>
    </body>
</html>"""


def create_app(settings: config.Settings | None = None, renderer=None, access: Access | None = None) -> dash.Dash:
    """`renderer`: the chart renderer for exports (exports.renderer.ChartRenderer); by default the app makes its own.
    `access`: users, devices and the audit trail (access.service.Access); by default made from the settings."""
    settings = settings or config.load_settings()
    app = dash.Dash(
        __name__,
        serve_locally=True,
        # Gzip/brotli every response: a wall refresh or a city-wide list shrinks about tenfold.
        compress=True,
        title="一屏观城",
        # The wall refreshes every 30 s; a tab title flickering "Updating..." would be noise.
        update_title=None,
        index_string=INDEX_STRING,
        meta_tags=[{"name": "viewport", "content": "width=device-width, initial-scale=1"}],
        # Views are drawn by the router, so their components are not in the initial layout.
        suppress_callback_exceptions=True,
    )
    app.layout = shell.layout()
    access = access or Access(settings)
    app.server.extensions["onescreen.access"] = access
    # First of every check: nothing else looks at a request before the guard knows who sent it.
    guard.install(app.server, access, {view.path: view.name for view in VIEWS})
    app.server.register_blueprint(login_blueprint(app.server, access))
    app.server.register_blueprint(admin_blueprint(access))
    db = Database.from_settings(settings)
    app.server.extensions["onescreen.refresher"] = Refresher(db, settings.refresher)
    navigation.register(app, db)
    filters.register(app, db)
    for view in (overview, wall, crowd, tickets, workers, closure, funds):
        view.register(app, db)
    inputs.register(app)
    register_api(app.server, db, renderer)
    security_headers.secure(app, settings)
    # Scripts compressed once per process, before Flask-Compress would compress them per visitor.
    static_compression.install(app)
    return app


app = create_app()
server = app.server
