"""Scripts and styles compressed once per process, not once per visitor.

Flask-Compress (Dash's `compress=True`) compresses every answer as it
leaves, which suits callback answers and the API, each of them new. The
scripts are the same for everyone: plotly.js alone is 4.8 MB, and each
first visitor (and each revalidation of a script Dash does not fingerprint,
such as plotly.min.js and the components' async chunks, which the browser
asks again with If-None-Match) made the server compress it again before it
could even answer 304. Here a static answer is compressed once per process
and kept, at a stronger setting the cost of which is paid once (brotli 6:
plotly.js 1.27 MB against zstd 3's 1.44 MB; gzip for a browser without
brotli), then handed to Flask-Compress already encoded, which leaves it be.

The store is bounded by the files the app serves: a key is the file's path
and validator (its ETag, or the fingerprint in its name), never a query
string a client made up.
"""
from __future__ import annotations

import gzip
import threading

import brotli
import dash
from flask import Response, request

BROTLI_QUALITY = 6
GZIP_LEVEL = 9
COMPRESSED_TYPES = frozenset(("application/javascript", "text/javascript", "text/css", "application/json"))
# Smaller files are not worth a header's worth of bytes.
MIN_BYTES = 500


def install(app: dash.Dash) -> None:
    """Compress `app`'s scripts and styles once per process (registered after Dash's, so it runs before them)."""
    prefix = app.config.requests_pathname_prefix
    static_paths = (f"{prefix}_dash-component-suites/", f"{prefix}{app.config.assets_url_path.strip('/')}/")
    store: dict[tuple[str, str, str], bytes] = {}
    lock = threading.Lock()

    @app.server.after_request
    def _precompressed(response: Response) -> Response:
        if (request.method != "GET" or not request.path.startswith(static_paths) or response.status_code != 200
                or response.mimetype not in COMPRESSED_TYPES or "Content-Encoding" in response.headers):
            return response
        encoding = _accepted(request.headers.get("Accept-Encoding", ""))
        if encoding is None:
            return response
        etag, weak = response.get_etag()
        key = (request.path, etag or "", encoding)
        with lock:
            body = store.get(key)
        # A file (assets/) is sent straight from disk unless its body is read: read it, here and for the store.
        response.direct_passthrough = False
        if body is None:
            data = response.get_data()
            if len(data) < MIN_BYTES:
                return response
            body = brotli.compress(data, quality=BROTLI_QUALITY) if encoding == "br" else gzip.compress(data, GZIP_LEVEL)
            with lock:
                store[key] = body
        response.set_data(body)
        response.headers["Content-Encoding"] = encoding
        response.vary.add("Accept-Encoding")
        if etag:
            # Each encoding is its own representation; a browser's If-None-Match names this one.
            response.set_etag(f"{etag}:{encoding}", weak=weak)
            response.make_conditional(request)
        return response


def _accepted(header: str) -> str | None:
    """brotli if the browser takes it, else gzip, else None (q=0 refuses an encoding)."""
    offered = {}
    for part in header.split(","):
        name, _, params = part.strip().partition(";")
        quality = 1.0
        if params.strip().startswith("q="):
            try:
                quality = float(params.strip()[2:])
            except ValueError:
                quality = 0.0
        offered[name.strip().lower()] = quality
    for encoding in ("br", "gzip"):
        if offered.get(encoding, 0.0) > 0:
            return encoding
    return None
