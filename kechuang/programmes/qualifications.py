"""The programmes app's answer to core's qualification question (kechuang.core.qualifications): who holds
a 高新技术企业 certificate or a national 科技型中小企业 registration at some time in a span, from the awards
recorded here. Registered in `ProgrammesConfig.ready()`."""

from __future__ import annotations

import datetime as dt

from django.db.models import Q, QuerySet

from kechuang.core import qualifications

from .models import Award, Level


def _awards(category: str) -> QuerySet[Award]:
    return Award.objects.filter(programme__category__contains=category, organisation__isnull=False)


def high_tech_holders(start: dt.date, end: dt.date) -> QuerySet:
    """A certificate valid at some time in the span (a 高新技术企业研发中心 is not a certificate)."""
    awards = _awards("高新技术企业").exclude(programme__category__contains="研发中心")
    return awards.filter(valid_from__lte=end, valid_until__gte=start).values("organisation_id")


def tech_sme_holders(start: dt.date, end: dt.date) -> QuerySet:
    """The national registration (入库) of a year that meets the span; a registration recorded without
    its validity counts for the year it was decided in."""
    awards = _awards("科技型中小企业").filter(programme__level=Level.NATIONAL)
    return awards.filter(
        Q(valid_from__lte=end, valid_until__gte=start)
        | Q(valid_from__isnull=True, decided_on__year__gte=start.year, decided_on__year__lte=end.year)
    ).values("organisation_id")


def register() -> None:
    qualifications.register(qualifications.HIGH_TECH, high_tech_holders)
    qualifications.register(qualifications.TECH_SME, tech_sme_holders)
