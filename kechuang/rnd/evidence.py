"""How R&D input's records are listed as a figure's evidence (kechuang.reports.evidence): enterprise
statistics, published figures, targets and the filings of statistical returns. Loaded when Django
starts."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as L

from kechuang.reports.evidence import Column, Table, name_of, register_table, url

from .selectors_indicators import show_value


def _org_url(pk: Any) -> str | None:
    return url("organisation_detail", pk, "/orgs/{pk}/")


# Stream 4 (R&D input): the returns counted, published figures, targets, the filings of returns.
register_table(
    "rnd.enterprisestat",
    Table(
        ("organisation",),
        (
            Column(L("企业"), lambda s: name_of(s.organisation)),
            Column(L("报告期"), lambda s: s.period_label),
            Column(L("R&D经费内部支出"), lambda s: s.rd_expenditure, "money"),
            Column(L("高新技术产业增加值"), lambda s: s.high_tech_value_added, "money"),
            Column(L("工业增加值"), lambda s: s.value_added, "money"),
        ),
        lambda s: _org_url(s.organisation_id),
    ),
)


register_table(
    "rnd.officialfigure",
    Table(
        ("county",),
        (
            Column(L("县（市、区）"), lambda o: name_of(o.county)),
            Column(L("指标"), lambda o: f"{o.year}年{o.get_indicator_display()}"),
            Column(L("公布值"), lambda o: show_value(o.indicator, o.fraction)),
            Column(L("全省/全市排名"), lambda o: f"{o.province_rank or '—'} / {o.city_rank or '—'}"),
            Column(L("出处"), lambda o: o.source),
        ),
        lambda o: url("rnd:official_edit", o.pk, "/rnd/official/{pk}/edit/"),
    ),
)


register_table(
    "rnd.target",
    Table(
        ("county",),
        (
            Column(L("县（市、区）"), lambda t: name_of(t.county)),
            Column(L("指标"), lambda t: f"{t.year}年{t.get_indicator_display()}"),
            Column(L("目标值"), lambda t: show_value(t.indicator, t.fraction)),
            Column(L("说明"), lambda t: t.note),
        ),
        lambda t: url("rnd:target_edit", t.pk, "/rnd/targets/{pk}/edit/"),
    ),
)


register_table(
    "rnd.returnfiling",
    Table(
        ("organisation", "round__return_type"),
        (
            Column(L("报表"), lambda f: str(f.round)),
            Column(L("报送单位"), lambda f: f.filer_name),
            Column(L("状态"), lambda f: f.get_status_display()),
            Column(L("报送日期"), lambda f: f.submitted_on, "date"),
        ),
        lambda f: url("rnd:round_detail", f.round_id, "/rnd/returns/rounds/{pk}/"),
    ),
)
