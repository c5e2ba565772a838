"""The router: the URL's path picks the view, its query the language and theme; the frame's links keep the query.

It is also where a view is *opened*: the router runs once per URL change
(never on a view's refresh), so that is where the audit trail records who
opened which view with which effective scope.
"""
from __future__ import annotations

import logging

import dash
from dash import Input, Output
from flask import request

import i18n
from access.guard import current_principal
from access.model import Principal
from access.service import Access
from callbacks import requested_scope
from callbacks.url import link, query_params
from components import export_menu, ids, shell
from components.theme import DEFAULT_THEME, DESK, theme_named
from data_access import DatabaseError
from data_access.database import Database
from exports.panels import menu_notes
from pages import VIEWS, not_found, view_at

log = logging.getLogger(__name__)


def register(app: dash.Dash, db: Database) -> None:
    """The router draws no data (views fetch their own in their own callbacks); `db` resolves the scope it audits."""
    access = app.server.extensions["onescreen.access"]

    @app.callback(
        Output(ids.ROOT, "children"),
        Output(ids.ROOT, "style"),
        Output(ids.ROOT, "lang"),
        Input(ids.URL, "pathname"),
        Input(ids.URL, "search"),
    )
    def route(pathname, search):
        drawn = render_frame(app, pathname, search)
        view = view_at("/" + (app.strip_relative_path(pathname) or ""))
        principal = current_principal()
        if view is not None and principal is not None:
            audit_view_opened(access, db, principal, view.name, pathname, search)
        return drawn


def audit_view_opened(access: Access, db: Database, principal: Principal, view: str, pathname: str,
                      search: str | None) -> None:
    """One audit record "view": the view, its path and the scope the principal really saw (after narrowing)."""
    try:
        scope = requested_scope.resolve(db, query_params(search)).scope
    except DatabaseError:
        # The view says the database is out; the record still says who opened what.
        log.warning("view %s opened while the database is out: its scope is not audited", view)
        scope = None
    detail = {"view": view, "path": pathname, "scope": scope.to_params() if scope else None}
    access.audit("view", "ok", principal, area_code=scope.area_code if scope else None, detail=detail)


def render_frame(app: dash.Dash, pathname: str | None, search: str | None) -> tuple[list, dict, str]:
    """(the root's children, its style with the theme's CSS variables, its lang attribute) for a URL."""
    params = query_params(search)
    lang = i18n.language(params.get("lang"))
    theme = theme_named(params.get("theme"))
    path = "/" + (app.strip_relative_path(pathname) or "")
    view = view_at(path)
    query = link("", params).lstrip("?")
    if view:
        page = view.layout(lang, theme)
        export_menu.add_panel_menus(page, lang, app.get_relative_path("/"), query, menu_notes(lang))
    else:
        page = not_found.layout(path, lang, link(app.get_relative_path("/"), params))
    here = app.get_relative_path(path)
    other_theme = DESK if theme is DEFAULT_THEME else DEFAULT_THEME
    children = shell.frame(
        brand=i18n.t("product.name", lang),
        tagline=i18n.t("product.tagline", lang),
        nav_label=i18n.t("nav.label", lang),
        views=[
            shell.Link(link(app.get_relative_path(v.path), params), i18n.t(f"nav.{v.name}", lang), v is view)
            for v in VIEWS
        ],
        theme_switch=shell.Link(
            link(here, params, theme=None if other_theme is DEFAULT_THEME else other_theme.name),
            i18n.t(f"switch.theme.{other_theme.name}", lang),
        ),
        language_switch=shell.Link(
            link(here, params, lang=None if lang == "en" else "en"),
            i18n.t("switch.language", lang),
        ),
        page=page,
        with_filters=view is not None and view.filtered,
        report_menu=export_menu.report_menu(view.name, lang, app.get_relative_path("/"), query) if view else None,
        signed_in=signed_in(current_principal(), lang),
    )
    return children, theme.css_variables(), i18n.HTML_LANG[lang]


def signed_in(principal: Principal | None, lang: str) -> shell.SignedIn | None:
    """Who the header names: a person with their role, account and (for admins) admin links, or a wall device."""
    if principal is None:
        return None
    if principal.kind == "device":
        return shell.SignedIn(i18n.t("access.device", lang, name=principal.name), (), None)
    # The login blueprint's pages, on the Flask server itself (not under Dash's path prefix), in this language.
    in_lang = f"?lang={lang}"
    links = [shell.Link(f"/account{in_lang}", i18n.t("access.account", lang))]
    if principal.may("admin"):
        links.append(shell.Link(f"/admin{in_lang}", i18n.t("access.admin", lang)))
    role = i18n.t(f"access.role.{principal.role}", lang)
    return shell.SignedIn(i18n.t("access.signed_in", lang, name=principal.shown_name, role=role), tuple(links),
                          shell.Link(f"/logout{in_lang}", i18n.t("access.logout", lang)),
                          request.environ.get("onescreen.csrf", ""))
