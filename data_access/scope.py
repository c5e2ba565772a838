"""The scope of a question: which area, which period, as of when, with which filters.

Every view, every API call and every export asks its questions through one
validated `Scope`, parsed from the same URL parameters everywhere (`area`,
`from`, `to`, `as_of`, `source`, `category`, `dept`). Parsing is strict:
anything a client sends is checked here, and a bad value is a `ScopeError`
naming the parameter, never a crash further down.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, replace
from datetime import date, datetime, time, timedelta
from typing import Mapping

# Codes are strings of letters, digits and a few separators; anything else
# in a URL is a typo or an attack, and is refused before it reaches SQL.
_CODE = re.compile(r"^[A-Za-z0-9_.\-]{1,32}$")
_SOURCE = re.compile(r"^[a-z0-9_]{1,32}$")
# Earliest and latest dates accepted: wide enough for any real archive,
# narrow enough that date arithmetic can never overflow.
_MIN_DATE = date(1990, 1, 1)
_MAX_DATE = date(2199, 12, 31)
DEFAULT_PERIOD_DAYS = 30
SCOPE_PARAMETERS = ("area", "from", "to", "as_of", "source", "category", "dept")


class ScopeError(ValueError):
    """A scope parameter that cannot be used; `param` names it, `message` says why in English (API, logs).

    `reason` names the same why in the catalogue (i18n `scope_error.<reason>`,
    filled from `values`), so a screen says it in its own language; without
    one a screen says which parameter failed and what it expects, never the
    English `message`.
    """

    def __init__(self, param: str, message: str, reason: str | None = None, **values):
        super().__init__(f"{param}: {message}")
        self.param = param
        self.message = message
        self.reason = reason
        self.values = values


@dataclass(frozen=True)
class Scope:
    """A validated question scope.

    area_code: the area and everything under it ('' means the whole database,
    for a database with several roots). period_from / period_to: dates of
    reported_at, both inclusive. as_of: the moment "now" is taken to be; the
    period also ends there (parse_scope never lets period_to pass as_of's
    date, and the gate counts no ticket reported after as_of).
    live: as_of was not asked for but defaulted to the clock, so answers
    expire quickly. sources / category_code / dept_code: ticket filters
    (category matches the class and everything under it).

    permitted_areas / personal_data: what the principal asking may see, set
    by `access.area_scope.narrow` and nowhere else. permitted_areas None: no
    principal narrowed this scope (in-process callers: the CLI, benchmarks,
    tests of queries); () : nothing at all (deny by default); else only
    rows in those areas and below, whatever area_code says. personal_data:
    phones, worker names and tracks unmasked.
    """

    area_code: str
    period_from: date
    period_to: date
    as_of: datetime
    live: bool = False
    sources: tuple[str, ...] = ()
    category_code: str | None = None
    dept_code: str | None = None
    permitted_areas: tuple[str, ...] | None = None
    personal_data: bool = False

    @property
    def unrestricted_below(self) -> bool:
        """The area lies inside one the principal may see, so the area alone bounds the rows."""
        return self.permitted_areas is None or (
            bool(self.area_code) and any(self.area_code.startswith(code) for code in self.permitted_areas)
        )

    def permits(self, area_code: str) -> bool:
        """Rows of `area_code` may be shown to the principal this scope was narrowed for."""
        return self.permitted_areas is None or any(area_code.startswith(code) for code in self.permitted_areas)

    @property
    def period_start(self) -> datetime:
        return datetime.combine(self.period_from, time.min)

    @property
    def period_end(self) -> datetime:
        """The first moment after the period (periods are half-open in SQL)."""
        return datetime.combine(self.period_to + timedelta(days=1), time.min)

    def cache_key(self) -> str:
        return self._key(self.as_of.isoformat())

    def live_lineage_key(self) -> str:
        """The key of this scope's answers in any cache window: the last good live answer is kept under it."""
        return self._key("live")

    def _key(self, moment: str) -> str:
        return "|".join(
            (
                self.area_code,
                self.period_from.isoformat(),
                self.period_to.isoformat(),
                moment,
                ",".join(self.sources),
                self.category_code or "",
                self.dept_code or "",
                # Who may see the answer: an area inside the principal's own is answered alike for
                # everyone, so it needs no mark; a narrower permission or unmasked data does.
                "" if self.unrestricted_below else "only:" + ",".join(self.permitted_areas),
                "personal" if self.personal_data else "",
            )
        )

    def with_area(self, area_code: str) -> "Scope":
        return replace(self, area_code=area_code)

    def previous_period(self) -> "Scope":
        """The period of the same length just before this one (for rank changes)."""
        days = (self.period_to - self.period_from).days + 1
        return replace(
            self,
            period_from=self.period_from - timedelta(days=days),
            period_to=self.period_from - timedelta(days=1),
        )

    def to_params(self) -> dict[str, str]:
        """The URL parameters that reproduce this scope (a shared link)."""
        params = {
            "area": self.area_code,
            "from": self.period_from.isoformat(),
            "to": self.period_to.isoformat(),
        }
        if not self.live:
            params["as_of"] = self.as_of.isoformat(sep="T")
        if self.sources:
            params["source"] = ",".join(self.sources)
        if self.category_code:
            params["category"] = self.category_code
        if self.dept_code:
            params["dept"] = self.dept_code
        return {k: v for k, v in params.items() if v}


def live_now(now: datetime, granularity_s: int) -> datetime:
    """The clock floored to the cache window, so screens opened within one window share answers."""
    granularity_s = max(1, granularity_s)
    seconds = (now.hour * 3600 + now.minute * 60 + now.second) // granularity_s * granularity_s
    return datetime.combine(now.date(), time.min) + timedelta(seconds=seconds)


def parse_scope(
    params: Mapping[str, str],
    *,
    now: datetime,
    default_area: str,
    live_granularity_s: int = 15,
) -> Scope:
    """Build a Scope from URL parameters; defaults: the root area, the last 30 days, now.

    Raises ScopeError for the first parameter that is not acceptable. The
    area's existence is checked by `areas.find_area`, which needs the
    database; everything else is checked here.
    """
    area = _text(params, "area")
    if area is not None and not _CODE.match(area):
        raise ScopeError("area", "not an area code (letters, digits, '_', '.', '-'; at most 32)", "not_code")

    as_of_text = _text(params, "as_of")
    as_of = _parse_moment(as_of_text) if as_of_text is not None else live_now(now, live_granularity_s)

    to_text, from_text = _text(params, "to"), _text(params, "from")
    period_to = _parse_date("to", to_text) if to_text is not None else as_of.date()
    if from_text is not None:
        period_from = _parse_date("from", from_text)
    else:
        period_from = max(_MIN_DATE, period_to - timedelta(days=DEFAULT_PERIOD_DAYS - 1))
    if period_from > period_to:
        raise ScopeError("from", f"the period starts ({period_from}) after it ends ({period_to})", "reversed_period",
                         start=period_from, end=period_to)
    # At as_of nothing later exists yet: a replay's period ends at as_of, and
    # a period that starts after it has nothing to show.
    if period_from > as_of.date():
        raise ScopeError("from", f"the period starts ({period_from}) after as_of ({as_of.isoformat(sep=' ')})",
                         "period_after_as_of", start=period_from, as_of=as_of.isoformat(sep=" "))
    period_to = min(period_to, as_of.date())

    sources_text = _text(params, "source")
    sources: tuple[str, ...] = ()
    if sources_text is not None:
        sources = tuple(sorted({s.strip() for s in sources_text.split(",") if s.strip()}))
        bad = [s for s in sources if not _SOURCE.match(s)]
        if bad or not sources or len(sources) > 20:
            raise ScopeError("source", "a comma-separated list of source codes such as hotline_12345", "not_sources")

    return Scope(
        area_code=area if area is not None else default_area,
        period_from=period_from,
        period_to=period_to,
        as_of=as_of,
        live=as_of_text is None,
        sources=sources,
        category_code=_code(params, "category"),
        dept_code=_code(params, "dept"),
    )


def _text(params: Mapping[str, str], name: str) -> str | None:
    value = params.get(name)
    if isinstance(value, (list, tuple)):  # a repeated parameter: the last one wins, as in a browser
        value = value[-1] if value else None
    if value is None:
        return None
    if not isinstance(value, str):
        raise ScopeError(name, "must be text", "not_text")
    value = value.strip()
    return value or None


def _code(params: Mapping[str, str], name: str) -> str | None:
    value = _text(params, name)
    if value is not None and not _CODE.match(value):
        raise ScopeError(name, "not a code (letters, digits, '_', '.', '-'; at most 32)", "not_code")
    return value


def _parse_date(name: str, text: str) -> date:
    try:
        value = date.fromisoformat(text)
    except ValueError:
        raise ScopeError(name, f"{text[:40]!r} is not a date like 2026-11-01", "not_date", text=text[:40]) from None
    if not _MIN_DATE <= value <= _MAX_DATE:
        raise ScopeError(name, f"must lie between {_MIN_DATE} and {_MAX_DATE}", "out_of_range", low=_MIN_DATE,
                         high=_MAX_DATE)
    return value


def _parse_moment(text: str) -> datetime:
    """as_of: a timestamp, or a bare date meaning the end of that day."""
    try:
        if len(text) == 10:
            value = datetime.combine(date.fromisoformat(text), time(23, 59, 59))
        else:
            value = datetime.fromisoformat(text)
    except ValueError:
        raise ScopeError("as_of", f"{text[:40]!r} is not a timestamp like 2026-11-22T09:30:00", "not_moment",
                         text=text[:40]) from None
    if value.tzinfo is not None:
        # Contract timestamps are the city's local time without zone; a zone
        # in the URL would silently shift every answer, so it is refused.
        raise ScopeError("as_of", "give the city's local time without a time zone", "time_zone")
    if not _MIN_DATE <= value.date() <= _MAX_DATE:
        raise ScopeError("as_of", f"must lie between {_MIN_DATE} and {_MAX_DATE}", "out_of_range", low=_MIN_DATE,
                         high=_MAX_DATE)
    return value.replace(microsecond=0)
