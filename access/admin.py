"""The admin pages (users, wall devices, API tokens, the audit trail, the password policy) and a user's own account.

Server-rendered forms like the login pages (access/templates), Chinese first
and English with `?lang=en`, so they work without scripts and are easy to
review. The guard admits only admins to /admin* and only users (no devices)
to /account; here every POST must also carry the session's CSRF token, and
every change is an audit record naming what changed, never a secret. A
secret made here (a pairing code, an API token) is shown in the answer to the
POST that made it and never again: the store keeps only its digest. After a
change the browser is sent back to the list (post/redirect/get), so reloading
the page does not do it twice.
"""
from __future__ import annotations

import csv
import hmac
import io
import json
import re
from dataclasses import asdict, dataclass
from datetime import date, datetime, timedelta
from typing import Iterator
from urllib.parse import urlencode

from flask import Blueprint, Response, g, redirect, request

import i18n
from access.accounts import AREA_CODE, Refused, create_local_user, parse_areas, set_local_password
from access.guard import SESSION_COOKIE
from access.login import message, render, set_cookie
from access.model import ROLES, WALL_PANELS
from access.passwords import PasswordPolicy, verify_password
from access.service import Access
from api.exports import csv_value

AUDIT_PAGE_SIZE = 200
# The CSV export reads the trail this many events at a time, so a year of API calls streams in constant memory.
_CSV_BATCH = 2000
AUDIT_OUTCOMES = ("ok", "refused", "failed")
# Offered in the audit filter; the field takes any action name, these are the ones OneScreen writes.
AUDIT_ACTIONS = ("login", "logout", "view", "export", "api", "acknowledge", "device_paired", "refused",
                 "admin_change", "token_created", "token_revoked", "password_changed")
_ACTION = re.compile(r"[a-z_]{1,32}")
ROTATE_SECONDS = (10, 3600)
TOKEN_DAYS = (1, 3650)
# Bounds of each policy field an administrator may set: never below what 等保 2.0 身份鉴别 asks (a lockout).
POLICY_BOUNDS = {"min_length": (8, 128), "min_classes": (1, 4), "lock_after": (1, 100), "lock_minutes": (1, 1440)}
_AUDIT_COLUMNS = ("event_id", "at", "action", "outcome", "principal_kind", "principal", "area", "remote_addr",
                  "detail")


@dataclass(frozen=True)
class AuditFilter:
    action: str = ""
    principal: str = ""
    outcome: str = ""
    since: date | None = None
    until: date | None = None
    page: int = 1

    def store_arguments(self) -> dict:
        """The filter as AccessStore.audit_events takes it; `until` is a whole day, so up to the next midnight."""
        return {"action": self.action or None, "principal_name": self.principal or None,
                "outcome": self.outcome or None,
                "since": datetime.combine(self.since, datetime.min.time()) if self.since else None,
                "until": datetime.combine(self.until + timedelta(days=1), datetime.min.time()) if self.until else None}

    def query(self, **changes) -> str:
        values = {"action": self.action, "principal": self.principal, "outcome": self.outcome,
                  "since": self.since.isoformat() if self.since else "",
                  "until": self.until.isoformat() if self.until else "", "page": self.page, **changes}
        return urlencode({key: value for key, value in values.items() if value not in ("", None)})


def admin_blueprint(access: Access) -> Blueprint:
    pages = Blueprint("admin", __name__, template_folder="templates")

    @pages.before_request
    def _csrf():
        """A form posted from anywhere but a page this session was served is refused (and audited)."""
        if request.method != "POST":
            return None
        expected = request.environ.get("onescreen.csrf") or ""
        if expected and hmac.compare_digest(request.form.get("csrf", ""), expected):
            return None
        access.audit("admin_change", "refused", g.principal, detail={"path": request.path, "reason": "csrf"})
        return _page("refused.html", "admin.refused_title", 403, (message("error", "admin.csrf_refused"),))

    def changed(change: str, **detail) -> None:
        access.audit("admin_change", "ok", g.principal, detail={"via": "admin", "change": change, **detail})

    # --- the index ----------------------------------------------------------------------------

    @pages.get("/admin")
    def index():
        return _page("admin_index.html", "admin.title", counts={
            "users": len(access.store.users()), "devices": len(access.store.devices()),
            "tokens": len(access.store.tokens()), "audit": access.store.count_audit_events()})

    # --- users --------------------------------------------------------------------------------

    def users_page(status: int = 200, messages: tuple = (), form: dict | None = None):
        return _page("admin_users.html", "admin.users", status, messages, users=access.store.users(), roles=ROLES,
                     now=access.store.now(), me=g.principal.id, form=form or {})

    @pages.get("/admin/users")
    def users():
        return users_page()

    @pages.post("/admin/users")
    def create_user():
        form = request.form
        try:
            create_local_user(
                access, g.principal, username=form.get("username", "").strip(),
                display_name=form.get("display_name", ""), role=form.get("role", ""),
                areas=form.get("areas", ""), password=form.get("password", ""),
                personal_data="personal_data" in form, via="admin")
        except Refused as refused:
            kept = {key: form.get(key, "") for key in ("username", "display_name", "role", "areas")}
            return users_page(400, _errors(refused), {**kept, "personal_data": "personal_data" in form})
        return _done("/admin/users", "user_created")

    @pages.post("/admin/users/<int:user_id>")
    def edit_user(user_id: int):
        user = access.store.user(user_id)
        if user is None:
            return users_page(404, (message("error", "admin.no_such_user"),))
        form = request.form
        try:
            role = form.get("role", "")
            if role not in ROLES:
                raise Refused([("admin.bad_role", {"role": role[:20]})])
            areas = parse_areas(form.get("areas", ""))
            personal_data, active = "personal_data" in form, "active" in form
            if user_id == g.principal.id and (role != "admin" or not active):
                raise Refused([("admin.not_yourself", {})])
        except Refused as refused:
            return users_page(400, _errors(refused))
        before = {"role": user.role, "areas": list(user.areas), "personal_data": user.personal_data,
                  "active": user.active}
        after = {"role": role, "areas": list(areas), "personal_data": personal_data, "active": active}
        differences = {key: [before[key], after[key]] for key in before if before[key] != after[key]}
        if differences:
            access.store.update_user(user_id, areas=areas, role=role, personal_data=personal_data, active=active)
            changed("user_changed", username=user.username, **differences)
        return _done("/admin/users", "user_saved")

    @pages.post("/admin/users/<int:user_id>/password")
    def reset_password(user_id: int):
        user = access.store.user(user_id)
        if user is None:
            return users_page(404, (message("error", "admin.no_such_user"),))
        try:
            set_local_password(access, g.principal, user, request.form.get("password", ""), via="admin")
        except Refused as refused:
            return users_page(400, _errors(refused))
        return _kept_logged_in(access, user.user_id, _done("/admin/users", "password_reset"))

    @pages.post("/admin/users/<int:user_id>/unlock")
    def unlock(user_id: int):
        user = access.store.user(user_id)
        if user is None:
            return users_page(404, (message("error", "admin.no_such_user"),))
        access.store.unlock_user(user_id)
        changed("user_unlocked", username=user.username)
        return _done("/admin/users", "user_unlocked")

    # --- wall devices -------------------------------------------------------------------------

    def devices_page(status: int = 200, messages: tuple = (), form: dict | None = None, secret: dict | None = None):
        return _page("admin_devices.html", "admin.devices", status, messages, devices=access.store.devices(),
                     panels=WALL_PANELS, rotate_bounds=ROTATE_SECONDS, form=form or {}, secret=secret)

    def pairing_secret(name: str, code: str) -> dict:
        return {"device": name, "code": f"{code[:5]}-{code[5:]}", "url": request.host_url.rstrip("/") + "/login/device"}

    @pages.get("/admin/devices")
    def devices():
        return devices_page()

    @pages.post("/admin/devices")
    def register_device():
        form = request.form
        name, area = form.get("name", "").strip(), form.get("area", "").strip()
        chosen = set(form.getlist("panels"))
        panels = [panel for panel in WALL_PANELS if panel in chosen]
        problems = []
        if not 1 <= len(name) <= 64:
            problems.append(("admin.bad_device_name", {}))
        elif any(device.name == name for device in access.store.devices()):
            problems.append(("admin.device_exists", {"name": name}))
        if not AREA_CODE.fullmatch(area):
            problems.append(("admin.bad_areas", {"codes": area[:40]}))
        if not panels or chosen - set(WALL_PANELS):
            problems.append(("admin.bad_panels", {}))
        rotate = _bounded_int(form.get("rotate_seconds", ""), *ROTATE_SECONDS)
        if rotate is None:
            problems.append(("admin.bad_rotate", {"low": ROTATE_SECONDS[0], "high": ROTATE_SECONDS[1]}))
        if problems:
            kept = {"name": name, "area": area, "panels": panels, "rotate_seconds": form.get("rotate_seconds", "")}
            return devices_page(400, _errors(Refused(problems)), kept)
        _device_id, code = access.store.register_device(name, area, panels, rotate, created_by=g.principal.name)
        changed("device_registered", device=name, area=area, panels=panels, rotate_seconds=rotate)
        return devices_page(201, (message("info", "admin.done.device_registered"),),
                            secret=pairing_secret(name, code))

    @pages.post("/admin/devices/<int:device_id>/renew")
    def renew_pairing(device_id: int):
        device = access.store.device(device_id)
        code = access.store.renew_pairing_code(device_id) if device else None
        if code is None:
            return devices_page(404, (message("error", "admin.no_such_device"),))
        changed("device_pairing_renewed", device=device.name)
        return devices_page(messages=(message("info", "admin.done.pairing_renewed"),),
                            secret=pairing_secret(device.name, code))

    @pages.post("/admin/devices/<int:device_id>/revoke")
    def revoke_device(device_id: int):
        device = access.store.device(device_id)
        if device is None or not access.store.revoke_device(device_id):
            return devices_page(404, (message("error", "admin.no_such_device"),))
        changed("device_revoked", device=device.name, area=device.area_code)
        return _done("/admin/devices", "device_revoked")

    # --- API tokens ---------------------------------------------------------------------------

    def tokens_page(status: int = 200, messages: tuple = ()):
        return _page("admin_tokens.html", "admin.tokens", status, messages, tokens=access.store.tokens())

    @pages.get("/admin/tokens")
    def tokens():
        return tokens_page()

    @pages.post("/admin/tokens/<int:token_id>/revoke")
    def revoke_token(token_id: int):
        token = next((token for token in access.store.tokens() if token.token_id == token_id), None)
        if token is None or not access.store.revoke_token(token_id):
            return tokens_page(404, (message("error", "admin.no_such_token"),))
        changed("token_revoked", username=token.username, token=token.name, prefix=token.prefix)
        return _done("/admin/tokens", "token_revoked")

    # --- the audit trail ----------------------------------------------------------------------

    @pages.get("/admin/audit")
    def audit():
        try:
            wanted = _audit_filter(request.args)
        except Refused as refused:
            return _audit_page(AuditFilter(), [], False, 400, _errors(refused), given=request.args)
        offset = (wanted.page - 1) * AUDIT_PAGE_SIZE
        found = access.store.audit_events(**wanted.store_arguments(), limit=AUDIT_PAGE_SIZE + 1, offset=offset)
        return _audit_page(wanted, found[:AUDIT_PAGE_SIZE], len(found) > AUDIT_PAGE_SIZE)

    @pages.get("/admin/audit.csv")
    def audit_csv():
        try:
            wanted = _audit_filter(request.args)
        except Refused as refused:
            return _audit_page(AuditFilter(), [], False, 400, _errors(refused), given=request.args)
        access.audit("export", "ok", g.principal, detail={"what": "audit", "filter": wanted.query(page="")})
        lang = i18n.language(request.args.get("lang"))
        response = Response(_audit_csv(access, wanted, lang), content_type="text/csv; charset=utf-8")
        response.headers["Content-Disposition"] = 'attachment; filename="onescreen-audit.csv"'
        response.headers["Cache-Control"] = "no-store"
        return response

    # --- the password policy ------------------------------------------------------------------

    def policy_page(status: int = 200, messages: tuple = (), shown: dict | None = None):
        return _page("admin_policy.html", "admin.policy", status, messages,
                     policy=shown or asdict(access.store.password_policy()), bounds=POLICY_BOUNDS,
                     retention_days=access.settings.audit_retention_days)

    @pages.get("/admin/policy")
    def policy():
        return policy_page()

    @pages.post("/admin/policy")
    def set_policy():
        given = {name: request.form.get(name, "") for name in POLICY_BOUNDS}
        values = {name: _bounded_int(given[name], *POLICY_BOUNDS[name]) for name in POLICY_BOUNDS}
        lang = i18n.language(request.args.get("lang"))
        bad = [("admin.policy_bad", {"field": i18n.t(f"admin.policy.{name}", lang),
                                     "low": POLICY_BOUNDS[name][0], "high": POLICY_BOUNDS[name][1]})
               for name, value in values.items() if value is None]
        if bad:
            return policy_page(400, _errors(Refused(bad)), given)
        before = asdict(access.store.password_policy())
        access.store.set_password_policy(PasswordPolicy(**values))
        changed("password_policy",
                **{name: [before[name], values[name]] for name in values if before[name] != values[name]})
        return _done("/admin/policy", "policy_saved")

    # --- the account page (every user, not devices) -------------------------------------------

    def account_page(status: int = 200, messages: tuple = (), secret: dict | None = None):
        principal = g.principal
        user = access.store.user(principal.id)
        own_tokens = access.store.tokens(principal.id) if principal.may("api") else []
        return _page("account.html", "admin.account", status, messages, user=user, tokens=own_tokens,
                     may_api=principal.may("api"), secret=secret, token_days=TOKEN_DAYS)

    @pages.get("/account")
    def account():
        return account_page()

    @pages.post("/account/password")
    def change_own_password():
        principal = g.principal
        user = access.store.user(principal.id)
        if user.source != "local":
            return account_page(400, (message("error", "admin.directory_password"),))
        if not verify_password(user.password_hash, request.form.get("current", "")):
            access.audit("password_changed", "failed", principal, detail={"reason": "wrong current password"})
            return account_page(400, (message("error", "admin.wrong_current_password"),))
        try:
            set_local_password(access, principal, user, request.form.get("password", ""), via="account",
                               action="password_changed")
        except Refused as refused:
            return account_page(400, _errors(refused))
        return _kept_logged_in(access, user.user_id, _done("/account", "password_changed"))

    @pages.post("/account/tokens")
    def create_own_token():
        principal = g.principal
        if not principal.may("api"):
            return account_page(403, (message("error", "admin.no_api"),))
        name = request.form.get("name", "").strip()
        days_given = request.form.get("expires_days", "").strip()
        days = _bounded_int(days_given, *TOKEN_DAYS) if days_given else None
        problems = [] if 1 <= len(name) <= 64 else [("admin.bad_token_name", {})]
        if days_given and days is None:
            problems.append(("admin.bad_token_days", {"low": TOKEN_DAYS[0], "high": TOKEN_DAYS[1]}))
        if problems:
            return account_page(400, _errors(Refused(problems)))
        expires_at = access.store.now() + timedelta(days=days) if days else None
        _token_id, token = access.store.create_token(principal.id, name, expires_at)
        access.audit("token_created", "ok", principal, detail={"token": name, "prefix": token[:10],
                                                               "expires_at": expires_at})
        return account_page(201, (message("info", "admin.done.token_created"),), secret={"token": token, "name": name})

    @pages.post("/account/tokens/<int:token_id>/revoke")
    def revoke_own_token(token_id: int):
        principal = g.principal
        token = next((token for token in access.store.tokens(principal.id) if token.token_id == token_id), None)
        if token is None or not access.store.revoke_token(token_id, user_id=principal.id):
            return account_page(404, (message("error", "admin.no_such_token"),))
        access.audit("token_revoked", "ok", principal, detail={"token": token.name, "prefix": token.prefix})
        return _done("/account", "token_revoked")

    def _audit_page(wanted: AuditFilter, events, more: bool, status: int = 200, messages: tuple = (), given=None):
        shown = given.to_dict() if given is not None else {
            "action": wanted.action, "principal": wanted.principal, "outcome": wanted.outcome,
            "since": wanted.since.isoformat() if wanted.since else "",
            "until": wanted.until.isoformat() if wanted.until else ""}
        return _page("admin_audit.html", "admin.audit", status, messages, events=events, wanted=wanted, shown=shown,
                     more=more, actions=AUDIT_ACTIONS, outcomes=AUDIT_OUTCOMES, compact=_compact_json)

    return pages


def _page(template: str, title_key: str, status: int = 200, messages: tuple = (), **context):
    """`render` with what every page of this blueprint needs: the CSRF token, times in the reader's language,
    and the message of the change just made (`?done=`, only a key the catalogue has)."""
    lang = i18n.language(request.args.get("lang"))
    done = request.args.get("done", "")
    if re.fullmatch(r"[a-z_]{1,40}", done) and f"admin.done.{done}" in i18n.CATALOGUE:
        messages = (message("info", f"admin.done.{done}"), *messages)
    return render(template, title_key, status, messages, csrf=request.environ.get("onescreen.csrf", ""),
                  moment=lambda value: i18n.format_moment(value, lang) if value else "—", **context)


def _done(path: str, done: str):
    return redirect(f"{path}?{urlencode({'done': done, 'lang': i18n.language(request.args.get('lang'))})}", code=303)


def _kept_logged_in(access: Access, user_id: int, response):
    """A password change ends every session of its user: when it is the user's own, this browser gets a new one."""
    if user_id == g.principal.id:
        session_id, _csrf = access.store.open_session(user_id)
        set_cookie(response, SESSION_COOKIE, session_id, access.settings)
    return response


def _errors(refused: Refused) -> tuple:
    lang = i18n.language(request.args.get("lang"))
    return tuple({"kind": "error", "text": text} for text in refused.texts(lang))


def _bounded_int(text: str, low: int, high: int) -> int | None:
    text = (text or "").strip()
    if not re.fullmatch(r"\d{1,7}", text):
        return None
    value = int(text)
    return value if low <= value <= high else None


def _audit_filter(args) -> AuditFilter:
    """The audit page's filter from the query string; anything malformed is a Refused naming the field."""
    problems = []
    action = args.get("action", "").strip()
    if action and not _ACTION.fullmatch(action):
        problems.append(("admin.audit_bad_action", {}))
    principal = args.get("principal", "").strip()
    if len(principal) > 140:
        problems.append(("admin.audit_bad_principal", {}))
    outcome = args.get("outcome", "").strip()
    if outcome and outcome not in AUDIT_OUTCOMES:
        problems.append(("admin.audit_bad_outcome", {}))
    days = {}
    for name in ("since", "until"):
        text = args.get(name, "").strip()
        days[name] = _day(text)
        if text and days[name] is None:
            problems.append(("admin.audit_bad_date", {"value": text[:20]}))
    if days["since"] and days["until"] and days["since"] > days["until"]:
        problems.append(("admin.audit_bad_range", {}))
    page = _bounded_int(args.get("page", "1") or "1", 1, 1_000_000)
    if page is None:
        problems.append(("admin.audit_bad_page", {}))
    if problems:
        raise Refused(problems)
    return AuditFilter(action, principal, outcome, days["since"], days["until"], page)


def _day(text: str) -> date | None:
    """A YYYY-MM-DD day (what <input type=date> sends), else None."""
    if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        return None


def _compact_json(detail: dict) -> str:
    return json.dumps(detail, ensure_ascii=False, separators=(",", ":"), sort_keys=True, default=str)


def _audit_csv(access: Access, wanted: AuditFilter, lang: str) -> Iterator[bytes]:
    """The filtered trail as CSV (a BOM so Excel reads UTF-8), cells neutralised as every export's are.

    Read in batches up to the second the export began (the store's clock has whole seconds): events recorded
    later are newer, so they neither shift the batches nor appear twice.
    """
    arguments = wanted.store_arguments()
    began = access.store.now() + timedelta(seconds=1)
    arguments["until"] = min(arguments["until"], began) if arguments["until"] else began
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow([i18n.t(f"admin.audit.col.{column}", lang) for column in _AUDIT_COLUMNS])
    yield ("\ufeff" + buffer.getvalue()).encode("utf-8")
    offset = 0
    while True:
        batch = access.store.audit_events(**arguments, limit=_CSV_BATCH, offset=offset)
        buffer.seek(0)
        buffer.truncate()
        for event in batch:
            writer.writerow([csv_value(value) for value in (
                event.event_id, event.at, event.action, event.outcome, event.principal_kind, event.principal_name,
                event.area_code, event.remote_addr, _compact_json(event.detail))])
        yield buffer.getvalue().encode("utf-8")
        if len(batch) < _CSV_BATCH:
            return
        offset += _CSV_BATCH
