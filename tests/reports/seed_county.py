"""开化县's 2020 records, entered the way a bureau entering its history would: the Excel registers (organisations,
the 规上 roster, policies, programmes, calls, applications, upper-level results, disbursements, the 补录 of
paid claims, enterprise statistics, county economy) and, where no register exists for a record kind, the
pages (statistical returns, published figures, targets, team checks). Nothing is written to the models
directly except the reference regions and the two staff accounts, as the rest of the suite does.

The numbers are those of the bureau's own 2020 summary (/work/shared/seed/county-summary-2020.txt,
sections 一, 二, 三, 四 and 六), each made up as the comments say. Beside them the dataset holds records
that must not count: a withdrawn application, 常山县's records, 2019 and 2021 records, a document the bureau
only implements, enterprises off the 2020 roster and a university outside the county."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.test import Client
from django.urls import reverse

from kechuang.core.models import Region, Role
from kechuang.imports import services as imports
from kechuang.imports.registers import REGISTERS
from kechuang.imports.report import ImportRejected
from tests.conftest import make_user
from tests.factories import credit_code_for
from tests.imports.conftest import xlsx_bytes

A, B = "330824", "330822"  # 开化县, 常山县 (both in 衢州市 330800, 浙江省 330000)
YEAR = 2020

# --- named organisations (the seed's enterprises), then a pool of plain ones ----------------------------------

QIYI = "浙江七一电器有限公司"
HUAKANG = "浙江华康药业股份有限公司"
RUIDA = "浙江瑞达塑胶有限公司"
ZHENGRONG = "开化县正荣机械有限公司"
XIANGSHENG = "浙江祥盛新材料有限公司"
HAIYU = "浙江海宇润滑油有限公司"
HAINA = "浙江海纳半导体有限公司"
HECHENG = "浙江开化合成材料有限公司"
NAMED = [QIYI, HUAKANG, RUIDA, ZHENGRONG, XIANGSHENG, HAIYU, HAINA, HECHENG]
ZONE = "开化县经济开发区管理委员会"  # applies for the 产业创新服务综合体
ZJU = "浙江大学"  # a partner outside the county (杭州市西湖区)
OTHER_B = "常山县对照材料有限公司"  # 常山县's enterprise: its records never count for 开化县
POOL = 80  # plain enterprises 开化县样本企业00…79有限公司


def pool(i: int) -> str:
    return f"开化县样本企业{i:02d}有限公司"


ALL_A = NAMED + [pool(i) for i in range(POOL)]
CODES = {name: credit_code_for(700_000 + n, county=A) for n, name in enumerate(ALL_A + [ZONE])}
CODES[OTHER_B] = credit_code_for(710_000, county=B)
CODES[ZJU] = credit_code_for(720_000, county="330106", prefix="12")

# The 2020 statistics roster (规上工业企业名录): 71 enterprises = the 8 named + 开化县样本企业00…62.
ROSTER_2020 = NAMED + [pool(i) for i in range(63)]
OFF_ROSTER = pool(70)  # reports R&D in 2020 but is not on the 2020 roster: off the caliber

# --- section 一: policies and the claims paid in 2020 ------------------------------------------------------------

POLICY_2019 = "开政发〔2019〕30号"  # "工业四十条": the claims of 2020 rest on it
POLICIES_2020 = [  # (文号, title, issuing bodies, date, role) — the four the bureau took part in making
    ("县委〔2020〕17号", "关于加快创新驱动推进生态工业高质量发展的实施意见", "中共开化县委", "2020-04-20", "参与起草"),
    ("开政办发〔2020〕21号", "开化县全社会研究与试验发展经费支出提升三年行动方案（2020-2022年）",
     "开化县人民政府办公室", "2020-05-18", "牵头起草"),
    ("开经信〔2020〕80号", "关于印发开化县科技创新券实施办法", "开化县经信科技局", "2020-07-06", "牵头起草"),
    ("开经信〔2020〕99号", "开化县科技计划项目与经费管理办法若干补充", "开化县经信科技局", "2020-09-01", "牵头起草"),
]  # fmt: skip
IMPLEMENTED_2020 = ("浙科发〔2020〕12号", "浙江省科技厅关于做好2020年度高新技术企业认定工作的通知",
                    "浙江省科学技术厅", "2020-03-02", "贯彻执行")  # fmt: skip
POLICY_2021 = ("开经信〔2021〕8号", "开化县2021年科技工作要点", "开化县经信科技局", "2021-02-01", "牵头起草")
POLICY_B_2020 = ("常经信〔2020〕5号", "常山县科技创新若干政策", "常山县经信局", "2020-03-01", "牵头起草")

CLAIMS = "2020年度“工业四十条”科技政策兑现"
RULES = [  # (奖励事项, achievement programme, amount per item in 元)
    ("首次认定高新技术企业", "国家高新技术企业认定", 200_000),
    ("认定省科技型中小企业", "浙江省科技型中小企业认定", 20_000),
    ("省级工业新产品（国内领先）", "省新产品试制计划", 30_000),
    ("省级工业新产品（省内先进）", "省新产品试制计划", 20_000),
]
# 41 items of 38 enterprises (the seed's "近40家企业项目(其中高企5家、省科技型企业15家、省新产品21个)"):
#   高企 5 × 200,000 = 1,000,000; 省科技型 15 × 20,000 = 300,000; 省新产品 11 × 30,000 + 10 × 20,000 = 530,000;
#   total 1,830,000 元 = 183万元. Enterprises 00–37 claim one item each (5 + 15 + 11 + 7 = 38 rows); 00, 01 and
#   02 (three of the 高企) also claim a 省内先进 new product: 38 + 3 = 41 items, 10 省内先进 in all.
CLAIM_ITEMS: list[tuple[str, str, int]] = []
for _i in range(38):
    _item = 0 if _i < 5 else 1 if _i < 20 else 2 if _i < 31 else 3
    CLAIM_ITEMS.append((pool(_i), RULES[_item][0], RULES[_item][2]))
for _i in range(3):
    CLAIM_ITEMS.append((pool(_i), RULES[3][0], RULES[3][2]))
CLAIM_ENTERPRISES, CLAIM_ITEM_COUNT, CLAIM_TOTAL = 38, 41, Decimal(1_830_000)

# --- section 二: qualifications ----------------------------------------------------------------------------------

HTE = "国家高新技术企业认定"
PSME = "浙江省科技型中小企业认定"
LAB = "省重点实验室"
PCENTRE = "省高新技术企业研发中心"
CCENTRE = "市级企业研发中心"
LEADER = "省创新型领军企业"
NSME = "国家科技型中小企业评价"
COMPLEX = "省级产业创新服务综合体"
COMPLEX_TITLE = "浙江省绿色硅材料产业创新服务综合体"
# 2020 applications: 高企 9 (样本企业40–48), 省科技型中小企业 16 (样本企业10–25), 省重点实验室 华康,
# 省高企研发中心 瑞达, 市研发中心 正荣、祥盛、海宇; 国家科技型中小企业 30 evaluated (样本企业30–59), 13 registered
# (30–42). Not counted: 样本企业49's 高企 application, withdrawn; 样本企业50's 2021 高企 application.
HTE_APPLICANTS = [pool(i) for i in range(40, 49)]
PSME_APPLICANTS = [pool(i) for i in range(10, 26)]
NSME_APPLICANTS = [pool(i) for i in range(30, 60)]
NSME_REGISTERED = NSME_APPLICANTS[:13]

# --- section 三: plan projects -----------------------------------------------------------------------------------

NATIONAL = "科技助力经济2020重点专项"
KEY_RD = "省重点研发计划"
NEW_PRODUCT = "省新产品试制计划"
CITY_COMPETITIVE = "市级科技计划竞争性项目"
CITY_GUIDING = "市级科技计划指导性项目"
QIYI_PROJECT = "新型功能高分子复合材料体系研发及产业化"
HECHENG_PROJECT = "耐高低温高性能苯甲基硅油研制及产业化"
# 43 applications, 30 approved: 国家 1/1 (七一, 50万元); 省重点研发 3/1 (合成材料); 省新产品试制 20/15;
# 市竞争性 8/3 (50 + 40 + 30 = 120万元); 市指导性 11/10. 1 + 3 + 20 + 8 + 11 = 43; 1 + 1 + 15 + 3 + 10 = 30.
# Not counted: a withdrawn 市指导性 application, a 2019 省新产品 approval and 常山县's approval.
COMPETITIVE_GRANTS = [500_000, 400_000, 300_000]

# --- section 六: talent and teams ----------------------------------------------------------------------------------

TALENT = "浙江省“万人计划”"
TALENT_CATEGORY = "科技创新领军人才"
NOMINEE = "陈海峰"  # of 浙江海纳半导体有限公司
PROVINCE_TEAM = "省领军型创新团队"
CITY_TEAM = "市重点创新团队"
COUNTY_TEAM = "县重点创新团队"
HUAKANG_TEAM = "农业秸秆废弃物生物质燃料关键技术开发及产业化创新团队"
MATCHING = Decimal(4_250_000)  # 华康's county matching funds, paid 2020-06-18
# 10 county key teams (样本企业60–69) × 50,000 + 1 city key team (祥盛) × 150,000 = 650,000 元 = 65万元,
# paid after their 2020 实地考核. Not counted: a 2019 site check, a 2021 payment.
TEAM_FUNDS = Decimal(650_000)

# --- section 四: R&D ---------------------------------------------------------------------------------------------------

# Enterprise R&D 1-9月 on the 2020 roster: 10 enterprises (样本企业00–09) × 3 quarters × 4,200,000 = 126,000,000
# 元 = 1.26亿元. The same 10 a year before: 89,171,975 元 (29 rows of 2,973,000 and one of 2,954,975), so
# 126,000,000 / 89,171,975 − 1 = 41.2999…% → 41.3%. Off the caliber: OFF_ROSTER's 5,000,000 in 2020 Q1.
RD_2020_EACH = 4_200_000
RD_2019_EACH, RD_2019_LAST = 2_973_000, 2_954_975
RD_YTD, RD_YTD_BEFORE = Decimal(126_000_000), Decimal(89_171_975)
RETURN_TYPES = [  # (name, frequency, rounds (year, number) to open; all 2020-due ones are filed)
    ("高新技术企业火炬统计年报", "year", [(2019, 0)]),
    ("高新技术企业统计年报", "year", [(2019, 0)]),
    ("高新技术企业统计季报", "quarter", [(2020, 1), (2020, 2), (2020, 3), (2020, 4)]),  # Q4 due in 2021
    ("省科技型企业年报", "year", [(2019, 0)]),
    ("科学研究与技术开发机构统计年报", "year", [(2019, 0)]),
    ("地方财政科学技术支出调查", "year", [(2019, 0)]),
]
MONITORING = "《2019年度浙江省各县（市、区）科技进步统计监测评价报告》"


@dataclass
class Seed:
    staff_a: Any
    staff_b: Any
    county: Region
    results: dict[str, Any] = field(default_factory=dict)


def run(register: str, header: list[str], rows: list[list[Any]], by: Any) -> Any:
    data = xlsx_bytes(header, rows, sheet=REGISTERS[register].sheet_name)
    try:
        return imports.import_file(register=register, file=data, by=by, filename=f"{register}.xlsx")
    except ImportRejected as exc:
        raise AssertionError(
            f"{register}: " + "；".join(str(e) for e in exc.errors[:8]) or exc.message
        ) from None


def post(client: Client, url: str, data: dict[str, Any]) -> None:
    response = client.post(url, data)
    if response.status_code != 302:
        form = response.context.get("form") if response.context else None
        raise AssertionError(f"POST {url} {data}: {response.status_code} {getattr(form, 'errors', '')}")


# --- the builder ---------------------------------------------------------------------------------------------------------


ORG_HEADER = ["名称", "统一社会信用代码", "类型", "所在地", "行业代码", "规模", "登记县"]
POLICY_HEADER = ["所属县", "文号", "文件标题", "发文机关", "成文日期", "本局角色", "奖励事项", "条款", "认定成果",
                 "成果年度", "每项奖励（元）", "每家上限（元）"]  # fmt: skip
PROGRAMME_HEADER = ["所属县", "名称", "层级", "类型", "结果形式", "类别", "主管部门", "政策依据（文号）", "有效期（年）",
                    "申报人为个人", "项目性质", "申报单位类型", "颁发证书"]  # fmt: skip  # fmt: skip
CALL_HEADER = ["所属县", "项目类别", "批次", "年度", "开始申报", "申报截止"]
APP_HEADER = ["统一社会信用代码", "人选姓名", "人选手机", "项目类别", "批次", "项目名称", "状态", "办理说明"]
RESULT_HEADER = ["统一社会信用代码", "人选姓名", "人选手机", "项目类别", "批次", "项目名称", "结果", "批准日期",
                 "批准文件", "补助金额（元）", "县配套资金（元）", "证书编号", "入库登记编号"]  # fmt: skip
PAY_HEADER = ["统一社会信用代码", "项目类别", "批次", "项目名称", "金额（元）", "资金来源", "预算年度", "拨付日期", "凭证号",
              "配套资金"]  # fmt: skip
CLAIM_HEADER = ["统一社会信用代码", "项目类别", "年度", "奖励事项", "核定金额（元）", "核定文号", "核定日期",
                "兑现金额（元）", "兑现日期"]  # fmt: skip


def call_name(year: int) -> str:
    return f"{year}年度"


def build() -> Seed:
    county = Region.objects.get(code=A)
    staff_a = make_user("seed_staff_a", role=Role.STAFF, region=county)
    staff_b = make_user("seed_staff_b", role=Role.STAFF, region=Region.objects.get(code=B))
    seed = Seed(staff_a, staff_b, county)
    _organisations(seed)
    _policies_and_programmes(seed)
    _claims(seed)
    _qualifications(seed)
    _projects(seed)
    _talent(seed)
    _rnd_registers(seed)
    _rnd_pages(seed)
    return seed


def _organisations(seed: Seed) -> None:
    rows = [[name, CODES[name], "企业", A, "2614", "中型", None] for name in ALL_A]
    rows.append([ZONE, CODES[ZONE], "开发区管委会", A, None, None, None])
    run("organisations", ORG_HEADER, rows, seed.staff_a)
    run(
        "organisations",
        ORG_HEADER,
        [[OTHER_B, CODES[OTHER_B], "企业", B, "2614", "中型", None]],
        seed.staff_b,
    )
    # A partner outside the county: registered, never one of the county's enterprises.
    run("organisations", ORG_HEADER, [[ZJU, CODES[ZJU], "高校", "330106", None, None, A]],
            seed.staff_a)  # fmt: skip
    roster = [[CODES[n], 2020, "是"] for n in ROSTER_2020] + [[CODES[OFF_ROSTER], 2020, "否"]]
    roster += [[CODES[n], 2019, "是"] for n in ROSTER_2020[:60]]  # the 2019 roster was shorter
    run("organisation_years", ["统一社会信用代码", "年度", "是否规上"], roster, seed.staff_a)


def _policies_and_programmes(seed: Seed) -> None:
    def doc(number: str, title: str, bodies: str, day: str, role: str, county: str = A) -> list[Any]:
        return [county, number, title, bodies, day, role, None, None, None, None, None, None]

    run("policies", POLICY_HEADER, [doc(*p) for p in POLICIES_2020] + [doc(*IMPLEMENTED_2020), doc(*POLICY_2021)],
        seed.staff_a)  # fmt: skip
    run("policies", POLICY_HEADER, [doc(*POLICY_B_2020, county=B)], seed.staff_b)

    def prog(name, level, kind, form, category, issuer="浙江省科学技术厅", policy=None, years=None, people="否",
             nature=None, applicants=None, certificate=None):  # fmt: skip
        return [
            A,
            name,
            level,
            kind,
            form,
            category,
            issuer,
            policy,
            years,
            people,
            nature,
            applicants,
            certificate,
        ]

    programmes = [
        prog(HTE, "国家级", "资质认定", "资质（有效期）", "高新技术企业", years=3),
        prog(PSME, "省级", "资质认定", "资质（有效期）", "省科技型中小企业", years=3),
        prog(LAB, "省级", "资质认定", "资质（有效期）", "省重点实验室", years=3, certificate="否"),
        prog(PCENTRE, "省级", "资质认定", "资质（有效期）", "省高新技术企业研发中心", years=3, certificate="否"),
        prog(CCENTRE, "市级", "资质认定", "资质（有效期）", "市级企业研发中心", issuer="衢州市科学技术局", years=3, certificate="否"),
        prog(LEADER, "省级", "资质认定", "资质（有效期）", "省创新型领军企业", years=3, certificate="否"),
        prog(NSME, "国家级", "资质认定", "入库登记（当年有效）", "国家科技型中小企业"),
        prog(COMPLEX, "省级", "资质认定", "资质（有效期）", "省级产业创新服务综合体", years=3,
             applicants="县级部门、开发区管委会", certificate="否"),
        prog(NATIONAL, "国家级", "科技计划项目", "立项（经费与节点）", "科技助力经济2020重点专项", issuer="科学技术部"),
        prog(KEY_RD, "省级", "科技计划项目", "立项（经费与节点）", "省重点研发计划"),
        prog(NEW_PRODUCT, "省级", "科技计划项目", "立项（经费与节点）", "省新产品试制计划"),
        prog(CITY_COMPETITIVE, "市级", "科技计划项目", "立项（经费与节点）", "市级科技计划项目", issuer="衢州市科学技术局",
             nature="竞争性"),
        prog(CITY_GUIDING, "市级", "科技计划项目", "立项（经费与节点）", "市级科技计划项目", issuer="衢州市科学技术局",
             nature="指导性"),
        prog(TALENT, "省级", "人才计划", "入选", TALENT_CATEGORY, issuer="浙江省委人才办", people="是"),
        prog(PROVINCE_TEAM, "省级", "创新团队", "立项（经费与节点）", "省领军型创新团队", issuer="浙江省委人才办"),
        prog(CITY_TEAM, "市级", "创新团队", "立项（经费与节点）", "市重点创新团队", issuer="衢州市委人才办"),
        prog(COUNTY_TEAM, "县级", "创新团队", "立项（经费与节点）", "县重点创新团队", issuer="开化县委人才办"),
    ]  # fmt: skip
    run("programmes", PROGRAMME_HEADER, programmes, seed.staff_a)
    # The 2019 policy the 2020 claims rest on, its rules (for 2019's achievements), and the claims programme.
    rules = [
        [A, POLICY_2019, "开化县人民政府关于推动工业高质量发展的若干政策意见", "开化县人民政府", "2019-03-15",
         "牵头起草",
         item, "第十条", achievement, 2019, amount, None]
        for item, achievement, amount in RULES
    ]  # fmt: skip
    run("policies", POLICY_HEADER, rules, seed.staff_a)
    claims = prog(
        CLAIMS, "县级", "政策奖励", "奖励资金", "科技政策奖励", issuer="开化县经信科技局", policy=POLICY_2019
    )
    run("programmes", PROGRAMME_HEADER, [claims], seed.staff_a)
    # 常山县's small catalogue
    b = [
        [B, "常山县高新技术企业认定", "国家级", "资质认定", "资质（有效期）", "高新技术企业", "浙江省科学技术厅", None, 3, "否", None, None, None],
        [B, "常山县省新产品试制计划", "省级", "科技计划项目", "立项（经费与节点）", "省新产品试制计划", "浙江省科学技术厅",
         None, None, "否", None, None, None],
    ]  # fmt: skip
    run("programmes", PROGRAMME_HEADER, b, seed.staff_b)

    calls = []
    for name in (HTE, PSME, LAB, PCENTRE, CCENTRE, NSME, NATIONAL, KEY_RD, NEW_PRODUCT, CITY_COMPETITIVE,
                 CITY_GUIDING, TALENT):  # fmt: skip
        calls.append([A, name, call_name(2020), 2020, "2020-03-01", "2020-06-30"])
    calls += [
        [A, HTE, call_name(2021), 2021, "2021-03-01", "2021-06-30"],
        [A, NEW_PRODUCT, call_name(2019), 2019, "2019-03-01", "2019-06-30"],
        [A, LEADER, call_name(2019), 2019, "2019-09-01", "2019-11-30"],
        [A, COMPLEX, call_name(2019), 2019, "2019-09-01", "2019-11-30"],
        [A, PROVINCE_TEAM, call_name(2018), 2018, "2018-03-01", "2018-06-30"],
        [A, CITY_TEAM, call_name(2019), 2019, "2019-03-01", "2019-06-30"],
        [A, COUNTY_TEAM, call_name(2019), 2019, "2019-03-01", "2019-06-30"],
    ]
    run("calls", CALL_HEADER, calls, seed.staff_a)
    run("calls", CALL_HEADER, [[B, "常山县高新技术企业认定", call_name(2020), 2020, "2020-03-01", "2020-06-30"],
                               [B, "常山县省新产品试制计划", call_name(2020), 2020, "2020-03-01", "2020-06-30"]],
        seed.staff_b)  # fmt: skip


def _claims(seed: Seed) -> None:
    """The 41 paid claims of 2020 in one 补录 run, plus one paid in 2021 (not counted)."""
    rows = [
        [CODES[name], CLAIMS, 2020, item, amount, "开经信〔2020〕120号", "2020-10-20", amount, "2020-11-18"]
        for name, item, amount in CLAIM_ITEMS
    ]
    rows.append([CODES[pool(39)], CLAIMS, 2021, RULES[1][0], 20_000, "开经信〔2021〕30号", "2021-05-10", 20_000,
                 "2021-06-01"])  # fmt: skip
    run("paid_claims", CLAIM_HEADER, rows, seed.staff_a)


def _app(
    name: str, programme: str, year: int, status: str = "已推荐", title: str = "", note: str = ""
) -> list[Any]:
    return [CODES[name], None, None, programme, call_name(year), title or None, status, note or None]


def _result(name: str, programme: str, year: int, day: str, *, title: str = "", result: str = "批准",
            grant: Any = None, matching: Any = None, cert: str = "", reg: str = "") -> list[Any]:  # fmt: skip
    return [CODES[name], None, None, programme, call_name(year), title or None, result,
            day if result == "批准" else None, None, grant, matching, cert or None, reg or None]  # fmt: skip


def _qualifications(seed: Seed) -> None:
    apps = [_app(n, HTE, 2020) for n in HTE_APPLICANTS]
    apps.append(_app(pool(49), HTE, 2020, status="已撤回", note="企业研发费用归集不全，主动撤回"))
    apps.append(_app(pool(50), HTE, 2021))
    apps += [_app(n, PSME, 2020) for n in PSME_APPLICANTS]
    apps += [_app(HUAKANG, LAB, 2020), _app(RUIDA, PCENTRE, 2020)]
    apps += [_app(n, CCENTRE, 2020) for n in (ZHENGRONG, XIANGSHENG, HAIYU)]
    apps += [_app(n, NSME, 2020) for n in NSME_APPLICANTS]
    apps.append(_app(QIYI, LEADER, 2019))
    run("applications", APP_HEADER, apps, seed.staff_a)
    # A development-zone committee applies for a platform programme (issue 11: admitted applicant types).
    run("applications", APP_HEADER, [_app(ZONE, COMPLEX, 2019, title=COMPLEX_TITLE)],
            seed.staff_a)  # fmt: skip
    run("applications", APP_HEADER, [[CODES[OTHER_B], None, None, "常山县高新技术企业认定", call_name(2020), None,
                                      "已推荐", None]], seed.staff_b)  # fmt: skip
    registered = [
        _result(n, NSME, 2020, "2020-07-15", reg=f"2020330824A{k:07d}")
        for k, n in enumerate(NSME_REGISTERED, 1)
    ]
    run("application_results", RESULT_HEADER, registered, seed.staff_a)
    # Recognitions that come without a certificate number (issue 11: recorded without one).
    run("application_results", RESULT_HEADER, [_result(QIYI, LEADER, 2019, "2020-08-10")],
            seed.staff_a)  # fmt: skip
    run("application_results", RESULT_HEADER, [_result(ZONE, COMPLEX, 2019, "2020-06-30", title=COMPLEX_TITLE)],
        seed.staff_a)  # fmt: skip


def _projects(seed: Seed) -> None:
    apps = [_app(QIYI, NATIONAL, 2020, title=QIYI_PROJECT)]
    apps += [_app(HECHENG, KEY_RD, 2020, title=HECHENG_PROJECT)]
    apps += [_app(pool(i), KEY_RD, 2020, title=f"关键工艺研发项目{i}") for i in (3, 4)]
    apps += [_app(pool(i), NEW_PRODUCT, 2020, title=f"新产品{i}号") for i in range(20)]
    apps += [_app(pool(i), CITY_COMPETITIVE, 2020, title=f"市竞争性项目{i}") for i in range(20, 28)]
    apps += [_app(pool(i), CITY_GUIDING, 2020, title=f"市指导性项目{i}") for i in range(30, 41)]
    apps.append(
        _app(pool(41), CITY_GUIDING, 2020, title="市指导性项目41", status="已撤回", note="企业调整研发方向")
    )
    apps.append(_app(pool(45), NEW_PRODUCT, 2019, title="新产品2019号"))
    run("applications", APP_HEADER, apps, seed.staff_a)
    results = [_result(QIYI, NATIONAL, 2020, "2020-08-20", title=QIYI_PROJECT, grant=500_000)]
    results.append(_result(HECHENG, KEY_RD, 2020, "2020-09-10", title=HECHENG_PROJECT))
    results += [
        _result(pool(i), KEY_RD, 2020, "", title=f"关键工艺研发项目{i}", result="未获批") for i in (3, 4)
    ]
    results += [_result(pool(i), NEW_PRODUCT, 2020, "2020-10-15", title=f"新产品{i}号") for i in range(15)]
    results += [
        _result(pool(20 + k), CITY_COMPETITIVE, 2020, "2020-09-25", title=f"市竞争性项目{20 + k}", grant=g)
        for k, g in enumerate(COMPETITIVE_GRANTS)
    ]
    results += [
        _result(pool(i), CITY_GUIDING, 2020, "2020-09-25", title=f"市指导性项目{i}") for i in range(30, 40)
    ]
    results.append(_result(pool(45), NEW_PRODUCT, 2019, "2019-10-15", title="新产品2019号"))
    run("application_results", RESULT_HEADER, results, seed.staff_a)
    b = [CODES[OTHER_B], None, None, "常山县省新产品试制计划", call_name(2020), "常山新产品"]
    run("applications", APP_HEADER, [[*b, "已推荐", None]], seed.staff_b)
    run("application_results", RESULT_HEADER, [[*b, "批准", "2020-10-15", None, 100_000, None, None, None]],
        seed.staff_b)  # fmt: skip


def _talent(seed: Seed) -> None:
    phone = "13905701234"
    run("people", ["姓名", "手机", "所属县", "工作单位", "职称", "人才"], [[NOMINEE, phone, A, HAINA, "正高级工程师", "是"]],
        seed.staff_a)  # fmt: skip
    run("applications", APP_HEADER, [[None, NOMINEE, phone, TALENT, call_name(2020), None, "已推荐", None]],
        seed.staff_a)  # fmt: skip
    county_teams = [pool(i) for i in range(60, 70)]
    apps = [_app(HUAKANG, PROVINCE_TEAM, 2018, title=HUAKANG_TEAM)]
    apps.append(_app(XIANGSHENG, CITY_TEAM, 2019, title="有机硅新材料市重点创新团队"))
    apps += [_app(n, COUNTY_TEAM, 2019, title=f"县重点创新团队{k}") for k, n in enumerate(county_teams, 1)]
    run("applications", APP_HEADER, apps, seed.staff_a)
    results = [_result(HUAKANG, PROVINCE_TEAM, 2018, "2018-12-20", title=HUAKANG_TEAM, matching=MATCHING)]
    results.append(
        _result(XIANGSHENG, CITY_TEAM, 2019, "2019-08-01", title="有机硅新材料市重点创新团队", grant=150_000)
    )
    results += [
        _result(n, COUNTY_TEAM, 2019, "2019-08-01", title=f"县重点创新团队{k}", grant=50_000)
        for k, n in enumerate(county_teams, 1)
    ]
    run("application_results", RESULT_HEADER, results, seed.staff_a)
    # County matching funds are paid after a payment 公示 (the services' rule); a 2020 payment entered today is
    # history: the disbursements register takes it with its 补录依据 (the document that approved the payment).
    run("disbursements", [*PAY_HEADER, "补录依据（文号）"], [[CODES[HUAKANG], PROVINCE_TEAM, call_name(2018),
        HUAKANG_TEAM, MATCHING, "县级财政", 2020, "2020-06-18", "记-2020-06-018", "是", "开经信〔2020〕45号"]],
        seed.staff_a)  # fmt: skip
    pays = []
    pays.append([CODES[XIANGSHENG], CITY_TEAM, call_name(2019), "有机硅新材料市重点创新团队", 150_000, "县级财政", 2020,
                 "2020-12-10", "记-2020-12-100", None])  # fmt: skip
    pays += [
        [CODES[n], COUNTY_TEAM, call_name(2019), f"县重点创新团队{k}", 50_000, "县级财政", 2020, "2020-12-10",
         f"记-2020-12-{k:03d}", None]
        for k, n in enumerate(county_teams, 1)
    ]  # fmt: skip
    run("disbursements", PAY_HEADER, pays, seed.staff_a)
    # The checks, on each team's page (no register for them): 华康's 中期检查 and the eleven 实地考核 of 2020;
    # one 2019 实地考核 that must not count.
    from kechuang.programmes.models import Award

    client = Client()
    client.force_login(seed.staff_a)
    awards = {a.application.title: a for a in Award.objects.filter(county_id=A, programme__kind="team")}

    def check(title: str, kind: str, day: str) -> None:
        url = reverse("programmes:milestone_create", args=[awards[title].pk])
        post(client, url, {"kind": kind, "due_on": day, "done_on": day, "result": "passed", "note": ""})

    check(HUAKANG_TEAM, "mid_term", "2020-11-05")
    check("有机硅新材料市重点创新团队", "site_check", "2020-11-20")
    for k in range(1, 11):
        check(f"县重点创新团队{k}", "site_check", "2020-11-20")
    check("县重点创新团队1", "site_check", "2019-12-01")


def _rnd_registers(seed: Seed) -> None:
    header = ["统一社会信用代码", "年度", "报告期类型", "期别", "R&D经费内部支出（元）"]
    rows: list[list[Any]] = []
    for k in range(10):
        for q in (1, 2, 3):
            rows.append([CODES[pool(k)], 2020, "季报", q, RD_2020_EACH])
            last = k == 9 and q == 3
            rows.append([CODES[pool(k)], 2019, "季报", q, RD_2019_LAST if last else RD_2019_EACH])
    rows.append([CODES[OFF_ROSTER], 2020, "季报", 1, 5_000_000])
    run("enterprise_stats", header, rows, seed.staff_a)
    run("enterprise_stats", header, [[CODES[OTHER_B], 2020, "季报", 1, 9_000_000]], seed.staff_b)


def _rnd_pages(seed: Seed) -> None:
    client = Client()
    client.force_login(seed.staff_a)
    # Published figures (《监测评价报告》): 2019 R&D 1.33亿元 (13300万元), 0.91%, and 2018's 0.65% (so +0.26).
    official = reverse("rnd:official_edit")
    post(client, official, {"county": A, "year": 2019, "indicator": "rd_expenditure", "value": "13300",
                            "months": 12, "province_rank": "82", "province_count": "89", "source": MONITORING, "published_on": "2020-09-20"})  # fmt: skip
    post(client, official, {"county": A, "year": 2019, "indicator": "rd_intensity", "value": "0.91",
                            "months": 12, "province_rank": "29", "province_count": "89", "source": MONITORING, "published_on": "2020-09-20"})  # fmt: skip
    post(client, official, {"county": A, "year": 2018, "indicator": "rd_intensity", "value": "0.65",
                            "months": 12, "province_rank": "41", "province_count": "89", "source": "《2018年度浙江省各县（市、区）科技进步统计监测评价报告》",
                            "published_on": "2019-09-20"})  # fmt: skip
    # High-tech industry value added 1-9月 as the statistics bureau publishes it, with its city ranks (no
    # enterprise-level value added is held): 7.58亿元 (75800万元), 5th of 衢州's 6; 61.6% of 规上, 1st.
    for indicator, value, rank in (("high_tech_va", "75800", "5"), ("high_tech_share", "61.6", "1")):
        post(client, official, {"county": A, "year": 2020, "indicator": indicator, "value": value, "months": 9,
                                "city_rank": rank, "city_count": "6", "source": "开化县统计局",
                                "published_on": "2020-10-25"})  # fmt: skip
    # Targets of the three-year plan, for the data of 2019: R&D 1亿元 or more, intensity above 0.7%.
    target = reverse("rnd:target_edit")
    post(client, target, {"county": A, "year": 2019, "indicator": "rd_expenditure", "value": "10000", "comparison": "gte",
                          "note": "开政办发〔2020〕21号"})  # fmt: skip
    post(client, target, {"county": A, "year": 2019, "indicator": "rd_intensity", "value": "0.7", "comparison": "gt",
                          "note": "开政办发〔2020〕21号"})  # fmt: skip
    # Statistical returns the bureau files itself: each type, its rounds, and 已报送 for those due in 2020.
    from kechuang.rnd.models import ReturnRound, ReturnType

    for name, frequency, rounds in RETURN_TYPES:
        post(client, reverse("rnd:return_type_create"), {"county": A, "name": name, "frequency": frequency,
             "obligation": "bureau", "due_workdays": 10, "issuer": "浙江省科学技术厅", "is_active": "on"})  # fmt: skip
        rt = ReturnType.objects.get(county_id=A, name=name)
        for year, number in rounds:
            post(client, reverse("rnd:round_open"), {"return_type": rt.pk, "year": year, "number": number,
                                                     "confirm": "1"})  # fmt: skip
            rnd = ReturnRound.objects.get(return_type=rt, year=year, number=number)
            if rnd.due_on.year == YEAR:
                ids = list(rnd.filings.values_list("pk", flat=True))
                post(client, reverse("rnd:round_mark_submitted", args=[rnd.pk]),
                     {"ids": ids, "submitted_on": f"{rnd.due_on:%Y-%m-%d}"})  # fmt: skip
