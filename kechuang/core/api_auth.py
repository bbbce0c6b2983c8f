"""Authentication of the REST API: a bearer token (from /api/tokens or the 令牌 page) or the browser's
login session. A session request that changes something must carry the CSRF token; a token request
needs none (it is not sent by the browser on its own)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja.errors import AuthenticationError, HttpError
from ninja.security import APIKeyCookie, HttpBearer
from ninja.utils import check_csrf

from . import services, throttle
from .middleware import client_ip
from .models import FailureWindow
from .passwords import password_change_required


class ApiRequest(HttpRequest):
    """For type checkers: an API request carries the authenticated user in `auth`."""

    auth: Any


def check_account(user: Any) -> Any:
    """An inactive account, or one whose password must be changed first (set by someone else, or
    expired), may not use the API (403)."""
    if not user.is_active:
        raise HttpError(403, _("账号已停用。"))
    reason = password_change_required(user)
    if reason:
        raise HttpError(403, f"{reason}{_('（请先登录网页修改密码。）')}")
    return user


class TokenAuth(HttpBearer):
    """`Authorization: Bearer kc_…`. A token that is wrong, revoked or belongs to an inactive account
    answers 401 at once, even when a session cookie is present too."""

    openapi_description = (
        "API 令牌：请求头 Authorization: Bearer kc_…（在“API 令牌”页面或 POST /api/tokens 创建）。"
    )

    def authenticate(self, request: HttpRequest, token: str) -> Any:
        # Bad tokens are limited per client IP like failed logins (kechuang/core/throttle.py): past the
        # limit even a good token from that IP waits until the lockout period is over.
        ip = client_ip(request)
        if throttle.blocked(FailureWindow.Kind.TOKEN, ip):
            throttle.note_refused(FailureWindow.Kind.TOKEN, ip=ip, username=token.strip()[:8])
            raise HttpError(429, _("该 IP 的无效令牌请求过多，请稍后再试。"))
        user = services.api_token_user(token.strip())
        if user is None:
            # Like a failed login: counted, the first of the minute audited, with the token's first
            # characters only.
            throttle.note_failure(
                FailureWindow.Kind.TOKEN,
                ip=ip,
                username=token.strip()[:8],
                detail=f"API 令牌无效 {request.method} {request.path}",
            )
            raise AuthenticationError(message=_("API 令牌无效或已撤销。"))
        return check_account(user)


class SessionAuth(APIKeyCookie):
    """Django's login session. Unlike ninja's own SessionAuth, the CSRF check runs only once a
    session user is found, so a bearer-token or anonymous request never fails on CSRF instead of 401."""

    param_name = settings.SESSION_COOKIE_NAME
    openapi_description = "浏览器登录会话（sessionid Cookie）；修改数据的请求须带 X-CSRFToken 请求头。"

    def __init__(self) -> None:
        super().__init__(csrf=True)

    def _get_key(self, request: HttpRequest) -> str | None:
        return request.COOKIES.get(self.param_name)

    def authenticate(self, request: HttpRequest, key: str | None) -> Any:
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated:
            return None
        if not getattr(request, "_ninja_csrf_exempt", False) and check_csrf(request):
            raise HttpError(
                403, _("CSRF 校验失败：使用登录会话修改数据时，请在 X-CSRFToken 请求头中带上 csrftoken。")
            )
        return check_account(user)


token_auth = TokenAuth()
session_auth = SessionAuth()
