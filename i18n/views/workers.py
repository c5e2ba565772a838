"""Labels of the workers view (网格员): keys start with "workers."."""

LABELS: dict[str, dict[str, str]] = {
    "workers.kpis": {"zh": "网格员指标", "en": "Grid worker indicators"},
    "workers.state.online": {"zh": "在线", "en": "Online"},
    "workers.state.stale": {"zh": "信号滞后", "en": "Stale"},
    "workers.state.offline": {"zh": "离线", "en": "Offline"},
    "workers.total": {"zh": "在岗网格员", "en": "Active workers"},
    "workers.unpatrolled": {"zh": "今日未巡查网格", "en": "Grids not patrolled today"},
    "workers.unpatrolled.of": {"zh": "{count} / {grids}", "en": "{count} of {grids}"},
    "workers.definition.online": {
        "zh": "在岗网格员中，最后一次定位在数据时刻前 {online} 分钟内的人数。",
        "en": "Active workers whose last GPS ping is at most {online} minutes before the as-of moment.",
    },
    "workers.definition.stale": {
        "zh": "在岗网格员中，最后一次定位在数据时刻前 {online}–{stale} 分钟的人数。",
        "en": "Active workers whose last GPS ping is {online} to {stale} minutes before the as-of moment.",
    },
    "workers.definition.offline": {
        "zh": "在岗网格员中，{stale} 分钟以上没有定位（含24小时内无定位）的人数。",
        "en": "Active workers with no GPS ping for over {stale} minutes (or none in 24 hours).",
    },
    "workers.definition.total": {
        "zh": "范围内登记为在岗（active）的网格员人数，按所属网格计。",
        "en": "Workers registered as active in the scope, counted by the area they are assigned to.",
    },
    "workers.definition.unpatrolled": {
        "zh": "最末级网格（网格、微网格）中，今日0点至数据时刻没有任何一名所属在岗网格员发送定位的网格数"
              "（按人员所属网格判断，不按定位落点；无人分配的网格也计入）。",
        "en": "Finest grids (grid, micro-grid) where no active worker assigned to them sent a GPS ping between "
              "midnight and the as-of moment (judged by the worker's assignment, not by where the ping fell; "
              "grids with nobody assigned count too).",
    },
    "workers.definition.assigned": {
        "zh": "分配到该网格的在岗网格员人数；0 表示无人分配。",
        "en": "Active workers assigned to the grid; 0 means nobody is assigned.",
    },
    "workers.map.title": {"zh": "网格员位置与巡查覆盖", "en": "Worker positions and patrol coverage"},
    "workers.map.note.points": {
        "zh": "圆点：每名网格员的最后定位，点击查看今日轨迹；底色：今日未巡查网格数。",
        "en": "Dots: each worker's last position, click one for today's track; fill: grids not patrolled today.",
    },
    "workers.map.note.aggregate": {
        "zh": "范围内网格员超过 {limit} 人，按下级区域汇总（圆点大小 = 人数，点击下钻）；底色：今日未巡查网格数。",
        "en": "Over {limit} workers in scope: summed per sub-area (dot size = workers; click to drill down); "
              "fill: grids not patrolled today.",
    },
    "workers.legend.states": {"zh": "网格员（最后定位）", "en": "Workers (last position)"},
    "workers.legend.aggregate": {"zh": "网格员人数（圆点大小）", "en": "Workers (dot size)"},
    "workers.legend.aggregate.row": {"zh": "最多 {count} 人", "en": "Up to {count}"},
    "workers.legend.coverage": {"zh": "今日未巡查网格", "en": "Grids not patrolled today"},
    "workers.tooltip.coverage": {
        "zh": "今日未巡查：{count} / {grids} 个网格",
        "en": "Not patrolled today: {count} of {grids} grids",
    },
    "workers.tooltip.aggregate": {
        "zh": "网格员 {total} 人：在线 {online} · 信号滞后 {stale} · 离线 {offline}",
        "en": "{total} workers: {online} online · {stale} stale · {offline} offline",
    },
    "workers.tooltip.last_ping": {"zh": "最后定位", "en": "last ping"},
    "workers.picker": {"zh": "选择网格员查看今日轨迹", "en": "Choose a worker for today's track"},
    "workers.picker.too_many": {
        "zh": "人数较多，请先下钻到更小范围再选择网格员",
        "en": "Too many workers: drill down to a smaller area to choose one",
    },
    "workers.picker.none": {"zh": "范围内没有在岗网格员", "en": "No active worker in the scope"},
    "workers.track.summary": {
        "zh": "{name}（{worker}）· {role} · 今日定位 {pings} 次 · {first} – {last}",
        "en": "{name} ({worker}) · {role} · {pings} pings today · {first} – {last}",
    },
    "workers.track.none": {
        "zh": "{name}（{worker}）· {role} · 今日尚无定位",
        "en": "{name} ({worker}) · {role} · no ping yet today",
    },
    "workers.track.not_in_scope": {
        "zh": "网格员「{worker}」不在当前范围内，未显示轨迹",
        "en": "Worker “{worker}” is not in the current scope: no track shown",
    },
    "workers.track.start": {"zh": "今日首次定位 {moment}", "en": "First ping today {moment}"},
    "workers.track.end": {"zh": "最近定位 {moment}", "en": "Latest ping {moment}"},
    "workers.by_area.title": {"zh": "各下级区域网格员状态", "en": "Worker states by sub-area"},
    "workers.by_area.note": {"zh": "点击区域可下钻。", "en": "Click an area to drill down."},
    "workers.unpatrolled.title": {"zh": "今日未巡查网格", "en": "Grids not patrolled today"},
    "workers.unpatrolled.grid": {"zh": "网格", "en": "Grid"},
    "workers.unpatrolled.code": {"zh": "编码", "en": "Code"},
    "workers.unpatrolled.workers": {"zh": "所属网格员", "en": "Assigned workers"},
    "workers.unpatrolled.none": {"zh": "没有今日未巡查的网格", "en": "No grid left unpatrolled today"},
    "workers.unpatrolled.no_grids": {
        "zh": "范围内没有网格或微网格",
        "en": "No grid or micro-grid in the scope",
    },
    "workers.unpatrolled.caption": {
        "zh": "共 {count} 个网格今日未巡查",
        "en": "{count} grids not patrolled today",
    },
    "workers.unpatrolled.caption.partial": {
        "zh": "共 {count} 个网格今日未巡查，按编码列出前 {shown} 个",
        "en": "{count} grids not patrolled today; the first {shown} by code are listed",
    },
    "workers.role.full_time": {"zh": "专职", "en": "Full-time"},
    "workers.role.part_time": {"zh": "兼职", "en": "Part-time"},
    "workers.role.micro_grid": {"zh": "微网格员", "en": "Micro-grid worker"},
    "workers.role.volunteer": {"zh": "志愿者", "en": "Volunteer"},
    "workers.role.police": {"zh": "警格", "en": "Police grid"},
}
