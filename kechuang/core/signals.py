"""Authentication events go to the audit log (等保 2.0: login success and failure are audited)."""

from typing import Any

from axes.signals import user_locked_out
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.dispatch import receiver

from . import audit, throttle
from .middleware import client_ip
from .models import AuditEvent, FailureWindow


def _ip(request: Any) -> None:
    if request is not None:
        audit.set_request_ip(client_ip(request))


@receiver(user_logged_in)
def on_login(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    _ip(request)
    audit.record("login", by=user, obj=user)


@receiver(user_logged_out)
def on_logout(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    if user is not None:
        _ip(request)
        audit.record("logout", by=user, obj=user)


@receiver(user_login_failed)
def on_login_failed(sender: Any, credentials: dict, request: Any = None, **kwargs: Any) -> None:
    """Counted per client IP and minute; the first of each minute is an audit event, the rest are
    summed into one summary event when the minute is over (kechuang/core/throttle.py)."""
    _ip(request)
    throttle.note_failure(
        FailureWindow.Kind.LOGIN,
        ip=client_ip(request) if request is not None else None,
        username=str(credentials.get("username", "")),
    )


@receiver(user_locked_out)
def on_locked_out(
    sender: Any, request: Any, username: str | None = None, ip_address: str | None = None, **kwargs: Any
) -> None:
    _ip(request)
    audit.record(
        "lockout",
        username=(username or "")[:150],
        object_type="core.user",
        object_repr=(username or "")[:200],
        result=AuditEvent.Result.DENIED,
        detail=f"连续登录失败，账号锁定（IP {ip_address}）",
    )
