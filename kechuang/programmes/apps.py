from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ProgrammesConfig(AppConfig):
    name = "kechuang.programmes"
    verbose_name = _("项目与资金")

    def ready(self) -> None:
        from kechuang.core import navigation
        from kechuang.core.permissions import register_county_record

        from . import dashboard
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

        for slug, links in dashboard.STREAM_LINKS.items():
            navigation.add_stream_links(slug, *links)
        navigation.HOME_PANELS.extend(dashboard.HOME_PANELS)
        navigation.ORGANISATION_PANELS.extend(dashboard.ORGANISATION_PANELS)
