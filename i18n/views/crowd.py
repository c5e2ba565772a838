"""Labels of the crowd view (人流): keys start with "crowd.".

The "map." keys belong to the area map shared by the overview, crowd and
workers views (components/area_map.py); they wait here until the generic
catalogue takes them.
"""

LABELS: dict[str, dict[str, str]] = {
    # The area map (components/area_map.py)
    "map.no_areas": {"zh": "没有可绘制的区域", "en": "No areas to draw"},
    "map.nothing_to_draw": {
        "zh": "区域没有边界和中心点数据，无法绘制地图",
        "en": "The areas have neither boundaries nor centre points: nothing to draw",
    },
    "map.no_boundaries": {
        "zh": "区域没有边界数据，按中心点显示",
        "en": "The areas have no boundaries: shown at their centre points",
    },
    "map.some_without_boundary": {
        "zh": "{count} 个区域没有边界数据，按中心点显示",
        "en": "{count} areas have no boundary: shown at their centre points",
    },
    "map.click_to_drill": {"zh": "点击下钻", "en": "Click to drill down"},
    "map.table.area": {"zh": "区域", "en": "Area"},
    "map.indicator": {"zh": "着色指标", "en": "Colour by"},
    "map.areas.title": {"zh": "下级区域地图", "en": "Map of sub-areas"},
    "map.areas.note": {
        "zh": "按所选指标分档着色（等距，最多5档）；点击区域可下钻。",
        "en": "Coloured by the chosen indicator in equal steps (up to five); click an area to drill down.",
    },
    # The crowd view
    "crowd.kpis": {"zh": "人流指标", "en": "Crowd indicators"},
    "crowd.zones": {"zh": "监测区域", "en": "Watched zones"},
    "crowd.zones_over": {"zh": "超容量区域", "en": "Zones over capacity"},
    "crowd.people": {"zh": "区域内人数", "en": "People in zones"},
    "crowd.capacity": {"zh": "容量", "en": "Capacity"},
    "crowd.load": {"zh": "负载率", "en": "Load"},
    "crowd.zone": {"zh": "区域", "en": "Zone"},
    "crowd.since": {"zh": "超限起始", "en": "Over since"},
    "crowd.snapshot": {"zh": "快照时刻", "en": "Snapshot"},
    "crowd.definition.zones": {
        "zh": "当前范围内登记的人流监测区域数。",
        "en": "Crowd zones registered in the scope.",
    },
    "crowd.definition.zones_over": {
        "zh": "快照时刻人数超过容量（告警阈值）的区域数。",
        "en": "Zones whose headcount exceeds their capacity (alert threshold) at the snapshot.",
    },
    "crowd.definition.people": {
        "zh": "快照时刻各监测区域内采样点人数之和（手机信令热力、视频AI估算）。",
        "en": "Sum of the people at the sample points of every zone at the snapshot "
              "(phone-signal heat, video AI estimates).",
    },
    "crowd.definition.capacity": {
        "zh": "区域的告警阈值（人）。",
        "en": "The zone's alert threshold, in people.",
    },
    "crowd.definition.load": {
        "zh": "负载率 = 快照时刻区域内人数 ÷ 容量；容量不大于0时无数据。",
        "en": "Load = people in the zone at the snapshot ÷ capacity; n/a when capacity is not positive.",
    },
    "crowd.definition.since": {
        "zh": "本次连续超容量开始的快照时刻（最多回溯24小时）。",
        "en": "The snapshot at which the zone's current run over capacity began (looked for up to 24 hours back).",
    },
    "crowd.definition.snapshot": {
        "zh": "一次快照 = 同一采集时刻的全部人流读数；显示不晚于数据时刻的最新一次。",
        "en": "A snapshot is every crowd reading taken at the same moment; the newest one up to the as-of moment is shown.",
    },
    "crowd.definition.heat": {
        "zh": "快照时刻各监测区域采样点的人数，按地图格汇总（每格边长 {cell}°）。不属于任何区域的采样点不计入范围。",
        "en": "People at the zones' sample points at the snapshot, summed per map cell ({cell}° a side). "
              "Samples in no zone are outside every scope.",
    },
    "crowd.map.title": {"zh": "人流热力与区域负载", "en": "Crowd heat and zone load"},
    "crowd.map.note": {
        "zh": "方格：人数热力；区域：人数÷容量，绿 <80%，黄 80–100%，红 >100%。",
        "en": "Squares: people (heat); zones: people ÷ capacity, green < 80 %, amber 80–100 %, red > 100 %.",
    },
    "crowd.class.normal": {"zh": "正常（<80%）", "en": "Normal (< 80 %)"},
    "crowd.class.high": {"zh": "接近容量（80–100%）", "en": "Near capacity (80–100 %)"},
    "crowd.class.over": {"zh": "超容量（>100%）", "en": "Over capacity (> 100 %)"},
    "crowd.legend.load": {"zh": "区域负载", "en": "Zone load"},
    "crowd.legend.heat": {"zh": "热力（人/格）", "en": "Heat (people per cell)"},
    "crowd.heat.cell": {"zh": "{people} 人", "en": "{people} people"},
    "crowd.zone.alarm": {"zh": "{name} {load}", "en": "{name} {load}"},
    "crowd.zone.tooltip": {
        "zh": "{people} / {capacity} 人（{load}）",
        "en": "{people} / {capacity} people ({load})",
    },
    "crowd.no_zone_shapes": {
        "zh": "监测区域没有边界数据，地图只显示热力",
        "en": "The crowd zones have no boundaries: the map shows the heat only",
    },
    "crowd.replay.title": {"zh": "当日回放", "en": "Replay of the day"},
    "crowd.replay.note": {
        "zh": "拖动滑块查看当天任一快照；拖到最右侧回到实时。",
        "en": "Drag to see any snapshot of the day; drag to the right end to follow live again.",
    },
    "crowd.replay.live": {"zh": "最新快照：{moment}", "en": "Newest: {moment}"},
    "crowd.replay.past": {"zh": "回放：{moment}", "en": "Replay: {moment}"},
    "crowd.replay.none": {"zh": "今天还没有人流快照", "en": "No crowd snapshot yet today"},
    "crowd.replay.label": {"zh": "回放时刻", "en": "Replay moment"},
    "crowd.alerts.title": {"zh": "超容量告警", "en": "Over-capacity alerts"},
    "crowd.alerts.none": {"zh": "快照时刻没有超容量区域", "en": "No zone is over capacity at the snapshot"},
    "crowd.zones.title": {"zh": "各区域负载", "en": "Load per zone"},
    "crowd.zones.none": {"zh": "当前范围内没有人流监测区域", "en": "No crowd zone in the scope"},
}
