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

from django.db.models import Count, Q, QuerySet, Sum, Value
from django.db.models.functions import Coalesce, NullIf
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
    prior_recognition,
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


def _document_names(docs: QuerySet[PolicyDocument]) -> list[str]:
    return [f"《{title}》（{number}）" for title, number in docs.values_list("title", "number")]


def _documents(scope: Region, period: Period, roles: Iterable[str]) -> QuerySet[PolicyDocument]:
    return PolicyDocument.objects.filter(
        in_scope(scope), issued_on__range=period.range, bureau_role__in=list(roles)
    ).order_by("issued_on", "number_serial", "pk")


@figure("policy.documents", section=1, label=gettext_lazy("参与制定出台政策文件"), unit="")
def policy_documents(scope: Region, period: Period) -> Result:
    """Policy documents issued in the period that the bureau took part in making — drafted (牵头起草),
    co-drafted (参与起草) or co-issued (联合发文) — each with its 文号. Documents it only implements are
    another figure (policy.documents_implemented)."""
    docs = _documents(scope, period, PolicyDocument.MADE)
    names = _document_names(docs)
    if not names:
        text = _("本期未参与制定出台政策文件")
    elif len(names) == 1:
        text = _("参与制定出台了%(d)s") % {"d": names[0]}
    else:
        text = _("参与制定出台了%(d)s等%(n)s个政策文件") % {"d": _join(names), "n": len(names)}
    return Result(names, text, docs)


@figure("policy.documents_implemented", section=1, label=gettext_lazy("贯彻执行政策文件"), unit="")
def policy_documents_implemented(scope: Region, period: Period) -> Result:
    """Policy documents issued in the period that the bureau implements (贯彻执行) without having made
    them, each with its 文号."""
    docs = _documents(scope, period, [PolicyDocument.BureauRole.IMPLEMENTS])
    names = _document_names(docs)
    if not names:
        text = _("本期无需贯彻执行的新政策文件")
    elif len(names) == 1:
        text = _("贯彻落实%(d)s") % {"d": names[0]}
    else:
        text = _("贯彻落实%(d)s等%(n)s个政策文件") % {"d": _join(names), "n": len(names)}
    return Result(names, text, docs)


def _policy_name(title: str, short_title: str) -> str:
    return f"“{short_title}”" if short_title else f"《{title}》"


@figure("policy.claims", section=1, label=gettext_lazy("政策申报兑现"), unit="元")
def policy_claims(scope: Region, period: Period) -> Result:
    """Claims paid in the period (a disbursement dated in it), by the policy they were made under and the
    year of the achievements they reward (a claim of year Y is for Y-1): how many enterprises, the items
    by the achievement's category (one per achievement rewarded: 家 for a qualification, 个 for a product
    or project), and the money paid. The value is the money; the evidence, the claims."""
    payments = claim_payments(scope, period)
    claims = Application.objects.filter(pk__in=payments.values("award__application")).order_by(
        "call__year", "pk"
    )
    policy, year = "award__application__programme__policy", "award__application__call__year"
    groups = list(
        payments.order_by()
        .values(policy, year)
        .annotate(money=Sum("amount"), enterprises=Count("award__organisation", distinct=True))
        .order_by(year, policy)
    )
    total = sum((g["money"] for g in groups), ZERO)
    if not total:
        return Result(ZERO, _("本期未兑现政策激励资金"), claims)
    item_rows = (
        ClaimItem.objects.filter(application__in=claims)
        .order_by()
        .values(
            "application__programme__policy", "application__call__year", "rule__achievement__category",
            "rule__achievement__level", "rule__achievement__kind",
        )
        .annotate(n=Count("pk"))
    )  # fmt: skip
    items: dict[tuple[Any, int], list[dict[str, Any]]] = {}
    for r in item_rows:
        key = (r["application__programme__policy"], r["application__call__year"])
        items.setdefault(key, []).append({**r, "programme__level": r["rule__achievement__level"]})
    policies = {
        pk: _policy_name(title, short)
        for pk, title, short in PolicyDocument.objects.filter(pk__in=[g[policy] for g in groups]).values_list(
            "pk", "title", "short_title"
        )
    }
    parts = []
    for g in groups:
        rows = items.get((g[policy], g[year]), [])
        kind_of = {r["rule__achievement__category"]: r["rule__achievement__kind"] for r in rows}
        kinds = _merge(rows, "rule__achievement__category", n="n")
        n = sum(k.n for k in kinds)
        what = _("%(e)s家企业") % {"e": g["enterprises"]}
        if n:
            breakdown = _join(
                f"{k.name}{k.n}{_('家') if kind_of[k.name] == Kind.QUALIFICATION else _('个')}" for k in kinds
            )
            what = _("%(e)s家企业的%(n)s个奖励项目（其中%(b)s）") % {
                "e": g["enterprises"],
                "n": n,
                "b": breakdown,
            }
        parts.append(
            _("针对%(y)s年度%(p)s申报的%(w)s")
            % {"y": g[year] - 1, "p": policies.get(g[policy], _("政策奖励")), "w": what}
        )
    if len(groups) == 1:
        text = _("%(c)s，兑现政策激励资金%(m)s") % {"c": parts[0], "m": units.money(total)}
    else:
        money = [units.money(g["money"]) for g in groups]
        text = _("；").join(
            _("%(c)s，兑现%(m)s") % {"c": c, "m": m} for c, m in zip(parts, money, strict=True)
        ) + _("，合计共兑现政策激励资金%(m)s") % {"m": units.money(total)}
    return Result(total, text, claims)


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


def _recognised_name() -> Any:
    """How a recognition is named: the platform's own name where the application gives one (an 综合体, a
    研发中心 named on its application), else the holder."""
    return Coalesce(NullIf("application__title", Value("")), "organisation__name", "person__name")


@figure("entities.applications", section=2, label=gettext_lazy("资质申报"), unit="家")
def entities_applications(scope: Region, period: Period) -> Result:
    """Qualification applications of the period by category (national S&T SME evaluation, a yearly
    registration, is entities.sme_registered); the applicants are named where a category has five or
    fewer, whatever kind of applicant they are (an enterprise, a department, a development-zone
    committee). Withdrawn applications and drafts are not applications of the year."""
    apps = (
        applications_in(scope, period)
        .filter(programme__kind=Kind.QUALIFICATION)
        .exclude(programme__award_form=Form.REGISTRATION)
        .order_by("pk")
    )
    rows = apps.order_by().values("programme__category", "programme__level").annotate(n=Count("pk"))
    groups = _merge(rows, "programme__category", n="n")
    total = sum(g.n for g in groups)
    if not total:
        return Result(0, _("本期无资质认定申报"), apps)
    _attach_names(groups, apps, "programme__category", _applicant_name())
    parts = [
        _("%(n)s家%(c)s%(p)s") % {"n": g.n, "c": g.name, "p": parenthetical(few_names(g.names))}
        for g in groups
    ]
    text = _("%(when)s共申报%(parts)s") % {"when": period.months_label, "parts": _("，").join(parts)}
    return Result(total, text, apps)


@figure("entities.new_qualifications", section=2, label=gettext_lazy("新认定资质"), unit="家")
def entities_new_qualifications(scope: Region, period: Period) -> Result:
    """Recognitions decided in the period (awards of qualification programmes other than the yearly
    registration), by category, with the holders named where a category has five or fewer: "甲、乙成功被
    认定为高新技术企业"; a platform named on its application (综合体) "成功获批". A re-recognition is one where
    the organisation held an earlier recognition of the same category (models.prior_recognition) — e.g. a
    high-tech enterprise renewing after three years."""
    awards = (
        awards_decided(scope, period)
        .filter(programme__kind=Kind.QUALIFICATION)
        .exclude(programme__award_form=Form.REGISTRATION)
        .order_by("decided_on", "pk")
    )
    rows = (
        awards.order_by()
        .annotate(renewal=prior_recognition())
        .values("programme__category", "programme__level")
        .annotate(
            n=Count("pk"),
            renewed=Count("pk", filter=Q(renewal=True)),
            titled=Count("pk", filter=~Q(application__title="")),
        )
    )
    groups = _merge(rows, "programme__category", n="n", part="renewed", won="titled")
    total = sum(g.n for g in groups)
    if not total:
        return Result(0, _("本期无新认定资质"), awards)
    _attach_names(groups, awards, "programme__category", _recognised_name())
    parts = []
    for g in groups:
        split = ""
        if g.part == g.n and g.n > 1:
            split = _("均为重新认定")
        elif g.part == g.n:
            split = _("重新认定")
        elif g.part:
            split = _("其中首次认定%(a)s家、重新认定%(b)s家") % {"a": g.n - g.part, "b": g.part}
        who = few_names(g.names) if g.names else _("%(n)s家企业") % {"n": g.n}
        verb = _("成功获批") if g.won == g.n else _("成功被认定为")
        parts.append(f"{who}{verb}{g.name}{parenthetical(split)}")
    return Result(total, _("；").join(parts), awards)


@figure("entities.sme_registered", section=2, label=gettext_lazy("科技型中小企业评价入库"), unit="家")
def entities_sme_registered(scope: Region, period: Period) -> Result:
    """The yearly evaluation and registration (入库登记) programmes, such as 国家科技型中小企业, by
    category: evaluated (applications of the period) and registered (registration awards decided in the
    period). The value is the registered count."""
    registered = (
        awards_decided(scope, period)
        .filter(programme__award_form=Form.REGISTRATION)
        .order_by("decided_on", "pk")
    )
    won = registered.order_by().values("programme__category", "programme__level").annotate(n=Count("pk"))
    applied = (
        applications_in(scope, period)
        .filter(programme__award_form=Form.REGISTRATION)
        .order_by()
        .values("programme__category", "programme__level")
        .annotate(e=Count("pk"))
    )
    rows = [*({**r, "e": 0} for r in won), *({**r, "n": 0} for r in applied)]
    groups = _merge(rows, "programme__category", n="n", part="e")
    if not groups:
        return Result(0, _("本期无科技型中小企业评价入库"), registered)
    parts = []
    for g in groups:
        if g.part and g.n:
            parts.append(
                _("组织参评%(c)s%(e)s家，其中%(n)s家企业成功入库登记") % {"c": g.name, "e": g.part, "n": g.n}
            )
        elif g.part:
            parts.append(_("组织参评%(c)s%(e)s家") % {"c": g.name, "e": g.part})
        else:
            parts.append(_("%(n)s家企业成功入库登记为%(c)s") % {"c": g.name, "n": g.n})
    return Result(sum(g.n for g in groups), _("；").join(parts), registered)


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

PROJECT_NAME_LIMIT = 3  # a project is named "单位：项目名称"; more than three make the sentence a list
NATURE_LABEL = dict(Programme.Nature.choices)


def _project_awards(scope: Region, period: Period) -> QuerySet[Award]:
    return awards_decided(scope, period).filter(programme__kind=Kind.PROJECT)


def _and(parts: list[str]) -> str:
    """ "甲" / "甲和乙" / "甲、乙和丙": how a sentence joins the last of a few items."""
    if len(parts) <= 1:
        return "".join(parts)
    return _("%(a)s和%(b)s") % {"a": _join(parts[:-1]), "b": parts[-1]}


def _holder(organisation: str | None, person: str | None, person_employer: str | None = None) -> str:
    """Who holds an award or made an application: the organisation, else the person (with the person's
    employer in front when recorded: "浙江海纳半导体有限公司张三")."""
    if person:
        return f"{organisation or person_employer or ''}{person}"
    return organisation or ""


def _named(holder: str, title: str) -> str:
    """A project or team as a summary names it: XX公司“项目名称”."""
    return f"{holder}“{title}”" if title else holder


def _level_counts(rows: Iterable[dict[str, Any]], count: str) -> str:
    return _join(
        _("%(l)s%(n)s项") % {"l": LEVEL_LABEL[r["programme__level"]], "n": r[count]}
        for r in _sorted_levels(rows)
        if r[count]
    )


@figure("projects.applications", section=3, label=gettext_lazy("申报科技计划项目"), unit="项")
def projects_applications(scope: Region, period: Period) -> Result:
    """Project applications of the period (dated by their call) by level, and how many of them were
    approved (列入, an award decided by the end of the period) by level — the seed's "组织申报…共43项：其中
    共列入…30项，国家1项、省级项目16项、市级13项"."""
    apps = applications_in(scope, period).filter(programme__kind=Kind.PROJECT).order_by("pk")
    rows = list(
        apps.order_by()
        .values("programme__level")
        .annotate(n=Count("pk"), won=Count("award", filter=Q(award__decided_on__lte=period.end)))
    )
    total = sum(r["n"] for r in rows)
    if not total:
        return Result(0, _("本期未申报科技计划项目"), apps)
    text = _("组织申报各级科技计划项目%(n)s项（%(parts)s）") % {"n": total, "parts": _level_counts(rows, "n")}
    won = sum(r["won"] for r in rows)
    if won:
        text += _("，其中列入各级科技计划项目%(n)s项（%(parts)s）") % {
            "n": won,
            "parts": _level_counts(rows, "won"),
        }
    else:
        text += _("，尚无项目获批立项")
    return Result(total, text, apps)


def listed_names_any(parts: list[str]) -> bool:
    """Whether a breakdown names records ("省重点研发计划1项：XX公司“项目名称”"): its parts are then
    separated by "；"."""
    return any("：" in p for p in parts)


@figure("projects.approvals", section=3, label=gettext_lazy("获批立项科技计划项目"), unit="项")
def projects_approvals(scope: Region, period: Period) -> Result:
    """Project awards decided in the period, by level and, within a level, by category; a category of three
    projects or fewer names them ("省重点研发计划1项：XX公司“项目名称”"); a level whose programmes record
    their nature says how many were competitive and guiding ("市级13项（…，其中竞争性项目3项、指导性项目10项）")."""
    awards = _project_awards(scope, period).order_by("decided_on", "pk")
    by_nature = list(
        awards.order_by()
        .values("programme__level", "programme__category", "programme__nature")
        .annotate(n=Count("pk"))
    )
    merged: dict[tuple[str, str], dict[str, Any]] = {}
    natures: dict[str, dict[str, int]] = {}  # level → nature → count, where programmes record it
    for r in by_nature:
        key = (r["programme__level"], r["programme__category"])
        merged.setdefault(key, {"programme__level": key[0], "programme__category": key[1], "n": 0})["n"] += r[
            "n"
        ]
        if r["programme__nature"]:
            level_natures = natures.setdefault(r["programme__level"], {})
            level_natures[r["programme__nature"]] = level_natures.get(r["programme__nature"], 0) + r["n"]
    rows = list(merged.values())
    total = sum(r["n"] for r in rows)
    if not total:
        return Result(0, _("本期无科技计划项目获批立项"), awards)
    few = [r for r in rows if r["n"] <= PROJECT_NAME_LIMIT]
    names: dict[tuple[str, str], list[str]] = {}
    if few:
        wanted = Q()
        for r in few:
            wanted |= Q(programme__level=r["programme__level"], programme__category=r["programme__category"])
        listed = awards.filter(wanted).values_list(
            "programme__level", "programme__category", "application__organisation__name",
            "application__person__name", "application__title",
        )  # fmt: skip
        for level, category, organisation, person, title in listed:
            names.setdefault((level, category), []).append(_named(_holder(organisation, person), title))
    levels: dict[str, list[dict[str, Any]]] = {}
    for r in _sorted_levels(rows):
        levels.setdefault(r["programme__level"], []).append(r)
    parts = []
    for level, rs in levels.items():
        categories = []
        for r in sorted(rs, key=lambda r: (-r["n"], r["programme__category"])):
            listed_names = names.get((level, r["programme__category"]), [])
            item = _("%(c)s%(n)s项") % {"c": r["programme__category"], "n": r["n"]}
            categories.append(f"{item}：{'、'.join(listed_names)}" if listed_names else item)
        sep = "；" if listed_names_any(categories) else "、"
        split = ""
        if level in natures:
            split = _("，其中%(parts)s") % {
                "parts": _join(
                    _("%(k)s项目%(n)s项") % {"k": NATURE_LABEL[k], "n": natures[level][k]}
                    for k in NATURE_LABEL
                    if k in natures[level]
                )
            }
        parts.append(
            _("%(l)s%(n)s项（%(c)s%(s)s）")
            % {"l": LEVEL_LABEL[level], "n": sum(r["n"] for r in rs), "c": sep.join(categories), "s": split}
        )
    text = _("获批立项科技计划项目%(n)s项，其中%(parts)s") % {"n": total, "parts": _join(parts)}
    return Result(total, text, awards)


@figure("projects.by_nature", section=3, label=gettext_lazy("竞争性与指导性项目"), unit="项")
def projects_by_nature(scope: Region, period: Period) -> Result:
    """Approvals of the period whose programme records its 项目性质, by level and nature, with the grants:
    "列入市级竞争性项目3项，共获经费补助120万元；市级指导性项目10项"."""
    awards = _project_awards(scope, period).exclude(programme__nature="").order_by("decided_on", "pk")
    rows = list(
        awards.order_by()
        .values("programme__level", "programme__nature")
        .annotate(n=Count("pk"), s=Sum("amount"))
    )
    if not rows:
        return Result(0, _("本期无区分竞争性、指导性的科技计划项目立项"), awards)
    order = list(NATURE_LABEL)
    rows.sort(key=lambda r: (LEVEL_RANK.get(r["programme__level"], 9), order.index(r["programme__nature"])))
    parts = []
    for r in rows:
        part = _("%(l)s%(k)s项目%(n)s项") % {
            "l": LEVEL_LABEL[r["programme__level"]],
            "k": NATURE_LABEL[r["programme__nature"]],
            "n": r["n"],
        }
        if r["s"]:
            part += _("，共获经费补助%(m)s") % {"m": units.money(r["s"])}
        parts.append(part)
    total = sum(r["n"] for r in rows)
    return Result(total, _("列入%(parts)s") % {"parts": "；".join(parts)}, awards)


@figure("projects.grants", section=3, label=gettext_lazy("科技计划项目经费补助"), unit="元")
def projects_grants(scope: Region, period: Period) -> Result:
    """Grant money of the project awards decided in the period, by level and, where the programmes record
    it, by nature (竞争性 / 指导性)."""
    awards = _project_awards(scope, period).filter(amount__gt=0).order_by("-amount", "pk")
    rows = awards.order_by().values("programme__level", "programme__nature").annotate(s=Sum("amount"))
    by_level: dict[str, dict[str, Any]] = {}
    for r in _sorted_levels(rows):
        level = by_level.setdefault(r["programme__level"], {"s": ZERO, "natures": {}})
        level["s"] += r["s"]
        if r["programme__nature"]:
            level["natures"][r["programme__nature"]] = r["s"]
    total = sum((v["s"] for v in by_level.values()), ZERO)
    if not total:
        return Result(ZERO, _("本期无科技计划项目经费补助"), awards)

    def natures(level: dict[str, Any]) -> str:
        split = [(k, level["natures"][k]) for k in NATURE_LABEL if k in level["natures"]]
        if not split:
            return ""
        if len(split) == 1 and split[0][1] == level["s"]:
            return _("（均为%(k)s项目）") % {"k": NATURE_LABEL[split[0][0]]}
        return _("（其中%(parts)s）") % {
            "parts": _join(
                _("%(k)s项目%(m)s") % {"k": NATURE_LABEL[k], "m": units.money(s)} for k, s in split
            )
        }

    text = _("获得科技计划项目经费补助%(m)s") % {"m": units.money(total)}
    if len(by_level) > 1:
        text += _("，其中%(parts)s") % {
            "parts": _join(
                f"{LEVEL_LABEL[name]}{units.money(v['s'])}{natures(v)}" for name, v in by_level.items()
            )
        }
    else:
        ((name, v),) = by_level.items()
        only = list(v["natures"].items())
        if len(only) == 1 and only[0][1] == v["s"]:
            text += _("，均为%(l)s%(k)s项目") % {"l": LEVEL_LABEL[name], "k": NATURE_LABEL[only[0][0]]}
        else:
            text += _("，均为%(l)s项目") % {"l": LEVEL_LABEL[name]} + natures(v)
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


# --- 6 talent and teams ---------------------------------------------------------------------------------------------
#
# An innovation team is a team programme's application and award: the programme says its level and type
# (省领军型创新团队, 市级重点创新团队, 县重点创新团队: level and category), the applicant organisation is the
# host, the award's valid_from–valid_until its construction period (建设期); its checks (中期检查, 实地考核,
# 年度考核, 验收) are the award's milestones, its money the award's disbursements — county matching funds
# (配套资金, is_matching) apart from the other team funds.

TEAM_NAME_LIMIT = 3  # teams are named "单位：团队名称" where a sentence has this many or fewer


def programme_label(name: str, category: str) -> str:
    """A talent programme as a summary names it, with its family: "“万人计划”青年拔尖人才" for the programme
    万人计划青年拔尖人才 of category 万人计划; the name alone when it already says its category."""
    if category and name.startswith(category) and len(name) > len(category):
        return f"“{category}”{name[len(category) :]}"
    if not category or category in name:
        return name
    return f"“{category}”{name}"


def _team_awards() -> Q:
    return Q(award__programme__kind=Kind.TEAM)


def _team_label(host: str, title: str, programme: str) -> str:
    """One team for a list: "XX公司：团队名称" (the host alone when the team has no name)."""
    return _named(host, title) if host else title or programme


@figure("talent.nominations", section=6, label=gettext_lazy("推荐人才和团队"), unit="项")
def talent_nominations(scope: Region, period: Period) -> Result:
    """Talent and team nominations of the period by programme, named with its family ("“万人计划”科技创新
    领军人才"), with how many were selected; a programme of five or fewer names the nominees with their
    organisation ("浙江海纳半导体有限公司张三") and the teams with their host ("XX公司：团队名称")."""
    apps = applications_in(scope, period).filter(programme__kind__in=[Kind.TALENT, Kind.TEAM]).order_by("pk")
    rows = list(
        apps.order_by()
        .values(
            "programme__name", "programme__category", "programme__level", "programme__kind",
            "programme__for_people",
        )
        .annotate(n=Count("pk"), won=Count("award", filter=Q(award__decided_on__lte=period.end)))
    )  # fmt: skip
    unit_of = {r["programme__name"]: _unit(r["programme__kind"], r["programme__for_people"]) for r in rows}
    label_of = {
        r["programme__name"]: programme_label(r["programme__name"], r["programme__category"]) for r in rows
    }
    groups = _merge(rows, "programme__name", n="n", won="won")
    total = sum(g.n for g in groups)
    if not total:
        return Result(0, _("本期未推荐人才和团队申报"), apps)
    few = {g.name: g for g in groups if g.n <= NAME_LIMIT}
    if few:
        listed = apps.filter(programme__name__in=list(few)).values_list(
            "programme__name", "organisation__name", "person__name", "person__organisation__name",
            "person__organisation_name", "title", "programme__kind",
        )  # fmt: skip
        for programme, organisation, person, employer, employer_text, title, kind in listed:
            holder = _holder(organisation, person, employer or employer_text)
            name = _team_label(holder, title, programme) if kind == Kind.TEAM else holder
            if name not in few[programme].names:
                few[programme].names.append(name)
        for g in few.values():
            g.names.sort()
    parts = []
    for g in groups:
        u = unit_of[g.name]
        outcome = _("已入选%(n)s%(u)s") % {"n": g.won, "u": u} if g.won else ""
        listed_names = "、".join(g.names)
        parts.append(
            _("%(p)s%(n)s%(u)s%(x)s")
            % {"p": label_of[g.name], "n": g.n, "u": u, "x": parenthetical(listed_names, outcome)}
        )
    text = _("推荐申报人才计划和创新团队%(n)s项，其中%(parts)s") % {"n": total, "parts": _join(parts)}
    return Result(total, text, apps)


def _unit(kind: str, for_people: bool) -> str:
    if for_people:
        return _("人")
    return _("个") if kind == Kind.TEAM else _("家")


def _recipient(row: dict[str, Any], prefix: str = "award__") -> str:
    """An award's holder with its programme, as the seed names a recipient of funds: "XX公司省领军型创新
    团队", "“万人计划”青年拔尖人才张三"."""
    name = row.get(f"{prefix}programme__name") or ""
    person = row.get(f"{prefix}application__person__name")
    if row.get(f"{prefix}programme__kind") == Kind.TEAM:
        # a team is named by its programme alone, and led by a person or hosted by an organisation
        if person:
            return _("%(p)s领衔的%(t)s") % {"p": person, "t": name}
        return f"{row.get(f'{prefix}application__organisation__name') or ''}{name}"
    programme = programme_label(name, row.get(f"{prefix}programme__category") or "")
    if person:
        return f"{programme}{person}"
    return f"{row.get(f'{prefix}application__organisation__name') or ''}{programme}"


RECIPIENT_FIELDS = (
    "award__programme__name", "award__programme__category", "award__programme__kind",
    "award__application__organisation__name", "award__application__person__name",
)  # fmt: skip


@figure("talent.matching_paid", section=6, label=gettext_lazy("拨付人才和团队配套资金"), unit="元")
def talent_matching_paid(scope: Region, period: Period) -> Result:
    """County matching funds (配套资金) paid in the period for talent and team awards; the recipients are
    named where there are five or fewer ("XX公司省领军型创新团队县级配套资金425万元")."""
    payments = Disbursement.objects.filter(
        in_scope(scope, "award__county"),
        is_matching=True,
        award__programme__kind__in=[Kind.TALENT, Kind.TEAM],
        paid_on__range=period.range,
    ).order_by("paid_on", "pk")
    per_award = list(
        payments.order_by().values("award", *RECIPIENT_FIELDS).annotate(s=Sum("amount"), n=Count("pk"))
    )
    total = sum((r["s"] for r in per_award), ZERO)
    if not total:
        return Result(ZERO, _("本期未拨付人才和团队配套资金"), payments)
    text = _("拨付人才和团队县级配套资金%(m)s") % {"m": units.money(total)}
    if len(per_award) <= NAME_LIMIT:
        per_award.sort(key=lambda r: (-r["s"], r["award"]))
        if len(per_award) == 1:
            text = _("完成%(r)s县级配套资金%(m)s的拨付") % {
                "r": _recipient(per_award[0]),
                "m": units.money(total),
            }
        else:
            text += _("（%(parts)s）") % {
                "parts": _join(f"{_recipient(r)}{units.money(r['s'])}" for r in per_award)
            }
    else:
        text += _("（%(k)s个项目，%(n)s笔）") % {"k": len(per_award), "n": sum(r["n"] for r in per_award)}
    return Result(total, text, payments)


@figure("talent.team_funds", section=6, label=gettext_lazy("拨付创新团队项目资金"), unit="元")
def talent_team_funds(scope: Region, period: Period) -> Result:
    """Team funds other than county matching funds paid in the period (the teams' own grants: a county key
    team's funding, an upper level's grant passed down), by team programme; the teams are named where
    there are three or fewer."""
    payments = Disbursement.objects.filter(
        in_scope(scope, "award__county"),
        is_matching=False,
        award__programme__kind=Kind.TEAM,
        paid_on__range=period.range,
    ).order_by("paid_on", "pk")
    per_award = list(
        payments.order_by()
        .values("award", "award__programme__level", "award__application__title", *RECIPIENT_FIELDS)
        .annotate(s=Sum("amount"))
    )
    total = sum((r["s"] for r in per_award), ZERO)
    if not total:
        return Result(ZERO, _("本期未拨付创新团队项目资金"), payments)
    programmes: dict[str, dict[str, Any]] = {}
    for r in sorted(per_award, key=lambda r: (LEVEL_RANK.get(r["award__programme__level"], 9), r["award"])):
        g = programmes.setdefault(r["award__programme__name"], {"n": 0, "s": ZERO, "names": []})
        g["n"] += 1
        g["s"] += r["s"]
        g["names"].append(
            _team_label(
                r["award__application__organisation__name"] or r["award__application__person__name"] or "",
                r["award__application__title"],
                r["award__programme__name"],
            )
        )
    named = len(per_award) <= TEAM_NAME_LIMIT
    parts = []
    for name, g in programmes.items():
        who = f"（{'、'.join(sorted(g['names']))}）" if named else ""
        parts.append(
            _("%(p)s%(n)s个%(w)s%(m)s") % {"p": name, "n": g["n"], "w": who, "m": units.money(g["s"])}
        )
    if len(parts) == 1:
        ((name, g),) = programmes.items()
        who = f"（{'、'.join(sorted(g['names']))}）" if named else ""
        text = _("拨付%(n)s个%(p)s%(w)s项目资金%(m)s") % {
            "n": g["n"],
            "p": name,
            "w": who,
            "m": units.money(total),
        }
    else:
        text = _("拨付创新团队项目资金%(m)s，其中%(parts)s") % {
            "m": units.money(total),
            "parts": _join(parts),
        }
    return Result(total, text, payments)


def _team_checks(scope: Region, period: Period) -> QuerySet[Milestone]:
    """Checks of innovation teams done in the period (by the date done); checks of other awards (a plan
    project's mid-term check) are not team checks."""
    return Milestone.objects.filter(
        in_scope(scope, "award__county"), _team_awards(), done_on__range=period.range
    )


@figure("talent.checks_passed", section=6, label=gettext_lazy("创新团队通过检查考核"), unit="次")
def talent_checks_passed(scope: Region, period: Period) -> Result:
    """Team checks (中期检查, 实地考核, 年度考核, 验收) passed in the period. Three teams or fewer are named
    with what they passed ("XX公司省领军型创新团队“团队名称”通过中期检查"); more are counted by check and
    team programme ("10个县重点创新团队和1个市级重点创新团队通过实地考核"). Failed checks are said apart."""
    done = _team_checks(scope, period)
    passed = done.filter(result=Milestone.Result.PASSED).order_by("done_on", "pk")
    rows = list(
        done.order_by()
        .values(
            "kind", "result", "award", "award__programme__name", "award__programme__level",
            "award__application__organisation__name", "award__application__person__name",
            "award__application__title",
        )
        .annotate(n=Count("pk"))
    )  # fmt: skip
    n = sum(r["n"] for r in rows if r["result"] == Milestone.Result.PASSED)
    failed = sum(r["n"] for r in rows if r["result"] == Milestone.Result.FAILED)
    if not n and not failed:
        return Result(0, _("本期无创新团队检查考核"), passed)
    kinds = [k for k, _label in Milestone.Kind.choices]
    kind_label = dict(Milestone.Kind.choices)
    ok = sorted(
        (r for r in rows if r["result"] == Milestone.Result.PASSED),
        key=lambda r: (LEVEL_RANK.get(r["award__programme__level"], 9), r["award"], kinds.index(r["kind"])),
    )
    teams: dict[int, dict[str, Any]] = {}
    for r in ok:
        holder = r["award__application__organisation__name"] or r["award__application__person__name"] or ""
        team = teams.setdefault(
            r["award"],
            {"name": f"{holder}{_named(r['award__programme__name'], r['award__application__title'])}",
             "programme": r["award__programme__name"], "kinds": []},
        )  # fmt: skip
        team["kinds"].append(str(kind_label[r["kind"]]))
    if not teams:
        parts = [_("本期无创新团队通过检查考核")]
    elif len(teams) <= TEAM_NAME_LIMIT:
        parts = [_("%(t)s通过%(k)s") % {"t": t["name"], "k": _join(t["kinds"])} for t in teams.values()]
    else:
        parts = []
        for kind in kinds:
            of_kind: dict[str, set[int]] = {}
            for r in ok:
                if r["kind"] == kind:
                    of_kind.setdefault(r["award__programme__name"], set()).add(r["award"])
            if of_kind:
                groups = [_("%(n)s个%(p)s") % {"n": len(a), "p": p} for p, a in of_kind.items()]
                parts.append(_("%(t)s通过%(k)s") % {"t": _and(groups), "k": kind_label[kind]})
    text = "；".join(parts)
    if failed:
        text += _("；另有%(f)s次检查考核未通过") % {"f": failed}
    return Result(n, text, passed)


@figure("talent.site_checks", section=6, label=gettext_lazy("创新团队实地考核及资金下拨"), unit="个")
def talent_site_checks(scope: Region, period: Period) -> Result:
    """Teams site-checked (实地考核) in the period, by team programme, and the money (matching or not) paid in
    the period to those teams: "对10个县重点创新团队和1个市级重点创新团队进行实地考核并下拨项目资金65万元".
    The value is the number of teams checked."""
    checks = _team_checks(scope, period).filter(kind=Milestone.Kind.SITE_CHECK).order_by("done_on", "pk")
    rows = list(
        checks.order_by()
        .values("award__programme__name", "award__programme__level")
        .annotate(
            teams=Count("award", distinct=True),
            failed=Count("award", distinct=True, filter=Q(result=Milestone.Result.FAILED)),
        )
    )
    teams = sum(r["teams"] for r in rows)
    if not teams:
        return Result(0, _("本期未对创新团队进行实地考核"), checks)
    rows.sort(key=lambda r: (LEVEL_RANK.get(r["award__programme__level"], 9), r["award__programme__name"]))
    groups = _and([_("%(n)s个%(p)s") % {"n": r["teams"], "p": r["award__programme__name"]} for r in rows])
    text = _("对%(g)s进行实地考核") % {"g": groups}
    failed = sum(r["failed"] for r in rows)
    if failed:
        text += _("（%(f)s个未通过）") % {"f": failed}
    money = (
        Disbursement.objects.filter(award__in=checks.values("award"), paid_on__range=period.range).aggregate(
            s=Sum("amount")
        )["s"]
        or ZERO
    )
    if money:
        text += _("并下拨项目资金%(m)s") % {"m": units.money(money)}
    return Result(teams, text, checks)
