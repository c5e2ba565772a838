"""Labels of the funds view (民生微基金): keys start with "funds."."""

LABELS: dict[str, dict[str, str]] = {
    "funds.kpis": {"zh": "{year}年度民生微基金", "en": "Micro-fund, {year}"},
    # The amounts and their definitions (data_access/funds.py's docstring says the same)
    "funds.budget": {"zh": "年度预算(元)", "en": "Budget (yuan)"},
    "funds.spent": {"zh": "已使用(元)", "en": "Spent (yuan)"},
    "funds.pending": {"zh": "待审批(元)", "en": "Pending approval (yuan)"},
    "funds.rejected": {"zh": "审批未通过(元)", "en": "Rejected (yuan)"},
    "funds.burn_rate": {"zh": "使用进度", "en": "Burn rate"},
    "funds.year_elapsed": {"zh": "年度时间进度", "en": "Share of the year gone"},
    "funds.expenses": {"zh": "支出笔数", "en": "Expenses"},
    "funds.definition.budget": {
        "zh": "范围内各账户本年度预算之和；年度为数据截至时刻所在的自然年。",
        "en": "The sum of this year's budgets of the accounts in scope; "
              "the year is the calendar year of the as-of moment.",
    },
    "funds.definition.spent": {
        "zh": "本年1月1日至数据截至时刻的支出之和。先使用后审批：支出发生即计入已使用，无论审批与否（含待审批与未通过）。",
        "en": "Spending from 1 January to the as-of moment. Used first, approved after: an expense counts as "
              "spent when it is made, whatever its approval (pending and rejected included).",
    },
    "funds.definition.pending": {
        "zh": "已使用金额中尚待事后审批的部分。",
        "en": "The part of the spending still awaiting approval.",
    },
    "funds.definition.rejected": {
        "zh": "已使用金额中事后审批未通过的部分。",
        "en": "The part of the spending refused at approval.",
    },
    "funds.definition.burn_rate": {
        "zh": "使用进度 = 已使用 ÷ 年度预算；无预算时无数据。对照年度时间进度，快于时间进度的账户以警示色标出。",
        "en": "Burn rate = spent ÷ budget; n/a without a budget. Read against the share of the year gone: "
              "accounts burning faster than the year are highlighted.",
    },
    "funds.definition.year_elapsed": {
        "zh": "数据截至时刻在本年中已过去的比例。",
        "en": "The share of the year gone by at the as-of moment.",
    },
    "funds.definition.expenses": {
        "zh": "本年1月1日至数据截至时刻的支出笔数。",
        "en": "Expenses from 1 January to the as-of moment.",
    },
    "funds.exact": {"zh": "精确值：{value} 元", "en": "Exact value: {value} yuan"},
    # Accounts
    "funds.accounts.title": {"zh": "各工作站经费使用", "en": "Fund use per workstation"},
    "funds.accounts.note": {
        "zh": "使用进度快于年度时间进度（{elapsed}）的账户以警示色标出。点击一行下钻到其所在下级区域。",
        "en": "Accounts burning faster than the year ({elapsed} gone) are highlighted. Click a row to drill down "
              "to the sub-area it lies in.",
    },
    "funds.accounts.showing": {
        "zh": "此处显示使用进度最快的 {shown} 个账户，共 {total} 个。",
        "en": "Showing the {shown} fastest-burning of {total} accounts.",
    },
    "funds.column.area_name": {"zh": "单位", "en": "Unit"},
    # Over budget: the warning above the tiles and its definition on hover
    "funds.over_budget.notice": {
        "zh": "{count} 个工作站超出年度预算：{names}",
        "en": "{count} workstations over their annual budget: {names}",
    },
    "funds.over_budget.more": {"zh": " 等另 {count} 个", "en": " and {count} more"},
    "funds.definition.over_budget": {
        "zh": "超出年度预算：本年已使用（含待审批与未通过）大于年度预算，即使用进度超过 100%；无预算的账户不计。",
        "en": "Over budget: this year's spending (pending and rejected included) exceeds the year's budget, "
              "i.e. a burn rate above 100 %; accounts without a budget are not counted.",
    },
    # Spend by kind (the kinds' names are the wall's, wall.fund_kind.*)
    "funds.by_kind.title": {"zh": "各类支出", "en": "Spending by kind"},
    "funds.approval.pending": {"zh": "待审批", "en": "Pending"},
    "funds.approval.approved": {"zh": "已审批", "en": "Approved"},
    "funds.approval.rejected": {"zh": "未通过", "en": "Rejected"},
    # Items and the tickets they solved
    "funds.items.title": {"zh": "支出明细及所解决的工单", "en": "Expenses and the tickets they solved"},
    "funds.items.note": {
        "zh": "{year}年度支出，最新的在前。",
        "en": "Expenses of {year}, newest first.",
    },
    "funds.items.showing": {"zh": "显示 {shown} 笔，共 {total} 笔", "en": "Showing {shown} of {total}"},
    "funds.column.item": {"zh": "事项", "en": "Item"},
    "funds.column.kind": {"zh": "类别", "en": "Kind"},
    "funds.column.amount": {"zh": "金额(元)", "en": "Amount (yuan)"},
    "funds.column.spent_at": {"zh": "支出时间", "en": "Spent at"},
    "funds.column.approval": {"zh": "审批", "en": "Approval"},
    "funds.column.ticket_id": {"zh": "工单号", "en": "Ticket"},
    "funds.column.ticket_title": {"zh": "解决的工单", "en": "Ticket solved"},
    "funds.column.ticket_status": {"zh": "工单状态", "en": "Ticket status"},
    "funds.column.ticket_closed_at": {"zh": "结案时间", "en": "Closed at"},
    "funds.tooltip.ticket": {
        "zh": "该笔支出解决的工单（不在当前区域范围内的工单不显示）。",
        "en": "The ticket the expense solved (not shown when it lies outside the area in scope).",
    },
}
