"""The two looks of OneScreen, in one place: the dark wall and the light desk.

A wall runs dark for weeks in a dim command centre; a leader's desk or tablet
reads better light. Each theme is one palette from which both the CSS
variables (used by assets/onescreen.css) and the plotly template are made,
so a chart can never drift from the page around it. `?theme=light` picks the
desk theme; the wall's dark theme is the default.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import plotly.graph_objects as go

# Fonts already on the machine: command centres are offline, so nothing is downloaded.
FONT_STACK = (
    '"Noto Sans CJK SC", "Source Han Sans SC", "Microsoft YaHei", "PingFang SC", '
    '"Hiragino Sans GB", "WenQuanYi Micro Hei", sans-serif'
)


@dataclass(frozen=True)
class Theme:
    """A palette. `series` are the chart colours of reported, closed and backlog, in that order."""

    name: str
    page: str
    surface: str
    border: str
    text: str
    muted: str
    accent: str
    alert: str
    warning: str
    grid: str
    series: tuple[str, ...]
    template: go.layout.Template = field(init=False, compare=False, repr=False)

    def __post_init__(self):
        object.__setattr__(self, "template", _plotly_template(self))

    def css_variables(self) -> dict[str, str]:
        """The palette as CSS custom properties, for the root element's style."""
        return {
            "--page": self.page,
            "--surface": self.surface,
            "--border": self.border,
            "--text": self.text,
            "--muted": self.muted,
            "--accent": self.accent,
            "--alert": self.alert,
            "--warning": self.warning,
            "--font": FONT_STACK,
            # Dash 4's own controls (dropdowns, date pickers) read these, so they take the theme too.
            "--Dash-Fill-Inverse-Strong": self.surface,
            "--Dash-Text-Strong": self.text,
            "--Dash-Text-Weak": self.muted,
            "--Dash-Text-Disabled": self.muted,
            "--Dash-Stroke-Strong": self.border,
            "--Dash-Fill-Interactive-Strong": self.accent,
            "--Dash-Fill-Interactive-Weak": self.grid,
        }

    def root_css(self) -> str:
        """The palette as a `:root` rule, so the page is the theme's colour before the app has loaded."""
        declarations = ";".join(f"{name}:{value}" for name, value in self.css_variables().items())
        return f":root{{{declarations}}}"


def _plotly_template(theme: Theme) -> go.layout.Template:
    axis = dict(gridcolor=theme.grid, linecolor=theme.border, zerolinecolor=theme.grid, automargin=True)
    return go.layout.Template(
        layout=dict(
            font=dict(family=FONT_STACK, color=theme.text, size=15),
            paper_bgcolor=theme.surface,
            plot_bgcolor=theme.surface,
            colorway=list(theme.series),
            xaxis=axis,
            yaxis=axis,
            legend=dict(orientation="h", yanchor="bottom", y=1.0, xanchor="left", x=0),
            hoverlabel=dict(font=dict(family=FONT_STACK)),
            margin=dict(l=8, r=16, t=8, b=8),
        )
    )


WALL = Theme(
    name="dark",
    page="#06101d",
    surface="#0d1b2e",
    border="#1f3654",
    text="#e8f0fa",
    muted="#8ea3bd",
    accent="#3aa8ff",
    alert="#ff5c61",
    warning="#ffb547",
    grid="#1a2d47",
    series=("#3aa8ff", "#2fd3a0", "#ffb547"),
)
DESK = Theme(
    name="light",
    page="#f3f5f8",
    surface="#ffffff",
    border="#d8dfe9",
    text="#18222f",
    muted="#566679",
    accent="#1768cf",
    alert="#d3262d",
    warning="#b86e00",
    grid="#e7ecf2",
    series=("#1768cf", "#0c8f69", "#c27400"),
)
THEMES = {theme.name: theme for theme in (WALL, DESK)}
DEFAULT_THEME = WALL


def theme_named(requested: str | None) -> Theme:
    """The theme a `theme` URL parameter asks for; anything unknown means the wall's dark theme."""
    return THEMES.get(requested or "", DEFAULT_THEME)
