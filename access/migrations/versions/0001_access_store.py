"""The access store's first schema: users and their areas, wall devices, API tokens, sessions, acknowledgements, audit.

Revision ID: 0001
Revises:
Create Date: 2026-12-02
"""
import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

DIGEST = sa.String(64)


def upgrade() -> None:
    op.create_table(
        "os_user",
        sa.Column("user_id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("username", sa.String(64), nullable=False, unique=True),
        sa.Column("display_name", sa.String(128), nullable=False),
        sa.Column("source", sa.String(16), nullable=False),
        sa.Column("password_hash", sa.String(255)),
        sa.Column("role", sa.String(16), nullable=False),
        sa.Column("personal_data", sa.Boolean, nullable=False),
        sa.Column("active", sa.Boolean, nullable=False),
        sa.Column("failed_logins", sa.Integer, nullable=False),
        sa.Column("locked_until", sa.DateTime),
        sa.Column("password_changed_at", sa.DateTime),
        sa.Column("created_at", sa.DateTime, nullable=False),
        sa.Column("last_login_at", sa.DateTime),
    )
    op.create_table(
        "os_user_area",
        sa.Column("user_id", sa.Integer, sa.ForeignKey("os_user.user_id", ondelete="CASCADE"), primary_key=True),
        sa.Column("area_code", sa.String(32), primary_key=True),
    )
    op.create_table(
        "os_device",
        sa.Column("device_id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("name", sa.String(64), nullable=False, unique=True),
        sa.Column("area_code", sa.String(32), nullable=False),
        sa.Column("views", sa.String(255), nullable=False),
        sa.Column("rotate_seconds", sa.Integer, nullable=False),
        sa.Column("credential_hash", DIGEST, unique=True),
        sa.Column("pairing_code_hash", DIGEST),
        sa.Column("pairing_expires_at", sa.DateTime),
        sa.Column("created_at", sa.DateTime, nullable=False),
        sa.Column("created_by", sa.String(64), nullable=False),
        sa.Column("paired_at", sa.DateTime),
        sa.Column("revoked_at", sa.DateTime),
        sa.Column("last_seen_at", sa.DateTime),
    )
    op.create_table(
        "os_api_token",
        sa.Column("token_id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("user_id", sa.Integer, sa.ForeignKey("os_user.user_id", ondelete="CASCADE"), nullable=False),
        sa.Column("name", sa.String(64), nullable=False),
        sa.Column("token_hash", DIGEST, nullable=False, unique=True),
        sa.Column("prefix", sa.String(16), nullable=False),
        sa.Column("created_at", sa.DateTime, nullable=False),
        sa.Column("expires_at", sa.DateTime),
        sa.Column("revoked_at", sa.DateTime),
        sa.Column("last_used_at", sa.DateTime),
    )
    op.create_table(
        "os_session",
        sa.Column("session_hash", DIGEST, primary_key=True),
        sa.Column("user_id", sa.Integer, sa.ForeignKey("os_user.user_id", ondelete="CASCADE"), nullable=False),
        sa.Column("created_at", sa.DateTime, nullable=False),
        sa.Column("last_seen_at", sa.DateTime, nullable=False),
        sa.Column("csrf_token", sa.String(64), nullable=False),
    )
    op.create_table(
        "os_acknowledgement",
        sa.Column("alert_key", sa.String(200), primary_key=True),
        sa.Column("area_code", sa.String(32), nullable=False),
        sa.Column("acknowledged_at", sa.DateTime, nullable=False),
        sa.Column("acknowledged_by", sa.String(140), nullable=False),
    )
    op.create_table(
        "os_audit_event",
        sa.Column("event_id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("at", sa.DateTime, nullable=False),
        sa.Column("action", sa.String(32), nullable=False),
        sa.Column("outcome", sa.String(16), nullable=False),
        sa.Column("principal_kind", sa.String(16)),
        sa.Column("principal_id", sa.Integer),
        sa.Column("principal_name", sa.String(140)),
        sa.Column("area_code", sa.String(32)),
        sa.Column("detail", sa.Text, nullable=False),
        sa.Column("remote_addr", sa.String(64)),
    )
    op.create_index("os_audit_event_at", "os_audit_event", ["at"])
    op.create_table(
        "os_setting",
        sa.Column("name", sa.String(64), primary_key=True),
        sa.Column("value", sa.Text, nullable=False),
    )


def downgrade() -> None:
    for table in ("os_setting", "os_audit_event", "os_acknowledgement", "os_session", "os_api_token",
                  "os_device", "os_user_area", "os_user"):
        op.drop_table(table)
