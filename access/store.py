"""Reads and writes of OneScreen's own store (access.tables), on SQLite, PostgreSQL or MySQL/MariaDB.

Every method is one short transaction, so several web processes and hosts
can share the store (it is where sessions live: no state in a web process).
Long random secrets (session ids, tokens, device credentials, pairing
codes) are compared by their SHA-256 digest; passwords by argon2.
"""
from __future__ import annotations

import hashlib
import json
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Callable, Iterable

from alembic import command
from alembic.config import Config
from sqlalchemy import and_, create_engine, delete, event, func, insert, or_, select, update
from sqlalchemy.engine import Engine
from sqlalchemy.pool import StaticPool

from access import tables as T
from access.model import Principal
from access.passwords import PasswordPolicy, hash_password
from data_access.engine import fresh_after_fork

MIGRATIONS = Path(__file__).resolve().parent / "migrations"
# A session's last-seen time is written at most this often: a wall's callbacks do not each cost a write.
_TOUCH_EVERY = timedelta(seconds=60)
PAIRING_VALID = timedelta(minutes=30)
# Pairing codes are typed on a wall's keyboard: no 0/O or 1/I/L to confuse.
_PAIRING_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
_PAIRING_LENGTH = 10


def digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


@dataclass(frozen=True)
class User:
    user_id: int
    username: str
    display_name: str
    source: str
    role: str
    areas: tuple[str, ...]
    personal_data: bool
    active: bool
    password_hash: str | None
    failed_logins: int
    locked_until: datetime | None
    created_at: datetime
    last_login_at: datetime | None
    password_changed_at: datetime | None = None

    def principal(self, via: str = "session", session_id: str | None = None) -> Principal:
        return Principal("user", self.user_id, self.username, self.role, self.areas, self.personal_data,
                         via=via, session_id=session_id, display_name=self.display_name)


@dataclass(frozen=True)
class Device:
    device_id: int
    name: str
    area_code: str
    views: tuple[str, ...]
    rotate_seconds: int
    created_at: datetime
    created_by: str
    paired_at: datetime | None
    revoked_at: datetime | None
    last_seen_at: datetime | None
    pairing_expires_at: datetime | None

    def principal(self) -> Principal:
        # A device never has personal data, whatever anyone sets: Principal's default, never passed.
        return Principal("device", self.device_id, self.name, "viewer", (self.area_code,), views=self.views,
                         via="device")


@dataclass(frozen=True)
class Token:
    token_id: int
    user_id: int
    username: str
    name: str
    prefix: str
    created_at: datetime
    expires_at: datetime | None
    revoked_at: datetime | None
    last_used_at: datetime | None


@dataclass(frozen=True)
class AuditEvent:
    event_id: int
    at: datetime
    action: str
    outcome: str
    principal_kind: str | None
    principal_id: int | None
    principal_name: str | None
    area_code: str | None
    detail: dict
    remote_addr: str | None


def _write_ahead_log(connection, _record) -> None:
    """SQLite's write-ahead log for a store file: readers never wait for a writer, nor a writer for readers.

    In the default rollback journal a write waits until no one reads, and every read waits behind a pending
    write: with walls' sessions read on every request and touched every minute, a few web processes and an
    export process (at a lower CPU priority, so slow to let go of a lock) stalled each other's requests for
    seconds (bench/walls.py, the export storm). The mode is kept in the file; setting it again is a no-op.
    """
    connection.execute("PRAGMA journal_mode=WAL")


class AccessStore:
    def __init__(self, url: str, clock: Callable[[], datetime] | None = None):
        # An in-memory SQLite (tests) is one database only while it is one connection.
        memory = url in ("sqlite://", "sqlite:///:memory:")
        options = {"poolclass": StaticPool, "connect_args": {"check_same_thread": False}} if memory else {}
        if url.startswith("sqlite") and not memory:
            # Several web processes write sessions and audit records: wait for a lock rather than fail.
            options["connect_args"] = {"timeout": 10}
        self.engine: Engine = fresh_after_fork(create_engine(url, pool_pre_ping=not memory, **options))
        if url.startswith("sqlite") and not memory:
            event.listen(self.engine, "connect", _write_ahead_log)
        self._clock = clock or (lambda: datetime.now().replace(microsecond=0))

    def now(self) -> datetime:
        return self._clock()

    # --- schema -------------------------------------------------------------------------------

    def upgrade(self) -> None:
        """Bring the schema to the newest migration (a no-op when it is there); safe at every start."""
        if self.engine.url.get_backend_name() == "sqlite" and self.engine.url.database:
            Path(self.engine.url.database).parent.mkdir(parents=True, exist_ok=True)
        config = Config()
        config.set_main_option("script_location", str(MIGRATIONS))
        with self.engine.begin() as conn:
            config.attributes["connection"] = conn
            command.upgrade(config, "head")

    # --- users --------------------------------------------------------------------------------

    def create_user(self, username: str, display_name: str, role: str, areas: Iterable[str], *,
                    password: str | None = None, source: str = "local", personal_data: bool = False) -> int:
        now = self.now()
        with self.engine.begin() as conn:
            user_id = conn.execute(insert(T.users).values(
                username=username, display_name=display_name, source=source,
                password_hash=hash_password(password) if password else None, role=role,
                personal_data=personal_data, active=True, failed_logins=0, created_at=now,
                password_changed_at=now if password else None,
            )).inserted_primary_key[0]
            _set_areas(conn, user_id, areas)
        return user_id

    def update_user(self, user_id: int, *, areas: Iterable[str] | None = None, **changes) -> None:
        """Change role, display_name, personal_data or active, and/or replace the areas."""
        allowed = {"role", "display_name", "personal_data", "active"}
        unknown = set(changes) - allowed
        if unknown:
            raise ValueError(f"cannot change {sorted(unknown)}")
        with self.engine.begin() as conn:
            if changes:
                conn.execute(update(T.users).where(T.users.c.user_id == user_id).values(**changes))
            if areas is not None:
                _set_areas(conn, user_id, areas)
            if changes.get("active") is False:
                conn.execute(delete(T.sessions).where(T.sessions.c.user_id == user_id))

    def set_password(self, user_id: int, password: str) -> None:
        with self.engine.begin() as conn:
            conn.execute(update(T.users).where(T.users.c.user_id == user_id).values(
                password_hash=hash_password(password), password_changed_at=self.now(), failed_logins=0,
                locked_until=None))
            # A changed password ends every session opened with the old one.
            conn.execute(delete(T.sessions).where(T.sessions.c.user_id == user_id))

    def user(self, user_id: int) -> User | None:
        return next(iter(self._users(T.users.c.user_id == user_id)), None)

    def find_user(self, username: str) -> User | None:
        return next(iter(self._users(T.users.c.username == username)), None)

    def users(self) -> list[User]:
        return self._users(None)

    def _users(self, condition) -> list[User]:
        query = select(T.users).order_by(T.users.c.username)
        if condition is not None:
            query = query.where(condition)
        with self.engine.connect() as conn:
            rows = conn.execute(query).mappings().all()
            ids = [row["user_id"] for row in rows]
            areas: dict[int, list[str]] = {}
            if ids:
                for user_id, code in conn.execute(
                    select(T.user_areas.c.user_id, T.user_areas.c.area_code)
                    .where(T.user_areas.c.user_id.in_(ids)).order_by(T.user_areas.c.area_code)
                ):
                    areas.setdefault(user_id, []).append(code)
        return [_user(row, areas.get(row["user_id"], [])) for row in rows]

    def record_login_failure(self, user: User, policy: PasswordPolicy) -> datetime | None:
        """Count a failed login; lock the account when the policy says so. Returns the lock's end, if locked."""
        failures = user.failed_logins + 1
        locked_until = None
        if policy.lock_after and failures >= policy.lock_after:
            locked_until = self.now() + timedelta(minutes=policy.lock_minutes)
            failures = 0
        with self.engine.begin() as conn:
            conn.execute(update(T.users).where(T.users.c.user_id == user.user_id).values(
                failed_logins=failures, locked_until=locked_until or user.locked_until))
        return locked_until

    def record_login_success(self, user: User, *, password_hash: str | None = None) -> None:
        values = {"failed_logins": 0, "locked_until": None, "last_login_at": self.now()}
        if password_hash:
            values["password_hash"] = password_hash
        with self.engine.begin() as conn:
            conn.execute(update(T.users).where(T.users.c.user_id == user.user_id).values(**values))

    def unlock_user(self, user_id: int) -> None:
        """An administrator lifts a lockout before it ends (the failures so far are forgotten too)."""
        with self.engine.begin() as conn:
            conn.execute(update(T.users).where(T.users.c.user_id == user_id).values(failed_logins=0, locked_until=None))

    def mirror_directory_user(self, username: str, display_name: str, role: str, areas: Iterable[str],
                              personal_data: bool) -> User:
        """The directory's answer at this login, kept as a user row (for sessions, tokens and the audit trail)."""
        found = self.find_user(username)
        if found is None:
            self.create_user(username, display_name, role, areas, source="ldap", personal_data=personal_data)
        elif found.source != "ldap":
            raise ValueError(f"{username!r} is a local account; the directory cannot log it in")
        else:
            self.update_user(found.user_id, areas=areas, role=role, display_name=display_name,
                             personal_data=personal_data)
        return self.find_user(username)

    # --- sessions -----------------------------------------------------------------------------

    def open_session(self, user_id: int) -> tuple[str, str]:
        """A new session for the user: (its id, for the cookie; its CSRF token)."""
        session_id, csrf = secrets.token_urlsafe(32), secrets.token_urlsafe(24)
        now = self.now()
        with self.engine.begin() as conn:
            conn.execute(insert(T.sessions).values(session_hash=digest(session_id), user_id=user_id,
                                                   created_at=now, last_seen_at=now, csrf_token=csrf))
        return session_id, csrf

    def session_user(self, session_id: str, idle: timedelta, absolute: timedelta) -> tuple[User, str] | None:
        """(the session's user, its CSRF token) if the session is open, its user active; else None (and it ends)."""
        now = self.now()
        key = digest(session_id)
        with self.engine.connect() as conn:
            row = conn.execute(select(T.sessions).where(T.sessions.c.session_hash == key)).mappings().first()
        if row is None:
            return None
        user = self.user(row["user_id"])
        expired = now - row["last_seen_at"] > idle or now - row["created_at"] > absolute
        if expired or user is None or not user.active:
            self.close_session(session_id)
            return None
        if now - row["last_seen_at"] >= _TOUCH_EVERY:
            with self.engine.begin() as conn:
                conn.execute(update(T.sessions).where(T.sessions.c.session_hash == key).values(last_seen_at=now))
        return user, row["csrf_token"]

    def close_session(self, session_id: str) -> None:
        with self.engine.begin() as conn:
            conn.execute(delete(T.sessions).where(T.sessions.c.session_hash == digest(session_id)))

    def purge_sessions(self, idle: timedelta, absolute: timedelta) -> int:
        now = self.now()
        with self.engine.begin() as conn:
            return conn.execute(delete(T.sessions).where(or_(
                T.sessions.c.last_seen_at < now - idle, T.sessions.c.created_at < now - absolute))).rowcount

    # --- API tokens ---------------------------------------------------------------------------

    def create_token(self, user_id: int, name: str, expires_at: datetime | None = None) -> tuple[int, str]:
        """A new token for the user: (its id, the token itself, which is shown once and never stored)."""
        token = "os1_" + secrets.token_urlsafe(32)
        with self.engine.begin() as conn:
            token_id = conn.execute(insert(T.api_tokens).values(
                user_id=user_id, name=name, token_hash=digest(token), prefix=token[:10], created_at=self.now(),
                expires_at=expires_at)).inserted_primary_key[0]
        return token_id, token

    def token_user(self, token: str) -> tuple[User, int] | None:
        """(the token's user, the token's id) if it is valid, unrevoked and unexpired, and its user active."""
        now = self.now()
        with self.engine.connect() as conn:
            row = conn.execute(select(T.api_tokens).where(
                T.api_tokens.c.token_hash == digest(token), T.api_tokens.c.revoked_at.is_(None),
                or_(T.api_tokens.c.expires_at.is_(None), T.api_tokens.c.expires_at > now),
            )).mappings().first()
        if row is None:
            return None
        user = self.user(row["user_id"])
        if user is None or not user.active:
            return None
        if row["last_used_at"] is None or now - row["last_used_at"] >= _TOUCH_EVERY:
            with self.engine.begin() as conn:
                conn.execute(update(T.api_tokens).where(T.api_tokens.c.token_id == row["token_id"])
                             .values(last_used_at=now))
        return user, row["token_id"]

    def tokens(self, user_id: int | None = None) -> list[Token]:
        query = (select(T.api_tokens, T.users.c.username)
                 .join(T.users, T.users.c.user_id == T.api_tokens.c.user_id)
                 .order_by(T.api_tokens.c.created_at.desc(), T.api_tokens.c.token_id.desc()))
        if user_id is not None:
            query = query.where(T.api_tokens.c.user_id == user_id)
        with self.engine.connect() as conn:
            return [Token(r["token_id"], r["user_id"], r["username"], r["name"], r["prefix"], r["created_at"],
                          r["expires_at"], r["revoked_at"], r["last_used_at"])
                    for r in conn.execute(query).mappings()]

    def revoke_token(self, token_id: int, user_id: int | None = None) -> bool:
        """Revoke a token (only the user's own when `user_id` is given); False if there was none to revoke."""
        condition = and_(T.api_tokens.c.token_id == token_id, T.api_tokens.c.revoked_at.is_(None))
        if user_id is not None:
            condition = and_(condition, T.api_tokens.c.user_id == user_id)
        with self.engine.begin() as conn:
            return conn.execute(update(T.api_tokens).where(condition).values(revoked_at=self.now())).rowcount > 0

    # --- wall devices -------------------------------------------------------------------------

    def register_device(self, name: str, area_code: str, views: Iterable[str], rotate_seconds: int,
                        created_by: str) -> tuple[int, str]:
        """A new wall device, not yet paired: (its id, the one-time pairing code to type on the wall)."""
        code = _pairing_code()
        with self.engine.begin() as conn:
            device_id = conn.execute(insert(T.devices).values(
                name=name, area_code=area_code, views=",".join(views), rotate_seconds=rotate_seconds,
                pairing_code_hash=digest(code), pairing_expires_at=self.now() + PAIRING_VALID,
                created_at=self.now(), created_by=created_by)).inserted_primary_key[0]
        return device_id, code

    def renew_pairing_code(self, device_id: int) -> str | None:
        """A fresh pairing code for an unrevoked device (its old credential stops working); None if revoked."""
        code = _pairing_code()
        with self.engine.begin() as conn:
            changed = conn.execute(update(T.devices).where(
                T.devices.c.device_id == device_id, T.devices.c.revoked_at.is_(None)).values(
                pairing_code_hash=digest(code), pairing_expires_at=self.now() + PAIRING_VALID,
                credential_hash=None)).rowcount
        return code if changed else None

    def pair_device(self, code: str) -> tuple[Device, str] | None:
        """Exchange a valid pairing code for the device's long-lived credential (shown once, as the wall's cookie)."""
        normalized = code.strip().upper().replace("-", "").replace(" ", "")
        credential = "osd_" + secrets.token_urlsafe(32)
        now = self.now()
        with self.engine.begin() as conn:
            row = conn.execute(select(T.devices.c.device_id).where(
                T.devices.c.pairing_code_hash == digest(normalized), T.devices.c.pairing_expires_at > now,
                T.devices.c.revoked_at.is_(None))).first()
            if row is None:
                return None
            # One use only: the code is gone in the same transaction that hands out the credential.
            conn.execute(update(T.devices).where(T.devices.c.device_id == row[0]).values(
                pairing_code_hash=None, pairing_expires_at=None, credential_hash=digest(credential),
                paired_at=now, last_seen_at=now))
        return self.device(row[0]), credential

    def device_by_credential(self, credential: str) -> Device | None:
        now = self.now()
        with self.engine.connect() as conn:
            row = conn.execute(select(T.devices).where(
                T.devices.c.credential_hash == digest(credential), T.devices.c.revoked_at.is_(None)
            )).mappings().first()
        if row is None:
            return None
        if row["last_seen_at"] is None or now - row["last_seen_at"] >= _TOUCH_EVERY:
            with self.engine.begin() as conn:
                conn.execute(update(T.devices).where(T.devices.c.device_id == row["device_id"])
                             .values(last_seen_at=now))
        return _device(row)

    def device(self, device_id: int) -> Device | None:
        with self.engine.connect() as conn:
            row = conn.execute(select(T.devices).where(T.devices.c.device_id == device_id)).mappings().first()
        return _device(row) if row else None

    def devices(self) -> list[Device]:
        with self.engine.connect() as conn:
            return [_device(row) for row in conn.execute(select(T.devices).order_by(T.devices.c.name)).mappings()]

    def revoke_device(self, device_id: int) -> bool:
        with self.engine.begin() as conn:
            return conn.execute(update(T.devices).where(
                T.devices.c.device_id == device_id, T.devices.c.revoked_at.is_(None)).values(
                revoked_at=self.now(), credential_hash=None, pairing_code_hash=None)).rowcount > 0

    # --- placard acknowledgements -------------------------------------------------------------

    def acknowledge(self, alert_key: str, area_code: str, by: str) -> bool:
        """Record who acknowledged an alert; False if it already was (the first acknowledgement stands)."""
        with self.engine.begin() as conn:
            exists = conn.execute(select(T.acknowledgements.c.alert_key)
                                  .where(T.acknowledgements.c.alert_key == alert_key)).first()
            if exists:
                return False
            conn.execute(insert(T.acknowledgements).values(alert_key=alert_key, area_code=area_code,
                                                           acknowledged_at=self.now(), acknowledged_by=by))
        return True

    def acknowledged(self, alert_keys: Iterable[str]) -> dict[str, tuple[datetime, str]]:
        keys = list(dict.fromkeys(alert_keys))[:500]
        if not keys:
            return {}
        with self.engine.connect() as conn:
            rows = conn.execute(select(T.acknowledgements).where(T.acknowledgements.c.alert_key.in_(keys)))
            return {r.alert_key: (r.acknowledged_at, r.acknowledged_by) for r in rows}

    # --- the audit trail ----------------------------------------------------------------------

    def record(self, action: str, outcome: str, principal: Principal | None, *, area_code: str | None = None,
               detail: dict | None = None, remote_addr: str | None = None) -> None:
        """Append one audit record. Nothing in OneScreen updates or deletes one, but `purge_audit` past retention."""
        with self.engine.begin() as conn:
            conn.execute(insert(T.audit_events).values(
                at=self.now(), action=action, outcome=outcome,
                principal_kind=principal.kind if principal else None,
                principal_id=principal.id if principal else None,
                principal_name=principal.name[:140] if principal else None,
                area_code=area_code, detail=json.dumps(detail or {}, ensure_ascii=False, default=str),
                remote_addr=(remote_addr or "")[:64] or None))

    def audit_events(self, *, action: str | None = None, principal_name: str | None = None,
                     since: datetime | None = None, until: datetime | None = None, outcome: str | None = None,
                     limit: int | None = 500, offset: int = 0) -> list[AuditEvent]:
        """Newest first, filtered; `limit` None: all of them (the CSV export)."""
        e = T.audit_events
        query = select(e).order_by(e.c.at.desc(), e.c.event_id.desc())
        for column, value in ((e.c.action, action), (e.c.principal_name, principal_name), (e.c.outcome, outcome)):
            if value:
                query = query.where(column == value)
        if since:
            query = query.where(e.c.at >= since)
        if until:
            query = query.where(e.c.at < until)
        if limit is not None:
            query = query.limit(limit).offset(offset)
        with self.engine.connect() as conn:
            return [AuditEvent(r["event_id"], r["at"], r["action"], r["outcome"], r["principal_kind"],
                               r["principal_id"], r["principal_name"], r["area_code"], json.loads(r["detail"]),
                               r["remote_addr"]) for r in conn.execute(query).mappings()]

    def count_audit_events(self) -> int:
        with self.engine.connect() as conn:
            return conn.execute(select(func.count()).select_from(T.audit_events)).scalar()

    def purge_audit(self, retention_days: int) -> int:
        """Drop the records older than the retention (a setting, default 180 days); returns how many."""
        cutoff = self.now() - timedelta(days=retention_days)
        with self.engine.begin() as conn:
            return conn.execute(delete(T.audit_events).where(T.audit_events.c.at < cutoff)).rowcount

    # --- settings an administrator changes ----------------------------------------------------

    def password_policy(self) -> PasswordPolicy:
        return PasswordPolicy.from_json(self._setting("password_policy"))

    def set_password_policy(self, policy: PasswordPolicy) -> None:
        self._set_setting("password_policy", policy.to_json())

    def _setting(self, name: str) -> str | None:
        with self.engine.connect() as conn:
            return conn.execute(select(T.settings.c.value).where(T.settings.c.name == name)).scalar()

    def _set_setting(self, name: str, value: str) -> None:
        with self.engine.begin() as conn:
            changed = conn.execute(update(T.settings).where(T.settings.c.name == name).values(value=value)).rowcount
            if not changed:
                conn.execute(insert(T.settings).values(name=name, value=value))


def _set_areas(conn, user_id: int, areas: Iterable[str]) -> None:
    conn.execute(delete(T.user_areas).where(T.user_areas.c.user_id == user_id))
    codes = sorted(set(areas))
    if codes:
        conn.execute(insert(T.user_areas), [{"user_id": user_id, "area_code": code} for code in codes])


def _user(row, areas: list[str]) -> User:
    return User(row["user_id"], row["username"], row["display_name"], row["source"], row["role"], tuple(areas),
                bool(row["personal_data"]), bool(row["active"]), row["password_hash"], row["failed_logins"],
                row["locked_until"], row["created_at"], row["last_login_at"], row["password_changed_at"])


def _device(row) -> Device:
    return Device(row["device_id"], row["name"], row["area_code"],
                  tuple(v for v in row["views"].split(",") if v), row["rotate_seconds"], row["created_at"],
                  row["created_by"], row["paired_at"], row["revoked_at"], row["last_seen_at"],
                  row["pairing_expires_at"])


def _pairing_code() -> str:
    return "".join(secrets.choice(_PAIRING_ALPHABET) for _ in range(_PAIRING_LENGTH))
