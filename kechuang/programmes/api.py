"""REST endpoints of the programmes engine. Like the core endpoints, each parses its input (ids to the
records the user may see), then calls the same selector or service as the pages: the selectors scope
every read to the user (another county's record answers 404), the services check permissions (403,
audited) and rules (422). A transition someone else made first, or the same transition asked twice,
answers 409 with the current status named."""

from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import Model, Q, QuerySet
from django.http import HttpResponse
from django.utils.translation import gettext as _
from ninja import Query, Router, Status
from ninja.pagination import paginate

from kechuang.core import edits, permissions
from kechuang.core import selectors as core_selectors
from kechuang.core.api import BY_ID, EDIT, LIST, WRITE, Pagination
from kechuang.core.api_auth import ApiRequest
from kechuang.core.api_schemas import ErrorOut
from kechuang.core.models import Region

from . import selectors, services
from .api_schemas import (
    AmendIn,
    ApplicationDetailOut,
    ApplicationFilters,
    ApplicationIn,
    ApplicationOut,
    ApproveIn,
    AwardFilters,
    AwardOut,
    AwardPatch,
    CallFilters,
    CallOut,
    DecideIn,
    DisbursementFilters,
    DisbursementIn,
    DisbursementOut,
    NoticeFilters,
    NoticeIn,
    NoticeOut,
    NoticeWithdrawIn,
    PolicyDetailOut,
    PolicyFilters,
    PolicyIn,
    PolicyOut,
    ProgrammeFilters,
    ProgrammeOut,
    ProgrammePatch,
    QualificationFilters,
    TransitionIn,
    VoucherFilters,
    VoucherOut,
)
from .models import Application, Award, Call, Disbursement, PolicyDocument, Programme, PublicNotice, Voucher
from .models import Status as ApplicationStatus
from .services import TransitionConflict

MOVE = {**WRITE, 409: ErrorOut}  # 409: someone else moved the application first


def _visible(request: ApiRequest, model: type[Model], pk: int, getter: Any) -> Any:
    """The record if the user may see it; otherwise DoesNotExist, answered 404 (and audited)."""
    return permissions.get_visible(
        request.auth, model, pk, getter, where=f"api {request.method} {request.path}"
    )


def _reference(qs: QuerySet, pk: int, field: str, what: str) -> Any:
    """A record named by id in a request body, among those the user may see; else a 422 on that field."""
    found = qs.filter(pk=pk).first()
    if found is None:
        raise ValidationError(
            {field: _("%(what)s（编号 %(pk)s）不存在或您无权查看。") % {"what": what, "pk": pk}}
        )
    return found


def _county(code: str) -> Region:
    county = Region.objects.filter(code=code.strip(), level=Region.Level.COUNTY).first()
    if county is None:
        raise ValidationError({"county": _("“%(code)s”不是县（市、区）的行政区划代码。") % {"code": code}})
    return county


# --- policies ---------------------------------------------------------------------------------------------

policies = Router(tags=["政策文件"])


@policies.get(
    "",
    response={200: list[PolicyOut], **LIST},
    summary="政策文件列表",
    description="县科技管理科、局领导和市、省用户看其管辖县的政策文件；可按标题或文号、文号年份筛选。",
)
@paginate(Pagination)
def policy_list(request: ApiRequest, filters: Query[PolicyFilters]) -> Any:
    qs = selectors.policy_list(user=request.auth, q=filters.q.strip())
    return qs.filter(number_year=filters.year) if filters.year else qs


@policies.get(
    "/{id}",
    response={200: PolicyDetailOut, **BY_ID},
    summary="政策文件详情",
    description="含正文和奖励条款。无权查看的文件与不存在的一样返回 404。",
)
def policy_get(request: ApiRequest, id: int) -> Any:
    return _visible(request, PolicyDocument, id, selectors.policy_get)


@policies.post(
    "",
    response={201: PolicyDetailOut, **WRITE},
    summary="登记政策文件",
    description=(
        "仅县科技管理科可在本县登记。文号按 GB/T 9704 校验（发文机关代字〔年份〕序号号，序号不加前导 0），"
        "格式不对时返回 422 并说明原因；成文日期的年份须与文号年份一致。"
    ),
)
def policy_create(request: ApiRequest, payload: PolicyIn) -> Any:
    data = payload.model_dump()
    data["county"] = _county(data["county"])
    data = {k: v.strip() if isinstance(v, str) else v for k, v in data.items()}
    return Status(201, services.policy_save(by=request.auth, data=data))


# --- programmes and calls ---------------------------------------------------------------------------------

programmes = Router(tags=["项目类别"])


@programmes.get(
    "",
    response={200: list[ProgrammeOut], **LIST},
    summary="项目类别列表",
    description="县、市、省用户看其管辖县的项目类别；企业和个人看其所在县有效的项目类别。",
)
@paginate(Pagination)
def programme_list(request: ApiRequest, filters: Query[ProgrammeFilters]) -> Any:
    qs = selectors.programme_catalogue_for_applicants(user=request.auth)
    q = filters.q.strip()
    if q:
        qs = qs.filter(Q(name__icontains=q) | Q(category__icontains=q))
    if filters.kind:
        qs = qs.filter(kind=filters.kind)
    if filters.level:
        qs = qs.filter(level=filters.level)
    return qs.order_by("level", "kind", "name", "pk")


@programmes.get(
    "/{id}",
    response={200: ProgrammeOut, **BY_ID},
    summary="项目类别详情",
    description="无权查看的项目类别与不存在的一样返回 404。",
)
def programme_get(request: ApiRequest, id: int, response: HttpResponse) -> Any:
    programme = _visible(request, Programme, id, selectors.programme_get_for_applicants)
    response["ETag"] = edits.etag(programme, PROGRAMME_ETAG_FIELDS)
    return programme


PROGRAMME_ETAG_FIELDS = ("category", "issuer", "nature", "is_active")
AWARD_ETAG_FIELDS = ("document", "valid_from", "valid_until")


def _if_match(request: ApiRequest, fields: tuple[str, ...]) -> edits.IfMatch | None:
    value = request.headers.get("If-Match")
    return edits.IfMatch(value, fields) if value else None


@programmes.patch(
    "/{id}",
    response={200: ProgrammeOut, **EDIT},
    summary="修改项目类别",
    description=(
        "仅县科技管理科：修改类别、主管部门、项目性质（科技计划项目的竞争性或指导性；其他类型填写时返回 422）"
        "和有效状态，只改请求中给出的字段。请求头 If-Match 带上读取时的 ETag，则他人在此之后改过这些字段时返回 409。"
    ),
)
def programme_update(request: ApiRequest, id: int, payload: ProgrammePatch, response: HttpResponse) -> Any:
    user = request.auth
    programme = _visible(request, Programme, id, selectors.programme_get_for_applicants)
    data = {
        k: v.strip() if isinstance(v, str) else v for k, v in payload.model_dump(exclude_unset=True).items()
    }
    saved = services.programme_save(
        by=user, data=data, programme=programme, loaded=_if_match(request, PROGRAMME_ETAG_FIELDS)
    )
    response["ETag"] = edits.etag(saved, PROGRAMME_ETAG_FIELDS)
    return saved


calls = Router(tags=["申报批次"])


@calls.get(
    "",
    response={200: list[CallOut], **LIST},
    summary="申报批次列表",
    description="可按项目类别编号和年度筛选；按年度倒序。",
)
@paginate(Pagination)
def call_list(request: ApiRequest, filters: Query[CallFilters]) -> Any:
    qs = selectors.calls_for_applicants(user=request.auth)
    if filters.programme:
        qs = qs.filter(programme_id=filters.programme)
    if filters.year:
        qs = qs.filter(year=filters.year)
    return qs.order_by("-year", "-opens_on", "pk")


@calls.get(
    "/{id}",
    response={200: CallOut, **BY_ID},
    summary="申报批次详情",
    description="无权查看的批次与不存在的一样返回 404。",
)
def call_get(request: ApiRequest, id: int) -> Any:
    return _visible(request, Call, id, selectors.call_get_for_applicants)


# --- applications -----------------------------------------------------------------------------------------

applications = Router(tags=["申报"])


@applications.get(
    "",
    response={200: list[ApplicationOut], **LIST},
    summary="申报列表",
    description=(
        "县、市、省用户看其管辖县的申报，企业和个人看自己的申报。可按状态、项目类型、项目类别、批次、年度"
        "和名称筛选；按创建时间倒序分页。"
    ),
)
@paginate(Pagination)
def application_list(request: ApiRequest, filters: Query[ApplicationFilters]) -> Any:
    return selectors.application_list(
        user=request.auth,
        q=filters.q.strip(),
        status=filters.status or "",
        kind=filters.kind or "",
        programme=filters.programme or "",
        call=filters.call or "",
        year=filters.year,
    )


@applications.get(
    "/{id}",
    response={200: ApplicationDetailOut, **BY_ID},
    summary="申报详情",
    description="含办理记录（时间线）和您现在可以办理的操作。无权查看的申报与不存在的一样返回 404。",
)
def application_get(request: ApiRequest, id: int) -> Any:
    return _visible(request, Application, id, selectors.application_get)


@applications.post(
    "",
    response={201: ApplicationDetailOut, **WRITE},
    summary="新建申报（草稿）",
    description=(
        "企业为本单位、个人为本人，县科技管理科为本县的单位或个人新建申报草稿。单位申报填 organisation，"
        "个人申报（人才计划等）填 person；项目、团队类须填项目名称；申请补助不能超过总投资。"
    ),
)
def application_create(request: ApiRequest, payload: ApplicationIn) -> Any:
    user = request.auth
    data = payload.model_dump()
    errors: dict[str, list[str]] = {}
    resolvers = {
        "call": lambda pk: _reference(selectors.calls_for_applicants(user=user), pk, "call", _("申报批次")),
        "organisation": lambda pk: _reference(
            core_selectors.organisation_list(user=user), pk, "organisation", _("申报单位")
        ),
        "person": lambda pk: _reference(core_selectors.person_list(user=user), pk, "person", _("申报人")),
    }
    for key, resolve in resolvers.items():
        if data.get(key) is not None:
            try:
                data[key] = resolve(data[key])
            except ValidationError as e:
                for field, messages in e.message_dict.items():
                    errors.setdefault(field, []).extend(messages)
    if errors:
        raise ValidationError(errors)
    data["title"], data["summary"] = data["title"].strip(), data["summary"].strip()
    application = services.application_create(by=user, data=data)
    return Status(201, selectors.application_get(user=user, pk=application.pk))


def _conflict(application: Application, to: str, expected: str | None) -> Any:
    """A 409 when the request was made against another status than the application has now."""
    current = application.get_status_display()
    if expected and expected != application.status:
        return Status(
            409,
            {
                "detail": _(
                    "该申报当前状态为“%(s)s”，与您看到的“%(e)s”不同（可能已由他人办理），操作未执行。"
                )
                % {"s": current, "e": ApplicationStatus(expected).label}
            },
        )
    if application.status == to:
        return Status(
            409, {"detail": _("该申报已是“%(s)s”（可能已由他人办理），操作未重复执行。") % {"s": current}}
        )
    return None


@applications.post(
    "/{id}/transition",
    response={200: ApplicationDetailOut, **MOVE},
    summary="办理申报（状态变更）",
    description=(
        "按审核流程变更申报状态，如提交（submitted）、推荐上报（recommended）、退回修改（returned，须填理由）。"
        "谁可以办理哪一步由流程表决定，无权办理返回 403；当前状态不能变更为目标状态返回 422。"
        "他人已先办理（或同一操作重复提交）返回 409，不做任何变更；可在 expected 中给出您看到的状态。"
        "上级批准请用 /approve，奖励兑现请登记拨付。"
    ),
)
def application_transition(request: ApiRequest, id: int, payload: TransitionIn) -> Any:
    user = request.auth
    application = _visible(request, Application, id, selectors.application_get)
    conflict = _conflict(application, payload.to, payload.expected)
    if conflict is not None:
        return conflict
    try:
        services.application_transition(
            application=application, to=payload.to, by=user, comment=payload.comment
        )
    except TransitionConflict as exc:
        return Status(409, {"detail": "；".join(exc.messages)})
    return selectors.application_get(user=user, pk=application.pk)


@applications.post(
    "/{id}/approve",
    response={200: ApplicationDetailOut, **MOVE},
    summary="录入上级批准",
    description=(
        "仅县科技管理科：把已推荐的申报记为上级批准，并录入批准日期、批准文件、补助金额、县配套资金、"
        "证书编号（颁发证书的资质认定必填，有效期自批准日期起算）或入库登记编号（入库登记必填）。"
        "已录入批准时返回 409。"
    ),
)
def application_approve(request: ApiRequest, id: int, payload: ApproveIn) -> Any:
    user = request.auth
    application = _visible(request, Application, id, selectors.application_get)
    conflict = _conflict(application, ApplicationStatus.APPROVED, None)
    if conflict is not None:
        return conflict
    data = payload.model_dump()
    for name in ("valid_from", "valid_until"):
        if data[name] is None:
            data.pop(name)
    data = {k: v.strip() if isinstance(v, str) else v for k, v in data.items()}
    try:
        services.application_approve(by=user, application=application, data=data)
    except TransitionConflict as exc:
        return Status(409, {"detail": "；".join(exc.messages)})
    return selectors.application_get(user=user, pk=application.pk)


@applications.post(
    "/{id}/decide",
    response={200: ApplicationDetailOut, **MOVE},
    summary="核定奖励金额",
    description=(
        "仅县科技管理科：为已审核的政策奖励申报核定金额。不填金额为按政策测算的金额；金额不同须填写理由"
        "（记入审计日志）；超过政策上限（奖励条款每家上限等）返回 422。已核定的申报返回 409，"
        "如需更正请用 /awards/{id}/amend。"
    ),
)
def application_decide(request: ApiRequest, id: int, payload: DecideIn) -> Any:
    user = request.auth
    application = _visible(request, Application, id, selectors.application_get)
    conflict = _conflict(application, ApplicationStatus.DECIDED, None)
    if conflict is not None:
        return conflict
    try:
        services.claim_decide(
            by=user, application=application, amount=payload.amount, reason=payload.reason.strip(),
            decided_on=payload.decided_on,
        )  # fmt: skip
    except TransitionConflict as exc:
        return Status(409, {"detail": "；".join(exc.messages)})
    return selectors.application_get(user=user, pk=application.pk)


# --- awards and qualifications -----------------------------------------------------------------------------

awards = Router(tags=["立项认定结果"])


@awards.get(
    "",
    response={200: list[AwardOut], **LIST},
    summary="立项/认定结果列表",
    description="奖励资金、资质、入库登记和立项项目；可按项目类别和批准年份筛选。",
)
@paginate(Pagination)
def award_list(request: ApiRequest, filters: Query[AwardFilters]) -> Any:
    qs = selectors.award_list(user=request.auth)
    if filters.programme:
        qs = qs.filter(programme_id=filters.programme)
    if filters.year:
        qs = qs.filter(decided_on__year=filters.year)
    return qs


@awards.get(
    "/{id}",
    response={200: AwardOut, **BY_ID},
    summary="立项/认定结果详情",
    description="无权查看的结果与不存在的一样返回 404。",
)
def award_get(request: ApiRequest, id: int, response: HttpResponse) -> Any:
    award = _visible(request, Award, id, selectors.award_get)
    response["ETag"] = edits.etag(award, AWARD_ETAG_FIELDS)
    return award


@awards.patch(
    "/{id}",
    response={200: AwardOut, **EDIT},
    summary="修改立项/认定结果的批准文件与期限",
    description=(
        "仅县科技管理科：修改批准文件，以及立项项目的实施期、创新团队的建设期（valid_from、valid_until；截止早于"
        "起始时返回 422；资质的有效期按证书日期自动计算）。只改请求中给出的字段；请求头 If-Match 带上读取时的 ETag，"
        "则他人在此之后改过这些字段时返回 409。"
    ),
)
def award_patch(request: ApiRequest, id: int, payload: AwardPatch, response: HttpResponse) -> Any:
    user = request.auth
    award = _visible(request, Award, id, selectors.award_get)
    data = {
        k: v.strip() if isinstance(v, str) else v for k, v in payload.model_dump(exclude_unset=True).items()
    }
    if award.programme.award_form != Programme.AwardForm.PROJECT:
        data.pop("valid_until", None)
    saved = services.award_update(
        by=user, award=award, data=data, loaded=_if_match(request, AWARD_ETAG_FIELDS)
    )
    response["ETag"] = edits.etag(saved, AWARD_ETAG_FIELDS)
    return selectors.award_get(user=user, pk=saved.pk)


@awards.post(
    "/{id}/amend",
    response={200: AwardOut, **MOVE},
    summary="调整核定金额",
    description=(
        "仅县科技管理科：兑现前更正政策奖励的核定金额，须填写理由（与调整前后的金额一并记入审计日志）。"
        "不超过政策上限、不低于已拨付的金额；全额兑现后、或仍在公示期内（请先撤回公示）返回 422；"
        "他人已先兑现返回 409。调整后须重新发布资金兑现公示，期满后方可拨付。"
    ),
)
def award_amend(request: ApiRequest, id: int, payload: AmendIn) -> Any:
    user = request.auth
    award = _visible(request, Award, id, selectors.award_get)
    try:
        services.award_amend(by=user, award=award, amount=payload.amount, reason=payload.reason)
    except TransitionConflict as exc:
        return Status(409, {"detail": "；".join(exc.messages)})
    return selectors.award_get(user=user, pk=award.pk)


qualifications = Router(tags=["资质名录"])


@qualifications.get(
    "",
    response={200: list[AwardOut], **LIST},
    summary="资质名录",
    description=(
        "资质认定和入库登记，按有效期至排序。expiring=1 只列出今天仍有效、6 个月（或 months 个月）内到期的资质；"
        "valid_only=1 只列出仍在有效期内的。"
    ),
)
@paginate(Pagination)
def qualification_list(request: ApiRequest, filters: Query[QualificationFilters]) -> Any:
    if filters.expiring:
        return selectors.expiring_qualifications(user=request.auth, months=filters.months)
    return selectors.qualification_list(user=request.auth, valid_only=filters.valid_only)


# --- disbursements ----------------------------------------------------------------------------------------

disbursements = Router(tags=["资金拨付"])


def _disbursement_get(*, user: Any, pk: int) -> Disbursement:
    return selectors.disbursement_list(user=user).get(pk=pk)


@disbursements.get(
    "",
    response={200: list[DisbursementOut], **LIST},
    summary="资金拨付台账",
    description="可按预算年度、资金来源、项目类别、立项/认定结果和是否配套资金筛选；按拨付日期倒序。",
)
@paginate(Pagination)
def disbursement_list(request: ApiRequest, filters: Query[DisbursementFilters]) -> Any:
    qs = selectors.disbursement_list(user=request.auth)
    if filters.fiscal_year:
        qs = qs.filter(fiscal_year=filters.fiscal_year)
    if filters.source:
        qs = qs.filter(source=filters.source)
    if filters.programme:
        qs = qs.filter(award__programme_id=filters.programme)
    if filters.award:
        qs = qs.filter(award_id=filters.award)
    if filters.is_matching is not None:
        qs = qs.filter(is_matching=filters.is_matching)
    return qs


@disbursements.get(
    "/{id}",
    response={200: DisbursementOut, **BY_ID},
    summary="资金拨付详情",
    description="无权查看的拨付与不存在的一样返回 404。",
)
def disbursement_get(request: ApiRequest, id: int) -> Any:
    return _visible(request, Disbursement, id, _disbursement_get)


@disbursements.post(
    "",
    response={201: DisbursementOut, **WRITE},
    summary="登记资金拨付",
    description=(
        "仅县科技管理科。政策奖励须核定金额后、县配套资金须在资金兑现公示期满且无成立的异议后才能拨付；"
        "累计拨付不能超过核定（或配套）金额；奖励全额拨付后申报变为“已兑现”。不符合时返回 422 并说明原因。"
    ),
)
def disbursement_create(request: ApiRequest, payload: DisbursementIn) -> Any:
    user = request.auth
    data = payload.model_dump()
    award = _reference(selectors.award_list(user=user), data.pop("award"), "award", _("立项/认定结果"))
    data = {k: v.strip() if isinstance(v, str) else v for k, v in data.items()}
    disbursement = services.disbursement_create(by=user, award=award, data=data)
    return Status(201, _disbursement_get(user=user, pk=disbursement.pk))


# --- public notices (公示) ------------------------------------------------------------------------------------

notices = Router(tags=["公示"])


def _notices(user: Any) -> QuerySet[PublicNotice]:
    return selectors.notice_list(user=user).select_related("county").prefetch_related("applications")


@notices.get(
    "",
    response={200: list[NoticeOut], **LIST},
    summary="公示列表",
    description="县、市、省用户看其管辖县的公示；可按公示事项和是否已撤回筛选；按公示开始日期倒序。",
)
@paginate(Pagination)
def notice_list(request: ApiRequest, filters: Query[NoticeFilters]) -> Any:
    qs = _notices(request.auth)
    if filters.purpose:
        qs = qs.filter(purpose=filters.purpose)
    if filters.withdrawn is not None:
        qs = qs.filter(withdrawn_at__isnull=not filters.withdrawn)
    return qs.order_by("-published_on", "-pk")


@notices.get(
    "/{id}",
    response={200: NoticeOut, **BY_ID},
    summary="公示详情",
    description="无权查看的公示与不存在的一样返回 404。",
)
def notice_get(request: ApiRequest, id: int) -> Any:
    return _visible(request, PublicNotice, id, lambda *, user, pk: _notices(user).get(pk=pk))


@notices.post(
    "",
    response={201: NoticeOut, **WRITE},
    summary="发布公示",
    description=(
        "仅县科技管理科。公示期自发布之时（服务器时钟，记为 published_at）起算：公示开始日期早于今天的返回 422"
        "（不会自动改期）；资金兑现公示列出已核定金额的奖励或县配套资金待拨付的项目，推荐上报公示列出已提交或"
        "已推荐的申报。"
    ),
)
def notice_publish(request: ApiRequest, payload: NoticeIn) -> Any:
    from django.utils import timezone

    user = request.auth
    data = payload.model_dump()
    county = _county(data.pop("county"))
    ids = list(dict.fromkeys(data.pop("applications")))
    found = selectors.application_list(user=user).in_bulk(ids)
    missing = [i for i in ids if i not in found]
    if missing:
        raise ValidationError(
            {
                "applications": _("申报（编号 %(ids)s）不存在或您无权查看。")
                % {"ids": "、".join(map(str, missing[:10]))}
            }
        )
    data = {k: v.strip() if isinstance(v, str) else v for k, v in data.items()}
    data["published_on"] = data["published_on"] or timezone.localdate()
    notice = services.notice_publish(
        by=user, data={"county": county, **data}, applications=[found[i] for i in ids]
    )
    return Status(201, _notices(user).get(pk=notice.pk))


@notices.post(
    "/{id}/withdraw",
    response={200: NoticeOut, **MOVE},
    summary="撤回公示",
    description=(
        "仅县科技管理科：在公示期结束前撤回，须填写理由（记入审计日志）。名单中的申报回到公示前的状态，"
        "可列入新的公示；撤回的公示不能据以拨付资金。公示期已过返回 422，已撤回返回 409。"
    ),
)
def notice_withdraw(request: ApiRequest, id: int, payload: NoticeWithdrawIn) -> Any:
    user = request.auth
    notice = _visible(request, PublicNotice, id, lambda *, user, pk: _notices(user).get(pk=pk))
    if notice.is_withdrawn:
        return Status(409, {"detail": _("该公示已撤回。")})
    try:
        services.notice_withdraw(by=user, notice=notice, reason=payload.reason)
    except TransitionConflict as exc:
        return Status(409, {"detail": "；".join(exc.messages)})
    return _notices(user).get(pk=notice.pk)


# --- vouchers ---------------------------------------------------------------------------------------------

vouchers = Router(tags=["科技创新券"])


@vouchers.get(
    "",
    response={200: list[VoucherOut], **LIST},
    summary="科技创新券列表",
    description="县、市、省用户看其管辖县的创新券，企业看本单位的。可按状态和券号或企业名称筛选。",
)
@paginate(Pagination)
def voucher_list(request: ApiRequest, filters: Query[VoucherFilters]) -> Any:
    return selectors.voucher_list(
        user=request.auth, state=filters.state or "", q=filters.q.strip()
    ).select_related("county")


@vouchers.get(
    "/{id}",
    response={200: VoucherOut, **BY_ID},
    summary="科技创新券详情",
    description="无权查看的创新券与不存在的一样返回 404。",
)
def voucher_get(request: ApiRequest, id: int) -> Any:
    return _visible(request, Voucher, id, selectors.voucher_get)


ROUTERS = [
    ("/programmes/policies", policies),
    ("/programmes/programmes", programmes),
    ("/programmes/calls", calls),
    ("/programmes/applications", applications),
    ("/programmes/awards", awards),
    ("/programmes/qualifications", qualifications),
    ("/programmes/disbursements", disbursements),
    ("/programmes/notices", notices),
    ("/programmes/vouchers", vouchers),
]

# 补录 (historical records) has a module of its own; it uses only the schemas and selectors above.
from .api_backfill import ROUTERS as BACKFILL_ROUTERS  # noqa: E402

ROUTERS += BACKFILL_ROUTERS
