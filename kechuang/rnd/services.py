"""Every write of the R&D stream: validated, permission-checked and audited in one transaction. Writes that
feed the county indicators (economy data, above-scale status, statistics imports) refresh them in the same
transaction, so the rankings never show a state the inputs no longer have."""

from __future__ import annotations

import calendar
import copy
import datetime as dt
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from kechuang.core import audit, edits, permissions, qualifications
from kechuang.core.models import Organisation, OrganisationYear, local_in
from kechuang.core.units import chinese_date
from kechuang.core.workdays import add_workdays
from kechuang.core.writes import assign, create_or_update, require_staff, save

from . import indicators, selectors_returns
from .models import (
    CountyEconomy,
    DeductionRate,
    EnterpriseStat,
    Frequency,
    OfficialFigure,
    ReturnFiling,
    ReturnRound,
    ReturnType,
    RndExpense,
    RndProject,
    Target,
)

PROJECT_FIELDS = [
    "organisation",
    "code",
    "title",
    "kind",
    "starts_on",
    "ends_on",
    "budget",
    "staff",
    "summary",
]
EXPENSE_FIELDS = [name for name, _label in RndExpense.CATEGORIES]
ECONOMY_FIELDS = ["county", "year", "months", "gdp", "above_scale_value_added", "source"]
OFFICIAL_FIELDS = [
    "county",
    "year",
    "months",
    "indicator",
    "value",
    "province_rank",
    "province_count",
    "city_rank",
    "city_count",
    "source",
    "published_on",
]
TARGET_FIELDS = ["county", "year", "indicator", "comparison", "value", "note"]
RETURN_TYPE_FIELDS = [
    "county",
    "name",
    "frequency",
    "obligation",
    "due_workdays",
    "issuer",
    "note",
    "is_active",
]


# --- who may write ----------------------------------------------------------------------------------------


def may_write_for(user: Any, organisation: Organisation) -> bool:
    """An enterprise keeps its own R&D records; the bureau staff of its county may too."""
    return organisation.pk in permissions.own_organisation_ids(user) or permissions.is_county_staff(
        user, organisation.region_id
    )


# --- R&D projects and expense collection ------------------------------------------------------------------


def rnd_project_save(
    *, by: Any, data: dict[str, Any], instance: RndProject | None = None, loaded: Any = None
) -> RndProject:
    organisation = data.get("organisation") or (instance.organisation if instance else None)
    allowed = isinstance(organisation, Organisation) and may_write_for(by, organisation)
    if instance is not None and allowed:
        allowed = may_write_for(by, instance.organisation)
    permissions.require(allowed, by, "rnd_project.save", instance, what="rnd.rndproject")
    with transaction.atomic():
        if instance is not None:  # core's compare-and-set: only what the user changed since `loaded`
            assign(copy.copy(instance), data, PROJECT_FIELDS)
            project = edits.update(instance, by=by, data=data, loaded=loaded)
        else:
            project = RndProject()
            assign(project, data, PROJECT_FIELDS)
            project = save(project, by=by, action="create")
        months = project.expenses.values_list("year", "month")
        if any(not project.covers(year, month) for year, month in months):
            raise ValidationError(
                _("项目已有起止期间以外月份的费用归集，请先删除这些月份的费用再修改起止日期。")
            )
        return project


def rnd_project_delete(*, by: Any, project: RndProject) -> None:
    permissions.require(may_write_for(by, project.organisation), by, "rnd_project.delete", project)
    with transaction.atomic():
        expenses = list(project.expenses.all())
        for expense in expenses:
            audit.record("delete", by=by, obj=expense, before=audit.snapshot(expense))
        before = audit.snapshot(project)
        project.expenses.all().delete()
        audit.record("delete", by=by, obj=project, before=before)
        project.delete()


def rnd_expense_set(
    *, by: Any, project: RndProject, year: int, month: int, amounts: dict[str, Decimal]
) -> RndExpense | None:
    """Set one month's expenses of a project (all six categories; all zero removes the month)."""
    permissions.require(may_write_for(by, project.organisation), by, "rnd_expense.set", project)
    with transaction.atomic():
        row = RndExpense.objects.select_for_update().filter(project=project, year=year, month=month).first()
        before = audit.snapshot(row) if row else None
        if all(not amounts.get(name) for name in EXPENSE_FIELDS):
            if row is not None:
                row.delete()
                audit.record("delete", by=by, obj=row, before=before)
            return None
        row = row or RndExpense(project=project, year=year, month=month)
        assign(row, {name: amounts.get(name) or Decimal(0) for name in EXPENSE_FIELDS}, EXPENSE_FIELDS)
        return save(row, by=by, action="update" if before else "create", before=before)


# --- county data feeding the indicators -------------------------------------------------------------------


def county_economy_save(
    *, by: Any, data: dict[str, Any], instance: CountyEconomy | None = None, loaded: Any = None
) -> CountyEconomy:
    county = data.get("county") or (instance.county if instance else None)
    with transaction.atomic():
        row = create_or_update(
            CountyEconomy, by=by, data=data, fields=ECONOMY_FIELDS, county=county, instance=instance,
            loaded=loaded,
        )  # fmt: skip
        indicators.refresh([row.year] + ([instance.year] if instance and instance.year != row.year else []))
        return row


def county_economy_delete(*, by: Any, row: CountyEconomy) -> None:
    require_staff(by, row.county_id, "delete countyeconomy", row)
    with transaction.atomic():
        audit.record("delete", by=by, obj=row, before=audit.snapshot(row))
        year = row.year
        row.delete()
        indicators.refresh([year])


def _not_fixed_by_a_summary(
    obj: OfficialFigure | Target | None, data: dict[str, Any], *, what: str, whole_year: bool
) -> None:
    """A target or published figure a frozen summary rests on stays as it is, whichever path asks: the
    row the summary quoted (as it stands and where the edit would move it), and for targets any of a
    year whose full-year summary is frozen. Revising the summary (修订) lifts it for the new version."""
    from kechuang.reports.summary import require_not_fixed  # the summary is the reports app's

    places: list[tuple[Any, Any]] = []
    if obj is not None and obj.pk is not None:
        places.append((obj.county_id, obj.year))
    county, year = data.get("county"), data.get("year")
    if county is not None or year is not None:
        code = county.pk if county is not None else (obj.county_id if obj else None)
        places.append((code, year if year is not None else (obj.year if obj else None)))
    for code, y in dict.fromkeys(places):
        if code and y:
            require_not_fixed(obj, county_code=code, year=int(y) if whole_year else None, what=what)
            if whole_year:  # a target of data year Y is reported in the summary of Y+1 too
                require_not_fixed(obj, county_code=code, year=int(y) + 1, what=what)


def official_figure_save(
    *, by: Any, data: dict[str, Any], instance: OfficialFigure | None = None, loaded: Any = None
) -> OfficialFigure:
    county = data.get("county") or (instance.county if instance else None)
    _require_staff_of(by, OfficialFigure, county, instance)
    with transaction.atomic():
        if instance is not None:
            _not_fixed_by_a_summary(instance, data, what=_("该公布数据"), whole_year=False)
        return create_or_update(
            OfficialFigure, by=by, data=data, fields=OFFICIAL_FIELDS, county=county, instance=instance,
            loaded=loaded,
        )  # fmt: skip


def target_save(
    *, by: Any, data: dict[str, Any], instance: Target | None = None, loaded: Any = None
) -> Target:
    county = data.get("county") or (instance.county if instance else None)
    _require_staff_of(by, Target, county, instance)
    with transaction.atomic():
        _not_fixed_by_a_summary(instance, data, what=_("该年度的目标任务"), whole_year=True)
        return create_or_update(
            Target, by=by, data=data, fields=TARGET_FIELDS, county=county, instance=instance, loaded=loaded
        )


def _require_staff_of(by: Any, model: type[OfficialFigure | Target], county: Any, instance: Any) -> None:
    """The county's staff only, before anything about the record is said (create_or_update asks again)."""
    action = f"{'update' if instance else 'create'} {model._meta.model_name}"
    if instance is not None:
        require_staff(by, instance.county_id, action, instance)
    require_staff(by, county.pk if hasattr(county, "pk") else county, action, instance)


def record_delete(*, by: Any, obj: OfficialFigure | Target) -> None:
    require_staff(by, obj.county_id, f"delete {obj._meta.model_name}", obj)
    with transaction.atomic():
        if isinstance(obj, Target):
            _not_fixed_by_a_summary(obj, {}, what=_("该年度的目标任务"), whole_year=True)
        else:
            _not_fixed_by_a_summary(obj, {}, what=_("该公布数据"), whole_year=False)
        audit.record("delete", by=by, obj=obj, before=audit.snapshot(obj))
        obj.delete()


# --- statistical returns ----------------------------------------------------------------------------------


def period_end(frequency: str, year: int, number: int) -> dt.date:
    if frequency == Frequency.MONTH:
        if not 1 <= number <= 12:
            raise ValidationError({"number": _("月报的期别为 1–12 月。")})
        return dt.date(year, number, calendar.monthrange(year, number)[1])
    if frequency == Frequency.QUARTER:
        if not 1 <= number <= 4:
            raise ValidationError({"number": _("季报的期别为第 1–4 季度。")})
        month = 3 * number
        return dt.date(year, month, calendar.monthrange(year, month)[1])
    if number != 0:
        raise ValidationError({"number": _("年报的期别填 0。")})
    return dt.date(year, 12, 31)


def due_date(return_type: ReturnType, year: int, number: int) -> dt.date:
    """The n-th working day after the period ends (China's holidays and make-up workdays counted)."""
    return add_workdays(period_end(return_type.frequency, year, number), return_type.due_workdays)


def return_type_save(
    *,
    by: Any,
    data: dict[str, Any],
    listed: list[Organisation] | None = None,
    instance: ReturnType | None = None,
    loaded: Any = None,
) -> ReturnType:
    county = data.get("county") or (instance.county if instance else None)
    with transaction.atomic():
        row = create_or_update(
            ReturnType, by=by, data=data, fields=RETURN_TYPE_FIELDS, county=county, instance=instance,
            loaded=loaded,
        )  # fmt: skip
        if listed is not None:
            foreign = [o.name for o in listed if not o.region_id.startswith(row.county_id)]
            if foreign:
                raise ValidationError({"listed": _("指定单位须在本县：%(n)s") % {"n": "、".join(foreign)}})
            before = sorted(o.pk for o in row.listed.all())
            row.listed.set(listed)
            after = sorted(o.pk for o in listed)
            if before != after:
                audit.record("update", by=by, obj=row, before={"listed": before}, after={"listed": after})
        return row


def obligated(return_type: ReturnType, year: int, on: dt.date) -> list[Organisation]:
    """Who owes a round of the return, as the records stand: enterprises of the county by the type's rule."""
    county = return_type.county_id
    enterprises = Organisation.objects.filter(local_in(county), is_active=True)
    rule = return_type.obligation
    if rule == ReturnType.Obligation.BUREAU:
        return []
    if rule == ReturnType.Obligation.LISTED:
        return list(return_type.listed.filter(local_in(county)).order_by("name"))
    if rule == ReturnType.Obligation.ABOVE_SCALE:
        above = OrganisationYear.objects.filter(year=year, is_above_scale=True).values("organisation_id")
        return list(enterprises.filter(pk__in=above).order_by("name"))
    if rule == ReturnType.Obligation.RND:
        with_projects = RndProject.objects.filter(starts_on__year__lte=year, ends_on__year__gte=year).values(
            "organisation_id"
        )
        return list(enterprises.filter(pk__in=with_projects).order_by("name"))
    if rule == ReturnType.Obligation.HIGH_TECH:
        # Valid at some time within the period itself (`on` is its last day): a quarterly return is not
        # owed for a certificate that lapsed before the quarter began.
        months: dict[str, int] = {Frequency.MONTH: 1, Frequency.QUARTER: 3}
        start = dt.date(on.year, on.month - months.get(return_type.frequency, 12) + 1, 1)
        held = qualifications.holder_filter(qualifications.HIGH_TECH, start=start, end=on)
    else:  # registered (入库) for the year
        held = qualifications.holder_filter(
            qualifications.TECH_SME, start=dt.date(year, 1, 1), end=dt.date(year, 12, 31)
        )
    return list(enterprises.filter(held).order_by("name"))


def return_round_open(
    *, by: Any, return_type: ReturnType, year: int, number: int = 0, due_on: dt.date | None = None
) -> ReturnRound:
    """Open a round: compute its due date and list who owes it (the bureau itself for its own returns)."""
    require_staff(by, return_type.county_id, "open returnround", return_type)
    if not return_type.is_active:
        raise ValidationError(_("报表“%(n)s”已停用，不能开启新的报送期。") % {"n": return_type.name})
    end = period_end(return_type.frequency, year, number)
    with transaction.atomic():
        if ReturnRound.objects.filter(return_type=return_type, year=year, number=number).exists():
            raise ValidationError(_("该报表的这一期已经开启。"))
        if due_on is not None and due_on <= end:
            raise ValidationError({"due_on": _("截止日期须晚于报告期末（%(d)s）。") % {"d": end}})
        rnd = ReturnRound(
            return_type=return_type, county_id=return_type.county_id, year=year, number=number, period_end=end,
            due_on=due_on or due_date(return_type, year, number),
            opened_by=by if getattr(by, "is_authenticated", False) else None,
        )  # fmt: skip
        rnd.full_clean()
        rnd.save()
        audit.record("create", by=by, obj=rnd, after=audit.snapshot(rnd))
        filers = obligated(return_type, year, end)
        filings = [ReturnFiling(round=rnd, county_id=rnd.county_id, organisation=o) for o in filers]
        if return_type.obligation == ReturnType.Obligation.BUREAU:
            filings = [ReturnFiling(round=rnd, county_id=rnd.county_id, organisation=None)]
        ReturnFiling.objects.bulk_create(filings)
        created = rnd.filings.select_related("organisation")
        audit.record_many(audit.build("create", by=by, obj=f, after=audit.snapshot(f)) for f in created)
        return rnd


def filing_update(
    *,
    by: Any,
    filing: ReturnFiling,
    status: str,
    submitted_on: dt.date | None = None,
    note: str | None = None,
) -> ReturnFiling:
    """Record a filing as submitted, exempt or pending again: the county's staff, or the enterprise for its own.

    The rules hold on every path (the filing's row, the bulk marking, any future API or import), checked on
    the locked row with the server's clock:
    - a submission date is never after today, nor before the period it reports on has ended;
    - an enterprise's own "已报送" is dated today — only the bureau records an earlier date, from the
      statistics platform's record — and it cannot undo an exemption the bureau recorded;
    - a filing already submitted is not submitted again (that would move its date): put it back to
      "未报送" first, which is audited;
    - an enterprise may take its "已报送" back only until the due date; after it, only the bureau can;
    - an exemption names its reason."""
    S = ReturnFiling.Status
    staff = permissions.is_county_staff(by, filing.county_id)
    own = filing.organisation_id is not None and filing.organisation_id in permissions.own_organisation_ids(
        by
    )
    allowed = staff or (own and status in (S.SUBMITTED, S.PENDING))
    permissions.require(allowed, by, "filing.update", filing)
    if status not in S.values:
        raise ValidationError({"status": _("未知的报送状态：%(s)s") % {"s": status}})
    today = selectors_returns.today()  # the server's clock, the one the returns pages count from
    with transaction.atomic():
        locked = (
            ReturnFiling.objects.select_for_update(of=("self",)).select_related("round").get(pk=filing.pk)
        )
        rnd = locked.round
        if not staff and locked.status == S.EXEMPT:
            raise ValidationError(
                _("该报表已由县经信科技局登记为免报，企业不能更改；如有疑问请联系县经信科技局。")
            )
        if status == S.SUBMITTED:
            if locked.status == S.SUBMITTED:
                raise ValidationError(
                    _("%(o)s已于%(d)s报送，不能重复标记；如需更正报送日期，请先改回“未报送”。")
                    % {"o": locked.filer_name, "d": chinese_date(locked.submitted_on or today)},
                    code="submitted",
                )
            if not staff:
                if submitted_on is not None and submitted_on != today:
                    raise ValidationError(
                        {"submitted_on": _("企业标记“已报送”按当天（%(d)s）记录报送日期；实际报送日期不同的，"
                                           "请联系县经信科技局按统计平台的记录登记。") % {"d": chinese_date(today)}}
                    )  # fmt: skip
                submitted_on = today
            submitted_on = submitted_on or today
            if submitted_on > today:
                raise ValidationError(
                    {"submitted_on": _("报送日期不能晚于今天（%(d)s）。") % {"d": chinese_date(today)}}
                )
            if submitted_on < rnd.period_end:
                raise ValidationError(
                    {"submitted_on": _("报送日期不能早于报告期末（%(d)s）：报告期结束后才能报送。")
                     % {"d": chinese_date(rnd.period_end)}}
                )  # fmt: skip
        elif status == S.PENDING and not staff:
            if locked.status != S.SUBMITTED:
                raise ValidationError(_("该报表尚未标记为已报送。"))
            if today > rnd.due_on:
                raise ValidationError(
                    _("已过截止日期（%(d)s），不能撤回“已报送”标记；如需更正，请联系县经信科技局。")
                    % {"d": chinese_date(rnd.due_on)},
                    code="deadline",
                )
        if status == S.EXEMPT and not (note if note is not None else locked.note).strip():
            raise ValidationError({"note": _("免报须在备注中注明原因。")})
        before = audit.snapshot(locked)
        locked.status = status
        locked.submitted_on = submitted_on if status == S.SUBMITTED else None
        if note is not None:
            locked.note = note
        locked.updated_by = by if getattr(by, "is_authenticated", False) else None
        return save(locked, by=by, action="update", before=before)


def filings_mark_submitted(*, by: Any, filings: list[ReturnFiling], submitted_on: dt.date) -> int:
    """Bulk "已报送" for the staff's ticked rows, in one transaction; each goes through filing_update.
    Rows already submitted (as they stand now, not as the page showed them) are left as they are."""
    for filing in filings:
        require_staff(by, filing.county_id, "filing.update", filing)
    done = 0
    with transaction.atomic():
        current = (
            ReturnFiling.objects.select_for_update(of=("self",))
            .order_by("pk")
            .in_bulk([f.pk for f in filings])
        )
        for filing in filings:
            fresh = current.get(filing.pk)
            if fresh is None or fresh.status == ReturnFiling.Status.SUBMITTED:
                continue
            filing_update(
                by=by, filing=fresh, status=ReturnFiling.Status.SUBMITTED, submitted_on=submitted_on
            )
            done += 1
    return done


# --- the super-deduction rate table --------------------------------------------------------------------------

RATE_FIELDS = ["applies_to", "valid_from", "valid_until", "rate", "basis", "note"]


def deduction_rate_add(*, by: Any, data: dict[str, Any]) -> DeductionRate:
    """A new row of the national rate table, when a new announcement is published. It is reference data
    like the regions: kept by the operator from the CLI (`kechuang rates --add`), or the system
    administrator; no county may change it."""
    permissions.require(
        by is None or permissions.can_manage_accounts(by), by, "add deductionrate", what="rnd.deductionrate"
    )
    with transaction.atomic():
        row = DeductionRate()
        assign(row, data, RATE_FIELDS)
        return save(row, by=by, action="create")


def enterprise_stats_delete(*, by: Any, organisation: Organisation, year: int) -> int:
    """Remove an enterprise's statistics of a year (a file imported with the wrong frequency or for the
    wrong enterprise), so the corrected return can be imported. County staff only; each row audited."""
    require_staff(by, organisation.region_id, "delete enterprisestat", organisation)
    with transaction.atomic():
        rows = list(EnterpriseStat.objects.filter(organisation=organisation, year=year))
        audit.record_many(audit.build("delete", by=by, obj=r, before=audit.snapshot(r)) for r in rows)
        EnterpriseStat.objects.filter(pk__in=[r.pk for r in rows]).delete()
        if rows:
            indicators.refresh([year])
        return len(rows)
