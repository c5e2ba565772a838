"""Access as the web server uses it: logging in, finding the principal of a request, writing the audit trail.

One `Access` per process, made from the settings: the store (with its
schema upgraded at start-up), the password policy, the directory settings.
The guard, the login pages and the admin pages all go through it, so a
login is checked, locked out and audited the same way whichever page took it.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import request

import config
from access.model import Principal, ROLES
from access.passwords import needs_rehash, verify_password, hash_password
from access.store import AccessStore

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class LoginResult:
    """ok: the user and a new session; else `reason` (catalogue key login.<reason>) and, if locked, until when."""

    ok: bool
    reason: str | None = None
    session_id: str | None = None
    principal: Principal | None = None
    locked_until: datetime | None = None


class Access:
    def __init__(self, settings: config.Settings, store: AccessStore | None = None):
        self.settings = settings
        self.store = store or AccessStore(settings.app_database_url)
        self.store.upgrade()
        self.idle = timedelta(minutes=settings.session_idle_minutes)
        self.absolute = timedelta(hours=settings.session_absolute_hours)
        # Past retention an audit record is dropped (等保: kept at least six months; the default is 180 days),
        # and sessions past their timeouts go: done at every start, which a long-running wall server also gets
        # from the CLI's purge-audit on a schedule.
        self.store.purge_audit(settings.audit_retention_days)
        self.store.purge_sessions(self.idle, self.absolute)
        # Sessions in the cache's Redis when there is one (shared, expiring by themselves), else in the store.
        self.redis_sessions = None
        if settings.cache_redis_url:
            from access.sessions import RedisSessions

            self.redis_sessions = RedisSessions(settings.cache_redis_url, self.idle, self.absolute, self.store.now,
                                                settings.connect_timeout_s, settings.outage_backoff_s)
        self.directory = None
        if settings.ldap_config:
            from access.directory import load_directory_config

            self.directory = load_directory_config(settings.ldap_config)

    # --- who is asking ------------------------------------------------------------------------

    def session_principal(self, session_id: str) -> Principal | None:
        found = self._session_user(session_id)
        if found is None:
            return None
        user, csrf = found
        principal = user.principal(via="session", session_id=session_id)
        request.environ["onescreen.csrf"] = csrf
        return principal

    def _session_user(self, session_id: str):
        if self.redis_sessions is None:
            return self.store.session_user(session_id, self.idle, self.absolute)
        found = self.redis_sessions.find(session_id)
        if found is None:
            return None
        user_id, csrf, created = found
        user = self.store.user(user_id)
        # A password changed (or an account closed) since the session opened ends it, as the store's rows do.
        if user is None or not user.active or (user.password_changed_at and user.password_changed_at > created):
            self.redis_sessions.close_session(session_id)
            return None
        return user, csrf

    def open_session(self, user_id: int) -> tuple[str, str]:
        """A new session (its id for the cookie, its CSRF token), in Redis or the store."""
        return (self.redis_sessions or self.store).open_session(user_id)

    def device_principal(self, credential: str) -> Principal | None:
        device = self.store.device_by_credential(credential)
        return device.principal() if device else None

    def token_principal(self, token: str) -> Principal | None:
        found = self.store.token_user(token)
        if found is None:
            return None
        user, _token_id = found
        return user.principal(via="token")

    # --- logging in ---------------------------------------------------------------------------

    def log_in(self, username: str, password: str) -> LoginResult:
        """A local account, else (when configured) the directory; every attempt is audited."""
        username = (username or "").strip()[:64]
        if not username or not password:
            return self._failed(username, "missing")
        user = self.store.find_user(username) or (self.directory and self.store.find_user(username.lower()))
        if user is not None and user.source == "local":
            return self._local(user, password)
        if self.directory is not None and (user is None or user.source == "ldap"):
            return self._directory(username, password)
        verify_password(None, password)  # as slow as a real check: timing does not tell which names exist
        return self._failed(username, "wrong")

    def _local(self, user, password: str) -> LoginResult:
        now = self.store.now()
        if not user.active:
            verify_password(user.password_hash, password)
            return self._failed(user.username, "wrong", user=user)
        if user.locked_until and user.locked_until > now:
            return self._failed(user.username, "locked", user=user, locked_until=user.locked_until)
        if not verify_password(user.password_hash, password):
            locked = self.store.record_login_failure(user, self.store.password_policy())
            return self._failed(user.username, "locked" if locked else "wrong", user=user, locked_until=locked)
        rehash = hash_password(password) if needs_rehash(user.password_hash) else None
        self.store.record_login_success(user, password_hash=rehash)
        return self._opened(user)

    def _directory(self, username: str, password: str) -> LoginResult:
        from access.directory import DirectoryUnavailable, authenticate

        try:
            identity = authenticate(self.directory, username, password)
        except DirectoryUnavailable as error:
            log.warning("directory unreachable: %s", error)
            return self._failed(username, "directory_unreachable")
        if identity is None:
            return self._failed(username, "wrong")
        # The directory matches names ignoring case: Leader01 and leader01 are one person, one row.
        user = self.store.mirror_directory_user(identity.username.lower(), identity.display_name, identity.role,
                                                identity.areas, identity.personal_data)
        if not user.active:  # an administrator closed the account: the directory's yes does not reopen it
            return self._failed(user.username, "wrong", user=user)
        self.store.record_login_success(user)
        return self._opened(user, groups=list(identity.groups))

    def _opened(self, user, **detail) -> LoginResult:
        session_id, _csrf = self.open_session(user.user_id)
        principal = user.principal(session_id=session_id)
        self.audit("login", "ok", principal, detail={"source": user.source, "role": user.role,
                                                      "areas": list(user.areas), **detail})
        return LoginResult(True, session_id=session_id, principal=principal)

    def _failed(self, username: str, reason: str, *, user=None, locked_until=None) -> LoginResult:
        principal = user.principal() if user else None
        self.audit("login", "failed", principal, detail={"username": username, "reason": reason})
        return LoginResult(False, reason=reason, locked_until=locked_until)

    def log_out(self, principal: Principal) -> None:
        if principal.session_id:
            (self.redis_sessions or self.store).close_session(principal.session_id)
        self.audit("logout", "ok", principal)

    # --- the audit trail ----------------------------------------------------------------------

    def audit(self, action: str, outcome: str, principal: Principal | None, *, area_code: str | None = None,
              detail: dict | None = None) -> None:
        """One audit record; a store that cannot take it is logged loudly, never silently skipped."""
        try:
            remote = request.remote_addr if request else None
        except RuntimeError:  # outside a request (the CLI)
            remote = None
        try:
            self.store.record(action, outcome, principal, area_code=area_code, detail=detail, remote_addr=remote)
        except Exception:
            log.error("AUDIT RECORD LOST: %s %s by %s %s", action, outcome,
                      principal.label if principal else "-", detail, exc_info=True)


def valid_role(role: str) -> bool:
    return role in ROLES
