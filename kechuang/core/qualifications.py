"""An organisation's qualifications (资质) as facts about it: "does this enterprise hold a valid 高新技术企业
certificate, or a 科技型中小企业 registration, on this date (or at some time in this span)?".

Core asks the question and names the kinds; the app that keeps the records answers it. The programmes app
registers its provider at start-up (its awards are where certificates and registrations are recorded), so
an app that needs the answer (R&D: who owes the torch return, which super-deduction rate applies) asks
here and never reads another app's models.

A provider is `provider(start, end) -> QuerySet` of organisation primary keys (a `values_list("...",
flat=True)` or `values("...")` queryset) holding the kind at some time within [start, end] (both days
included). Several providers of one kind are united; with none registered, nobody holds the kind."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy as _

from .models import Organisation

HIGH_TECH = "high_tech"  # 高新技术企业 (certificate valid three years)
TECH_SME = "tech_sme"  # 科技型中小企业 (the national evaluation's registration 入库 of the year)

KINDS: dict[str, Any] = {
    HIGH_TECH: _("高新技术企业"),
    TECH_SME: _("科技型中小企业"),
}

Provider = Callable[[dt.date, dt.date], QuerySet]
PROVIDERS: dict[str, list[Provider]] = {}


def register(kind: str, provider: Provider) -> None:
    """Answer the question for `kind` from an app's records (call it from the app's `ready()`)."""
    if kind not in KINDS:
        raise ValueError(f"unknown qualification kind {kind!r}")
    found = PROVIDERS.setdefault(kind, [])
    if provider not in found:
        found.append(provider)


def _span(on: dt.date | None, start: dt.date | None, end: dt.date | None) -> tuple[dt.date, dt.date]:
    if on is not None:
        if start is not None or end is not None:
            raise TypeError("give either `on` or `start` and `end`")
        return on, on
    if start is None or end is None:
        raise TypeError("give `on`, or both `start` and `end`")
    if end < start:
        raise ValueError("the span ends before it starts")
    return start, end


def holder_filter(
    kind: str,
    *,
    on: dt.date | None = None,
    start: dt.date | None = None,
    end: dt.date | None = None,
    field: str = "pk",
) -> Q:
    """A filter on a queryset (of organisations by default, or of records through `field`, e.g.
    "organisation_id") keeping those holding `kind` on the day `on`, or at some time from `start` to
    `end`. One subquery per registered provider: it composes into a query, it is not a list."""
    if kind not in KINDS:
        raise ValueError(f"unknown qualification kind {kind!r}")
    first, last = _span(on, start, end)
    q = Q(pk__in=[])
    for provider in PROVIDERS.get(kind, []):
        q |= Q(**{f"{field}__in": provider(first, last)})
    return q


def holders(
    kind: str, *, on: dt.date | None = None, start: dt.date | None = None, end: dt.date | None = None
) -> QuerySet[Organisation]:
    """The organisations holding `kind` on `on`, or at some time from `start` to `end`."""
    return Organisation.objects.filter(holder_filter(kind, on=on, start=start, end=end))


def holds(
    organisation: Organisation | int,
    kind: str,
    *,
    on: dt.date | None = None,
    start: dt.date | None = None,
    end: dt.date | None = None,
) -> bool:
    """Whether the organisation holds `kind` on `on`, or at some time from `start` to `end`."""
    pk = organisation.pk if isinstance(organisation, Organisation) else organisation
    return holders(kind, on=on, start=start, end=end).filter(pk=pk).exists()


__all__ = ["HIGH_TECH", "KINDS", "TECH_SME", "holder_filter", "holders", "holds", "register"]
