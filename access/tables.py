"""OneScreen's own store: users, wall devices, API tokens, sessions, placard acknowledgements, the audit trail.

These tables live in OneScreen's own database (ONESCREEN_APP_DATABASE_URL),
never in the city's operational one, which OneScreen only reads. The schema
is made and changed by the Alembic migrations in access/migrations; this
module is what the code reads and writes, and a test checks that the
migrated schema equals it on every dialect.

Secrets are never stored as given: passwords as argon2 hashes, and session
ids, device credentials, pairing codes and API tokens (long random strings)
as SHA-256 digests, so a copy of this database lets no one in.
"""
from __future__ import annotations

from sqlalchemy import Boolean, Column, DateTime, ForeignKey, Index, Integer, MetaData, String, Table, Text

metadata = MetaData()

# A SHA-256 digest in hex.
DIGEST = String(64)

users = Table(
    "os_user", metadata,
    Column("user_id", Integer, primary_key=True, autoincrement=True),
    Column("username", String(64), nullable=False, unique=True),
    Column("display_name", String(128), nullable=False),
    # local: the password is here; ldap: the directory decides, this row mirrors the last login's mapping.
    Column("source", String(16), nullable=False),
    Column("password_hash", String(255)),
    Column("role", String(16), nullable=False),
    Column("personal_data", Boolean, nullable=False),
    Column("active", Boolean, nullable=False),
    Column("failed_logins", Integer, nullable=False),
    Column("locked_until", DateTime),
    Column("password_changed_at", DateTime),
    Column("created_at", DateTime, nullable=False),
    Column("last_login_at", DateTime),
)

user_areas = Table(
    "os_user_area", metadata,
    Column("user_id", Integer, ForeignKey("os_user.user_id", ondelete="CASCADE"), primary_key=True),
    Column("area_code", String(32), primary_key=True),
)

devices = Table(
    "os_device", metadata,
    Column("device_id", Integer, primary_key=True, autoincrement=True),
    Column("name", String(64), nullable=False, unique=True),
    Column("area_code", String(32), nullable=False),
    # Comma-separated view names (access.model.VIEW_NAMES) the wall rotates through.
    Column("views", String(255), nullable=False),
    Column("rotate_seconds", Integer, nullable=False),
    Column("credential_hash", DIGEST, unique=True),
    Column("pairing_code_hash", DIGEST),
    Column("pairing_expires_at", DateTime),
    Column("created_at", DateTime, nullable=False),
    Column("created_by", String(64), nullable=False),
    Column("paired_at", DateTime),
    Column("revoked_at", DateTime),
    Column("last_seen_at", DateTime),
)

api_tokens = Table(
    "os_api_token", metadata,
    Column("token_id", Integer, primary_key=True, autoincrement=True),
    Column("user_id", Integer, ForeignKey("os_user.user_id", ondelete="CASCADE"), nullable=False),
    Column("name", String(64), nullable=False),
    Column("token_hash", DIGEST, nullable=False, unique=True),
    # The first characters, shown in lists so a user can tell tokens apart; not enough to use one.
    Column("prefix", String(16), nullable=False),
    Column("created_at", DateTime, nullable=False),
    Column("expires_at", DateTime),
    Column("revoked_at", DateTime),
    Column("last_used_at", DateTime),
)

sessions = Table(
    "os_session", metadata,
    Column("session_hash", DIGEST, primary_key=True),
    Column("user_id", Integer, ForeignKey("os_user.user_id", ondelete="CASCADE"), nullable=False),
    Column("created_at", DateTime, nullable=False),
    Column("last_seen_at", DateTime, nullable=False),
    # Sent back with every form the admin pages post: a cross-site form cannot know it.
    Column("csrf_token", String(64), nullable=False),
)

acknowledgements = Table(
    "os_acknowledgement", metadata,
    # The placard's key (the alert's kind, zone or sensor, and since when), as the wall names it.
    Column("alert_key", String(200), primary_key=True),
    Column("area_code", String(32), nullable=False),
    Column("acknowledged_at", DateTime, nullable=False),
    Column("acknowledged_by", String(140), nullable=False),
)

audit_events = Table(
    "os_audit_event", metadata,
    Column("event_id", Integer, primary_key=True, autoincrement=True),
    Column("at", DateTime, nullable=False),
    Column("action", String(32), nullable=False),
    # ok, refused (the principal may not), failed (wrong credentials, an error).
    Column("outcome", String(16), nullable=False),
    Column("principal_kind", String(16)),
    Column("principal_id", Integer),
    Column("principal_name", String(140)),
    Column("area_code", String(32)),
    # What was done, as JSON text: the view and its effective scope, the export and its rows, the change made.
    Column("detail", Text, nullable=False),
    Column("remote_addr", String(64)),
    Index("os_audit_event_at", "at"),
)

settings = Table(
    "os_setting", metadata,
    Column("name", String(64), primary_key=True),
    Column("value", Text, nullable=False),
)
