"""The operational database contract (docs/contract.md, v1.1) as SQLAlchemy Core tables.

This module is the contract in code: the queries read these tables, the
contract checker compares a live database with them, and the demo generator
and the test fixtures create them. It describes; it never connects.

`OPTIONAL` lists the columns SCHEMA.md marks optional: a database may lack
them and every page must still work. `OPTIONAL_TABLES` are v1.1's tables a
database may lack as a whole: read, they are empty (data_access.database),
and the views that need them say "no data".
"""
from __future__ import annotations

from sqlalchemy import (
    Boolean,
    Column,
    DateTime,
    Float,
    Index,
    Integer,
    MetaData,
    Numeric,
    SmallInteger,
    String,
    Table,
    Text,
)
from sqlalchemy.dialects import mysql, sqlite

# SQLite has no timestamp type: the contract's timestamps are text there.
# Stored without fractions ("2026-11-22 09:30:00"), the form other tools write
# too, so that text comparison orders them the way time does.
Timestamp = DateTime().with_variant(
    sqlite.DATETIME(
        storage_format="%(year)04d-%(month)02d-%(day)02d %(hour)02d:%(minute)02d:%(second)02d",
        regexp=r"(\d+)-(\d+)-(\d+)[ T](\d+):(\d+):(\d+)(?:\.(\d+))?",
    ),
    "sqlite",
)
Money = Numeric(14, 2, asdecimal=False)
# MySQL's TEXT stops at 64 KB; a real district outline can be several hundred.
GeoJSON = Text().with_variant(mysql.LONGTEXT(), "mysql", "mariadb")
# Double precision everywhere: a bare FLOAT is single precision on MySQL,
# about 50 m of error at city longitudes.
Double = Float(53)

metadata = MetaData()

area = Table(
    "area",
    metadata,
    Column("area_code", String(32), primary_key=True),
    Column("parent_code", String(32)),
    Column("level", String(16), nullable=False),
    Column("name", String(128), nullable=False),
    Column("boundary", GeoJSON),
    Column("center_lat", Double),
    Column("center_lon", Double),
    Index("ix_area_parent", "parent_code"),
)

department = Table(
    "department",
    metadata,
    Column("dept_code", String(32), primary_key=True),
    Column("name", String(128), nullable=False),
)

category = Table(
    "category",
    metadata,
    Column("category_code", String(32), primary_key=True),
    Column("parent_code", String(32)),
    Column("level", SmallInteger, nullable=False),
    Column("name", String(128), nullable=False),
    Column("sla_hours", Double),
)

ticket = Table(
    "ticket",
    metadata,
    Column("ticket_id", String(40), primary_key=True),
    Column("source", String(32), nullable=False),
    Column("category_code", String(32)),
    Column("area_code", String(32), nullable=False),
    Column("lat", Double),
    Column("lon", Double),
    Column("status", String(16), nullable=False),
    Column("urgent", Boolean),
    Column("reported_at", Timestamp, nullable=False),
    Column("accepted_at", Timestamp),
    Column("dispatched_at", Timestamp),
    Column("handled_at", Timestamp),
    Column("closed_at", Timestamp),
    Column("due_at", Timestamp),
    Column("dept_code", String(32)),
    Column("rework_count", Integer),
    Column("satisfaction", SmallInteger),
    Column("title", String(256)),
    Column("reporter_phone", String(32)),
    Column("supervision", String(16)),  # v1.1: supervised (督办), leader (领导关注)
)

grid_worker = Table(
    "grid_worker",
    metadata,
    Column("worker_id", String(40), primary_key=True),
    Column("name", String(64), nullable=False),
    Column("role", String(16), nullable=False),
    Column("area_code", String(32), nullable=False),
    Column("phone", String(32)),
    Column("active", Boolean, nullable=False),
    # varchar_pattern_ops: PostgreSQL serves "area_code LIKE 'X%'" (data_access.gate) from it under any collation.
    Index("ix_grid_worker_area", "area_code", postgresql_ops={"area_code": "varchar_pattern_ops"}),
)

worker_position = Table(
    "worker_position",
    metadata,
    Column("worker_id", String(40), primary_key=True),
    Column("recorded_at", Timestamp, primary_key=True),
    Column("lat", Double, nullable=False),
    Column("lon", Double, nullable=False),
    # Last-ping-per-worker and "who patrolled today" read pings by time.
    Index("ix_worker_position_recorded", "recorded_at"),
)

crowd_zone = Table(
    "crowd_zone",
    metadata,
    Column("zone_id", String(40), primary_key=True),
    Column("name", String(128), nullable=False),
    Column("area_code", String(32), nullable=False),
    Column("boundary", GeoJSON),
    Column("capacity", Integer, nullable=False),
)

crowd_reading = Table(
    "crowd_reading",
    metadata,
    Column("recorded_at", Timestamp, nullable=False),
    Column("lat", Double, nullable=False),
    Column("lon", Double, nullable=False),
    Column("people", Integer, nullable=False),
    Column("zone_id", String(40)),
    Column("area_code", String(32)),  # v1.1: readings outside every zone are scoped like tickets
    Index("ix_crowd_reading_recorded", "recorded_at", "zone_id"),
)

fund_account = Table(
    "fund_account",
    metadata,
    Column("account_id", String(40), primary_key=True),
    Column("area_code", String(32), nullable=False),
    Column("year", Integer, nullable=False),
    Column("budget", Money, nullable=False),
)

fund_expense = Table(
    "fund_expense",
    metadata,
    Column("expense_id", String(40), primary_key=True),
    Column("account_id", String(40), nullable=False),
    Column("ticket_id", String(40)),
    Column("item", String(256), nullable=False),
    Column("kind", String(32), nullable=False),
    Column("amount", Money, nullable=False),
    Column("spent_at", Timestamp, nullable=False),
    Column("approval", String(16), nullable=False),
    Column("approved_at", Timestamp),
    Index("ix_fund_expense_account", "account_id", "spent_at"),
)

# v1.1: the optional tables (SCHEMA.md "v1.1").

target = Table(
    "target",
    metadata,
    Column("area_code", String(32), nullable=False),
    Column("indicator", String(32), nullable=False),
    Column("year", Integer, nullable=False),
    Column("month", SmallInteger),
    Column("value", Double, nullable=False),
    Column("weight", Double),
    Index("ix_target_area", "area_code", "year"),
)

sensor = Table(
    "sensor",
    metadata,
    Column("sensor_id", String(40), primary_key=True),
    Column("kind", String(32), nullable=False),
    Column("name", String(128), nullable=False),
    Column("area_code", String(32), nullable=False),
    Column("lat", Double, nullable=False),
    Column("lon", Double, nullable=False),
    Column("unit", String(16)),
    Column("level_blue", Double),
    Column("level_yellow", Double),
    Column("level_orange", Double),
    Column("level_red", Double),
    Column("direction", String(4)),
    Column("active", Boolean, nullable=False),
    Index("ix_sensor_area", "area_code", postgresql_ops={"area_code": "varchar_pattern_ops"}),
)

sensor_reading = Table(
    "sensor_reading",
    metadata,
    Column("sensor_id", String(40), primary_key=True),
    Column("recorded_at", Timestamp, primary_key=True),
    Column("value", Double, nullable=False),
    # The latest reading of every sensor, and "offline" (no reading lately), read readings by time.
    Index("ix_sensor_reading_recorded", "recorded_at"),
)

city_part = Table(
    "city_part",
    metadata,
    Column("part_id", String(40), primary_key=True),
    Column("kind", String(32), nullable=False),
    Column("area_code", String(32), nullable=False),
    Column("lat", Double, nullable=False),
    Column("lon", Double, nullable=False),
    Column("dept_code", String(32)),
    Column("owner", String(128)),
    Column("maintainer", String(128)),
    Column("status", String(16)),
    Index("ix_city_part_area", "area_code", "kind", postgresql_ops={"area_code": "varchar_pattern_ops"}),
)

camera = Table(
    "camera",
    metadata,
    Column("camera_id", String(40), primary_key=True),
    Column("name", String(128), nullable=False),
    Column("area_code", String(32), nullable=False),
    Column("lat", Double, nullable=False),
    Column("lon", Double, nullable=False),
    Column("live_url", String(512)),
    Column("snapshot_url", String(512)),
    # Nearest cameras to a point read a box of latitudes first.
    Index("ix_camera_lat", "lat", "lon"),
)

# The indexes that make the ticket queries fast (DESIGN.md "Scale"):
# period indicators read a covering index led by reported_at, the backlog
# starts from closed_at (open = closed_at IS NULL or closed_at > as_of).
TICKET_INDEXES = (
    Index(
        "ix_ticket_reported_cover",
        ticket.c.reported_at,
        ticket.c.area_code,
        ticket.c.status,
        ticket.c.closed_at,
        ticket.c.due_at,
        ticket.c.source,
        ticket.c.category_code,
        ticket.c.dept_code,
        ticket.c.rework_count,
        ticket.c.satisfaction,
    ),
    Index("ix_ticket_closed", ticket.c.closed_at),
    # One area over time; varchar_pattern_ops as for grid_worker (docs/integration.md, section 3).
    Index("ix_ticket_area_reported", ticket.c.area_code, ticket.c.reported_at,
          postgresql_ops={"area_code": "varchar_pattern_ops"}),
)

OPTIONAL: dict[str, frozenset[str]] = {
    "area": frozenset({"boundary", "center_lat", "center_lon"}),
    "department": frozenset(),
    "category": frozenset({"sla_hours"}),
    "ticket": frozenset(
        {
            "category_code",
            "lat",
            "lon",
            "urgent",
            "accepted_at",
            "dispatched_at",
            "handled_at",
            "closed_at",
            "due_at",
            "dept_code",
            "rework_count",
            "satisfaction",
            "title",
            "reporter_phone",
            "supervision",
        }
    ),
    "grid_worker": frozenset({"phone"}),
    "worker_position": frozenset(),
    "crowd_zone": frozenset({"boundary"}),
    "crowd_reading": frozenset({"zone_id", "area_code"}),
    "fund_account": frozenset(),
    "fund_expense": frozenset({"ticket_id", "approved_at"}),
    "target": frozenset({"month", "weight"}),
    "sensor": frozenset({"unit", "level_blue", "level_yellow", "level_orange", "level_red", "direction"}),
    "sensor_reading": frozenset(),
    "city_part": frozenset({"dept_code", "owner", "maintainer", "status"}),
    "camera": frozenset({"live_url", "snapshot_url"}),
}

# v1.1's tables: a database may lack them as a whole (SCHEMA.md "v1.1: optional tables").
OPTIONAL_TABLES = frozenset({"target", "sensor", "sensor_reading", "city_part", "camera"})

# Vocabulary of the contract's coded columns, in lifecycle / display order.
TICKET_STATUSES = ("reported", "accepted", "dispatched", "handled", "closed", "returned", "cancelled")
TICKET_SOURCES = ("hotline_12345", "city_mgmt", "police_110", "online_forum", "grid_patrol", "iot_alert")
AREA_LEVELS = ("city", "district", "street", "workstation", "community", "grid", "micro_grid")
WORKER_ROLES = ("full_time", "part_time", "micro_grid", "volunteer", "police")
FUND_KINDS = ("repair", "environment", "emergency", "service_project")
FUND_APPROVALS = ("pending", "approved", "rejected")
SUPERVISIONS = ("supervised", "leader")
TARGET_INDICATORS = ("closure_rate", "on_time_closure_rate", "satisfaction_rate", "rework_rate",
                     "avg_handle_hours", "overdue")
# Lower is better for these: their target is a ceiling; for the others a floor.
CEILING_INDICATORS = frozenset({"rework_rate", "avg_handle_hours", "overdue"})
SENSOR_KINDS = ("bridge_tilt", "settlement", "house_tilt", "smoke", "water_quality", "water_level", "gas")
PART_KINDS = ("street_lamp", "manhole", "road_sign", "tree", "hydrant", "bin", "camera_pole")
PART_STATUSES = ("ok", "damaged", "missing")
# The contract's alert levels, lowest first (crowd zones and sensors alike).
ALERT_LEVELS = ("blue", "yellow", "orange", "red")
