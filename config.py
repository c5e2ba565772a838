"""OneScreen's settings, read once from the environment at start-up.

Every knob an operator may turn is here and nowhere else, so a newcomer can
see in one page what a deployment can change. Modules receive a `Settings`
object; none of them reads `os.environ` itself.
"""
from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent
DEMO_DATABASE = ROOT / "data" / "demo.sqlite"
# OneScreen's own store (users, devices, tokens, sessions, audit): never the operational database.
DEFAULT_APP_DATABASE = ROOT / "data" / "onescreen-app.sqlite"


@dataclass(frozen=True)
class Settings:
    database_url: str
    cache_redis_url: str | None
    frozen_now: datetime | None
    statement_timeout_s: float
    live_cache_seconds: int
    history_cache_seconds: int
    # An intranet tile server ("https://tiles.intra/{z}/{x}/{y}.png"); None: the
    # area boundaries are the basemap, as no public tile server can be reached.
    tile_url: str | None = None
    # The datum the tiles are drawn in: "wgs84", or "gcj02" (AMap / Tencent
    # style tiles), onto which OneScreen shifts what it draws.
    tile_crs: str = "wgs84"
    # The Chromium that renders exported charts (kaleido); None: the one on PATH (Debian's /usr/bin/chromium).
    chromium_path: str | None = None
    # The account a root server starts that Chromium as (exports/confinement.py): never root itself.
    export_user: str = "nobody"
    # Who may frame the pages (CSP frame-ancestors): a portal showing the wall
    # in an iframe is listed here; by default no one may, against clickjacking.
    frame_ancestors: tuple[str, ...] = ("'none'",)
    # The Host names this deployment answers to; any other gets a 400. Empty:
    # no check (said in the start-up log), as only the operator knows the names.
    allowed_hosts: tuple[str, ...] = ()
    # Start even though the database role could write (an owner or superuser URL): logged, and /health says so.
    allow_writable_role: bool = False
    # --- Access (README "Access") ---
    # OneScreen's own store: SQLite file by default; PostgreSQL or MySQL/MariaDB in a real centre.
    app_database_url: str = f"sqlite:///{DEFAULT_APP_DATABASE}"
    # A session ends after this long without a request, and this long after login whatever happens.
    session_idle_minutes: int = 30
    session_absolute_hours: int = 12
    # Cookies marked Secure: "auto" when the request came over HTTPS (X-Forwarded-Proto from the
    # proxies in trusted_proxies counts), "always", or "never" (plain-HTTP test rigs only).
    secure_cookies: str = "auto"
    # How many proxies in front of OneScreen set X-Forwarded-For/-Proto (nginx: 1); 0: trust none.
    trusted_proxies: int = 0
    # Failed logins from one address before it waits (Flask-Limiter syntax).
    login_rate_limit: str = "10 per minute; 60 per hour"
    # The directory (LDAP) settings file, TOML (docs/examples/ldap.toml); None: local accounts only.
    ldap_config: str | None = None
    audit_retention_days: int = 180
    # --- Exports (exports/pool.py) ---
    # Heavy exports (chart images, whole-view reports, XLSX) one process runs at a time, and how many more may
    # wait for a slot; beyond that an export is a 503 with Retry-After. Keep the two together below gunicorn's
    # --threads, so views and walls always have threads left.
    export_slots: int = 2
    export_queue: int = 1
    # --- Bounded waiting (README "Outages") ---
    # How long a connection attempt, a pool checkout, an SQLite lock or a Redis call may wait, and a
    # database that answers nothing (not even "cancelled") is given beyond the statement timeout.
    connect_timeout_s: float = 3.0
    # After a connection failure the database counts as down this long, then one request probes it (and /health
    # may probe sooner): requests fail at once instead of queueing on a server that does not answer.
    outage_backoff_s: float = 5.0
    # --- Ready-made answers (callbacks/refresher.py) ---
    # One process per cluster (elected through Redis) re-computes, each cache window, the answers walls recently
    # asked, so a wall refresh is always a cache hit. Off (ONESCREEN_REFRESHER=0) for tests that count statements.
    refresher: bool = True

    def now(self) -> datetime:
        """The clock every query uses: frozen for tests and replays, else the wall clock.

        Timestamps in the contract are the city's local time without zone, so
        this is naive local time too.
        """
        return self.frozen_now or datetime.now().replace(microsecond=0)


class SettingsError(ValueError):
    """An environment variable holds something OneScreen cannot use."""


def _parse_now(text: str | None) -> datetime | None:
    if not text:
        return None
    try:
        return datetime.fromisoformat(text)
    except ValueError as error:
        raise SettingsError(
            f"ONESCREEN_NOW={text!r} is not an ISO timestamp such as 2026-11-22T09:30:00"
        ) from error


def _parse_number(name: str, default: str) -> float:
    text = os.environ.get(name, default)
    try:
        return float(text)
    except ValueError as error:
        raise SettingsError(f"{name}={text!r} is not a number") from error


TILE_CRS = ("wgs84", "gcj02")


def _parse_tile_crs(text: str | None) -> str:
    crs = (text or "wgs84").strip().lower()
    if crs not in TILE_CRS:
        raise SettingsError(f"ONESCREEN_TILE_CRS={text!r}: use one of {', '.join(TILE_CRS)}")
    return crs


# CSP keywords an operator may write bare (none, self) in ONESCREEN_FRAME_ANCESTORS.
_CSP_KEYWORDS = {"none": "'none'", "self": "'self'"}


def _parse_list(text: str | None) -> tuple[str, ...]:
    return tuple(item for item in (text or "").replace(",", " ").split() if item)


def _parse_frame_ancestors(text: str | None) -> tuple[str, ...]:
    sources = tuple(_CSP_KEYWORDS.get(item.strip("'").lower(), item) for item in _parse_list(text))
    if not sources:
        return ("'none'",)
    if "'none'" in sources and len(sources) > 1:
        raise SettingsError(f"ONESCREEN_FRAME_ANCESTORS={text!r}: 'none' cannot be combined with origins")
    return sources


def load_settings() -> Settings:
    env = os.environ
    return Settings(
        database_url=env.get("ONESCREEN_DATABASE_URL") or f"sqlite:///{DEMO_DATABASE}",
        cache_redis_url=env.get("ONESCREEN_CACHE_REDIS_URL") or None,
        frozen_now=_parse_now(env.get("ONESCREEN_NOW")),
        statement_timeout_s=_parse_number("ONESCREEN_STATEMENT_TIMEOUT", "20"),
        # A live answer is shared by every screen for this long; the feed moves
        # every few seconds, so longer would make the wall lag behind the city.
        live_cache_seconds=int(_parse_number("ONESCREEN_LIVE_CACHE_SECONDS", "15")),
        # An answer about a past moment cannot change unless the data is
        # corrected, so it may be kept much longer.
        history_cache_seconds=int(_parse_number("ONESCREEN_HISTORY_CACHE_SECONDS", "3600")),
        tile_url=env.get("ONESCREEN_TILE_URL") or None,
        tile_crs=_parse_tile_crs(env.get("ONESCREEN_TILE_CRS")),
        chromium_path=env.get("ONESCREEN_CHROMIUM") or None,
        export_user=env.get("ONESCREEN_EXPORT_USER") or "nobody",
        frame_ancestors=_parse_frame_ancestors(env.get("ONESCREEN_FRAME_ANCESTORS")),
        allowed_hosts=tuple(host.lower() for host in _parse_list(env.get("ONESCREEN_ALLOWED_HOSTS"))),
        allow_writable_role=env.get("ONESCREEN_ALLOW_WRITABLE_ROLE", "") == "1",
        app_database_url=env.get("ONESCREEN_APP_DATABASE_URL") or f"sqlite:///{DEFAULT_APP_DATABASE}",
        session_idle_minutes=_positive_int("ONESCREEN_SESSION_IDLE_MINUTES", "30"),
        session_absolute_hours=_positive_int("ONESCREEN_SESSION_ABSOLUTE_HOURS", "12"),
        secure_cookies=_choice("ONESCREEN_SECURE_COOKIES", ("auto", "always", "never"), "auto"),
        trusted_proxies=int(_parse_number("ONESCREEN_TRUSTED_PROXIES", "0")),
        login_rate_limit=env.get("ONESCREEN_LOGIN_RATE_LIMIT") or "10 per minute; 60 per hour",
        ldap_config=env.get("ONESCREEN_LDAP_CONFIG") or None,
        audit_retention_days=_positive_int("ONESCREEN_AUDIT_RETENTION_DAYS", "180"),
        export_slots=_positive_int("ONESCREEN_EXPORT_SLOTS", "2"),
        export_queue=_whole_number("ONESCREEN_EXPORT_QUEUE", "1"),
        connect_timeout_s=_positive_number("ONESCREEN_CONNECT_TIMEOUT", "3"),
        outage_backoff_s=_positive_number("ONESCREEN_OUTAGE_BACKOFF", "5"),
        refresher=_choice("ONESCREEN_REFRESHER", ("1", "0"), "1") == "1",
    )


def _positive_int(name: str, default: str) -> int:
    value = _parse_number(name, default)
    if value < 1 or value != int(value):
        raise SettingsError(f"{name}={os.environ.get(name)!r} must be a whole number of at least 1")
    return int(value)


def _whole_number(name: str, default: str) -> int:
    value = _parse_number(name, default)
    if value < 0 or value != int(value):
        raise SettingsError(f"{name}={os.environ.get(name)!r} must be a whole number (0 or more)")
    return int(value)
def _positive_number(name: str, default: str) -> float:
    value = _parse_number(name, default)
    if not value > 0:
        raise SettingsError(f"{name}={os.environ.get(name)!r} must be a number of seconds above 0")
    return value


def _choice(name: str, choices: tuple[str, ...], default: str) -> str:
    value = (os.environ.get(name) or default).strip().lower()
    if value not in choices:
        raise SettingsError(f"{name}={os.environ.get(name)!r}: use one of {', '.join(choices)}")
    return value
