"""The demo county's programmes: policies with their 文号 and incentive rules, programmes at every level,
calls over the years, several hundred applications in every status with their awards, milestones and
disbursements, 公示 with objections, innovation vouchers and the coaching log — all consistent with each
other and with the enterprises of the core demo (kechuang/core/demo.py).

Two layers, like the core demo:

- `programmes_plan(specs, today=...)` is pure: from the core demo's specs (its seed and scale) and a date
  it plans every record as plain frozen data, so the same (seed, scale, today) always gives the same plan;
- `build_programmes_demo(specs)` writes the plan through the programmes services as the demo bureau staff
  (kh_staff) — and as the demo enterprise user (kh_qiye) for its own applications — so every row is
  validated and audited like a write from a page. Claims are written after every achievement exists, so
  their proposed amounts come from the policy rules and the recorded awards, as in real use.

Years: calls run 2024–2026, with earlier years (2021–2023) recorded as history, so that the 2024 claims
have 2023 achievements to reward and some high-tech certificates have expired. The only dates that follow
`today` are those that must stay current whenever the demo is loaded: a batch of high-tech certificates
issued three years before (so the "expiring within six months" list is never empty), one open call, and
the coaching log of the last two years. Every planned date lies before `today`.
"""

from __future__ import annotations

import datetime as dt
import random
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from dateutil.relativedelta import relativedelta
from django.db.models import Sum
from django.utils import timezone

from kechuang.core import audit
from kechuang.core import services as core_services
from kechuang.core.demo import (
    COOPERATIVE_NAME,
    DEV_ZONE_NAME,
    GIVEN_FEMALE,
    GIVEN_MALE,
    KAIHUA,
    MOBILE_PREFIXES,
    SURNAMES,
    DemoSpecs,
    OrgSpec,
)
from kechuang.core.models import Organisation, Person, Region, SystemFlag, User

from . import services
from .models import (
    Application,
    Award,
    Call,
    ClaimItem,
    Disbursement,
    FundingSource,
    Milestone,
    PolicyDocument,
    Programme,
    PublicNotice,
    ReminderChannel,
    ServiceLog,
    Status,
    Voucher,
)
from .reminders import reminders_run

FLAG = "programmes_demo_loaded"
STAFF_USERNAME = "kh_staff"
ENTERPRISE_USERNAME = "kh_qiye"
HISTORY = (2021, 2022, 2023)
YEARS = (2024, 2025, 2026)
WAN = Decimal(10000)  # 1 万元
RECERT_AMOUNT = 5 * WAN  # what the policies give for a renewed (re-recognised) high-tech enterprise
BUREAU = "开化县经信科技局"
CONTACT = "开化县经信科技局科技管理科，电话 0570-6012365，地址：开化县芹阳办事处江滨南路1号"
REMINDER_EMAIL = "kjglk-kaihua@example.org"
S = Status


# --- plain records --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class RuleSpec:
    item: str
    article: str
    achievement: str  # ProgrammeSpec.key
    achievement_year: int
    amount: Decimal
    cap: Decimal | None = None
    recognition: str = ""  # IncentiveRule.Recognition: "first" (首次认定), "renewal" (重新认定) or any
    grade: str = ""  # only awards of this grade (省级工业新产品 A类 / B类)


@dataclass(frozen=True)
class PolicySpec:
    key: str
    title: str
    number: str
    issuing_bodies: str
    issued_on: dt.date
    bureau_role: str
    full_text: str
    rules: tuple[RuleSpec, ...] = ()
    short_title: str = ""


@dataclass(frozen=True)
class ProgrammeSpec:
    key: str
    name: str
    level: str
    kind: str
    award_form: str
    category: str
    issuer: str
    policy: str | None = None  # PolicySpec.key
    validity_years: int | None = None
    for_people: bool = False
    applicant_kinds: tuple[str, ...] = (Organisation.Kind.ENTERPRISE,)
    issues_certificate: bool = True
    nature: str = ""  # Programme.Nature: 竞争性 / 指导性 plan projects


@dataclass(frozen=True)
class CallSpec:
    programme: str
    year: int
    name: str
    opens_on: dt.date
    closes_on: dt.date
    county_deadline: dt.date | None
    notes: str = ""


@dataclass(frozen=True)
class TalentSpec:
    key: str
    name: str
    gender: str
    organisation: str  # credit code
    title: str
    position: str
    specialties: str
    phone: str


@dataclass(frozen=True)
class AwardSpec:
    decided_on: dt.date
    document: str = ""
    amount: Decimal = Decimal(0)
    matching_amount: Decimal = Decimal(0)
    certificate_no: str = ""
    registration_no: str = ""
    recert: bool = False  # a renewed high-tech enterprise (the rules reward a renewal less)
    grade: str = ""  # 省级工业新产品 A类 / B类
    valid_from: dt.date | None = None  # a team's construction period (建设期)
    valid_until: dt.date | None = None


@dataclass(frozen=True)
class MilestoneSpec:
    kind: str
    due_on: dt.date
    done_on: dt.date | None = None
    result: str = ""
    note: str = ""


@dataclass(frozen=True)
class PaymentSpec:
    amount: Decimal | None  # None: the claim's decided amount
    source: str
    fiscal_year: int
    paid_on: dt.date
    voucher_no: str
    tranche: int = 1
    is_matching: bool = False
    note: str = ""


@dataclass(frozen=True)
class AppSpec:
    key: str
    programme: str
    call: str  # CallSpec.name within the programme
    status: str  # where it ends
    path: tuple[str, ...]  # the statuses it moves through after 草稿, in order
    comments: tuple[str, ...]  # one per step of the path
    organisation: str | None = None  # credit code
    person: str | None = None  # TalentSpec.key
    title: str = ""
    summary: str = ""
    total_budget: Decimal | None = None
    requested_amount: Decimal | None = None
    by_enterprise: bool = False  # created and submitted by the demo enterprise user itself
    submitted_on: dt.date | None = None
    review: tuple[str, Decimal] | None = None
    award: AwardSpec | None = None
    milestones: tuple[MilestoneSpec, ...] = ()
    payments: tuple[PaymentSpec, ...] = ()
    override: str = ""  # claims: "overlap" (staff decide less than proposed, with a reason)
    notice: str = ""  # NoticeSpec.key of the 公示 that lists it


@dataclass(frozen=True)
class NoticeSpec:
    key: str
    title: str
    purpose: str
    published_on: dt.date
    body: str
    working_days: int = 5


@dataclass(frozen=True)
class ObjectionSpec:
    notice: str
    application: str  # AppSpec.key
    received_on: dt.date
    raised_by: str
    content: str
    resolution: str = ""  # empty: still open


@dataclass(frozen=True)
class ProviderSpec:
    organisation: str  # credit code
    services: str
    registered_on: dt.date


@dataclass(frozen=True)
class RedemptionSpec:
    provider: str  # credit code
    contract_no: str
    contract_amount: Decimal
    amount: Decimal
    redeemed_on: dt.date


@dataclass(frozen=True)
class VoucherSpec:
    number: str
    organisation: str
    amount: Decimal
    issued_on: dt.date
    expires_on: dt.date
    redemptions: tuple[RedemptionSpec, ...] = ()


@dataclass(frozen=True)
class LogSpec:
    organisation: str
    programme: str | None
    date: dt.date
    channel: str
    topic: str
    follow_up: str


@dataclass(frozen=True)
class ProgrammesPlan:
    today: dt.date
    policies: tuple[PolicySpec, ...]
    programmes: tuple[ProgrammeSpec, ...]
    calls: tuple[CallSpec, ...]
    talents: tuple[TalentSpec, ...]
    applications: tuple[AppSpec, ...]
    notices: tuple[NoticeSpec, ...]
    objections: tuple[ObjectionSpec, ...]
    providers: tuple[ProviderSpec, ...]
    vouchers: tuple[VoucherSpec, ...]
    logs: tuple[LogSpec, ...]

    def statuses(self) -> Counter:
        return Counter(a.status for a in self.applications)


# --- policies and programmes ------------------------------------------------------------------------------

CLAIM_PROGRAMMES = {2024: "claim2024", 2025: "claim2025", 2026: "claim2026"}
RULE_PROGRAMMES = ("hte", "psme", "rdc", "keyrd", "newprod", "indnew")
NEW_PRODUCTS_RULED = ("newprod", "indnew")  # a new product the city may have rewarded too (就高不重复)
PLATFORM_APPLICANTS = (Organisation.Kind.DEPARTMENT, Organisation.Kind.DEVELOPMENT_ZONE)
TEAM_YEARS = {"team": 5, "cteam": 3}  # a team's construction period (建设期), ending with its acceptance

# fmt: off
PROGRAMMES: tuple[ProgrammeSpec, ...] = (
    ProgrammeSpec("hte", "国家高新技术企业认定", "national", "qualification", "qualification", "高新技术企业",
                  "科技部 财政部 国家税务总局", validity_years=3),
    ProgrammeSpec("nsme", "国家科技型中小企业评价", "national", "qualification", "registration",
                  "国家科技型中小企业", "科学技术部"),
    ProgrammeSpec("most", "中央引导地方科技发展资金项目", "national", "project", "project", "科技部专项",
                  "科学技术部 财政部"),
    # 省科技型中小企业: the province recognises them (认定) and reviews the list (动态管理) rather than merely
    # naming them, and the county rewards a new one once, so it is a qualification; three years' validity
    # (the high-tech cycle) makes renewals appear in the expiring list like the high-tech ones.
    ProgrammeSpec("psme", "浙江省科技型中小企业认定", "provincial", "qualification", "qualification",
                  "省科技型中小企业", "浙江省科学技术厅", validity_years=3),
    # Provincial R&D centres are evaluated every three years (绩效评价); recorded as a three-year validity.
    ProgrammeSpec("rdc", "浙江省高新技术企业研发中心认定", "provincial", "qualification", "qualification",
                  "省级企业研发中心", "浙江省科学技术厅", validity_years=3, issues_certificate=False),
    # A platform: the county's departments and the development zone apply, and it is recognised by a list
    # in the province's document, without a certificate.
    ProgrammeSpec("platform", "省级产业创新服务综合体认定", "provincial", "qualification", "qualification",
                  "省级产业创新服务综合体", "浙江省科学技术厅", validity_years=3,
                  applicant_kinds=PLATFORM_APPLICANTS, issues_certificate=False),
    ProgrammeSpec("keyrd", "浙江省重点研发计划", "provincial", "project", "project", "省重点研发计划",
                  "浙江省科学技术厅"),
    ProgrammeSpec("newprod", "浙江省新产品试制计划", "provincial", "project", "project", "省新产品试制计划",
                  "浙江省经济和信息化厅"),
    # 省级工业新产品（新技术）: appraised and graded A类 / B类; the county rewards the grades differently.
    ProgrammeSpec("indnew", "浙江省省级工业新产品（新技术）", "provincial", "project", "project",
                  "省级工业新产品", "浙江省经济和信息化厅"),
    ProgrammeSpec("talent", "浙江省“万人计划”", "provincial", "talent", "honour", "万人计划",
                  "中共浙江省委人才工作领导小组办公室", for_people=True),
    ProgrammeSpec("team", "浙江省领军型创新创业团队", "provincial", "team", "project", "领军型创新团队",
                  "浙江省科学技术厅", policy="talent"),
    ProgrammeSpec("cteam", "开化县重点创新团队", "county", "team", "project", "县重点创新团队", BUREAU,
                  policy="talent"),
    ProgrammeSpec("city_comp", "衢州市科技计划项目（竞争性）", "city", "project", "project", "市级科技计划",
                  "衢州市科学技术局", nature="competitive"),
    ProgrammeSpec("city_guide", "衢州市科技计划项目（指导性）", "city", "project", "project", "市级科技计划",
                  "衢州市科学技术局", nature="guiding",
                  applicant_kinds=(Organisation.Kind.ENTERPRISE, Organisation.Kind.COOPERATIVE)),
    ProgrammeSpec("claim2024", "2024年度科技创新政策奖励兑现", "county", "incentive", "money",
                  "科技创新政策奖励", BUREAU, policy="p2023"),
    ProgrammeSpec("claim2025", "2025年度科技创新政策奖励兑现", "county", "incentive", "money",
                  "科技创新政策奖励", BUREAU, policy="p2024"),
    ProgrammeSpec("claim2026", "2026年度科技创新政策奖励兑现", "county", "incentive", "money",
                  "科技创新政策奖励", BUREAU, policy="p2025"),
)

# Each call's (opens, county deadline, closes) as (month, day) in the call's year.
CALL_DATES: dict[str, tuple[tuple[int, int], tuple[int, int] | None, tuple[int, int]]] = {
    "hte": ((5, 10), (6, 10), (6, 30)),
    "nsme": ((1, 15), (10, 15), (10, 31)),
    "most": ((4, 1), (4, 25), (5, 10)),
    "psme": ((3, 1), (4, 10), (4, 30)),
    "rdc": ((7, 1), (8, 10), (8, 31)),
    "platform": ((4, 15), (5, 20), (5, 31)),
    "indnew": ((3, 10), (4, 20), (4, 30)),
    "cteam": ((3, 1), (3, 31), (4, 10)),
    "keyrd": ((2, 20), (3, 20), (3, 31)),
    "newprod": ((2, 15), (3, 15), (3, 31)),
    "talent": ((6, 1), (6, 30), (7, 15)),
    "team": ((3, 15), (4, 30), (5, 15)),
    "city_comp": ((3, 1), (4, 1), (4, 15)),
    "city_guide": ((3, 1), (4, 1), (4, 15)),
    "claim": ((3, 1), (4, 15), (4, 30)),
}

CALL_NOTES = {
    "hte": "按《高新技术企业认定管理办法》（国科发火〔2016〕32号）组织申报，县级初审后报市科技局。",
    "nsme": "企业在科技型中小企业服务平台自主评价，县级审核后入库登记。",
    "claim": "申报上一年度取得的认定和立项事项的政策奖励，县经信科技局会同县财政局审核，经公示无异议后兑现。",
}
# fmt: on


def _rules(year: int, *, keyrd: int = 30, keyrd_cap: int = 60) -> tuple[RuleSpec, ...]:
    return (
        RuleSpec("首次认定国家高新技术企业", "第二条第（一）项", "hte", year, 20 * WAN, recognition="first"),
        RuleSpec(
            "重新认定国家高新技术企业", "第二条第（一）项", "hte", year, RECERT_AMOUNT, recognition="renewal"
        ),
        RuleSpec("新认定省科技型中小企业", "第二条第（二）项", "psme", year, 2 * WAN),
        RuleSpec("新认定省级高新技术企业研发中心", "第三条第（一）项", "rdc", year, 30 * WAN),
        RuleSpec("列入省重点研发计划项目", "第四条第（一）项", "keyrd", year, keyrd * WAN, keyrd_cap * WAN),
        RuleSpec("列入省新产品试制计划", "第四条第（三）项", "newprod", year, 3 * WAN, 15 * WAN),
        RuleSpec("省级工业新产品（A类）", "第四条第（四）项", "indnew", year, 5 * WAN, grade="A类"),
        RuleSpec("省级工业新产品（B类）", "第四条第（四）项", "indnew", year, 2 * WAN, grade="B类"),
    )


P2023_TEXT = """各乡镇人民政府，县政府各部门、各直属单位：
《开化县加快科技创新推动高质量发展若干政策》已经县政府同意，现印发给你们，请认真贯彻执行。

开化县加快科技创新推动高质量发展若干政策

为深入实施创新驱动发展战略，加快建设创新型县域，推动全县工业经济高质量发展，根据省、市关于推进科技创新的决策部署，结合我县实际，制定本政策。

第一条 适用范围。本政策适用于在开化县注册登记、具有独立法人资格、依法纳税、实行独立核算的企业和相关单位。

第二条 支持创新主体培育。（一）对首次认定的国家高新技术企业，给予20万元奖励；重新认定的，给予5万元奖励。（二）对新认定的省科技型中小企业，给予2万元奖励。

第三条 支持研发平台建设。（一）对新认定的省级高新技术企业研发中心，给予30万元奖励。（二）对新认定的省级重点企业研究院，按省级补助资金给予1:1配套，最高不超过200万元。

第四条 支持科技项目攻关。（一）对列入省重点研发计划的项目，每项给予30万元奖励，同一企业每年最高60万元。（二）对承担国家级科技计划项目的，按照“一事一议”给予支持。（三）对列入省新产品试制计划的项目，每项给予3万元奖励，同一企业每年最高15万元。（四）对通过鉴定的省级工业新产品（新技术），A类每项给予5万元奖励，B类每项给予2万元奖励。

第五条 兑现程序。政策奖励每年集中兑现一次，兑现上一年度取得的事项。企业在规定时间内提出申请，县经信科技局会同县财政局审核，经公示无异议后拨付。

第六条 同一企业同一事项符合本县多项政策的，按照“就高不重复”原则执行。企业在申报过程中弄虚作假的，取消兑现资格并追回已拨付资金，三年内不得享受本政策。

第七条 本政策自2023年7月1日起施行，由县经信科技局、县财政局负责解释。"""

P2024_TEXT = """各乡镇人民政府，县级有关单位，各有关企业：
为规范科技创新政策奖励兑现工作，根据《开化县加快科技创新推动高质量发展若干政策》（开政办发〔2023〕35号），县经信科技局、县财政局制定了《开化县科技创新政策奖励兑现实施细则（2024年版）》，现印发给你们，请遵照执行。

一、兑现范围。2024年度内取得的国家高新技术企业（首次认定20万元，重新认定5万元）、省科技型中小企业（2万元）、省级高新技术企业研发中心（30万元）、省重点研发计划项目（每项30万元，每家每年最高60万元）、省新产品试制计划（每项3万元，每家每年最高15万元）、省级工业新产品（A类每项5万元，B类每项2万元）等事项，于2025年集中兑现。

二、申报材料。企业须提交奖励申请表、认定证书或立项文件复印件、上年度财务报表，对材料的真实性负责。

三、审核与公示。县经信科技局对申报材料进行审核，会同县财政局核定奖励金额，在县政府门户网站公示5个工作日，公示无异议后由县财政直接拨付至企业账户。

四、其他。本细则由县经信科技局、县财政局负责解释，自印发之日起施行。"""

P2025_TEXT = """各乡镇人民政府，县级有关单位，各有关企业：
为进一步激发企业创新活力，经县政府同意，现就2025年度科技创新政策奖励标准明确如下：

一、国家高新技术企业。首次认定的给予20万元奖励，重新认定的给予5万元奖励。

二、省科技型中小企业、省级高新技术企业研发中心。分别给予2万元、30万元奖励。

三、省重点研发计划项目。为鼓励企业承担省级重大攻关任务，奖励标准由每项30万元提高至每项40万元，同一企业每年最高80万元。

四、省新产品试制计划。每项给予3万元奖励，同一企业每年最高15万元。省级工业新产品（新技术）A类每项给予5万元奖励，B类每项给予2万元奖励。

以上事项于2026年集中兑现，兑现程序按《开化县科技创新政策奖励兑现实施细则》执行。同一事项已享受市级及以上同类奖励的，按照“就高不重复”原则核定。"""

TALENT_TEXT = """各乡镇人民政府，县政府各部门、各直属单位：
为深入实施人才强县战略，加快集聚高层次创新创业人才和团队，现就实施“钱江源英才计划”提出如下意见。

一、支持创新团队建设。对新入选省领军型创新创业团队的，按省级资助资金给予1:1配套支持，最高不超过500万元，分三期拨付：团队落地并通过实地考核后拨付第一期，通过中期检查后拨付第二期，通过验收后拨付余款。

二、支持高层次人才引育。对入选省“万人计划”的人才，给予一次性生活补贴；对企业引进的博士研究生，给予购房补贴和人才公寓保障。

三、优化人才服务。建立县领导联系高层次人才制度，在子女入学、医疗保健、配偶就业等方面提供“一站式”服务。

本意见自发布之日起施行，由县委人才办、县经信科技局、县人力社保局、县财政局按职责分工负责解释。"""

VOUCHER_TEXT = """各有关企业、服务机构：
为引导企业加大研发投入、充分利用科技服务资源，县经信科技局制定了《开化县科技创新券管理办法（试行）》，现印发给你们，请遵照执行。

第一条 科技创新券（以下简称“创新券”）是县财政安排专项资金，用于支持企业向登记在册的服务机构购买检验检测、研发设计、技术咨询、知识产权等科技服务的电子凭证。

第二条 创新券每年集中发放一次，面额分为1万元、2万元、3万元、5万元四档，有效期至次年3月31日，逾期未使用的自动作废。

第三条 企业使用创新券与服务机构签订技术服务合同，创新券抵扣金额不超过合同金额的50%。

第四条 服务机构须在县经信科技局登记，定期报送服务情况；对弄虚作假、套取资金的，取消其服务机构资格。

第五条 本办法由县经信科技局负责解释，自2024年1月1日起施行。"""

INNOVATION_TEXT = """各乡镇人民政府，县政府各部门、各直属单位：
《开化县推动产业创新发展若干措施》已经县政府同意，现印发给你们，请结合实际认真贯彻落实。

开化县推动产业创新发展若干措施

一、建设产业创新平台。支持开化经济开发区建设省级产业创新服务综合体，对新认定的，按省级补助资金给予配套支持。

二、培育科技企业梯队。实施高新技术企业和科技型中小企业“双倍增”行动，建立县级培育库，实行动态管理。

三、强化创新团队引育。对新认定的县重点创新团队，给予最高50万元资助，分两期拨付，通过实地考核后拨付第二期。

四、推动产学研合作。支持企业与高校、科研院所共建研发机构，联合开展关键核心技术攻关。

五、本措施自印发之日起施行，由县经信科技局、县财政局等部门按职责分工负责解释。"""

POLICIES: tuple[PolicySpec, ...] = (
    PolicySpec(
        "p2023",
        "开化县人民政府办公室关于印发开化县加快科技创新推动高质量发展若干政策的通知",
        "开政办发〔2023〕35号",
        "开化县人民政府办公室",
        dt.date(2023, 6, 16),
        PolicyDocument.BureauRole.DRAFTED,
        P2023_TEXT,
        _rules(2023),
    ),
    PolicySpec(
        "voucher",
        "关于印发《开化县科技创新券管理办法（试行）》的通知",
        "开经信〔2023〕66号",
        BUREAU,
        dt.date(2023, 11, 10),
        PolicyDocument.BureauRole.DRAFTED,
        VOUCHER_TEXT,
    ),
    PolicySpec(
        "p2024",
        "关于印发《开化县科技创新政策奖励兑现实施细则（2024年版）》的通知",
        "开经信〔2024〕12号",
        f"{BUREAU} 开化县财政局",
        dt.date(2024, 3, 12),
        PolicyDocument.BureauRole.CO_ISSUED,
        P2024_TEXT,
        _rules(2024),
        short_title="科技奖励兑现细则",
    ),
    PolicySpec(
        "innovation",
        "开化县人民政府办公室关于印发开化县推动产业创新发展若干措施的通知",
        "开政办发〔2025〕18号",
        "开化县人民政府办公室",
        dt.date(2025, 4, 18),
        PolicyDocument.BureauRole.CO_DRAFTED,  # drafted by the development and reform bureau, with ours
        INNOVATION_TEXT,
        short_title="产业创新五条",
    ),
    PolicySpec(
        "talent",
        "开化县人民政府关于实施“钱江源英才计划”加快集聚创新创业人才的若干意见",
        "开政发〔2024〕21号",
        "开化县人民政府",
        dt.date(2024, 5, 20),
        PolicyDocument.BureauRole.IMPLEMENTS,
        TALENT_TEXT,
    ),
    PolicySpec(
        "p2025",
        "关于明确2025年度科技创新政策奖励标准的通知",
        "开经信〔2025〕80号",
        f"{BUREAU} 开化县财政局",
        dt.date(2025, 11, 20),
        PolicyDocument.BureauRole.CO_ISSUED,
        P2025_TEXT,
        _rules(2025, keyrd=40, keyrd_cap=80),
    ),
)

# --- words ------------------------------------------------------------------------------------------------

# fmt: off
PROJECT_TITLES: dict[str, tuple[str, ...]] = {
    "chem": ("高性能有机硅密封胶关键技术研发及产业化", "低VOC硅树脂涂层材料制备技术研究", "有机硅单体副产物高值化利用技术开发",
             "耐高温硅橡胶复合材料研发及应用", "功能性硅烷偶联剂清洁生产工艺开发", "有机硅废水资源化处理技术研究"),
    "elec": ("电子级多晶硅高纯提纯工艺研究", "大尺寸单晶硅片低损伤切割技术研发", "高导热电子封装材料研发及产业化",
             "新能源汽车用耐高温线缆关键技术研究", "光伏用低烟无卤阻燃电缆研发", "半导体用高纯电子化学品制备技术研究"),
    "mach": ("高压大流量液压柱塞泵研发及产业化", "名优茶智能化连续加工生产线研发", "数控机床精密主轴关键技术研究",
             "山地茶园轻简化作业机械研发", "高精度电液伺服控制系统研发", "精密轴承智能化生产线关键技术研究"),
    "food": ("开化龙顶名优绿茶标准化加工技术集成与示范", "山茶油低温压榨及精深加工技术研发", "清水鱼生态养殖与加工关键技术研究",
             "茶叶深加工速溶茶粉制备技术开发", "食用菌工厂化栽培技术集成示范", "高山蔬菜采后保鲜技术研究与应用"),
    "wood": ("竹材重组材高效制备技术研发", "特种纸基功能材料研发及产业化", "竹木家具绿色涂装工艺研究"),
    "pharma": ("黄精等道地药材精深加工技术研发", "中药饮片智能化炮制工艺研究", "覆盆子功能成分提取及产品开发"),
    "other": ("企业数字化车间建设关键技术研究", "产品质量智能检测系统研发及应用", "工业互联网平台在生产管理中的应用研究"),
}
NEW_PRODUCTS: dict[str, tuple[str, ...]] = {
    "chem": ("高透明加成型液体硅橡胶", "电子灌封用有机硅凝胶", "单组分脱醇型硅酮密封胶", "低黏度甲基乙烯基硅油", "耐候型硅树脂涂料"),
    "elec": ("电子级高纯三氯氢硅", "8英寸重掺单晶硅抛光片", "耐高温硅橡胶绝缘电缆", "光伏组件用直流电缆"),
    "mach": ("茶叶连续理条机", "变量柱塞泵", "数控立式加工中心", "多路换向阀", "茶园多功能管理机"),
    "food": ("速溶绿茶粉", "冷榨山茶油", "清水鱼即食鱼糜制品", "黄精茶"),
    "wood": ("竹基重组地板", "食品级包装原纸"),
    "pharma": ("黄精片（饮片）", "覆盆子提取物"),
    "other": ("智能环境监测终端", "企业能耗在线监测系统"),
}
TEAM_TITLES = ("有机硅高性能材料领军型创新团队", "电子级硅材料领军型创新团队", "名优茶智能加工装备领军型创新团队")
TALENT_CATEGORIES = ("科技创业领军人才", "科技创新领军人才", "青年拔尖人才", "高技能领军人才")
TALENT_POSITIONS = ("研发总监", "总工程师", "技术副总经理", "董事长", "研究院院长")
TALENT_TITLES = ("正高级工程师", "高级工程师", "高级工程师", "博士、高级工程师")

RETURN_REASONS = (
    "请补充近三年研发费用专项审计报告。",
    "知识产权证明材料不完整，请补充专利证书复印件。",
    "申报书中研发人员人数与社保缴纳名单不一致，请核实后修改。",
    "请补充项目合作协议及自筹资金承诺书。",
)
REJECT_REASONS = (
    "研发费用占销售收入比例未达到认定条件，不予推荐。",
    "申报单位存在未整改的安全生产问题，暂不予推荐。",
    "项目内容与申报指南支持方向不符，不予推荐。",
    "核心知识产权与主营产品关联度不足，不予推荐。",
)
CLAIM_RETURN_REASON = "请补充认定证书（立项文件）复印件及上年度财务报表。"
CLAIM_NOTHING_REASON = "经核查，该企业上年度无符合政策规定的认定或立项事项，不予兑现。"
CLAIM_REFUSED_REASON = "企业上年度发生一般安全生产事故，按政策第六条规定本年度不予兑现。"
CLOSE_REASON = "企业经营调整，项目无法继续实施，经企业申请、主管部门同意终止，已拨付资金按规定清算。"
REVIEW_OPINIONS = (
    "项目技术路线清晰，企业研发基础较好，同意推荐。",
    "申报材料齐全，符合申报条件，同意推荐。",
    "企业研发投入持续增长，创新能力较强，建议推荐。",
    "项目产业化前景较好，自筹资金落实，同意推荐。",
)

LOG_TOPICS: dict[str, tuple[tuple[str, str | None], ...]] = {
    "phone": (("高企申报政策咨询：研发费用归集口径", "hte"), ("提醒填报国家科技型中小企业评价信息", "nsme"),
              ("告知政策奖励兑现申报时间及所需材料", None), ("解读省科技型中小企业认定条件", "psme"),
              ("解读省重点研发计划申报指南", "keyrd"), ("提醒报送高新技术企业年报", "hte")),
    "wechat": (("推送市科技计划项目申报通知", "city_comp"), ("答复研发费用加计扣除备查资料问题", None),
               ("转发科技创新券申领通知", None), ("提醒报送项目中期检查材料", "keyrd"),
               ("推送省新产品试制计划申报通知", "newprod")),
    "visit": (("上门走访了解企业研发投入及高企培育情况", "hte"), ("实地查看企业研发中心建设情况", "rdc"),
              ("走访了解企业技术需求和人才需求", None), ("现场核查省新产品试制计划项目进展", "newprod"),
              ("走访了解创新团队落地及配套资金使用情况", "team")),
    "training": (("组织参加高新技术企业认定培训会", "hte"), ("组织参加研发费用归集及统计培训", None),
                 ("组织参加科技型中小企业评价培训", "nsme")),
    "joint_tax": (("会同税务部门辅导研发费用加计扣除", None), ("联合税务部门开展高企税收优惠政策辅导", "hte")),
}
LOG_CHANNELS = (("phone", 35), ("wechat", 30), ("visit", 20), ("training", 8), ("joint_tax", 7))
FOLLOW_UPS = ("下周电话回访", "待企业补充材料后再对接", "已拉入企业服务微信群", "纳入高企培育库跟踪", "", "", "")
# fmt: on


def _group(industry: str | None) -> str:
    two = (industry or "")[:2]
    if two in ("26", "29", "30"):
        return "chem"
    if two in ("38", "39"):
        return "elec"
    if two in ("33", "34", "35", "36"):
        return "mach"
    if two in ("01", "04", "13", "14", "15"):
        return "food"
    if two in ("20", "21", "22"):
        return "wood"
    if two == "27":
        return "pharma"
    return "other"


def _is_tech(o: OrgSpec) -> bool:
    """Enterprises that plausibly apply for qualifications and projects: manufacturing, software, R&D."""
    code = o.industry or ""
    return "13" <= code[:2] <= "43" or code in ("6513", "6531", "7320", "7511")


# --- the plan (pure) ------------------------------------------------------------------------------------------


def _path(status: str, *, claim: bool, returned_once: bool = False) -> tuple[str, ...]:
    paths: dict[str, tuple[str, ...]]
    if claim:
        paths = {
            S.DRAFT: (),
            S.SUBMITTED: (S.SUBMITTED,),
            S.RETURNED: (S.SUBMITTED, S.RETURNED),
            S.REJECTED: (S.SUBMITTED, S.CHECKED, S.REJECTED),
            S.CHECKED: (S.SUBMITTED, S.CHECKED),
            S.DECIDED: (S.SUBMITTED, S.CHECKED, S.DECIDED),
            S.PAID: (S.SUBMITTED, S.CHECKED, S.DECIDED, S.PAID),
        }
    else:
        approved = (S.SUBMITTED, S.RECOMMENDED, S.APPROVED)
        paths = {
            S.DRAFT: (),
            S.SUBMITTED: (S.SUBMITTED,),
            S.RETURNED: (S.SUBMITTED, S.RETURNED),
            S.REJECTED: (S.SUBMITTED, S.REJECTED),
            S.RECOMMENDED: (S.SUBMITTED, S.RECOMMENDED),
            S.APPROVED: approved,
            S.NOT_APPROVED: (S.SUBMITTED, S.RECOMMENDED, S.NOT_APPROVED),
            S.IN_PROGRESS: (*approved, S.IN_PROGRESS),
            S.ACCEPTED: (*approved, S.IN_PROGRESS, S.ACCEPTED),
            S.CLOSED: (*approved, S.IN_PROGRESS, S.CLOSED),
        }
    path = paths[status]
    if returned_once and path and status != S.RETURNED:
        path = (S.SUBMITTED, S.RETURNED, *path)
    return path


class _Planner:
    def __init__(self, specs: DemoSpecs, today: dt.date) -> None:
        self.rng = random.Random(f"kechuang-programmes-{specs.seed}")
        self.scale = specs.scale
        self.today = today
        self.enterprises = specs.enterprises(KAIHUA)
        self.by_code = {o.credit_code: o for o in self.enterprises}
        qiye = next((a for a in specs.accounts if a.username == ENTERPRISE_USERNAME), None)
        self.qiye = qiye.organisation if qiye and qiye.organisation in self.by_code else None
        rng = self.rng
        tech = [o for o in self.enterprises if _is_tech(o)]
        strong = [o.credit_code for o in tech if o.years]
        weak = [o.credit_code for o in tech if not o.years]
        rng.shuffle(strong)
        rng.shuffle(weak)
        # Above-scale enterprises first: they are the usual high-tech and project applicants.
        self.tech = [c for c in strong + weak if c != self.qiye]
        self.taken_names = {p.name for p in specs.people}
        self.apps: list[AppSpec] = []
        self.calls: dict[tuple[str, str], CallSpec] = {}
        self.awards: dict[str, list[tuple[str, AwardSpec]]] = {}  # credit code -> (programme, award)
        self.notices: list[NoticeSpec] = []
        self.objections: list[ObjectionSpec] = []
        self.talents: list[TalentSpec] = []
        self.seq: Counter = Counter()
        self.overdue_done = False
        others = {o.name: o.credit_code for o in specs.organisations}
        self.zone = others.get(DEV_ZONE_NAME)
        self.cooperative = others.get(COOPERATIVE_NAME)
        self.department = others.get("开化县农业农村局")

    # helpers

    def n(self, full: int, minimum: int) -> int:
        return max(minimum, round(full * self.scale))

    def next_seq(self, key: str, start: int = 1) -> int:
        self.seq[key] += 1
        return start + self.seq[key] - 1

    def pick(self, n: int, exclude: Iterable[str] = (), pool: Sequence[str] | None = None) -> list[str]:
        excluded = set(exclude)
        if self.qiye:
            excluded.add(self.qiye)
        chosen: list[str] = []
        for source in (pool if pool is not None else self.tech, self.tech, list(self.by_code)):
            for code in source:
                if len(chosen) >= n:
                    return chosen
                if code not in excluded and code not in chosen:
                    chosen.append(code)
        return chosen

    def allocate(self, n: int, required: Sequence[str], weights: dict[str, int]) -> list[str]:
        """n statuses: the required ones first (as far as n allows), the rest drawn by weight."""
        out = list(required[:n])
        keys = list(weights)
        out += self.rng.choices(keys, weights=[weights[k] for k in keys], k=n - len(out))
        return out

    def date_in(self, start: dt.date, end: dt.date) -> dt.date:
        return dt.date.fromordinal(self.rng.randint(start.toordinal(), max(start, end).toordinal()))

    def call(self, programme: str, year: int) -> CallSpec:
        name = f"{year}年度"
        found = self.calls.get((programme, name))
        if found:
            return found
        kind = "claim" if programme.startswith("claim") else programme
        (om, od), deadline, (cm, cd) = CALL_DATES[kind]
        call = CallSpec(
            programme=programme,
            year=year,
            name=name,
            opens_on=dt.date(year, om, od),
            closes_on=dt.date(year, cm, cd),
            county_deadline=dt.date(year, *deadline) if deadline else None,
            notes=CALL_NOTES.get(kind, ""),
        )
        self.calls[(programme, name)] = call
        return call

    def add(self, programme: str, year: int, status: str, **kw: Any) -> AppSpec:
        call = self.call(programme, year)
        claim = programme.startswith("claim")
        returned_once = kw.pop("returned_once", False)
        path = kw.pop("path", None) or _path(status, claim=claim, returned_once=returned_once)
        comments = kw.pop("comments", None) or tuple(self._comment(step, claim) for step in path)
        submitted_on = kw.pop("submitted_on", None) or self.date_in(
            call.opens_on, call.opens_on + dt.timedelta(days=20)
        )
        spec = AppSpec(
            key=f"{programme}:{year}:{self.next_seq(f'app:{programme}:{year}'):03d}",
            programme=programme,
            call=call.name,
            status=status,
            path=path,
            comments=comments,
            submitted_on=submitted_on,
            **kw,
        )
        self.apps.append(spec)
        if spec.award is not None and spec.organisation:
            self.awards.setdefault(spec.organisation, []).append((programme, spec.award))
        return spec

    def _comment(self, step: str, claim: bool) -> str:
        if step == S.RETURNED:
            return CLAIM_RETURN_REASON if claim else self.rng.choice(RETURN_REASONS)
        if step == S.REJECTED:
            return CLAIM_REFUSED_REASON if claim else self.rng.choice(REJECT_REASONS)
        if step == S.CLOSED:
            return CLOSE_REASON
        if step == S.RECOMMENDED:
            return "经县级审核，符合申报条件，同意推荐。"
        if step == S.NOT_APPROVED:
            return "上级评审未通过。"
        return ""

    def review(self) -> tuple[str, Decimal]:
        return self.rng.choice(REVIEW_OPINIONS), Decimal(self.rng.randint(760, 930)) / 10

    # qualifications

    def qualification(
        self,
        programme: str,
        year: int,
        code: str,
        status: str,
        decided_on: dt.date | None,
        *,
        recert: bool = False,
        returned_once: bool = False,
        by_enterprise: bool = False,
        review: bool = False,
    ) -> AppSpec:
        award = None
        if status == S.APPROVED:
            assert decided_on is not None
            award = self._qualification_award(programme, decided_on, recert)
        return self.add(
            programme,
            year,
            status,
            organisation=code,
            award=award,
            returned_once=returned_once,
            by_enterprise=by_enterprise,
            review=self.review() if review and S.RECOMMENDED in _path(status, claim=False) else None,
            summary="重新认定" if recert else "",
        )

    def _qualification_award(self, programme: str, decided_on: dt.date, recert: bool) -> AwardSpec:
        y = decided_on.year
        if programme == "hte":
            return AwardSpec(
                decided_on,
                document=f"国科火字〔{y + 1 if decided_on.month == 12 and decided_on.day > 20 else y}〕"
                f"{self.rng.randint(10, 60)}号",
                certificate_no=f"GR{y}33{self.next_seq(f'hte{y}', 1000 + 137 * (y % 7)):06d}",
                recert=recert,
            )
        if programme == "nsme":
            batch = (decided_on.month - 1) // 3 + 1
            return AwardSpec(
                decided_on,
                registration_no=f"{y}330824{batch:02d}{self.next_seq(f'nsme{y}:{batch}', 100 + 31 * batch):06d}",
            )
        if programme == "psme":
            return AwardSpec(
                decided_on,
                document=f"浙科发高〔{y}〕{40 + y % 7}号",
                certificate_no=f"KX{y}330824{self.next_seq(f'psme{y}', 1):04d}",
            )
        if programme == "platform":  # listed in the province's document, no certificate
            return AwardSpec(decided_on, document=f"浙科发高〔{y}〕{120 + y % 7}号")
        return AwardSpec(decided_on, document=f"浙科发高〔{y}〕{90 + y % 9}号")  # rdc: no certificate

    def plan_hte(self) -> None:
        q = self.qiye
        h21 = self.pick(self.n(10, 2))
        h22 = self.pick(self.n(10, 2), exclude=h21)
        h23 = ([q] if q else []) + self.pick(self.n(12, 2), exclude=h21 + h22)
        for year, batch, certified in (
            (2021, h21, dt.date(2021, 12, 16)),
            (2022, h22, dt.date(2022, 12, 24)),
        ):
            for code in batch:
                self.qualification("hte", year, code, S.APPROVED, certified)
        # The batch certified three years before today: its certificates expire in the coming weeks,
        # so the expiring list is never empty whenever the demo is loaded (and it re-applies this year).
        d23 = self.today - relativedelta(years=3) + dt.timedelta(days=10)
        for code in h23:
            self.qualification("hte", min(d23.year, 2023), code, S.APPROVED, d23, by_enterprise=code == q)
        holders = set(h21 + h22 + h23)
        failed: list[str] = []
        for year, renewing, day in (
            (2024, h21, dt.date(2024, 12, 6)),
            (2025, h22, dt.date(2025, 11, 28)),
            (2026, h23, None),
        ):
            # Renewals: most renew, some fail, a few let the certificate lapse.
            for i, code in enumerate(renewing):
                if year == 2026:
                    self.qualification(
                        "hte", year, code, S.RECOMMENDED, None, by_enterprise=code == q, review=True
                    )
                    continue
                outcome = self.rng.random()
                if i == 0 or outcome < 0.6:
                    self.qualification("hte", year, code, S.APPROVED, day, recert=True, review=True)
                elif i == 1 or outcome < 0.8:
                    self.qualification("hte", year, code, S.NOT_APPROVED, None, review=True)
            # New applicants (some of last year's failures try again).
            n_new = self.n({2024: 18, 2025: 20, 2026: 25}[year], {2024: 3, 2025: 3, 2026: 5}[year])
            retry = failed[: n_new // 3]
            new = retry + self.pick(n_new - len(retry), exclude=holders | set(retry))
            if year == 2026:
                statuses = self.allocate(
                    len(new),
                    [S.RECOMMENDED, S.SUBMITTED, S.RETURNED, S.DRAFT, S.REJECTED],
                    {S.RECOMMENDED: 8, S.SUBMITTED: 1, S.RETURNED: 1},
                )
            else:
                statuses = self.allocate(
                    len(new),
                    [S.APPROVED, S.NOT_APPROVED, S.REJECTED],
                    {S.APPROVED: 7, S.NOT_APPROVED: 2, S.REJECTED: 1},
                )
            failed = []
            for code, status in zip(new, statuses, strict=True):
                self.qualification(
                    "hte",
                    year,
                    code,
                    status,
                    day,
                    returned_once=self.rng.random() < 0.1,
                    review=status != S.DRAFT,
                )
                if status == S.APPROVED:
                    holders.add(code)
                elif status in (S.NOT_APPROVED, S.REJECTED):
                    failed.append(code)
            if year == 2026:
                self.notices.append(
                    NoticeSpec(
                        "hte2026",
                        "2026年度高新技术企业认定推荐名单公示",
                        PublicNotice.Purpose.RECOMMENDATION,
                        dt.date(2026, 6, 15),
                        "经企业申报、县级初审，现将拟推荐的2026年度高新技术企业名单予以公示。",
                    )
                )
                self.apps = [
                    _with_notice(a, "hte2026")
                    if a.programme == "hte" and a.call == "2026年度" and S.RECOMMENDED in a.path
                    else a
                    for a in self.apps
                ]

    def plan_nsme(self) -> None:
        q = self.qiye
        base = self.pick(self.n(60, 6), pool=self.rng.sample(self.tech, len(self.tech)))
        for year, full, minimum in ((2024, 45, 4), (2025, 50, 4), (2026, 55, 5)):
            codes = ([q] if q else []) + self.rng.sample(base, min(len(base), self.n(full, minimum) - 1))
            if year == 2026:
                statuses = self.allocate(
                    len(codes),
                    [S.APPROVED, S.SUBMITTED, S.RETURNED, S.DRAFT],
                    {S.APPROVED: 12, S.SUBMITTED: 1},
                )
            else:
                statuses = self.allocate(
                    len(codes), [S.APPROVED, S.REJECTED], {S.APPROVED: 19, S.REJECTED: 1}
                )
            last = min(dt.date(year, 10, 31), self.today - dt.timedelta(days=7))
            for code, status in zip(codes, statuses, strict=True):
                day = self.date_in(dt.date(year, 3, 1), last) if status == S.APPROVED else None
                self.qualification("nsme", year, code, status, day, by_enterprise=code == q)

    def plan_psme(self) -> None:
        q = self.qiye
        holders: list[str] = []
        p23 = self.pick(self.n(20, 2), pool=self.tech[::-1])
        for code in p23:
            self.qualification("psme", 2023, code, S.APPROVED, dt.date(2023, 6, 28))
        holders += p23
        for year, full, minimum in ((2024, 22, 3), (2025, 25, 3), (2026, 22, 4)):
            pool = self.tech[::-1] if year < 2026 else p23[: len(p23) // 2] + self.tech[::-1]
            exclude = [h for h in holders if year < 2026 or h not in p23]
            codes = self.pick(self.n(full, minimum) - (year == 2024 and q is not None), exclude, pool)
            if year == 2024 and q:
                codes = [q, *codes]
            if year == 2026:
                statuses = self.allocate(
                    len(codes),
                    [S.APPROVED, S.RECOMMENDED, S.SUBMITTED, S.NOT_APPROVED],
                    {S.APPROVED: 6, S.RECOMMENDED: 2},
                )
            else:
                statuses = self.allocate(
                    len(codes), [S.APPROVED, S.NOT_APPROVED, S.REJECTED], {S.APPROVED: 8, S.NOT_APPROVED: 1}
                )
            for code, status in zip(codes, statuses, strict=True):
                self.qualification(
                    "psme", year, code, status, dt.date(year, 6, 26), by_enterprise=code == q, review=True
                )
                if status == S.APPROVED:
                    holders.append(code)

    def plan_rdc(self) -> None:
        hte_holders = [c for c, awards in self.awards.items() if any(p == "hte" for p, _a in awards)]
        pool = [c for c in self.tech if c in hte_holders]
        holders: list[str] = []
        for year, full, minimum in ((2023, 4, 1), (2024, 5, 1), (2025, 5, 2), (2026, 5, 2)):
            codes = self.pick(self.n(full, minimum), holders, pool)
            statuses: list[str]
            if year == 2023:
                statuses = [S.APPROVED] * len(codes)
            elif year == 2026:
                statuses = self.allocate(len(codes), [S.RECOMMENDED, S.REJECTED], {S.RECOMMENDED: 1})
            else:
                statuses = self.allocate(len(codes), [S.APPROVED], {S.APPROVED: 4, S.NOT_APPROVED: 1})
            for code, status in zip(codes, statuses, strict=True):
                self.qualification("rdc", year, code, status, dt.date(year, 12, 20), review=True)
                if status == S.APPROVED:
                    holders.append(code)

    # projects

    def project(
        self,
        programme: str,
        year: int,
        code: str | None,
        status: str,
        *,
        person: str | None = None,
        title: str = "",
        by_enterprise: bool = False,
        closed: bool = False,
        not_started: bool = False,
        grade: str = "",
    ) -> AppSpec:
        """A plan-project (or team, or talent) application; an approved one gets its life up to today:
        milestones due, done or overdue, grants paid by tranche, accepted, closed or still running."""
        rng = self.rng
        org = self.by_code.get(code or "")
        group = _group(org.industry if org else None)
        if not title:
            titles = NEW_PRODUCTS[group] if programme in ("newprod", "indnew") else PROJECT_TITLES[group]
            title = rng.choice(titles)
        money = {
            # (total budget 万元, requested 万元, granted 万元) ranges
            "keyrd": ((800, 3000), (200, 500), (100, 300)),
            "newprod": ((80, 500), None, None),
            "city_comp": ((150, 600), (30, 50), (20, 50)),
            "city_guide": ((50, 300), None, None),
            "most": ((1000, 1500), (300, 400), (200, 200)),
            "team": ((2500, 4000), (800, 1000), (500, 500)),
            "cteam": ((300, 800), (50, 50), (40, 50)),
        }.get(programme)
        total = requested = grant = None
        if money:
            (t0, t1), req, gr = money
            total = Decimal(rng.randrange(t0, t1 + 1, 10)) * WAN
            if req:
                requested = Decimal(rng.randrange(req[0], req[1] + 1, 10)) * WAN
            if gr:
                grant = min(Decimal(rng.randrange(gr[0], gr[1] + 1, 10)) * WAN, requested or total)
        summary = {
            "keyrd": "项目聚焦关键核心技术攻关，产学研合作开展研发，预期形成发明专利2项以上并实现产业化。",
            "newprod": "新产品试制，完成小批量试生产和用户试用，达到国内同类产品先进水平。",
            "city_comp": "围绕企业主导产品开展技术研发，预期新增产值1000万元以上。",
            "city_guide": "企业自筹资金开展技术研发，市级立项指导。",
            "most": "中央引导地方科技发展资金支持的区域科技创新项目，建设中试基地并开展成果转化。",
            "team": "引进高层次创新团队，建设研发平台，开展关键技术攻关和成果产业化。",
            "cteam": "依托企业研发中心组建创新团队，围绕主导产品开展关键技术攻关。",
            "indnew": "新产品通过省级工业新产品（新技术）鉴定，技术水平达到国内领先。",
            "talent": "推荐人选长期从事企业技术创新工作，主持完成多项省级以上科技项目。",
        }.get(programme, "")
        review = self.review() if S.RECOMMENDED in _path(status, claim=False) else None
        award = None
        milestones: tuple[MilestoneSpec, ...] = ()
        payments: tuple[PaymentSpec, ...] = ()
        if status == S.APPROVED:
            decided = {
                "keyrd": dt.date(year, 9, 28) if year == 2026 else dt.date(year, 6, 20),
                "newprod": dt.date(year, 5, 15),
                "city_comp": dt.date(year, 7, 10),
                "city_guide": dt.date(year, 7, 10),
                "most": dt.date(year, 8, 5),
                "team": dt.date(year, 9, 15),
                "cteam": dt.date(year, 6, 20),
                "indnew": dt.date(year, 10, 20),
                "talent": dt.date(year, 11, 20),
            }[programme]
            document = {
                "keyrd": f"浙科发计〔{year}〕{20 + year % 11}号",
                "newprod": f"浙经信技术〔{year}〕{50 + year % 13}号",
                "city_comp": f"衢市科发〔{year}〕{15 + year % 5}号",
                "city_guide": f"衢市科发〔{year}〕{16 + year % 5}号",
                "most": f"浙财科文〔{year}〕{30 + year % 7}号",
                "team": f"浙科发外〔{year}〕{8 + year % 6}号",
                "cteam": f"开经信〔{year}〕{30 + year % 9}号",
                "indnew": f"浙经信技术〔{year}〕{90 + year % 11}号",
                "talent": f"浙人才办〔{year}〕{12 + year % 4}号",
            }[programme]
            matching = grant if programme == "team" and grant else Decimal(0)
            award = AwardSpec(
                decided, document=document, amount=grant or Decimal(0), matching_amount=matching, grade=grade
            )
            if programme in TEAM_YEARS:  # the construction period (建设期)
                until = decided + relativedelta(years=TEAM_YEARS[programme]) - dt.timedelta(days=1)
                award = replace(award, valid_from=decided, valid_until=until)
            if programme not in ("talent", "indnew") and not not_started:
                status, milestones, payments = self._life(programme, decided, grant, matching, closed)
        return self.add(
            programme,
            year,
            status,
            organisation=code,
            person=person,
            title=title,
            summary=summary,
            total_budget=total,
            requested_amount=requested,
            by_enterprise=by_enterprise,
            review=review,
            award=award,
            milestones=milestones,
            payments=payments,
        )

    def _life(
        self, programme: str, decided: dt.date, grant: Decimal | None, matching: Decimal, closed: bool
    ) -> tuple[str, tuple[MilestoneSpec, ...], tuple[PaymentSpec, ...]]:
        rng, today = self.rng, self.today
        M = Milestone.Kind
        schedule = {
            "keyrd": ((M.MID_TERM, 12), (M.ACCEPTANCE, 30)),
            "newprod": ((M.MID_TERM, 9), (M.ACCEPTANCE, 18)),
            "city_comp": ((M.MID_TERM, 12), (M.ACCEPTANCE, 24)),
            "city_guide": ((M.ACCEPTANCE, 24),),
            "most": ((M.MID_TERM, 12), (M.ACCEPTANCE, 24)),
            "team": (
                (M.SITE_CHECK, 6), (M.ANNUAL_CHECK, 12), (M.MID_TERM, 24), (M.ANNUAL_CHECK, 36),
                (M.ACCEPTANCE, 60),
            ),
            "cteam": ((M.SITE_CHECK, 12), (M.ANNUAL_CHECK, 24), (M.ACCEPTANCE, 36)),
        }[programme]  # fmt: skip
        milestones: list[MilestoneSpec] = []
        accepted = False
        for i, (kind, months) in enumerate(schedule):
            due = decided + relativedelta(months=months)
            if closed and i > 0:
                break
            if due >= today:
                milestones.append(MilestoneSpec(kind, due))
                break  # later checkpoints wait for this one
            recent = due >= today - dt.timedelta(days=200)
            # One recent checkpoint is left overdue on purpose (the reminders and lists show it); others
            # are done, except that a recent one is now and then still waiting for the enterprise.
            force = recent and not self.overdue_done and programme not in ("team", "cteam") and not closed
            if not force and due < today - dt.timedelta(days=30) and (not recent or rng.random() < 0.85):
                done = min(due + dt.timedelta(days=rng.randint(-20, 25)), today - dt.timedelta(days=3))
                note = (
                    "经专家组验收，项目完成合同任务指标，同意通过验收。"
                    if kind == M.ACCEPTANCE
                    else "专家组现场检查，进展符合合同要求，同意通过。"
                )
                milestones.append(MilestoneSpec(kind, due, done, Milestone.Result.PASSED, note))
                accepted = kind == M.ACCEPTANCE
                continue
            self.overdue_done = self.overdue_done or force
            milestones.append(MilestoneSpec(kind, due, note="已提醒企业按期报送材料。"))
            break
        source = {
            "keyrd": "provincial", "city_comp": "city", "most": "central", "team": "provincial", "cteam": "county",
        }  # fmt: skip
        payments: list[PaymentSpec] = []
        if grant:
            tranches = {"keyrd": (6, 4), "city_comp": (10,), "most": (5, 5), "team": (6, 4), "cteam": (5, 5)}[
                programme
            ]
            paid = Decimal(0)
            for i, tenth in enumerate(tranches):
                when = decided + relativedelta(months=2 + 12 * i)
                if when >= today - dt.timedelta(days=7) or (closed and i > 0):
                    break
                amount = grant - paid if i == len(tranches) - 1 else grant * tenth / 10
                paid += amount
                payments.append(
                    PaymentSpec(
                        amount=amount.quantize(Decimal(1)),
                        source=source[programme],
                        fiscal_year=when.year,
                        paid_on=when,
                        voucher_no=self.voucher_no(when),
                        tranche=i + 1,
                        note="上级补助资金转拨",
                    )
                )
        if matching:
            # County matching funds in three tranches, each after a passed check (开政发〔2024〕21号): the
            # site check, the mid-term check and the acceptance (the annual checks release nothing).
            passed = [
                m for m in milestones if m.result == Milestone.Result.PASSED and m.kind != M.ANNUAL_CHECK
            ]
            paid = Decimal(0)
            for i, check in enumerate(passed[:3]):
                assert check.done_on is not None
                when = check.done_on + dt.timedelta(days=45)
                if when >= today - dt.timedelta(days=7):
                    break
                amount = (matching * Decimal("0.3")).quantize(Decimal(1)) if i < 2 else matching - paid
                paid += amount
                payments.append(
                    PaymentSpec(
                        amount=amount,
                        source=FundingSource.COUNTY,
                        fiscal_year=when.year,
                        paid_on=when,
                        voucher_no=self.voucher_no(when),
                        tranche=i + 1,
                        is_matching=True,
                        note="县级配套资金",
                    )
                )
        if closed:
            return S.CLOSED, tuple(milestones), tuple(payments)
        return (S.ACCEPTED if accepted else S.IN_PROGRESS), tuple(milestones), tuple(payments)

    def voucher_no(self, when: dt.date) -> str:
        return f"记-{when.year}-{when.month:02d}{self.next_seq(f'voucher{when.year}'):04d}"

    def plan_projects(self) -> None:
        q = self.qiye
        hte_holders = [c for c in self.tech if any(p == "hte" for p, _a in self.awards.get(c, ()))]
        strong_pool = hte_holders + self.tech
        # (programme, year, n at full scale, minimum, required statuses, weights)
        table: list[tuple[str, int, int, int, list[str], dict[str, int]]] = [
            ("keyrd", 2023, 3, 1, [S.APPROVED], {S.APPROVED: 1}),
            ("keyrd", 2024, 4, 2, [S.APPROVED, S.NOT_APPROVED], {S.APPROVED: 3, S.NOT_APPROVED: 1}),
            ("keyrd", 2025, 5, 2, [S.APPROVED, S.NOT_APPROVED], {S.APPROVED: 3, S.NOT_APPROVED: 2}),
            ("keyrd", 2026, 5, 3, [S.APPROVED, S.RECOMMENDED, S.REJECTED], {S.APPROVED: 2, S.RECOMMENDED: 2}),
            ("newprod", 2023, 10, 1, [S.APPROVED], {S.APPROVED: 1}),
            ("newprod", 2024, 10, 2, [S.APPROVED], {S.APPROVED: 9, S.NOT_APPROVED: 1}),
            ("newprod", 2025, 12, 2, [S.APPROVED], {S.APPROVED: 9, S.NOT_APPROVED: 1}),
            ("newprod", 2026, 10, 3, [S.APPROVED, S.RECOMMENDED, S.DRAFT], {S.APPROVED: 6, S.RECOMMENDED: 2}),
            ("city_comp", 2024, 6, 2, ["closed", S.NOT_APPROVED], {S.APPROVED: 3, S.NOT_APPROVED: 1}),
            ("city_comp", 2025, 6, 2, [S.APPROVED, S.REJECTED], {S.APPROVED: 3, S.NOT_APPROVED: 1}),
            ("city_comp", 2026, 6, 4, [S.APPROVED, S.RECOMMENDED, S.RETURNED, S.SUBMITTED], {S.APPROVED: 3}),
            ("city_guide", 2024, 6, 1, [S.APPROVED], {S.APPROVED: 1}),
            ("city_guide", 2025, 6, 1, [S.APPROVED], {S.APPROVED: 1}),
            ("city_guide", 2026, 6, 2, [S.APPROVED, S.NOT_APPROVED], {S.APPROVED: 4}),
        ]
        for programme, year, full, minimum, required, weights in table:
            n = self.n(full, minimum)
            pool = strong_pool if programme in ("keyrd", "most") else self.tech
            offset = self.rng.randrange(max(1, len(pool) // 3))
            codes = self.pick(n, pool=pool[offset:] + pool[:offset])
            if programme == "keyrd" and year == 2025 and q:
                codes = [q, *codes[:-1]] if codes else [q]
            statuses = self.allocate(len(codes), required, weights)
            for code, status in zip(codes, statuses, strict=True):
                closed = status == "closed"
                self.project(
                    programme,
                    year,
                    code,
                    S.APPROVED if closed else status,
                    closed=closed,
                    not_started=programme == "keyrd" and year == 2026,
                    by_enterprise=code == q,
                )
        for year, status in ((2024, S.APPROVED), (2025, S.NOT_APPROVED), (2026, S.SUBMITTED)):
            self.project("most", year, self.pick(1, pool=strong_pool)[0], status)
        # The demo enterprise's own draft in the call open today (see plan_open_call).

    def plan_people(self) -> None:
        rng = self.rng
        strong = [c for c in self.tech if self.by_code[c].years] or self.tech
        for i in range(self.n(6, 3)):
            name, gender = self._name()
            org = strong[(i * 7) % len(strong)]
            self.talents.append(
                TalentSpec(
                    key=f"talent:{i + 1:02d}",
                    name=name,
                    gender=gender,
                    organisation=org,
                    title=rng.choice(TALENT_TITLES),
                    position=rng.choice(TALENT_POSITIONS),
                    specialties=f"长期从事{rng.choice(('有机硅材料', '电子材料', '精密制造', '茶叶加工装备', '生物医药'))}"
                    f"研发，主持省级以上科技项目{rng.randint(2, 6)}项，授权发明专利{rng.randint(3, 15)}件。",
                    phone=rng.choice(MOBILE_PREFIXES) + "".join(rng.choice("0123456789") for _ in range(8)),
                )
            )
        talents = self.talents
        plan = (
            (2024, (S.APPROVED, S.NOT_APPROVED)),
            (2025, (S.APPROVED, S.REJECTED)),
            (2026, (S.RECOMMENDED, S.SUBMITTED)),
        )
        k = 0
        for year, statuses in plan:
            for status in statuses:
                t = talents[k % len(talents)]
                k += 1
                self.project(
                    "talent",
                    year,
                    None,
                    status,
                    person=t.key,
                    title=f"浙江省“万人计划”{rng.choice(TALENT_CATEGORIES)}",
                )
        for i, (year, status) in enumerate(((2024, S.APPROVED), (2025, S.APPROVED), (2026, S.RECOMMENDED))):
            leader = talents[i % len(talents)]
            self.project("team", year, leader.organisation, status, person=leader.key, title=TEAM_TITLES[i])

    def plan_platforms_and_grades(self) -> None:
        """What the fidelity records add: the development zone's (and a department's) platform applications,
        graded 省级工业新产品, county key teams and a cooperative's guiding city project."""
        # 省级产业创新服务综合体: a county department tries first, the development zone is recognised.
        for year, code, status, title in (
            (2024, self.department, S.NOT_APPROVED, "开化县茶产业创新服务综合体"),
            (2025, self.zone, S.APPROVED, "开化经济开发区硅材料产业创新服务综合体"),
        ):
            if code is None:
                continue
            award = (
                self._qualification_award("platform", dt.date(year, 12, 10), False)
                if status == S.APPROVED
                else None
            )
            self.add(
                "platform",
                year,
                status,
                organisation=code,
                title=title,
                summary="整合检验检测、研发设计、成果转化等资源，为产业集群提供全链条创新服务。",
                award=award,
                review=self.review(),
            )
        # 省级工业新产品（新技术）: appraised each autumn, A类 or B类 (the rules reward them differently).
        for year, full, minimum in ((2023, 6, 2), (2024, 8, 3), (2025, 8, 3), (2026, 6, 2)):
            codes = self.pick(self.n(full, minimum), pool=self.tech[len(self.tech) // 3 :])
            for i, code in enumerate(codes):
                status = S.RECOMMENDED if year == 2026 and i % 2 else S.APPROVED
                grade = "A类" if i % 3 == 0 else "B类"
                self.project("indnew", year, code, status, grade=grade if status == S.APPROVED else "")
        # County key innovation teams (开化县重点创新团队): funded by the county in two tranches, site-checked a
        # year after their approval, then checked every year.
        hosts = self.pick(4, pool=[c for c in self.tech if self.by_code[c].years])
        titles = (
            "硅基新材料县重点创新团队", "名优茶加工装备县重点创新团队", "液压元件县重点创新团队", "电子化学品县重点创新团队",
        )  # fmt: skip
        for i, (year, status) in enumerate(
            ((2024, S.APPROVED), (2024, S.APPROVED), (2025, S.APPROVED), (2026, S.SUBMITTED))
        ):
            if i < len(hosts):
                self.project("cteam", year, hosts[i], status, title=titles[i])
        # A farmers' cooperative's guiding (指导性) city project.
        if self.cooperative:
            self.project(
                "city_guide", 2025, self.cooperative, S.APPROVED, title="高山生态茶园绿色防控技术集成与示范"
            )

    def _name(self) -> tuple[str, str]:
        rng = self.rng
        while True:
            gender = "female" if rng.random() < 0.3 else "male"
            pool = GIVEN_FEMALE if gender == "female" else GIVEN_MALE
            surname = rng.choices([s for s, _w in SURNAMES], weights=[w for _s, w in SURNAMES])[0]
            name = surname + rng.choice(pool) + rng.choice(pool)
            if name not in self.taken_names and len(set(name)) == len(name):
                self.taken_names.add(name)
                return name, gender

    def plan_open_call(self) -> None:
        """A call open today (a city call for next year), with the demo enterprise's draft in it."""
        opens = self.today - dt.timedelta(days=14)
        year = (self.today + dt.timedelta(days=40)).year
        name = f"{year}年度" if ("city_comp", f"{year}年度") not in self.calls else f"{year}年度（第二批）"
        self.calls[("city_comp", name)] = CallSpec(
            "city_comp",
            year,
            name,
            opens,
            self.today + dt.timedelta(days=40),
            self.today + dt.timedelta(days=30),
            "衢州市科技计划项目（竞争性）申报，县级推荐截止前完成网上填报并提交纸质材料。",
        )
        if self.qiye:
            org = self.by_code[self.qiye]
            spec = AppSpec(
                key=f"city_comp:{year}:open",
                programme="city_comp",
                call=name,
                status=S.DRAFT,
                path=(),
                comments=(),
                organisation=self.qiye,
                title=self.rng.choice(PROJECT_TITLES[_group(org.industry)]),
                summary="围绕企业主导产品开展技术研发，预期新增产值1000万元以上。",
                total_budget=300 * WAN,
                requested_amount=40 * WAN,
                by_enterprise=True,
            )
            self.apps.append(spec)

    # claims

    def plan_claims(self) -> None:
        rng, q = self.rng, self.qiye
        published = {2024: dt.date(2024, 7, 1), 2025: dt.date(2025, 7, 7), 2026: dt.date(2026, 11, 9)}
        paid_on = {2024: dt.date(2024, 7, 25), 2025: dt.date(2025, 7, 28), 2026: dt.date(2026, 11, 20)}
        order = {c: i for i, c in enumerate(self.by_code)}
        for year in YEARS:
            programme = CLAIM_PROGRAMMES[year]
            achievements = {
                code: [(p, a) for p, a in awards if p in RULE_PROGRAMMES and a.decided_on.year == year - 1]
                for code, awards in self.awards.items()
            }
            eligible = sorted((c for c, items in achievements.items() if items), key=order.__getitem__)
            rng.shuffle(eligible)
            if q in eligible:
                eligible.remove(q)
                eligible.insert(0, q)
            if year == 2026:
                head = [S.SUBMITTED, "decided:resolved", "decided:open", S.CHECKED, S.RETURNED, S.DRAFT]
                if q not in eligible:
                    head = head[1:]
            else:
                head = [S.PAID, "paid:returned", S.REJECTED]
            statuses = head[: len(eligible)] + [S.PAID] * max(0, len(eligible) - len(head))
            notice = f"claim{year}"
            overlap_done = False
            for i, (code, status) in enumerate(zip(eligible, statuses, strict=True)):
                if i >= len(head) and len(eligible) >= 10 and rng.random() < 0.08:
                    continue  # eligible but not claimed (the eligibility list shows these)
                items = achievements[code]
                override = ""
                new_product = any(p in NEW_PRODUCTS_RULED for p, _a in items)
                if not overlap_done and new_product and len(items) > 1 and status.startswith(S.PAID):
                    override, overlap_done = "overlap", True
                final = status.split(":")[0]
                names = "、".join(
                    dict.fromkeys(next(p.name for p in PROGRAMMES if p.key == k) for k, _a in items)
                )
                self.add(
                    programme,
                    year,
                    final,
                    organisation=code,
                    summary=f"申报{year - 1}年度取得的事项：{names}。",
                    by_enterprise=code == q,
                    returned_once=status == "paid:returned",
                    override=override,
                    notice=notice if final in (S.DECIDED, S.PAID) else "",
                    award=None,
                    payments=(
                        PaymentSpec(
                            None,
                            FundingSource.COUNTY,
                            year,
                            paid_on[year],
                            self.voucher_no(paid_on[year]),
                            note="科技创新政策奖励兑现",
                        ),
                    )
                    if final == S.PAID
                    else (),
                    submitted_on=dt.date(year, 3, rng.randint(5, 28)),
                    milestones=(),
                    review=None,
                )
                if status.startswith("decided:"):
                    app = self.apps[-1]
                    self.objections.append(
                        ObjectionSpec(
                            notice,
                            app.key,
                            published[year] + dt.timedelta(days=2),
                            "匿名来电" if status.endswith("open") else "某企业员工（实名）",
                            "反映该企业申报奖励的研发中心实际未正常运行，要求核查。"
                            if status.endswith("open")
                            else "反映该企业高新技术企业证书所载名称与营业执照不一致。",
                            ""
                            if status.endswith("open")
                            else "经核查，企业于认定后办理了名称变更，已提供市场监管部门变更证明，异议不成立。",
                        )
                    )
            # One enterprise with nothing to claim tries anyway and is turned down.
            claimed = set(eligible)
            outsider = next((c for c in self.tech[::-1] if c not in claimed and c != q), None)
            if outsider:
                self.add(
                    programme,
                    year,
                    S.REJECTED,
                    organisation=outsider,
                    summary="申报研发投入奖励。",
                    path=(S.SUBMITTED, S.REJECTED),
                    comments=("", CLAIM_NOTHING_REASON),
                    submitted_on=dt.date(year, 4, 2),
                )
            self.notices.append(
                NoticeSpec(
                    notice,
                    f"{year}年度科技创新政策奖励兑现名单公示",
                    PublicNotice.Purpose.PAYMENT,
                    published[year],
                    f"根据相关政策文件，经企业申报、县经信科技局会同县财政局审核，现将{year}年度科技创新政策奖励"
                    "兑现名单予以公示。公示期内，如有异议，请以书面形式向县经信科技局反映。",
                )
            )

    # vouchers and the coaching log

    def plan_vouchers(self, specs: DemoSpecs) -> tuple[list[ProviderSpec], list[VoucherSpec]]:
        rng, today = self.rng, self.today
        providers_orgs = [o for o in specs.organisations if o.kind == Organisation.Kind.PROVIDER][:4]
        university = next((o for o in specs.organisations if o.name == "杭州师范大学"), None)
        services_text = (
            "检验检测",
            "产品检测、计量校准",
            "研发设计、技术咨询、知识产权服务",
            "检验检测、认证咨询",
        )
        providers = [
            ProviderSpec(o.credit_code, services_text[i], dt.date(2024, 3, 1 + i * 3))
            for i, o in enumerate(providers_orgs)
        ]
        if university:
            providers.append(
                ProviderSpec(university.credit_code, "有机硅材料分析测试、委托研发", dt.date(2024, 3, 20))
            )
        vouchers: list[VoucherSpec] = []
        n = self.n(40, 9)
        per_year = {2024: n * 35 // 100, 2025: n * 35 // 100}
        per_year[2026] = n - per_year[2024] - per_year[2025]
        for year, count in per_year.items():
            codes = self.rng.sample(self.tech, min(count, len(self.tech)))
            if year == 2026 and self.qiye:
                codes = [self.qiye, *codes[:-1]]
            required = ["partial", "full", "none"]
            outcomes = self.allocate(len(codes), required, {"full": 4, "partial": 3, "none": 3})
            for i, (code, outcome) in enumerate(zip(codes, outcomes, strict=True)):
                amount = Decimal(rng.choice((1, 2, 2, 3, 5))) * WAN
                issued = dt.date(year, 4, 15) + dt.timedelta(days=rng.randint(0, 45))
                expires = dt.date(year + 1, 3, 31)
                last = min(expires, today - dt.timedelta(days=1))
                redemptions: list[RedemptionSpec] = []
                parts: list[Decimal] = []
                if outcome == "full":
                    parts = [amount] if amount <= 2 * WAN or rng.random() < 0.5 else [amount / 2, amount / 2]
                elif outcome == "partial":
                    parts = [amount * rng.randint(3, 7) / 10]
                day = issued
                for part in parts:
                    day = self.date_in(day + dt.timedelta(days=15), min(last, day + dt.timedelta(days=150)))
                    if day > last:
                        break
                    provider = rng.choice(providers)
                    redemptions.append(
                        RedemptionSpec(
                            provider.organisation,
                            f"HT{day.year}{self.next_seq(f'contract{day.year}', 1):04d}",
                            part * 2,
                            part,
                            day,
                        )
                    )
                vouchers.append(
                    VoucherSpec(
                        f"KH-CXQ-{year}-{i + 1:03d}", code, amount, issued, expires, tuple(redemptions)
                    )
                )
        return providers, vouchers

    def plan_logs(self) -> list[LogSpec]:
        rng, today = self.rng, self.today
        codes = list(self.tech) + ([self.qiye] * 3 if self.qiye else [])
        logs = []
        for _ in range(self.n(150, 15)):
            day = today - dt.timedelta(days=rng.randint(1, 730))
            if day.weekday() >= 5:
                day -= dt.timedelta(days=day.weekday() - 4)
            channel = rng.choices([c for c, _w in LOG_CHANNELS], weights=[w for _c, w in LOG_CHANNELS])[0]
            topic, programme = rng.choice(LOG_TOPICS[channel])
            logs.append(LogSpec(rng.choice(codes), programme, day, channel, topic, rng.choice(FOLLOW_UPS)))
        logs.sort(key=lambda log: log.date)
        return logs


def _with_notice(app: AppSpec, notice: str) -> AppSpec:
    return replace(app, notice=notice)


def programmes_plan(specs: DemoSpecs, *, today: dt.date) -> ProgrammesPlan:
    """Every programmes record of the demo as plain data. Pure: the same specs and date give the same plan."""
    p = _Planner(specs, today)
    p.plan_hte()
    p.plan_nsme()
    p.plan_psme()
    p.plan_rdc()
    p.plan_projects()
    p.plan_people()
    p.plan_platforms_and_grades()
    p.plan_open_call()
    p.plan_claims()  # last: claims reward the achievements planned above
    providers, vouchers = p.plan_vouchers(specs)
    logs = p.plan_logs()
    calls = sorted(p.calls.values(), key=lambda c: (c.year, c.opens_on, c.programme, c.name))
    return ProgrammesPlan(
        today=today,
        policies=POLICIES,
        programmes=PROGRAMMES,
        calls=tuple(calls),
        talents=tuple(p.talents),
        applications=tuple(p.apps),
        notices=tuple(p.notices),
        objections=tuple(p.objections),
        providers=tuple(providers),
        vouchers=tuple(vouchers),
        logs=tuple(logs),
    )


# --- writing it -------------------------------------------------------------------------------------------------


class _Writer:
    def __init__(self, plan: ProgrammesPlan, staff: User, enterprise: User | None) -> None:
        self.plan = plan
        self.today = plan.today
        self.staff = staff
        self.enterprise = enterprise
        self.created: Counter = Counter()
        self.county = Region.objects.get(code=KAIHUA)
        codes = {a.organisation for a in plan.applications if a.organisation}
        codes |= {t.organisation for t in plan.talents} | {p.organisation for p in plan.providers}
        codes |= {v.organisation for v in plan.vouchers} | {log.organisation for log in plan.logs}
        self.orgs = {
            o.credit_code: o
            for o in Organisation.objects.filter(credit_code__in=codes).select_related("region__parent")
        }
        self.policies: dict[str, PolicyDocument] = {}
        self.programmes: dict[str, Programme] = {}
        self.calls: dict[tuple[str, str], Call] = {}
        self.people: dict[str, Person] = {}
        self.apps: dict[str, Application] = {}
        self.awards: dict[str, Award] = {}
        self.position: dict[str, int] = {}
        self.moments: dict[str, dt.datetime] = {}
        self.notices: dict[str, PublicNotice] = {}

    def run(self) -> Counter:
        self.write_catalogue()
        self.write_people()
        groups: dict[tuple[str, str], list[AppSpec]] = {}
        for spec in self.plan.applications:
            groups.setdefault((spec.programme, spec.call), []).append(spec)
        # Achievements first, claims last: a claim's proposed amount is computed from the recorded awards.
        ordered = sorted(groups.items(), key=lambda kv: kv[0][0].startswith("claim"))
        for _key, specs in ordered:
            self.write_group(specs)
        self.write_vouchers()
        for log in self.plan.logs:
            services.service_log_save(
                by=self.staff,
                data={
                    "organisation": self.orgs[log.organisation],
                    "programme": self.programmes[log.programme] if log.programme else None,
                    "date": log.date,
                    "channel": log.channel,
                    "topic": log.topic,
                    "follow_up": log.follow_up,
                },
            )
            self.created["服务记录"] += 1
        reminders_run(today=self.today)
        # One e-mail channel for the daily digest (no webhooks: the demo runs offline). Added after the
        # reminder run above, so loading the demo sends nothing.
        services.reminder_channel_save(
            by=self.staff,
            data={"county": self.county, "kind": ReminderChannel.Kind.EMAIL, "target": REMINDER_EMAIL},
        )
        return self.created

    def write_catalogue(self) -> None:
        by = self.staff
        for p in self.plan.policies:
            self.policies[p.key] = services.policy_save(
                by=by,
                data={
                    "county": self.county,
                    "title": p.title,
                    "number": p.number,
                    "issuing_bodies": p.issuing_bodies,
                    "issued_on": p.issued_on,
                    "bureau_role": p.bureau_role,
                    "full_text": p.full_text,
                    "short_title": p.short_title,
                },
            )
            self.created["政策文件"] += 1
        for g in self.plan.programmes:
            self.programmes[g.key] = services.programme_save(
                by=by,
                data={
                    "county": self.county,
                    "name": g.name,
                    "level": g.level,
                    "kind": g.kind,
                    "award_form": g.award_form,
                    "category": g.category,
                    "issuer": g.issuer,
                    "policy": self.policies[g.policy] if g.policy else None,
                    "validity_years": g.validity_years,
                    "for_people": g.for_people,
                    "applicant_kinds": list(g.applicant_kinds),
                    "issues_certificate": g.issues_certificate,
                    "nature": g.nature,
                },
            )
            self.created["项目类别"] += 1
        for p in self.plan.policies:
            for r in p.rules:
                services.rule_save(
                    by=by,
                    policy=self.policies[p.key],
                    data={
                        "item": r.item,
                        "article": r.article,
                        "achievement": self.programmes[r.achievement],
                        "achievement_year": r.achievement_year,
                        "amount": r.amount,
                        "cap": r.cap,
                        "recognition": r.recognition,
                        "grade": r.grade,
                    },
                )
        for c in self.plan.calls:
            self.calls[(c.programme, c.name)] = services.call_save(
                by=by,
                data={
                    "programme": self.programmes[c.programme],
                    "year": c.year,
                    "name": c.name,
                    "opens_on": c.opens_on,
                    "closes_on": c.closes_on,
                    "county_deadline": c.county_deadline,
                    "notes": c.notes,
                },
            )
            self.created["申报批次"] += 1

    def write_people(self) -> None:
        for t in self.plan.talents:
            self.people[t.key] = core_services.person_create(
                by=self.staff,
                data={
                    "name": t.name,
                    "gender": t.gender,
                    "county": self.county,
                    "organisation": self.orgs[t.organisation],
                    "title": t.title,
                    "position": t.position,
                    "specialties": t.specialties,
                    "is_talent": True,
                    "phone": t.phone,
                },
            )
            self.created["person"] += 1

    # applications

    def applicant_user(self, spec: AppSpec) -> User:
        return self.enterprise if spec.by_enterprise and self.enterprise is not None else self.staff

    def write_group(self, specs: list[AppSpec]) -> None:
        for spec in specs:
            self.create_application(spec)
            self.created["申报"] += 1
        # Up to the upper level's decision (or to payment), then the 公示, then the rest.
        barrier: set[str] = {S.APPROVED, S.NOT_APPROVED, S.PAID}
        for spec in specs:
            self.walk(spec, barrier)
        for key in dict.fromkeys(s.notice for s in specs if s.notice):
            self.publish(key, [s for s in specs if s.notice == key])
        for spec in specs:
            self.walk(spec, set())
        self.pay_matching(specs)

    def create_application(self, spec: AppSpec) -> None:
        call = self.calls[(spec.programme, spec.call)]
        started = spec.submitted_on - dt.timedelta(days=3) if spec.submitted_on else call.opens_on
        self.moments[spec.key] = timezone.make_aware(
            dt.datetime.combine(min(started, self.today), dt.time(9, 0))
        )
        with services.as_of(self.moments[spec.key]):
            self.apps[spec.key] = services.application_create(
                by=self.applicant_user(spec),
                data={
                    "call": call,
                    "organisation": self.orgs[spec.organisation] if spec.organisation else None,
                    "person": self.people[spec.person] if spec.person else None,
                    "title": spec.title,
                    "summary": spec.summary,
                    "total_budget": spec.total_budget,
                    "requested_amount": spec.requested_amount,
                },
            )

    def walk(self, spec: AppSpec, barrier: set[str]) -> None:
        i = self.position.get(spec.key, 0)
        while i < len(spec.path) and spec.path[i] not in barrier:
            self.step(spec, spec.path[i], spec.comments[i], resubmit=i > 0)
            i += 1
        self.position[spec.key] = i

    def step(self, spec: AppSpec, step: str, comment: str, *, resubmit: bool) -> None:
        # The timeline shows when things happened in the story, not when the demo was loaded.
        with services.as_of(self.moment(spec, step, resubmit=resubmit)):
            self._step(spec, step, comment, resubmit=resubmit)

    def moment(self, spec: AppSpec, step: str, *, resubmit: bool) -> dt.datetime:
        """A plausible time for this step: submission on its day, decisions on their dates, the county's
        own steps ten days apart; never before the previous step nor after today."""
        previous = self.moments.get(spec.key)
        if step == S.SUBMITTED and spec.submitted_on:
            day = spec.submitted_on + dt.timedelta(days=7 if resubmit else 0)
        elif step == S.APPROVED and spec.award is not None:
            day = spec.award.decided_on
        elif step == S.PAID and spec.payments:
            day = max(p.paid_on for p in spec.payments)
        elif step == S.ACCEPTED and any(m.done_on for m in spec.milestones):
            day = max(m.done_on for m in spec.milestones if m.done_on)
        elif previous is not None:
            day = previous.date() + dt.timedelta(days=10)
        else:
            day = self.today
        day = min(max(day, previous.date() if previous else day), self.today)
        minutes = 9 * 60 + (sum(map(ord, spec.key + step)) % 480)  # office hours, varied but deterministic
        moment = timezone.make_aware(dt.datetime.combine(day, dt.time(minutes // 60, minutes % 60)))
        if previous is not None and moment <= previous:
            moment = previous + dt.timedelta(minutes=5)
        self.moments[spec.key] = moment
        return moment

    def _step(self, spec: AppSpec, step: str, comment: str, *, resubmit: bool) -> None:
        app = self.apps[spec.key]
        by, today = self.staff, self.today
        if step == S.SUBMITTED:
            by = self.applicant_user(spec)
            if by is self.enterprise and spec.submitted_on:
                today = spec.submitted_on + dt.timedelta(days=7 if resubmit else 0)
        if step in (S.RECOMMENDED, S.REJECTED) and spec.review and not app.reviews.exists():
            services.review_add(by=self.staff, application=app, opinion=spec.review[0], score=spec.review[1])
        if step == S.APPROVED:
            assert spec.award is not None
            a = spec.award
            award = services.application_approve(
                by=self.staff,
                application=app,
                data={
                    "decided_on": a.decided_on,
                    "document": a.document,
                    "amount": a.amount,
                    "matching_amount": a.matching_amount,
                    "certificate_no": a.certificate_no,
                    "registration_no": a.registration_no,
                    "grade": a.grade,
                    "valid_from": a.valid_from,
                    "valid_until": a.valid_until,
                },
            )
            self.awards[spec.key] = award
            self.created["立项/认定"] += 1
            for m in spec.milestones:
                # recorded as of the demo's today: the story's checks are done by then, not at the approval
                with services.as_of(_morning(self.today)):
                    self._milestone(award, m)
            for p in spec.payments:
                if not p.is_matching:
                    self.pay(award, p)
        elif step == S.DECIDED:
            self._decide(spec, app)
        elif step == S.PAID:
            award = self.awards[spec.key]
            for p in spec.payments:
                self.pay(award, p)
            app.refresh_from_db(fields=["status"])
            assert app.status == S.PAID, (spec.key, app.status)
        else:
            services.application_transition(application=app, to=step, by=by, comment=comment, today=today)

    def _milestone(self, award: Award, m: Any) -> None:
        services.milestone_save(
            by=self.staff,
            award=award,
            data={
                "kind": m.kind,
                "due_on": m.due_on,
                "done_on": m.done_on,
                "result": m.result,
                "note": m.note,
            },
        )

    def _decide(self, spec: AppSpec, app: Application) -> None:
        amount, reason = self.decided_amount(spec, app)
        decided_on = self.notice_spec(spec.notice).published_on - dt.timedelta(days=12)
        # decided on its day: a decision is never dated after the moment it is recorded
        with services.as_of(_morning(max(decided_on, services.today()))):
            self.awards[spec.key] = services.claim_decide(
                by=self.staff, application=app, amount=amount, reason=reason, decided_on=decided_on
            )
        self.created["立项/认定"] += 1

    def notice_spec(self, key: str) -> NoticeSpec:
        return next(n for n in self.plan.notices if n.key == key)

    def decided_amount(self, spec: AppSpec, app: Application) -> tuple[Decimal, str]:
        """The claim's amount: the one the rules propose, less what the policies say staff must take off."""
        proposed = app.proposed_amount or Decimal(0)
        items = list(ClaimItem.objects.filter(application=app).select_related("rule"))
        if spec.override == "overlap":
            products = {self.programmes[k].pk for k in NEW_PRODUCTS_RULED}
            item = next((i for i in items if i.rule.achievement_id in products), None)
            if item is not None and item.amount < proposed:
                return proposed - item.amount, (
                    "该企业同一新产品已享受市级新产品奖励，按“就高不重复”原则核减该项奖励"
                    f"{_wan(item.amount)}万元。"
                )
        return proposed, ""

    def pay(self, award: Award, p: PaymentSpec) -> None:
        amount = p.amount if p.amount is not None else award.amount
        with services.as_of(_morning(p.paid_on)):  # recorded on the day it was paid
            self._pay(award, p, amount)
        self.created["资金拨付"] += 1

    def _pay(self, award: Award, p: PaymentSpec, amount: Decimal) -> None:
        services.disbursement_create(
            by=self.staff,
            award=award,
            data={
                "amount": amount,
                "source": p.source,
                "fiscal_year": p.fiscal_year,
                "paid_on": p.paid_on,
                "voucher_no": p.voucher_no,
                "is_matching": p.is_matching,
                "tranche": p.tranche,
                "note": p.note,
            },
        )

    def publish(self, key: str, specs: list[AppSpec]) -> None:
        n = self.notice_spec(key)
        with services.as_of(_morning(n.published_on)):  # published on the day the story says
            self._publish(key, n, specs)

    def _publish(self, key: str, n: NoticeSpec, specs: list[AppSpec]) -> None:
        notice = services.notice_publish(
            by=self.staff,
            data={
                "county": self.county,
                "title": n.title,
                "purpose": n.purpose,
                "body": n.body,
                "published_on": n.published_on,
                "working_days": n.working_days,
                "contact": CONTACT,
            },
            applications=[self.apps[s.key] for s in specs],
        )
        self.notices[key] = notice
        self.created["公示"] += 1
        for o in self.plan.objections:
            if o.notice != key:
                continue
            objection = services.objection_record(
                by=self.staff,
                notice=notice,
                data={
                    "application": self.apps[o.application],
                    "received_on": o.received_on,
                    "raised_by": o.raised_by,
                    "content": o.content,
                },
            )
            if o.resolution:
                services.objection_resolve(
                    by=self.staff, objection=objection, upheld=False, resolution=o.resolution
                )

    def pay_matching(self, specs: list[AppSpec]) -> None:
        """County matching funds of teams (开政发〔2024〕21号): a payment 公示 of the teams, then the tranches,
        each after a passed check."""
        due = [s for s in specs if any(p.is_matching for p in s.payments) and s.key in self.awards]
        if not due:
            return
        first = min(p.paid_on for s in due for p in s.payments if p.is_matching)
        published = first - dt.timedelta(days=25)
        with services.as_of(_morning(published)):
            self._publish_matching(published, due)
        self.created["公示"] += 1
        for spec in due:
            for p in spec.payments:
                if p.is_matching:
                    self.pay(self.awards[spec.key], p)

    def _publish_matching(self, published: dt.date, due: list[AppSpec]) -> None:
        services.notice_publish(
            by=self.staff,
            data={
                "county": self.county,
                "title": f"省领军型创新创业团队县级配套资金拨付公示（{published.year}年）",
                "purpose": PublicNotice.Purpose.PAYMENT,
                "body": "根据《开化县人民政府关于实施“钱江源英才计划”加快集聚创新创业人才的若干意见》"
                "（开政发〔2024〕21号），现将拟拨付县级配套资金的创新团队予以公示。",
                "published_on": published,
                "working_days": 5,
                "contact": CONTACT,
            },
            applications=[self.apps[s.key] for s in due],
        )

    def write_vouchers(self) -> None:
        providers = {}
        for p in self.plan.providers:
            providers[p.organisation] = services.provider_save(
                by=self.staff,
                data={
                    "county": self.county,
                    "organisation": self.orgs[p.organisation],
                    "services": p.services,
                    "registered_on": p.registered_on,
                },
            )
        for v in self.plan.vouchers:
            with services.as_of(_morning(v.issued_on)):
                voucher = self._issue(v)
            self.created["创新券"] += 1
            for r in v.redemptions:
                with services.as_of(_morning(r.redeemed_on)):
                    services.voucher_redeem(
                        by=self.staff,
                        voucher=voucher,
                        data={
                            "provider": providers[r.provider],
                            "contract_no": r.contract_no,
                            "contract_amount": r.contract_amount,
                            "amount": r.amount,
                            "redeemed_on": r.redeemed_on,
                        },
                    )
        services.vouchers_expire(today=self.today, by=self.staff)

    def _issue(self, v: Any) -> Voucher:
        return services.voucher_issue(
            by=self.staff,
            data={
                "number": v.number,
                "organisation": self.orgs[v.organisation],
                "amount": v.amount,
                "issued_on": v.issued_on,
                "expires_on": v.expires_on,
            },
        )


def _morning(day: dt.date) -> dt.datetime:
    """09:00 of a day, local time: when the demo's story has a notice published or a voucher issued."""
    return timezone.make_aware(dt.datetime.combine(day, dt.time(9, 0)))


def _wan(amount: Decimal) -> str:
    value = (amount / WAN).quantize(Decimal("0.01"), ROUND_HALF_UP)
    return f"{value:f}".rstrip("0").rstrip(".")


def build_programmes_demo(specs: DemoSpecs, *, today: dt.date | None = None) -> Counter:
    """Write the demo county's programmes data (see the module notes). Runs once: a no-op when its flag is
    set, or when the demo accounts it writes as are missing. Returns what it created, by kind."""
    if SystemFlag.objects.filter(key=FLAG).exists():
        return Counter()
    staff = User.objects.filter(username=STAFF_USERNAME, is_active=True).first()
    if staff is None or not Region.objects.filter(code=KAIHUA).exists():
        return Counter()
    enterprise = User.objects.filter(username=ENTERPRISE_USERNAME, is_active=True).first()
    today = today or timezone.localdate()
    plan = programmes_plan(specs, today=today)
    created = _Writer(plan, staff, enterprise).run()
    flag = SystemFlag.objects.create(
        key=FLAG, value=f"seed={specs.seed} scale={specs.scale:g} today={today.isoformat()}"
    )
    audit.record(
        "create", obj=flag, after={"key": flag.key, "value": flag.value}, detail="载入项目与资金演示数据"
    )
    return created


def programmes_demo_counts() -> dict[str, int]:
    """The lines the `demo` command adds to its table for this app (counted from the database)."""
    paid = Disbursement.objects.filter(award__county_id=KAIHUA).aggregate(s=Sum("amount"))["s"] or Decimal(0)
    return {
        "政策文件": PolicyDocument.objects.filter(county_id=KAIHUA).count(),
        "项目类别": Programme.objects.filter(county_id=KAIHUA).count(),
        "申报（含政策兑现）": Application.objects.filter(county_id=KAIHUA).count(),
        "立项/认定": Award.objects.filter(county_id=KAIHUA).count(),
        "资金拨付（万元）": int((paid / WAN).quantize(Decimal(1), ROUND_HALF_UP)),
        "科技创新券": Voucher.objects.filter(county_id=KAIHUA).count(),
        "服务记录": ServiceLog.objects.filter(county_id=KAIHUA).count(),
    }
