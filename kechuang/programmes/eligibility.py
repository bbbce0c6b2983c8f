"""Policy to money, seen from the other side: enterprises whose recorded achievements entitle them to an
incentive they have not claimed (and still can: last year's achievements are claimed this year). A claim counts once it is submitted (any status but draft): a rejected
claim was still made."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db.models import QuerySet
from django.utils import timezone

from kechuang.core.models import Organisation, local_in

from . import selectors
from .models import Application, Award, IncentiveRule, Programme, Status


@dataclass(frozen=True)
class Entitlement:
    rule: IncentiveRule
    award: Award
    organisation: Organisation
    amount: Decimal
    draft: Application | None  # a claim started but not yet submitted


def _claims(policy_id: int) -> QuerySet[Application]:
    return Application.objects.filter(
        programme__policy_id=policy_id, programme__kind=Programme.Kind.INCENTIVE
    )


def eligible_unclaimed(*, user: Any, policy_id: int | None = None) -> list[Entitlement]:
    """One row per (rule, achievement) of an enterprise with no submitted claim under that policy.
    A rule's per-enterprise cap limits the amounts, as when the claim is computed."""
    policies = selectors.policy_list(user=user)
    if policy_id:
        policies = policies.filter(pk=policy_id)
    # Last year's achievements are claimed this year; older ones can no longer be (see claim_compute).
    rules = IncentiveRule.objects.filter(
        policy__in=policies, achievement_year__gte=timezone.localdate().year - 1
    ).select_related("policy", "achievement")
    rows: list[Entitlement] = []
    for rule in rules.order_by("policy__issued_on", "article", "pk"):
        claims = _claims(rule.policy_id)
        claimed = claims.exclude(status__in=(Status.DRAFT, Status.WITHDRAWN)).values("organisation_id")
        drafts = {a.organisation_id: a for a in claims.filter(status=Status.DRAFT)}
        # Only organisations the policy's claim programmes admit (e.g. enterprises), of the county itself.
        admitted = sorted(
            {
                kind
                for kinds in Programme.objects.filter(
                    policy_id=rule.policy_id, kind=Programme.Kind.INCENTIVE
                ).values_list("applicant_kinds", flat=True)
                for kind in kinds or []
            }
        )
        candidates = selectors.award_list(user=user).filter(
            local_in(rule.policy.county_id, "organisation"), organisation__kind__in=admitted
        )
        awards = (
            rule.matching_awards(candidates)
            .exclude(organisation_id__in=claimed)
            .select_related("organisation")
            .order_by("organisation__name", "decided_on", "pk")
        )
        spent: dict[int, Decimal] = {}
        for award in awards:
            organisation = award.organisation
            assert organisation is not None
            amount = rule.amount
            if rule.cap is not None:
                amount = max(Decimal(0), min(amount, rule.cap - spent.get(organisation.pk, Decimal(0))))
            if amount <= 0:
                continue
            spent[organisation.pk] = spent.get(organisation.pk, Decimal(0)) + amount
            rows.append(Entitlement(rule, award, organisation, amount, drafts.get(organisation.pk)))
    return rows
