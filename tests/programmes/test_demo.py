"""The demo county's programmes data: planned purely from the seed and a date, written through the
services, consistent (awards, money, 公示, vouchers), and loaded once.

The database test builds the whole demo at scale 0.1, as tests/core/test_demo.py does."""

import datetime as dt
from collections import Counter
from decimal import Decimal

import pytest
from dateutil.relativedelta import relativedelta
from django.db.models import F, Sum
from django.utils import timezone

from kechuang.core.demo import KAIHUA, build_demo, demo_specs
from kechuang.core.models import AuditEvent, Organisation, User
from kechuang.programmes import selectors
from kechuang.programmes.demo import build_programmes_demo, programmes_plan
from kechuang.programmes.models import (
    Application,
    Award,
    Call,
    ClaimItem,
    Disbursement,
    Milestone,
    PolicyDocument,
    Programme,
    PublicNotice,
    Redemption,
    ServiceLog,
    ServiceProvider,
    Status,
    Transition,
    Voucher,
)

WITH_AWARD = {
    Status.APPROVED,
    Status.IN_PROGRESS,
    Status.ACCEPTED,
    Status.CLOSED,
    Status.DECIDED,
    Status.PAID,
}


# --- the plan (no database) -----------------------------------------------------------------------------------


@pytest.mark.parametrize("today", [dt.date(2026, 11, 27), dt.date(2027, 3, 1), dt.date(2029, 7, 15)])
def test_plan_is_deterministic_complete_and_in_the_past(today):
    specs = demo_specs(scale=0.1)
    plan = programmes_plan(specs, today=today)
    assert plan == programmes_plan(demo_specs(scale=0.1), today=today)
    # every status but 已撤回 (the demo's story has no withdrawn application yet)
    assert set(plan.statuses()) == set(Status.values) - {Status.WITHDRAWN}

    # Whenever the demo is loaded, nothing has happened after today…
    happened = [a.award.decided_on for a in plan.applications if a.award]
    happened += [m.done_on for a in plan.applications for m in a.milestones if m.done_on]
    happened += [p.paid_on for a in plan.applications for p in a.payments]
    happened += [n.published_on for n in plan.notices] + [o.received_on for o in plan.objections]
    happened += [r.redeemed_on for v in plan.vouchers for r in v.redemptions] + [
        v.issued_on for v in plan.vouchers
    ]
    happened += [log.date for log in plan.logs]
    assert max(happened) < today
    # …some high-tech certificates expire within six months, and a call is open.
    expiring = [
        a.award.decided_on + relativedelta(years=3) - dt.timedelta(days=1)
        for a in plan.applications
        if a.programme == "hte" and a.award
    ]
    assert any(today <= until <= today + relativedelta(months=6) for until in expiring)
    assert any(c.opens_on <= today <= (c.county_deadline or c.closes_on) for c in plan.calls)
    # Every application a step to take and a comment where the workflow needs one.
    for a in plan.applications:
        assert len(a.path) == len(a.comments)
        assert all(
            c for s, c in zip(a.path, a.comments, strict=True) if s in ("returned", "rejected", "closed")
        )


def test_the_full_plan_has_several_hundred_applications():
    plan = programmes_plan(demo_specs(), today=dt.date(2026, 11, 27))
    assert 400 <= len(plan.applications) <= 800
    assert len(plan.vouchers) == 40 and len(plan.logs) == 150 and len(plan.providers) == 5
    kinds = Counter(p.level for p in plan.programmes)
    assert set(kinds) == {"national", "provincial", "city", "county"}
    assert {c.year for c in plan.calls} >= {2024, 2025, 2026}
    for programme in plan.programmes:
        years = {c.year for c in plan.calls if c.programme == programme.key}
        assert years & {2024, 2025, 2026}, programme.key


# --- the build ----------------------------------------------------------------------------------------------


def test_demo_programmes_are_consistent(reference):
    summary = build_demo(scale=0.1)
    today = timezone.localdate()
    staff = User.objects.get(username="kh_staff")
    qiye = User.objects.get(username="kh_qiye")
    apps = Application.objects.filter(county_id=KAIHUA)

    # Every status, and an award exactly where a positive decision was recorded.
    assert set(apps.values_list("status", flat=True)) == set(Status.values) - {Status.WITHDRAWN}  # none yet
    for app in apps.select_related("programme"):
        has_award = Award.objects.filter(application=app).exists()
        assert has_award == (app.status in WITH_AWARD), (app.pk, app.status)
    assert summary.created["申报"] == apps.count() == summary.counts["申报（含政策兑现）"]
    assert summary.counts["立项/认定"] == Award.objects.filter(county_id=KAIHUA).count()

    # Qualifications carry certificates (where the programme issues one: not 研发中心 or 综合体) or
    # registration numbers; some expire soon, some have expired.
    for award in Award.objects.filter(programme__award_form="qualification").select_related("programme"):
        assert bool(award.certificate_no) == award.programme.issues_certificate, award.programme
        assert award.valid_until == award.valid_from + relativedelta(
            years=award.programme.validity_years
        ) - dt.timedelta(days=1)
    assert Award.objects.filter(programme__issues_certificate=False).exists()
    for award in Award.objects.filter(programme__award_form="registration"):
        assert award.registration_no and award.valid_until == dt.date(award.decided_on.year, 12, 31)
    assert selectors.expiring_qualifications(user=staff).exists()
    assert Award.objects.filter(programme__category="高新技术企业", valid_until__lt=today).exists()

    # Projects: milestones, some overdue; accepted ones passed their acceptance.
    projects = apps.filter(programme__award_form="project", status__in=[Status.IN_PROGRESS, Status.ACCEPTED])
    assert projects.exists()
    for app in projects:
        assert app.award.milestones.exists(), app.pk
    for app in apps.filter(status=Status.ACCEPTED):
        assert app.award.milestones.filter(kind="acceptance", result="passed").exists()
    assert Milestone.objects.filter(done_on__isnull=True, due_on__lt=today).exists()

    # Money: never more than awarded, and upper-level grants by their source.
    for award in Award.objects.annotate(paid=Sum("disbursements__amount")).filter(paid__isnull=False):
        plain = award.disbursements.filter(is_matching=False).aggregate(s=Sum("amount"))["s"] or 0
        matching = award.disbursements.filter(is_matching=True).aggregate(s=Sum("amount"))["s"] or 0
        assert plain <= award.amount and matching <= award.matching_amount, award.pk
    assert {"provincial", "city", "central", "county"} <= set(
        Disbursement.objects.values_list("source", flat=True)
    )
    matching = Disbursement.objects.filter(is_matching=True).select_related("award__application")
    assert matching.exists()  # teams' county matching funds, in tranches
    for tranche in matching:
        assert tranche.source == "county"
        notices = tranche.award.application.notices.filter(purpose=PublicNotice.Purpose.PAYMENT)
        assert notices.filter(ends_on__lt=tranche.paid_on).exists()
    assert all(d.paid_on <= today for d in Disbursement.objects.all())

    # Claims: proposed from the policy's rules and the recorded achievements, paid after an ended 公示.
    claims = apps.filter(programme__kind=Programme.Kind.INCENTIVE)
    for claim in claims.exclude(status=Status.DRAFT).select_related("programme__policy"):
        items = ClaimItem.objects.filter(application=claim).select_related("rule", "achievement")
        assert claim.proposed_amount == sum((i.amount for i in items), Decimal(0))
        for item in items:
            assert item.rule.policy_id == claim.programme.policy_id
            assert item.achievement.organisation_id == claim.organisation_id
            assert item.achievement.decided_on.year == item.rule.achievement_year == claim.call.year - 1
    paid = claims.filter(status=Status.PAID)
    assert paid.exists()
    for claim in paid:
        payments = Disbursement.objects.filter(award__application=claim)
        assert payments.aggregate(s=Sum("amount"))["s"] == claim.decided_amount == claim.award.amount > 0
        notices = claim.notices.filter(purpose=PublicNotice.Purpose.PAYMENT)
        first_paid = min(p.paid_on for p in payments)
        assert any(n.ends_on < first_paid and n.ends_on < today for n in notices), claim.pk
    overridden = claims.exclude(override_reason="")
    assert overridden.exists()
    assert all(c.decided_amount < c.proposed_amount for c in overridden)
    assert not claims.filter(override_reason="", status__in=[Status.DECIDED, Status.PAID]).exclude(
        decided_amount=F("proposed_amount")
    )
    objections = PublicNotice.objects.filter(purpose="payment").values_list("objections__upheld", flat=True)
    assert False in objections and None in objections  # one resolved (not upheld), one still open

    # Vouchers: what each has redeemed is its redemptions; issued, used up and expired ones.
    assert ServiceProvider.objects.filter(county_id=KAIHUA).count() == 5
    for voucher in Voucher.objects.all():
        redeemed = Redemption.objects.filter(voucher=voucher).aggregate(s=Sum("amount"))["s"] or 0
        assert voucher.redeemed_amount == redeemed
        if voucher.state == Voucher.State.EXPIRED:
            assert voucher.expires_on < today and voucher.redeemed_amount < voucher.amount
    assert set(Voucher.objects.values_list("state", flat=True)) == set(Voucher.State.values)
    assert Voucher.objects.filter(
        state="expired", redeemed_amount__gt=0
    ).exists()  # partly used, then expired

    # The coaching log, by the demo staff, over the last two years.
    logs = ServiceLog.objects.filter(county_id=KAIHUA)
    assert logs.count() >= 15 and set(logs.values_list("staff__username", flat=True)) == {"kh_staff"}
    assert all(today - dt.timedelta(days=731) <= d < today for d in logs.values_list("date", flat=True))

    # The demo enterprise's own applications, some filed by its user; tenancy holds.
    org = qiye.roles.get().organisation
    mine = selectors.application_list(user=qiye)
    assert mine.count() == apps.filter(organisation=org).count() >= 5
    assert mine.filter(created_by=qiye).exists()
    assert Transition.objects.filter(
        application__organisation=org, actor=qiye, to_status="submitted"
    ).exists()
    assert set(mine.values_list("organisation_id", flat=True)) == {org.pk}
    assert not selectors.application_list(user=User.objects.get(username="cs_staff")).exists()
    assert selectors.open_calls_for(user=qiye).exists()

    # Everything went through the services: audited, by the demo users.
    events = Counter(AuditEvent.objects.values_list("object_type", flat=True))
    assert events["programmes.application"] >= apps.count()
    assert events["programmes.award"] == Award.objects.count()
    assert events["programmes.disbursement"] == Disbursement.objects.count()
    assert events["programmes.voucher"] >= Voucher.objects.count()
    assert set(
        AuditEvent.objects.filter(object_type__startswith="programmes.").values_list("username", flat=True)
    ) <= {"kh_staff", "kh_qiye"}
    assert Transition.objects.filter(application__county_id=KAIHUA).count() > apps.count()

    # Loaded once: a second build (forced or not) changes nothing.
    counts = _programme_rows()
    events_before = AuditEvent.objects.filter(object_type__startswith="programmes.").count()
    again = build_demo(scale=0.1)
    assert again.already_loaded and again.counts == summary.counts
    forced = build_demo(scale=0.1, force=True)
    assert forced.created == {}
    assert not build_programmes_demo(demo_specs(scale=0.1))
    assert _programme_rows() == counts
    assert AuditEvent.objects.filter(object_type__startswith="programmes.").count() == events_before


def _programme_rows():
    return tuple(
        m.objects.count()
        for m in (PolicyDocument, Programme, Call, Application, Award, Disbursement, Voucher, ServiceLog)
    ) + (Organisation.objects.count(),)
