"""Error responses for the whole site. Django calls these for any exception a view or a middleware did not
handle, so the rule holds on every path: an API request (/api/…) always gets JSON, whatever the cause, and a
database that stayed busy past its timeout (SQLite "database is locked", PostgreSQL lock timeouts) is a 503
"系统繁忙" that says nothing was saved — the failing transaction has rolled back by then."""

from __future__ import annotations

import logging
import sys
from typing import Any

from django.core.exceptions import RequestDataTooBig
from django.db import OperationalError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.template import loader
from django.utils.translation import gettext as _

logger = logging.getLogger("kechuang.errors")

BUSY_MESSAGE = "系统繁忙，请稍后重试，您提交的内容未保存。"
_BUSY_MARKERS = ("database is locked", "database table is locked", "lock timeout", "could not obtain lock")


def is_busy(exc: BaseException | None) -> bool:
    """A database that was busy (locked) rather than broken."""
    while exc is not None:
        if isinstance(exc, OperationalError) and any(m in str(exc).lower() for m in _BUSY_MARKERS):
            return True
        exc = exc.__cause__ or exc.__context__
    return False


def is_api(request: HttpRequest) -> bool:
    return request.path.startswith("/api/")


def json_error(status: int, detail: str, **extra: Any) -> JsonResponse:
    response = JsonResponse(
        {"detail": detail, **extra}, status=status, json_dumps_params={"ensure_ascii": False}
    )
    if status == 503:
        response["Retry-After"] = "5"
    return response


def _page(request: HttpRequest, template: str, status: int) -> HttpResponse:
    response = HttpResponse(loader.render_to_string(template, request=None), status=status)
    if status == 503:
        response["Retry-After"] = "5"
    return response


def busy_response(request: HttpRequest) -> HttpResponse:
    if is_api(request):
        return json_error(503, _(BUSY_MESSAGE))
    return _page(request, "503.html", 503)


def server_error(request: HttpRequest) -> HttpResponse:
    """handler500: the exception is still the current one here."""
    exc = sys.exc_info()[1]
    if is_busy(exc):
        logger.warning("database busy on %s %s: %s", request.method, request.path, exc)
        return busy_response(request)
    if is_api(request):
        return json_error(500, _("系统出错，您的操作没有完成，也没有写入任何数据。请稍后重试。"))
    return _page(request, "500.html", 500)


def bad_request(request: HttpRequest, exception: Exception) -> HttpResponse:
    """handler400: a body over the size limit is 413; other bad requests 400."""
    if isinstance(exception, RequestDataTooBig):
        if is_api(request):
            return json_error(413, _("请求体过大，未保存任何内容。"))
        return HttpResponse(
            _("提交的内容过大，未保存任何内容。"), status=413, content_type="text/plain; charset=utf-8"
        )
    if is_api(request):
        return json_error(400, _("请求无效。"))
    from django.views.defaults import bad_request as default

    return default(request, exception)


def permission_denied(request: HttpRequest, exception: Exception) -> HttpResponse:
    if is_api(request):
        return json_error(403, str(exception) or _("您没有权限执行此操作。"))
    from django.views.defaults import permission_denied as default

    return default(request, exception)


def page_not_found(request: HttpRequest, exception: Exception) -> HttpResponse:
    if is_api(request):
        return json_error(404, _("接口或记录不存在。"))
    from django.views.defaults import page_not_found as default

    return default(request, exception)
