"""REST endpoints of the core registers. Each endpoint parses its input (codes to records) and calls the
same selector or service as the pages; the services check permissions (and audit refusals) for every
write, so the endpoints don't repeat those rules. Errors become JSON in kechuang.api's handlers."""

from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import Model, Q
from django.http import HttpResponse
from django.utils.translation import gettext as _
from ninja import Field, Path, Query, Router, Schema, Status
from ninja.conf import settings as ninja_settings
from ninja.pagination import PageNumberPagination, paginate

from . import edits, permissions, selectors, services
from .api_auth import ApiRequest, session_auth
from .api_schemas import (
    ApiTokenCreatedOut,
    ApiTokenIn,
    ApiTokenOut,
    AuditEventOut,
    AuditFilters,
    ConflictOut,
    ErrorOut,
    IndustryFilters,
    IndustryOut,
    MeOut,
    OrganisationFilters,
    OrganisationIn,
    OrganisationOut,
    OrganisationPatch,
    OrganisationYearIn,
    OrganisationYearOut,
    PersonFilters,
    PersonIn,
    PersonOut,
    PersonPatch,
    RegionDetailOut,
    RegionFilters,
    RegionOut,
    ValidationErrorOut,
)
from .models import ApiToken, IndustryClass, Organisation, Person, Region, Role

READ = {401: ErrorOut, 403: ErrorOut}
READ_ONE = {**READ, 404: ErrorOut}
BY_ID = {**READ_ONE, 422: ValidationErrorOut}  # an id (or year) in the path that is not an integer
LIST = {**READ, 422: ValidationErrorOut}
WRITE = {**BY_ID, 400: ErrorOut}  # 400: the request body is not JSON at all
EDIT = {**WRITE, 409: ConflictOut}  # 409: changed by someone else since the If-Match ETag
DELETE = {**BY_ID, 409: ErrorOut}

REQUIRED_ORGANISATION_FIELDS = ("name", "kind", "credit_code", "region", "is_active")
REQUIRED_PERSON_FIELDS = ("name", "county", "is_expert", "is_commissioner", "is_talent", "is_contact")


class Pagination(PageNumberPagination):
    """Ninja's page-number pagination with bounded inputs (a huge page number would overflow the
    database's OFFSET) and Chinese descriptions in the schema."""

    class Input(Schema):
        page: int = Field(1, ge=1, le=1_000_000, description="页码，从 1 开始")
        page_size: int | None = Field(
            None,
            ge=1,
            le=ninja_settings.PAGINATION_MAX_PER_PAGE_SIZE,
            description=f"每页条数，默认 {ninja_settings.PAGINATION_PER_PAGE}，"
            f"最大 {ninja_settings.PAGINATION_MAX_PER_PAGE_SIZE}",
        )


# --- parsing helpers ------------------------------------------------------------------------------------


def _region(code: str, field: str) -> Region:
    region = Region.objects.filter(code=code.strip()).first()
    if region is None:
        raise ValidationError({field: _("行政区划代码“%(code)s”不存在。") % {"code": code}})
    return region


def _industry(code: str) -> IndustryClass:
    clean = code.strip().upper().lstrip("ABCDEFGHIJKLMNOPQRST")
    industry = IndustryClass.objects.filter(code=clean, level=IndustryClass.Level.CLASS).first()
    if industry is None:
        raise ValidationError(
            {"industry": _("行业代码“%(code)s”不是 GB/T 4754-2017 的小类（四位数字）代码。") % {"code": code}}
        )
    return industry


def _organisation_ref(user: Any, pk: int) -> Organisation:
    organisation = selectors.organisation_list(user=user).filter(pk=pk).first()
    if organisation is None:
        raise ValidationError({"organisation": _("工作单位（编号 %(pk)s）不存在或您无权查看。") % {"pk": pk}})
    return organisation


def _service_data(raw: dict[str, Any], required: tuple[str, ...], resolve: dict[str, Any]) -> dict[str, Any]:
    """Turn validated JSON into the service's data: codes become records, null clears a field
    (to "" for text, None for dates and links) and may not clear a required one."""
    data: dict[str, Any] = {}
    errors: dict[str, list[str]] = {}
    for key, value in raw.items():
        try:
            if value is None:
                if key in required:
                    raise ValidationError({key: _("此字段不能为空。")})
                data[key] = (
                    None if key in resolve or key == "established_on" else ([] if key == "tags" else "")
                )
            elif key in resolve:
                data[key] = resolve[key](value)
            else:
                data[key] = value.strip() if isinstance(value, str) else value
        except ValidationError as e:
            for field, messages in e.message_dict.items():
                errors.setdefault(field, []).extend(messages)
    if errors:
        raise ValidationError(errors)
    return data


def _organisation_data(raw: dict[str, Any]) -> dict[str, Any]:
    return _service_data(
        raw,
        REQUIRED_ORGANISATION_FIELDS,
        {
            "region": lambda code: _region(code, "region"),
            "county": lambda code: _region(code, "county"),
            "industry": lambda code: _industry(code) if code.strip() else None,
        },
    )


def _person_data(user: Any, raw: dict[str, Any]) -> dict[str, Any]:
    return _service_data(
        raw,
        REQUIRED_PERSON_FIELDS,
        {
            "county": lambda code: _region(code, "county"),
            "organisation": lambda pk: _organisation_ref(user, pk),
        },
    )


ORGANISATION_ETAG_FIELDS = tuple(services.ORGANISATION_FIELDS)
PERSON_ETAG_FIELDS = (*services.PERSON_FIELDS, "tags")


def _if_match(request: ApiRequest, fields: tuple[str, ...]) -> edits.IfMatch | None:
    """A PATCH may send back the ETag it read (If-Match): then it is refused with 409 when the record changed
    since. Without it, only the fields given are written (nobody else's change is overwritten)."""
    value = request.headers.get("If-Match")
    return edits.IfMatch(value, fields) if value else None


def _visible(request: ApiRequest, model: type[Model], pk: int, getter: Any) -> Any:
    """The record if the user may see it; otherwise DoesNotExist, answered 404 (and audited)."""
    return permissions.get_visible(
        request.auth, model, pk, getter, where=f"api {request.method} {request.path}"
    )


# --- regions --------------------------------------------------------------------------------------------

regions = Router(tags=["行政区划"])


@regions.get(
    "",
    response={200: list[RegionOut], **LIST},
    summary="行政区划列表",
    description="按上级代码、级别或名称筛选全国县级以上区划和浙江省乡镇（街道）；分页返回，按代码排序。",
)
@paginate(Pagination)
def region_list(request: ApiRequest, filters: Query[RegionFilters]) -> Any:
    qs = Region.objects.all()
    if filters.parent:
        qs = qs.filter(parent_id=filters.parent.strip())
    if filters.level:
        qs = qs.filter(level=filters.level)
    if filters.q:
        qs = qs.filter(name__contains=filters.q.strip())
    return qs.order_by("code")


@regions.get(
    "/{code}",
    response={200: RegionDetailOut, **READ_ONE},
    summary="行政区划详情",
    description="按行政区划代码查看一个区划及其全称。",
)
def region_get(request: ApiRequest, code: str) -> Any:
    if not code.isdigit():
        raise Region.DoesNotExist
    return Region.objects.select_related("parent__parent__parent").get(code=code)


# --- industries -----------------------------------------------------------------------------------------

industries = Router(tags=["行业分类"])


@industries.get(
    "",
    response={200: list[IndustryOut], **LIST},
    summary="国民经济行业分类列表",
    description="GB/T 4754-2017 的门类、大类、中类、小类；q 按代码前缀或名称查找。分页返回，按代码排序。",
)
@paginate(Pagination)
def industry_list(request: ApiRequest, filters: Query[IndustryFilters]) -> Any:
    qs = IndustryClass.objects.all()
    q = filters.q.strip()
    if q:
        qs = qs.filter(Q(code__startswith=q.upper()) | Q(name__contains=q))
    if filters.level:
        qs = qs.filter(level=filters.level)
    if filters.parent:
        qs = qs.filter(parent_id=filters.parent.strip().upper())
    if filters.section:
        qs = qs.filter(section=filters.section.upper())
    if filters.high_tech is not None:
        qs = qs.filter(is_high_tech_manufacturing=filters.high_tech)
    return qs.order_by("code")


@industries.get(
    "/{code}",
    response={200: IndustryOut, **READ_ONE},
    summary="行业分类详情",
    description="按行业代码（门类字母或 2–4 位数字）查看一个行业。",
)
def industry_get(request: ApiRequest, code: str) -> Any:
    if not code.isalnum():
        raise IndustryClass.DoesNotExist
    return IndustryClass.objects.get(code=code.upper())


# --- organisations --------------------------------------------------------------------------------------

organisations = Router(tags=["企业与机构"])


@organisations.get(
    "",
    response={200: list[OrganisationOut], **LIST},
    summary="企业与机构列表",
    description="只列出您有权查看的单位：县科技管理科和局领导看本县，市、省看所辖各县，企业和部门用户看本单位。",
)
@paginate(Pagination)
def organisation_list(request: ApiRequest, filters: Query[OrganisationFilters]) -> Any:
    user = request.auth
    permissions.require(
        permissions.has_role(user, *permissions.READ_REGION_ROLES, Role.ENTERPRISE, Role.DEPARTMENT),
        user,
        "organisation.list",
        what="core.organisation",
    )
    qs = selectors.organisation_list(
        user=user,
        q=filters.q.strip(),
        kind=filters.kind or "",
        region=filters.region.strip(),
        section=filters.section.upper(),
        above_scale_year=filters.above_scale_year,
    )
    return qs.prefetch_related("years")


@organisations.get(
    "/{id}",
    response={200: OrganisationOut, **BY_ID},
    summary="企业与机构详情",
    description="无权查看的单位与不存在的单位一样返回 404。",
)
def organisation_get(request: ApiRequest, id: int, response: HttpResponse) -> Any:
    organisation = _visible(request, Organisation, id, selectors.organisation_get)
    response["ETag"] = edits.etag(organisation, ORGANISATION_ETAG_FIELDS)
    return organisation


@organisations.post(
    "",
    response={201: OrganisationOut, **WRITE},
    summary="登记企业与机构",
    description=(
        "仅县科技管理科可在本县登记。所在地填单位实际所在地的区划代码（本县的县或乡镇，县外单位如高校、"
        "科研院所、上级主管部门、外地企业填其所在的省、市或县），登记县省略时自动确定；行业填小类四位代码。"
        "统一社会信用代码的校验位错误时返回 422，并说明按前 17 位算出的应有校验位。"
    ),
)
def organisation_create(request: ApiRequest, payload: OrganisationIn) -> Any:
    user = request.auth
    data = _organisation_data(payload.model_dump())
    return Status(201, services.organisation_create(by=user, data=data))


@organisations.patch(
    "/{id}",
    response={200: OrganisationOut, **EDIT},
    summary="修改企业与机构",
    description=(
        "只修改请求中给出的字段。请求头 If-Match 带上读取时的 ETag，则他人在此之后修改过该记录时返回 409"
        "（说明谁在何时改了哪些字段），不会覆盖他人的修改。县科技管理科可改本县单位的全部字段；企业和部门用户只能改本单位的名称、"
        "地址、行业、规模、成立日期和联系方式，不能改类型、信用代码、校验例外说明、所在地和有效状态。"
    ),
)
def organisation_update(
    request: ApiRequest, id: int, payload: OrganisationPatch, response: HttpResponse
) -> Any:
    user = request.auth
    organisation = _visible(request, Organisation, id, selectors.organisation_get)
    data = _organisation_data(payload.model_dump(exclude_unset=True))
    saved = services.organisation_update(
        organisation=organisation, by=user, data=data, loaded=_if_match(request, ORGANISATION_ETAG_FIELDS)
    )
    response["ETag"] = edits.etag(saved, ORGANISATION_ETAG_FIELDS)
    return saved


@organisations.delete(
    "/{id}",
    response={204: None, **DELETE},
    summary="删除企业与机构",
    description="仅县科技管理科可删除本县单位；仍有关联账号或人员的单位返回 409，可改为“无效”。",
)
def organisation_delete(request: ApiRequest, id: int) -> Any:
    user = request.auth
    organisation = _visible(request, Organisation, id, selectors.organisation_get)
    services.organisation_delete(organisation=organisation, by=user)
    return Status(204, None)


@organisations.put(
    "/{id}/years/{year}",
    response={200: OrganisationYearOut, **WRITE},
    summary="设置年度规上状态",
    description="记录单位某一年度是否为规模以上工业企业（年度 1990–2100）。",
)
def organisation_year_set(
    request: ApiRequest,
    id: int,
    payload: OrganisationYearIn,
    year: int = Path(..., ge=1990, le=2100, description="年度（1990–2100）"),
) -> Any:
    user = request.auth
    organisation = _visible(request, Organisation, id, selectors.organisation_get)
    return services.organisation_year_set(
        organisation=organisation, year=year, is_above_scale=payload.is_above_scale, by=user
    )


# --- people ---------------------------------------------------------------------------------------------

people = Router(tags=["专家与人员"])


@people.get(
    "",
    response={200: list[PersonOut], **LIST},
    summary="专家与人员列表",
    description="只列出您有权查看的人员。手机和电子邮箱只对本县科技管理科、本单位和本人显示，否则为 null。",
)
@paginate(Pagination)
def person_list(request: ApiRequest, filters: Query[PersonFilters]) -> Any:
    return selectors.person_list(
        user=request.auth, q=filters.q.strip(), kind=filters.kind or "", tag=filters.tag.strip()
    )


@people.get(
    "/{id}",
    response={200: PersonOut, **BY_ID},
    summary="专家与人员详情",
    description="无权查看的人员与不存在的人员一样返回 404；联系方式按权限显示或为 null。",
)
def person_get(request: ApiRequest, id: int, response: HttpResponse) -> Any:
    person = _visible(request, Person, id, selectors.person_get)
    response["ETag"] = edits.etag(person, PERSON_ETAG_FIELDS)
    return person


@people.post(
    "",
    response={201: PersonOut, **WRITE},
    summary="登记专家与人员",
    description=(
        "县科技管理科可在本县人才库登记；企业用户可登记本单位的联系人。所属县填 6 位区划代码，"
        "工作单位填单位编号；至少选择一种身份。"
    ),
)
def person_create(request: ApiRequest, payload: PersonIn) -> Any:
    user = request.auth
    data = _person_data(user, payload.model_dump())
    return Status(201, services.person_create(by=user, data=data))


@people.patch(
    "/{id}",
    response={200: PersonOut, **EDIT},
    summary="修改专家与人员",
    description=(
        "只修改请求中给出的字段；tags 给出时整体替换。请求头 If-Match 带上读取时的 ETag，"
        "则他人在此之后修改过该记录时返回 409。"
    ),
)
def person_update(request: ApiRequest, id: int, payload: PersonPatch, response: HttpResponse) -> Any:
    user = request.auth
    person = _visible(request, Person, id, selectors.person_get)
    data = _person_data(user, payload.model_dump(exclude_unset=True))
    # The service refuses (and audits) changes of county, workplace or roles the user may not make.
    saved = services.person_update(
        person=person, by=user, data=data, loaded=_if_match(request, PERSON_ETAG_FIELDS)
    )
    response["ETag"] = edits.etag(saved, PERSON_ETAG_FIELDS)
    return saved


@people.delete(
    "/{id}",
    response={204: None, **DELETE},
    summary="删除专家与人员",
    description="仍与账号关联的人员返回 409。",
)
def person_delete(request: ApiRequest, id: int) -> Any:
    user = request.auth
    person = _visible(request, Person, id, selectors.person_get)
    services.person_delete(person=person, by=user)
    return Status(204, None)


# --- audit ----------------------------------------------------------------------------------------------

audit_log = Router(tags=["审计日志"])


@audit_log.get(
    "",
    response={200: list[AuditEventOut], **LIST},
    summary="审计日志",
    description="仅审计员可查阅；其他账号返回 403，且这次拒绝本身记入审计日志。按时间倒序分页。",
)
@paginate(Pagination)
def audit_list(request: ApiRequest, filters: Query[AuditFilters]) -> Any:
    user = request.auth
    permissions.require(permissions.can_read_audit(user), user, "audit.read", what="core.auditevent")
    return selectors.audit_list(
        user=user,
        username=filters.username.strip(),
        action=filters.action.strip(),
        object_type=filters.object_type.strip(),
        result=filters.result or "",
        start=filters.start,
        end=filters.end,
    )


# --- accounts -------------------------------------------------------------------------------------------

accounts = Router(tags=["账号"])


@accounts.get(
    "/me",
    response={200: MeOut, **READ},
    summary="当前账号",
    description="当前登录（或令牌所属）账号的账号名、姓名和角色及其范围。",
)
def me(request: ApiRequest) -> Any:
    user = request.auth
    return {
        "id": user.pk,
        "username": user.get_username(),
        "full_name": user.full_name,
        "email": user.email,
        "roles": permissions.roles_of(user),
        "can_read_audit": permissions.can_read_audit(user),
        "can_import": permissions.can_import(user),
        "can_export": permissions.can_export(user),
    }


@accounts.get(
    "/tokens",
    response={200: list[ApiTokenOut], **READ},
    summary="我的 API 令牌",
    description="列出当前账号的 API 令牌（只显示前 8 位）。",
)
def token_list(request: ApiRequest) -> Any:
    return request.auth.api_tokens.order_by("-created_at", "-pk")


@accounts.post(
    "/tokens",
    auth=session_auth,
    response={201: ApiTokenCreatedOut, **WRITE},
    summary="创建 API 令牌",
    description="只能用浏览器登录会话调用（须带 CSRF 令牌）。令牌明文只在这次响应中返回一次，平台只保存其摘要。",
)
def token_create(request: ApiRequest, payload: ApiTokenIn) -> Any:
    token, plain = services.api_token_create(user=request.auth, name=payload.name.strip())
    return Status(
        201,
        {
            "id": token.pk,
            "name": token.name,
            "prefix": token.prefix,
            "created_at": token.created_at,
            "last_used_at": token.last_used_at,
            "token": plain,
        },
    )


@accounts.delete(
    "/tokens/{id}",
    response={204: None, **BY_ID},
    summary="撤销 API 令牌",
    description="撤销当前账号的一个令牌；其他账号的令牌返回 404。",
)
def token_revoke(request: ApiRequest, id: int) -> Any:
    token = ApiToken.objects.get(pk=id, user=request.auth)
    services.api_token_revoke(token=token, by=request.auth)
    return Status(204, None)


ROUTERS = [
    ("/regions", regions),
    ("/industries", industries),
    ("/organisations", organisations),
    ("/people", people),
    ("/audit", audit_log),
    ("", accounts),
]
