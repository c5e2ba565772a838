"""What the demo city handles: departments, the event classification tree, and micro-fund works.

The tree follows the shape of the national digital city-management
standard (大类 / 小类 / 细项): five major classes, subclasses with their own
time limits (处置时限) and handling department, and items. Time limits differ
on purpose, from an hour for a blocked fire lane to ten days for a wage
dispute, and one subclass has none, so indicators meet tickets without a
deadline too.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

DEPARTMENTS = (
    ("CGW", "城管委"),
    ("ZJJ", "住建局"),
    ("SCJGJ", "市场监管局"),
    ("STHJJ", "生态环境局"),
    ("JTYSJ", "交通运输局"),
    ("SWJ", "水务局"),
    ("GAFJ", "公安分局"),
    ("JDB", "街道办"),
    ("YLLHJ", "园林绿化局"),
    ("YJGLJ", "应急管理局"),
    ("XFJY", "消防救援大队"),
    ("WJW", "卫健委"),
    ("RSJ", "人社局"),
    ("MZJ", "民政局"),
    ("SFJ", "司法局"),
    ("JYJ", "教育局"),
    ("WLJ", "文旅局"),
    ("GDGS", "供电公司"),
    ("RQGS", "燃气公司"),
    ("FGJ", "房管局"),
)


@dataclass(frozen=True)
class Subclass:
    name: str
    sla_hours: float | None
    dept_code: str
    items: tuple[str, ...]


@dataclass(frozen=True)
class MajorClass:
    name: str
    sla_hours: float
    # What a micro-fund project solving a ticket of this class is booked as.
    fund_kind: str
    subclasses: tuple[Subclass, ...]


MAJOR_CLASSES = (
    MajorClass("市容环境", 48, "environment", (
        Subclass("暴露垃圾", 24, "CGW", ("暴露垃圾", "垃圾满溢", "建筑垃圾乱倒")),
        Subclass("乱张贴", 48, "CGW", ("小广告", "乱涂写", "乱悬挂")),
        Subclass("道路不洁", 12, "CGW", ("路面油污", "绿化带垃圾", "道路扬尘")),
        Subclass("广告招牌", 72, "CGW", ("破损招牌", "违规户外广告")),
        Subclass("河道保洁", 24, "SWJ", ("河面漂浮物", "河道异味")),
        Subclass("大气污染", 48, "STHJJ", ("露天焚烧", "餐饮油烟", "工地扬尘")),
    )),
    MajorClass("街面秩序", 24, "service_project", (
        Subclass("占道经营", 4, "CGW", ("占道经营", "店外经营", "夜市占道")),
        Subclass("违规停车", 2, "GAFJ", ("机动车乱停", "非机动车乱停")),
        Subclass("共享单车", 8, "JTYSJ", ("共享单车堆积", "单车占用盲道")),
        Subclass("噪声扰民", 12, "STHJJ", ("施工噪声", "商业噪声", "社会生活噪声")),
        Subclass("违法建设", 168, "CGW", ("违章搭建", "擅自改变房屋结构")),
        Subclass("群租房", 72, "JDB", ("群租", "违规出租")),
    )),
    MajorClass("设施管理", 72, "repair", (
        Subclass("道路设施", 48, "JTYSJ", ("路面坑洼", "井盖缺失", "人行道破损")),
        Subclass("照明设施", 24, "CGW", ("路灯不亮", "灯杆倾斜")),
        Subclass("园林绿化", 72, "YLLHJ", ("树木倒伏", "绿地破坏", "枯死树木")),
        Subclass("供排水", 12, "SWJ", ("道路积水", "供水管爆裂", "窨井冒溢")),
        Subclass("交通设施", 24, "JTYSJ", ("信号灯故障", "护栏损坏", "标线模糊")),
        Subclass("公共设施", 72, "JDB", ("健身器材损坏", "停车桩缺失", "公厕故障")),
        Subclass("电力燃气", 6, "GDGS", ("电线私拉乱接", "燃气表箱损坏")),
    )),
    MajorClass("突发事件", 4, "emergency", (
        Subclass("安全隐患", 2, "YJGLJ", ("电动车楼道充电", "高空坠物隐患", "危墙危房")),
        Subclass("消防安全", 1, "XFJY", ("消防通道占用", "消防设施损坏")),
        Subclass("燃气泄漏", 1, "RQGS", ("燃气泄漏",)),
        Subclass("自然灾害", 4, "YJGLJ", ("内涝险情", "山体滑坡隐患")),
        Subclass("公共卫生", 6, "WJW", ("病媒生物", "食物中毒")),
    )),
    MajorClass("民生服务", 120, "service_project", (
        Subclass("市场监管", 120, "SCJGJ", ("价格欺诈", "食品安全", "无证经营")),
        Subclass("物业管理", 72, "FGJ", ("电梯故障", "物业服务纠纷", "小区环境")),
        Subclass("劳动保障", 240, "RSJ", ("拖欠工资", "社保咨询")),
        Subclass("邻里纠纷", 72, "SFJ", ("邻里纠纷", "家庭矛盾")),
        Subclass("助老助残", 48, "MZJ", ("独居老人帮扶", "无障碍设施")),
        Subclass("教育服务", 120, "JYJ", ("校外培训", "校园周边秩序")),
        Subclass("文旅服务", 72, "WLJ", ("景区服务", "导游纠纷")),
        Subclass("咨询建议", None, "JDB", ("政策咨询", "意见建议")),
    )),
)

# What micro-fund projects do, by kind: "{road}{work}" reads like 齐白路安装停车桩.
FUND_WORKS = {
    "repair": ("安装停车桩", "修补破损路面", "更换井盖", "维修路灯", "修复护栏", "更换破损座椅", "维修公厕"),
    "environment": ("清理积存垃圾", "补种绿化", "河道清淤", "清除小广告", "整治背街小巷"),
    "emergency": ("应急排涝", "抢修爆裂水管", "清理倒伏树木", "加固危墙", "更换老化电线"),
    "service_project": ("加装无障碍坡道", "改造老年助餐点", "增设便民晾衣架", "设置非机动车棚", "安装楼道照明"),
}


@dataclass(frozen=True)
class TicketItems:
    """The level-3 items a ticket is classified under, as parallel arrays (one entry per item)."""

    codes: np.ndarray
    names: np.ndarray
    major: np.ndarray
    sla_hours: np.ndarray  # NaN where the subclass has no time limit
    dept_codes: np.ndarray
    fund_kinds: np.ndarray


def department_table() -> pd.DataFrame:
    return pd.DataFrame(DEPARTMENTS, columns=["dept_code", "name"])


def category_table() -> pd.DataFrame:
    """The category tree, codes two digits per level (01, 0101, 010101), items inheriting their subclass's limit."""
    rows = []
    for m, major in enumerate(MAJOR_CLASSES, start=1):
        major_code = f"{m:02d}"
        rows.append((major_code, None, 1, major.name, major.sla_hours))
        for s, subclass in enumerate(major.subclasses, start=1):
            sub_code = f"{major_code}{s:02d}"
            rows.append((sub_code, major_code, 2, subclass.name, subclass.sla_hours))
            rows.extend(
                (f"{sub_code}{i:02d}", sub_code, 3, item, subclass.sla_hours)
                for i, item in enumerate(subclass.items, start=1)
            )
    frame = pd.DataFrame(rows, columns=["category_code", "parent_code", "level", "name", "sla_hours"])
    frame["sla_hours"] = frame["sla_hours"].astype(float)
    return frame


def ticket_items() -> TicketItems:
    categories = category_table()
    items = categories[categories["level"] == 3]
    dept_by_subclass = {
        f"{m:02d}{s:02d}": subclass.dept_code
        for m, major in enumerate(MAJOR_CLASSES, start=1)
        for s, subclass in enumerate(major.subclasses, start=1)
    }
    codes = items["category_code"].to_numpy(dtype=object)
    major = np.array([int(code[:2]) - 1 for code in codes])
    return TicketItems(
        codes=codes,
        names=items["name"].to_numpy(dtype=object),
        major=major,
        sla_hours=items["sla_hours"].to_numpy(dtype=float),
        dept_codes=np.array([dept_by_subclass[code[:4]] for code in codes], dtype=object),
        fund_kinds=np.array([MAJOR_CLASSES[m].fund_kind for m in major], dtype=object),
    )
