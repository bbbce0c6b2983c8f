"""The application workflow as a declared table: (from, to, who may, what must be true). The status
field changes nowhere else: `services.application_transition` looks the move up here, checks the actor
and the condition, then changes the status with a compare-and-set so that two people acting at the same
moment yield exactly one transition."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from kechuang.core import permissions
from kechuang.core.units import chinese_date

from .models import Application, Milestone, Programme, Status

APPLICANT = "applicant"
STAFF = "staff"

CLAIM = "claim"  # incentive claims
OTHER = "other"  # qualifications, projects, talent and teams
PROJECT_FORM = "project_form"  # the subset whose award is a project with milestones


@dataclass(frozen=True)
class Move:
    source: str
    target: str
    actor: str
    applies_to: frozenset[str]
    label: Any
    needs_comment: bool = False
    condition: Callable[[Application, dt.date, bool], str | None] | None = None
    # Moves done by a dedicated service (deciding an amount, approving with award data, paying).
    via_service: str = ""


def _call_open(application: Application, today: dt.date, by_staff: bool) -> str | None:
    if by_staff:
        return None  # staff may enter a late paper application on the applicant's behalf
    call = application.call
    if today < call.opens_on:
        return _("该批次尚未开始申报（%(d)s 开始）。") % {"d": chinese_date(call.opens_on)}
    if today > call.applicant_deadline:
        return _("该批次已于 %(d)s 截止申报。") % {"d": chinese_date(call.applicant_deadline)}
    return None


def _accepted(application: Application, today: dt.date, by_staff: bool) -> str | None:
    award = getattr(application, "award", None)
    if (
        award is None
        or not award.milestones.filter(
            kind=Milestone.Kind.ACCEPTANCE, result=Milestone.Result.PASSED
        ).exists()
    ):
        return _("须先记录通过的验收节点。")
    return None


def _kinds(*names: str) -> frozenset[str]:
    return frozenset(names)


BOTH = _kinds(CLAIM, OTHER)
# Where an application can still be withdrawn: handed in, nothing decided yet (a claim's amount not
# decided, the upper level's result not recorded).
WITHDRAWABLE = {
    Status.SUBMITTED: _kinds(CLAIM, OTHER),
    Status.RETURNED: _kinds(CLAIM, OTHER),
    Status.CHECKED: _kinds(CLAIM),
    Status.RECOMMENDED: _kinds(OTHER),
}
S = Status
MOVES: tuple[Move, ...] = (
    Move(S.DRAFT, S.SUBMITTED, APPLICANT, BOTH, gettext_lazy("提交"), condition=_call_open),
    Move(S.DRAFT, S.SUBMITTED, STAFF, BOTH, gettext_lazy("代为提交")),
    Move(S.RETURNED, S.SUBMITTED, APPLICANT, BOTH, gettext_lazy("修改后重新提交"), condition=_call_open),
    Move(S.RETURNED, S.SUBMITTED, STAFF, BOTH, gettext_lazy("代为重新提交")),
    # county review of qualifications, projects, talent and teams
    Move(S.SUBMITTED, S.RETURNED, STAFF, BOTH, gettext_lazy("退回修改"), needs_comment=True),
    Move(S.SUBMITTED, S.REJECTED, STAFF, BOTH, gettext_lazy("审核不通过"), needs_comment=True),
    Move(S.SUBMITTED, S.RECOMMENDED, STAFF, _kinds(OTHER), gettext_lazy("推荐上报")),
    Move(
        S.RECOMMENDED, S.APPROVED, STAFF, _kinds(OTHER), gettext_lazy("录入上级批准"), via_service="approve"
    ),
    Move(S.RECOMMENDED, S.NOT_APPROVED, STAFF, _kinds(OTHER), gettext_lazy("录入未获批")),
    Move(S.APPROVED, S.IN_PROGRESS, STAFF, _kinds(PROJECT_FORM), gettext_lazy("启动实施")),
    Move(
        S.IN_PROGRESS, S.ACCEPTED, STAFF, _kinds(PROJECT_FORM), gettext_lazy("验收结题"), condition=_accepted
    ),
    Move(S.IN_PROGRESS, S.CLOSED, STAFF, _kinds(PROJECT_FORM), gettext_lazy("终止"), needs_comment=True),
    # incentive claims: checked, amount decided, paid
    Move(S.SUBMITTED, S.CHECKED, STAFF, _kinds(CLAIM), gettext_lazy("审核通过")),
    Move(S.CHECKED, S.RETURNED, STAFF, _kinds(CLAIM), gettext_lazy("退回修改"), needs_comment=True),
    Move(S.CHECKED, S.REJECTED, STAFF, _kinds(CLAIM), gettext_lazy("不予兑现"), needs_comment=True),
    Move(S.CHECKED, S.DECIDED, STAFF, _kinds(CLAIM), gettext_lazy("核定金额"), via_service="decide"),
    Move(S.DECIDED, S.PAID, STAFF, _kinds(CLAIM), gettext_lazy("兑现"), via_service="pay"),
    # 已撤回: the applicant (or the county's staff on its behalf) withdraws before a decision; the
    # application is kept with its timeline and never counts as an application of the year.
    *(
        Move(source, S.WITHDRAWN, actor, kinds, gettext_lazy("撤回申报"), needs_comment=True)
        for source, kinds in WITHDRAWABLE.items()
        for actor in (APPLICANT, STAFF)
    ),
)


def family(application: Application) -> set[str]:
    programme = application.programme
    kinds = {CLAIM} if programme.kind == Programme.Kind.INCENTIVE else {OTHER}
    if programme.award_form == Programme.AwardForm.PROJECT:
        kinds.add(PROJECT_FORM)
    return kinds


def actor_roles(user: Any, application: Application) -> set[str]:
    roles = set()
    if permissions.is_county_staff(user, application.county_id):
        roles.add(STAFF)
    if (
        application.organisation_id and application.organisation_id in permissions.own_organisation_ids(user)
    ) or (application.person_id and application.person_id in permissions.own_person_ids(user)):
        roles.add(APPLICANT)
    return roles


def moves_for(application: Application, target: str | None = None) -> list[Move]:
    kinds = family(application)
    return [
        m
        for m in MOVES
        if m.source == application.status and (target is None or m.target == target) and m.applies_to & kinds
    ]


def available_moves(user: Any, application: Application, *, include_service: bool = True) -> list[Move]:
    """The moves this user may offer on this application now (the page shows them as buttons)."""
    roles = actor_roles(user, application)
    seen: set[str] = set()
    moves = []
    for move in moves_for(application):
        if move.actor in roles and move.target not in seen and (include_service or not move.via_service):
            seen.add(move.target)
            moves.append(move)
    return moves
