"""How the programmes engine's records are listed as a figure's evidence (kechuang.reports.evidence):
applications, awards, disbursements, claim items, policy documents, vouchers and their redemptions, the
coaching log and project milestones. Loaded when Django starts."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as L

from kechuang.reports.evidence import Column, Table, name_of, register_table, url


def _application_url(pk: Any) -> str | None:
    return url("programmes:application_detail", pk, "/programmes/applications/{pk}/")


def _award_url(pk: Any) -> str | None:
    return url("programmes:award_detail", pk, "/programmes/awards/{pk}/")


def _org_url(pk: Any) -> str | None:
    return url("organisation_detail", pk, "/orgs/{pk}/")


def _voucher_url(pk: Any) -> str | None:
    return url("programmes:voucher_detail", pk, "/programmes/vouchers/{pk}/")


def _holder(award: Any) -> str:
    return award.application.applicant_name


APPLICANT = L("申报单位/个人")
BACKFILL = L("补录")


def _backfill(record: Any) -> str:
    """补录 records (programmes/backfill.py) count in their year like any other, and say so."""
    return _("补录（%(r)s）") % {"r": record.backfill_reference} if record.is_backfill else ""


register_table(
    "programmes.application",
    Table(
        ("organisation", "person", "programme", "call"),
        (
            Column(APPLICANT, lambda a: a.applicant_name),
            Column(L("项目"), lambda a: a.title or a.programme.name),
            Column(L("批次"), lambda a: f"{a.call.year} {a.call.name}"),
            Column(L("核定金额"), lambda a: a.decided_amount, "money"),
            Column(L("状态"), lambda a: a.get_status_display()),
            Column(BACKFILL, _backfill),
        ),
        lambda a: _application_url(a.pk),
    ),
)


register_table(
    "programmes.award",
    Table(
        ("application__organisation", "application__person", "programme"),
        (
            Column(L("单位/个人"), _holder),
            Column(L("项目"), lambda a: a.programme.name),
            Column(L("批准日期"), lambda a: a.decided_on, "date"),
            Column(L("补助/奖励金额"), lambda a: a.amount, "money"),
            Column(L("证书/登记编号"), lambda a: a.certificate_no or a.registration_no, "mono"),
            Column(BACKFILL, _backfill),
        ),
        lambda a: _award_url(a.pk),
    ),
)


register_table(
    "programmes.disbursement",
    Table(
        ("award__application__organisation", "award__application__person", "award__programme"),
        (
            Column(L("获得单位/个人"), lambda d: _holder(d.award)),
            Column(L("项目"), lambda d: d.award.programme.name),
            Column(L("拨付日期"), lambda d: d.paid_on, "date"),
            Column(L("金额"), lambda d: d.amount, "money"),
            Column(L("资金来源"), lambda d: d.get_source_display()),
            Column(L("凭证号"), lambda d: d.voucher_no, "mono"),
            Column(BACKFILL, _backfill),
        ),
        lambda d: _award_url(d.award_id),
    ),
)


register_table(
    "programmes.claimitem",
    Table(
        ("application__organisation", "application__person", "rule"),
        (
            Column(APPLICANT, lambda c: c.application.applicant_name),
            Column(L("奖励事项"), lambda c: c.rule.item),
            Column(L("测算金额"), lambda c: c.amount, "money"),
        ),
        lambda c: _application_url(c.application_id),
    ),
)


register_table(
    "programmes.policydocument",
    Table(
        (),
        (
            Column(L("文件标题"), lambda p: p.title),
            Column(L("文号"), lambda p: p.number),
            Column(L("发文机关"), lambda p: p.issuing_bodies),
            Column(L("成文日期"), lambda p: p.issued_on, "date"),
        ),
        lambda p: url("programmes:policy_detail", p.pk, "/programmes/policies/{pk}/"),
    ),
)


register_table(
    "programmes.voucher",
    Table(
        ("organisation",),
        (
            Column(L("企业"), lambda v: name_of(v.organisation)),
            Column(L("券号"), lambda v: v.number, "mono"),
            Column(L("发放日期"), lambda v: v.issued_on, "date"),
            Column(L("面额"), lambda v: v.amount, "money"),
            Column(L("状态"), lambda v: v.get_state_display()),
        ),
        lambda v: _voucher_url(v.pk),
    ),
)


register_table(
    "programmes.redemption",
    Table(
        ("voucher__organisation", "provider__organisation"),
        (
            Column(L("企业"), lambda r: name_of(r.voucher.organisation)),
            Column(L("券号"), lambda r: r.voucher.number, "mono"),
            Column(L("服务机构"), lambda r: str(r.provider) if r.provider_id else ""),
            Column(L("兑付日期"), lambda r: r.redeemed_on, "date"),
            Column(L("兑付金额"), lambda r: r.amount, "money"),
        ),
        lambda r: _voucher_url(r.voucher_id),
    ),
)


register_table(
    "programmes.servicelog",
    Table(
        ("organisation",),
        (
            Column(L("企业"), lambda s: name_of(s.organisation)),
            Column(L("日期"), lambda s: s.date, "date"),
            Column(L("方式"), lambda s: s.get_channel_display()),
            Column(L("内容"), lambda s: s.topic),
        ),
        lambda s: _org_url(s.organisation_id),
    ),
)


register_table(
    "programmes.milestone",
    Table(
        ("award__application__organisation", "award__application__person", "award__programme"),
        (
            Column(L("单位/个人"), lambda m: _holder(m.award)),
            Column(L("项目"), lambda m: m.award.programme.name),
            Column(L("节点"), lambda m: m.get_kind_display()),
            Column(L("完成日期"), lambda m: m.done_on, "date"),
            Column(L("结果"), lambda m: m.get_result_display()),
        ),
        lambda m: _award_url(m.award_id),
    ),
)
