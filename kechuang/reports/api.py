"""API: the report figures of a region and period, from the same registry the summary and dashboards use."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from ninja import Router, Schema

from kechuang.core import permissions
from kechuang.core.api import BY_ID
from kechuang.core.api_auth import ApiRequest
from kechuang.core.models import Region

from .figures import Period, compute_all

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


ROUTERS = [("/reports/", router)]
