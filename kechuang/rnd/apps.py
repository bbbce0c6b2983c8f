from collections import Counter
from typing import Any

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


def _build_demo(specs: Any) -> Counter:
    from .demo import build_rnd_demo

    return build_rnd_demo(specs)


def _demo_counts() -> dict[str, int]:
    from .demo import rnd_demo_counts

    return rnd_demo_counts()


class RndConfig(AppConfig):
    name = "kechuang.rnd"
    verbose_name = _("R&D 经费投入")

    def ready(self) -> None:
        from kechuang.core import navigation
        from kechuang.core.demo import register_demo
        from kechuang.core.permissions import register_county_record

        from . import models as m
        from . import (
            signals,  # noqa: F401  (the 规上 list feeds the indicators)
            views_indicators,
            views_projects,
            views_returns,
        )

        # Who sees what: the county's region roles; an enterprise its own projects, statistics and filings.
        register_county_record(m.RndProject, organisation="organisation")
        register_county_record(m.EnterpriseStat, organisation="organisation")
        register_county_record(m.CountyEconomy)
        register_county_record(m.OfficialFigure)
        register_county_record(m.Target)
        register_county_record(m.ReturnType, public_in_county=True)
        register_county_record(m.ReturnRound, public_in_county=True)
        register_county_record(m.ReturnFiling, organisation="organisation")

        # Its part of `kechuang demo` (kechuang.core.demo): the R&D statistics of the enterprises and the
        # qualifications the programmes demo recorded, so it is built after it.
        register_demo(self.label, build=_build_demo, counts=_demo_counts, after=("programmes",))

        for module in (views_indicators, views_projects, views_returns):
            navigation.add_stream_links("rnd", *module.LINKS)
            navigation.HOME_PANELS.extend(module.HOME_PANELS)
