"""Labels of the tickets view (工单): keys start with "tickets."."""

LABELS: dict[str, dict[str, str]] = {
    "tickets.kpis": {"zh": "积压工单指标", "en": "Backlog indicators"},
    "tickets.near_overdue": {"zh": "临期工单", "en": "Near overdue"},
    # The definition lives in data_access/ticket_lists.py; {hours} is its NEAR_OVERDUE_HOURS.
    "tickets.definition.near_overdue": {
        "zh": "积压工单中，处置时限在数据截至时刻起{hours}小时内到期、尚未超期的数量。无处置时限的工单不计入。",
        "en": "Backlog tickets whose deadline falls within {hours} hours after the as-of moment, not yet overdue. "
              "Tickets with no deadline are not counted.",
    },
    # Backlog charts
    "tickets.by_status.title": {"zh": "各状态积压工单", "en": "Backlog by status"},
    "tickets.by_category.title": {"zh": "各类别积压工单", "en": "Backlog by category"},
    "tickets.by_category.note": {
        "zh": "点击类别查看其下一级分类。", "en": "Click a category to see its subclasses.",
    },
    "tickets.by_dept.title": {"zh": "各处置部门积压工单", "en": "Backlog by department"},
    "tickets.by_area.title": {"zh": "下级区域积压工单", "en": "Backlog by sub-area"},
    "tickets.by_age.title": {"zh": "积压工单已历时长（自上报起）", "en": "Backlog by age (since reported)"},
    "tickets.category.all": {"zh": "全部大类", "en": "All classes"},
    "tickets.category.path": {"zh": "类别层级", "en": "Category path"},
    # The lists
    "tickets.overdue.title": {"zh": "超期工单清单", "en": "Overdue tickets"},
    "tickets.overdue.note": {
        "zh": "积压工单中已超过处置时限的，超期最久的在前。",
        "en": "Backlog tickets past their deadline, longest overdue first.",
    },
    "tickets.near_overdue.title": {"zh": "临期工单清单", "en": "Near-overdue tickets"},
    "tickets.near_overdue.note": {
        "zh": "积压工单中{hours}小时内到期的，最先到期的在前。",
        "en": "Backlog tickets due within {hours} hours, soonest first.",
    },
    "tickets.list.showing": {"zh": "显示 {shown} 条，共 {total} 条", "en": "Showing {shown} of {total}"},
    "tickets.column.ticket_id": {"zh": "工单号", "en": "Ticket"},
    "tickets.column.title": {"zh": "标题", "en": "Title"},
    "tickets.column.source": {"zh": "来源", "en": "Source"},
    "tickets.column.category_name": {"zh": "类别", "en": "Category"},
    "tickets.column.area_name": {"zh": "区域", "en": "Area"},
    "tickets.column.dept_name": {"zh": "处置部门", "en": "Department"},
    "tickets.column.status": {"zh": "状态", "en": "Status"},
    "tickets.column.reported_at": {"zh": "上报时间", "en": "Reported at"},
    "tickets.column.due_at": {"zh": "处置时限", "en": "Deadline"},
    "tickets.column.hours_overdue": {"zh": "已超期(小时)", "en": "Overdue (hours)"},
    "tickets.column.hours_left": {"zh": "剩余(小时)", "en": "Left (hours)"},
    "tickets.column.hours_open": {"zh": "已历时长(小时)", "en": "Open (hours)"},
    "tickets.backlog.title": {"zh": "积压工单清单", "en": "Backlog tickets"},
    "tickets.column.urgent": {"zh": "紧急", "en": "Urgent"},
    "tickets.column.reporter_phone": {"zh": "上报人电话", "en": "Reporter's phone"},
    # On screen the cells carry their unit (65 天 6 小时); the files keep hours, under the headers above.
    "tickets.heading.hours_overdue": {"zh": "已超期", "en": "Overdue by"},
    "tickets.heading.hours_left": {"zh": "剩余时间", "en": "Time left"},
    "tickets.tooltip.hours_overdue": {
        "zh": "数据截至时刻减处置时限。", "en": "The as-of moment minus the deadline.",
    },
    "tickets.tooltip.hours_left": {
        "zh": "处置时限减数据截至时刻。", "en": "The deadline minus the as-of moment.",
    },
    "tickets.tooltip.reporter_phone": {
        "zh": "个人信息：账号无“个人信息”权限时脱敏显示。",
        "en": "Personal data: masked unless your account has the personal-data permission.",
    },
    "tickets.urgent": {"zh": "紧急", "en": "Urgent"},
}
