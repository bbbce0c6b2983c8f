"""API: a county's R&D indicators for a year and span, with ranks, target and published value, from the same
indicator rows and selectors as the indicator page (kechuang.rnd.selectors_indicators); and the county's
published figures (公布数据) and targets (目标任务) — list, read, create and edit — through the same services
as the pages and the Excel registers, an edit with core's ETag / If-Match."""

import datetime as dt
from decimal import Decimal
from typing import Any, Literal

from django.core.exceptions import ValidationError
from django.db.models import Model, QuerySet
from django.http import HttpResponse
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema, Status
from ninja.pagination import paginate
from pydantic import ConfigDict

from kechuang.core import edits, permissions
from kechuang.core.api import BY_ID, EDIT, LIST, WRITE, Pagination
from kechuang.core.api_auth import ApiRequest
from kechuang.core.api_schemas import InputSchema, RegionRef
from kechuang.core.models import Region

from . import selectors_indicators as sel
from . import services
from .models import IndicatorKey, OfficialFigure, Target

router = Router(tags=["R&D 指标"])


class IndicatorOut(Schema):
    key: str
    label: str
    kind: str  # amount (元) | share (fraction: 0.0235 = 2.35%) | count
    year: int
    months: int  # January to this month; 12 = the full year
    value: float | None
    previous: float | None  # the same span of the prior year, as the data stand now
    change: (
        float | None
    )  # growth (fraction) for amounts; change of a share (fraction: 0.0015 = 0.15 个百分点)
    text: str  # the value as a report writes it (万元/亿元, %, 家)
    province_rank: int | None
    province_count: int | None
    city_rank: int | None
    city_count: int | None
    # Whether the platform holds every county of the province (city) for this span: only then is its own
    # rank one a report may quote (the published ranks are in official_*).
    province_rank_complete: bool
    city_rank_complete: bool
    target: float | None  # the target for this data year, in the same unit as value
    target_comparison: str | None  # gte (以上, ≥) | gt (超过, >)
    target_year: int | None  # the data year the target applies to
    target_met: bool | None
    official: float | None  # the published value of the same span, in the same unit as value
    official_months: int | None  # the published figure's span: January to this month (12 = the year)
    official_source: str | None
    official_published_on: dt.date | None
    official_province_rank: int | None
    official_province_count: int | None  # how many counties the province ranks among (全省89个)
    official_city_rank: int | None
    official_city_count: int | None


def _num(value: Decimal | int | None) -> float | None:
    return None if value is None else float(value)


@router.get(
    "/indicators",
    response={200: list[IndicatorOut], **BY_ID},
    summary="县（市、区）R&D 指标及全省、全市排名",
)
def indicators(request: ApiRequest, county: str, year: int, months: int = 12) -> Any:
    """`county`: a county's 6-digit code the account may read; `months`: 1–12, the span January–months
    (12 = the full year). The 规上 enterprise count is always the year's."""
    if not 1 <= months <= 12:
        raise ValidationError({"months": _("月份须为 1–12。")})
    if not 2000 <= year <= 2100:
        raise ValidationError({"year": _("年度须在 2000–2100 之间。")})
    region = Region.objects.filter(code=county, level=Region.Level.COUNTY).first()
    if region is None or not sel.may_read_county(request.auth, region):
        permissions.require(
            False, request.auth, "read rnd indicators", region, what="core.region",
            message=_("无权查看该县（市、区）的指标。"),
        )  # fmt: skip
    assert region is not None
    out = []
    memo: dict[str, int] = {}
    for line in sel.indicator_lines(region, year, months):
        i, t, attained = line.indicator, line.target, line.attainment
        o = line.official if line.official_value is not None else None
        out.append(
            {
                "key": line.key, "label": line.label, "kind": line.kind, "year": year, "months": line.months,
                "value": _num(line.value), "previous": _num(i.previous if i else None),
                "change": _num(i.change if i else None), "text": line.shown,
                "province_rank": i.province_rank if i else None, "province_count": i.province_count if i else None,
                "city_rank": i.city_rank if i else None, "city_count": i.city_count if i else None,
                "province_rank_complete": sel.holds_every_county(i, province=True, memo=memo),
                "city_rank_complete": sel.holds_every_county(i, province=False, memo=memo),
                "target": _num(t.fraction if t else None), "target_comparison": t.comparison if t else None,
                "target_year": t.year if t else None, "target_met": attained.met if attained else None,
                "official": _num(line.official_value), "official_months": o.months if o else None,
                "official_source": o.source if o else None, "official_published_on": o.published_on if o else None,
                "official_province_rank": o.province_rank if o else None,
                "official_province_count": o.province_count if o else None,
                "official_city_rank": o.city_rank if o else None, "official_city_count": o.city_count if o else None,
            }
        )  # fmt: skip
    return out


# --- published figures and targets -----------------------------------------------------------------------------

Indicator = Literal[
    "rd_expenditure", "rd_growth", "rd_intensity", "high_tech_va", "high_tech_share", "above_scale_count"
]  # fmt: skip
INDICATOR_HELP = "指标：" + "、".join(f"{k.value} {k.label}" for k in IndicatorKey)
VALUE_HELP = (
    "金额填元；比重、增速填百分数（2.35 即 2.35%）；企业数填家数。JSON 中为字符串形式的十进制数（精确）。"
)
Value = Decimal  # max_digits / decimal_places are the model's (full_clean reports them as 422)


class OfficialFigureOut(Schema):
    id: int
    county: RegionRef = Field(..., description="县（市、区）")
    year: int = Field(..., description="年度")
    months: int = Field(..., description="截至月份：1 月至该月的累计数，12 为全年")
    indicator: str = Field(..., description=INDICATOR_HELP)
    indicator_label: str
    value: Decimal = Field(..., description="公布值。" + VALUE_HELP)
    text: str = Field(..., description="公布值，按总结的写法（万元/亿元、%、家）")
    province_rank: int | None = Field(None, description="全省排名")
    province_count: int | None = Field(None, description="全省参与排名的县（市、区）数，如 89")
    city_rank: int | None = Field(None, description="全市排名")
    city_count: int | None = Field(None, description="全市参与排名的县（市、区）数，如 6")
    source: str = Field(..., description="出处（发布文件的名称）")
    published_on: dt.date | None = Field(None, description="发布日期")

    @staticmethod
    def resolve_indicator_label(obj: OfficialFigure) -> str:
        return str(obj.get_indicator_display())

    @staticmethod
    def resolve_text(obj: OfficialFigure) -> str:
        return sel.show_value(obj.indicator, obj.fraction)


class TargetOut(Schema):
    id: int
    county: RegionRef = Field(..., description="县（市、区）")
    year: int = Field(..., description="数据年度：目标所考核数据的年度")
    indicator: str = Field(..., description=INDICATOR_HELP)
    indicator_label: str
    comparison: str = Field(..., description="比较方式：gte ≥（以上）、gt >（超过）")
    value: Decimal = Field(..., description="目标值。" + VALUE_HELP)
    text: str = Field(..., description="目标，按总结的写法，如“R&D经费支出1亿元以上”")
    note: str = Field(..., description="说明")

    @staticmethod
    def resolve_indicator_label(obj: Target) -> str:
        return str(obj.get_indicator_display())

    @staticmethod
    def resolve_text(obj: Target) -> str:
        return sel.target_phrase(obj)


class _OfficialFields(InputSchema):
    model_config = ConfigDict(extra="forbid")

    months: int | None = Field(None, description="截至月份 1–12，省略为全年（12）")
    province_rank: int | None = Field(None, ge=1, le=999, description="全省排名")
    province_count: int | None = Field(
        None, ge=1, le=999, description="全省参与排名县（市、区）数；有全省排名的须填"
    )
    city_rank: int | None = Field(None, ge=1, le=999, description="全市排名")
    city_count: int | None = Field(
        None, ge=1, le=999, description="全市参与排名县（市、区）数；有全市排名的须填"
    )
    published_on: dt.date | None = Field(None, description="发布日期")


class OfficialFigureIn(_OfficialFields):
    county: str = Field(..., description="县（市、区）6 位区划代码（您任科技管理科的县）")
    year: int = Field(..., description="年度")
    indicator: Indicator = Field(..., description=INDICATOR_HELP)
    value: Value = Field(..., description="公布值。" + VALUE_HELP)
    source: str = Field(..., min_length=1, max_length=100, description="出处")


class OfficialFigurePatch(_OfficialFields):
    """Every field optional; only the fields sent are changed. The county is fixed once saved."""

    year: int | None = Field(None, description="年度")
    indicator: Indicator | None = Field(None, description=INDICATOR_HELP)
    value: Value | None = Field(None, description="公布值。" + VALUE_HELP)
    source: str | None = Field(None, min_length=1, max_length=100, description="出处")


class TargetIn(InputSchema):
    model_config = ConfigDict(extra="forbid")

    county: str = Field(..., description="县（市、区）6 位区划代码（您任科技管理科的县）")
    year: int = Field(..., description="数据年度")
    indicator: Indicator = Field(..., description=INDICATOR_HELP)
    comparison: Literal["gte", "gt"] = Field("gte", description="比较方式：gte ≥（以上）、gt >（超过）")
    value: Value = Field(..., description="目标值。" + VALUE_HELP)
    note: str = Field("", max_length=200, description="说明")


class TargetPatch(InputSchema):
    """Every field optional; only the fields sent are changed. The county is fixed once saved."""

    model_config = ConfigDict(extra="forbid")

    year: int | None = Field(None, description="数据年度")
    indicator: Indicator | None = Field(None, description=INDICATOR_HELP)
    comparison: Literal["gte", "gt"] | None = Field(None, description="比较方式")
    value: Value | None = Field(None, description="目标值。" + VALUE_HELP)
    note: str | None = Field(None, max_length=200, description="说明")


class RecordFilters(InputSchema):
    county: str = Field("", description="县（市、区）代码")
    year: int | None = Field(None, description="年度（目标为数据年度）")
    indicator: str = Field("", description="指标")


OFFICIAL_ETAG_FIELDS = tuple(f for f in services.OFFICIAL_FIELDS if f != "county")
TARGET_ETAG_FIELDS = tuple(f for f in services.TARGET_FIELDS if f != "county")
REQUIRED = {"year", "indicator", "value", "source", "comparison", "months"}


def _county(code: str) -> Region:
    county = Region.objects.filter(code=code.strip(), level=Region.Level.COUNTY).first()
    if county is None:
        raise ValidationError({"county": _("“%(code)s”不是县（市、区）的行政区划代码。") % {"code": code}})
    return county


def _data(raw: dict[str, Any]) -> dict[str, Any]:
    """The service's data from a request body: the county code becomes the region; null clears an optional
    field and may not clear a required one."""
    data: dict[str, Any] = {}
    for key, value in raw.items():
        if value is None and key in REQUIRED:
            raise ValidationError({key: _("此字段不能为空。")})
        if key == "county":
            data[key] = _county(value)
        elif key == "note" and value is None:
            data[key] = ""
        else:
            data[key] = value.strip() if isinstance(value, str) else value
    return data


def _getter(model: type[Model]) -> Any:
    def get(*, user: Any, pk: int) -> Any:
        return permissions.visible(user, model._default_manager.select_related("county")).get(pk=pk)

    return get


def _visible(request: ApiRequest, model: type[Model], pk: int) -> Any:
    return permissions.get_visible(
        request.auth, model, pk, _getter(model), where=f"api {request.method} {request.path}"
    )


def _if_match(request: ApiRequest, fields: tuple[str, ...]) -> edits.IfMatch | None:
    value = request.headers.get("If-Match")
    return edits.IfMatch(value, fields) if value else None


def _listed(request: ApiRequest, model: type[Model], filters: RecordFilters) -> QuerySet:
    user = request.auth
    permissions.require(
        sel.may_read(user), user, f"{model._meta.model_name}.list", what=model._meta.label_lower
    )
    qs = permissions.visible(user, model._default_manager.select_related("county"))
    if filters.county.strip():
        qs = qs.filter(county_id=filters.county.strip())
    if filters.year is not None:
        qs = qs.filter(year=filters.year)
    if filters.indicator:
        qs = qs.filter(indicator=filters.indicator)
    return qs


@router.get(
    "/official-figures",
    response={200: list[OfficialFigureOut], **LIST},
    summary="公布数据列表",
    description="统计监测报告、统计月报等正式公布的数据，含期间、各级排名及参与排名的县（市、区）数。",
)
@paginate(Pagination)
def official_list(request: ApiRequest, filters: Query[RecordFilters]) -> Any:
    return _listed(request, OfficialFigure, filters).order_by("county", "-year", "-months", "indicator", "pk")


@router.get("/official-figures/{id}", response={200: OfficialFigureOut, **BY_ID}, summary="公布数据详情")
def official_get(request: ApiRequest, id: int, response: HttpResponse) -> Any:
    figure = _visible(request, OfficialFigure, id)
    response["ETag"] = edits.etag(figure, OFFICIAL_ETAG_FIELDS)
    return figure


@router.post(
    "/official-figures",
    response={201: OfficialFigureOut, **WRITE},
    summary="录入公布数据",
    description=(
        "仅县科技管理科，与网页录入、Excel 导入规则相同：填写排名的须同时填写参与排名的县（市、区）数，"
        "否则返回 422；已定稿的工作总结所依据的数据不能再改。"
    ),
)
def official_create(request: ApiRequest, payload: OfficialFigureIn) -> Any:
    raw = payload.model_dump()
    raw["months"] = raw["months"] or 12  # omitted: the full year
    data = _data(raw)
    return Status(201, services.official_figure_save(by=request.auth, data=data))


@router.patch(
    "/official-figures/{id}",
    response={200: OfficialFigureOut, **EDIT},
    summary="修改公布数据",
    description="只修改请求中给出的字段。请求头 If-Match 带上读取时的 ETag，则他人在此之后改过这些字段时返回 409。",
)
def official_update(
    request: ApiRequest, id: int, payload: OfficialFigurePatch, response: HttpResponse
) -> Any:
    figure = _visible(request, OfficialFigure, id)
    data = _data(payload.model_dump(exclude_unset=True))
    saved = services.official_figure_save(
        by=request.auth, data=data, instance=figure, loaded=_if_match(request, OFFICIAL_ETAG_FIELDS)
    )
    response["ETag"] = edits.etag(saved, OFFICIAL_ETAG_FIELDS)
    return saved


@router.get(
    "/targets",
    response={200: list[TargetOut], **LIST},
    summary="目标任务列表",
    description="县（市、区）为各指标设定的目标：数据年度、比较方式（≥ 以上 / > 超过）和目标值。",
)
@paginate(Pagination)
def target_list(request: ApiRequest, filters: Query[RecordFilters]) -> Any:
    return _listed(request, Target, filters).order_by("county", "-year", "indicator", "pk")


@router.get("/targets/{id}", response={200: TargetOut, **BY_ID}, summary="目标任务详情")
def target_get(request: ApiRequest, id: int, response: HttpResponse) -> Any:
    target = _visible(request, Target, id)
    response["ETag"] = edits.etag(target, TARGET_ETAG_FIELDS)
    return target


@router.post(
    "/targets",
    response={201: TargetOut, **WRITE},
    summary="录入目标任务",
    description="仅县科技管理科；已定稿的工作总结所依据年度的目标不能再增改（返回 422）。",
)
def target_create(request: ApiRequest, payload: TargetIn) -> Any:
    data = _data(payload.model_dump())
    return Status(201, services.target_save(by=request.auth, data=data))


@router.patch(
    "/targets/{id}",
    response={200: TargetOut, **EDIT},
    summary="修改目标任务",
    description="只修改请求中给出的字段。请求头 If-Match 带上读取时的 ETag，则他人在此之后改过这些字段时返回 409。",
)
def target_update(request: ApiRequest, id: int, payload: TargetPatch, response: HttpResponse) -> Any:
    target = _visible(request, Target, id)
    data = _data(payload.model_dump(exclude_unset=True))
    saved = services.target_save(
        by=request.auth, data=data, instance=target, loaded=_if_match(request, TARGET_ETAG_FIELDS)
    )
    response["ETag"] = edits.etag(saved, TARGET_ETAG_FIELDS)
    return saved


ROUTERS = [("/rnd/", router)]
