"""API: the report figures of a region and period, from the same registry the summary and dashboards use;
and the work summaries — read, edit a draft's prose, freeze, revise — through the same services as the
pages, so a frozen version is as fixed here as there."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema, Status

from kechuang.core import edits, permissions
from kechuang.core.api import BY_ID, EDIT, WRITE
from kechuang.core.api_auth import ApiRequest
from kechuang.core.models import Region

from . import selectors
from . import summary as service
from .figures import Period, compute_all
from .models import Summary

router = Router(tags=["统计指标"])


class FigureOut(Schema):
    key: str
    section: int
    label: str
    value: Any
    unit: str
    text: str
    evidence_count: int


@router.get(
    "/figures", response={200: list[FigureOut], **BY_ID}, summary="统计指标（总结与看板所用的同一套数据）"
)
def figures(request: ApiRequest, region: str, year: int, period: str = "", section: int | None = None) -> Any:
    """`region`: a county, city or province code the account may read; `period`: empty for the year,
    `2025-Q3`, or `2025-01..2025-09`."""
    scope = Region.objects.filter(code=region).first()
    if scope is None or not any(scope.code.startswith(p) for p in permissions.region_prefixes(request.auth)):
        permissions.require(
            False,
            request.auth,
            "read figures",
            scope,
            what="core.region",
            message=_("无权查看该地区的统计指标。"),
        )
    try:
        span = Period.parse(period or str(year))  # checks the year's range too
    except ValueError as e:
        raise ValidationError({"period": str(e)}) from None
    if span.year != year:
        raise ValidationError({"period": _("期间须在 %(y)s 年内。") % {"y": year}})
    return [f.as_json() for f in compute_all(scope, span, section=section)]  # type: ignore[arg-type]


# --- summaries ------------------------------------------------------------------------------------------------


class SummaryOut(Schema):
    id: int
    county: str
    title: str
    period_start: dt.date
    period_end: dt.date
    version: int
    state: str  # draft (figures live) | frozen (figures fixed at frozen_at)
    frozen_at: dt.datetime | None
    frozen_by: str | None
    revises: int | None  # the id of the frozen version this one revises
    revision_reason: str
    # "opening", "1"…"8", "problems" (存在的问题), "next" (下一步工作思路): prose with {figure.key}
    # placeholders; a summary saved before the opening and closing parts existed may lack those keys.
    sections: dict[str, str]
    # Drafts, on reading one summary and on freezing: what staff should check (sections without data,
    # figures without evidence, closing parts not written). They never block the freeze.
    warnings: list[str] = []


class SummaryPatch(Schema):
    title: str | None = Field(None, max_length=200)
    sections: dict[str, str] | None = Field(
        None,
        description="部分 → 正文：opening（开头语）、1–8、problems（存在的问题）、next（下一步工作思路）；"
        "未给出的部分保持不变",
    )


class ReviseIn(Schema):
    reason: str = Field(..., max_length=500, description="修订原因")


def _out(summary: Summary, *, warnings: list[str] | None = None) -> dict[str, Any]:
    return {"warnings": warnings or [],
        "id": summary.pk, "county": summary.county_id, "title": summary.title,
        "period_start": summary.period_start, "period_end": summary.period_end, "version": summary.version,
        "state": summary.state, "frozen_at": summary.frozen_at,
        "frozen_by": summary.frozen_by.get_username() if summary.frozen_by else None,
        "revises": summary.revises_id, "revision_reason": summary.revision_reason, "sections": summary.sections,
    }  # fmt: skip


def _summary(request: ApiRequest, pk: int) -> Summary:
    return permissions.get_visible(request.auth, Summary, pk, selectors.summary_get, where="api summary")


@router.get(
    "/summaries", response={200: list[SummaryOut], **BY_ID}, summary="工作总结（含各版本）", tags=["工作总结"]
)
def summaries(
    request: ApiRequest,
    county: str = Query("", max_length=12, description="县的区划代码"),
    year: int | None = Query(None, ge=1990, le=2100, description="年度（1990–2100）"),
) -> Any:
    found = selectors.summary_list(request.auth)
    if county:
        found = found.filter(county_id=county)
    if year is not None:
        found = found.filter(period_end__year=year)
    return [_out(x) for x in found[:500]]


@router.get(
    "/summaries/{pk}",
    response={200: SummaryOut, **BY_ID},
    summary="一份工作总结（一个版本）",
    tags=["工作总结"],
)
def summary_detail(request: ApiRequest, pk: int, response: HttpResponse) -> Any:
    summary = _summary(request, pk)
    response["ETag"] = edits.etag(summary, SUMMARY_ETAG_FIELDS)
    return _out(summary, warnings=None if summary.is_frozen else service.freeze_warnings(summary))


SUMMARY_ETAG_FIELDS = ("title", "sections")


@router.patch(
    "/summaries/{pk}",
    response={200: SummaryOut, **EDIT},
    summary="修改草稿的标题或正文",
    description=(
        "只改给出的标题或章节。请求头 If-Match 带上读取时的 ETag，则他人在此之后改过正文或标题时返回 409；"
        "不带时，本次读取之后他人改过正文的，同样返回 409，不会覆盖。"
    ),
    tags=["工作总结"],
)
def summary_patch(request: ApiRequest, pk: int, body: SummaryPatch, response: HttpResponse) -> Any:
    """Only a draft changes; a frozen version answers 422 — revise it (POST …/revise) for a new version."""
    summary = _summary(request, pk)
    sections = {**summary.sections, **{str(k): v for k, v in (body.sections or {}).items()}}
    if_match = request.headers.get("If-Match")
    # The sections are one JSON value: without If-Match, what this request read is what it changed from, so a
    # colleague's edit of another section between the read and the write is a 409, not overwritten.
    loaded = (
        edits.IfMatch(if_match, SUMMARY_ETAG_FIELDS)
        if if_match
        else edits.Loaded(values={"title": summary.title, "sections": summary.sections})
    )
    service.summary_update(
        by=request.auth, summary=summary, title=body.title or "", sections=sections, loaded=loaded
    )
    saved = selectors.summary_get(request.auth, pk)
    response["ETag"] = edits.etag(saved, SUMMARY_ETAG_FIELDS)
    return _out(saved)


@router.post("/summaries/{pk}/freeze", response={200: SummaryOut, **WRITE}, summary="定稿", tags=["工作总结"])
def summary_freeze(request: ApiRequest, pk: int) -> Any:
    """Freezes with whatever warnings there are (the response lists them; the audit event keeps them)."""
    summary = _summary(request, pk)
    service.summary_freeze(by=request.auth, summary=summary)
    return _out(selectors.summary_get(request.auth, pk), warnings=summary.froze_with)


@router.post(
    "/summaries/{pk}/revise",
    response={201: SummaryOut, **WRITE},
    summary="修订：生成新版本",
    tags=["工作总结"],
)
def summary_revise(request: ApiRequest, pk: int, body: ReviseIn) -> Any:
    summary = _summary(request, pk)
    revision = service.summary_revise(by=request.auth, summary=summary, reason=body.reason)
    return Status(201, _out(selectors.summary_get(request.auth, revision.pk)))


ROUTERS = [("/reports/", router)]
