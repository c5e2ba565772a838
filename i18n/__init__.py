"""The one translation catalogue: every word OneScreen shows, in Simplified Chinese and English.

Chinese is the default (command centres work in Chinese); `?lang=en` switches
to English. Labels, indicator definitions (SCHEMA.md's, shown on hover) and
number formats live here and nowhere else, so a screen, a chart and a future
export cannot say the same thing two ways. Codes from the database that the
catalogue does not know (a city's own ticket source, say) are shown as they
are rather than hidden.
"""
from __future__ import annotations

from datetime import datetime

from i18n.views import access, closure, crowd, exports, funds, tickets, wall, workers

LANGUAGES = ("zh", "en")
DEFAULT_LANGUAGE = "zh"
# The HTML lang attribute of each language, so browsers pick Chinese glyphs and screen readers the right voice.
HTML_LANG = {"zh": "zh-CN", "en": "en"}

CATALOGUE: dict[str, dict[str, str]] = {
    # The product and its frame
    "product.name": {"zh": "一屏观城", "en": "OneScreen 一屏观城"},
    "product.tagline": {"zh": "网格化治理联动指挥中心", "en": "Grid governance linkage command centre"},
    "switch.language": {"zh": "English", "en": "中文"},
    "switch.theme.dark": {"zh": "深色大屏", "en": "Dark wall"},
    "switch.theme.light": {"zh": "浅色桌面", "en": "Light desk"},
    "nav.label": {"zh": "视图", "en": "Views"},
    "nav.overview": {"zh": "总览", "en": "Overview"},
    "nav.wall": {"zh": "大屏", "en": "Wall"},
    "nav.crowd": {"zh": "人流", "en": "Crowd"},
    "nav.tickets": {"zh": "工单", "en": "Tickets"},
    "nav.workers": {"zh": "网格员", "en": "Grid workers"},
    "nav.closure": {"zh": "结案", "en": "Closure"},
    "nav.funds": {"zh": "民生微基金", "en": "Micro-fund"},
    "not_found.message": {"zh": "没有这个页面：{path}", "en": "There is no page at {path}"},
    "not_found.back": {"zh": "返回总览", "en": "Back to the overview"},
    # Overview
    "overview.period": {"zh": "统计期 {start} 至 {end}", "en": "Period {start} to {end}"},
    "overview.as_of": {"zh": "数据截至 {moment}", "en": "Data as of {moment}"},
    "overview.newest": {"zh": "最新记录 {moment}", "en": "Newest record {moment}"},
    "overview.newest.aged": {"zh": "最新记录 {moment}（{age}）", "en": "Newest record {moment} ({age})"},
    # The freshness of the data: the desk header's newest record and the wall's badge (components/freshness_badge.py)
    "freshness.definition": {
        "zh": "本范围内截至数据时刻最新一条工单上报、网格员定位或人流快照的时间；本范围近期无数据时，为全库最新一条的时间。"
              "比数据时刻早 {amber} 分钟以上变黄，{red} 分钟以上变红。",
        "en": "The newest ticket report, worker ping or crowd snapshot in scope by the as-of moment; when the scope "
              "has none lately, the newest in the whole database. Amber when it is over {amber} min "
              "older than the as-of moment, red over {red} min.",
    },
    "freshness.old": {"zh": "最新记录为 {age}", "en": "newest record {age}"},
    "freshness.replica_lag": {"zh": "副本滞后：最后同步于 {age}", "en": "Replica behind: last change applied {age}"},
    "freshness.replica_lag.definition": {
        "zh": "本系统读取的是数据库的只读副本，它已收到但尚未应用主库的部分变更，所示数据可能缺少这些变更。"
              "时间为副本最后应用的一条变更在主库提交的时刻（副本启动后未应用过变更时为其启动时刻），"
              "落后 {after} 秒以上才显示；副本追平后不再显示。",
        "en": "OneScreen reads a read-only replica of the database that has received changes of the primary it "
              "has not applied yet: the numbers may lack them. The time is when the last change it applied was "
              "committed on the primary (or when it started, if it applied none since); shown once it is "
              "{after} s or more behind, and no longer once it has caught up.",
    },
    "overview.as_of.history": {"zh": "历史回看", "en": "Past moment"},
    "overview.filter": {"zh": "{name}：{values}", "en": "{name}: {values}"},
    "overview.filter.source": {"zh": "来源", "en": "Source"},
    "overview.filter.category": {"zh": "类别", "en": "Category"},
    "overview.filter.dept": {"zh": "部门", "en": "Department"},
    "overview.breadcrumb": {"zh": "区域层级", "en": "Area path"},
    "overview.kpis": {"zh": "工单指标", "en": "Ticket indicators"},
    "overview.exact": {"zh": "精确值", "en": "Exact value"},
    "chart.trend.title": {"zh": "每日上报与结案（按上报日期）", "en": "Reported and closed per day (by reporting day)"},
    "chart.trend.note": {
        "zh": "结案数：当日上报的工单中，截至数据时刻已结案的数量。",
        "en": "Closed: of the tickets reported that day, those closed by the as-of moment.",
    },
    "chart.areas.title": {"zh": "下级区域结案率", "en": "Closure rate by sub-area"},
    "chart.areas.note": {"zh": "点击区域可下钻。", "en": "Click an area to drill down."},
    "chart.areas.itself": {"zh": "本级直报", "en": "Filed on this area itself"},
    "chart.areas.none": {"zh": "无下级区域", "en": "No sub-areas"},
    "chart.sources.title": {"zh": "各来源积压工单", "en": "Backlog by source"},
    "chart.sources.in_time": {"zh": "未超期", "en": "Not overdue"},
    # The filter bar (components/filter_bar.py)
    "filter.period": {"zh": "统计期", "en": "Period"},
    "filter.source": {"zh": "来源", "en": "Source"},
    "filter.category": {"zh": "类别", "en": "Category"},
    "filter.dept": {"zh": "部门", "en": "Department"},
    "filter.any_value": {"zh": "全部", "en": "All"},
    "filter.reset": {"zh": "清除筛选", "en": "Clear filters"},
    "filter.display_format": {"zh": "YYYY-MM-DD", "en": "YYYY-MM-DD"},
    "area.whole_database": {"zh": "全部区域", "en": "All areas"},
    "no_data": {"zh": "无数据", "en": "n/a"},
    # An empty chart or table: nothing in scope, where no_data is a value that cannot be computed (a rate of 0 ÷ 0).
    "empty": {"zh": "无数据", "en": "No data"},
    "unknown": {"zh": "未知", "en": "Unknown"},
    # A duration (format_duration): how long a ticket is overdue, or has left.
    "duration.days_hours": {"zh": "{days} 天 {hours} 小时", "en": "{days} d {hours} h"},
    "duration.days": {"zh": "{days} 天", "en": "{days} d"},
    "duration.hours": {"zh": "{hours} 小时", "en": "{hours} h"},
    "duration.minutes": {"zh": "{minutes} 分钟", "en": "{minutes} min"},
    "list.separator": {"zh": "、", "en": ", "},
    # Problems with the scope in the URL
    "notice.invalid_parameter": {
        "zh": "参数「{param}」无法使用：{detail}。应为{hint}。已改用默认范围显示。",
        "en": "The parameter “{param}” cannot be used: {detail}. Expected {hint}. Showing the default scope instead.",
    },
    "notice.invalid_parameter.bare": {
        "zh": "参数「{param}」无法使用，应为{hint}。已改用默认范围显示。",
        "en": "The parameter “{param}” cannot be used. Expected {hint}. Showing the default scope instead.",
    },
    "notice.unknown_dept": {
        "zh": "没有编码为「{code}」的部门，已显示全部部门。",
        "en": "There is no department with code “{code}”; showing every department.",
    },
    "notice.unknown_category": {
        "zh": "没有编码为「{code}」的类别，已显示全部类别。",
        "en": "There is no category with code “{code}”; showing every category.",
    },
    "notice.unknown_theme": {
        "zh": "没有名为「{code}」的主题，已使用{fallback}。",
        "en": "There is no theme named “{code}”; showing {fallback}.",
    },
    # An unknown language falls back to Chinese, so only the Chinese text is ever seen.
    "notice.unknown_lang": {
        "zh": "不支持语言「{code}」，已使用中文。",
        "en": "The language “{code}” is not supported; showing Chinese.",
    },
    "notice.unknown_area": {
        "zh": "没有编码为「{code}」的区域，已改为显示{fallback}。",
        "en": "There is no area with code “{code}”; showing {fallback} instead.",
    },
    "notice.database_unavailable": {
        "zh": "暂时无法读取数据库，页面保留上次成功读取的数据，将自动重试。",
        "en": "The database cannot be read right now; the page keeps the last data it read and will retry.",
    },
    # Why a parameter could not be used (data_access.scope.ScopeError's reason)
    "scope_error.not_code": {
        "zh": "含有不允许的字符或过长",
        "en": "not a code (letters, digits, '_', '.', '-'; at most 32)",
    },
    "scope_error.not_text": {"zh": "不是文本", "en": "must be text"},
    "scope_error.not_sources": {"zh": "不是来源编码列表", "en": "not a list of source codes"},
    "scope_error.not_date": {"zh": "「{text}」不是日期", "en": "“{text}” is not a date"},
    "scope_error.not_moment": {"zh": "「{text}」不是时间", "en": "“{text}” is not a timestamp"},
    "scope_error.time_zone": {"zh": "不应带时区", "en": "it gives a time zone"},
    "scope_error.out_of_range": {"zh": "应在 {low} 至 {high} 之间", "en": "it must lie between {low} and {high}"},
    "scope_error.reversed_period": {
        "zh": "统计期开始（{start}）晚于结束（{end}）",
        "en": "the period starts ({start}) after it ends ({end})",
    },
    "scope_error.period_after_as_of": {
        "zh": "统计期开始（{start}）晚于数据截至时刻（{as_of}）",
        "en": "the period starts ({start}) after as_of ({as_of})",
    },
    "hint.area": {"zh": "区域编码（字母、数字、_ . -，最长32位）", "en": "an area code (letters, digits, _ . -; at most 32)"},
    "hint.from": {"zh": "日期，如 2026-11-01，且不晚于结束日期", "en": "a date such as 2026-11-01, not after the end"},
    "hint.to": {"zh": "日期，如 2026-11-30", "en": "a date such as 2026-11-30"},
    "hint.as_of": {"zh": "当地时间，如 2026-11-22T09:30:00（不带时区）", "en": "local time such as 2026-11-22T09:30:00 (no time zone)"},
    "hint.source": {"zh": "逗号分隔的来源编码，如 hotline_12345", "en": "comma-separated source codes such as hotline_12345"},
    "hint.category": {"zh": "类别编码", "en": "a category code"},
    "hint.dept": {"zh": "部门编码", "en": "a department code"},
    # Indicators (SCHEMA.md names) and their definitions
    "indicator.reported": {"zh": "上报数", "en": "Reported"},
    "indicator.cancelled": {"zh": "作废数", "en": "Cancelled"},
    "indicator.accepted": {"zh": "立案数", "en": "Accepted"},
    "indicator.closed": {"zh": "结案数", "en": "Closed"},
    "indicator.due": {"zh": "应结案数", "en": "Due"},
    "indicator.closure_rate": {"zh": "结案率", "en": "Closure rate"},
    "indicator.on_time_closed": {"zh": "按期结案数", "en": "Closed on time"},
    "indicator.on_time_closure_rate": {"zh": "按期结案率", "en": "On-time closure rate"},
    "indicator.rework_rate": {"zh": "返工率", "en": "Rework rate"},
    "indicator.avg_handle_hours": {"zh": "平均处置时长(小时)", "en": "Avg. handling time (hours)"},
    "indicator.satisfaction_rate": {"zh": "满意率", "en": "Satisfaction rate"},
    "indicator.backlog": {"zh": "积压工单", "en": "Backlog"},
    "indicator.overdue": {"zh": "超期工单", "en": "Overdue"},
    "definition.reported": {
        "zh": "统计期内上报的工单数（按上报时间）。",
        "en": "Tickets reported in the period (by reporting time).",
    },
    "definition.cancelled": {
        "zh": "统计期内上报、状态为作废（不予立案）的工单数。",
        "en": "Tickets reported in the period whose status is cancelled.",
    },
    "definition.accepted": {
        "zh": "立案数 = 上报数 − 作废数。",
        "en": "Accepted = reported − cancelled.",
    },
    "definition.closed": {
        "zh": "立案工单中，在数据截至时刻前已结案的数量。",
        "en": "Accepted tickets closed by the as-of moment.",
    },
    "definition.due": {
        "zh": "应结案数 = 立案数 − 按时待处置数（截至时刻未结案且处置时限未到）。无处置时限的工单计入应结案。",
        "en": "Due = accepted − pending in time (not closed by the as-of moment, deadline still ahead). "
              "A ticket with no deadline counts as due.",
    },
    "definition.closure_rate": {
        "zh": "结案率 = 结案数 ÷ 应结案数；应结案数为0时无数据。",
        "en": "Closure rate = closed ÷ due; n/a when nothing is due.",
    },
    "definition.on_time_closed": {
        "zh": "在处置时限之前（含）结案的结案工单数。",
        "en": "Closed tickets closed by their deadline.",
    },
    "definition.on_time_closure_rate": {
        "zh": "按期结案率 = 按期结案数 ÷ 应结案数，只统计有处置时限的工单；都没有处置时限时无数据。",
        "en": "On-time closure rate = closed on time ÷ due, over the tickets that have a deadline; n/a when none has.",
    },
    "definition.rework_rate": {
        "zh": "返工率 = 被退回返工过（返工次数 > 0）的立案工单 ÷ 立案数；立案数为0时无数据。",
        "en": "Rework rate = accepted tickets sent back at least once ÷ accepted; n/a when nothing was accepted.",
    },
    "definition.avg_handle_hours": {
        "zh": "已结案工单从上报到结案的平均时长，单位小时；无结案时无数据。",
        "en": "Mean time from reporting to closing over closed tickets, in hours; n/a when none is closed.",
    },
    "definition.satisfaction_rate": {
        "zh": "满意率 = 评价为满意或基本满意的工单 ÷ 有评价的工单，按统计期内上报的工单计算；无评价时无数据。",
        "en": "Satisfaction rate = tickets rated satisfied or basically satisfied ÷ tickets rated, "
              "computed over the tickets reported in the period; n/a when none is rated.",
    },
    "definition.backlog": {
        "zh": "截至数据时刻已上报、未作废且尚未结案的工单数，不限统计期。",
        "en": "Tickets reported by the as-of moment, not cancelled and not closed by then, whatever the period.",
    },
    "definition.overdue": {
        "zh": "积压工单中已超过处置时限的数量。",
        "en": "Backlog tickets past their deadline.",
    },
    # Ticket sources (SCHEMA.md ticket.source)
    "source.hotline_12345": {"zh": "12345热线", "en": "12345 hotline"},
    "source.city_mgmt": {"zh": "数字城管", "en": "Digital city management"},
    "source.police_110": {"zh": "110非警情", "en": "110 non-emergency"},
    "source.online_forum": {"zh": "网络问政", "en": "Online forum"},
    "source.grid_patrol": {"zh": "网格员巡查", "en": "Grid patrol"},
    "source.iot_alert": {"zh": "物联感知", "en": "IoT / video AI alert"},
    # Ticket statuses (SCHEMA.md ticket.status)
    "status.reported": {"zh": "上报", "en": "Reported"},
    "status.accepted": {"zh": "立案", "en": "Accepted"},
    "status.dispatched": {"zh": "派遣", "en": "Dispatched"},
    "status.handled": {"zh": "处置完成", "en": "Handled"},
    "status.closed": {"zh": "核查结案", "en": "Closed"},
    "status.returned": {"zh": "返工中", "en": "Returned for rework"},
    "status.cancelled": {"zh": "作废", "en": "Cancelled"},
    # Area levels (SCHEMA.md area.level)
    "level.city": {"zh": "市", "en": "City"},
    "level.district": {"zh": "区（县）", "en": "District"},
    "level.street": {"zh": "街道（乡镇）", "en": "Street"},
    "level.workstation": {"zh": "联动工作站", "en": "Linkage workstation"},
    "level.community": {"zh": "社区（村）", "en": "Community"},
    "level.grid": {"zh": "网格", "en": "Grid"},
    "level.micro_grid": {"zh": "微网格", "en": "Micro-grid"},
    # How long ago (format_age); {s} is the English plural ending, which Chinese does not use.
    "ago.second": {"zh": "{n} 秒前", "en": "{n} second{s} ago"},
    "ago.minute": {"zh": "{n} 分钟前", "en": "{n} minute{s} ago"},
    "ago.hour": {"zh": "{n} 小时前", "en": "{n} hour{s} ago"},
    "ago.day": {"zh": "{n} 天前", "en": "{n} day{s} ago"},
    "ago.month": {"zh": "{n} 个月前", "en": "{n} month{s} ago"},
    "ago.year": {"zh": "{n} 年前", "en": "{n} year{s} ago"},
    # Backlog age buckets (data_access.indicators.AGE_BUCKETS)
    "age.lt_1d": {"zh": "1天内", "en": "Under 1 day"},
    "age.1_3d": {"zh": "1–3天", "en": "1–3 days"},
    "age.3_7d": {"zh": "3–7天", "en": "3–7 days"},
    "age.7_30d": {"zh": "7–30天", "en": "7–30 days"},
    "age.ge_30d": {"zh": "30天以上", "en": "30 days or more"},
    # The last good answer (data_access.cache): a view the database cannot answer shows the cached one, with its age.
    "notice.last_good_answer": {
        "zh": "暂时无法读取最新数据，显示的是{age}读取的数据，将自动重试。",
        "en": "The latest data cannot be read right now; showing the data read {age}, retrying automatically.",
    },
}


def _merge_view_labels() -> None:
    """Each view (and the exports) keeps its labels in i18n/views/<name>.py; they join the one catalogue here, once each."""
    for module in (wall, crowd, tickets, workers, closure, funds, exports, access):
        clashes = CATALOGUE.keys() & module.LABELS.keys()
        if clashes:
            raise ValueError(f"labels defined twice: {sorted(clashes)}")
        CATALOGUE.update(module.LABELS)


_merge_view_labels()


def language(requested: str | None) -> str:
    """The language a `lang` URL parameter asks for; anything unknown means the default, Chinese."""
    return requested if requested in LANGUAGES else DEFAULT_LANGUAGE


def t(key: str, lang: str, **values) -> str:
    """The text of `key` in `lang`, with `{placeholders}` filled from `values`.

    A missing key is a programming error and raises KeyError, so the tests
    catch it rather than a user seeing a raw key.
    """
    text = CATALOGUE[key][language(lang)]
    return text.format(**values) if values else text


def code_label(kind: str, code: str | None, lang: str) -> str:
    """The label of a database code (`kind` is source, status, level or age); unknown codes as they are."""
    if code is None:
        return t("unknown", lang)
    entry = CATALOGUE.get(f"{kind}.{code}")
    return entry[language(lang)] if entry else code


def indicator_label(name: str, lang: str) -> str:
    return t(f"indicator.{name}", lang)


def indicator_definition(name: str, lang: str) -> str:
    return t(f"definition.{name}", lang)


def format_count(value: int | None, lang: str) -> str:
    """A count: 2.16万 / 3.5亿 in Chinese (exact below 10,000), 21,600 in English."""
    if value is None:
        return t("no_data", lang)
    if separates_thousands(lang):
        return f"{value:,}"
    if abs(value) < 10_000:
        return str(value)
    wan = round(value / 10_000, 2)
    # Decided after rounding, so 99,999,999 reads 1亿, not 10000万.
    if abs(wan) < 10_000:
        return f"{_trimmed(wan)}万"
    return f"{_trimmed(round(value / 100_000_000, 2))}亿"


def separates_thousands(lang: str) -> bool:
    """English writes 21,600; Chinese writes 9997 and, from 万 up, 2.16万 (charts' axes follow suit)."""
    return language(lang) == "en"


def format_rate(value: float | None, lang: str) -> str:
    """A rate (a fraction such as 0.934) as a percentage with one decimal: 93.4%."""
    if value is None:
        return t("no_data", lang)
    return f"{value * 100:.1f}%"


def format_hours(value: float | None, lang: str) -> str:
    if value is None:
        return t("no_data", lang)
    return f"{value:,.1f}" if separates_thousands(lang) else f"{value:.1f}"


def format_duration(hours: float | None, lang: str) -> str:
    """How long a ticket is overdue or has left, from hours: 65 天 6 小时 / 65 d 6 h, to the nearest hour.

    Read at a glance where 1558.8 (hours) is not; under an hour in minutes.
    """
    if hours is None:
        return t("no_data", lang)
    if hours < 1:
        return t("duration.minutes", lang, minutes=round(hours * 60))
    days, rest = divmod(round(hours), 24)
    if not days:
        return t("duration.hours", lang, hours=rest)
    return t("duration.days_hours" if rest else "duration.days", lang, days=days, hours=rest)


def format_moment(moment: datetime | None, lang: str) -> str:
    """A timestamp as the city's local time, to the second: 2026-11-22 09:30:00."""
    if moment is None:
        return t("no_data", lang)
    return moment.isoformat(sep=" ")


# The units an age is told in, largest first, with their length in seconds (a month as 30 days, a year as 365).
_AGE_UNITS = (("year", 365 * 86_400), ("month", 30 * 86_400), ("day", 86_400), ("hour", 3600), ("minute", 60))


def format_age(seconds: float, lang: str) -> str:
    """How long ago, in the largest whole unit: 3 个月前 / 3 months ago, 40 秒前 / 40 seconds ago."""
    unit, n = next(((unit, int(seconds // size)) for unit, size in _AGE_UNITS if seconds >= size),
                   ("second", int(max(0, seconds))))
    return t(f"ago.{unit}", lang, n=n, s="" if n == 1 else "s")


def format_indicator(name: str, value, lang: str) -> str:
    """An indicator's value in the form its kind calls for: a rate, hours or a count."""
    kind = _indicator_kind(name)
    if kind == "rate":
        return format_rate(value, lang)
    if kind == "hours":
        return format_hours(value, lang)
    return format_count(value, lang)


def is_abbreviated(name: str, value, lang: str) -> bool:
    """Whether the shown value rounds a count (2.16万), so the exact number belongs in its tooltip."""
    return (
        _indicator_kind(name) == "count"
        and value is not None
        and not separates_thousands(lang)
        and abs(value) >= 10_000
    )


def _indicator_kind(name: str) -> str:
    if name.endswith("_rate"):
        return "rate"
    if name == "avg_handle_hours":
        return "hours"
    return "count"


def _trimmed(number: float) -> str:
    """Two decimals without trailing zeros: 2.16, 2.5, 1."""
    return f"{number:.2f}".rstrip("0").rstrip(".")
