"""What the programmes engine adds to core's pages: the links of streams 1, 2, 3 and 6, the home-page
panels (staff work queue and reminders; an enterprise's applications, qualifications and money) and the
panel on an organisation's page. Registered in apps.ready()."""

from __future__ import annotations

from typing import Any

from django.db.models import Count, Q, Sum
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from kechuang.core import permissions
from kechuang.core.models import Role
from kechuang.core.navigation import Link, Panel

from . import selectors
from .models import Programme, Status


def _staff(user: Any) -> bool:
    return permissions.has_role(user, Role.STAFF)


def _region_reader(user: Any) -> bool:
    return permissions.has_role(user, *permissions.READ_REGION_ROLES)


APPLICATIONS = Link(_("申报与审核"), "programmes:application_list", _("全部申报、状态与时间线、批量办理。"))
QUEUE = Link(_("待审核"), "programmes:review_queue", _("等待本局审核、核定或录入上级结果的申报。"), _staff)
CATALOGUE = Link(
    _("项目类别与批次"), "programmes:programme_list", _("国家、省、市、县各级项目类别及其年度申报批次。")
)
NOTICES = Link(
    _("公示"), "programmes:notice_list", _("资金兑现与推荐上报前的公示、异议处理。"), _region_reader
)
LEDGER = Link(_("资金台账"), "programmes:ledger", _("按项目、资金来源、预算年度和企业汇总的拨付记录。"))
SERVICE_LOG = Link(
    _("服务记录"), "programmes:servicelog_list", _("电话、微信、走访、培训、联合税务辅导。"), _region_reader
)

STREAM_LINKS = {
    "policy": [
        Link(_("政策文件"), "programmes:policy_list", _("政策文件、文号与奖励条款。")),
        APPLICATIONS,
        QUEUE,
        NOTICES,
        LEDGER,
        Link(
            _("应享未申报"),
            "programmes:eligible",
            _("按政策条款测算有资格获奖励、但尚未申报的企业。"),
            _region_reader,
        ),
        Link(_("科技创新券"), "programmes:voucher_list", _("创新券发放、兑付与过期；服务机构台账。")),
        Link(
            _("创新券服务机构"),
            "programmes:provider_list",
            _("登记在册的服务机构及其兑付台账。"),
            _region_reader,
        ),
    ],
    "entities": [
        Link(_("资质库"), "programmes:qualification_list", _("高新技术企业、科技型中小企业等资质及有效期。")),
        APPLICATIONS,
        QUEUE,
        CATALOGUE,
        SERVICE_LOG,
    ],
    "projects": [CATALOGUE, APPLICATIONS, QUEUE, LEDGER, NOTICES],
    "talent": [CATALOGUE, APPLICATIONS, QUEUE, LEDGER],
}


def staff_home(request: Any) -> dict[str, Any] | None:
    user = request.user
    if not _staff(user):
        return None
    today = timezone.localdate()
    queue = selectors.review_queue(user=user)
    waiting = queue.aggregate(
        submitted=Count("pk", filter=Q(status=Status.SUBMITTED)),
        checked=Count("pk", filter=Q(status=Status.CHECKED)),
        recommended=Count("pk", filter=Q(status=Status.RECOMMENDED)),
    )
    expiring = selectors.expiring_qualifications(user=user, today=today)
    deadlines = (
        selectors.call_list(user=user)
        .filter(opens_on__lte=today, closes_on__gte=today)
        .order_by("county_deadline", "closes_on")[:6]
    )
    return {
        "waiting": waiting,
        "expiring_count": expiring.count(),
        "expiring": expiring[:5],
        "deadlines": deadlines,
        "today": today,
        "unread": selectors.inbox(user=user).filter(read_at__isnull=True).count(),
    }


def applicant_home(request: Any) -> dict[str, Any] | None:
    """An enterprise's (or person's) own applications, qualifications and money received."""
    user = request.user
    if _region_reader(user) or not (
        permissions.own_organisation_ids(user) or permissions.own_person_ids(user)
    ):
        return None
    applications = selectors.application_list(user=user)
    today = timezone.localdate()
    counts = selectors.status_counts(applications)
    return {
        "total": sum(counts.values()),
        "applications": applications.order_by("-status_changed_at", "-pk")[:8],
        "counts": counts,
        "qualifications": selectors.qualification_list(user=user, today=today, valid_only=True)[:8],
        "received": selectors.disbursement_list(user=user).aggregate(total=Sum("amount"))["total"],
        "open_calls": selectors.open_calls_for(user=user, today=today)[:6],
        "unread": selectors.inbox(user=user).filter(read_at__isnull=True).count(),
        "today": today,
    }


def organisation_panel(request: Any, *, organisation: Any) -> dict[str, Any] | None:
    user = request.user
    applications = selectors.application_list(user=user).filter(organisation=organisation)
    awards = selectors.award_list(user=user).filter(organisation=organisation)
    qualifications = awards.filter(
        programme__award_form__in=[Programme.AwardForm.QUALIFICATION, Programme.AwardForm.REGISTRATION]
    ).order_by("-valid_until")
    logs = selectors.service_log_list(user=user, organisation=organisation)
    return {
        "organisation": organisation,
        "applications": applications.order_by("-created_at")[:10],
        "application_count": applications.count(),
        "qualifications": qualifications[:10],
        "received": selectors.disbursement_list(user=user)
        .filter(award__organisation=organisation)
        .aggregate(total=Sum("amount"))["total"],
        "logs": logs[:8],
        "log_count": logs.count(),
        "visit_count": logs.filter(channel="visit").count(),
        "can_log": permissions.is_county_staff(user, organisation.region_id),
        "today": timezone.localdate(),
    }


HOME_PANELS = [
    Panel("programmes/_home_staff.html", staff_home),
    Panel("programmes/_home_applicant.html", applicant_home),
]
ORGANISATION_PANELS = [Panel("programmes/_organisation_panel.html", organisation_panel)]
