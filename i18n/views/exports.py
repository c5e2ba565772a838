"""Words only the data exports use (api/exports.py): keys start with "export."; the rest come from the catalogue."""

LABELS: dict[str, dict[str, str]] = {
    "export.key": {"zh": "编码", "en": "Code"},
    "export.name": {"zh": "名称", "en": "Name"},
    "export.fraction": {"zh": "小数", "en": "fraction"},
    "export.no_data": {"zh": "无数据", "en": "no data"},
    "export.truncated": {
        "zh": "仅导出前 {shown} 条，共 {total} 条（导出上限 {limit} 条）",
        "en": "Only the first {shown} of {total} rows are exported (export limit {limit} rows)",
    },
    "export.breakdown": {"zh": "工单指标-按{dimension}", "en": "Ticket indicators by {dimension}"},
    "export.backlog": {"zh": "积压工单-按{dimension}", "en": "Backlog by {dimension}"},
    "export.definitions": {"zh": "说明", "en": "Definitions"},
    "export.definition": {"zh": "定义", "en": "Definition"},
    "export.column": {"zh": "字段", "en": "Column"},
    "export.dimension.area": {"zh": "区域", "en": "area"},
    "export.dimension.source": {"zh": "来源", "en": "source"},
    "export.dimension.category": {"zh": "类别", "en": "category"},
    "export.dimension.dept": {"zh": "部门", "en": "department"},
    "export.dimension.status": {"zh": "状态", "en": "status"},
    "export.dimension.day": {"zh": "日期", "en": "day"},
    "export.dimension.age": {"zh": "已历时长", "en": "age"},
    "export.scope.area": {"zh": "区域", "en": "Area"},
    "export.scope.from": {"zh": "统计期起", "en": "Period from"},
    "export.scope.to": {"zh": "统计期止", "en": "Period to"},
    "export.scope.as_of": {"zh": "数据截至", "en": "As of"},
}
