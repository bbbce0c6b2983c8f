"""The demo county: 开化县 (330824) and its townships, with enterprises, above-scale status, experts,
S&T commissioners, county departments, universities, service providers and one account per role, plus
a small second county, 常山县 (330822), so that cross-county tenancy can be seen.

Two layers:

- `demo_specs(seed=..., scale=...)` is a pure function: it turns a seed into plain, frozen records
  (no database), so the same seed always gives the same enterprises, codes and names;
- `build_demo()` writes those records through the core services, so every row is validated
  (`full_clean`) and audited exactly like a write from a page, the API or an import.

Everything here is invented: the names, credit codes and phone numbers are generated and belong to
nobody. Codes are well formed (GB 32100 check character, and a GB 11714 organisation code inside),
places are real division codes and industries real GB/T 4754-2017 classes.
"""

from __future__ import annotations

import contextvars
import datetime as dt
import random
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any

from django.db import transaction

from . import audit, services
from .creditcode import ALPHABET, make_credit_code
from .models import (
    AuditEvent,
    IndustryClass,
    Organisation,
    OrganisationYear,
    Person,
    Region,
    Role,
    SystemFlag,
    User,
    local_in,
)

DEMO_FLAG = "demo_loaded"
DEMO_SEED = 330824
DEMO_PASSWORD = "Kc@demo2026"
# One login per role, shown on the login page while the demo data is loaded.
DEMO_USERNAMES = (
    "kh_staff",
    "kh_leader",
    "kh_qiye",
    "kh_expert",
    "kh_tepai",
    "kh_bumen",
    "qz_city",
    "zj_province",
    "sysadmin",
    "security1",
    "security2",
    "auditor",
    "cs_staff",
)
DEMO_ACTOR = "演示数据生成"
DEMO_YEARS = (2024, 2025)

KAIHUA = "330824"
CHANGSHAN = "330822"
QUZHOU = "330800"
ZHEJIANG = "330000"

# Full-scale sizes; `scale` multiplies the generated (not the listed) records.
N_ENTERPRISES = 300
N_ABOVE_SCALE = 80  # above-scale industrial enterprises in the last demo year
N_NEW_ABOVE_SCALE = 5  # of which newly above scale (not in the year before)
N_DROPPED_ABOVE_SCALE = 4  # above scale the year before, no longer in the last year
N_EXPERTS = 150
N_CONTACTS = 12
N_CHANGSHAN_ENTERPRISES = 20
N_CHANGSHAN_EXPERTS = 8


# --- plain records ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class OrgSpec:
    name: str
    kind: str
    credit_code: str
    region: str
    industry: str | None = None
    size: str = ""
    established_on: dt.date | None = None
    address: str = ""
    contact_name: str = ""
    contact_phone: str = ""
    contact_email: str = ""
    years: tuple[tuple[int, bool], ...] = ()  # (year, is_above_scale)
    registered_by: str = ""  # the county whose register holds it, when it lies elsewhere (a partner)


@dataclass(frozen=True)
class PersonSpec:
    key: str
    name: str
    gender: str
    county: str
    organisation: str | None = None  # credit code of a demo organisation
    organisation_name: str = ""
    title: str = ""
    position: str = ""
    specialties: str = ""
    tags: tuple[str, ...] = ()
    is_expert: bool = False
    is_commissioner: bool = False
    is_contact: bool = False
    phone: str = ""
    email: str = ""


@dataclass(frozen=True)
class AccountSpec:
    username: str
    role: str
    full_name: str
    scope: str  # shown next to the login, e.g. "开化县"
    region: str | None = None
    organisation: str | None = None  # credit code
    person: str | None = None  # PersonSpec.key
    phone: str = ""


@dataclass(frozen=True)
class SignupSpec:
    username: str
    full_name: str
    phone: str
    email: str
    credit_code: str
    organisation_name: str
    region: str


@dataclass(frozen=True)
class DemoSpecs:
    seed: int
    scale: float
    organisations: tuple[OrgSpec, ...]
    people: tuple[PersonSpec, ...]
    accounts: tuple[AccountSpec, ...]
    signup: SignupSpec

    def enterprises(self, county: str = KAIHUA) -> list[OrgSpec]:
        return [
            o for o in self.organisations if o.kind == Organisation.Kind.ENTERPRISE and o.region[:6] == county
        ]


@dataclass
class DemoSummary:
    already_loaded: bool
    counts: dict[str, int]
    logins: list[tuple[str, str, str]]  # (role label, username, password)
    scopes: dict[str, str]  # username -> what the account sees
    pending_signup: str  # username of the inactive enterprise sign-up
    created: dict[str, int] = field(default_factory=dict)  # records written by this run, by type
    seconds: float = 0.0
    flag_value: str = ""


# --- reference pools ----------------------------------------------------------------------------------

# fmt: off
KAIHUA_TOWNSHIPS = {
    # code: (name, weight for industry, weight for farming/tourism)
    "330824106": ("桐村镇", 5, 6),
    "330824107": ("杨林镇", 4, 6),
    "330824108": ("苏庄镇", 2, 9),
    "330824109": ("齐溪镇", 2, 10),
    "330824113": ("村头镇", 6, 5),
    "330824115": ("华埠镇", 40, 6),
    "330824116": ("马金镇", 7, 8),
    "330824117": ("池淮镇", 8, 6),
    "330824202": ("中村乡", 2, 6),
    "330824205": ("长虹乡", 1, 8),
    "330824208": ("何田乡", 1, 8),
    "330824216": ("林山乡", 2, 6),
    "330824217": ("音坑乡", 10, 6),
    "330824218": ("大溪边乡", 2, 7),
}

CHANGSHAN_TOWNSHIPS = {
    "330822001": "天马街道",
    "330822002": "紫港街道",
    "330822003": "金川街道",
    "330822104": "白石镇",
    "330822108": "招贤镇",
    "330822109": "青石镇",
    "330822111": "球川镇",
    "330822115": "辉埠镇",
    "330822116": "芳村镇",
    "330822200": "何家乡",
    "330822211": "同弓乡",
}

# (GB/T 4754-2017 class, weight, trade words for the name, where it sits: "industry" or "rural")
KAIHUA_INDUSTRIES: tuple[tuple[str, int, tuple[str, ...], str], ...] = (
    # manufacturing (门类 C)
    ("1530", 18, ("茶业", "茶叶", "名茶"), "rural"),
    ("1331", 6, ("油茶", "山茶油", "粮油"), "rural"),
    ("1372", 3, ("食用菌", "菌业"), "rural"),
    ("1373", 2, ("食品", "果业"), "rural"),
    ("1362", 1, ("清水鱼食品", "水产食品"), "rural"),
    ("1499", 3, ("食品",), "industry"),
    ("1519", 2, ("酒业",), "rural"),
    ("2614", 6, ("有机硅", "硅材料", "化工"), "industry"),
    ("2651", 4, ("硅树脂", "新材料"), "industry"),
    ("2652", 3, ("硅橡胶", "橡塑材料"), "industry"),
    ("2662", 3, ("化学", "新材料科技"), "industry"),
    ("2669", 3, ("化工科技", "硅业"), "industry"),
    ("3985", 8, ("电子材料", "半导体材料", "硅材料科技"), "industry"),
    ("3976", 2, ("光电科技", "光电"), "industry"),
    ("3983", 2, ("传感科技", "传感器"), "industry"),
    ("3831", 4, ("电缆", "线缆", "电线电缆"), "industry"),
    ("3834", 2, ("绝缘材料",), "industry"),
    ("3444", 5, ("液压", "液压机械", "液压件"), "industry"),
    ("3443", 2, ("阀门",), "industry"),
    ("3484", 5, ("机械", "精密机械", "机械制造"), "industry"),
    ("3421", 2, ("数控机床", "机床"), "industry"),
    ("3525", 2, ("模具",), "industry"),
    ("3531", 3, ("茶叶机械", "茶机"), "industry"),
    ("3572", 2, ("农机", "农业机械"), "industry"),
    ("3670", 3, ("汽车部件", "汽配"), "industry"),
    ("3451", 2, ("轴承",), "industry"),
    ("3311", 2, ("钢结构",), "industry"),
    ("2041", 5, ("竹业", "竹制品", "竹木"), "rural"),
    ("2039", 3, ("木业", "木制品"), "industry"),
    ("2021", 1, ("木业", "板业"), "industry"),
    ("2110", 2, ("家具",), "industry"),
    ("2221", 3, ("纸业", "造纸"), "industry"),
    ("2231", 2, ("包装", "纸品包装"), "industry"),
    ("2730", 3, ("中药饮片", "药业"), "industry"),
    ("2740", 1, ("制药", "药业"), "industry"),
    ("2720", 1, ("制药",), "industry"),
    ("2929", 2, ("塑业", "塑料制品"), "industry"),
    ("3021", 1, ("建材",), "industry"),
    ("3032", 1, ("石材",), "rural"),
    # farming, utilities, construction and services
    ("0164", 10, ("茶业", "生态茶业", "茶叶开发"), "rural"),
    ("0162", 4, ("油茶开发", "生态农业"), "rural"),
    ("0171", 3, ("中药材", "药材种植"), "rural"),
    ("0412", 4, ("清水鱼", "水产养殖"), "rural"),
    ("0142", 2, ("食用菌", "菌业"), "rural"),
    ("4413", 2, ("水电", "水力发电"), "rural"),
    ("4891", 2, ("园林", "园林绿化"), "industry"),
    ("4813", 1, ("建设", "建设工程"), "industry"),
    ("5127", 2, ("茶叶贸易", "商贸"), "industry"),
    ("5292", 5, ("电子商务", "电商"), "industry"),
    ("6130", 6, ("民宿", "民宿管理"), "rural"),
    ("7291", 2, ("旅行社",), "industry"),
    ("9030", 3, ("旅游开发", "文化旅游"), "rural"),
    ("6513", 2, ("信息技术", "软件"), "industry"),
    ("6531", 1, ("智能科技", "信息科技"), "industry"),
    ("7320", 2, ("科技研发", "新材料研究院"), "industry"),
    ("7511", 3, ("农业科技", "农业技术"), "rural"),
    ("5431", 2, ("物流", "运输"), "industry"),
    ("7484", 1, ("工程设计",), "industry"),
)

CHANGSHAN_INDUSTRIES: tuple[tuple[str, int, tuple[str, ...], str], ...] = (
    ("3451", 6, ("轴承",), "industry"),
    ("3484", 2, ("机械",), "industry"),
    ("1373", 3, ("胡柚食品", "果业"), "rural"),
    ("1523", 2, ("饮品", "胡柚饮品"), "industry"),
    ("1331", 2, ("油茶", "山茶油"), "rural"),
    ("3012", 2, ("钙业",), "industry"),
    ("2613", 2, ("纳米材料", "钙业"), "industry"),
    ("3021", 1, ("建材",), "industry"),
    ("6130", 1, ("民宿",), "rural"),
    ("5292", 1, ("电子商务",), "industry"),
)

NAME_FIRST = "华金龙鑫宏恒泰瑞嘉盛新天中正永兴富丰源钱江青绿山云明远博诚信德和安康美佳汇联创科顺通达祥凯辉腾隆越浩卓锦晶"

NAME_SECOND = "达源泰盛鑫丰瑞祥宇翔辉峰川禾茂远通凯昌利诚星光晨阳润林旺顺邦威腾宏海裕德隆兴华锋"

LOCAL_BRANDS = ("钱江源", "龙顶", "根宫", "古田山", "霞山", "大龙山", "钱源", "七彩", "金溪", "马金溪", "云台", "龙门")

ROADS = (
    "华兴路", "新安路", "华阳路", "工业大道", "创业路", "振兴路", "高新路", "芹江东路", "江滨路", "环城北路", "凤凰路", "园区路", "兴业路", "富民路",
    "科创路", "纬二路", "经一路", "解放路",
)

VILLAGES = (
    "上坑", "下湾", "高田", "大坪", "新塘", "里村", "外源", "溪口", "金村", "下淤", "龙门", "田坞", "坑口", "塘坞", "岭头", "横中", "茶坪",
    "霞田", "石门", "东坑", "北源", "仁宗坑", "龙坑", "高山",
)

SURNAMES = (
    ("王", 8), ("李", 6), ("张", 7), ("刘", 4), ("陈", 7), ("杨", 3), ("黄", 3), ("赵", 2), ("吴", 4), ("周", 4),
    ("徐", 5), ("孙", 2), ("朱", 3), ("胡", 3), ("郭", 2), ("何", 3), ("林", 3), ("罗", 2), ("郑", 4), ("余", 5),
    ("汪", 5), ("方", 5), ("叶", 4), ("程", 4), ("姜", 2), ("祝", 2), ("傅", 2), ("邱", 3), ("童", 2), ("鲁", 2),
    ("江", 2), ("吕", 2), ("金", 3), ("应", 2), ("俞", 2), ("洪", 2), ("蒋", 2), ("沈", 3), ("潘", 2), ("毛", 2),
)

GIVEN_MALE = "建国伟强军华明勇平辉东峰涛斌杰俊波磊鹏志文海林宏振晓立新永庆德荣成浩宇飞坚忠良仁"

GIVEN_FEMALE = "丽芳娟敏静燕红霞萍玲艳婷雪琳洁慧颖晶倩秀英梅兰月佳蓉欣悦"

MOBILE_PREFIXES = (
    "130", "133", "135", "136", "137", "138", "139", "150", "151", "152", "157", "158", "159", "177", "180",
    "182", "186", "187", "188", "189", "199",
)

# Universities and institutes: name, kind, real county-level district of the (main) campus, industry.
INSTITUTIONS: tuple[tuple[str, str, str, str], ...] = (
    ("浙江大学", "university", "330106", "8341"),
    ("浙江农林大学", "university", "330112", "8341"),
    ("浙江工业大学", "university", "330105", "8341"),
    ("中国计量大学", "university", "330114", "8341"),
    ("浙江理工大学", "university", "330114", "8341"),
    ("杭州电子科技大学", "university", "330114", "8341"),
    ("杭州师范大学", "university", "330110", "8341"),
    ("浙江中医药大学", "university", "330108", "8341"),
    ("浙江科技大学", "university", "330106", "8341"),
    ("浙江工商大学", "university", "330114", "8341"),
    ("衢州学院", "university", "330802", "8341"),
    ("浙江省农业科学院", "institute", "330102", "7330"),
    ("中国农业科学院茶叶研究所", "institute", "330106", "7330"),
    ("浙江省林业科学研究院", "institute", "330106", "7330"),
    ("中国林业科学研究院亚热带林业研究所", "institute", "330111", "7330"),
    ("浙江省淡水水产研究所", "institute", "330502", "7330"),
    ("衢州市农业林业科学研究院", "institute", "330802", "7330"),
)

# County departments of 开化县 (the ones that fill in the popularisation survey and more).
# "11": 机关; "13": 群团组织 (GB 32100 registration authority 1, organisation type 1 or 3).
DEPARTMENTS: tuple[tuple[str, str], ...] = (
    ("开化县发展和改革局", "11"),
    ("开化县财政局", "11"),
    ("开化县教育局", "11"),
    ("开化县农业农村局", "11"),
    ("开化县卫生健康局", "11"),
    ("开化县自然资源和规划局", "11"),
    ("开化县文化和广电旅游体育局", "11"),
    ("开化县人力资源和社会保障局", "11"),
    ("开化县民政局", "11"),
    ("开化县住房和城乡建设局", "11"),
    ("开化县交通运输局", "11"),
    ("开化县水利局", "11"),
    ("开化县商务局", "11"),
    ("开化县应急管理局", "11"),
    ("开化县市场监督管理局", "11"),
    ("开化县统计局", "11"),
    ("开化县司法局", "11"),
    ("开化县公安局", "11"),
    ("开化县审计局", "11"),
    ("开化县退役军人事务局", "11"),
    ("开化县医疗保障局", "11"),
    ("开化县综合行政执法局", "11"),
    ("衢州市生态环境局开化分局", "11"),
    ("开化县气象局", "11"),
    ("中共开化县委宣传部", "11"),
    ("开化县科学技术协会", "13"),
    ("共青团开化县委员会", "13"),
    ("开化县妇女联合会", "13"),
    ("开化县总工会", "13"),
    ("开化县残疾人联合会", "13"),
)

# Service providers (testing, R&D and IP services): name pattern, registration type, county, industry.
PROVIDERS: tuple[tuple[str, str, str, str], ...] = (
    ("开化县检验检测研究院", "12", KAIHUA, "7452"),
    ("衢州市质量技术监督检测中心", "12", "330802", "7452"),
    ("开化县产业创新服务中心", "12", KAIHUA, "7530"),
    ("浙江{brand}检测技术有限公司", "91", "330824115", "7452"),
    ("杭州{brand}知识产权代理有限公司", "91", "330106", "7520"),
    ("衢州{brand}科技咨询有限公司", "91", "330802", "7530"),
    ("开化县{brand}工业设计有限公司", "91", "330824217", "7491"),
)

# Expert fields: tags, specialty phrases, institutions (repeated = more likely), agricultural?
FIELDS: tuple[tuple[str, tuple[str, ...], tuple[str, ...], tuple[str, ...], bool], ...] = (
    ("茶叶", ("茶叶", "茶树栽培", "茶叶加工"),
     ("茶树栽培与病虫害绿色防控", "名优绿茶加工工艺与装备", "茶叶品质化学与标准化生产", "茶园生态管理与有机茶生产",
      "茶叶深加工与茶饮品开发"),
     ("中国农业科学院茶叶研究所", "中国农业科学院茶叶研究所", "中国农业科学院茶叶研究所", "浙江大学", "浙江农林大学",
      "浙江省农业科学院"), True),
    ("油茶", ("油茶", "经济林"),
     ("油茶良种选育与丰产栽培", "油茶低产林改造", "山茶油精深加工与副产物利用"),
     ("浙江农林大学", "中国林业科学研究院亚热带林业研究所", "浙江省林业科学研究院"), True),
    ("有机硅", ("有机硅", "新材料", "高分子材料"),
     ("有机硅单体合成与副产物综合利用", "硅橡胶与硅树脂改性", "有机硅功能材料", "高分子材料加工与改性"),
     ("杭州师范大学", "杭州师范大学", "杭州师范大学", "浙江大学", "浙江工业大学", "衢州学院"), False),
    ("电子材料", ("电子材料", "半导体", "新材料"),
     ("单晶硅生长与硅片加工", "半导体材料表征与检测", "电子化学品提纯", "功能薄膜材料"),
     ("浙江大学", "浙江大学", "中国计量大学", "杭州电子科技大学"), False),
    ("数控机床", ("数控机床", "智能制造", "机械设计"),
     ("数控机床结构设计与精度保持", "智能制造与生产线数字化", "机械制造工艺与装备", "工业机器人应用"),
     ("浙江工业大学", "浙江工业大学", "浙江理工大学", "衢州学院", "中国计量大学"), False),
    ("液压", ("液压", "流体传动", "机械设计"),
     ("液压元件设计与可靠性", "电液控制系统", "流体传动与控制"),
     ("浙江大学", "浙江工业大学", "衢州学院"), False),
    ("电线电缆", ("电线电缆", "电气工程", "绝缘材料"),
     ("电缆绝缘材料与老化评估", "电气设备检测与计量", "输配电设备可靠性"),
     ("中国计量大学", "浙江大学"), False),
    ("水产养殖", ("水产养殖", "清水鱼", "渔业"),
     ("山区流水养鱼（清水鱼）技术", "淡水鱼类病害防治", "稻渔综合种养"),
     ("浙江省淡水水产研究所", "浙江省淡水水产研究所", "浙江大学"), True),
    ("中药材", ("中药材", "道地药材"),
     ("黄精、覆盆子等道地药材栽培", "中药材质量标准与炮制", "林下中药材生态种植"),
     ("浙江中医药大学", "浙江中医药大学", "浙江农林大学", "浙江省农业科学院"), True),
    ("食用菌", ("食用菌", "农产品加工"),
     ("香菇、黑木耳等食用菌栽培", "食用菌菌种选育", "食用菌保鲜与精深加工"),
     ("浙江省农业科学院", "浙江省农业科学院", "浙江大学"), True),
    ("乡村旅游", ("乡村旅游", "民宿", "文旅融合"),
     ("乡村旅游规划与运营", "民宿经济与服务质量", "文旅融合与乡村品牌策划"),
     ("浙江农林大学", "浙江工商大学", "衢州学院"), True),
    ("竹木加工", ("竹木加工", "竹材利用", "林产品"),
     ("竹材高值化利用", "木竹材改性与人造板", "林产品加工装备"),
     ("浙江农林大学", "浙江农林大学", "中国林业科学研究院亚热带林业研究所"), True),
    ("造纸", ("造纸", "包装材料"),
     ("制浆造纸清洁生产", "特种纸与纸基功能材料", "绿色包装材料"),
     ("浙江科技大学", "浙江科技大学", "浙江理工大学"), False),
    ("生物医药", ("生物医药", "药物制剂"),
     ("药物制剂与工艺优化", "中药现代化与质量控制", "化学制药工艺"),
     ("浙江工业大学", "浙江大学", "浙江中医药大学"), False),
    ("食品科学", ("农产品加工", "食品科学"),
     ("农产品贮藏与加工", "食品安全检测", "功能食品开发"),
     ("浙江大学", "浙江工商大学", "浙江省农业科学院"), True),
    ("生态环保", ("生态环保", "水环境治理"),
     ("山区小流域水环境治理", "工业固废资源化利用", "有机硅废水处理"),
     ("浙江大学", "浙江工业大学"), False),
    ("数字化", ("数字化改造", "工业互联网"),
     ("中小企业数字化改造", "工业互联网平台与应用", "数据分析与智能决策"),
     ("杭州电子科技大学", "浙江工业大学", "中国计量大学"), False),
    ("蔬菜", ("蔬菜", "设施农业"),
     ("高山蔬菜栽培", "设施农业与水肥一体化", "蔬菜病虫害绿色防控"),
     ("浙江省农业科学院", "浙江大学", "衢州市农业林业科学研究院"), True),
    ("农业机械", ("农业机械", "茶叶机械"),
     ("山地农机与茶园机械化", "茶叶加工机械设计", "农产品加工装备"),
     ("浙江理工大学", "浙江农林大学", "中国农业科学院茶叶研究所"), True),
    ("林业", ("林业", "森林培育"),
     ("森林培育与生态修复", "林下经济", "国家公园生物多样性保护"),
     ("浙江农林大学", "浙江省林业科学研究院"), True),
)

# What a commissioner of a field serves in a township.
SERVED_INDUSTRY = {
    "水产养殖": "清水鱼养殖",
    "食品科学": "农产品加工",
    "蔬菜": "高山蔬菜",
    "农业机械": "茶园机械化",
    "林业": "林下经济",
    "数字化": "农村电商",
    "生态环保": "生态环境治理",
}

FIELD_FOR_INDUSTRY = {
    "15": "茶叶",
    "13": "食品科学",
    "14": "食品科学",
    "26": "有机硅",
    "39": "电子材料",
    "38": "电线电缆",
    "34": "数控机床",
    "35": "农业机械",
    "36": "数控机床",
    "20": "竹木加工",
    "21": "竹木加工",
    "22": "造纸",
    "27": "生物医药",
    "29": "有机硅",
    "33": "数控机床",
    "30": "生态环保",
}

UNIVERSITY_TITLES = (("教授", 32), ("副教授", 32), ("讲师", 8), ("研究员", 6), ("副研究员", 8), ("高级实验师", 4), ("高级工程师", 4))

INSTITUTE_TITLES = (("研究员", 34), ("副研究员", 34), ("助理研究员", 10), ("高级农艺师", 10), ("正高级工程师", 6), ("高级工程师", 6))

POSITIONS = (
    ("", 60), ("系主任", 5), ("研究所所长", 4), ("研究室主任", 6), ("课题组组长", 8), ("学科带头人", 6), ("副院长", 4), ("实验室副主任", 4),
)
# fmt: on


# --- deterministic generator --------------------------------------------------------------------------


def _weighted(rng: random.Random, pairs: Any) -> Any:
    items = list(pairs)
    return rng.choices([p[0] for p in items], weights=[p[1] for p in items])[0]


def _org_code_check(body8: str) -> str:
    """GB 11714-1997 check character of an 8-character organisation code body."""
    total = sum(int(ch, 36) * w for ch, w in zip(body8, (3, 7, 9, 10, 5, 8, 4, 2), strict=True))
    c = 11 - total % 11
    return {10: "X", 11: "0"}.get(c, str(c))


class _Gen:
    """State shared while generating: the random source and what has been used already."""

    def __init__(self, seed: int) -> None:
        self.rng = random.Random(seed)
        self.codes: set[str] = set()
        self.names: set[str] = set()
        self.brands: set[str] = set()
        self.people: set[str] = set()

    def digits(self, n: int) -> str:
        return "".join(self.rng.choice("0123456789") for _ in range(n))

    def credit_code(self, prefix2: str, division: str, established: dt.date | None = None) -> str:
        """'91' + division + GB 11714 organisation code (8 + check) + GB 32100 check character."""
        rng = self.rng
        while True:
            if prefix2 in ("11", "13"):
                body = "00" + self.digits(6)
            elif prefix2 == "12":
                body = "4" + self.digits(7)
            elif established is not None and established.year >= 2016:
                # Since the unified code (2015-10), new registrations get "MA…" codes.
                body = "MA2D" + "".join(rng.choice(ALPHABET) for _ in range(4))
            else:
                year = established.year if established else 2005
                # Organisation codes were handed out in blocks; the first digits roughly follow the era.
                heads: tuple[str, ...] = ("55", "56", "57", "58", "59", "06", "07", "08", "09")
                if year < 2000:
                    heads = ("14", "70", "71", "72")
                elif year < 2010:
                    heads = ("73", "74", "75", "76", "77", "79", "66", "68")
                body = rng.choice(heads) + self.digits(6)
            code = make_credit_code(prefix2 + division[:6] + body + _org_code_check(body))
            if code not in self.codes:
                self.codes.add(code)
                return code

    def brand(self, local: bool = False) -> str:
        rng = self.rng
        if local and rng.random() < 0.35:
            free = [b for b in LOCAL_BRANDS if b not in self.brands]
            if free:
                choice = rng.choice(free)
                self.brands.add(choice)
                return choice
        while True:
            first, second = rng.choice(NAME_FIRST), rng.choice(NAME_SECOND)
            if first != second and first + second not in self.brands:
                self.brands.add(first + second)
                return first + second

    def person_name(self, gender: str | None = None) -> tuple[str, str]:
        rng = self.rng
        gender = gender or ("female" if rng.random() < 0.35 else "male")
        pool = GIVEN_FEMALE if gender == "female" else GIVEN_MALE
        while True:
            surname = _weighted(rng, SURNAMES)
            given = rng.choice(pool) if rng.random() < 0.2 else rng.choice(pool) + rng.choice(pool)
            name = surname + given
            if name not in self.people and len(set(name)) == len(name):
                self.people.add(name)
                return name, gender

    def mobile(self) -> str:
        return self.rng.choice(MOBILE_PREFIXES) + self.digits(8)

    def landline(self) -> str:
        return "0570-66" + self.digits(5)

    def date_between(self, start: int, end: int) -> dt.date:
        first = dt.date(start, 1, 1).toordinal()
        last = dt.date(end, 12, 31).toordinal()
        return dt.date.fromordinal(self.rng.randint(first, last))


def _scaled(n: int, scale: float, minimum: int = 1) -> int:
    return max(minimum, round(n * scale))


def _company_name(g: _Gen, county_name: str, word: str, size: str, local: bool) -> str:
    rng = g.rng
    while True:
        brand = g.brand(local=local)
        if size == Organisation.Size.LARGE:
            name = f"浙江{brand}{word}股份有限公司"
        elif word == "旅行社":
            name = f"{county_name}{brand}旅行社有限公司"
        else:
            head = _weighted(
                rng, ((f"{county_name}", 55), (county_name.removesuffix("县"), 20), ("浙江", 25))
            )
            if head == "浙江" and size == Organisation.Size.MICRO:
                head = county_name
            name = f"{head}{brand}{word}有限公司"
        if name not in g.names:
            g.names.add(name)
            return name


def _enterprises(
    g: _Gen,
    *,
    n: int,
    county_name: str,
    townships: dict[str, tuple[str, int, int]],
    industries: tuple[tuple[str, int, tuple[str, ...], str], ...],
    n_above: int,
    n_new: int,
    n_dropped: int,
) -> list[OrgSpec]:
    rng = g.rng
    picks = [rng.choices(industries, weights=[i[1] for i in industries])[0] for _ in range(n)]
    manufacturing = [i for i, p in enumerate(picks) if "13" <= p[0][:2] <= "43"]
    chosen = sorted(rng.sample(manufacturing, min(len(manufacturing), n_above + n_dropped)))
    rng.shuffle(chosen)
    n_both = max(0, n_above - n_new)
    above: dict[int, tuple[tuple[int, bool], ...]] = {}
    y0, y1 = DEMO_YEARS
    for rank, idx in enumerate(chosen):
        if rank < n_both:
            above[idx] = ((y0, True), (y1, True))
        elif rank < n_above:
            above[idx] = ((y0, False), (y1, True))
        else:
            above[idx] = ((y0, True), (y1, False))
    codes = list(townships)
    specs = []
    for i, (code, _w, words, where) in enumerate(picks):
        if i in above:
            size = _weighted(
                rng,
                ((Organisation.Size.LARGE, 4), (Organisation.Size.MEDIUM, 26), (Organisation.Size.SMALL, 70)),
            )
            established = g.date_between(1993, 2019)
        else:
            size = _weighted(
                rng,
                ((Organisation.Size.MEDIUM, 3), (Organisation.Size.SMALL, 42), (Organisation.Size.MICRO, 55)),
            )
            established = g.date_between(1998, 2024)
        col = 1 if where == "industry" else 2
        township = rng.choices(codes, weights=[int(townships[c][col]) for c in codes])[0]
        tname = townships[township][0]
        if where == "industry":
            address = f"{tname}{rng.choice(ROADS)}{rng.randint(1, 399)}号"
        else:
            address = f"{tname}{rng.choice(VILLAGES)}村{rng.randint(1, 120)}号"
        contact, _gender = g.person_name()
        phone = (
            g.landline()
            if size in (Organisation.Size.LARGE, Organisation.Size.MEDIUM) and county_name == "开化县"
            else g.mobile()
        )
        specs.append(
            OrgSpec(
                name=_company_name(g, county_name, rng.choice(words), size, local=where == "rural"),
                kind=Organisation.Kind.ENTERPRISE,
                credit_code=g.credit_code("91", township, established),
                region=township,
                industry=code,
                size=size,
                established_on=established,
                address=address,
                contact_name=contact,
                contact_phone=phone,
                years=above.get(i, ()),
            )
        )
    return specs


def _expert(
    g: _Gen,
    key: str,
    county: str,
    orgs_by_name: dict[str, OrgSpec],
    field_row: Any,
    *,
    organisation: OrgSpec | None = None,
    title: str = "",
    townships: list[str] | None = None,
    commissioner: bool | None = None,
) -> PersonSpec:
    rng = g.rng
    fname, tags, phrases, institutions, agricultural = field_row
    if organisation is None:
        organisation = orgs_by_name[rng.choice(institutions)]
    if not title:
        pool = UNIVERSITY_TITLES if organisation.kind == Organisation.Kind.UNIVERSITY else INSTITUTE_TITLES
        title = _weighted(rng, pool)
    name, gender = g.person_name()
    chosen = rng.sample(phrases, min(len(phrases), rng.choice((1, 2, 2))))
    is_commissioner = rng.random() < (0.5 if agricultural else 0.1) if commissioner is None else commissioner
    text = "；".join(chosen) + "。"
    if is_commissioner and townships:
        text += f"担任科技特派员，服务开化县{rng.choice(townships)}{SERVED_INDUSTRY.get(fname, fname)}产业。"
    projects = rng.randint(1, 12)
    text += f"主持或参与省部级以上科研项目 {projects} 项。"
    extra = rng.sample(tags, min(len(tags), rng.randint(2, 3)))
    return PersonSpec(
        key=key,
        name=name,
        gender=gender,
        county=county,
        organisation=organisation.credit_code,
        title=title,
        position=_weighted(rng, POSITIONS)
        if organisation.kind != Organisation.Kind.ENTERPRISE
        else "技术总监",
        specialties=text,
        tags=tuple(sorted({fname, *extra})),
        is_expert=True,
        is_commissioner=is_commissioner,
        phone=g.mobile(),
        email=f"{key.replace(':', '')}@example.org" if rng.random() < 0.4 else "",
    )


DEV_ZONE_NAME = "开化经济开发区管理委员会"
COOPERATIVE_NAME = "开化县高田生态茶叶专业合作社"


def _zone_and_cooperative(g: _Gen) -> list[OrgSpec]:
    zone_at, coop_at = "330824115", "330824218"  # 华埠镇 (the industrial park), 大溪边乡 (tea villages)
    established = g.date_between(2016, 2021)
    g.names |= {DEV_ZONE_NAME, COOPERATIVE_NAME}
    return [
        OrgSpec(
            name=DEV_ZONE_NAME,
            kind=Organisation.Kind.DEVELOPMENT_ZONE,
            credit_code=g.credit_code("11", zone_at),
            region=zone_at,
            address="华埠镇华兴路1号",
            contact_name=g.person_name()[0],
            contact_phone=g.landline(),
        ),
        OrgSpec(
            name=COOPERATIVE_NAME,
            kind=Organisation.Kind.COOPERATIVE,
            credit_code=g.credit_code("93", coop_at, established),
            region=coop_at,
            industry="0164",
            established_on=established,
            address=f"大溪边乡{g.rng.choice(VILLAGES)}村{g.rng.randint(1, 120)}号",
            contact_name=g.person_name()[0],
            contact_phone=g.mobile(),
        ),
    ]


def demo_specs(*, seed: int = DEMO_SEED, scale: float = 1.0) -> DemoSpecs:
    """Every demo record as plain data. Pure: the same (seed, scale) always gives the same specs."""
    g = _Gen(seed)
    rng = g.rng
    orgs: list[OrgSpec] = []

    for name, kind, county, industry in INSTITUTIONS:
        orgs.append(
            OrgSpec(
                name=name,
                kind=kind,
                credit_code=g.credit_code("12", county),
                region=county,
                industry=industry,
                registered_by=KAIHUA,  # the demo county's partners and its experts' employers
            )
        )
        g.names.add(name)
    for name, prefix in DEPARTMENTS:
        orgs.append(
            OrgSpec(
                name=name,
                kind=Organisation.Kind.DEPARTMENT,
                credit_code=g.credit_code(prefix, KAIHUA),
                region=KAIHUA,
                address="开化县芹阳办事处",
                contact_name=g.person_name()[0],
                contact_phone=g.landline(),
            )
        )
        g.names.add(name)
    for pattern, prefix, region, industry in PROVIDERS:
        name = pattern.format(brand=g.brand()) if "{brand}" in pattern else pattern
        g.names.add(name)
        established = g.date_between(2008, 2022)
        orgs.append(
            OrgSpec(
                name=name,
                kind=Organisation.Kind.PROVIDER,
                credit_code=g.credit_code(prefix, region, established),
                region=region,
                industry=industry,
                established_on=established if prefix == "91" else None,
                contact_name=g.person_name()[0],
                contact_phone=g.mobile(),
            )
        )

    kaihua = _enterprises(
        g,
        n=_scaled(N_ENTERPRISES, scale, 10),
        county_name="开化县",
        townships=KAIHUA_TOWNSHIPS,
        industries=KAIHUA_INDUSTRIES,
        n_above=_scaled(N_ABOVE_SCALE, scale, 3),
        n_new=_scaled(N_NEW_ABOVE_SCALE, scale),
        n_dropped=_scaled(N_DROPPED_ABOVE_SCALE, scale),
    )
    changshan = _enterprises(
        g,
        n=_scaled(N_CHANGSHAN_ENTERPRISES, scale, 3),
        county_name="常山县",
        townships={c: (n, 3, 2) for c, n in CHANGSHAN_TOWNSHIPS.items()},
        industries=CHANGSHAN_INDUSTRIES,
        n_above=_scaled(N_CHANGSHAN_ENTERPRISES // 4, scale),
        n_new=0,
        n_dropped=0,
    )
    orgs += kaihua + changshan

    by_name = {o.name: o for o in orgs}
    fields = {f[0]: f for f in FIELDS}
    township_names = [t[0] for t in KAIHUA_TOWNSHIPS.values()]
    people: list[PersonSpec] = []
    n_experts = _scaled(N_EXPERTS, scale, 6)
    # ~10 % engineers of local enterprises, ~8 % county technicians, the rest from universities/institutes.
    n_engineers = max(1, n_experts // 10)
    n_county = max(1, n_experts * 8 // 100)
    agriculture = by_name["开化县农业农村局"]
    for i in range(n_experts):
        key = f"expert:{i + 1:03d}"
        if i < n_experts - n_engineers - n_county:
            row = rng.choices(FIELDS, weights=[3 if f[0] in ("茶叶", "有机硅") else 1 for f in FIELDS])[0]
            people.append(_expert(g, key, KAIHUA, by_name, row, townships=township_names))
        elif i < n_experts - n_county:
            candidates = [
                o for o in kaihua if o.years and o.industry and o.industry[:2] in FIELD_FOR_INDUSTRY
            ]
            org = rng.choice(candidates or kaihua)
            row = fields[FIELD_FOR_INDUSTRY.get((org.industry or "")[:2], "数字化")]
            title = _weighted(rng, (("高级工程师", 6), ("正高级工程师", 2), ("工程师", 2)))
            people.append(_expert(g, key, KAIHUA, by_name, row, organisation=org, title=title))
        else:
            row = fields[rng.choice(("茶叶", "油茶", "水产养殖", "中药材", "食用菌", "蔬菜"))]
            title = _weighted(
                rng, (("高级农艺师", 5), ("农业技术推广研究员", 2), ("农艺师", 2), ("高级工程师", 1))
            )
            spec = _expert(
                g,
                key,
                KAIHUA,
                by_name,
                row,
                organisation=agriculture,
                title=title,
                townships=township_names,
                commissioner=True,
            )
            people.append(replace(spec, position="农技推广"))
    for i in range(_scaled(N_CHANGSHAN_EXPERTS, scale)):
        row = fields[rng.choice(("油茶", "食品科学", "数控机床", "生态环保"))]
        people.append(_expert(g, f"expert-cs:{i + 1:03d}", CHANGSHAN, by_name, row))

    # Contact persons of a handful of enterprises: the organisation's own contact.
    with_contacts = [o for o in kaihua if o.years][: _scaled(N_CONTACTS, scale, 2)]
    for i, org in enumerate(with_contacts):
        people.append(
            PersonSpec(
                key=f"contact:{i + 1:03d}",
                name=org.contact_name,
                gender="female" if org.contact_name[-1] in GIVEN_FEMALE else "male",
                county=KAIHUA,
                organisation=org.credit_code,
                position=rng.choice(("办公室主任", "综合部经理", "研发部经理", "财务负责人", "总经理助理")),
                is_contact=True,
                phone=org.contact_phone if not org.contact_phone.startswith("0") else g.mobile(),
            )
        )

    enterprise = next((o for o in with_contacts if o.industry in ("3985", "2614", "2651")), with_contacts[0])
    kinds = {o.credit_code: o.kind for o in orgs}
    academic = (Organisation.Kind.UNIVERSITY, Organisation.Kind.INSTITUTE)
    kh_experts = [
        p
        for p in people
        if p.is_expert and p.county == KAIHUA and kinds.get(p.organisation or "") in academic
    ]
    expert = next(p for p in kh_experts if not p.is_commissioner)
    commissioner = next((p for p in kh_experts if p.is_commissioner and "茶叶" in p.tags), None) or next(
        p for p in people if p.is_commissioner and p.county == KAIHUA
    )
    contact = next(p for p in people if p.is_contact and p.organisation == enterprise.credit_code)
    accounts = (
        AccountSpec("kh_staff", Role.STAFF, "方丽华", "开化县", region=KAIHUA, phone=g.mobile()),
        AccountSpec("kh_leader", Role.LEADER, "余建国", "开化县", region=KAIHUA, phone=g.mobile()),
        AccountSpec(
            "kh_qiye",
            Role.ENTERPRISE,
            contact.name,
            enterprise.name,
            organisation=enterprise.credit_code,
            phone=contact.phone,
        ),
        AccountSpec(
            "kh_expert",
            Role.EXPERT,
            expert.name,
            f"{expert.name}（专家）",
            person=expert.key,
            phone=expert.phone,
        ),
        AccountSpec(
            "kh_tepai",
            Role.COMMISSIONER,
            commissioner.name,
            f"{commissioner.name}（科技特派员）",
            person=commissioner.key,
            phone=commissioner.phone,
        ),
        AccountSpec(
            "kh_bumen", Role.DEPARTMENT, "郑晓红", "开化县农业农村局", organisation=agriculture.credit_code
        ),
        AccountSpec("qz_city", Role.CITY, "徐志强", "衢州市", region=QUZHOU),
        AccountSpec("zj_province", Role.PROVINCE, "陈立明", "浙江省", region=ZHEJIANG),
        AccountSpec("sysadmin", Role.ADMIN, "系统管理员", "账号：创建、停用、重置密码（/sysadmin/）"),
        # Two security administrators: a role grant needs one to ask and the other to approve.
        AccountSpec("security1", Role.SECURITY, "安全管理员甲", "角色授权：申请与审批（/security/）"),
        AccountSpec("security2", Role.SECURITY, "安全管理员乙", "角色授权：申请与审批（/security/）"),
        AccountSpec("auditor", Role.AUDITOR, "审计员", "审计日志"),
        AccountSpec("cs_staff", Role.STAFF, "樊丽萍", "常山县", region=CHANGSHAN),
    )
    pending_org = next(o for o in kaihua if not o.years and o.credit_code != enterprise.credit_code)
    signup = SignupSpec(
        username="kh_pending",
        full_name=pending_org.contact_name,
        phone=pending_org.contact_phone if not pending_org.contact_phone.startswith("0") else g.mobile(),
        email="signup@example.org",
        credit_code=pending_org.credit_code,
        organisation_name=pending_org.name,
        region=pending_org.region[:6],  # sign-ups name their county
    )
    # Last, so that every record above keeps the codes and names the seed gave it before these existed: the
    # development-zone committee (it applies to platform programmes such as 产业创新服务综合体) and a farmers'
    # cooperative (a plan project's applicant beside the enterprises).
    orgs += _zone_and_cooperative(g)
    return DemoSpecs(
        seed=seed,
        scale=scale,
        organisations=tuple(orgs),
        people=tuple(people),
        accounts=accounts,
        signup=signup,
    )


# --- the stream apps' demos ------------------------------------------------------------------------------


@dataclass(frozen=True)
class DemoBuilder:
    """A stream app's part of the demo: `build(specs)` writes its records on top of core's (through the
    app's services or registers) and returns what it created; `counts()` says what the demo holds of it,
    from the database. `after` names the apps whose demo it builds on (they are built first)."""

    app: str
    build: Callable[[DemoSpecs], Counter]
    counts: Callable[[], dict[str, int]]
    after: tuple[str, ...] = ()


DEMO_BUILDERS: dict[str, DemoBuilder] = {}


def register_demo(
    app: str,
    *,
    build: Callable[[DemoSpecs], Counter],
    counts: Callable[[], dict[str, int]],
    after: tuple[str, ...] = (),
) -> None:
    """Called from the app's ready(); core's demo never imports a stream app."""
    DEMO_BUILDERS[app] = DemoBuilder(app, build, counts, after)


# What one stream's demo plan needs to know of another's (e.g. which demo enterprises the programmes demo
# makes 高新技术企业 in which years, which the R&D demo's statistics agree with): a named question an app
# answers here, so the two plans stay consistent and pure without one app importing the other.
DEMO_FACTS: dict[str, Callable[..., Any]] = {}


def register_demo_fact(name: str, answer: Callable[..., Any]) -> None:
    DEMO_FACTS[name] = answer


def demo_fact(name: str, *args: Any, default: Any = None, **kwargs: Any) -> Any:
    """The registered answer to `name`, or `default` when no app answers it (that app not installed)."""
    answer = DEMO_FACTS.get(name)
    return answer(*args, **kwargs) if answer is not None else default


def demo_builders() -> list[DemoBuilder]:
    """The registered builders in an order where each comes after those it builds on (otherwise in the
    order the apps registered, i.e. INSTALLED_APPS)."""
    ordered: list[DemoBuilder] = []
    placed: set[str] = set()
    pending = list(DEMO_BUILDERS.values())
    while pending:
        ready = [b for b in pending if all(a in placed or a not in DEMO_BUILDERS for a in b.after)]
        if not ready:
            raise RuntimeError(f"demo builders wait on each other: {[b.app for b in pending]}")
        ordered.append(ready[0])
        placed.add(ready[0].app)
        pending.remove(ready[0])
    return ordered


# --- writing it ---------------------------------------------------------------------------------------


def demo_counts() -> dict[str, int]:
    """What the demo consists of, counted from the database (so a second run reports the same)."""
    streams: dict[str, int] = {}
    for builder in demo_builders():
        streams.update(builder.counts())

    ent = Organisation.objects.filter(kind=Organisation.Kind.ENTERPRISE)
    y0, y1 = DEMO_YEARS
    above = OrganisationYear.objects.filter(local_in(KAIHUA, "organisation"), is_above_scale=True)
    kh_people = Person.objects.filter(county__code=KAIHUA)
    return {
        "开化县企业": ent.filter(local_in(KAIHUA)).count(),
        f"其中规上工业企业（{y1}年）": above.filter(year=y1).count(),
        f"其中规上工业企业（{y0}年）": above.filter(year=y0).count(),
        "开化县专家": kh_people.filter(is_expert=True).count(),
        "其中科技特派员": kh_people.filter(is_commissioner=True).count(),
        "企业联系人": kh_people.filter(is_contact=True).count(),
        "开化县县级部门": Organisation.objects.filter(
            kind=Organisation.Kind.DEPARTMENT, region__code__startswith=KAIHUA
        ).count(),
        "高校和科研院所": Organisation.objects.filter(
            kind__in=[Organisation.Kind.UNIVERSITY, Organisation.Kind.INSTITUTE]
        ).count(),
        "服务机构": Organisation.objects.filter(kind=Organisation.Kind.PROVIDER).count(),
        "开发区管委会": Organisation.objects.filter(
            local_in(KAIHUA), kind=Organisation.Kind.DEVELOPMENT_ZONE
        ).count(),
        "农民专业合作社": Organisation.objects.filter(
            local_in(KAIHUA), kind=Organisation.Kind.COOPERATIVE
        ).count(),
        "常山县企业": ent.filter(local_in(CHANGSHAN)).count(),
        **streams,
        "账号": User.objects.count(),
        "待激活的企业注册": User.objects.filter(is_active=False, roles__role=Role.ENTERPRISE)
        .distinct()
        .count(),
        "审计事件": AuditEvent.objects.count(),
    }


def _logins(specs: DemoSpecs) -> tuple[list[tuple[str, str, str]], dict[str, str]]:
    logins = [(str(Role(a.role).label), a.username, DEMO_PASSWORD) for a in specs.accounts]
    return logins, {a.username: a.scope for a in specs.accounts}


def build_demo(*, seed: int = DEMO_SEED, scale: float = 1.0, force: bool = False) -> DemoSummary:
    """Load the demo county through the services. A no-op when the demo is loaded already (the
    "demo_loaded" flag), unless `force`, which fills in whatever demo record is missing (records are
    matched by credit code, person name and username, so nothing is duplicated)."""
    started = time.perf_counter()
    specs = demo_specs(seed=seed, scale=scale)
    logins, scopes = _logins(specs)
    flag = SystemFlag.objects.filter(key=DEMO_FLAG).first()
    if flag is not None and not force:
        return DemoSummary(
            True,
            demo_counts(),
            logins,
            scopes,
            specs.signup.username,
            seconds=time.perf_counter() - started,
            flag_value=flag.value,
        )
    if not Region.objects.filter(code=KAIHUA).exists():
        raise RuntimeError("未找到开化县（330824）的区划数据：请先运行 python manage.py migrate。")

    created = contextvars.copy_context().run(_write_as_demo, specs)
    flag = SystemFlag.objects.get(key=DEMO_FLAG)
    return DemoSummary(
        False,
        demo_counts(),
        logins,
        scopes,
        specs.signup.username,
        created=dict(created),
        seconds=time.perf_counter() - started,
        flag_value=flag.value,
    )


def _write_as_demo(specs: DemoSpecs) -> Counter:
    """Run in a copy of the context, so the actor label does not outlive the build."""
    audit.set_actor_label(DEMO_ACTOR)
    return _write(specs)


@transaction.atomic
def _write(specs: DemoSpecs) -> Counter:
    created: Counter = Counter()
    region_codes = {o.region for o in specs.organisations} | {p.county for p in specs.people}
    region_codes |= {a.region for a in specs.accounts if a.region} | {specs.signup.region}
    regions = Region.objects.in_bulk(region_codes)
    missing = region_codes - set(regions)
    if missing:
        raise RuntimeError(f"区划代码不存在：{'、'.join(sorted(missing))}")
    industries = IndustryClass.objects.in_bulk({o.industry for o in specs.organisations if o.industry})

    # Organisations, matched by credit code.
    existing = Organisation.objects.in_bulk(
        [o.credit_code for o in specs.organisations], field_name="credit_code"
    )
    orgs: dict[str, Organisation] = {}
    for o in specs.organisations:
        org = existing.get(o.credit_code)
        if org is None:
            data: dict[str, Any] = {
                "name": o.name,
                "kind": o.kind,
                "credit_code": o.credit_code,
                "region": regions[o.region],
                **({"county": regions[o.registered_by]} if o.registered_by else {}),
                "industry": industries[o.industry] if o.industry else None,
                "size": o.size,
                "established_on": o.established_on,
                "address": o.address,
                "contact_name": o.contact_name,
                "contact_phone": o.contact_phone,
                "contact_email": o.contact_email,
            }
            org = services.organisation_create(by=None, data=data)
            created["organisation"] += 1
        orgs[o.credit_code] = org
        if o.years:
            have = set(OrganisationYear.objects.filter(organisation=org).values_list("year", flat=True))
            for year, above in o.years:
                if year not in have:
                    services.organisation_year_set(organisation=org, year=year, is_above_scale=above, by=None)
                    created["organisation_year"] += 1

    # People, matched by county and name (demo names are unique).
    existing_people = {
        (p.county_id, p.name): p for p in Person.objects.filter(county_id__in=[KAIHUA, CHANGSHAN])
    }
    people: dict[str, Person] = {}
    for p in specs.people:
        person = existing_people.get((p.county, p.name))
        if person is None:
            person = services.person_create(
                by=None,
                data={
                    "name": p.name,
                    "gender": p.gender,
                    "county": regions[p.county],
                    "organisation": orgs[p.organisation] if p.organisation else None,
                    "organisation_name": p.organisation_name,
                    "title": p.title,
                    "position": p.position,
                    "specialties": p.specialties,
                    "is_expert": p.is_expert,
                    "is_commissioner": p.is_commissioner,
                    "is_contact": p.is_contact,
                    "phone": p.phone,
                    "email": p.email,
                    "tags": list(p.tags),
                },
            )
            created["person"] += 1
        people[p.key] = person

    # Accounts, matched by username.
    taken = set(
        User.objects.filter(username__in=[a.username for a in specs.accounts]).values_list(
            "username", flat=True
        )
    )
    for a in specs.accounts:
        if a.username in taken:
            continue
        role: dict[str, Any] = {"role": a.role}
        if a.region:
            role["region"] = regions.get(a.region) or Region.objects.get(code=a.region)
        if a.organisation:
            role["organisation"] = orgs[a.organisation]
        if a.person:
            role["person"] = people[a.person]
        services.user_create(
            by=None,
            username=a.username,
            password=DEMO_PASSWORD,
            full_name=a.full_name,
            phone=a.phone,
            roles=[role],  # the server-side bootstrap path (by=None), audited as the demo generator
            must_change_password=False,  # the published demo logins; production refuses the demo
        )
        created["user"] += 1

    s = specs.signup
    if not User.objects.filter(username=s.username).exists():
        services.enterprise_signup(
            username=s.username,
            password=DEMO_PASSWORD,
            full_name=s.full_name,
            phone=s.phone,
            email=s.email,
            credit_code=s.credit_code,
            organisation_name=s.organisation_name,
            region=regions[s.region],
        )
        created["user"] += 1

    for builder in demo_builders():  # each stream app's demo data (programmes, then R&D, …)
        created.update(builder.build(specs))

    value = (
        f"seed={specs.seed} scale={specs.scale:g} at={dt.datetime.now(dt.UTC).isoformat(timespec='seconds')}"
    )
    flag, made = SystemFlag.objects.update_or_create(key=DEMO_FLAG, defaults={"value": value})
    audit.record(
        "create" if made else "update",
        obj=flag,
        after={"key": flag.key, "value": flag.value},
        detail="载入演示数据",
    )
    return created
