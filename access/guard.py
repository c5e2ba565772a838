"""The one guard in front of every route: who is asking, and may they open this door at all.

Every request but the login pages, a bare `/health` and static files (Dash's
scripts, assets/) needs a principal: a user's server-side session (cookie),
a paired wall device (cookie), or an API token (`Authorization: Bearer`, on
/api/ and /export/ only). Without one, a page is sent to the login page and
anything else gets a 401 JSON answer, Dash's own routes included
(`/_dash-layout`, `/_dash-dependencies`, `/_dash-update-component`). With
one, the door's permission (access.model) is checked here and only here;
what data it then sees is decided by `access.area_scope.narrow`.

The principal is kept in `flask.g` for the request; `current_principal`
hands it to the scope resolution of views, the API and exports. Code that
runs outside any request (the CLI, benchmarks, tests of queries) has no
principal and no narrowing: only a request can come from outside.
"""
from __future__ import annotations

import logging
from urllib.parse import quote, urlsplit

from flask import Flask, g, has_request_context, jsonify, redirect, request
from werkzeug.middleware.proxy_fix import ProxyFix

from access.model import Principal
from access.service import Access
from access.sessions import SessionsUnavailable

log = logging.getLogger(__name__)

SESSION_COOKIE = "onescreen_session"
DEVICE_COOKIE = "onescreen_device"
# Paths under these prefixes need no principal (exact paths in PUBLIC_PATHS).
PUBLIC_PREFIXES = ("/_dash-component-suites/", "/assets/")
PUBLIC_PATHS = frozenset({"/login", "/login/device", "/health", "/_favicon.ico"})
# Answered with JSON, never redirected: scripts and Dash's renderer cannot follow a login page.
_MACHINE_PREFIXES = ("/api/", "/export/", "/_dash-", "/health/")
_METHODS_THAT_CHANGE = frozenset({"POST", "PUT", "PATCH", "DELETE"})


class Unidentified(RuntimeError):
    """A request reached scoped code without a principal: the guard was bypassed, which must never be served."""


def current_principal() -> Principal | None:
    """The request's principal; None outside any request (in-process callers). Raises Unidentified if the
    guard did not run for this request."""
    if not has_request_context():
        return None
    principal = g.get("principal")
    if principal is None:
        raise Unidentified(f"no principal for {request.path}")
    return principal


def permission_for(path: str) -> str:
    """The permission a door needs (access.model.PERMISSIONS)."""
    if path.startswith("/api/"):
        return "api"
    if path.startswith("/export/"):
        return "export"
    if path.startswith("/admin") or path == "/health/details":
        return "admin"
    if path.startswith("/account") or path == "/logout":
        return "account"
    return "views"


def is_public(path: str) -> bool:
    return path in PUBLIC_PATHS or path.startswith(PUBLIC_PREFIXES)


def install(server: Flask, access: Access, view_paths: dict[str, str]) -> None:
    """Put the guard in front of every route of `server` (registered first, so it runs before any other check).

    view_paths: {path: view name} of the dashboard's views, for devices limited to some views.
    """
    if access.settings.trusted_proxies:
        n = access.settings.trusted_proxies
        server.wsgi_app = ProxyFix(server.wsgi_app, x_for=n, x_proto=n, x_host=n)

    @server.before_request
    def _guard():
        path = request.path
        if is_public(path):
            return None
        try:
            principal = _identify(access, path)
        except SessionsUnavailable as error:
            # Not a login page: the person is logged in, their session just cannot be read for a moment.
            log.warning("%s", error)
            response = jsonify({"error": {"message": "sessions are unavailable for a moment; retry shortly"}})
            response.status_code, response.headers["Retry-After"] = 503, "5"
            return response
        if principal is None:
            return _unauthenticated(path)
        g.principal = principal
        needed = permission_for(path)
        allowed = principal.kind == "user" if needed == "account" else principal.may(needed)
        view = view_paths.get(path)
        if allowed and view and request.method == "GET":
            allowed = principal.may_view(view)
        if not allowed:
            access.audit("refused", "refused", principal, detail={"path": path, "needs": needed})
            return _refused(path, needed)
        if request.method in _METHODS_THAT_CHANGE and not _same_origin():
            access.audit("refused", "refused", principal, detail={"path": path, "origin": request.headers.get("Origin")})
            return jsonify({"error": {"message": "cross-site request refused"}}), 403
        return None

    @server.after_request
    def _audit_machine_calls(response):
        principal = g.get("principal")
        path = request.path
        if principal is not None and path.startswith(("/api/", "/export/")):
            action = "api" if path.startswith("/api/") else "export"
            detail = {"path": path, "query": request.query_string.decode(errors="replace")[:500],
                      "status": response.status_code}
            detail.update(g.get("audit_detail") or {})
            tally = g.get("audit_tally")
            outcome = "ok" if response.status_code < 400 else "failed"
            area = (detail.get("scope") or {}).get("area") or request.args.get("area")

            def record():
                if tally is not None:
                    detail["rows"] = tally["rows"]
                access.audit(action, outcome, principal, area_code=area, detail=detail)

            # A streamed export has written its rows only when the response closes: recorded then, with the count.
            if response.is_streamed and tally is not None:
                response.call_on_close(record)
            else:
                record()
        return response


def _identify(access: Access, path: str) -> Principal | None:
    header = request.headers.get("Authorization", "")
    if header:
        scheme, _, token = header.partition(" ")
        # Tokens are for analysts' scripts: the API and exports, not the pages a person opens.
        if scheme.lower() != "bearer" or not token.strip() or not path.startswith(("/api/", "/export/")):
            return None
        return access.token_principal(token.strip())
    device = request.cookies.get(DEVICE_COOKIE)
    if device:
        return access.device_principal(device)
    session_id = request.cookies.get(SESSION_COOKIE)
    if session_id:
        return access.session_principal(session_id)
    return None


def _unauthenticated(path: str):
    # A device cookie nobody accepts is a revoked (or unknown) wall: it goes back to pairing, not to a person's login.
    wall = bool(request.cookies.get(DEVICE_COOKIE))
    if path.startswith(_MACHINE_PREFIXES) or request.method != "GET":
        response = jsonify({"error": {"message": "log in first", "login": "/login/device" if wall else "/login"}})
        response.status_code = 401
        response.headers["WWW-Authenticate"] = 'Bearer realm="OneScreen"'
        return response
    if wall:
        return redirect("/login/device", code=302)
    target = request.full_path.rstrip("?")
    return redirect(f"/login?next={quote(target, safe='/')}", code=302)


def _refused(path: str, needed: str):
    body = {"error": {"message": f"your role may not do this ({needed})", "needs": needed}}
    return jsonify(body), 403


def _same_origin() -> bool:
    """A changing request from a page of this server: the browser's Origin (or Referer) names this host."""
    origin = request.headers.get("Origin") or request.headers.get("Referer")
    if not origin:
        # Scripts (API tokens, the test client) send no Origin; browsers always do on cross-site POSTs.
        return True
    return urlsplit(origin).netloc == request.host


def safe_next(target: str | None) -> str:
    """A post-login destination that stays on this server (a path, never //host or a scheme)."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return "/"
    return target
