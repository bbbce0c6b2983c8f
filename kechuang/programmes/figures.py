"""Report figures of the programmes engine: streams 1 (policy incentives), 2 (innovation entities),
3 (plan projects) and 6 (talent) of DOMAIN.md, registered with kechuang.reports.figures.

Each figure takes a scope (a county, or a city or province: every county under it) and a period, and
returns its value, the sentence an annual summary would say, and the evidence — the records it counts.
Every figure runs a fixed number of queries whatever the amount of data: counts and sums are aggregated
in the database, and names are fetched only where the summary lists them (five or fewer).

When things happened:
- money: the disbursement's payment date (paid_on); vouchers: issue and redemption dates;
- decisions (qualifications recognised, projects approved, registrations): the award's decided_on;
- applications: the yearly call they were made to. `submitted_at` is stamped with the clock at the moment
  the status changes, so paper applications entered late by staff and historical records imported from
  spreadsheets would land in the wrong year; the call is the record of the round. An application counts
  in a period when it has been submitted (any status but draft or withdrawn) to a call of the period's year, and — for
  a quarter or year-to-date — when the call's applicant deadline (县级推荐截止, else 申报截止) falls in
  the period. This matches the application list's year filter (call year).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Case, Count, Exists, F, OuterRef, Q, QuerySet, Sum, When
from django.db.models.functions import Coalesce
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from kechuang.core import units
from kechuang.core.models import Organisation, Region
from kechuang.reports.figures import Period, Result, few_names, figure, in_scope, parenthetical

from .models import (
    ZERO,
    Application,
    Award,
    ClaimItem,
    Disbursement,
    Level,
    Milestone,
    PolicyDocument,
    Programme,
    Redemption,
    ServiceLog,
    Status,
    Voucher,
)

Kind = Programme.Kind
Form = Programme.AwardForm
LEVEL_RANK = {Level.NATIONAL: 0, Level.PROVINCIAL: 1, Level.CITY: 2, Level.COUNTY: 3}
LEVEL_LABEL = dict(Level.choices)
NAME_LIMIT = 5  # summaries list the names when there are this many or fewer
# Never counted as an application of the year: a draft was not handed in, a withdrawn one was taken back.
NOT_APPLIED = (Status.DRAFT, Status.WITHDRAWN)


# --- shared record sets ---------------------------------------------------------------------------------


def applications_in(scope: Region, period: Period) -> QuerySet[Application]:
    """Applications submitted in the period (see the module notes: dated by their call)."""
    qs = Application.objects.filter(in_scope(scope), call__year=period.year).exclude(status__in=NOT_APPLIED)
    if not period.is_full_year:
        qs = qs.alias(deadline=Coalesce("call__county_deadline", "call__closes_on")).filter(
            deadline__range=period.range
        )
    return qs


def awards_decided(scope: Region, period: Period) -> QuerySet[Award]:
    return Award.objects.filter(in_scope(scope), decided_on__range=period.range)


def claim_payments(scope: Region, period: Period) -> QuerySet[Disbursement]:
    """Money paid out for incentive claims in the period."""
    return Disbursement.objects.filter(
        in_scope(scope, "award__county"), award__programme__kind=Kind.INCENTIVE, paid_on__range=period.range
    )


def _applicant_name() -> Coalesce:
    return Coalesce("organisation__name", "person__name")


@dataclass
class Group:
    """One line of a breakdown: a category (or programme, or level) with its counts."""

    name: str
    rank: int = 9  # of its level: national first
    n: int = 0
    won: int = 0  # with a positive decision (an award)
    part: int = 0  # a subset of n the text names: registrations among the won, or re-recognitions
    names: list[str] = field(default_factory=list)


def _merge(rows: Iterable[dict[str, Any]], key: str, **counts: str) -> list[Group]:
    """Fold aggregate rows (grouped by name and level) into one Group per name, ordered by level
    (national first), then by size."""
    groups: dict[str, Group] = {}
    for row in rows:
        g = groups.setdefault(row[key], Group(name=row[key]))
        g.rank = min(g.rank, LEVEL_RANK.get(row.get("programme__level", ""), 9))
        for attr, column in counts.items():
            setattr(g, attr, getattr(g, attr) + (row[column] or 0))
    return sorted(groups.values(), key=lambda g: (g.rank, -g.n, g.name))


def _attach_names(groups: list[Group], qs: QuerySet, key: str, name: Any) -> None:
    """Fetch the names of the groups small enough to list them (one query, at most NAME_LIMIT names per
    group)."""
    few = {g.name: g for g in groups if 0 < g.n <= NAME_LIMIT}
    if not few:
        return
    rows = (
        qs.filter(**{f"{key}__in": list(few)})
        .annotate(listed_name=name)
        .order_by()
        .values_list(key, "listed_name")
    )
    for group_name, person in rows:
        names = few[group_name].names
        if person and person not in names:
            names.append(person)
    for g in few.values():
        g.names.sort()  # code-point order, the same on every database


def _join(parts: Iterable[str]) -> str:
    return "、".join(parts)


def _sorted_levels(rows: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    return sorted(rows, key=lambda r: LEVEL_RANK.get(r["programme__level"], 9))


# --- 1 policy incentives ------------------------------------------------------------------------------------


@figure("policy.documents", section=1, label=gettext_lazy("出台政策文件"), unit="")
def policy_documents(scope: Region, period: Period) -> Result:
    """Policy documents issued in the period, each with its 文号."""
    docs = PolicyDocument.objects.filter(in_scope(scope), issued_on__range=period.range).order_by(
        "issued_on", "number_serial", "pk"
    )
    names = [f"《{title}》（{number}）" for title, number in docs.values_list("title", "number")]
    if not names:
        text = _("本期未出台政策文件")
    elif len(names) == 1:
        text = _("出台政策文件%(d)s") % {"d": names[0]}
    else:
        text = _("出台%(d)s等%(n)s个政策文件") % {"d": _join(names[:3]), "n": len(names)}
    return Result(names, text, docs)


@figure("policy.claims_enterprises", section=1, label=gettext_lazy("兑现政策奖励企业"), unit="家")
def policy_claims_enterprises(scope: Region, period: Period) -> Result:
    """Enterprises whose incentive claims were paid (a disbursement dated in the period)."""
    enterprises = Organisation.objects.filter(
        pk__in=claim_payments(scope, period).values("award__organisation")
    ).order_by("name", "pk")
    n = enterprises.count()
    text = _("兑现政策奖励企业%(n)s家") % {"n": n} if n else _("本期未兑现政策奖励")
    return Result(n, text, enterprises)


@figure("policy.claim_items", section=1, label=gettext_lazy("兑现奖励事项"), unit="项")
def policy_claim_items(scope: Region, period: Period) -> Result:
    """The items (achievements rewarded) of claims paid in the period, by the achievement's category."""
    items = ClaimItem.objects.filter(
        application__in=claim_payments(scope, period).values("award__application")
    ).order_by("pk")
    rows = (
        items.order_by()
        .values("rule__achievement__category", "rule__achievement__level")
        .annotate(n=Count("pk"))
    )
    groups = _merge(
        ({**r, "programme__level": r["rule__achievement__level"]} for r in rows),
        "rule__achievement__category",
        n="n",
    )
    total = sum(g.n for g in groups)
    if not total:
        return Result(0, _("本期未兑现政策奖励事项"), items)
    parts = _join(_("%(c)s%(n)s项") % {"c": g.name, "n": g.n} for g in groups)
    text = _("兑现奖励事项共%(n)s项，其中%(parts)s") % {"n": total, "parts": parts}
    return Result(total, text, items)


@figure("policy.money_paid", section=1, label=gettext_lazy("兑现奖励资金"), unit="元")
def policy_money_paid(scope: Region, period: Period) -> Result:
    payments = claim_payments(scope, period).order_by("paid_on", "pk")
    total = payments.aggregate(s=Sum("amount"))["s"] or ZERO
    text = _("兑现奖励资金%(m)s") % {"m": units.money(total)} if total else _("本期未兑现政策奖励资金")
    return Result(total, text, payments)


@figure("policy.vouchers_issued", section=1, label=gettext_lazy("发放科技创新券"), unit="元")
def policy_vouchers_issued(scope: Region, period: Period) -> Result:
    """Innovation vouchers issued in the period: value is their face amount; the text adds the count."""
    vouchers = Voucher.objects.filter(in_scope(scope), issued_on__range=period.range).order_by(
        "issued_on", "pk"
    )
    agg = vouchers.aggregate(
        n=Count("pk"), total=Sum("amount"), enterprises=Count("organisation", distinct=True)
    )
    total = agg["total"] or ZERO
    if not agg["n"]:
        return Result(total, _("本期未发放科技创新券"), vouchers)
    text = _("向%(e)s家企业发放科技创新券%(n)s张，面额%(m)s") % {
        "e": agg["enterprises"],
        "n": agg["n"],
        "m": units.money(total),
    }
    return Result(total, text, vouchers)


@figure("policy.vouchers_redeemed", section=1, label=gettext_lazy("兑付科技创新券"), unit="元")
def policy_vouchers_redeemed(scope: Region, period: Period) -> Result:
    """Money redeemed against vouchers in the period (whenever the vouchers were issued)."""
    redemptions = Redemption.objects.filter(
        in_scope(scope, "voucher__county"), redeemed_on__range=period.range
    ).order_by("redeemed_on", "pk")
    agg = redemptions.aggregate(
        n=Count("pk"), total=Sum("amount"), enterprises=Count("voucher__organisation", distinct=True)
    )
    total = agg["total"] or ZERO
    if not agg["n"]:
        return Result(total, _("本期未兑付科技创新券"), redemptions)
    text = _("兑付科技创新券%(m)s（%(n)s笔），惠及企业%(e)s家") % {
        "m": units.money(total),
        "n": agg["n"],
        "e": agg["enterprises"],
    }
    return Result(total, text, redemptions)


# --- 2 innovation entities --------------------------------------------------------------------------------------


@figure("entities.applications", section=2, label=gettext_lazy("资质申报及结果"), unit="家")
def entities_applications(scope: Region, period: Period) -> Result:
    """Qualification applications of the period by category, with how many were recognised; the
    applicants are named where a category has five or fewer."""
    apps = applications_in(scope, period).filter(programme__kind=Kind.QUALIFICATION).order_by("pk")
    rows = (
        apps.order_by()
        .values("programme__category", "programme__level", "programme__award_form")
        .annotate(
            n=Count("pk"),
            won=Count("award"),
            registrations=Count("award", filter=Q(programme__award_form=Form.REGISTRATION)),
        )
    )
    groups = _merge(rows, "programme__category", n="n", won="won", part="registrations")
    total = sum(g.n for g in groups)
    if not total:
        return Result(0, _("本期无资质认定申报"), apps)
    _attach_names(groups, apps, "programme__category", _applicant_name())
    parts = []
    for g in groups:
        outcome = ""
        if g.won:
            word = _("已入库登记") if g.part == g.won else _("已认定")
            outcome = _("%(w)s%(n)s家") % {"w": word, "n": g.won}
        parts.append(
            _("%(c)s%(n)s家%(p)s") % {"c": g.name, "n": g.n, "p": parenthetical(few_names(g.names), outcome)}
        )
    text = _("%(when)s共申报%(parts)s") % {"when": period.months_label, "parts": _join(parts)}
    return Result(total, text, apps)


@figure("entities.new_qualifications", section=2, label=gettext_lazy("新认定资质"), unit="家")
def entities_new_qualifications(scope: Region, period: Period) -> Result:
    """Qualifications recognised in the period (awards decided, form qualification), by category. A
    re-recognition is one where the organisation held an earlier award of the same category (the same
    programme, or another programme record of that category) — e.g. a high-tech enterprise renewing after
    three years."""
    earlier = Award.objects.filter(
        organisation=OuterRef("organisation"),
        programme__award_form=Form.QUALIFICATION,
        programme__category=OuterRef("programme__category"),
        decided_on__lt=OuterRef("decided_on"),
    )
    awards = (
        awards_decided(scope, period)
        .filter(programme__award_form=Form.QUALIFICATION)
        .order_by("decided_on", "pk")
    )
    rows = (
        awards.order_by()
        .annotate(renewal=Exists(earlier))
        .values("programme__category", "programme__level")
        .annotate(n=Count("pk"), renewed=Count("pk", filter=Q(renewal=True)))
    )
    groups = _merge(rows, "programme__category", n="n", part="renewed")
    total = sum(g.n for g in groups)
    if not total:
        return Result(0, _("本期无新认定资质"), awards)
    _attach_names(groups, awards, "programme__category", _applicant_name())
    parts = []
    for g in groups:
        split = ""
        if g.part == g.n:
            split = _("均为重新认定")
        elif g.part:
            split = _("其中首次认定%(a)s家、重新认定%(b)s家") % {"a": g.n - g.part, "b": g.part}
        parts.append(
            _("%(c)s%(n)s家%(p)s") % {"c": g.name, "n": g.n, "p": parenthetical(few_names(g.names), split)}
        )
    text = _("新认定%(parts)s") % {"parts": _join(parts)}
    renewed = sum(g.part for g in groups)
    if len(groups) > 1 and renewed:
        text += _("；合计首次认定%(a)s家、重新认定%(b)s家") % {"a": total - renewed, "b": renewed}
    return Result(total, text, awards)


@figure("entities.sme_registered", section=2, label=gettext_lazy("国家科技型中小企业入库"), unit="家")
def entities_sme_registered(scope: Region, period: Period) -> Result:
    """National S&T SMEs: evaluated (applications of the period to a registration programme) and
    registered (registration awards decided in the period). The value is the registered count."""
    registered = (
        awards_decided(scope, period)
        .filter(programme__award_form=Form.REGISTRATION)
        .order_by("decided_on", "pk")
    )
    n = registered.count()
    evaluated = applications_in(scope, period).filter(programme__award_form=Form.REGISTRATION).count()
    if not n and not evaluated:
        return Result(0, _("本期无国家科技型中小企业评价入库"), registered)
    text = _("组织国家科技型中小企业评价%(e)s家，入库登记%(n)s家") % {"e": evaluated, "n": n}
    return Result(n, text, registered)


@figure("entities.visits", section=2, label=gettext_lazy("走访服务企业"), unit="家次")
def entities_visits(scope: Region, period: Period) -> Result:
    """The coaching log: site visits in the period (the value), and contacts of every channel."""
    logs = ServiceLog.objects.filter(in_scope(scope), date__range=period.range)
    visits = logs.filter(channel=ServiceLog.Channel.VISIT).order_by("date", "pk")
    agg = logs.aggregate(
        total=Count("pk"),
        visits=Count("pk", filter=Q(channel=ServiceLog.Channel.VISIT)),
        enterprises=Count("organisation", distinct=True),
    )
    n, total = agg["visits"], agg["total"]
    if not total:
        return Result(0, _("本期无企业服务记录"), visits)
    text = _("走访服务企业%(n)s家次") % {"n": n} if n else _("本期未上门走访企业")
    if total > n:
        text += _("，电话、微信、培训等各类服务共%(t)s家次，涉及企业%(e)s家") % {
            "t": total,
            "e": agg["enterprises"],
        }
    return Result(n, text, visits)


# --- 3 plan projects ------------------------------------------------------------------------------------------------


def _project_awards(scope: Region, period: Period) -> QuerySet[Award]:
    return awards_decided(scope, period).filter(programme__kind=Kind.PROJECT)


@figure("projects.applications", section=3, label=gettext_lazy("申报科技计划项目"), unit="项")
def projects_applications(scope: Region, period: Period) -> Result:
    apps = applications_in(scope, period).filter(programme__kind=Kind.PROJECT).order_by("pk")
    rows = _sorted_levels(apps.order_by().values("programme__level").annotate(n=Count("pk")))
    total = sum(r["n"] for r in rows)
    if not total:
        return Result(0, _("本期未申报科技计划项目"), apps)
    parts = _join(_("%(l)s%(n)s项") % {"l": LEVEL_LABEL[r["programme__level"]], "n": r["n"]} for r in rows)
    text = _("申报各级科技计划项目%(n)s项，其中%(parts)s") % {"n": total, "parts": parts}
    return Result(total, text, apps)


@figure("projects.approvals", section=3, label=gettext_lazy("获批立项科技计划项目"), unit="项")
def projects_approvals(scope: Region, period: Period) -> Result:
    """Project awards decided in the period, by level and, within a level, by category."""
    awards = _project_awards(scope, period).order_by("decided_on", "pk")
    rows = (
        awards.order_by()
        .values("programme__level", "programme__category")
        .annotate(n=Count("pk"))
        .order_by("programme__category")
    )
    levels: dict[str, list[dict[str, Any]]] = {}
    for r in _sorted_levels(rows):
        levels.setdefault(r["programme__level"], []).append(r)
    total = sum(r["n"] for rs in levels.values() for r in rs)
    if not total:
        return Result(0, _("本期无科技计划项目获批立项"), awards)
    parts = []
    for level, rs in levels.items():
        categories = _join(
            _("%(c)s%(n)s项") % {"c": r["programme__category"], "n": r["n"]}
            for r in sorted(rs, key=lambda r: (-r["n"], r["programme__category"]))
        )
        parts.append(
            _("%(l)s%(n)s项（%(c)s）")
            % {"l": LEVEL_LABEL[level], "n": sum(r["n"] for r in rs), "c": categories}
        )
    text = _("获批立项科技计划项目%(n)s项，其中%(parts)s") % {"n": total, "parts": _join(parts)}
    return Result(total, text, awards)


@figure("projects.grants", section=3, label=gettext_lazy("科技计划项目经费补助"), unit="元")
def projects_grants(scope: Region, period: Period) -> Result:
    """Grant money of the project awards decided in the period, by level."""
    awards = _project_awards(scope, period).filter(amount__gt=0).order_by("-amount", "pk")
    rows = _sorted_levels(awards.order_by().values("programme__level").annotate(s=Sum("amount")))
    total = sum((r["s"] for r in rows), ZERO)
    if not total:
        return Result(ZERO, _("本期无科技计划项目经费补助"), awards)
    text = _("获得科技计划项目经费补助%(m)s") % {"m": units.money(total)}
    if len(rows) > 1:
        text += _("，其中%(parts)s") % {
            "parts": _join(f"{LEVEL_LABEL[r['programme__level']]}{units.money(r['s'])}" for r in rows)
        }
    else:
        text += _("，均为%(l)s项目") % {"l": LEVEL_LABEL[rows[0]["programme__level"]]}
    return Result(total, text, awards)


LARGEST = 3


@figure("projects.largest", section=3, label=gettext_lazy("补助金额最大的项目"), unit="")
def projects_largest(scope: Region, period: Period) -> Result:
    """The three approved projects of the period with the largest grants: "单位·项目（N万元）"."""
    top = list(
        _project_awards(scope, period)
        .filter(amount__gt=0)
        .select_related("programme", "application__organisation", "application__person")
        .order_by("-amount", "decided_on", "pk")[:LARGEST]
    )
    names = [
        f"{a.application.applicant_name}·{a.application.title or a.programme.name}（{units.money(a.amount)}）"
        for a in top
    ]
    evidence = Award.objects.filter(pk__in=[a.pk for a in top]).order_by("-amount", "decided_on", "pk")
    if not names:
        return Result([], _("本期无获得经费补助的立项项目"), evidence)
    text = _("补助金额最大的项目：%(p)s") % {"p": _join(names)}
    return Result(names, text, evidence)


# --- 6 talent ---------------------------------------------------------------------------------------------------------


def _unit(kind: str, for_people: bool) -> str:
    if for_people:
        return _("人")
    return _("个") if kind == Kind.TEAM else _("家")


@figure("talent.nominations", section=6, label=gettext_lazy("推荐人才和团队"), unit="项")
def talent_nominations(scope: Region, period: Period) -> Result:
    """Talent and team nominations of the period by programme, with how many were selected; names (the
    person, or the team's name) are listed where a programme has five or fewer."""
    apps = applications_in(scope, period).filter(programme__kind__in=[Kind.TALENT, Kind.TEAM]).order_by("pk")
    rows = list(
        apps.order_by()
        .values("programme__name", "programme__level", "programme__kind", "programme__for_people")
        .annotate(n=Count("pk"), won=Count("award"))
    )
    unit_of = {r["programme__name"]: _unit(r["programme__kind"], r["programme__for_people"]) for r in rows}
    groups = _merge(rows, "programme__name", n="n", won="won")
    total = sum(g.n for g in groups)
    if not total:
        return Result(0, _("本期未推荐人才和团队申报"), apps)
    # a person by name; a team by its name (else the host organisation's)
    name = Case(
        When(programme__kind=Kind.TEAM, title__gt="", then=F("title")),
        default=Coalesce("person__name", "organisation__name"),
    )
    _attach_names(groups, apps, "programme__name", name)
    parts = []
    for g in groups:
        u = unit_of[g.name]
        outcome = _("已入选%(n)s%(u)s") % {"n": g.won, "u": u} if g.won else ""
        parts.append(
            _("%(p)s%(n)s%(u)s%(x)s")
            % {"p": g.name, "n": g.n, "u": u, "x": parenthetical(few_names(g.names), outcome)}
        )
    text = _("推荐申报人才计划和创新团队%(n)s项，其中%(parts)s") % {"n": total, "parts": _join(parts)}
    return Result(total, text, apps)


@figure("talent.matching_paid", section=6, label=gettext_lazy("拨付人才和团队配套资金"), unit="元")
def talent_matching_paid(scope: Region, period: Period) -> Result:
    """County matching funds (配套资金) paid in the period for talent and team awards."""
    payments = Disbursement.objects.filter(
        in_scope(scope, "award__county"),
        is_matching=True,
        award__programme__kind__in=[Kind.TALENT, Kind.TEAM],
        paid_on__range=period.range,
    ).order_by("paid_on", "pk")
    agg = payments.aggregate(total=Sum("amount"), n=Count("pk"), awards=Count("award", distinct=True))
    total = agg["total"] or ZERO
    if not total:
        return Result(ZERO, _("本期未拨付人才和团队配套资金"), payments)
    text = _("拨付人才和团队配套资金%(m)s（%(k)s个项目，%(n)s笔）") % {
        "m": units.money(total),
        "k": agg["awards"],
        "n": agg["n"],
    }
    return Result(total, text, payments)


@figure("talent.checks_passed", section=6, label=gettext_lazy("创新团队通过考核"), unit="次")
def talent_checks_passed(scope: Region, period: Period) -> Result:
    """Milestones (中期检查, 实地考核, 验收) of team awards passed in the period (by the date done)."""
    done = Milestone.objects.filter(
        in_scope(scope, "award__county"), award__programme__kind=Kind.TEAM, done_on__range=period.range
    )
    passed = done.filter(result=Milestone.Result.PASSED).order_by("done_on", "pk")
    rows = {
        r["kind"]: r
        for r in done.order_by()
        .values("kind")
        .annotate(
            passed=Count("pk", filter=Q(result=Milestone.Result.PASSED)),
            failed=Count("pk", filter=Q(result=Milestone.Result.FAILED)),
        )
    }
    n = sum(r["passed"] for r in rows.values())
    failed = sum(r["failed"] for r in rows.values())
    if not n and not failed:
        return Result(0, _("本期无创新团队考核"), passed)
    if n:
        parts = _join(
            _("%(k)s%(n)s次") % {"k": label, "n": rows[kind]["passed"]}
            for kind, label in Milestone.Kind.choices
            if kind in rows and rows[kind]["passed"]
        )
        text = _("创新团队通过考核%(n)s次，其中%(parts)s") % {"n": n, "parts": parts}
    else:
        text = _("本期无创新团队通过考核")
    if failed:
        text += _("，另有%(f)s次未通过") % {"f": failed}
    return Result(n, text, passed)
