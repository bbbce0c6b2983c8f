"""The REST API (django-ninja): one router per register, the same services and permissions as the
pages. Schema at /api/openapi.json, docs at /api/docs (Swagger UI served from ninja's own static
files, so it works without internet access).

Authentication: `Authorization: Bearer <token>` (tokens from the 令牌 page or POST /api/tokens), or the
browser's login session (with the CSRF token on requests that change data).

Errors are JSON with Chinese messages:
  401 {"detail": "..."}                                  not logged in / wrong token
  403 {"detail": "..."}                                  refused (the refusal is audited), inactive
                                                         account, expired password, CSRF
  404 {"detail": "..."}                                  absent, or present but not visible to you
  409 {"detail": "..."}                                  still referenced, cannot be deleted; an application
                                                         someone else moved first; a PATCH whose If-Match
                                                         ETag is stale (with fields, changes, current)
  422 {"detail": [{"field": "...", "message": "..."}]}   invalid input (types or business rules)
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import NON_FIELD_ERRORS, ObjectDoesNotExist, PermissionDenied, ValidationError
from django.db import DataError
from django.db.models import ProtectedError, RestrictedError
from django.http import Http404, HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import NinjaAPI, Swagger
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as SchemaValidationError

from kechuang.core.api import ROUTERS as CORE_ROUTERS
from kechuang.core.api_auth import session_auth, token_auth
from kechuang.core.edits import EditConflict
from kechuang.programmes.api import ROUTERS as PROGRAMME_ROUTERS
from kechuang.reports.api import ROUTERS as REPORT_ROUTERS

DESCRIPTION = """科创平台的 REST 接口：行政区划、行业分类、企业与机构、专家与人员、审计日志和账号；
项目与资金（/api/programmes/…）：政策文件、项目类别、申报批次、申报及其办理、立项认定结果、资质名录、资金拨付和科技创新券。

**认证**：在请求头 `Authorization: Bearer <令牌>` 中提供 API 令牌（在“API 令牌”页面创建），
或使用浏览器的登录会话（修改数据的请求须带 `X-CSRFToken` 请求头）。

**权限**与网页一致：每个账号只看到、只能修改其角色范围内的记录；无权查看的记录与不存在的记录一样返回 404，
被拒绝的操作返回 403 并记入审计日志。

**错误**：校验错误返回 422，格式为 `{"detail": [{"field": 字段, "message": 中文说明}]}`；
其他错误返回 `{"detail": 中文说明}`。列表接口分页：`page`、`page_size`（最大 100），返回 `items` 和 `count`。"""

api = NinjaAPI(
    title="科创 Kechuang API",
    version="1",
    description=DESCRIPTION,
    urls_namespace="api",
    auth=[token_auth, session_auth],
    docs=Swagger(settings={"validatorUrl": None}),  # no call to the online validator: works offline
)

for prefix, router in [*CORE_ROUTERS, *PROGRAMME_ROUTERS, *REPORT_ROUTERS]:
    api.add_router(prefix, router)
api.add_router("/rnd/", "kechuang.rnd.api.router")  # R&D indicators


# --- error handlers --------------------------------------------------------------------------------------


def _error(request: HttpRequest, status: int, detail: Any) -> HttpResponse:
    return api.create_response(request, {"detail": detail}, status=status)


@api.exception_handler(EditConflict)
def on_edit_conflict(request: HttpRequest, exc: EditConflict) -> HttpResponse:
    """Someone changed the record since the client read it (If-Match): nothing saved; who, when, what."""
    return api.create_response(request, exc.as_json(), status=409)


@api.exception_handler(ValidationError)
def on_validation_error(request: HttpRequest, exc: ValidationError) -> HttpResponse:
    if hasattr(exc, "error_dict"):
        items = [
            {"field": None if field == NON_FIELD_ERRORS else field, "message": message}
            for field, messages in exc.message_dict.items()
            for message in messages
        ]
    else:
        items = [{"field": None, "message": message} for message in exc.messages]
    return _error(request, 422, items)


@api.exception_handler(SchemaValidationError)
def on_schema_error(request: HttpRequest, exc: SchemaValidationError) -> HttpResponse:
    return _error(
        request, 422, [{"field": _field(e.get("loc", ())), "message": _message(e)} for e in exc.errors]
    )


@api.exception_handler(PermissionDenied)
def on_permission_denied(request: HttpRequest, exc: PermissionDenied) -> HttpResponse:
    return _error(request, 403, str(exc) or _("您没有权限执行此操作。"))


@api.exception_handler(ObjectDoesNotExist)
def on_does_not_exist(request: HttpRequest, exc: Any) -> HttpResponse:
    return _error(request, 404, _("记录不存在或您无权查看。"))


api.add_exception_handler(Http404, on_does_not_exist)


@api.exception_handler(ProtectedError)
def on_protected(request: HttpRequest, exc: Any) -> HttpResponse:
    return _error(request, 409, _("该记录仍有关联记录（如账号或人员），不能删除；单位可改为“无效”。"))


api.add_exception_handler(RestrictedError, on_protected)


@api.exception_handler(DataError)
def on_data_error(request: HttpRequest, exc: DataError) -> HttpResponse:
    """A value the database refuses (out of range, bad characters) that got past validation."""
    return _error(request, 422, [{"field": None, "message": _("数据超出允许的范围或含有无效字符。")}])


@api.exception_handler(AuthenticationError)
def on_unauthenticated(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
    message = str(exc)
    if message == "Unauthorized":
        message = _("未登录：请先登录，或在请求头 Authorization: Bearer <令牌> 中提供 API 令牌。")
    response = _error(request, 401, message)
    response["WWW-Authenticate"] = 'Bearer realm="kechuang"'
    return response


@api.exception_handler(HttpError)
def on_http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    message = str(exc)
    if message.startswith("Cannot parse request body"):
        message = _("请求体不是有效的 JSON。")
    return _error(request, exc.status_code, message)


# --- Chinese messages for schema (type) errors ------------------------------------------------------------

_SOURCES = {"body", "query", "path", "header", "cookie", "form", "file"}
_PARAMS = {"payload", "filters"}


def _field(loc: Any) -> str | None:
    parts = [str(p) for p in loc]
    if parts and parts[0] in _SOURCES:
        parts = parts[1:]
    if parts and parts[0] in _PARAMS:
        parts = parts[1:]
    return ".".join(parts) or None


def _message(error: dict[str, Any]) -> str:
    kind = error.get("type", "")
    ctx = error.get("ctx") or {}
    simple = {
        "missing": _("此字段为必填项。"),
        "string_type": _("须为文字（字符串）。"),
        "int_type": _("须为整数。"),
        "int_parsing": _("须为整数。"),
        "int_from_float": _("须为整数。"),
        "bool_type": _("须为 true 或 false。"),
        "bool_parsing": _("须为 true 或 false。"),
        "date_type": _("须为日期，格式 YYYY-MM-DD。"),
        "date_parsing": _("须为日期，格式 YYYY-MM-DD。"),
        "date_from_datetime_parsing": _("须为日期，格式 YYYY-MM-DD。"),
        "date_from_datetime_inexact": _("须为日期，格式 YYYY-MM-DD。"),
        "list_type": _("须为列表。"),
        "model_type": _("须为 JSON 对象。"),
        "model_attributes_type": _("须为 JSON 对象。"),
        "dict_type": _("须为 JSON 对象。"),
        "extra_forbidden": _("不认识的字段。"),
        "json_invalid": _("请求体不是有效的 JSON。"),
        "string_pattern_mismatch": _("格式不正确。"),
        "string_unicode": _("含有无效的字符（孤立的 UTF-16 代理项）。"),
    }
    if kind in simple:
        return simple[kind]
    if kind == "value_error" and ctx.get("error"):
        return str(ctx["error"])
    if kind == "string_too_long":
        return _("最多 %(n)s 个字符。") % {"n": ctx.get("max_length")}
    if kind == "string_too_short":
        return (
            _("至少 %(n)s 个字符。") % {"n": ctx.get("min_length")}
            if ctx.get("min_length", 1) > 1
            else _("不能为空。")
        )
    if kind == "too_long":
        return _("最多 %(n)s 项。") % {"n": ctx.get("max_length")}
    if kind in ("greater_than_equal", "greater_than"):
        return _("不能小于 %(n)s。") % {"n": ctx.get("ge", ctx.get("gt"))}
    if kind in ("less_than_equal", "less_than"):
        return _("不能大于 %(n)s。") % {"n": ctx.get("le", ctx.get("lt"))}
    if kind in ("literal_error", "enum"):
        expected = str(ctx.get("expected", "")).replace(" or ", ", ").replace("'", "")
        return _("须为以下值之一：%(values)s。") % {
            "values": "、".join(v.strip() for v in expected.split(",") if v.strip())
        }
    return _("格式不正确（%(msg)s）。") % {"msg": error.get("msg", kind)}
