import datetime as dt
from collections import Counter, defaultdict
from collections.abc import Sequence
from typing import Any

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


def _build_demo(specs: Any) -> Counter:
    from .demo import build_programmes_demo

    return build_programmes_demo(specs)


def _demo_counts() -> dict[str, int]:
    from .demo import programmes_demo_counts

    return programmes_demo_counts()


def _high_tech_years(specs: Any, *, today: dt.date, years: Sequence[int]) -> dict[str, set[int]]:
    """Which demo enterprises the programmes demo makes 高新技术企业 in which of `years` (a certificate
    runs three years from its decision), for the R&D demo's statistics to agree with."""
    from .demo import programmes_plan

    result: dict[str, set[int]] = defaultdict(set)
    for app in programmes_plan(specs, today=today).applications:
        if app.programme != "hte" or app.award is None or not app.organisation:
            continue
        start = app.award.decided_on
        until = start.replace(year=start.year + 3) - dt.timedelta(days=1)
        for y in years:
            if start <= dt.date(y, 12, 31) and until >= dt.date(y, 1, 1):
                result[app.organisation].add(y)
    return dict(result)


class ProgrammesConfig(AppConfig):
    name = "kechuang.programmes"
    verbose_name = _("项目与资金")

    def ready(self) -> None:
        from kechuang.core import navigation
        from kechuang.core.demo import register_demo, register_demo_fact
        from kechuang.core.permissions import register_county_record
        from kechuang.reports import dashboards

        from . import dashboard, dashboard_charts, qualifications
        from . import models as m

        # Who sees what: the county's region roles, and the applicant organisation or person itself.
        register_county_record(m.PolicyDocument, public_in_county=True)  # published documents
        register_county_record(m.Programme)
        register_county_record(m.Call, county="programme__county")
        register_county_record(m.Application, organisation="organisation", person="person")
        register_county_record(m.Award, organisation="organisation", person="person")
        register_county_record(
            m.Disbursement, county="award__county", organisation="award__organisation", person="award__person"
        )
        register_county_record(m.PublicNotice)
        register_county_record(m.ServiceProvider, public_in_county=True)  # where vouchers can be spent
        register_county_record(m.Voucher, organisation="organisation")
        register_county_record(m.Redemption, county="voucher__county", organisation="voucher__organisation")
        register_county_record(m.ServiceLog)

        qualifications.register()  # core's "does it hold a 高企 / 科技型中小企业 status" is answered here

        for slug, links in dashboard.STREAM_LINKS.items():
            navigation.add_stream_links(slug, *links)
        navigation.HOME_PANELS.extend(dashboard.HOME_PANELS)
        navigation.ORGANISATION_PANELS.extend(dashboard.ORGANISATION_PANELS)
        # Its key figures, charts and work lists on the dashboards (kechuang.reports.dashboards).
        dashboards.contribute(self.label, dashboard_charts.CONTRIBUTION)
        # Its part of `kechuang demo` (kechuang.core.demo), built on core's organisations and accounts.
        register_demo(self.label, build=_build_demo, counts=_demo_counts)
        register_demo_fact("high_tech_years", _high_tech_years)
