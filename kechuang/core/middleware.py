"""Request plumbing for security and audit."""

from __future__ import annotations

import time
from collections.abc import Callable

from django.conf import settings
from django.contrib import messages
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.middleware.locale import LocaleMiddleware
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _

from . import audit
from .passwords import password_change_required


def client_ip(request: HttpRequest) -> str | None:
    """The client address; behind KECHUANG_PROXY_COUNT trusted proxies, read X-Forwarded-For."""
    count = getattr(settings, "AXES_IPWARE_PROXY_COUNT", 0)
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    if count and forwarded:
        hops = [h.strip() for h in forwarded.split(",") if h.strip()]
        if len(hops) >= count:
            return hops[-count]
    return request.META.get("REMOTE_ADDR") or None


class AuditContextMiddleware:
    """Make the client IP available to audit.record() for the duration of the request."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        token = audit.set_request_ip(client_ip(request))
        try:
            return self.get_response(request)
        finally:
            audit._request_ip.reset(token)


class SessionLifetimeMiddleware:
    """End a session SESSION_ABSOLUTE_SECONDS after it began, however active it has been.
    (The idle timeout is the cookie age, renewed on every request.)"""

    KEY = "_kechuang_session_started"

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        session = request.session
        started = session.get(self.KEY)
        if started is not None and time.time() - started > settings.SESSION_ABSOLUTE_SECONDS:
            session.flush()
        response = self.get_response(request)
        if self.KEY not in request.session and request.session.get("_auth_user_id"):
            request.session[self.KEY] = time.time()
        return response


class PasswordExpiryMiddleware:
    """Send a user who must change their password (set by someone else, or older than
    PASSWORD_MAX_AGE_DAYS) to the password change page; the API answers 403 in JSON."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        reason = password_change_required(user) if user is not None else ""
        if reason:
            allowed = {reverse("password_change"), reverse("logout"), reverse("set_language")}
            if request.path not in allowed and not request.path.startswith(settings.STATIC_URL):
                if request.path.startswith("/api/"):
                    return JsonResponse({"detail": f"{reason}{_('（请先登录网页修改密码。）')}"}, status=403)
                messages.warning(request, reason)
                return redirect("password_change")
        return self.get_response(request)


class ChineseFirstLocaleMiddleware(LocaleMiddleware):
    """Simplified Chinese unless the user chose English with the language switch (a cookie).
    Django's own middleware would also follow the browser's Accept-Language; an intranet PC set up in
    English should still show the bureau's Chinese interface until someone asks otherwise."""

    def process_request(self, request: HttpRequest) -> None:
        chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME, "")
        language = chosen if chosen in dict(settings.LANGUAGES) else settings.LANGUAGE_CODE
        translation.activate(language)
        request.LANGUAGE_CODE = translation.get_language()
