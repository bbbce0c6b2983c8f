"""Schemas of the programmes REST API: policies, programmes, calls, applications, awards, disbursements,
qualifications and vouchers. Money is a decimal in 元 (a string in JSON, exact); related records come
as id + name. Rules stay in the models and services; these only shape data."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Annotated, Any, Literal

from ninja import Field, Schema
from pydantic import AfterValidator, ConfigDict

from kechuang.core.api_schemas import InputSchema, IsoDate, OrganisationRef, PersonRef, RegionRef

from . import workflow
from .models import Application, Award, Disbursement, PolicyDocument, Programme, Transition, Voucher

# Allowed values written out so type checkers and the OpenAPI schema see them; a test checks that they
# match the models' choices.
StatusValue = Literal[
    "draft", "submitted", "returned", "rejected", "recommended", "approved", "not_approved", "in_progress",
    "accepted", "closed", "checked", "decided", "paid", "withdrawn",
]  # fmt: skip
LevelValue = Literal["national", "provincial", "city", "county"]
KindValue = Literal["incentive", "qualification", "project", "talent", "team", "commissioner"]
BureauRoleValue = Literal["drafted", "co_drafted", "co_issued", "implements"]
SourceValue = Literal["central", "provincial", "city", "county"]
VoucherStateValue = Literal["issued", "redeemed", "expired"]

MAX_ID = 2_147_483_647
Id = Annotated[int, Field(ge=1, le=MAX_ID)]
Year = Annotated[int, Field(ge=1990, le=2100)]


def _plausible(value: dt.date) -> dt.date:
    """Dates the services can do arithmetic on (three years of validity from 9999-01-01 would overflow)."""
    if not dt.date(1949, 1, 1) <= value <= dt.date(2100, 12, 31):
        raise ValueError("日期须在 1949–2100 年之间。")
    return value


PlausibleDate = Annotated[IsoDate, AfterValidator(_plausible)]
Money = Annotated[Decimal, Field(ge=0, max_digits=18, decimal_places=2)]
PositiveMoney = Annotated[Decimal, Field(gt=0, max_digits=18, decimal_places=2)]


# --- references ---------------------------------------------------------------------------------------------


class ProgrammeRef(Schema):
    id: int
    name: str = Field(..., description="项目类别名称")


class PolicyRef(Schema):
    id: int
    number: str = Field(..., description="文号")
    title: str = Field(..., description="文件标题")


class CallRef(Schema):
    id: int
    name: str = Field(..., description="批次")
    year: int = Field(..., description="年度")


# --- policies -------------------------------------------------------------------------------------------------


class RuleOut(Schema):
    id: int
    item: str = Field(..., description="奖励事项")
    article: str = Field(..., description="条款")
    achievement: ProgrammeRef = Field(..., description="认定成果（项目类别）")
    achievement_year: int = Field(..., description="成果年度")
    recognition: str = Field(..., description="认定情形：空为不限，first 首次认定，renewal 重新认定")
    grade: str = Field(..., description="成果等级（空为不限）")
    amount: Decimal = Field(..., description="每项奖励（元）")
    cap: Decimal | None = Field(None, description="每家上限（元），无上限为 null")


class PolicyOut(Schema):
    id: int
    county: RegionRef = Field(..., description="所属县")
    number: str = Field(..., description="文号，如 开经信〔2020〕80号")
    issuer_code: str = Field(..., description="发文机关代字")
    number_year: int = Field(..., description="文号年份")
    number_serial: int = Field(..., description="文号序号")
    title: str = Field(..., description="文件标题")
    short_title: str = Field(..., description="简称")
    issuing_bodies: str = Field(..., description="发文机关")
    issued_on: dt.date = Field(..., description="成文日期")
    bureau_role: str = Field(
        ...,
        description="本局角色：drafted 牵头起草、co_drafted 参与起草、co_issued 联合发文、implements 贯彻执行",
    )
    bureau_role_label: str
    created_at: dt.datetime
    updated_at: dt.datetime

    @staticmethod
    def resolve_bureau_role_label(obj: PolicyDocument) -> str:
        return str(obj.get_bureau_role_display())


class PolicyDetailOut(PolicyOut):
    full_text: str = Field(..., description="正文")
    rules: list[RuleOut] = Field(..., description="奖励条款")

    @staticmethod
    def resolve_rules(obj: PolicyDocument) -> Any:
        return obj.rules.select_related("achievement").order_by("article", "pk")


class PolicyFilters(InputSchema):
    q: str = Field("", max_length=100, description="标题或文号中包含的文字")
    year: Year | None = Field(None, description="文号年份")


class PolicyIn(InputSchema):
    model_config = ConfigDict(extra="forbid")

    county: str = Field(..., min_length=6, max_length=6, description="所属县的 6 位行政区划代码")
    number: str = Field(
        ...,
        min_length=1,
        max_length=60,
        description="文号：发文机关代字〔年份〕序号号，如 开经信〔2020〕80号",
    )
    title: str = Field(..., min_length=1, max_length=200, description="文件标题")
    short_title: str = Field("", max_length=40, description="简称，如“工业四十条”")
    issuing_bodies: str = Field(..., min_length=1, max_length=200, description="发文机关")
    issued_on: PlausibleDate = Field(..., description="成文日期（YYYY-MM-DD），年份须与文号年份一致")
    bureau_role: BureauRoleValue = Field(..., description="本局角色")
    full_text: str = Field("", max_length=100_000, description="正文")


# --- programmes and calls ---------------------------------------------------------------------------------------


class ProgrammeOut(Schema):
    id: int
    county: RegionRef = Field(..., description="所属县")
    name: str = Field(..., description="名称")
    level: str = Field(..., description="层级：national 国家级、provincial 省级、city 市级、county 县级")
    level_label: str
    kind: str = Field(
        ...,
        description="类型：incentive 政策奖励、qualification 资质认定、project 科技计划项目、talent 人才计划、"
        "team 创新团队、commissioner 特派员项目",
    )
    kind_label: str
    award_form: str = Field(
        ...,
        description="结果形式：money 奖励资金、qualification 资质、registration 入库登记、project 立项、honour 入选",
    )
    award_form_label: str
    category: str = Field(..., description="类别")
    issuer: str = Field(..., description="主管部门")
    policy: PolicyRef | None = Field(None, description="政策依据")
    validity_years: int | None = Field(None, description="资质有效期（年）")
    for_people: bool = Field(..., description="申报人为个人")
    applicant_kinds: list[str] = Field(
        ...,
        description="受理申报（个人申报的项目为推荐）的单位类型代码：enterprise 企业、cooperative 农民专业合作社、"
        "department 县级部门、dev_zone 开发区管委会等",
    )
    applicant_kinds_text: str = Field(..., description="受理申报的单位类型（中文）")
    issues_certificate: bool = Field(..., description="认定结果是否有证书编号（研发中心、重点实验室等为否）")
    nature: str = Field(
        "", description="项目性质（科技计划项目）：competitive 竞争性、guiding 指导性；不区分为空"
    )
    nature_label: str = ""
    is_active: bool = Field(..., description="有效")

    @staticmethod
    def resolve_nature_label(obj: Programme) -> str:
        return str(obj.get_nature_display()) if obj.nature else ""

    @staticmethod
    def resolve_level_label(obj: Programme) -> str:
        return str(obj.get_level_display())

    @staticmethod
    def resolve_kind_label(obj: Programme) -> str:
        return str(obj.get_kind_display())

    @staticmethod
    def resolve_award_form_label(obj: Programme) -> str:
        return str(obj.get_award_form_display())


class ProgrammePatch(InputSchema):
    """Every field optional; only the fields sent are changed."""

    model_config = ConfigDict(extra="forbid")

    category: str | None = Field(None, min_length=1, max_length=50, description="类别")
    issuer: str | None = Field(None, min_length=1, max_length=100, description="主管部门")
    nature: Literal["", "competitive", "guiding"] | None = Field(
        None, description="项目性质（仅科技计划项目）：competitive 竞争性、guiding 指导性、空为不区分"
    )
    is_active: bool | None = Field(None, description="有效")


class AwardPatch(InputSchema):
    """Every field optional; only the fields sent are changed."""

    model_config = ConfigDict(extra="forbid")

    document: str | None = Field(None, max_length=100, description="批准文件")
    valid_from: PlausibleDate | None = Field(
        None, description="立项项目的实施期、创新团队的建设期起（资质的有效期起）"
    )
    valid_until: PlausibleDate | None = Field(
        None, description="立项项目的实施期、创新团队的建设期至（资质的有效期自动计算）"
    )


class ProgrammeFilters(InputSchema):
    q: str = Field("", max_length=100, description="名称或类别中包含的文字")
    kind: KindValue | None = Field(None, description="类型")
    level: LevelValue | None = Field(None, description="层级")


class CallOut(Schema):
    id: int
    programme: ProgrammeRef = Field(..., description="项目类别")
    year: int = Field(..., description="年度")
    name: str = Field(..., description="批次")
    opens_on: dt.date = Field(..., description="开始申报")
    closes_on: dt.date = Field(..., description="申报截止")
    county_deadline: dt.date | None = Field(None, description="县级推荐截止")
    notes: str = Field(..., description="说明")


class CallFilters(InputSchema):
    programme: Id | None = Field(None, description="项目类别编号")
    year: Year | None = Field(None, description="年度")


# --- applications --------------------------------------------------------------------------------------------


class ApplicationOut(Schema):
    id: int
    call: CallRef = Field(..., description="申报批次")
    programme: ProgrammeRef = Field(..., description="项目类别")
    county: RegionRef = Field(..., description="所属县")
    organisation: OrganisationRef | None = Field(None, description="申报单位")
    person: PersonRef | None = Field(None, description="申报人（个人申报）")
    applicant_name: str = Field(..., description="申报单位（人）名称")
    title: str = Field(..., description="项目/团队名称")
    summary: str = Field(..., description="申报内容")
    total_budget: Decimal | None = Field(None, description="总投资（元）")
    requested_amount: Decimal | None = Field(None, description="申请补助（元）")
    proposed_amount: Decimal | None = Field(None, description="按政策测算（元）")
    decided_amount: Decimal | None = Field(None, description="核定金额（元）")
    status: str = Field(..., description="状态")
    status_label: str
    submitted_at: dt.datetime | None = None
    is_backfill: bool = Field(False, description="补录的历史记录（不能用于今天的兑现）")
    backfill_reference: str = Field("", description="补录依据的文号（核定文件或公示），非补录为空")
    status_changed_at: dt.datetime | None = None
    created_at: dt.datetime
    updated_at: dt.datetime

    @staticmethod
    def resolve_status_label(obj: Application) -> str:
        return str(obj.get_status_display())


class TransitionOut(Schema):
    from_status: str = Field(..., description="原状态（新建时为空）")
    from_label: str
    to_status: str = Field(..., description="新状态")
    to_label: str
    actor: str = Field(..., description="办理人账号")
    at: dt.datetime = Field(..., description="时间")
    comment: str = Field(..., description="说明")

    @staticmethod
    def resolve_from_label(obj: Transition) -> str:
        return str(obj.get_from_status_display()) if obj.from_status else ""

    @staticmethod
    def resolve_to_label(obj: Transition) -> str:
        return str(obj.get_to_status_display())

    @staticmethod
    def resolve_actor(obj: Transition) -> str:
        return obj.actor_label


class MoveOut(Schema):
    to: str = Field(..., description="可变更为的状态")
    label: str = Field(..., description="操作名称")
    needs_comment: bool = Field(..., description="须填写理由")
    via_endpoint: str = Field(
        ...,
        description="为空时用 /transition 办理；approve 用 /approve，pay 即登记拨付（/disbursements），"
        "decide（核定奖励金额）在网页办理",
    )


class ApplicationDetailOut(ApplicationOut):
    transitions: list[TransitionOut] = Field(..., description="办理记录（时间线）")
    award_id: int | None = Field(None, description="立项/认定结果编号")
    moves: list[MoveOut] = Field(..., description="您现在可以办理的操作")

    @staticmethod
    def resolve_transitions(obj: Application) -> Any:
        return obj.transitions.all()

    @staticmethod
    def resolve_award_id(obj: Application) -> int | None:
        return Award.objects.filter(application=obj).values_list("pk", flat=True).first()

    @staticmethod
    def resolve_moves(obj: Application, context: Any) -> list[dict[str, Any]]:
        request = (context or {}).get("request")
        user = getattr(request, "auth", None)
        if user is None:
            return []
        return [
            {
                "to": m.target,
                "label": str(m.label),
                "needs_comment": m.needs_comment,
                "via_endpoint": m.via_service,
            }
            for m in workflow.available_moves(user, obj)
        ]


class ApplicationFilters(InputSchema):
    q: str = Field("", max_length=100, description="申报单位、申报人或项目名称中包含的文字")
    status: StatusValue | None = Field(None, description="状态")
    kind: KindValue | None = Field(None, description="项目类型")
    programme: Id | None = Field(None, description="项目类别编号")
    call: Id | None = Field(None, description="申报批次编号")
    year: Year | None = Field(None, description="批次年度")


class ApplicationIn(InputSchema):
    model_config = ConfigDict(extra="forbid")

    call: Id = Field(..., description="申报批次编号")
    organisation: Id | None = Field(None, description="申报单位编号（单位申报）")
    person: Id | None = Field(None, description="申报人编号（个人申报，如人才计划）")
    title: str = Field("", max_length=200, description="项目/团队名称（项目、团队类必填）")
    summary: str = Field("", max_length=20_000, description="申报内容")
    total_budget: Money | None = Field(None, description="总投资（元）")
    requested_amount: Money | None = Field(None, description="申请补助（元）")


class TransitionIn(InputSchema):
    model_config = ConfigDict(extra="forbid")

    to: StatusValue = Field(..., description="变更为的状态，如 submitted、recommended")
    comment: str = Field("", max_length=2000, description="说明；退回、不通过等须填写理由")
    expected: StatusValue | None = Field(
        None, description="您看到的当前状态；与实际不同（他人已办理）时返回 409，不做变更"
    )


class ApproveIn(InputSchema):
    model_config = ConfigDict(extra="forbid")

    decided_on: PlausibleDate = Field(..., description="批准日期（资质有效期自此日起算）")
    document: str = Field("", max_length=100, description="批准文件")
    amount: Money = Field(Decimal("0"), description="补助/奖励金额（元）")
    matching_amount: Money = Field(Decimal("0"), description="县配套资金（元）")
    certificate_no: str = Field(
        "",
        max_length=60,
        description="证书编号（颁发证书的资质认定必填；研发中心、重点实验室等不发证书的留空）",
    )
    registration_no: str = Field("", max_length=60, description="入库登记编号（入库登记必填）")
    valid_from: PlausibleDate | None = Field(
        None, description="有效期起（默认为批准日期）；立项项目的实施期、创新团队的建设期起"
    )
    valid_until: PlausibleDate | None = Field(
        None, description="立项项目的实施期、创新团队的建设期至（资质的有效期自动计算，不填）"
    )
    comment: str = Field("", max_length=2000, description="说明")


# --- awards and qualifications ----------------------------------------------------------------------------------


class AwardOut(Schema):
    id: int
    application_id: int = Field(..., description="申报编号")
    programme: ProgrammeRef = Field(..., description="项目类别")
    organisation: OrganisationRef | None = None
    person: PersonRef | None = None
    holder_name: str = Field(..., description="获得者")
    decided_on: dt.date = Field(..., description="批准日期")
    document: str = Field(..., description="批准文件")
    amount: Decimal = Field(..., description="补助/奖励金额（元）")
    matching_amount: Decimal = Field(..., description="县配套资金（元）")
    certificate_no: str = Field(..., description="证书编号")
    registration_no: str = Field(..., description="入库登记编号")
    grade: str = Field("", description="等级")
    valid_from: dt.date | None = Field(None, description="有效期起")
    valid_until: dt.date | None = Field(None, description="有效期至")
    is_backfill: bool = Field(False, description="补录的历史记录（不能用于今天的兑现）")
    backfill_reference: str = Field("", description="补录依据的文号（核定文件或公示），非补录为空")


class AwardFilters(InputSchema):
    programme: Id | None = Field(None, description="项目类别编号")
    year: Year | None = Field(None, description="批准年份")


class QualificationFilters(InputSchema):
    expiring: bool = Field(False, description="只列出仍有效、6 个月内（或 months 个月内）到期的资质")
    months: int = Field(6, ge=1, le=36, description="到期提醒的月数（与 expiring 一起用）")
    valid_only: bool = Field(False, description="只列出仍在有效期内的")


# --- disbursements --------------------------------------------------------------------------------------------


class DisbursementOut(Schema):
    id: int
    award_id: int = Field(..., description="立项/认定结果编号")
    programme: ProgrammeRef = Field(..., description="项目类别")
    holder_name: str = Field(..., description="收款单位（人）")
    amount: Decimal = Field(..., description="金额（元）")
    source: str = Field(
        ..., description="资金来源：central 中央、provincial 省级、city 市级、county 县级财政"
    )
    source_label: str
    fiscal_year: int = Field(..., description="预算年度")
    paid_on: dt.date = Field(..., description="拨付日期")
    voucher_no: str = Field(..., description="凭证号")
    is_matching: bool = Field(..., description="县配套资金")
    tranche: int = Field(..., description="期次")
    note: str = Field(..., description="备注")
    created_at: dt.datetime
    is_backfill: bool = Field(False, description="补录的历史记录（不能用于今天的兑现）")
    backfill_reference: str = Field("", description="补录依据的文号（核定文件或公示），非补录为空")

    @staticmethod
    def resolve_programme(obj: Disbursement) -> Any:
        return obj.award.programme

    @staticmethod
    def resolve_holder_name(obj: Disbursement) -> str:
        award = obj.award
        if award.organisation_id:
            return award.organisation.name  # type: ignore[union-attr]
        return award.person.name if award.person_id else ""  # type: ignore[union-attr]

    @staticmethod
    def resolve_source_label(obj: Disbursement) -> str:
        return str(obj.get_source_display())


class DisbursementFilters(InputSchema):
    fiscal_year: Year | None = Field(None, description="预算年度")
    source: SourceValue | None = Field(None, description="资金来源")
    programme: Id | None = Field(None, description="项目类别编号")
    award: Id | None = Field(None, description="立项/认定结果编号")
    is_matching: bool | None = Field(None, description="只列出配套资金（true）或非配套资金（false）")


class DisbursementIn(InputSchema):
    model_config = ConfigDict(extra="forbid")

    award: Id = Field(..., description="立项/认定结果编号")
    amount: PositiveMoney = Field(..., description="金额（元）")
    source: SourceValue = Field(..., description="资金来源")
    fiscal_year: Year = Field(..., description="预算年度")
    paid_on: PlausibleDate = Field(..., description="拨付日期（不晚于今天）")
    voucher_no: str = Field(..., min_length=1, max_length=60, description="凭证号")
    is_matching: bool = Field(False, description="县配套资金（须在资金兑现公示期满后拨付）")
    tranche: int = Field(1, ge=1, le=100, description="期次")
    note: str = Field("", max_length=300, description="备注")


class DecideIn(InputSchema):
    model_config = ConfigDict(extra="forbid")

    amount: Money | None = Field(None, description="核定金额（元）；不填为按政策测算的金额。不能超过政策上限")
    reason: str = Field("", max_length=300, description="调整理由：与测算金额不同时必填")
    decided_on: PlausibleDate | None = Field(None, description="核定日期（不晚于今天），不填为今天")


class AmendIn(InputSchema):
    model_config = ConfigDict(extra="forbid")

    amount: Money = Field(..., description="调整后的核定金额（元）：不超过政策上限，不低于已拨付")
    reason: str = Field(..., min_length=1, max_length=300, description="调整理由（必填，记入审计日志）")


# --- public notices (公示) ----------------------------------------------------------------------------------

PurposeValue = Literal["payment", "recommendation"]


class NoticeOut(Schema):
    id: int
    county: RegionRef
    title: str = Field(..., description="公示标题")
    purpose: str = Field(..., description="公示事项：payment 资金兑现、recommendation 推荐上报")
    body: str = Field(..., description="公示说明")
    published_on: dt.date = Field(..., description="公示开始")
    working_days: int = Field(..., description="公示期（工作日）")
    ends_on: dt.date = Field(..., description="公示截止")
    published_at: dt.datetime | None = Field(None, description="发布时间（服务器时钟）")
    payable_after: dt.date = Field(..., description="公示期按发布时间计算的最后一天；其后方可拨付")
    contact: str = Field(..., description="异议受理联系方式")
    application_ids: list[int] = Field(..., description="公示名单（申报编号）")
    withdrawn_at: dt.datetime | None = Field(None, description="撤回时间；未撤回为 null")
    withdrawal_reason: str = Field(..., description="撤回理由")
    is_backfill: bool = Field(False, description="补录的历史记录（不能用于今天的兑现）")
    backfill_reference: str = Field("", description="补录依据的文号（核定文件或公示），非补录为空")

    @staticmethod
    def resolve_application_ids(obj: Any) -> list[int]:
        return sorted(a.pk for a in obj.applications.all())

    @staticmethod
    def resolve_payable_after(obj: Any) -> dt.date:
        return obj.payable_after()


class NoticeFilters(InputSchema):
    purpose: PurposeValue | None = Field(None, description="公示事项")
    withdrawn: bool | None = Field(None, description="只列出已撤回（true）或未撤回（false）的公示")


class NoticeIn(InputSchema):
    model_config = ConfigDict(extra="forbid")

    county: str = Field(..., min_length=6, max_length=12, description="县（市、区）行政区划代码")
    title: str = Field(..., min_length=1, max_length=200, description="公示标题")
    purpose: PurposeValue = Field(..., description="公示事项")
    body: str = Field("", max_length=5000, description="公示说明")
    published_on: PlausibleDate | None = Field(
        None, description="公示开始：不能早于发布当天（服务器日期），不填为今天"
    )
    working_days: int = Field(5, ge=1, le=30, description="公示期（工作日）")
    contact: str = Field("", max_length=200, description="异议受理联系方式")
    applications: list[Id] = Field(..., min_length=1, max_length=1000, description="公示名单（申报编号）")


class NoticeWithdrawIn(InputSchema):
    model_config = ConfigDict(extra="forbid")

    reason: str = Field(..., min_length=1, max_length=300, description="撤回理由（必填，记入审计日志）")


# --- vouchers -------------------------------------------------------------------------------------------------


class VoucherOut(Schema):
    id: int
    number: str = Field(..., description="券号")
    county: RegionRef = Field(..., description="所属县")
    organisation: OrganisationRef = Field(..., description="领券企业")
    amount: Decimal = Field(..., description="面额（元）")
    issued_on: dt.date = Field(..., description="发放日期")
    expires_on: dt.date = Field(..., description="有效期至")
    state: str = Field(..., description="状态：issued 已发放、redeemed 已兑付、expired 已过期")
    state_label: str
    redeemed_amount: Decimal = Field(..., description="已兑付（元）")
    balance: Decimal = Field(..., description="余额（元）")

    @staticmethod
    def resolve_state_label(obj: Voucher) -> str:
        return str(obj.get_state_display())


class VoucherFilters(InputSchema):
    state: VoucherStateValue | None = Field(None, description="状态")
    q: str = Field("", max_length=100, description="券号或企业名称中包含的文字")
