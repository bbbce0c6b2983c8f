from typing import Any

from django.http import HttpRequest

from . import navigation, permissions
from .models import SystemFlag


def kechuang(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    return {
        "demo_loaded": SystemFlag.objects.filter(key="demo_loaded").exists(),
        "streams": navigation.STREAMS,
        "my_roles": permissions.roles_of(user),
        "perm": navigation.PermissionFlags(user),
        "unread_notifications": _unread(user),
    }


def _unread(user: Any) -> int:
    """The inbox badge in the menu (the reminder inbox belongs to the programmes app)."""
    if not getattr(user, "is_authenticated", False):
        return 0
    return user.notifications.filter(read_at__isnull=True).count()
