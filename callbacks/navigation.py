"""The router: the URL's path picks the view, its query the language and theme; the frame's links keep the query."""
from __future__ import annotations

import dash
from dash import Input, Output

import i18n
from callbacks.url import link, query_params
from components import export_menu, ids, shell
from components.theme import DEFAULT_THEME, DESK, theme_named
from exports.panels import menu_notes
from pages import VIEWS, not_found, view_at

def register(app: dash.Dash) -> None:
    """The router needs no database: views fetch their own data in their own callbacks."""

    @app.callback(
        Output(ids.ROOT, "children"),
        Output(ids.ROOT, "style"),
        Output(ids.ROOT, "lang"),
        Input(ids.URL, "pathname"),
        Input(ids.URL, "search"),
    )
    def route(pathname, search):
        return render_frame(app, pathname, search)


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
    )
    return children, theme.css_variables(), i18n.HTML_LANG[lang]
