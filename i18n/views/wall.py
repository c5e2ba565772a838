"""Labels of the wall view (大屏): keys start with "wall."."""

LABELS: dict[str, dict[str, str]] = {
    "wall.rotation": {"zh": "轮播视图", "en": "Rotating views"},
    "wall.home": {"zh": "返回总览", "en": "Back to the overview"},
    # Wall parameters in the URL that cannot be used
    "wall.notice.unknown_views": {
        "zh": "参数「views」中的「{names}」不是大屏视图，已忽略。可选：{choices}。",
        "en": "The parameter “views” names {names}, which are not wall views; ignored. Choose from {choices}.",
    },
    "wall.notice.no_views": {
        "zh": "参数「views」没有可用的视图，已改为轮播默认视图。",
        "en": "The parameter “views” names no usable view; rotating the default views instead.",
    },
    "wall.notice.seconds": {
        "zh": "参数「{param}」应为 {low} 至 {high} 之间的整数秒，收到「{value}」，已改用默认值 {default} 秒。",
        "en": "The parameter “{param}” must be whole seconds from {low} to {high}, got “{value}”; "
              "using the default, {default} s.",
    },
    "wall.notice.sound": {
        "zh": "参数「sound」应为 1（开启提示音）或 0，收到「{value}」，已关闭提示音。",
        "en": "The parameter “sound” must be 1 (alert sound on) or 0, got “{value}”; the sound is off.",
    },
    # The freshness badge
    "wall.freshness.stale": {"zh": "已 {minutes} 分钟无新数据", "en": "no new data for {minutes} min"},
    "wall.freshness.history": {"zh": "历史回看", "en": "Past moment"},
    "wall.clock.definition": {
        "zh": "服务器时间（城市当地时间），每秒走动。",
        "en": "The server's clock (the city's local time), ticking every second.",
    },
    # Crowd alert placards
    "wall.alert.title": {"zh": "人流超限告警", "en": "Crowd over capacity"},
    "wall.alert.people": {"zh": "{people} 人 / 容量 {capacity} 人", "en": "{people} people / capacity {capacity}"},
    "wall.alert.since": {"zh": "自 {moment} 起超限", "en": "Over capacity since {moment}"},
    "wall.alert.ended": {
        "zh": "已回落至容量以内，请确认",
        "en": "Back under capacity; please acknowledge",
    },
    "wall.alert.ack": {"zh": "确认", "en": "Acknowledge"},
    "wall.alert.more": {"zh": "另有 {count} 条未确认告警", "en": "{count} more unacknowledged alerts"},
    "wall.alerts.label": {"zh": "人流超限告警", "en": "Crowd alerts"},
    # Tiles that are not ticket indicators: their label and definition
    "wall.stat.zones": {"zh": "监测区域", "en": "Zones watched"},
    "wall.stat.zones.definition": {
        "zh": "本范围内设有容量阈值的人流监测区域数。",
        "en": "Crowd zones with a capacity threshold in scope.",
    },
    "wall.stat.zones_over": {"zh": "超限区域", "en": "Zones over capacity"},
    "wall.stat.zones_over.definition": {
        "zh": "最新人流快照中，人数超过容量的区域数。",
        "en": "Zones whose headcount in the latest crowd snapshot exceeds their capacity.",
    },
    "wall.stat.zone_people": {"zh": "区域内人数", "en": "People in zones"},
    "wall.stat.zone_people.definition": {
        "zh": "最新人流快照中各监测区域人数之和。",
        "en": "Sum of the headcounts of all zones in the latest crowd snapshot.",
    },
    "wall.stat.snapshot": {"zh": "快照时间", "en": "Snapshot"},
    "wall.stat.snapshot.definition": {
        "zh": "最新一次人流快照的时间（同一时刻的全部人流读数）。",
        "en": "Time of the latest crowd snapshot (all readings taken at one moment).",
    },
    "wall.stat.online": {"zh": "在线", "en": "Online"},
    "wall.stat.online.definition": {
        "zh": "在岗网格员中，最近 {online} 分钟内有定位上报的人数。",
        "en": "Active grid workers whose last GPS ping is at most {online} min old.",
    },
    "wall.stat.stale": {"zh": "信号滞后", "en": "Stale"},
    "wall.stat.stale.definition": {
        "zh": "在岗网格员中，最后一次定位在 {online} 至 {stale} 分钟前的人数。",
        "en": "Active grid workers whose last GPS ping is {online} to {stale} min old.",
    },
    "wall.stat.offline": {"zh": "离线", "en": "Offline"},
    "wall.stat.offline.definition": {
        "zh": "在岗网格员中，超过 {stale} 分钟无定位（或 24 小时内无定位）的人数。",
        "en": "Active grid workers with no GPS ping for more than {stale} min (or none in 24 h).",
    },
    "wall.stat.workers": {"zh": "在岗网格员", "en": "Active workers"},
    "wall.stat.workers.definition": {
        "zh": "本范围内状态为在岗的网格员总数。",
        "en": "Grid workers in scope marked active.",
    },
    "wall.stat.budget": {"zh": "年度预算", "en": "Budget this year"},
    "wall.stat.budget.definition": {
        "zh": "本范围内各工作站民生微基金账户在数据时刻所在年度的预算之和。",
        "en": "Sum of the micro-fund budgets of the accounts in scope for the as-of moment's year.",
    },
    "wall.stat.spent": {"zh": "已使用", "en": "Spent"},
    "wall.stat.spent.definition": {
        "zh": "本年度截至数据时刻的支出（先使用后审批：支出即计入，不论审批结果）。",
        "en": "Spend this year up to the as-of moment (used first, approved after: counted when spent).",
    },
    "wall.stat.pending": {"zh": "待审批", "en": "Pending approval"},
    "wall.stat.pending.definition": {
        "zh": "已使用但尚待审批的金额。",
        "en": "The part of the spend still awaiting approval.",
    },
    "wall.stat.burn_rate": {"zh": "使用进度", "en": "Burn rate"},
    "wall.stat.burn_rate.definition": {
        "zh": "使用进度 = 已使用 ÷ 年度预算；无预算时无数据。",
        "en": "Burn rate = spent ÷ budget; n/a without a budget.",
    },
    "wall.stat.year_elapsed": {"zh": "本年已过 {share}", "en": "{share} of the year gone"},
    "wall.yuan": {"zh": "{amount}元", "en": "¥{amount}"},
    # Panels: card titles
    "wall.crowd.loads": {"zh": "各区域人数 / 容量（最新快照）", "en": "Headcount / capacity per zone (latest snapshot)"},
    "wall.crowd.alerts": {"zh": "当前超限区域", "en": "Zones over capacity now"},
    "wall.crowd.alerts.none": {"zh": "当前无超限区域", "en": "No zone is over capacity"},
    "wall.crowd.alerts.zone": {"zh": "区域", "en": "Zone"},
    "wall.crowd.alerts.people": {"zh": "人数 / 容量", "en": "People / capacity"},
    "wall.crowd.alerts.since": {"zh": "超限起始", "en": "Over since"},
    "wall.workers.areas": {"zh": "各下级区域网格员在线情况", "en": "Grid workers online per sub-area"},
    "wall.tickets.ages": {"zh": "积压工单账龄", "en": "Backlog by age"},
    "wall.closure.depts": {"zh": "各部门结案率", "en": "Closure rate by department"},
    "wall.funds.kinds": {"zh": "本年支出类别", "en": "Spend this year by kind"},
    "wall.rows.shown": {"zh": "显示 {shown} / 共 {total} 项", "en": "{shown} of {total} shown"},
    "wall.rows.lowest_closure": {
        "zh": "显示结案率最低的 {shown} 个（共 {total} 个）", "en": "The {shown} lowest closure rates of {total}",
    },
    "wall.rows.most_backlog": {
        "zh": "显示积压最多的 {shown} 个（共 {total} 个）", "en": "The {shown} largest backlogs of {total}",
    },
    "wall.rows.fullest": {"zh": "显示最满的 {shown} 个区域（共 {total} 个）", "en": "The {shown} fullest of {total} zones"},
    "wall.rows.most_offline": {
        "zh": "显示离线人数最多的 {shown} 个（共 {total} 个）", "en": "The {shown} with most offline, of {total}",
    },
    # Micro-fund expense kinds (SCHEMA.md fund_expense.kind)
    "wall.fund_kind.repair": {"zh": "维修", "en": "Repair"},
    "wall.fund_kind.environment": {"zh": "环境整治", "en": "Environment"},
    "wall.fund_kind.emergency": {"zh": "应急处置", "en": "Emergency"},
    "wall.fund_kind.service_project": {"zh": "服务项目", "en": "Service project"},
}
