"""The demo cities: how big each one is and where its named places really are.

A preset is plain data read once by the generator. Sizes follow the real
cities in DESIGN.md (Suzhou's Gusu district, Chengdu), so a demo or a
benchmark exercises OneScreen at the scale it will meet; named places sit at
their approximate real WGS84 locations so the map looks like the city.
"""
from __future__ import annotations

from dataclasses import dataclass, replace


@dataclass(frozen=True)
class NamedUnit:
    """An area unit just below the root, anchored at its real location.

    `code_suffix` is the unit's real division code when it has one (Chengdu's
    districts); without it the unit is numbered in list order.
    """

    name: str
    lon: float
    lat: float
    code_suffix: str | None = None


@dataclass(frozen=True)
class ZoneSpec:
    """A place watched for crowding: `kind` picks its daily rhythm (see rhythm.CROWD_PROFILES)."""

    name: str
    lon: float
    lat: float
    capacity: int
    kind: str
    radius_m: float


@dataclass(frozen=True)
class AreaLevel:
    """One level of the area tree below the root.

    `naming` is a format string over `stem` (a generated place name),
    `parent` (the parent's display name) and `seq` (1-based rank in the parent).
    """

    level: str
    count: int
    code_digits: int
    naming: str


@dataclass(frozen=True)
class CityPreset:
    """Everything that makes one demo city: its tree, its people, its history's length and density."""

    name: str
    root_code: str
    root_name: str
    root_level: str
    # The root's outline, lon/lat, counter-clockwise, irregular on purpose.
    outline: tuple[tuple[float, float], ...]
    # Units of levels[0], in code order; their count overrides levels[0].count.
    named_units: tuple[NamedUnit, ...]
    levels: tuple[AreaLevel, ...]
    # Where finest grids are densest (the old town, the urban core), and how much.
    core: tuple[float, float]
    core_share: float
    core_spread_deg: float
    workers: int
    role_shares: dict[str, float]
    tickets_per_day: float
    ticket_days: int
    crowd_zones: tuple[ZoneSpec, ...]
    crowd_days: int
    sensors_per_zone: int
    background_cells: int
    # Pings reach back this many hours; None = since midnight (all of today's patrols).
    ping_hours: float | None
    fund_level: str
    fund_projects_per_year: int
    # Build and load the ticket history this many days at a time (None: all at once). For
    # histories of tens of millions of tickets, which would not fit in memory as one frame.
    ticket_chunk_days: int | None = None


GUSU_OUTLINE = (
    (120.585, 31.272), (120.612, 31.267), (120.640, 31.274), (120.655, 31.279),
    (120.668, 31.293), (120.661, 31.309), (120.667, 31.327), (120.651, 31.343),
    (120.628, 31.350), (120.606, 31.346), (120.588, 31.352), (120.576, 31.340),
    (120.581, 31.322), (120.574, 31.306), (120.583, 31.291),
)

GUSU_STREETS = (
    NamedUnit("平江街道", 120.633, 31.318),
    NamedUnit("沧浪街道", 120.612, 31.294),
    NamedUnit("双塔街道", 120.637, 31.299),
    NamedUnit("金阊街道", 120.604, 31.316),
    NamedUnit("虎丘街道", 120.596, 31.333),
    NamedUnit("吴门桥街道", 120.617, 31.279),
    NamedUnit("白洋湾街道", 120.583, 31.343),
    NamedUnit("苏锦街道", 120.622, 31.341),
)

GUSU_ZONES = (
    ZoneSpec("观前街", 120.627, 31.311, 8000, "commercial", 320),
    ZoneSpec("山塘街", 120.601, 31.321, 5000, "scenic", 380),
    ZoneSpec("平江路", 120.634, 31.314, 4000, "scenic", 300),
    ZoneSpec("拙政园", 120.629, 31.324, 3000, "scenic", 250),
    ZoneSpec("石路", 120.603, 31.312, 6000, "commercial", 300),
    ZoneSpec("十全街", 120.628, 31.298, 2500, "commercial", 280),
    ZoneSpec("苏州站", 120.612, 31.330, 12000, "transport", 400),
    ZoneSpec("虎丘", 120.585, 31.336, 4000, "scenic", 350),
)

GUSU_ROLES = {"full_time": 0.25, "part_time": 0.20, "micro_grid": 0.35, "volunteer": 0.12, "police": 0.08}

GUSU = CityPreset(
    name="gusu",
    root_code="320508",
    root_name="姑苏区",
    root_level="district",
    outline=GUSU_OUTLINE,
    named_units=GUSU_STREETS,
    levels=(
        AreaLevel("street", 8, 3, "{stem}街道"),
        AreaLevel("workstation", 56, 3, "{stem}工作站"),
        AreaLevel("grid", 1358, 3, "{parent}第{seq}网格"),
    ),
    core=(120.625, 31.310),
    core_share=0.45,
    core_spread_deg=0.018,
    workers=6000,
    role_shares=GUSU_ROLES,
    tickets_per_day=1000,
    ticket_days=365,
    crowd_zones=GUSU_ZONES,
    crowd_days=30,
    sensors_per_zone=6,
    background_cells=60,
    ping_hours=None,
    fund_level="workstation",
    fund_projects_per_year=160,
)

# Same district, a few seconds to build: the fixture for tests.
TINY = CityPreset(
    name="tiny",
    root_code="320508",
    root_name="姑苏区",
    root_level="district",
    outline=GUSU_OUTLINE,
    named_units=GUSU_STREETS[:3],
    levels=(
        AreaLevel("street", 3, 3, "{stem}街道"),
        AreaLevel("workstation", 6, 3, "{stem}工作站"),
        AreaLevel("grid", 40, 3, "{parent}第{seq}网格"),
    ),
    core=GUSU.core,
    core_share=GUSU.core_share,
    core_spread_deg=GUSU.core_spread_deg,
    workers=120,
    role_shares=GUSU_ROLES,
    tickets_per_day=40,
    ticket_days=60,
    crowd_zones=GUSU_ZONES[:3],
    crowd_days=2,
    sensors_per_zone=4,
    background_cells=12,
    ping_hours=None,
    fund_level="workstation",
    fund_projects_per_year=365,
)

CHENGDU_OUTLINE = (
    (103.52, 30.12), (103.80, 30.10), (104.05, 30.14), (104.30, 30.12), (104.62, 30.16),
    (104.88, 30.28), (104.86, 30.52), (104.74, 30.70), (104.70, 30.92), (104.52, 31.02),
    (104.30, 31.10), (104.10, 31.26), (103.90, 31.38), (103.66, 31.36), (103.52, 31.22),
    (103.56, 31.02), (103.50, 30.84), (103.53, 30.62), (103.50, 30.40), (103.55, 30.26),
)

CHENGDU_DISTRICTS = (
    NamedUnit("锦江区", 104.083, 30.629, "04"),
    NamedUnit("青羊区", 104.020, 30.680, "05"),
    NamedUnit("金牛区", 104.050, 30.722, "06"),
    NamedUnit("武侯区", 104.040, 30.610, "07"),
    NamedUnit("成华区", 104.120, 30.690, "08"),
    NamedUnit("龙泉驿区", 104.270, 30.560, "12"),
    NamedUnit("青白江区", 104.250, 30.880, "13"),
    NamedUnit("新都区", 104.160, 30.820, "14"),
    NamedUnit("温江区", 103.840, 30.690, "15"),
    NamedUnit("双流区", 103.920, 30.570, "16"),
    NamedUnit("郫都区", 103.890, 30.810, "17"),
    NamedUnit("新津区", 103.810, 30.410, "18"),
    NamedUnit("都江堰市", 103.620, 30.990, "81"),
    NamedUnit("彭州市", 103.950, 31.050, "82"),
    NamedUnit("邛崃市", 103.560, 30.410, "83"),
    NamedUnit("崇州市", 103.670, 30.630, "84"),
    NamedUnit("简阳市", 104.550, 30.390, "85"),
    NamedUnit("金堂县", 104.420, 30.860, "21"),
    NamedUnit("大邑县", 103.580, 30.600, "29"),
    NamedUnit("蒲江县", 103.560, 30.220, "31"),
)

CHENGDU_ZONES = (
    ZoneSpec("春熙路", 104.081, 30.657, 20000, "commercial", 400),
    ZoneSpec("太古里", 104.085, 30.653, 15000, "commercial", 300),
    ZoneSpec("宽窄巷子", 104.054, 30.670, 12000, "scenic", 300),
    ZoneSpec("锦里", 104.049, 30.645, 10000, "scenic", 280),
    ZoneSpec("天府广场", 104.066, 30.657, 15000, "commercial", 350),
    ZoneSpec("九眼桥", 104.091, 30.641, 8000, "commercial", 300),
    ZoneSpec("建设路", 104.107, 30.672, 10000, "commercial", 350),
    ZoneSpec("东郊记忆", 104.128, 30.670, 6000, "scenic", 300),
    ZoneSpec("文殊院", 104.072, 30.676, 6000, "scenic", 250),
    ZoneSpec("人民公园", 104.058, 30.660, 8000, "scenic", 280),
    ZoneSpec("杜甫草堂", 104.031, 30.661, 5000, "scenic", 300),
    ZoneSpec("金沙遗址", 104.012, 30.683, 5000, "scenic", 300),
    ZoneSpec("熊猫基地", 104.146, 30.735, 12000, "scenic", 500),
    ZoneSpec("欢乐谷", 104.043, 30.716, 15000, "scenic", 400),
    ZoneSpec("环球中心", 104.063, 30.573, 20000, "commercial", 400),
    ZoneSpec("成都东站", 104.141, 30.629, 20000, "transport", 450),
    ZoneSpec("成都站", 104.073, 30.698, 15000, "transport", 400),
    ZoneSpec("双流机场", 103.956, 30.572, 20000, "transport", 600),
    ZoneSpec("天府机场", 104.443, 30.313, 15000, "transport", 700),
    ZoneSpec("三圣花乡", 104.135, 30.595, 8000, "scenic", 500),
    ZoneSpec("洛带古镇", 104.318, 30.627, 8000, "scenic", 400),
    ZoneSpec("黄龙溪古镇", 103.973, 30.318, 10000, "scenic", 400),
    ZoneSpec("安仁古镇", 103.615, 30.520, 6000, "scenic", 400),
    ZoneSpec("街子古镇", 103.575, 30.665, 5000, "scenic", 400),
    ZoneSpec("都江堰景区", 103.612, 31.003, 15000, "scenic", 600),
    ZoneSpec("青城山", 103.568, 30.900, 10000, "scenic", 600),
    ZoneSpec("凤凰山体育场", 104.088, 30.745, 25000, "commercial", 400),
    ZoneSpec("新会展中心", 104.074, 30.558, 20000, "commercial", 400),
    ZoneSpec("玉林路", 104.055, 30.632, 5000, "commercial", 250),
    ZoneSpec("交子大道", 104.060, 30.582, 8000, "commercial", 350),
)

CHENGDU = CityPreset(
    name="chengdu",
    root_code="5101",
    root_name="成都市",
    root_level="city",
    outline=CHENGDU_OUTLINE,
    named_units=CHENGDU_DISTRICTS,
    levels=(
        AreaLevel("district", 20, 2, "{stem}区"),
        AreaLevel("street", 260, 3, "{stem}街道"),
        AreaLevel("community", 3000, 3, "{stem}社区"),
        AreaLevel("micro_grid", 126000, 3, "{parent}第{seq}微网格"),
    ),
    core=(104.065, 30.657),
    core_share=0.5,
    core_spread_deg=0.09,
    workers=160000,
    # DESIGN.md: 14.5 k full-time and 144 k micro-grid workers.
    role_shares={"full_time": 0.09, "part_time": 0.02, "micro_grid": 0.85, "volunteer": 0.02, "police": 0.02},
    tickets_per_day=2_160_000 / 365,
    ticket_days=365,
    crowd_zones=CHENGDU_ZONES,
    # Two weeks of 5-minute snapshots keeps the crowd history near a million rows.
    crowd_days=14,
    sensors_per_zone=5,
    background_cells=150,
    # 160 k workers pinging all day would be ~10 M rows; an hour tells who is online.
    ping_hours=1.0,
    fund_level="community",
    fund_projects_per_year=9000,
)

# Ten times the data: the same Chengdu (areas, workers, crowds) after ten years of
# keeping every ticket, ~21.6 M. Each month holds what a chengdu month holds, so it
# tells whether a query's cost follows its period or the table. Built 73 days
# (~430 k tickets) at a time, streamed into the database.
CHENGDU10 = replace(CHENGDU, name="chengdu10", ticket_days=3650, ticket_chunk_days=73)

PRESETS: dict[str, CityPreset] = {preset.name: preset for preset in (TINY, GUSU, CHENGDU, CHENGDU10)}
