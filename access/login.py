"""The login pages: a person's login and logout, and a wall device's pairing.

Plain HTML forms rendered on the server (access/templates), Chinese by
default and English with `?lang=en`, so they work before any script loads
and on a wall browser nobody can debug. A failed login says the same thing
for a wrong name and a wrong password; repeated failures are throttled per
address (Flask-Limiter) and lock the account (the policy in the store).
"""
from __future__ import annotations

from urllib.parse import urlencode

from flask import Blueprint, Flask, g, make_response, redirect, render_template, request
from flask_limiter import Limiter
from flask_limiter.errors import RateLimitExceeded
from flask_limiter.util import get_remote_address

import i18n
from access.guard import DEVICE_COOKIE, SESSION_COOKIE, safe_next
from access.service import Access

# Chromium keeps a cookie at most 400 days; a paired wall renews its cookie every time it loads a page.
DEVICE_COOKIE_DAYS = 400
_TEMPLATES = "templates"


def render(template: str, title_key: str, status: int = 200, messages: tuple = (), **context):
    """A page of access/templates in the request's language (`?lang=`), with the frame's links."""
    lang = i18n.language(request.args.get("lang"))
    other = {**request.args.to_dict(), "lang": "en" if lang == "zh" else "zh"}
    html = render_template(
        template, lang=lang, html_lang=i18n.HTML_LANG[lang], t=lambda key, **values: i18n.t(key, lang, **values),
        title=i18n.t(title_key, lang), messages=messages, lang_query=urlencode({"lang": lang}),
        other_language_url=f"{request.path}?{urlencode(other)}", principal=g.get("principal"), **context,
    )
    return html, status


def message(kind: str, key: str, **values) -> dict:
    return {"kind": kind, "text": i18n.t(key, i18n.language(request.args.get("lang")), **values)}


def set_cookie(response, name: str, value: str, settings, max_age: int | None = None) -> None:
    """HttpOnly, SameSite=Lax, Secure on HTTPS (or always, by setting): what the security review asks of a cookie."""
    secure = settings.secure_cookies == "always" or (settings.secure_cookies == "auto" and request.is_secure)
    response.set_cookie(name, value, max_age=max_age, httponly=True, samesite="Lax", secure=secure, path="/")


def login_blueprint(server: Flask, access: Access) -> Blueprint:
    pages = Blueprint("login", __name__, template_folder=_TEMPLATES)
    storage = access.settings.cache_redis_url or "memory://"
    limiter = Limiter(get_remote_address, app=server, storage_uri=storage, default_limits=[],
                      strategy="moving-window", headers_enabled=False)
    login_limit = limiter.limit(access.settings.login_rate_limit, methods=["POST"])

    @pages.errorhandler(RateLimitExceeded)
    def _throttled(_error):
        access.audit("login", "refused", None, detail={"reason": "throttled"})
        return render("login.html", "login.title", 429, (message("error", "login.throttled"),),
                      username="", query=request.query_string.decode())

    @pages.route("/login", methods=["GET", "POST"])
    @login_limit
    def login():
        query = request.query_string.decode()
        if request.method == "GET":
            shown = (message("info", "login.logged_out"),) if request.args.get("bye") else ()
            return render("login.html", "login.title", messages=shown, username="", query=query)
        username = request.form.get("username", "")
        result = access.log_in(username, request.form.get("password", ""))
        if not result.ok:
            lang = i18n.language(request.args.get("lang"))
            until = i18n.format_moment(result.locked_until, lang) if result.locked_until else ""
            return render("login.html", "login.title", 401, (message("error", f"login.{result.reason}", until=until),),
                          username=username[:64], query=query)
        response = redirect(safe_next(request.args.get("next")), code=303)
        set_cookie(response, SESSION_COOKIE, result.session_id, access.settings)
        response.delete_cookie(DEVICE_COOKIE, path="/")
        return response

    @pages.post("/logout")
    def logout():
        principal = g.principal
        if principal.kind == "user":
            if request.form.get("csrf") != request.environ.get("onescreen.csrf"):
                return render("login.html", "login.title", 403, username="", query="")
            access.log_out(principal)
        response = redirect(f"/login?bye=1&lang={i18n.language(request.args.get('lang'))}", code=303)
        response.delete_cookie(SESSION_COOKIE, path="/")
        return response

    @pages.route("/login/device", methods=["GET", "POST"])
    @login_limit
    def pair_device():
        if request.method == "GET":
            return render("device.html", "login.device_title")
        paired = access.store.pair_device(request.form.get("code", "")[:32])
        if paired is None:
            access.audit("device_paired", "failed", None, detail={"reason": "wrong or expired code"})
            return render("device.html", "login.device_title", 401, (message("error", "login.device_wrong"),))
        device, credential = paired
        access.audit("device_paired", "ok", device.principal(), area_code=device.area_code)
        response = redirect(wall_url(device), code=303)
        set_cookie(response, DEVICE_COOKIE, credential, access.settings, max_age=DEVICE_COOKIE_DAYS * 86400)
        response.delete_cookie(SESSION_COOKIE, path="/")
        return response

    return pages


def wall_url(device) -> str:
    """Where a paired wall goes: the wall of its area, rotating through its panels (pages/wall.py's parameters)."""
    params = {"area": device.area_code, "views": ",".join(device.views), "rotate": str(device.rotate_seconds)}
    return f"/wall?{urlencode(params)}"
