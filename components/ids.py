"""Every component id, in one module, so a layout and the callback that targets it cannot drift apart."""

# The app frame (components/shell.py), shared by every view
URL = "url"
ROOT = "root"
LANGUAGE_LINK = "language-link"
THEME_LINK = "theme-link"

# The filter bar (components/filter_bar.py), under the top bar of every desk view
FILTER_BAR = "filter-bar"
FILTER_PERIOD = "filter-period"
FILTER_SOURCE = "filter-source"
FILTER_CATEGORY = "filter-category"
FILTER_DEPT = "filter-dept"
FILTER_RESET = "filter-reset"

# The overview (pages/overview.py)
OVERVIEW_REFRESH = "overview-refresh"
OVERVIEW_HEADER = "overview-header"
OVERVIEW_NOTICES = "overview-notices"
KPI_TILES = "kpi-tiles"
TREND_CHART = "trend-chart"
AREA_CHART = "area-chart"
SOURCE_CHART = "source-chart"

# The wall view (pages/wall.py)

# The crowd view (pages/crowd.py)

# The tickets view (pages/tickets.py)

# The workers view (pages/workers.py)

# The closure view (pages/closure.py)

# The funds view (pages/funds.py)
