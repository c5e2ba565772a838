"""The wall's wiring: its URL set-up checked, every panel refreshed from data_access, placards drawn.

Four server callbacks:
- `set_up` reads the wall's own parameters once per URL (views, rotate,
  refresh, sound) and sets the intervals; what it cannot use becomes a notice.
- `refresh` (every `refresh` seconds) reads the scope from the URL and fills
  the panels in rotation, the freshness data and the current crowd alerts
  (with who acknowledged each, from OneScreen's store), with the same
  data_access functions as the API and the other views. The panels are
  served ready-made (callbacks/ready_made.py) to every wall asking alike,
  and the background refresher (callbacks/refresher.py) rebuilds those of
  the walls recently asked each data window, so a refresh is a cache hit.
- `draw_placards` draws the placards the browser keeps open.
- `acknowledge` (callbacks/wall_acknowledgement.py) records a placard's
  acknowledgement, audited, for every wall of the area.
The browser does the rest without the server (assets/wall.js): the clock,
the rotation, which placards are open.
"""
from __future__ import annotations

from datetime import datetime
from typing import Callable, NamedTuple

import dash
import pandas as pd
from dash import ALL, ClientsideFunction, Input, Output, State, html, no_update
from dash.exceptions import PreventUpdate

import i18n
from callbacks import requested_scope, wall_acknowledgement
from callbacks.ready_made import ready_made
from callbacks.requested_scope import Narrowing, RequestedScope, ScopeProblem
from callbacks.scoped_view import filter_texts, refresh_answer
from callbacks.url import query_params
from callbacks.wall_acknowledgement import Acknowledgement, alert_key
from components import figures, ids, wall_figures
from components.alert_placard import Placard, placard_stack
from components.freshness_badge import freshness_data
from components.kpi import HEADLINE, kpi_tile
from components.scope_header import notices
from components.theme import Theme, theme_named
from components.wall_panel import alert_table, stat_tile, wall_moment
from data_access import crowd, funds, indicators, workers
from data_access.database import Database
from data_access.freshness import shown_newest_data_at, shown_replica_lag_s
from data_access.scope import SCOPE_PARAMETERS, Scope
from data_access.workers import ONLINE_MINUTES, STALE_MINUTES
from pages.wall import REFRESH_S, ROTATE_S, WALL_VIEWS, Seconds


# Charts' text is this share of the wall's type: tick labels a little smaller than the tiles' labels.
CHART_TYPE_SHARE = 0.9
# The wall's type size (px) the browser may report; anything else is not a screen, and gets a desk's size.
FONT_PX_RANGE = (8.0, 200.0)
FALLBACK_FONT_PX = 16.0
# Placards the browser keeps open at most (assets/wall.js), and the server will draw from its store.
MAX_OPEN_PLACARDS = 20
SOUND_FILE = "alert.wav"
# Rows of the "zones over capacity now" table that fit its card; the longest-running come first.
ALERT_ROWS = 8

COMMON_OUTPUTS = (
    Output(ids.WALL_TITLE, "children"),
    Output(ids.WALL_NOTICES, "children"),
    Output(ids.WALL_FRESHNESS, "data"),
    Output(ids.WALL_ALERTS, "data"),
)
# What each view fills on its panel, in the order its builder returns the values.
VIEW_OUTPUTS = {
    "overview": (Output(ids.WALL_OVERVIEW_TILES, "children"), Output(ids.WALL_OVERVIEW_TREND, "figure"),
                 Output(ids.WALL_OVERVIEW_AREAS, "figure")),
    "crowd": (Output(ids.WALL_CROWD_TILES, "children"), Output(ids.WALL_CROWD_LOADS, "figure"),
              Output(ids.WALL_CROWD_ALERTS, "children")),
    "workers": (Output(ids.WALL_WORKERS_TILES, "children"), Output(ids.WALL_WORKERS_AREAS, "figure")),
    "tickets": (Output(ids.WALL_TICKETS_TILES, "children"), Output(ids.WALL_TICKETS_SOURCES, "figure"),
                Output(ids.WALL_TICKETS_AGES, "figure")),
    "closure": (Output(ids.WALL_CLOSURE_TILES, "children"), Output(ids.WALL_CLOSURE_DEPTS, "figure")),
    "funds": (Output(ids.WALL_FUNDS_TILES, "children"), Output(ids.WALL_FUNDS_KINDS, "figure")),
}
REFRESH_OUTPUTS = (*COMMON_OUTPUTS, *(output for view in WALL_VIEWS for output in VIEW_OUTPUTS[view]))
# The URL parameters a refresh's output depends on; rotate, refresh and sound only set the browser up.
ASKED_PARAMETERS = (*SCOPE_PARAMETERS, "lang", "theme", "views")


class WallSetup(NamedTuple):
    """The wall's own URL parameters, checked: every problem is a sentence in `notices`."""

    views: tuple[str, ...]
    rotate_s: int
    refresh_s: int
    sound: bool
    notices: tuple[str, ...]


class Context(NamedTuple):
    """What every panel builder needs: the database, the scope on screen, language, theme, chart type size."""

    db: Database
    scope: Scope
    lang: str
    theme: Theme
    font_px: float
    # Who acknowledged which of the current alerts, when (by alert key).
    acknowledged: dict[str, Acknowledgement]

    def sized(self, figure):
        return wall_figures.wall_sized(figure, self.font_px)


class WallRefresh(NamedTuple):
    """One refresh: the values of COMMON_OUTPUTS, and of VIEW_OUTPUTS for each view in rotation."""

    common: tuple
    views: dict[str, tuple]

    def outputs(self) -> list:
        """All REFRESH_OUTPUTS' values; panels out of rotation keep what they have."""
        values = list(self.common)
        for view in WALL_VIEWS:
            values += self.views.get(view) or [no_update] * len(VIEW_OUTPUTS[view])
        return values


def register(app: dash.Dash, db: Database) -> None:
    access = app.server.extensions["onescreen.access"]
    refresher = app.server.extensions["onescreen.refresher"]
    # Walls asked within the registry's lifetime (data_access.cache.ASKED_SECONDS), per city database.
    asked_walls = f"walls:{db.cache_namespace}"
    refresher.keep(asked_walls, lambda record: warm(db, access, record))

    @app.callback(
        Output(ids.WALL_REFRESH, "interval"),
        Output(ids.WALL_ROTATE, "interval"),
        Output(ids.WALL_ROTATE, "disabled"),
        Output(ids.WALL_CONFIG, "data"),
        Output(ids.WALL_SETUP_NOTICES, "children"),
        Output(ids.WALL_ROTATION, "children"),
        Input(ids.URL, "search"),
    )
    def set_up(search):
        params = query_params(search)
        lang = i18n.language(params.get("lang"))
        setup = wall_setup(params, lang)
        config = {
            "views": list(setup.views),
            "sound": setup.sound,
            "sound_url": app.get_asset_url(SOUND_FILE),
            "max_placards": MAX_OPEN_PLACARDS,
        }
        rotation = [
            html.Span(i18n.t(f"nav.{view}", lang), className=f"wall-rotation__item wall-rotation__item--{view}")
            for view in setup.views
        ]
        return (setup.refresh_s * 1000, setup.rotate_s * 1000, len(setup.views) < 2, config,
                notices(list(setup.notices)), rotation)

    @app.callback(*REFRESH_OUTPUTS, Input(ids.WALL_REFRESH, "n_intervals"), Input(ids.WALL_VIEWPORT, "data"),
                  State(ids.URL, "search"))
    def refresh(_tick, viewport, search):
        font_px = chart_font_px(viewport)
        refresher.start()  # in the serving process, so after gunicorn forked

        def build():
            ask = wall_ask(db, search, font_px)
            db.cache.remember(asked_walls, ask.record())
            return ready_wall_refresh(db, ask, lambda keys: wall_acknowledgement.acknowledged(access, keys)).outputs()

        # Without the database the wall shows its last good answers (its badge, fed their newest record, ages)
        # or keeps the numbers it has; either way it says why.
        return refresh_answer(search, len(REFRESH_OUTPUTS), build, "wall")

    @app.callback(Output(ids.WALL_PLACARD_STACK, "children"), Input(ids.WALL_PLACARDS, "data"),
                  State(ids.URL, "search"))
    def draw_placards(stored, search):
        lang = i18n.language(query_params(search).get("lang"))
        return placard_stack(open_placards(stored), lang, db.settings.now().date())

    wall_acknowledgement.register(app, db, access)
    wall_js = "onescreen_wall"
    app.clientside_callback(
        ClientsideFunction(wall_js, "stamp"),
        Output(ids.WALL_FRESHNESS_SEEN, "data"),
        Input(ids.WALL_FRESHNESS, "data"),
    )
    app.clientside_callback(
        ClientsideFunction(wall_js, "tick"),
        Output(ids.WALL_BADGE, "className"),
        Output(ids.WALL_BADGE_TIME, "children"),
        Output(ids.WALL_BADGE_AGE, "children"),
        Output(ids.WALL_CLOCK_TEXT, "children"),
        Output(ids.WALL_VIEWPORT, "data"),
        Input(ids.WALL_CLOCK, "n_intervals"),
        Input(ids.WALL_FRESHNESS_SEEN, "data"),
        State(ids.WALL_VIEWPORT, "data"),
    )
    app.clientside_callback(
        ClientsideFunction(wall_js, "rotate"),
        Output(ids.WALL, "data-active"),
        Input(ids.WALL_ROTATE, "n_intervals"),
        Input(ids.WALL_CONFIG, "data"),
    )
    app.clientside_callback(
        ClientsideFunction(wall_js, "acknowledge"),
        Output(ids.WALL_ACK_SENT, "data"),
        Input({"type": ids.WALL_PLACARD_ACK, "zone": ALL}, "n_clicks"),
        State(ids.WALL_PLACARDS, "data"),
    )
    app.clientside_callback(
        ClientsideFunction(wall_js, "placards"),
        Output(ids.WALL_PLACARDS, "data"),
        Input(ids.WALL_ALERTS, "data"),
        Input(ids.WALL_ACKNOWLEDGED, "data"),
        State(ids.WALL_PLACARDS, "data"),
        State(ids.WALL_CONFIG, "data"),
    )


# --- The URL's wall parameters ------------------------------------------------------------------


def wall_setup(params: dict[str, str], lang: str) -> WallSetup:
    """views, rotate, refresh and sound from the URL; an unusable value is named and replaced by its default."""
    problems: list[str] = []
    views = _views(params.get("views"), lang, problems)
    rotate_s = _seconds(params, "rotate", ROTATE_S, lang, problems)
    refresh_s = _seconds(params, "refresh", REFRESH_S, lang, problems)
    sound_text = (params.get("sound") or "0").strip()
    if sound_text not in ("0", "1"):
        problems.append(i18n.t("wall.notice.sound", lang, value=sound_text[:40]))
    return WallSetup(views, rotate_s, refresh_s, sound_text == "1", tuple(problems))


def _views(text: str | None, lang: str, problems: list[str]) -> tuple[str, ...]:
    if text is None:
        return WALL_VIEWS
    asked = list(dict.fromkeys(name.strip() for name in text.split(",") if name.strip()))
    known = tuple(name for name in asked if name in WALL_VIEWS)
    unknown = [name[:40] for name in asked if name not in WALL_VIEWS]
    if unknown:
        separator = i18n.t("list.separator", lang)
        problems.append(i18n.t("wall.notice.unknown_views", lang, names=separator.join(unknown[:10]),
                               choices=", ".join(WALL_VIEWS)))
    if not known:
        problems.append(i18n.t("wall.notice.no_views", lang))
        return WALL_VIEWS
    return known


def _seconds(params: dict[str, str], name: str, bounds: Seconds, lang: str, problems: list[str]) -> int:
    text = params.get(name)
    if text is None:
        return bounds.default
    try:
        value = int(text.strip())
    except ValueError:
        value = None
    if value is None or not bounds.low <= value <= bounds.high:
        problems.append(i18n.t("wall.notice.seconds", lang, param=name, low=bounds.low, high=bounds.high,
                               value=text[:40], default=bounds.default))
        return bounds.default
    return value


def chart_font_px(viewport) -> float:
    """The charts' text size from the wall's type size the browser measured; waits until it has.

    The browser measures within a second of drawing the wall, and that
    measurement triggers the first refresh: no chart is drawn twice at start.
    """
    if viewport is None:
        raise PreventUpdate
    font_px = viewport.get("font_px") if isinstance(viewport, dict) else None
    if not isinstance(font_px, (int, float)) or not FONT_PX_RANGE[0] <= font_px <= FONT_PX_RANGE[1]:
        font_px = FALLBACK_FONT_PX
    return round(float(font_px) * CHART_TYPE_SHARE, 1)


# --- One refresh --------------------------------------------------------------------------------


def no_acknowledgements(_keys: list[str]) -> dict[str, Acknowledgement]:
    return {}


class WallAsk(NamedTuple):
    """One wall's question, the principal already applied: what a refresh shows depends on nothing else (and the
    data). The refresher replays it without the principal (`warm`)."""

    params: dict[str, str]  # the URL's ASKED_PARAMETERS
    requested: RequestedScope
    font_px: float

    @property
    def lang(self) -> str:
        return i18n.language(self.params.get("lang"))

    def record(self) -> tuple:
        """As codec data, for the cache's registry of asked walls: the same in every data window."""
        scope, area, problems = self.requested
        return (tuple(sorted(self.params.items())), tuple(Narrowing.of(scope)), area,
                tuple(tuple(problem) for problem in problems), self.font_px)

    @classmethod
    def replayed(cls, db: Database, record: tuple) -> "WallAsk":
        """The wall asked as `record` says, asked again now (without its principal, never widened)."""
        params, narrowing, area, problems, font_px = record
        params, problems = dict(params), tuple(ScopeProblem(*problem) for problem in problems)
        scope = Narrowing(*narrowing).replayed(db, params, problems)
        return cls(params, RequestedScope(scope, area, problems), font_px)


class WallPanels(NamedTuple):
    """What a refresh draws that is the same for every wall asking alike: built once, served ready-made."""

    title: list
    notices: list
    views: dict[str, tuple]


def wall_ask(db: Database, search: str | None, font_px: float) -> WallAsk:
    params = query_params(search)
    asked = {name: value for name, value in params.items() if name in ASKED_PARAMETERS}
    return WallAsk(asked, requested_scope.resolve(db, params), font_px)


def wall_refresh(db: Database, search: str | None, font_px: float,
                 acknowledged: Callable[[list[str]], dict[str, Acknowledgement]] = no_acknowledgements) -> WallRefresh:
    """Everything the wall shows for the URL query `search`, with charts' text `font_px` tall, built anew
    (the refresh callback serves its panels ready-made: `ready_wall_refresh`).

    acknowledged: who acknowledged which of the current alerts (by alert key), from OneScreen's store;
    by default none were (the wall's panels without a store, as tests of its numbers draw them).
    """
    return _refresh(db, wall_ask(db, search, font_px), acknowledged, wall_panels)


def ready_wall_refresh(db: Database, ask: WallAsk,
                       acknowledged: Callable[[list[str]], dict[str, Acknowledgement]]) -> WallRefresh:
    """`wall_refresh` with the panels ready-made: built once per scope, display, size, acknowledgements and data
    window across the cluster. The clock and the alerts the browser keeps are the request's own."""

    def panels(db: Database, ask: WallAsk, acknowledgements: dict[str, Acknowledgement]) -> WallPanels:
        shown_as = (sorted(ask.params.items()), ask.font_px, [tuple(p) for p in ask.requested.problems],
                    sorted(wall_acknowledgement.acknowledgement_data(acknowledgements).items()))
        return WallPanels(*ready_made(db, "wall", ask.requested.scope, shown_as,
                                      lambda: wall_panels(db, ask, acknowledgements)))

    return _refresh(db, ask, acknowledged, panels)


def warm(db: Database, access, record: tuple) -> None:
    """Compute, for the current data window, the ready-made answer of a wall asked recently (`WallAsk.record`)."""
    ready_wall_refresh(db, WallAsk.replayed(db, record), lambda keys: wall_acknowledgement.acknowledged(access, keys))


def _refresh(db: Database, ask: WallAsk, acknowledged, panels) -> WallRefresh:
    scope, lang = ask.requested.scope, ask.lang
    alerts = crowd.crowd_alerts(db, scope)
    acknowledgements = acknowledged([alert_key(row.zone_id, row.since) for row in alerts.itertuples(index=False)])
    shown = panels(db, ask, acknowledgements)
    common = (
        shown.title,
        shown.notices,
        freshness_data(shown_newest_data_at(db, scope), db.settings.now(), scope.live, lang,
                       shown_replica_lag_s(db, scope)),
        alert_records(alerts, acknowledgements),
    )
    return WallRefresh(common, shown.views)


def wall_panels(db: Database, ask: WallAsk, acknowledgements: dict[str, Acknowledgement]) -> WallPanels:
    requested, lang = ask.requested, ask.lang
    context = Context(db, requested.scope, lang, theme_named(ask.params.get("theme")), ask.font_px, acknowledgements)
    return WallPanels(
        _title(db, requested, lang),
        notices(requested_scope.notice_texts(requested, lang)),
        {view: PANEL_BUILDERS[view](context) for view in wall_setup(ask.params, lang).views},
    )


def _title(db: Database, requested, lang: str) -> list:
    scope = requested.scope
    title = [html.Span(requested_scope.area_title(requested.area, lang), className="wall__area")]
    level = requested_scope.level_label(requested.area, lang)
    if level:
        title.append(html.Span(level, className="wall__level"))
    title.append(html.Span(i18n.t("overview.period", lang, start=scope.period_from, end=scope.period_to),
                           className="wall__period"))
    # The moment the numbers are counted at, as on every desk view; the badge says the newest record.
    title.append(html.Span(i18n.t("overview.as_of", lang, moment=wall_moment(scope.as_of, scope.as_of.date(), lang)),
                           className="wall__as-of"))
    # A wall set up on one source or department must say so: its numbers are not the whole city's.
    title += [html.Span(text, className="wall__filter") for text in filter_texts(db, scope, lang)]
    return title


def alert_records(alerts: pd.DataFrame, acknowledged: dict[str, Acknowledgement] | None = None) -> list[dict]:
    """The current crowd alerts as the browser keeps them: plain JSON, `since` as ISO text, and for an alert
    someone acknowledged (on any wall), "acknowledged": {"by", "at"}."""
    records = []
    for row in alerts.itertuples(index=False):
        record = {"zone_id": str(row.zone_id), "name": str(row.name), "people": int(row.people),
                  "capacity": int(row.capacity), "since": pd.Timestamp(row.since).isoformat()}
        found = (acknowledged or {}).get(alert_key(row.zone_id, row.since))
        if found:
            record["acknowledged"] = wall_acknowledgement.acknowledgement_record(found)
        records.append(record)
    return records


def open_placards(stored) -> list[Placard]:
    """The placards in the browser's store, checked: anything malformed is dropped, never drawn."""
    if not isinstance(stored, dict) or not isinstance(stored.get("open"), list):
        return []
    placards = []
    for item in stored["open"][:MAX_OPEN_PLACARDS]:
        try:
            placard = Placard(
                zone_id=_text(item["zone_id"], 40), name=_text(item["name"], 128),
                people=_count(item["people"]), capacity=_count(item["capacity"]),
                since=datetime.fromisoformat(_text(item["since"], 32)), ended=item.get("ended") is True,
            )
        except (KeyError, TypeError, ValueError, AttributeError):
            continue
        placards.append(placard)
    return placards


def _text(value, longest: int) -> str:
    if not isinstance(value, str) or not 0 < len(value) <= longest:
        raise ValueError(value)
    return value


def _count(value) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise ValueError(value)
    return value


# --- The panels ----------------------------------------------------------------------------------


def _overview(c: Context) -> tuple:
    kpis = indicators.kpis(c.db, c.scope)
    return (
        [kpi_tile(name, kpis[name], c.lang, headline=True) for name in HEADLINE],
        c.sized(figures.ticket_trend(indicators.kpis_by(c.db, c.scope, "day"), c.scope.period_from,
                                     c.scope.period_to, c.lang, c.theme)),
        c.sized(wall_figures.closure_rates(indicators.kpis_by(c.db, c.scope, "area"), c.scope.area_code,
                                           c.lang, c.theme)),
    )


def _crowd(c: Context) -> tuple:
    load = crowd.zone_load(c.db, c.scope)
    alerts = crowd.crowd_alerts(c.db, c.scope)
    snapshot = load["snapshot_at"].iloc[0] if not load.empty else None
    over = int(load["over"].sum())
    tiles = [
        stat_tile("zones", i18n.t("wall.stat.zones", c.lang), i18n.format_count(len(load), c.lang),
                  i18n.t("wall.stat.zones.definition", c.lang)),
        stat_tile("zones_over", i18n.t("wall.stat.zones_over", c.lang), i18n.format_count(over, c.lang),
                  i18n.t("wall.stat.zones_over.definition", c.lang), alert=over > 0),
        stat_tile("zone_people", i18n.t("wall.stat.zone_people", c.lang),
                  i18n.format_count(int(load["people"].sum()) if snapshot is not None else None, c.lang),
                  i18n.t("wall.stat.zone_people.definition", c.lang)),
        stat_tile("snapshot", i18n.t("wall.stat.snapshot", c.lang),
                  wall_moment(_moment(snapshot), c.scope.as_of.date(), c.lang),
                  i18n.t("wall.stat.snapshot.definition", c.lang)),
    ]
    rows = [
        (row.name,
         i18n.t("wall.alert.people", c.lang, people=i18n.format_count(int(row.people), c.lang),
                capacity=i18n.format_count(int(row.capacity), c.lang)),
         wall_moment(_moment(row.since), c.scope.as_of.date(), c.lang),
         _acknowledged_text(c, c.acknowledged.get(alert_key(row.zone_id, row.since))))
        for row in alerts.itertuples(index=False)
    ]
    headings = (*(i18n.t(f"wall.crowd.alerts.{part}", c.lang) for part in ("zone", "people", "since")),
                i18n.t("access.ack.heading", c.lang))
    more = None
    if len(rows) > ALERT_ROWS:
        more = i18n.t("wall.rows.shown", c.lang, shown=ALERT_ROWS, total=len(rows))
    return (
        tiles,
        c.sized(wall_figures.zone_loads(load, c.lang, c.theme)),
        alert_table(rows[:ALERT_ROWS], headings, i18n.t("wall.crowd.alerts.none", c.lang), more),
    )


def _workers(c: Context) -> tuple:
    states = workers.worker_states(c.db, c.scope)
    minutes = {"online": ONLINE_MINUTES, "stale": STALE_MINUTES}
    tiles = [
        stat_tile(state, i18n.t(f"wall.stat.{state}", c.lang), i18n.format_count(states[state], c.lang),
                  i18n.t(f"wall.stat.{state}.definition", c.lang, **minutes))
        for state in ("online", "stale", "offline")
    ]
    tiles.append(stat_tile("workers", i18n.t("wall.stat.workers", c.lang),
                           i18n.format_count(states["total"], c.lang), i18n.t("wall.stat.workers.definition", c.lang)))
    return tiles, c.sized(wall_figures.workers_by_area(workers.workers_by_area(c.db, c.scope), c.lang, c.theme))


def _tickets(c: Context) -> tuple:
    kpis = indicators.kpis(c.db, c.scope)
    ages = indicators.backlog_by(c.db, c.scope, "age")
    return (
        [kpi_tile(name, kpis[name], c.lang, headline=True) for name in ("backlog", "overdue", "reported", "accepted")],
        c.sized(figures.backlog_by_source(indicators.backlog_by(c.db, c.scope, "source"), c.lang, c.theme)),
        c.sized(figures.backlog_stack(ages, [i18n.code_label("age", key, c.lang) for key in ages["key"]], c.lang,
                                      c.theme, ordered=True)),
    )


def _closure(c: Context) -> tuple:
    kpis = indicators.kpis(c.db, c.scope)
    names = ("closure_rate", "on_time_closure_rate", "rework_rate", "satisfaction_rate", "avg_handle_hours", "closed")
    return (
        [kpi_tile(name, kpis[name], c.lang, headline=True) for name in names],
        c.sized(wall_figures.closure_rates(indicators.kpis_by(c.db, c.scope, "dept"), None, c.lang, c.theme)),
    )


def _funds(c: Context) -> tuple:
    totals = funds.fund_totals(c.db, c.scope)
    accounts = funds.fund_by_account(c.db, c.scope)
    year_note = None
    if not accounts.empty:
        year_gone = i18n.format_rate(float(accounts["year_elapsed"].iloc[0]), c.lang)
        year_note = i18n.t("wall.stat.year_elapsed", c.lang, share=year_gone)
    has_budget = not accounts.empty
    tiles = [
        stat_tile(name, i18n.t(f"wall.stat.{name}", c.lang),
                  wall_figures.yuan(totals[name] if has_budget else None, c.lang),
                  i18n.t(f"wall.stat.{name}.definition", c.lang))
        for name in ("budget", "spent", "pending")
    ]
    tiles.append(stat_tile("burn_rate", i18n.t("wall.stat.burn_rate", c.lang),
                           i18n.format_rate(totals["burn_rate"], c.lang),
                           i18n.t("wall.stat.burn_rate.definition", c.lang), note=year_note))
    return tiles, c.sized(wall_figures.spend_by_kind(funds.spend_by_kind(c.db, c.scope), c.lang, c.theme))


def _acknowledged_text(c: Context, found: Acknowledgement | None) -> str:
    """Who acknowledged an alert and when, on whichever wall; "waiting" while nobody has."""
    if found is None:
        return i18n.t("access.ack.waiting", c.lang)
    at, by = found
    return i18n.t("access.ack.by", c.lang, by=by, moment=wall_moment(at, c.scope.as_of.date(), c.lang))


PANEL_BUILDERS: dict[str, Callable[[Context], tuple]] = {
    "overview": _overview,
    "crowd": _crowd,
    "workers": _workers,
    "tickets": _tickets,
    "closure": _closure,
    "funds": _funds,
}


def _moment(value) -> datetime | None:
    """A timestamp out of a frame (pandas' NaT for none) as a plain datetime or None."""
    return None if value is None or pd.isna(value) else pd.Timestamp(value).to_pydatetime()
