"""The `paid_claims` register (补录：已兑现奖励): past incentive claims, decided and paid, in one run.

Each row is one claim of one enterprise for one 奖励事项 in one year, with its decision (文号, date,
amount), its payment (amount, date) and, optionally, the payment notice it was published on (文号, start
date). `backfill.paid_claim_backfill` writes it: the application (and the year's call when the programme
has none), the award and the disbursement, all flagged 补录, the timeline dated at the original dates,
every write audited. All rows or none (ServiceRegister.apply): one bad row rolls the whole file back, and
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
from .models import Application, FundingSource, Programme, PublicNotice

NOTICE_DAYS_HELP = _lazy("公示期的工作日数，留空为 5。")


def _award(obj: Application) -> Any:
    return getattr(obj, "award", None)


def _disbursement(obj: Application) -> Any:
    award = _award(obj)
    if award is None:
        return None
    paid = [d for d in award.disbursements.all() if d.is_backfill]
    return paid[0] if paid else None


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
    natural_key = ("organisation", "programme", "year", "achievement")
    duplicate_column = "organisation"
    non_field_label = "（整行）"
    natural_key_help = _lazy(
        "补录历史上已核定并兑现的政策奖励：每行一家企业一个年度的一项奖励，按“统一社会信用代码 + 项目类别 + "
        "年度 + 奖励事项”识别。系统建立申报（该年度没有批次时建立“某年（补录）”批次）、核定结果和拨付记录，"
        "均标记为“补录”，办理记录按原核定、兑现日期登记；填写公示文号时一并登记补录公示。所有日期须早于今天；"
        "补录的公示不能用于今天的兑现；核定金额不超过奖励条款的每家上限。已补录的行再次导入时跳过。"
    )
    field_columns = {
        "call": "call",
        "organisation": "organisation",
        "title": "achievement",
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
        "organisation": lambda obj, user: obj.organisation.credit_code if obj.organisation else "",
        "organisation_name": lambda obj, user: obj.applicant_name,
        "programme": lambda obj, user: obj.programme.name,
        "year": lambda obj, user: obj.call.year,
        "call": lambda obj, user: obj.call.name,
        "achievement": lambda obj, user: obj.title,
        "decided_amount": _of(_award, "amount"),
        "decision_reference": _of(_award, "backfill_reference"),
        "decided_on": _of(_award, "decided_on"),
        "paid_amount": _of(_disbursement, "amount"),
        "paid_on": _of(_disbursement, "paid_on"),
        "source": lambda obj, user: (
            str(d.get_source_display()) if (d := _disbursement(obj)) is not None else ""
        ),
        "fiscal_year": _of(_disbursement, "fiscal_year"),
        "voucher_no": _of(_disbursement, "voucher_no"),
        "notice_reference": _of(_notice, "backfill_reference"),
        "notice_published_on": _of(_notice, "published_on"),
        "notice_working_days": _of(_notice, "working_days"),
        "backfill": lambda obj, user: _("补录") if obj.is_backfill else "",
        "status": lambda obj, user: obj.get_status_display(),
    }

    def base_queryset(self) -> QuerySet:
        return (
            Application.objects.filter(is_backfill=True, programme__kind=Programme.Kind.INCENTIVE)
            .select_related("call", "programme", "organisation", "person", "award")
            .prefetch_related("award__disbursements", "notices")
            .order_by("county_id", "programme__name", "call__year", "pk")
        )

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
        if year is None or item is None or {"year", "achievement"} & row.bad:
            return
        row.key = (organisation.pk, programme.pk, year, item)

    def write_row(self, ctx: ImportContext, row: Row, present: list[Column]) -> str:
        values = row.values
        data = {
            "organisation": values["organisation"],
            "programme": values["programme_obj"],
            **{
                key: values.get(key)
                for key in (
                    "year", "call", "achievement", "decided_amount", "decision_reference", "decided_on",
                    "paid_amount", "paid_on", "source", "fiscal_year", "voucher_no", "notice_reference",
                    "notice_published_on", "notice_working_days",
                )
            },
        }  # fmt: skip
        result = backfill.paid_claim_backfill(by=ctx.by, data=data)
        ctx.state["written"] = result.application.pk
        return CREATE if result.created else SAME


register(PaidClaimRegister())
