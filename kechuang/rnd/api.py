"""API: a county's R&D indicators for a year and span, with ranks, target and published value, from the same
indicator rows and selectors as the indicator page (kechuang.rnd.selectors_indicators)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from ninja import Router, Schema

from kechuang.core import permissions
from kechuang.core.api import BY_ID
from kechuang.core.api_auth import ApiRequest
from kechuang.core.models import Region

from . import selectors_indicators as sel

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
    target: float | None  # the year's target, in the same unit as value
    official: float | None  # the published full-year value, in the same unit as value
    official_source: str | None


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
    for line in sel.indicator_lines(region, year, months):
        i = line.indicator
        out.append(
            {
                "key": line.key, "label": line.label, "kind": line.kind, "year": year, "months": line.months,
                "value": _num(line.value), "previous": _num(i.previous if i else None),
                "change": _num(i.change if i else None), "text": line.shown,
                "province_rank": i.province_rank if i else None, "province_count": i.province_count if i else None,
                "city_rank": i.city_rank if i else None, "city_count": i.city_count if i else None,
                "target": _num(line.target.fraction if line.target else None),
                "official": _num(line.official_value),
                "official_source": line.official.source if line.official and line.official_value is not None else None,
            }
        )  # fmt: skip
    return out


ROUTERS = [("/rnd/", router)]
