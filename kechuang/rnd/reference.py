"""The super-deduction rate table as published (研发费用加计扣除比例), loaded by migration (and again by the
tests after a transactional test has flushed the database). Later announcements are new rows added with
`kechuang rates --add`."""

from __future__ import annotations

from decimal import Decimal

RATES = [
    # (applies_to, valid_from, valid_until, rate, basis, note)
    ("all", "2018-01-01", "2020-12-31", "0.75", "财税〔2018〕99号",
     "企业开展研发活动中实际发生的研发费用，在按规定据实扣除的基础上，按实际发生额的75%在税前加计扣除。"),
    ("all", "2021-01-01", "2023-12-31", "0.75", "财政部 税务总局公告2021年第6号",
     "财税〔2018〕99号规定的优惠政策执行期限延长至2023年12月31日。"),
    ("manufacturing", "2021-01-01", None, "1.00", "财政部 税务总局公告2021年第13号",
     "制造业企业自2021年1月1日起，研发费用按实际发生额的100%在税前加计扣除。"),
    ("tech_sme", "2022-01-01", None, "1.00", "财政部 税务总局 科技部公告2022年第16号",
     "科技型中小企业自2022年1月1日起，研发费用按实际发生额的100%在税前加计扣除。"),
    ("all", "2022-10-01", "2022-12-31", "1.00", "财政部 税务总局 科技部公告2022年第28号",
     "现行适用研发费用税前加计扣除比例75%的企业，在2022年10月1日至2022年12月31日期间，税前加计扣除比例提高至100%；"
     "四季度研发费用可按实际发生数或按全年实际发生数的四季度月份占比计算（本系统按月归集，取实际发生数）。"),
    ("all", "2023-01-01", None, "1.00", "财政部 税务总局公告2023年第7号",
     "企业开展研发活动中实际发生的研发费用，自2023年1月1日起，按实际发生额的100%在税前加计扣除。"
     "烟草制造业、住宿和餐饮业、批发和零售业、房地产业、租赁和商务服务业、娱乐业不适用。"),
]  # fmt: skip


def load_deduction_rates(apps=None) -> None:  # type: ignore[no-untyped-def]
    """Add the published rows that are missing; rows added since are left alone. Works inside migrations."""
    if apps is None:
        from django.apps import apps as global_apps

        apps = global_apps
    DeductionRate = apps.get_model("rnd", "DeductionRate")
    for applies_to, valid_from, valid_until, rate, basis, note in RATES:
        DeductionRate.objects.get_or_create(
            applies_to=applies_to,
            valid_from=valid_from,
            basis=basis,
            defaults={"valid_until": valid_until, "rate": Decimal(rate), "note": note},
        )
