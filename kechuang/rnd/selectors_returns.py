"""Reads of the statistical returns (统计报送). Every selector takes the acting user and lets the permission
module decide what they see: the county's region roles see its return types, rounds and every filing; an
organisation sees the rounds of its county (they are public there) but only its own filings, so the counts
it is shown are of its own filings too."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.db.models import Count, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from kechuang.core import permissions
from kechuang.core.workdays import add_workdays, is_workday, workdays_between

from .models import ReturnFiling, ReturnRound, ReturnType

S = ReturnFiling.Status
WEEKDAYS = ("星期一", "星期二", "星期三", "星期四", "星期五", "星期六", "星期日")
SOON_WORKDAYS = 10  # the home panel's horizon: rounds due within this many working days


def today() -> dt.date:
    return timezone.localdate()


def weekday(day: dt.date) -> str:
    """星期二; a weekend make-up workday (调休上班) says so, as people would not expect a deadline then."""
    name = WEEKDAYS[day.weekday()]
    if day.weekday() >= 5 and is_workday(day):
        return _("%(d)s，调休上班日") % {"d": name}
    return name


@dataclass(frozen=True)
class Deadline:
    state: str  # done | due | today | overdue
    days: int  # working days left (due) or calendar days late (overdue)
    label: str


def deadline(due_on: dt.date, on: dt.date, *, done: bool = False) -> Deadline:
    """How a due date stands on a day: working days left (China's calendar), or calendar days overdue."""
    if done:
        return Deadline("done", 0, _("已完成"))
    if due_on < on:
        late = (on - due_on).days
        return Deadline("overdue", late, _("已逾期%(n)d天") % {"n": late})
    left = workdays_between(on, due_on)
    if left == 0:
        return Deadline("today", 0, _("今日截止"))
    return Deadline("due", left, _("还剩%(n)d个工作日") % {"n": left})


# --- return types and rounds ------------------------------------------------------------------------------


def return_type_list(*, user: Any) -> QuerySet[ReturnType]:
    return permissions.visible(user, ReturnType.objects.select_related("county"))


def return_type_get(*, user: Any, pk: Any) -> ReturnType:
    return return_type_list(user=user).get(pk=pk)


def round_queryset(*, user: Any) -> QuerySet[ReturnRound]:
    return permissions.visible(user, ReturnRound.objects.select_related("return_type", "county"))


def round_get(*, user: Any, pk: Any) -> ReturnRound:
    return round_queryset(user=user).get(pk=pk)


def filing_list(*, user: Any) -> QuerySet[ReturnFiling]:
    return permissions.visible(
        user,
        ReturnFiling.objects.select_related("round__return_type", "round__county", "organisation__region"),
    )


def filing_get(*, user: Any, pk: Any) -> ReturnFiling:
    return filing_list(user=user).get(pk=pk)


def with_counts(user: Any, rounds: Iterable[ReturnRound], on: dt.date) -> list[ReturnRound]:
    """Annotate each round with the counts of the filings the user may see (one grouped query) and its
    deadline state: owed, submitted, exempt, pending, done (share of submitted or exempt) and deadline."""
    rounds = list(rounds)
    counts: dict[int, dict[str, int]] = defaultdict(dict)
    rows = (
        permissions.visible(user, ReturnFiling.objects.filter(round__in=[r.pk for r in rounds]))
        .order_by()
        .values_list("round_id", "status")
        .annotate(n=Count("pk"))
    )
    for round_id, status, n in rows:
        counts[round_id][status] = n
    for r in rounds:
        c = counts.get(r.pk, {})
        submitted, exempt, pending = c.get(S.SUBMITTED, 0), c.get(S.EXEMPT, 0), c.get(S.PENDING, 0)
        owed = submitted + exempt + pending
        # Attributes the templates read (like queryset annotations).
        r.__dict__.update(
            owed=owed,
            submitted=submitted,
            exempt=exempt,
            pending=pending,
            done_pct=round(100 * (owed - pending) / owed) if owed else 100,
            deadline=deadline(r.due_on, on, done=pending == 0)
            if owed
            else Deadline("done", 0, _("无须报送")),
            weekday=weekday(r.due_on),
        )
    return rounds


def round_list(
    *,
    user: Any,
    on: dt.date,
    year: int | None = None,
    return_type: int | None = None,
    open_only: bool = False,
) -> list[ReturnRound]:
    """Rounds the user sees, newest period first, with their counts; "open" = someone still owes it."""
    rounds = round_queryset(user=user).order_by("return_type__name", "-year", "-number")
    if year:
        rounds = rounds.filter(year=year)
    if return_type:
        rounds = rounds.filter(return_type_id=return_type)
    if open_only:
        rounds = rounds.filter(filings__status=S.PENDING).distinct()
    listed = with_counts(user, rounds, on)
    # Open as far as this user can tell: someone whose filing they see still owes it.
    return [r for r in listed if r.pending] if open_only else listed  # type: ignore[attr-defined]


def round_years(*, user: Any) -> list[int]:
    return list(round_queryset(user=user).order_by("-year").values_list("year", flat=True).distinct())


def due_soon(*, user: Any, on: dt.date, workdays: int = SOON_WORKDAYS) -> list[ReturnRound]:
    """Rounds still owed by someone that are overdue or due within `workdays` working days."""
    horizon = add_workdays(on, workdays)
    rounds = (
        round_queryset(user=user)
        .filter(due_on__lte=horizon, filings__status=S.PENDING)
        .distinct()
        .order_by("due_on", "return_type__name")
    )
    return [r for r in with_counts(user, rounds, on) if r.pending]  # type: ignore[attr-defined]


# --- who still owes -------------------------------------------------------------------------------------


def owing(
    *, user: Any, on: dt.date, overdue_only: bool = True, return_type: int | None = None
) -> QuerySet[ReturnFiling]:
    """Pending filings the user may see, the most overdue first (the list staff phone through)."""
    rows = filing_list(user=user).filter(status=S.PENDING)
    if overdue_only:
        rows = rows.filter(round__due_on__lt=on)
    if return_type:
        rows = rows.filter(round__return_type_id=return_type)
    return rows.order_by("round__due_on", "round__return_type__name", "organisation__name", "pk")


def outstanding(*, user: Any) -> QuerySet[ReturnFiling]:
    """An organisation's own filings not yet submitted (the enterprise's home panel)."""
    own = permissions.own_organisation_ids(user)
    return filing_list(user=user).filter(status=S.PENDING, organisation_id__in=own).order_by("round__due_on")
