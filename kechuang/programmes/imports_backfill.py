"""The `paid_claims` register (补录：已兑现奖励): past incentive claims, decided and paid, in one run.

Each row is one item of a claim: one enterprise's 奖励事项 for one achievement (成果: the certificate,
registration or product named, where the enterprise has several) in one year, with its decision (文号,
date, amount), its payment (amount, date) and, optionally, the payment notice it was published on (文号,
start date). The rows of one enterprise in one call are one claim with several items (they share the
decision); an enterprise may have claims in several calls or programmes. `backfill.paid_claim_backfill`
writes each row: the first of a claim the application (and the year's call when the programme has none),
the award and its items, each item checked against its rule (its amount, first recognition or renewal,
grade, the per-enterprise cap, an achievement rewarded once), the disbursement, all flagged 补录, the
timeline dated at the original dates, every write audited. All rows or none (ServiceRegister.apply): one bad row rolls the whole file back, and
the report lists every problem row by row. A second import of the same file finds what the first wrote."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy

from kechuang.core import permissions
from kechuang.imports.registers import (
    CHOICE,
    DATE,
    DECIMAL,
    INT,
    REF_ORGANISATION,
    Column,
    ImportContext,
    Row,
    register,
)

from . import backfill
from .imports import (
    CREATE,
    SAME,
    ServiceRegister,
    _date_error,
    _docno_error,
    _positive_money_error,
    _year_error,
)
from .models import Application, ClaimItem, FundingSource, Programme, PublicNotice

NOTICE_DAYS_HELP = _lazy("公示期的工作日数，留空为 5。")


def _claim(obj: Application | ClaimItem) -> Application:
    return obj.application if isinstance(obj, ClaimItem) else obj


def _award(obj: Application) -> Any:
    return getattr(obj, "award", None)


def _disbursement(obj: Application | ClaimItem) -> Any:
    """The 补录 payment of a row: each item recorded one, in order (the k-th item, the k-th payment)."""
    claim = _claim(obj)
    award = _award(claim)
    if award is None:
        return None
    paid = sorted((d for d in award.disbursements.all() if d.is_backfill), key=lambda d: (d.tranche, d.pk))
    index = 0
    if isinstance(obj, ClaimItem):
        index = [i.pk for i in claim.claim_items.all()].index(obj.pk)
    return paid[index] if index < len(paid) else None


def _notice(obj: Application) -> PublicNotice | None:
    notices = [n for n in obj.notices.all() if n.is_backfill]
    return notices[0] if notices else None


def _of(getter: Any, attr: str) -> Any:
    def get(obj: Any, user: Any) -> Any:
        record = getter(obj)
        return getattr(record, attr) if record is not None else None

    return get


class PaidClaimRegister(ServiceRegister):
    slug = "paid_claims"
    label = "补录：已兑现奖励"
    model = Application
    natural_key = ("organisation", "programme", "year", "achievement", "reference")
    duplicate_column = "organisation"
    non_field_label = "（整行）"
    natural_key_help = _lazy(
        "补录历史上已核定并兑现的政策奖励：每行一家企业一个年度的一项奖励（一项成果），按“统一社会信用代码 + 项目类别 + "
        "年度 + 奖励事项 + 成果”识别；同一企业同一批次的各行为一笔申报的多个奖励事项，须为同一核定文件。"
        "每项金额不超过奖励条款的每项奖励，成果须符合条款的首次认定/重新认定和等级。"
        "系统建立申报（该年度没有批次时建立“某年（补录）”批次）、核定结果和拨付记录，"
        "均标记为“补录”，办理记录按原核定、兑现日期登记；填写公示文号时一并登记补录公示。所有日期须早于今天；"
        "补录的公示不能用于今天的兑现；核定金额不超过奖励条款的每家上限。已补录的行再次导入时跳过。"
    )
    field_columns = {
        "call": "call",
        "organisation": "organisation",
        "title": "achievement",
        "reference": "reference",
        "published_on": "notice_published_on",
        "working_days": "notice_working_days",
    }
    columns = (
        Column(
            "organisation",
            "统一社会信用代码",
            type=REF_ORGANISATION,
            required=True,
            field="",
            width=22,
            help=_lazy("获得奖励的企业的统一社会信用代码（已在“企业与机构”中登记、在您管辖的县内）。"),
        ),
        Column("organisation_name", "企业名称", readonly=True, field="", width=28),
        Column(
            "programme",
            "项目类别",
            required=True,
            field="",
            max_length=100,
            width=28,
            help=_lazy("本县已登记的政策奖励项目类别名称（须注明政策依据），须完全一致。"),
            example="科技创新政策奖励兑现",
        ),
        Column(
            "year",
            "年度",
            type=INT,
            required=True,
            field="",
            width=8,
            validator=_year_error,
            help=_lazy("申报（兑现）年度。"),
            example="2019",
        ),
        Column(
            "call",
            "批次",
            field="",
            max_length=100,
            width=16,
            help=_lazy(
                "该年度有多个批次时填写；留空则用该年度唯一的批次，没有批次时建立“某年（补录）”批次。"
            ),
        ),
        Column(
            "achievement",
            "奖励事项",
            required=True,
            field="",
            max_length=200,
            width=26,
            help=_lazy(
                "政策文件中的奖励事项（如“首次认定高新技术企业”），须与已登记的奖励条款一致；据此检查每家上限。"
            ),
        ),
        Column(
            "reference",
            "成果",
            field="",
            max_length=200,
            width=24,
            help=_lazy(
                "获奖的成果：证书编号、入库登记编号或项目（产品）名称。该企业在条款年度有多项同类成果时必填"
                "（如多个省级工业新产品）；已登记的成果据此核对首次认定/重新认定和等级。"
            ),
        ),
        Column(
            "decided_amount",
            "核定金额（元）",
            type=DECIMAL,
            required=True,
            field="",
            width=14,
            validator=_positive_money_error,
        ),
        Column(
            "decision_reference",
            "核定文号",
            required=True,
            field="",
            max_length=60,
            validator=_docno_error,
            width=24,
            help=_lazy("核定（兑现）文件的文号：发文机关代字〔年份〕序号号。"),
            example="开经信〔2019〕56号",
        ),
        Column(
            "decided_on",
            "核定日期",
            type=DATE,
            required=True,
            field="",
            width=12,
            validator=_date_error,
            help=_lazy("核定文件的日期，须早于今天。"),
        ),
        Column(
            "paid_amount",
            "兑现金额（元）",
            type=DECIMAL,
            required=True,
            field="",
            width=14,
            validator=_positive_money_error,
            help=_lazy("不超过核定金额；等于核定金额时申报为“已兑现”。"),
        ),
        Column(
            "paid_on",
            "兑现日期",
            type=DATE,
            required=True,
            field="",
            width=12,
            validator=_date_error,
            help=_lazy("资金拨付日期，不早于核定日期、早于今天。"),
        ),
        Column(
            "source",
            "资金来源",
            type=CHOICE,
            field="",
            choices=tuple(FundingSource.choices),
            width=12,
            help=_lazy("留空为县级财政。"),
        ),
        Column(
            "fiscal_year",
            "预算年度",
            type=INT,
            field="",
            width=10,
            validator=_year_error,
            help=_lazy("留空为兑现日期的年份。"),
        ),
        Column("voucher_no", "凭证号", field="", max_length=60, width=18, help=_lazy("留空为核定文号。")),
        Column(
            "notice_reference",
            "公示文号",
            field="",
            max_length=60,
            validator=_docno_error,
            width=24,
            help=_lazy("兑现前公示的文号；同一文号的各行列入同一份补录公示。"),
        ),
        Column(
            "notice_published_on",
            "公示开始日期",
            type=DATE,
            field="",
            width=12,
            validator=_date_error,
            help=_lazy("填写公示文号时必填；公示期须在今天之前结束。"),
        ),
        Column(
            "notice_working_days",
            "公示期（工作日）",
            type=INT,
            field="",
            width=10,
            help=NOTICE_DAYS_HELP,
        ),
        Column("backfill", "补录", readonly=True, field="", width=8),
        Column("status", "申报状态", readonly=True, field="", width=10),
    )
    getters = {
        "organisation": lambda obj, user: getattr(_claim(obj).organisation, "credit_code", ""),
        "organisation_name": lambda obj, user: _claim(obj).applicant_name,
        "programme": lambda obj, user: _claim(obj).programme.name,
        "year": lambda obj, user: _claim(obj).call.year,
        "call": lambda obj, user: _claim(obj).call.name,
        "achievement": lambda obj, user: obj.rule.item if isinstance(obj, ClaimItem) else obj.title,
        "reference": lambda obj, user: obj.reference if isinstance(obj, ClaimItem) else "",
        "decided_amount": lambda obj, user: (
            obj.amount if isinstance(obj, ClaimItem) else _of(_award, "amount")(obj, user)
        ),
        "decision_reference": lambda obj, user: _of(_award, "backfill_reference")(_claim(obj), user),
        "decided_on": lambda obj, user: _of(_award, "decided_on")(_claim(obj), user),
        "paid_amount": _of(_disbursement, "amount"),
        "paid_on": _of(_disbursement, "paid_on"),
        "source": lambda obj, user: (
            str(d.get_source_display()) if (d := _disbursement(obj)) is not None else ""
        ),
        "fiscal_year": _of(_disbursement, "fiscal_year"),
        "voucher_no": _of(_disbursement, "voucher_no"),
        "notice_reference": lambda obj, user: _of(_notice, "backfill_reference")(_claim(obj), user),
        "notice_published_on": lambda obj, user: _of(_notice, "published_on")(_claim(obj), user),
        "notice_working_days": lambda obj, user: _of(_notice, "working_days")(_claim(obj), user),
        "backfill": lambda obj, user: _("补录") if _claim(obj).is_backfill else "",
        "status": lambda obj, user: _claim(obj).get_status_display(),
    }

    def base_queryset(self) -> QuerySet:
        return (
            Application.objects.filter(is_backfill=True, programme__kind=Programme.Kind.INCENTIVE)
            .select_related("call", "programme", "organisation", "person", "award")
            .prefetch_related("award__disbursements", "notices")
            .order_by("county_id", "programme__name", "call__year", "pk")
        )

    def queryset(self, user: Any) -> QuerySet:
        """One row per claim item (a claim under a policy with no rules recorded has none: not exported)."""
        return (
            ClaimItem.objects.filter(application__in=super().queryset(user))
            .select_related(
                "rule", "application__call", "application__programme", "application__organisation",
                "application__person", "application__award",
            )
            .prefetch_related("application__claim_items", "application__award__disbursements", "application__notices")
            .order_by("application__county_id", "application__programme__name", "application__call__year",
                      "application_id", "pk")
        )  # fmt: skip

    def prepare(self, ctx: ImportContext, rows: list[Row], present: list[Column]) -> None:
        ctx.state["programmes"] = self.staff_programmes(
            ctx, [r.values["programme"] for r in rows if r.values.get("programme")]
        )

    def check(self, ctx: ImportContext, row: Row, present: list[Column]) -> None:
        organisation = row.values.get("organisation")
        if organisation is None or "organisation" in row.bad:
            return
        county = organisation.county
        if county is None or not permissions.is_county_staff(ctx.by, county.pk):
            row.error(self.column("organisation"), _("该企业不在您管辖的县内，不能补录。"))
            return
        programme = self.programme_in(ctx, row, "programme", county)
        if programme is None:
            return
        if programme.kind != Programme.Kind.INCENTIVE:
            row.error(
                self.column("programme"), _("“%(p)s”不是政策奖励，不能补录兑现记录。") % {"p": programme.name}
            )
            return
        row.values["programme_obj"] = programme
        year, item = row.values.get("year"), row.values.get("achievement")
        if year is None or item is None or {"year", "achievement", "reference"} & row.bad:
            return
        row.key = (organisation.pk, programme.pk, year, item, row.values.get("reference") or "")

    def write_row(self, ctx: ImportContext, row: Row, present: list[Column]) -> str:
        values = row.values
        data = {
            "organisation": values["organisation"],
            "programme": values["programme_obj"],
            **{
                key: values.get(key)
                for key in (
                    "year", "call", "achievement", "reference", "decided_amount", "decision_reference", "decided_on",
                    "paid_amount", "paid_on", "source", "fiscal_year", "voucher_no", "notice_reference",
                    "notice_published_on", "notice_working_days",
                )
            },
        }  # fmt: skip
        result = backfill.paid_claim_backfill(by=ctx.by, data=data)
        ctx.state["written"] = result.application.pk
        return CREATE if result.created else SAME


register(PaidClaimRegister())
