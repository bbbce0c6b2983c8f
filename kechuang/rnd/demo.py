"""The R&D stream's demo data: five years of monthly enterprise statistics for every county of 衢州市 and
a good part of the province (so the rankings are real), the counties' GDP and above-scale industrial value
added, the published figures and the county's targets, the demo county's R&D projects with their monthly
expense collection, and its statistical returns with who has filed and who still owes them.

Two layers, like the core and programmes demos:

- `rnd_plan(specs, today=...)` is pure: from the core demo's specs (seed and scale) and a date it plans
  every record as plain frozen data, so the same (seed, scale, today) always gives the same plan;
- `build_rnd_demo(specs)` writes it through the import registers (the bulk statistics, economy data, the
  above-scale list, the other counties' enterprises, the expense collection) and the R&D services (projects,
  targets, published figures, returns), as the demo bureau staff (kh_staff) for the demo county, the demo
  enterprise user (kh_qiye) for its own projects and expenses, and as the system for the other counties
  (the province's data, loaded centrally). The indicators are refreshed once, at the end.

Years: the five full years before `today`'s year and the current year's months up to the last complete
month. County figures follow a profile per county (GDP, R&D intensity and its yearly rise, industrial and
high-tech shares, loosely modelled on Zhejiang's counties); enterprise figures are those totals spread over
the enterprises by size, seasonal (low around the Spring Festival, high in December) and noisy. Everything
is invented; names and credit codes are generated and belong to nobody.
"""

from __future__ import annotations

import calendar
import csv
import datetime as dt
import functools
import random
import time
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.db import transaction
from django.utils import timezone

from kechuang.core import audit
from kechuang.core.demo import (
    CHANGSHAN,
    DEMO_YEARS,
    INSTITUTIONS,
    KAIHUA,
    QUZHOU,
    ROADS,
    DemoSpecs,
    OrgSpec,
    _Gen,
    demo_fact,
)
from kechuang.core.models import Organisation, OrganisationYear, Region, SystemFlag, User
from kechuang.core.reference import DATA
from kechuang.core.workdays import add_workdays
from kechuang.imports.registers import REGISTERS, Table, _update_many
from kechuang.imports.report import ImportRejected, ImportResult

from . import imports as _registers  # noqa: F401  (registers the R&D registers)
from . import indicators, selectors_returns, services
from .models import (
    EnterpriseStat,
    Frequency,
    IndicatorKey,
    OfficialFigure,
    ReturnFiling,
    ReturnRound,
    ReturnType,
    RndExpense,
    RndProject,
)

FLAG = "rnd_demo_loaded"
STAFF_USERNAME = "kh_staff"
ENTERPRISE_USERNAME = "kh_qiye"
YI = 100_000_000  # 1 亿元
WAN = 10_000
Key = IndicatorKey
Obligation = ReturnType.Obligation

# Share of the year's amount in each month (%, January first): R&D is booked late (December's accruals,
# year-end projects), value added and GDP dip around the Spring Festival.
RD_SEASON = (5.0, 4.0, 8.5, 7.5, 8.0, 9.5, 8.0, 8.0, 9.0, 8.5, 9.0, 15.0)
VA_SEASON = (7.5, 5.5, 8.5, 8.3, 8.5, 8.8, 8.3, 8.3, 8.6, 8.6, 9.0, 10.1)
GDP_SEASON = (7.2, 6.0, 8.6, 8.1, 8.3, 8.9, 8.2, 8.1, 8.7, 8.4, 8.7, 10.8)

CITY_NAMES = {
    "330100": "杭州市",
    "330200": "宁波市",
    "330300": "温州市",
    "330700": "金华市",
    "330800": "衢州市",
    "331100": "丽水市",
}


@dataclass(frozen=True)
class CountyProfile:
    """A county's shape in the last full year; earlier and later years follow from growth and slope."""

    code: str
    name: str
    gdp: float  # 亿元
    intensity: float  # R&D expenditure ÷ GDP, %
    slope: float  # rise of the intensity, percentage points a year
    industry: float  # above-scale industrial value added ÷ GDP
    high_tech: float  # high-tech value added ÷ above-scale industrial value added, %
    growth: float  # GDP growth, % a year


# fmt: off
PROFILES: tuple[CountyProfile, ...] = (
    # 衢州市: the demo county sits fourth by intensity, fifth by amount.
    CountyProfile("330802", "柯城区", 300, 2.00, 0.07, 0.25, 47.0, 6.2),
    CountyProfile("330803", "衢江区", 255, 2.46, 0.08, 0.38, 52.0, 6.4),
    CountyProfile("330881", "江山市", 420, 2.62, 0.09, 0.36, 56.0, 6.0),
    CountyProfile("330822", "常山县", 205, 1.72, 0.06, 0.34, 47.0, 5.8),
    CountyProfile("330824", "开化县", 196, 2.28, 0.08, 0.33, 55.0, 6.3),
    CountyProfile("330825", "龙游县", 345, 2.85, 0.10, 0.40, 58.0, 6.1),
    # 金华市
    CountyProfile("330702", "婺城区", 720, 1.82, 0.07, 0.28, 48.0, 5.6),
    CountyProfile("330703", "金东区", 410, 2.12, 0.08, 0.30, 50.0, 6.5),
    CountyProfile("330723", "武义县", 340, 3.15, 0.10, 0.42, 61.0, 6.8),
    CountyProfile("330726", "浦江县", 310, 2.41, 0.08, 0.36, 48.0, 6.0),
    CountyProfile("330727", "磐安县", 135, 1.60, 0.06, 0.26, 46.5, 5.9),
    CountyProfile("330781", "兰溪市", 520, 2.55, 0.09, 0.38, 53.0, 6.2),
    CountyProfile("330782", "义乌市", 2050, 1.98, 0.07, 0.22, 47.0, 6.6),
    CountyProfile("330783", "东阳市", 820, 2.20, 0.08, 0.30, 52.0, 6.1),
    CountyProfile("330784", "永康市", 760, 3.02, 0.09, 0.41, 57.0, 5.8),
    # 丽水市
    CountyProfile("331102", "莲都区", 610, 1.66, 0.06, 0.24, 47.5, 6.0),
    CountyProfile("331121", "青田县", 310, 1.47, 0.05, 0.27, 46.0, 6.3),
    CountyProfile("331122", "缙云县", 335, 2.66, 0.09, 0.39, 55.0, 6.9),
    CountyProfile("331123", "遂昌县", 185, 1.93, 0.07, 0.31, 47.0, 6.1),
    CountyProfile("331124", "松阳县", 170, 1.58, 0.06, 0.28, 47.0, 6.4),
    CountyProfile("331125", "云和县", 112, 2.12, 0.08, 0.33, 49.0, 6.7),
    CountyProfile("331126", "庆元县", 105, 1.55, 0.05, 0.27, 46.0, 6.2),
    CountyProfile("331127", "景宁畲族自治县", 92, 1.42, 0.05, 0.22, 46.0, 6.5),
    CountyProfile("331181", "龙泉市", 205, 1.88, 0.07, 0.31, 47.0, 6.0),
    # 杭州市
    CountyProfile("330111", "富阳区", 1010, 2.93, 0.09, 0.35, 59.0, 6.2),
    CountyProfile("330112", "临安区", 720, 3.31, 0.10, 0.36, 64.0, 6.4),
    CountyProfile("330122", "桐庐县", 460, 2.71, 0.09, 0.34, 56.0, 6.3),
    CountyProfile("330127", "淳安县", 300, 1.51, 0.05, 0.20, 46.0, 5.9),
    CountyProfile("330182", "建德市", 460, 2.44, 0.08, 0.37, 52.0, 5.8),
    # 宁波市: 象山 and 平阳 (温州) share their profile, so their published intensities tie.
    CountyProfile("330225", "象山县", 720, 2.26, 0.08, 0.32, 51.0, 6.0),
    CountyProfile("330226", "宁海县", 900, 3.03, 0.09, 0.40, 60.0, 6.2),
    CountyProfile("330281", "余姚市", 1520, 3.22, 0.10, 0.41, 63.0, 6.0),
    CountyProfile("330282", "慈溪市", 2560, 3.38, 0.10, 0.43, 66.0, 6.1),
    # 温州市
    CountyProfile("330326", "平阳县", 620, 2.26, 0.08, 0.32, 51.0, 6.0),
    CountyProfile("330324", "永嘉县", 610, 2.18, 0.07, 0.33, 48.0, 6.3),
    CountyProfile("330381", "瑞安市", 1230, 2.89, 0.09, 0.39, 58.0, 6.4),
    CountyProfile("330382", "乐清市", 1650, 3.29, 0.10, 0.42, 65.0, 6.5),
)
PROFILE = {p.code: p for p in PROFILES}
TIE = ("330225", "330326")
# Above-scale enterprises listed in the demo city's other counties (most without R&D statistics here).
LISTED_ABOVE_SCALE = {"330802": 90, "330803": 95, "330881": 130, "330825": 110}  # (the county whose value stands, the county made equal to it)

# What the other counties' enterprises make: GB/T 4754-2017 class and the trade words of their names.
CITY_INDUSTRIES: dict[str, tuple[tuple[str, tuple[str, ...]], ...]] = {
    "330800": (
        ("2614", ("氟化工", "化工")), ("2651", ("氟硅材料", "新材料")), ("3985", ("电子材料", "半导体材料")),
        ("3451", ("轴承",)), ("2221", ("特种纸", "纸业")), ("3841", ("锂电", "新能源科技")),
        ("3670", ("汽车部件", "汽配")), ("3484", ("机械", "精密机械")), ("3021", ("建材",)),
    ),
    "330700": (
        ("3465", ("电动工具", "工具")), ("3389", ("五金", "工贸")), ("2439", ("工艺品", "饰品")),
        ("3670", ("汽配", "车业")), ("3819", ("电机",)), ("3985", ("磁性材料", "磁业")), ("1830", ("服饰",)),
        ("2927", ("日用品", "塑业")), ("2411", ("文具",)), ("2730", ("药业",)), ("3872", ("照明", "灯饰")),
    ),
    "331100": (
        ("3443", ("阀门", "流体设备")), ("2041", ("竹木", "竹业")), ("2459", ("玩具", "木制玩具")),
        ("1952", ("鞋业",)), ("3130", ("不锈钢", "钢管")), ("3670", ("汽车空调", "汽配")), ("1530", ("茶业",)),
        ("3421", ("机床",)), ("2110", ("家具",)),
    ),
    "330100": (
        ("2221", ("纸业", "造纸")), ("3976", ("光通信", "光电")), ("3899", ("电气", "电器")),
        ("1529", ("饮品",)), ("2614", ("化工", "新材料")), ("3841", ("新能源",)), ("2412", ("制笔", "笔业")),
        ("3670", ("汽配",)),
    ),
    "330200": (
        ("3872", ("照明", "电器")), ("2927", ("塑业", "日用品")), ("2411", ("文具",)), ("3670", ("汽配",)),
        ("3441", ("泵业",)), ("3852", ("家电", "电器")), ("1830", ("针织", "服饰")), ("3482", ("紧固件",)),
    ),
    "330300": (
        ("3899", ("电气", "电器")), ("3670", ("汽车部件", "汽配")), ("3443", ("阀门",)), ("3441", ("泵业",)),
        ("1952", ("鞋业",)), ("2231", ("包装", "印业")), ("3819", ("电机",)), ("4011", ("自动化", "仪表")),
    ),
}

# R&D project titles by the enterprise's industry (GB/T 4754 大类, first two digits).
PROJECT_TITLES: dict[str, tuple[str, ...]] = {
    "26": ("高性能加成型液体硅橡胶制备技术研发", "有机硅副产物高值化利用工艺研究", "低挥发份硅树脂合成工艺开发",
           "光伏组件用有机硅密封胶研发", "耐高温硅油改性技术研究", "硅烷偶联剂连续化生产工艺开发"),
    "39": ("大尺寸单晶硅片低损耗切割工艺研发", "电子级多晶硅提纯技术研究", "半导体用高纯石英部件加工工艺开发",
           "碳化硅衬底精密抛光工艺研究", "功能薄膜材料涂布工艺开发"),
    "38": ("耐高温低烟无卤阻燃电缆研发", "新能源汽车用高压线缆研发", "光伏用交联聚烯烃电缆开发", "绝缘材料耐老化性能提升研究"),
    "34": ("液压缸精密加工自动化产线研发", "高精度数控回转工作台研发", "智能液压系统节能控制技术研究", "高可靠性液压阀组开发"),
    "35": ("名优茶自动化理条机研发", "茶园多功能管理机研发", "农产品清洗分选设备开发"),
    "33": ("钢结构件智能焊接工艺研究", "高强度紧固件热处理工艺优化"),
    "36": ("新能源汽车轻量化零部件研发", "汽车制动系统关键部件开发"),
    "15": ("名优绿茶连续化加工工艺优化", "龙顶茶标准化加工技术研究", "茶多酚高效提取工艺开发", "冷泡茶新产品开发"),
    "13": ("山茶油冷榨精炼工艺研发", "食用菌即食产品开发", "清水鱼预制菜加工工艺研究"),
    "14": ("功能性食品配方研发", "低糖烘焙食品工艺开发"),
    "20": ("竹材重组材制备技术研发", "竹木复合板材工艺开发", "竹制品防霉处理技术研究"),
    "21": ("竹木复合家具结构设计与工艺研究",),
    "22": ("特种纸功能涂层研发", "低克重高强包装纸开发", "造纸废水深度处理技术研究"),
    "27": ("黄精饮片炮制工艺标准化研究", "中药配方颗粒质量控制研究", "道地药材有效成分提取工艺开发"),
    "29": ("高性能工程塑料改性研究", "可降解塑料制品开发"),
    "65": ("企业生产管理数字化平台开发", "工业数据采集与分析系统研发", "茶产业溯源管理系统开发"),
    "73": ("有机硅新材料中试验证平台建设", "电子化学品检测方法研究"),
    "75": ("高山蔬菜绿色栽培技术集成示范", "茶园病虫害绿色防控技术推广"),
}
DEFAULT_TITLES = ("新产品开发及工艺改进研究", "生产线智能化改造关键技术研究", "产品质量提升与检测方法研究")
NON_MANUFACTURING = ("6513", "6531", "7320", "7511", "7484", "6130", "5292")

RETURN_TYPES: tuple[tuple[str, str, str, int, str, str], ...] = (
    ("火炬统计年报", Frequency.YEAR, Obligation.HIGH_TECH, 55, "科技部火炬中心、省科技厅",
     "高新技术企业等填报火炬统计调查企业年报，县局审核后上报。"),
    ("高企统计年报", Frequency.YEAR, Obligation.HIGH_TECH, 100, "省科技厅",
     "高新技术企业年度发展情况报表，在高新技术企业认定管理工作网填报。"),
    ("高企统计季报", Frequency.QUARTER, Obligation.HIGH_TECH, 12, "省科技厅", "高新技术企业季度主要经济指标快报。"),
    ("省科技型企业年报", Frequency.YEAR, Obligation.TECH_SME, 65, "省科技厅", "科技型中小企业年度发展情况报表。"),
    ("财政科技支出调查", Frequency.YEAR, Obligation.BUREAU, 120, "省科技厅、县财政局",
     "本局会同财政局汇总填报上年度全县财政科技支出情况。"),
    ("科普统计", Frequency.YEAR, Obligation.LISTED, 45, "省科协、省科技厅",
     "各县级部门、群团组织填报本单位上年度科普工作情况，由本局汇总上报。"),
)
# fmt: on


# --- plain records --------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class StatRow:
    organisation: str  # credit code
    year: int
    frequency: str
    number: int
    rd_expenditure: Decimal
    revenue: Decimal
    industrial_output: Decimal
    value_added: Decimal
    high_tech_value_added: Decimal
    employees: int
    rd_staff: int


@dataclass(frozen=True)
class EconomyRow:
    county: str
    year: int
    months: int
    gdp: Decimal | None
    above_scale_value_added: Decimal
    source: str


@dataclass(frozen=True)
class CountyYear:
    """A county's full year as planned: what the indicators will compute from the records."""

    county: str
    year: int
    rd: Decimal
    gdp: Decimal
    value_added: Decimal
    high_tech: Decimal
    above_scale: int

    @property
    def intensity(self) -> Decimal:
        return indicators.ratio(self.rd, self.gdp) or Decimal(0)

    @property
    def high_tech_share(self) -> Decimal:
        return indicators.ratio(self.high_tech, self.value_added) or Decimal(0)


@dataclass(frozen=True)
class FigureSpec:
    county: str
    year: int
    indicator: str
    value: Decimal  # 元, or a percentage (2.35 = 2.35%)
    province_rank: int | None = None
    city_rank: int | None = None
    province_count: int | None = None  # how many counties the publication ranks
    city_count: int | None = None
    source: str = ""
    published_on: dt.date | None = None
    note: str = ""  # targets only
    months: int = 12  # published figures: the span (9 for a 1-9月 figure)
    comparison: str = ""  # targets only: "gt" (超过) or "gte" (以上, the default)


@dataclass(frozen=True)
class ProjectSpec:
    organisation: str
    code: str
    title: str
    kind: str
    starts_on: dt.date
    ends_on: dt.date
    budget: Decimal
    staff: int
    summary: str
    by_enterprise: bool = False


@dataclass(frozen=True, slots=True)
class ExpenseSpec:
    organisation: str
    project: str  # ProjectSpec.code
    year: int
    month: int
    amounts: tuple[Decimal, Decimal, Decimal, Decimal, Decimal, Decimal]  # RndExpense.CATEGORIES order


@dataclass(frozen=True)
class ReturnTypeSpec:
    name: str
    frequency: str
    obligation: str
    due_workdays: int
    issuer: str
    note: str
    listed: tuple[str, ...] = ()  # credit codes


@dataclass(frozen=True)
class RoundSpec:
    return_type: str
    year: int
    number: int
    period_end: dt.date
    due_on: dt.date
    override_due: bool  # a deadline set by the notice, not the type's working-day rule
    current: bool  # the latest round of its type: partly still owed


@dataclass(frozen=True)
class RndPlan:
    today: dt.date
    seed: int
    years: tuple[int, ...]
    last_month: int  # the current year's last complete month (0: none yet)
    organisations: tuple[OrgSpec, ...]  # the other counties' enterprises
    above_scale: tuple[tuple[str, int, bool], ...]  # (credit code, year, above-scale) rows to add
    stats: tuple[StatRow, ...]
    economy: tuple[EconomyRow, ...]
    county_years: tuple[CountyYear, ...]  # full years only
    officials: tuple[FigureSpec, ...]
    targets: tuple[FigureSpec, ...]
    projects: tuple[ProjectSpec, ...]
    expenses: tuple[ExpenseSpec, ...]
    return_types: tuple[ReturnTypeSpec, ...]
    rounds: tuple[RoundSpec, ...]

    def county_year(self, county: str, year: int) -> CountyYear:
        return next(c for c in self.county_years if c.county == county and c.year == year)


# --- planning ------------------------------------------------------------------------------------------------


@functools.cache
def _townships() -> dict[str, tuple[tuple[str, str], ...]]:
    """County code → its townships (code, name), from the shipped division table."""
    found: dict[str, list[tuple[str, str]]] = defaultdict(list)
    with open(DATA / "zhejiang_divisions.csv", encoding="utf-8", newline="") as f:
        for row in csv.DictReader(f):
            if row["level"] == "township":
                found[row["parent_code"]].append((row["code"], row["name"]))
    return {k: tuple(v) for k, v in found.items()}


def _yuan(x: float) -> Decimal:
    return Decimal(round(x))


def _wan(x: float) -> Decimal:
    """An amount rounded to 万元, as statistics bureaus publish it."""
    return Decimal(round(x / WAN) * WAN)


def _split(total: float, season: Sequence[float], months: int, rng: random.Random) -> list[float]:
    """The first `months` months of a year whose full-year total is `total`: seasonal, with noise."""
    raw = [s * rng.uniform(0.9, 1.1) for s in season]
    k = total / sum(raw)
    return [r * k for r in raw[:months]]


def _last_day(year: int, month: int) -> dt.date:
    return dt.date(year, month, calendar.monthrange(year, month)[1])


def _is_manufacturing(industry: str | None) -> bool:
    return bool(industry) and "13" <= (industry or "")[:2] <= "43"


@dataclass(eq=False)
class _Member:
    """An above-scale enterprise as the plan sees it."""

    code: str
    county: str
    industry: str
    weight: float
    propensity: float
    zero_rd: bool
    quarterly: bool
    above: dict[int, bool]
    high_tech: set[int]
    revenue_ratio: float
    output_ratio: float
    per_capita: float  # value added per employee, 元
    rd_per_capita: float  # R&D expenditure per R&D staff, 元
    drift: dict[int, float]


@dataclass(frozen=True)
class _Target:
    gdp: float
    rd: float
    value_added: float
    high_tech: float


class _Planner:
    def __init__(self, specs: DemoSpecs, today: dt.date) -> None:
        self.specs = specs
        self.today = today
        self.seed = specs.seed
        self.last_month = today.month - 1
        self.base = today.year - 1  # the last full year
        end = today.year if self.last_month else self.base
        self.years = tuple(range(self.base - 4, end + 1))
        self.full_years = tuple(y for y in self.years if y <= self.base)
        self.g = _Gen(specs.seed + 4)
        self.g.codes.update(o.credit_code for o in specs.organisations)
        self.g.names.update(o.name for o in specs.organisations)
        self.pending_code = specs.signup.credit_code  # the sign-up waiting for approval: left alone
        self.own_code = next(
            a.organisation or "" for a in specs.accounts if a.username == ENTERPRISE_USERNAME
        )
        # A small demo (tests) keeps the demo city, the tied pair and a few more counties: enough to rank.
        others = [p for p in PROFILES if p.code[:4] != QUZHOU[:4] and p.code not in TIE]
        keep = len(others) if specs.scale >= 1 else max(1, round(len(others) * specs.scale))
        chosen = {p.code for p in others[:: max(1, len(others) // keep)][:keep]}
        self.profiles = [p for p in PROFILES if p.code[:4] == QUZHOU[:4] or p.code in TIE or p.code in chosen]
        self.members: list[_Member] = []
        self.organisations: list[OrgSpec] = []
        self.above_rows: list[tuple[str, int, bool]] = []
        self.targets: dict[tuple[str, int], _Target] = {}
        # (credit code, year, month) → (R&D, value added, high-tech value added), before rounding
        self.monthly: dict[tuple[str, int, int], tuple[float, float, float]] = {}
        self.stats: list[StatRow] = []
        self.economy: list[EconomyRow] = []

    def rng(self, *parts: object) -> random.Random:
        """An independent, reproducible stream per purpose, so one part of the plan never shifts another."""
        return random.Random(":".join(str(p) for p in (self.seed, *parts)))

    def months(self, year: int) -> int:
        return 12 if year <= self.base else self.last_month

    def n(self, full: int, minimum: int = 1) -> int:
        return max(minimum, round(full * self.specs.scale))

    # county totals

    def plan_targets(self) -> None:
        for p in self.profiles:
            # The tied pair draws the same noise, so their intensities start equal.
            rng = self.rng("county", TIE[0] if p.code in TIE else p.code)
            growth = {y: (p.growth + rng.uniform(-0.6, 0.6)) / 100 for y in self.years}
            gdp = {self.base: p.gdp * YI}
            for y in self.years:
                if y > self.base:
                    gdp[y] = gdp[y - 1] * (1 + growth[y])
            for y in sorted((y for y in self.years if y < self.base), reverse=True):
                gdp[y] = gdp[y + 1] / (1 + growth[y + 1])
            for y in self.years:
                intensity = p.intensity + p.slope * (y - self.base) + rng.uniform(-0.02, 0.02)
                share = p.high_tech + 1.0 * (y - self.base) + rng.uniform(-0.8, 0.8)
                value_added = gdp[y] * p.industry * rng.uniform(0.98, 1.02)
                self.targets[(p.code, y)] = _Target(
                    gdp=gdp[y], rd=gdp[y] * intensity / 100, value_added=value_added, high_tech=share / 100
                )

    # enterprises

    def _member(self, code: str, county: str, industry: str, size: str, rng: random.Random) -> _Member:
        weight = {"large": 6.0, "medium": 2.5}.get(size, 1.0) * rng.lognormvariate(0, 0.45)
        drift, level = {}, 1.0
        for y in self.years:
            level *= rng.lognormvariate(0, 0.08)
            drift[y] = level
        return _Member(
            code=code,
            county=county,
            industry=industry,
            weight=weight,
            propensity=rng.lognormvariate(0, 0.6),
            zero_rd=False,
            quarterly=False,
            above={},
            high_tech=set(),
            revenue_ratio=rng.uniform(3.2, 4.8),
            output_ratio=rng.uniform(0.95, 1.08),
            per_capita=rng.uniform(250_000, 450_000),
            rd_per_capita=rng.uniform(150_000, 300_000),
            drift=drift,
        )

    def plan_demo_county(self, high_tech: dict[str, set[int]]) -> None:
        """开化县 and 常山县: the core demo's above-scale enterprises, their list extended over the years (rows
        are added only for the years the core demo leaves out)."""
        rng = self.rng("core-members")
        y0, y1 = DEMO_YEARS
        for county in (KAIHUA, CHANGSHAN):
            listed = [o for o in self.specs.enterprises(county) if o.years]
            # In the demo county a few joined the list in the years before the core demo's, a few leave after.
            later = [
                o.credit_code for o in listed if dict(o.years).get(y0) and o.credit_code != self.own_code
            ]
            joined = set(rng.sample(later, min(len(later), self.n(9)))) if county == KAIHUA else set()
            leaving = set(rng.sample(sorted(set(later) - joined), self.n(2))) if county == KAIHUA else set()
            for i, o in enumerate(listed):
                core = dict(o.years)
                member = self._member(o.credit_code, county, o.industry or "", o.size, rng)
                enters = self.years[0]
                if o.credit_code in joined:
                    enters = self.years[0] + 1 + rng.randrange(max(1, y0 - self.years[0] - 1))
                leaves = o.credit_code in leaving
                for y in self.years:
                    if y in core:
                        member.above[y] = core[y]
                        continue
                    above = (
                        core.get(y0, False) and y >= enters if y < y0 else core.get(y1, False) and not leaves
                    )
                    member.above[y] = above
                    self.above_rows.append((o.credit_code, y, above))
                if county == KAIHUA:
                    member.high_tech = high_tech.get(o.credit_code, set())
                elif i == 0 or rng.random() < 0.5:
                    member.high_tech = set(self.years)
                member.zero_rd = (
                    not member.high_tech and o.credit_code != self.own_code and rng.random() < 0.25
                )
                self.members.append(member)
        # Demo-county enterprises that left the list before the core demo's years, and newcomers after them.
        spare = [
            o
            for o in self.specs.enterprises(KAIHUA)
            if not o.years and _is_manufacturing(o.industry) and o.credit_code != self.pending_code
        ]
        rng.shuffle(spare)
        n, m = self.n(2), self.n(4)
        for o, left in [(o, True) for o in spare[:n]] + [(o, False) for o in spare[n : n + m]]:
            member = self._member(o.credit_code, KAIHUA, o.industry or "", o.size, rng)
            for y in self.years:
                if left and y < y0:
                    member.above[y] = y < y0 - 1
                elif not left and y > y1:
                    member.above[y] = True
                else:
                    continue
                self.above_rows.append((o.credit_code, y, member.above[y]))
            member.zero_rd = rng.random() < 0.3
            self.members.append(member)

    def plan_other_counties(self) -> None:
        for p in self.profiles:
            if p.code in (KAIHUA, CHANGSHAN):
                continue
            rng = self.rng("enterprises", p.code)
            city = p.code[:4] + "00"
            townships = _townships()[p.code]
            n = self.n(min(18, max(3, round(p.gdp / 100))))
            # The demo city's other counties list more above-scale enterprises than report R&D in the demo,
            # so its enterprise-count ranking is a real one too.
            listed = max(n, self.n(LISTED_ABOVE_SCALE.get(p.code, 0)))
            for i in range(listed):
                reports = i < n
                industry, words = rng.choice(CITY_INDUSTRIES[city])
                weights = (
                    (("large", 15), ("medium", 45), ("small", 40))
                    if reports
                    else (("medium", 20), ("small", 80))
                )
                size = _weighted_choice(rng, weights)
                established = dt.date(rng.randint(1992, 2018), rng.randint(1, 12), rng.randint(1, 28))
                township, township_name = rng.choice(townships)
                code = self.g.credit_code("91", township, established)
                name = self._company_name(p, city, rng.choice(words), size, rng)
                contact, _gender = self.g.person_name()
                enters, leaves = self.years[0], self.years[-1] + 1
                if i and rng.random() < 0.06:
                    enters = rng.choice(self.years[1:])
                elif i and rng.random() < 0.05:
                    leaves = rng.choice(self.years[1:])
                above = [(y, y < leaves) for y in self.years if y >= enters]
                self.above_rows += [(code, y, a) for y, a in above]
                self.organisations.append(
                    OrgSpec(
                        name=name,
                        kind=Organisation.Kind.ENTERPRISE,
                        credit_code=code,
                        region=township,
                        industry=industry,
                        size=size,
                        established_on=established,
                        address=f"{township_name}{rng.choice(ROADS)}{rng.randint(1, 999)}号",
                        contact_name=contact,
                        contact_phone=self.g.mobile(),
                        years=tuple(above),
                    )
                )
                if not reports:
                    continue
                member = self._member(code, p.code, industry, size, rng)
                member.above = dict(above)
                # The first enterprise of each county is a monthly reporting high-tech enterprise.
                if i == 0 or rng.random() < 0.5:
                    member.high_tech = set(self.years)
                member.zero_rd = not member.high_tech and rng.random() < 0.15
                member.quarterly = i > 0 and p.code not in TIE and rng.random() < 0.08
                self.members.append(member)

    def _company_name(self, p: CountyProfile, city: str, word: str, size: str, rng: random.Random) -> str:
        short = p.name.removesuffix("畲族自治县")
        short = short[:-1] if len(short) > 2 and short[-1] in "市县区" else short
        city_short = CITY_NAMES[city][:-1]
        while True:
            brand = self.g.brand()
            if size == "large" and rng.random() < 0.6:
                name = f"浙江{brand}{word}股份有限公司"
            elif p.name.endswith("区"):
                name = f"{rng.choice((city_short, city_short, '浙江'))}{brand}{word}有限公司"
            else:
                name = f"{rng.choice((p.name, short, short, '浙江'))}{brand}{word}有限公司"
            if name not in self.g.names:
                self.g.names.add(name)
                return name

    # statistics

    def plan_statistics(self) -> None:
        rng = self.rng("statistics")
        by_county: dict[str, list[_Member]] = defaultdict(list)
        for m in self.members:
            by_county[m.county].append(m)
        for county in sorted(by_county):
            for year in self.years:
                active = [m for m in by_county[county] if m.above.get(year)]
                if active:
                    self._county_year(self.targets[(county, year)], active, year, rng)

    def _county_year(self, t: _Target, active: list[_Member], year: int, rng: random.Random) -> None:
        months = self.months(year)
        ht = {m.code for m in active if year in m.high_tech}
        weight = {m.code: m.weight * m.drift[year] * (1.6 if m.code in ht else 1.0) for m in active}
        share = sum(weight[c] for c in ht) / sum(weight.values())
        wanted = min(0.97, t.high_tech / 0.92)
        if ht and share < wanted:
            # The high-tech enterprises must be able to carry the county's high-tech value added.
            k = wanted * (1 - share) / (share * (1 - wanted))
            for c in ht:
                weight[c] *= k
        total = sum(weight.values())
        value_added = {c: t.value_added * w / total for c, w in weight.items()}
        ht_factor = t.value_added * t.high_tech / sum(value_added[c] for c in ht) if ht else 0.0
        pull = {
            m.code: 0.0 if m.zero_rd else value_added[m.code] * m.propensity * (1.8 if m.code in ht else 1.0)
            for m in active
        }
        pulled = sum(pull.values()) or 1.0
        for m in active:
            rd = t.rd * pull[m.code] / pulled
            rd_m = _split(rd, RD_SEASON, months, rng)
            va_m = _split(value_added[m.code], VA_SEASON, months, rng)
            factor = ht_factor if m.code in ht else 0.0
            employees = max(20, round(value_added[m.code] / m.per_capita))
            rd_staff = min(max(1, round(rd / m.rd_per_capita)), employees // 3) if rd else 0
            # (month, R&D, revenue, output, value added, high-tech value added, employees)
            rows: list[list[float]] = []
            for i in range(months):
                revenue = va_m[i] * m.revenue_ratio * rng.uniform(0.97, 1.03)
                staff = employees * (0.97 if i == 1 else 1.0) * rng.uniform(0.99, 1.01)
                rows.append(
                    [i + 1, rd_m[i], revenue, revenue * m.output_ratio, va_m[i], va_m[i] * factor, staff]
                )
                self.monthly[(m.code, year, i + 1)] = (rd_m[i], va_m[i], va_m[i] * factor)
            frequency = Frequency.MONTH
            if m.quarterly:
                frequency = Frequency.QUARTER
                rows = [
                    [
                        q,
                        *(sum(r[k] for r in rows[3 * q - 3 : 3 * q]) for k in range(1, 6)),
                        rows[3 * q - 1][6],
                    ]
                    for q in range(1, months // 3 + 1)
                ]
            for number, r, revenue, output, va, htva, staff in rows:
                self.stats.append(
                    StatRow(m.code, year, frequency, int(number), _yuan(r), _yuan(revenue), _yuan(output),
                            _yuan(va), _yuan(htva), round(staff), rd_staff)
                )  # fmt: skip

    # county economy

    def plan_economy(self) -> list[CountyYear]:
        rng = self.rng("economy")
        in_stats: dict[tuple[str, int, int], list[float]] = defaultdict(lambda: [0.0, 0.0])
        county_of = {m.code: m.county for m in self.members}
        for (code, year, month), (_rd, va, ht) in self.monthly.items():
            bucket = in_stats[(county_of[code], year, month)]
            bucket[0] += va
            bucket[1] += ht
        rd_of: dict[tuple[str, int], Decimal] = defaultdict(Decimal)
        ht_of: dict[tuple[str, int], Decimal] = defaultdict(Decimal)
        for s in self.stats:
            rd_of[(county_of[s.organisation], s.year)] += s.rd_expenditure
            ht_of[(county_of[s.organisation], s.year)] += s.high_tech_value_added
        # The above-scale list as the records will hold it (the core demo's years and the rows added here).
        listed = {(o.credit_code, y): a for o in self.specs.organisations for y, a in o.years}
        listed.update({(c, y): a for c, y, a in self.above_rows})
        above: Counter = Counter((c[2:8], y) for (c, y), a in listed.items() if a)
        gdp_at: dict[tuple[str, int], Decimal] = {}
        result: list[CountyYear] = []
        for p in self.profiles:
            monthly_gdp = p.code[:4] == QUZHOU[:4]
            city = CITY_NAMES[p.code[:4] + "00"]
            for year in self.years:
                months = self.months(year)
                t = self.targets[(p.code, year)]
                cover = rng.uniform(1.005, 1.03)  # the county's total covers enterprises not sampled here
                va_running = 0.0
                gdp_running = 0.0
                for month in range(1, months + 1):
                    va_running += in_stats[(p.code, year, month)][0]
                    gdp_running += GDP_SEASON[month - 1]
                    quarter_end = month % 3 == 0
                    gdp = _wan(t.gdp * gdp_running / 100) if monthly_gdp or quarter_end else None
                    source = (
                        f"{p.name}统计局《统计月报》"
                        if monthly_gdp
                        else f"{city}统计局（地区生产总值按季核算）"
                        if quarter_end
                        else f"{city}统计局"
                    )
                    self.economy.append(
                        EconomyRow(p.code, year, month, gdp, _wan(va_running * cover), source)
                    )
                    if month == 12 and gdp is not None:
                        gdp_at[(p.code, year)] = gdp
        # The tied pair: the second county's GDP makes its published (rounded) intensity equal the first's.
        for year in self.full_years:
            first = indicators.ratio(rd_of[(TIE[0], year)], gdp_at[(TIE[0], year)])
            assert first is not None
            gdp = (rd_of[(TIE[1], year)] / first).quantize(Decimal(1), rounding=ROUND_HALF_UP)
            gdp_at[(TIE[1], year)] = gdp
            i = next(
                i for i, e in enumerate(self.economy) if (e.county, e.year, e.months) == (TIE[1], year, 12)
            )
            e = self.economy[i]
            self.economy[i] = EconomyRow(e.county, e.year, e.months, gdp, e.above_scale_value_added, e.source)
        for p in self.profiles:
            for year in self.full_years:
                row = next(
                    e for e in self.economy if (e.county, e.year, e.months) == (p.code, year, 12)
                )  # fmt: skip
                result.append(
                    CountyYear(
                        county=p.code,
                        year=year,
                        rd=rd_of[(p.code, year)],
                        gdp=gdp_at[(p.code, year)],
                        value_added=row.above_scale_value_added,
                        high_tech=ht_of[(p.code, year)],
                        above_scale=above[(p.code, year)],
                    )
                )
        return result

    # published figures and targets

    def plan_officials(self, county_years: list[CountyYear]) -> list[FigureSpec]:
        rng = self.rng("officials")
        figures: list[FigureSpec] = []
        for year in self.full_years:
            published = dt.date(year + 1, 10, 16)
            if published >= self.today:
                continue
            source = f"《{year}年浙江省科技进步统计监测报告》"
            rows = {c.county: c for c in county_years if c.year == year}
            province_size = len(rows)
            city = sorted(c for c in rows if c[:4] == QUZHOU[:4])
            published_values: dict[str, dict[str, Decimal]] = {Key.RD_EXPENDITURE: {}, Key.RD_INTENSITY: {}}
            for county in city:
                c = rows[county]
                # Revised data and a different enterprise coverage: never quite the computed figure.
                delta = rng.choice((-1, 1)) * rng.uniform(0.004, 0.025)
                published_values[Key.RD_EXPENDITURE][county] = _wan(float(c.rd) * (1 + delta))
                points = Decimal(rng.choice((-1, 1)) * rng.randint(2, 9)) / 100
                published_values[Key.RD_INTENSITY][county] = (c.intensity * 100 + points).quantize(
                    Decimal("0.01")
                )
            for key, computed in ((Key.RD_EXPENDITURE, "rd"), (Key.RD_INTENSITY, "intensity")):
                values = published_values[key]
                city_ranks = indicators.competition_ranks(values)
                province_ranks = indicators.competition_ranks(
                    {county: getattr(c, computed) for county, c in rows.items()}
                )
                for county in city:
                    # The report ranks all 90 counties of the province; the demo holds fewer.
                    rank = (province_ranks[county] - 0.5) * 90 / province_size + rng.randint(-2, 2)
                    figures.append(
                        FigureSpec(
                            county=county,
                            year=year,
                            indicator=key,
                            value=values[county],
                            province_rank=max(1, min(90, round(rank))),
                            province_count=90,
                            city_rank=city_ranks[county],
                            city_count=len(values),
                            source=source,
                            published_on=published,
                        )
                    )
        return figures + self.plan_high_tech_officials()

    def plan_high_tech_officials(self) -> list[FigureSpec]:
        """The demo county's high-tech industry value added as the statistics bureau publishes it, for 1-9月
        (in its October bulletin) and for the year (the January one), with its rank among the city's counties;
        the values are the city's enterprise totals, revised (never quite the computed figure)."""
        rng = self.rng("officials-high-tech")
        county_of = {m.code: m.county for m in self.members}
        totals: dict[tuple[str, int, int], float] = defaultdict(float)
        for (code, year, month), (_rd, _va, ht) in self.monthly.items():
            county = county_of[code]
            if county[:4] == QUZHOU[:4]:
                for months in (9, 12):
                    if month <= months:
                        totals[(county, year, months)] += ht
        figures: list[FigureSpec] = []
        for year in self.full_years[-2:]:
            for months, published in ((9, dt.date(year, 10, 25)), (12, dt.date(year + 1, 1, 28))):
                if published >= self.today:
                    continue
                values = {
                    c: _wan(v * (1 + rng.uniform(-0.02, 0.02)))
                    for (c, y, m), v in totals.items()
                    if (y, m) == (year, months) and v > 0
                }
                if KAIHUA not in values:
                    continue
                span = "1-9月" if months == 9 else "1-12月"
                figures.append(
                    FigureSpec(
                        county=KAIHUA,
                        year=year,
                        indicator=Key.HIGH_TECH_VA,
                        value=values[KAIHUA],
                        city_rank=indicators.competition_ranks(values)[KAIHUA],
                        city_count=len(values),
                        source=f"衢州市统计局《统计月报》（{year}年{span}）",
                        published_on=published,
                        months=months,
                    )
                )
        return figures

    def plan_targets_of_county(self, county_years: list[CountyYear]) -> list[FigureSpec]:
        rng = self.rng("county-targets")
        figures: list[FigureSpec] = []
        for year in self.years:
            if year <= self.base:
                c = next(c for c in county_years if (c.county, c.year) == (KAIHUA, year))
                rd, intensity, share, count = c.rd, c.intensity, c.high_tech_share, c.above_scale
            else:  # the current year: the plan's own full-year figures
                t = self.targets[(KAIHUA, year)]
                rd = Decimal(round(t.rd))
                intensity = Decimal(str(round(t.rd / t.gdp, 4)))
                share = Decimal(str(round(t.high_tech, 4)))
                count = sum(1 for m in self.members if m.county == KAIHUA and m.above.get(year))
            note = "县政府工作报告目标" if year % 2 else "年度科技工作要点"
            step = Decimal(1_000_000)
            rd_target = (rd * Decimal(str(rng.uniform(0.97, 1.06))) / step).quantize(Decimal(1)) * step
            figures += [
                FigureSpec(KAIHUA, year, Key.RD_EXPENDITURE, rd_target, note=note),
                FigureSpec(KAIHUA, year, Key.RD_INTENSITY, _nearest(intensity * 100 + _u(rng, -0.06, 0.1), "0.05"), note=note, comparison="gt"),
                FigureSpec(KAIHUA, year, Key.HIGH_TECH_SHARE, _nearest(share * 100 + _u(rng, -1.0, 2.0), "0.5"), note=note),
                FigureSpec(KAIHUA, year, Key.ABOVE_SCALE_COUNT, Decimal(count + rng.randint(-2, 5)), note=note),
            ]  # fmt: skip
        return figures

    # R&D projects and expense collection

    def plan_projects(self) -> tuple[list[ProjectSpec], list[ExpenseSpec]]:
        rng = self.rng("projects")
        own = self.own_code
        enterprises = {o.credit_code: o for o in self.specs.enterprises(KAIHUA)}
        base_rd: dict[str, float] = defaultdict(float)
        for (code, year, _month), (rd, _va, _ht) in self.monthly.items():
            if year == self.base and code in enterprises:
                base_rd[code] += rd
        n = self.n(30, 4)
        n_service = 2 if n >= 10 else 1
        busy = sorted((c for c in base_rd if base_rd[c] > 0 and c != own), key=lambda c: -base_rd[c])
        services_ = [
            o.credit_code
            for o in enterprises.values()
            if not _is_manufacturing(o.industry)
            and o.industry
            and o.credit_code not in (own, self.pending_code)
        ]
        services_.sort(key=lambda c: (enterprises[c].industry not in NON_MANUFACTURING, c))
        chosen = [own] + busy[: n - 1 - n_service] + services_[:n_service]
        over_cap = set(rng.sample(chosen[1:], min(len(chosen) - 1, max(1, len(chosen) // 7))))
        first_year = self.today.year - 3
        last = (self.today.year, self.last_month) if self.last_month else (self.base, 12)
        projects: list[ProjectSpec] = []
        expenses: list[ExpenseSpec] = []
        for code in chosen:
            org = enterprises[code]
            count = 4 if code == own else rng.randint(1, 4)
            titles = list(PROJECT_TITLES.get((org.industry or "")[:2], DEFAULT_TITLES) + DEFAULT_TITLES)
            rng.shuffle(titles)
            coverage = rng.uniform(0.55, 0.9)
            shares = (
                rng.uniform(0.38, 0.55), rng.uniform(0.2, 0.35), rng.uniform(0.05, 0.12),
                rng.uniform(0.0, 0.03) if rng.random() < 0.6 else 0.0, rng.uniform(0.0, 0.08),
            )  # fmt: skip
            mine: list[ProjectSpec] = []
            seq: Counter = Counter()
            for k in range(count):
                start_index = rng.randrange((last[0] - first_year) * 12 + last[1])
                length = rng.randint(6, 30)
                if (
                    code == own and k == 0
                ):  # the demo enterprise's main project runs through the last full year
                    start_index, length = rng.randrange(6), rng.randint(30, 40)
                start = dt.date(first_year + start_index // 12, start_index % 12 + 1, 1)
                end_index = start_index + length - 1
                ends_on = _last_day(first_year + end_index // 12, end_index % 12 + 1)
                seq[start.year] += 1
                kind = _weighted_choice(rng, (("own", 70), ("cooperative", 20), ("commissioned", 10)))
                partner = rng.choice(INSTITUTIONS)[0]
                title = titles[k % len(titles)]
                summary = (
                    f"围绕{title.removesuffix('研发').removesuffix('研究').removesuffix('开发')}开展技术攻关和中试验证，"
                    f"预期形成企业标准 1 项，申请发明专利 {rng.randint(1, 3)} 项。"
                )
                if kind == "cooperative":
                    summary += f"与{partner}合作研发。"
                elif kind == "commissioned":
                    summary += f"部分试验委托{partner}完成。"
                mine.append(
                    ProjectSpec(
                        organisation=code,
                        code=f"RD{start.year}-{seq[start.year]:02d}",
                        title=title,
                        kind=kind,
                        starts_on=start,
                        ends_on=ends_on,
                        budget=Decimal(0),
                        staff=rng.randint(3, 25),
                        summary=summary,
                        by_enterprise=code == own,
                    )
                )
            spent: dict[str, Decimal] = defaultdict(Decimal)
            for year in range(first_year, last[0] + 1):
                for month in range(1, (last[1] if year == last[0] else 12) + 1):
                    first = dt.date(year, month, 1)
                    running = [p for p in mine if p.starts_on <= first <= p.ends_on]
                    if not running:
                        continue
                    stat = self.monthly.get((code, year, month))
                    if stat and stat[0] > 0:
                        month_total = stat[0] * coverage
                    else:
                        month_total = (
                            rng.uniform(40_000, 200_000) * RD_SEASON[month - 1] / 8.33 * len(running)
                        )
                    capped = code in over_cap or (code == own and year == self.base)
                    other = rng.uniform(0.13, 0.2) if capped else rng.uniform(0.02, 0.07)
                    for p in running:
                        amount = month_total / len(running) * rng.uniform(0.8, 1.2)
                        parts = [s * rng.uniform(0.9, 1.1) for s in shares]
                        scale = (1 - other) / sum(parts)
                        values = tuple(_cents(amount * s * scale) for s in parts) + (_cents(amount * other),)
                        expenses.append(ExpenseSpec(code, p.code, year, month, values))  # type: ignore[arg-type]
                        spent[p.code] += sum(values, Decimal(0))
            for p in mine:
                # Budgets are set in round 万元, somewhat above what the project spends a month over its length.
                length = (p.ends_on.year - p.starts_on.year) * 12 + p.ends_on.month - p.starts_on.month + 1
                months = sum(1 for e in expenses if e.project == p.code and e.organisation == code)
                planned = float(spent[p.code]) / max(1, months) * length * rng.uniform(1.05, 1.35)
                projects.append(replace(p, budget=_wan(max(planned, 10 * WAN))))
        return projects, expenses

    # statistical returns

    def plan_returns(self) -> tuple[list[ReturnTypeSpec], list[RoundSpec]]:
        departments = tuple(
            o.credit_code
            for o in self.specs.organisations
            if o.kind == Organisation.Kind.DEPARTMENT and o.region[:6] == KAIHUA
        )
        types = [
            ReturnTypeSpec(name, frequency, obligation, days, issuer, note,
                           departments if obligation == Obligation.LISTED else ())
            for name, frequency, obligation, days, issuer, note in RETURN_TYPES
        ]  # fmt: skip
        rounds: list[RoundSpec] = []
        for t in types:
            if t.frequency == Frequency.YEAR:
                periods = [(y, 0) for y in range(self.today.year - 3, self.today.year)]
            else:
                ended = [
                    (y, q)
                    for y in range(self.today.year - 3, self.today.year + 1)
                    for q in range(1, 5)
                    if _last_day(y, 3 * q) < self.today
                ]
                periods = ended[-8:]
            for i, (year, number) in enumerate(periods):
                end = services.period_end(t.frequency, year, number)
                due = add_workdays(end, t.due_workdays)
                current = i == len(periods) - 1
                # This year's survey notice set a later deadline than usual: a round still open.
                override = current and t.obligation == Obligation.BUREAU and due < self.today
                if override:
                    due = self.today + dt.timedelta(days=12)
                rounds.append(RoundSpec(t.name, year, number, end, due, override, current))
        return types, rounds


def _weighted_choice(rng: random.Random, pairs: Iterable[tuple[str, int]]) -> str:
    items = list(pairs)
    return rng.choices([p[0] for p in items], weights=[p[1] for p in items])[0]


def _u(rng: random.Random, low: float, high: float) -> Decimal:
    return Decimal(str(round(rng.uniform(low, high), 2)))


def _nearest(value: Decimal, step: str) -> Decimal:
    unit = Decimal(step)
    return ((value / unit).quantize(Decimal(1), rounding=ROUND_HALF_UP) * unit).quantize(Decimal("0.01"))


def _cents(x: float) -> Decimal:
    return Decimal(str(round(x, 2))).quantize(Decimal("0.01"))


def _high_tech_years(specs: DemoSpecs, today: dt.date, years: Sequence[int]) -> dict[str, set[int]]:
    """The years in which each demo enterprise held a high-tech certificate, as the programmes demo records
    them (asked through core's demo, which the programmes app answers; none when it is not installed)."""
    return dict(demo_fact("high_tech_years", specs, today=today, years=years, default={}))


def rnd_plan(specs: DemoSpecs, *, today: dt.date) -> RndPlan:
    """Every R&D record of the demo as plain data. Pure: the same specs and date give the same plan."""
    p = _Planner(specs, today)
    p.plan_targets()
    p.plan_demo_county(_high_tech_years(specs, today, p.years))
    p.plan_other_counties()
    p.plan_statistics()
    county_years = p.plan_economy()
    projects, expenses = p.plan_projects()
    types, rounds = p.plan_returns()
    return RndPlan(
        today=today,
        seed=specs.seed,
        years=p.years,
        last_month=p.last_month,
        organisations=tuple(p.organisations),
        above_scale=tuple(p.above_rows),
        stats=tuple(p.stats),
        economy=tuple(p.economy),
        county_years=tuple(county_years),
        officials=tuple(p.plan_officials(county_years)),
        targets=tuple(p.plan_targets_of_county(county_years)),
        projects=tuple(projects),
        expenses=tuple(expenses),
        return_types=tuple(types),
        rounds=tuple(rounds),
    )


Outcome = tuple[str, dt.date | None, str]  # (status, submitted on, note)


def filing_outcomes(plan: RndPlan, rnd: RoundSpec, filers: Sequence[str]) -> dict[str, Outcome]:
    """Who has filed a round, and when (filers by credit code, "" for the bureau itself). Past rounds are
    nearly all filed (some late, a few exempt, a recent one with a straggler or two); the latest round of
    each return is partly owed — more while it is not yet due, a few stragglers months after. Pure: seeded
    by the round, so the same plan and filers give the same outcomes."""
    S = ReturnFiling.Status
    today = plan.today
    rng = random.Random(f"{plan.seed}:filings:{rnd.return_type}:{rnd.year}:{rnd.number}")
    order = sorted(filers)
    rng.shuffle(order)
    overdue = (today - rnd.due_on).days
    if rnd.current:
        share = 0.55 if overdue <= 0 else 0.3 if overdue <= 60 else 0.06
        pending, exempt = (max(1, round(len(order) * share)) if order else 0), 0
    else:
        # A straggler or two on a round due in the last four months; older rounds were all chased in.
        pending = round(len(order) * 0.015) if overdue <= 120 else 0
        exempt = round(len(order) * 0.02)
    first, last = rnd.period_end + dt.timedelta(days=1), today - dt.timedelta(days=1)
    result: dict[str, Outcome] = {}
    for i, code in enumerate(order):
        if i < pending:
            result[code] = (S.PENDING, None, "已电话催报。" if overdue > 0 and i % 2 == 0 else "")
        elif i < pending + exempt and code:
            result[code] = (S.EXEMPT, None, "企业停产，经核实本期免报。")
        else:
            if rng.random() < 0.12 and rnd.due_on < last:
                day = rnd.due_on + dt.timedelta(days=rng.randint(1, 20))
            else:
                day = rnd.due_on - dt.timedelta(
                    days=rng.randint(0, max(0, min(25, (rnd.due_on - first).days)))
                )
            day = max(first, min(day, last))
            result[code] = (S.SUBMITTED, day, "逾期补报。" if day > rnd.due_on else "")
    return result


# --- writing it -------------------------------------------------------------------------------------------------


class _Writer:
    def __init__(self, plan: RndPlan, staff: User, enterprise: User | None) -> None:
        self.plan = plan
        self.staff = staff
        self.enterprise = enterprise
        self.created: Counter = Counter()
        self.county = Region.objects.get(code=KAIHUA)

    def run(self) -> Counter:
        self.write_organisations()
        self.write_above_scale()
        self.write_statistics()
        self.write_economy()
        # Once, over every year: the bulk writes above do not refresh the indicators themselves.
        indicators.refresh(self.plan.years)
        self.write_figures()
        self.write_projects()
        self.write_returns()
        return self.created

    def _import(
        self, slug: str, keys: Sequence[str], rows: list[list[Any]], *, by: Any, name: str
    ) -> ImportResult:
        """Write rows through an import register, as if the sheet `name` had been uploaded (each row audited)."""
        if not rows:
            return ImportResult(register=slug, label=REGISTERS[slug].label)
        register = REGISTERS[slug]
        table = Table(
            header=[register.column(k).label for k in keys], rows=[(i + 2, r) for i, r in enumerate(rows)]
        )
        try:
            result = register.apply(table, by=by)
        except ImportRejected as exc:  # a bug in the plan: say what the register said
            problems = "；".join(f"第{e.row}行 {e.column} {e.reason}" for e in exc.errors[:5])
            raise RuntimeError(f"演示数据未能导入“{register.label}”（{name}）：{problems}") from exc
        return result

    def write_organisations(self) -> None:
        orgs = self.plan.organisations
        have = set(
            Organisation.objects.filter(credit_code__in=[o.credit_code for o in orgs]).values_list(
                "credit_code", flat=True
            )
        )
        keys = ("name", "credit_code", "kind", "region", "industry", "size", "established_on", "address",
                "contact_name", "contact_phone")  # fmt: skip
        rows = [
            [o.name, o.credit_code, o.kind, o.region, o.industry, o.size, o.established_on, o.address,
             o.contact_name, o.contact_phone]
            for o in orgs
            if o.credit_code not in have
        ]  # fmt: skip
        result = self._import(
            "organisations", keys, rows, by=None, name="各县（市、区）规上工业企业名单.xlsx"
        )
        self.created["organisation"] += result.created

    def write_above_scale(self) -> None:
        have = set(
            OrganisationYear.objects.filter(organisation__credit_code__in={c for c, _y, _a in self.plan.above_scale})
            .values_list("organisation__credit_code", "year")
        )  # fmt: skip
        rows = [(c, y, a) for c, y, a in self.plan.above_scale if (c, y) not in have]
        keys = ("organisation", "year", "is_above_scale")
        for by, mine in ((self.staff, True), (None, False)):
            chosen = [[c, y, "是" if a else "否"] for c, y, a in rows if (c[2:8] == KAIHUA) == mine]
            result = self._import(
                "organisation_years", keys, chosen, by=by, name="规上工业企业名录（历年）.xlsx"
            )
            self.created["organisation_year"] += result.created

    def write_statistics(self) -> None:
        keys = (
            "organisation",
            "year",
            "frequency",
            "number",
            *EnterpriseStat.AMOUNTS,
            "employees",
            "rd_staff",
        )
        for by, mine in ((self.staff, True), (None, False)):
            rows = [
                [s.organisation, s.year, s.frequency, s.number, s.rd_expenditure, s.revenue, s.industrial_output,
                 s.value_added, s.high_tech_value_added, s.employees, s.rd_staff]
                for s in self.plan.stats
                if (s.organisation[2:8] == KAIHUA) == mine
            ]  # fmt: skip
            name = "开化县规上工业企业研发统计月报.xlsx" if mine else "全省规上工业企业研发统计（抽样）.xlsx"
            self.created["企业统计数据"] += self._import(
                "enterprise_stats", keys, rows, by=by, name=name
            ).created

    def write_economy(self) -> None:
        keys = ("county", "year", "months", "gdp", "above_scale_value_added", "source")
        for by, mine in ((self.staff, True), (None, False)):
            rows = [
                [e.county, e.year, e.months, e.gdp, e.above_scale_value_added, e.source]
                for e in self.plan.economy
                if (e.county == KAIHUA) == mine
            ]
            name = "开化县经济运行数据.xlsx" if mine else "各县（市、区）经济运行数据.xlsx"
            self.created["县域经济数据"] += self._import(
                "county_economy", keys, rows, by=by, name=name
            ).created

    def write_figures(self) -> None:
        regions = Region.objects.in_bulk({f.county for f in self.plan.officials} | {KAIHUA})
        others: list[OfficialFigure] = []
        for f in self.plan.officials:
            data = {
                "county": regions[f.county], "year": f.year, "indicator": f.indicator, "value": f.value,
                "province_rank": f.province_rank, "province_count": f.province_count, "city_rank": f.city_rank,
                "city_count": f.city_count, "source": f.source,
                "published_on": f.published_on, "months": f.months,
            }  # fmt: skip
            if f.county == KAIHUA:
                services.official_figure_save(by=self.staff, data=data)
            else:
                # The other counties have no bureau account in the demo: the province's report, loaded centrally.
                row = OfficialFigure(**data)
                row.full_clean()
                others.append(row)
            self.created["公布数据"] += 1
        OfficialFigure.objects.bulk_create(others)
        audit.record_many(audit.build("create", obj=o, after=audit.snapshot(o)) for o in others)
        for f in self.plan.targets:
            services.target_save(
                by=self.staff,
                data={
                    "county": self.county,
                    "year": f.year,
                    "indicator": f.indicator,
                    "value": f.value,
                    "note": f.note,
                    "comparison": f.comparison or "gte",
                },
            )
            self.created["目标任务"] += 1

    def write_projects(self) -> None:
        orgs = Organisation.objects.in_bulk(
            {p.organisation for p in self.plan.projects}, field_name="credit_code"
        )
        for p in self.plan.projects:
            by = self.enterprise if p.by_enterprise and self.enterprise is not None else self.staff
            services.rnd_project_save(
                by=by,
                data={
                    "organisation": orgs[p.organisation], "code": p.code, "title": p.title, "kind": p.kind,
                    "starts_on": p.starts_on, "ends_on": p.ends_on, "budget": p.budget, "staff": p.staff,
                    "summary": p.summary,
                },
            )  # fmt: skip
            self.created["研发项目"] += 1
        own = {p.organisation for p in self.plan.projects if p.by_enterprise}
        keys = ("organisation", "project", "year", "month", *(name for name, _label in RndExpense.CATEGORIES))
        for by, mine in ((self.enterprise or self.staff, True), (self.staff, False)):
            rows = [
                [e.organisation, e.project, e.year, e.month, *e.amounts]
                for e in self.plan.expenses
                if (e.organisation in own) == mine
            ]
            name = "研发费用辅助账.xlsx" if mine else "企业研发费用归集汇总.xlsx"
            self.created["研发费用归集"] += self._import("rnd_expenses", keys, rows, by=by, name=name).created

    def write_returns(self) -> None:
        listed_codes = {c for t in self.plan.return_types for c in t.listed}
        orgs = Organisation.objects.in_bulk(listed_codes, field_name="credit_code")
        types: dict[str, ReturnType] = {}
        for t in self.plan.return_types:
            types[t.name] = services.return_type_save(
                by=self.staff,
                data={
                    "county": self.county, "name": t.name, "frequency": t.frequency, "obligation": t.obligation,
                    "due_workdays": t.due_workdays, "issuer": t.issuer, "note": t.note, "is_active": True,
                },
                listed=[orgs[c] for c in t.listed if c in orgs] if t.obligation == Obligation.LISTED else None,
            )  # fmt: skip
        own_ids = set()
        if self.enterprise is not None:
            own_ids = {r.organisation_id for r in self.enterprise.roles.all() if r.organisation_id}
        for spec in self.plan.rounds:
            return_type = types[spec.return_type]
            rnd = services.return_round_open(
                by=self.staff,
                return_type=return_type,
                year=spec.year,
                number=spec.number,
                due_on=spec.due_on if spec.override_due else None,
            )
            self.created["报送期"] += 1
            rnd.return_type = return_type
            done: list[ReturnFiling] = []
            events = []
            filings = list(ReturnFiling.objects.filter(round=rnd).select_related("organisation"))
            codes = [f.organisation.credit_code if f.organisation else "" for f in filings]
            outcomes = filing_outcomes(self.plan, spec, codes)
            for filing, code in zip(filings, codes, strict=True):
                filing.round = rnd
                status, day, note = outcomes[code]
                if status == ReturnFiling.Status.PENDING and not note:
                    continue
                if self.enterprise is not None and filing.organisation_id in own_ids and status != "exempt":
                    # The demo enterprise's own filings go through the service. An enterprise's own mark
                    # is dated the day it is made, so past filings are recorded by the bureau, as they
                    # would be from the statistics platform's record; one made today is the enterprise's.
                    own_today = status == ReturnFiling.Status.SUBMITTED and day == selectors_returns.today()
                    services.filing_update(
                        by=self.enterprise if own_today else self.staff,
                        filing=filing, status=status, submitted_on=day, note=note,
                    )  # fmt: skip
                    continue
                # Several hundred filings: written in bulk, each audited as the service would.
                before = {"status": filing.status, "submitted_on": filing.submitted_on, "note": filing.note}
                filing.status, filing.submitted_on, filing.note = status, day, note
                filing.updated_by = self.staff
                filing.full_clean(
                    exclude=["round", "county", "organisation", "updated_by"], validate_constraints=False
                )
                moment = day or min(spec.due_on, self.plan.today - dt.timedelta(days=1))
                filing.updated_at = timezone.make_aware(dt.datetime.combine(moment, dt.time(10, 30)))
                done.append(filing)
                after = {"status": status, "submitted_on": day, "note": note}
                events.append(audit.build("update", by=self.staff, obj=filing, before=before, after=after))
            _update_many(ReturnFiling, done, ["status", "submitted_on", "note", "updated_by", "updated_at"])
            audit.record_many(events)


def build_rnd_demo(specs: DemoSpecs, *, today: dt.date | None = None) -> Counter:
    """Write the R&D demo data (see the module notes). Runs once: a no-op when its flag is set, or when the
    demo accounts it writes as are missing. Returns what it created, by kind."""
    if SystemFlag.objects.filter(key=FLAG).exists():
        return Counter()
    staff = User.objects.filter(username=STAFF_USERNAME, is_active=True).first()
    if staff is None or not Region.objects.filter(code=KAIHUA).exists():
        return Counter()
    enterprise = User.objects.filter(username=ENTERPRISE_USERNAME, is_active=True).first()
    today = today or timezone.localdate()
    started = time.perf_counter()
    plan = rnd_plan(specs, today=today)
    with transaction.atomic():
        created = _Writer(plan, staff, enterprise).run()
        flag = SystemFlag.objects.create(
            key=FLAG,
            value=f"seed={specs.seed} scale={specs.scale:g} today={today.isoformat()} "
            f"seconds={time.perf_counter() - started:.1f}",
        )
        audit.record(
            "create",
            obj=flag,
            after={"key": flag.key, "value": flag.value},
            detail="载入研发经费投入演示数据",
        )
    return created


def rnd_demo_counts() -> dict[str, int]:
    """The lines the `demo` command adds to its table for this app (counted from the database)."""
    stats = EnterpriseStat.objects
    return {
        "企业统计数据（条）": stats.count(),
        "有统计数据的县（市、区）": stats.values("county_id").distinct().count(),
        "开化县研发项目": RndProject.objects.filter(county_id=KAIHUA).count(),
        "研发费用归集（项目·月）": RndExpense.objects.filter(project__county_id=KAIHUA).count(),
        "统计报表报送期": ReturnRound.objects.filter(county_id=KAIHUA).count(),
        "未报送（户次）": ReturnFiling.objects.filter(
            county_id=KAIHUA, status=ReturnFiling.Status.PENDING
        ).count(),
    }


__all__ = ["FLAG", "RndPlan", "build_rnd_demo", "filing_outcomes", "rnd_demo_counts", "rnd_plan"]
