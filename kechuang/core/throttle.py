"""Failed logins and bad API tokens, per client IP.

django-axes locks a username from one IP after KECHUANG_LOGIN_FAILURE_LIMIT consecutive failures. That
does nothing against one client trying a different username each time, so failures are also counted per
IP (whatever the username) in `FailureWindow` rows, one per IP and minute, and an IP with more than
KECHUANG_LOGIN_IP_FAILURE_LIMIT failed logins (KECHUANG_TOKEN_IP_FAILURE_LIMIT bad tokens) within the
lockout period (KECHUANG_LOCKOUT_HOURS) is refused until its failures are older than that: the N-th
failure is still answered normally, attempt N+1 is refused (429) even with the right password.

The audit log stays small and truthful: the first failure of each IP in each minute is an event of its
own (`login_failed`, object type core.user or core.apitoken, with the username or the token's first
characters); the others of that minute are only counted; once the minute is over, one
`login_failed_minute` event (same object types) says how many
there were (failures and refusals) with a sample of the usernames. A minute with a single failure needs
no summary. Summaries are written by the next failure of any IP after the minute, and by the audit
page before it shows the log (`close_windows`), so the auditor always sees every count; a window still
open is shown on the audit page with its running count (`open_windows`).
"""

from __future__ import annotations

import datetime as dt
import math
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F, Sum
from django.utils import timezone

from . import audit
from .models import AuditEvent, FailureWindow

USERNAME_SAMPLE = 10
ACTIONS = {
    FailureWindow.Kind.LOGIN: ("login_failed", "login_failed_minute", "core.user"),
    # A bad token is recorded like a failed login; the object type tells them apart.
    FailureWindow.Kind.TOKEN: ("login_failed", "login_failed_minute", "core.apitoken"),
}
LABELS = {FailureWindow.Kind.LOGIN: "登录失败", FailureWindow.Kind.TOKEN: "API 令牌无效"}
KEEP_WINDOWS = dt.timedelta(days=2)  # summarised windows are deleted after this (the log has the counts)


def limit(kind: str) -> int:
    if kind == FailureWindow.Kind.TOKEN:
        return int(settings.KECHUANG_TOKEN_IP_FAILURE_LIMIT)
    return int(settings.KECHUANG_LOGIN_IP_FAILURE_LIMIT)


def period() -> dt.timedelta:
    """How long failures count against an IP: the lockout period of django-axes."""
    return dt.timedelta(hours=float(settings.AXES_COOLOFF_TIME))


def _minute(now: dt.datetime) -> dt.datetime:
    return now.replace(second=0, microsecond=0)


def failures_in_period(kind: str, ip: str | None, now: dt.datetime | None = None) -> int:
    now = now or timezone.now()
    # Whole minutes, so a failure counts for at least the full period.
    since = _minute(now) - dt.timedelta(minutes=math.ceil(period().total_seconds() / 60))
    total = FailureWindow.objects.filter(kind=kind, ip=ip or "", minute__gt=since).aggregate(
        n=Sum("failures")
    )["n"]
    return int(total or 0)


def blocked(kind: str, ip: str | None) -> bool:
    """True when this IP has used up its failures for the period: refuse the attempt."""
    return failures_in_period(kind, ip) >= limit(kind)


def _bump(kind: str, ip: str, minute: dt.datetime, field: str, username: str) -> tuple[FailureWindow, bool]:
    """Count one failure (or refusal) in the IP's window of this minute; True when it opened the window."""
    window = FailureWindow.objects.select_for_update().filter(kind=kind, ip=ip, minute=minute).first()
    created = False
    if window is None:
        try:
            with transaction.atomic():
                window = FailureWindow.objects.create(
                    kind=kind, ip=ip, minute=minute, usernames=[username] if username else []
                )
            created = True
        except IntegrityError:  # another request opened it at the same moment
            window = FailureWindow.objects.select_for_update().get(kind=kind, ip=ip, minute=minute)
    FailureWindow.objects.filter(pk=window.pk).update(**{field: F(field) + 1})
    if (
        not created
        and username
        and username not in window.usernames
        and len(window.usernames) < USERNAME_SAMPLE
    ):
        FailureWindow.objects.filter(pk=window.pk).update(usernames=[*window.usernames, username])
    return window, created


def note_failure(kind: str, *, ip: str | None, username: str = "", detail: str = "") -> None:
    """Count a failed login / bad token; the first of the IP's minute is written to the audit log."""
    now = timezone.now()
    username = username[:150]
    with transaction.atomic():
        close_windows(now)
        _window, first = _bump(kind, ip or "", _minute(now), "failures", username)
        if first:
            action, _summary, object_type = ACTIONS[FailureWindow.Kind(kind)]
            audit.record(
                action,
                username=username,
                object_type=object_type,
                object_repr=username,
                result=AuditEvent.Result.FAILED,
                detail=(
                    f"{detail}；本分钟内该 IP 的后续失败只计数，分钟结束后汇总为一条 {_summary} 事件"
                    if detail
                    else f"本分钟内该 IP 的后续失败只计数，分钟结束后汇总为一条 {_summary} 事件"
                ),
            )


def note_refused(kind: str, *, ip: str | None, username: str = "") -> None:
    """Count an attempt refused because the IP is over its limit; the first refusal of each minute is
    audited as a lockout (so a blocked client writes at most one row a minute, plus the summary)."""
    now = timezone.now()
    with transaction.atomic():
        close_windows(now)
        window, _first = _bump(kind, ip or "", _minute(now), "refused", username[:150])
        if window.refused == 0:  # the value read before this refusal was counted
            audit.record(
                "lockout",
                username=username[:150],
                object_type=ACTIONS[FailureWindow.Kind(kind)][2],
                object_repr=f"IP {ip or '未知'}",
                result=AuditEvent.Result.DENIED,
                detail=(
                    f"来自该 IP 的{LABELS[FailureWindow.Kind(kind)]}在 {period().total_seconds() / 60:g} 分钟内"
                    f"已达 {limit(kind)} 次，暂停受理"
                ),
            )


def close_windows(now: dt.datetime | None = None) -> int:
    """Write the summary event of every minute that is over and not summarised yet; return how many."""
    now = now or timezone.now()
    current = _minute(now)
    written = 0
    with transaction.atomic():
        for window in FailureWindow.objects.filter(summarised=False, minute__lt=current).order_by("minute"):
            # Only the request that flips the flag writes the summary, so it is written once.
            if not FailureWindow.objects.filter(pk=window.pk, summarised=False).update(summarised=True):
                continue
            if window.failures + window.refused > 1:
                _summarise(window)
                written += 1
        FailureWindow.objects.filter(summarised=True, minute__lt=current - KEEP_WINDOWS).delete()
    return written


def _summarise(window: FailureWindow) -> None:
    kind = FailureWindow.Kind(window.kind)
    _first, action, object_type = ACTIONS[kind]
    local = timezone.localtime(window.minute)
    names = "、".join(window.usernames)
    more = "等" if window.failures + window.refused > len(window.usernames) else ""
    text = f"{local:%Y-%m-%d %H:%M} 这一分钟内来自 IP {window.ip or '未知'} 的{LABELS[kind]}共 {window.failures} 次"
    if window.refused:
        text += f"，因超过 IP 限制被拒绝 {window.refused} 次"
    if names:
        text += f"（{'账号' if kind == FailureWindow.Kind.LOGIN else '令牌前缀'}：{names}{more}）"
    token = audit.set_request_ip(window.ip or None)
    try:
        audit.record(
            action,
            username="",
            object_type=object_type,
            object_repr=f"IP {window.ip or '未知'}",
            after={
                "minute": window.minute.isoformat(),
                "ip": window.ip,
                "count": window.failures,
                "refused": window.refused,
                "usernames": window.usernames,
            },
            result=AuditEvent.Result.FAILED,
            detail=text,
        )
    finally:
        audit._request_ip.reset(token)


def open_windows() -> list[dict[str, Any]]:
    """Windows of the current minute with more than one attempt: what the audit page shows as running."""
    current = _minute(timezone.now())
    return [
        {
            "kind": LABELS[FailureWindow.Kind(w.kind)],
            "ip": w.ip,
            "minute": w.minute,
            "failures": w.failures,
            "refused": w.refused,
            "usernames": w.usernames,
        }
        for w in FailureWindow.objects.filter(summarised=False, minute__gte=current).order_by("-failures")
        if w.failures + w.refused > 1
    ]
