"""Reminders: call deadlines, expiring qualifications, returned applications. Each reaches the in-app
inbox of the users concerned and, where a county has configured them, an e-mail address and enterprise
WeChat (企业微信) or DingTalk group robots. A reminder's key makes it idempotent: the daily run
(`kechuang remind`) never sends the same one twice."""

from __future__ import annotations

import datetime as dt
import json
import logging
import urllib.request
from collections.abc import Iterable
from typing import Any

from dateutil.relativedelta import relativedelta
from django.conf import settings
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from kechuang.core.models import ORGANISATION_ROLES, PERSON_ROLES, Role, RoleAssignment, User
from kechuang.core.units import chinese_date

from .models import Application, Award, Call, Notification, Programme, ReminderChannel, Status

log = logging.getLogger(__name__)


class _RefuseRedirects(urllib.request.HTTPRedirectHandler):
    """A robot answers 200; a redirect could only lead somewhere the host allow-list did not approve."""

    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


_NO_REDIRECTS = urllib.request.build_opener(_RefuseRedirects)
EXPIRY_WINDOW = relativedelta(months=6)
DEADLINE_WINDOW_DAYS = 7


def county_staff(county_code: str) -> list[User]:
    """Bureau staff whose region contains this county."""
    prefixes = [county_code[:n] for n in (2, 4, 6)]
    return list(
        User.objects.filter(
            is_active=True,
            roles__role=Role.STAFF,
            roles__region__code__in=[county_code, *[p.ljust(6, "0") for p in prefixes]],
        ).distinct()
    )


def applicant_users(application: Application) -> list[User]:
    q = Q(pk__in=[])
    if application.organisation_id:
        q |= Q(role__in=ORGANISATION_ROLES, organisation_id=application.organisation_id)
    if application.person_id:
        q |= Q(role__in=PERSON_ROLES, person_id=application.person_id)
    return list(User.objects.filter(is_active=True, roles__in=RoleAssignment.objects.filter(q)).distinct())


def notify(
    users: Iterable[User], *, key: str, title: str, body: str = "", link: str = ""
) -> list[Notification]:
    """Put a reminder in each user's inbox unless they already have it. Returns the new ones."""
    created = []
    for user in users:
        try:
            with transaction.atomic():
                created.append(
                    Notification.objects.create(
                        user=user, key=key[:120], title=title[:200], body=body, link=link
                    )
                )
        except IntegrityError:
            continue  # already reminded
    return created


def notify_applicant(application: Application, *, key: str, title: str, body: str = "") -> None:
    notify(
        applicant_users(application),
        key=key,
        title=title,
        body=body,
        link=f"/programmes/applications/{application.pk}/",
    )


def deliver(county_code: str, title: str, lines: list[str]) -> int:
    """Send one digest to the county's configured channels; a failing channel is logged, not fatal."""
    text = "\n".join([title, *lines])
    sent = 0
    for channel in ReminderChannel.objects.filter(county_id=county_code, is_active=True):
        try:
            if channel.kind == ReminderChannel.Kind.EMAIL:
                send_mail(title, text, None, [channel.target])
            else:
                payload = {"msgtype": "text", "text": {"content": text}}
                from .services import webhook_allowed

                if not channel.target.startswith(("http://", "https://")) or not webhook_allowed(
                    channel.target
                ):
                    raise ValueError(f"webhook host not allowed: {channel.target}")
                request = urllib.request.Request(  # noqa: S310 (scheme checked above)
                    channel.target,
                    data=json.dumps(payload, ensure_ascii=False).encode(),
                    headers={"Content-Type": "application/json; charset=utf-8"},
                )
                with _NO_REDIRECTS.open(request, timeout=settings.REMINDER_WEBHOOK_TIMEOUT) as response:
                    response.read()
            sent += 1
        except Exception:  # noqa: BLE001 — one broken webhook must not stop the others
            log.exception("reminder channel %s failed", channel.pk)
    return sent


def reminders_run(*, today: dt.date | None = None) -> dict[str, int]:
    """The daily reminder run: deadlines within a week, qualifications expiring within six months."""
    from .services import vouchers_expire

    today = today or timezone.localdate()
    counts = {"deadlines": 0, "expiring": 0, "vouchers_expired": vouchers_expire(today=today), "channels": 0}
    digests: dict[str, list[str]] = {}
    for call in Call.objects.select_related("programme").filter(
        opens_on__lte=today, closes_on__gte=today, programme__is_active=True
    ):
        deadline = call.applicant_deadline
        if not today <= deadline <= today + dt.timedelta(days=DEADLINE_WINDOW_DAYS):
            continue
        title = _("申报截止提醒：%(c)s 于 %(d)s 截止") % {"c": call, "d": chinese_date(deadline)}
        drafts = Application.objects.filter(call=call, status__in=[Status.DRAFT, Status.RETURNED])
        users = set(county_staff(call.programme.county_id))
        for application in drafts.select_related("organisation", "person"):
            users.update(applicant_users(application))
        if notify(
            users, key=f"deadline:{call.pk}:{deadline}", title=title, link=f"/programmes/calls/{call.pk}/"
        ):
            counts["deadlines"] += 1
            digests.setdefault(call.programme.county_id, []).append(title)
    limit = today + EXPIRY_WINDOW
    expiring = Award.objects.filter(
        programme__award_form=Programme.AwardForm.QUALIFICATION,
        valid_until__gte=today,
        valid_until__lte=limit,
    ).select_related("programme", "application__organisation", "application__person")
    for award in expiring:
        title = _("资质到期提醒：%(h)s 的%(p)s 将于 %(d)s 到期") % {
            "h": award.holder_name, "p": award.programme, "d": chinese_date(award.valid_until)
        }  # fmt: skip
        users = set(county_staff(award.county_id)) | set(applicant_users(award.application))
        if notify(
            users,
            key=f"expiring:{award.pk}:{award.valid_until}",
            title=title,
            link="/programmes/qualifications/",
        ):
            counts["expiring"] += 1
            digests.setdefault(award.county_id, []).append(title)
    for county_code, lines in digests.items():
        counts["channels"] += deliver(
            county_code, _("科创平台提醒（%(d)s）") % {"d": chinese_date(today)}, lines
        )
    return counts
