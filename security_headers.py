"""The browser-side protections on every answer the Flask server gives: pages, callbacks, the API, exports.

The Content-Security-Policy lets scripts run only from this app or, for
Dash's inline renderer bootstrap, by hash (`Dash.csp_hashes`); nothing needs
`eval` (dash-ag-grid parses its `{"function": ...}` strings itself). Styles
may be inline: plotly and Leaflet set style attributes on what they draw.

What is private to a page load - API answers, exports, callback answers, the
page with its signed token - is marked no-store; Dash's fingerprinted scripts
and assets/ keep their own caching. The page's `_dash-config` no longer names
the Dash, plotly and Python versions (they only feed Dash's dev-tools menu).
"""
from __future__ import annotations

import json
import logging
import re
from urllib.parse import urlsplit

import dash
from flask import abort, request

import config

log = logging.getLogger(__name__)

# Keys of Dash's page config that announce versions, or the URL of Plotly's newest-version service: only read by
# the dev-tools menu, which production does not show.
VERSION_KEYS = ("dash_version", "python_version", "plotly_version", "ddk_version", "dash_version_url")


def secure(app: dash.Dash, settings: config.Settings) -> None:
    """Add the host check and the security headers to `app`'s server; strip the versions from its page."""
    server = app.server
    prefix = app.config.requests_pathname_prefix
    static_paths = (f"{prefix}_dash-component-suites/", f"{prefix}{app.config.assets_url_path.strip('/')}/",
                    f"{prefix}_favicon.ico")
    script_hashes: list[str] = []
    app.interpolate_index = _without_versions(app.interpolate_index)

    if settings.allowed_hosts:
        allowed = frozenset(settings.allowed_hosts)

        @server.before_request
        def _check_host():
            if urlsplit(f"//{request.host}").hostname not in allowed:
                abort(400, description=f"unknown host {request.host!r}")
    else:
        log.warning("ONESCREEN_ALLOWED_HOSTS is not set: requests for any Host name are answered")

    @server.after_request
    def _headers(response):
        if not script_hashes:
            # Here, not at registration: Dash gathers inline (clientside) scripts until the first request.
            script_hashes.extend(app.csp_hashes())
        response.headers["Content-Security-Policy"] = _policy(settings, script_hashes)
        response.headers["X-Content-Type-Options"] = "nosniff"
        response.headers["Referrer-Policy"] = "same-origin"
        if not request.path.startswith(static_paths):
            response.headers["Cache-Control"] = "no-store"
        return response


def _policy(settings: config.Settings, script_hashes: list[str]) -> str:
    images = ["'self'", "data:", "blob:"]
    if settings.tile_url:
        images.append(_tile_origin(settings.tile_url))
    directives = {
        "default-src": ["'self'"],
        "script-src": ["'self'", *script_hashes],
        "style-src": ["'self'", "'unsafe-inline'"],
        "img-src": images,
        "font-src": ["'self'", "data:"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": list(settings.frame_ancestors),
    }
    return "; ".join(f"{name} {' '.join(values)}" for name, values in directives.items())


def _tile_origin(tile_url: str) -> str:
    """The tile server as a CSP source: Leaflet's {s} subdomain placeholder becomes a wildcard."""
    parts = urlsplit(tile_url)
    return f"{parts.scheme}://{re.sub(r'{[^}]*}', '*', parts.netloc)}"


def _without_versions(interpolate_index):
    """Dash's `interpolate_index` with the version keys dropped from the `_dash-config` block."""

    def interpolate(**parts):
        opening, _, rest = parts["config"].partition(">")
        settings = json.loads(rest.removesuffix("</script>"))
        for key in VERSION_KEYS:
            settings.pop(key, None)
        # "<" escaped so nothing in the JSON can close the script element.
        body = json.dumps(settings).replace("<", "\\u003c")
        parts["config"] = f"{opening}>{body}</script>"
        return interpolate_index(**parts)

    return interpolate
