"""Forms of the county data the indicators rest on: economy data (GDP, above-scale industrial value added),
published (official) figures and targets. They parse and present; the services validate the models and
check who may write. Money is typed in 万元, as the bureau states it, and handed to the services in 元; a
share is typed as a percentage (2.35 = 2.35%), which is how OfficialFigure and Target store it."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from kechuang.core.forms import DATE, EditTokenMixin, WanField, staff_counties, wan_text
from kechuang.core.models import Region

from .models import AMOUNT, KIND_OF, CountyEconomy, IndicatorKey, OfficialFigure, Target

WAN = Decimal(10_000)
YEAR_MIN, YEAR_MAX = 2000, 2100
MONTH_CHOICES = [
    (m, _("全年（1-12月）") if m == 12 else f"1-{m}月" if m > 1 else "1月") for m in range(1, 13)
]


def _year_field() -> forms.IntegerField:
    return forms.IntegerField(label=_("年度"), min_value=YEAR_MIN, max_value=YEAR_MAX)


class _CountyForm(EditTokenMixin, forms.Form):
    """A county record: the county is chosen among those the user runs as staff, fixed once saved."""

    county: forms.ModelChoiceField = forms.ModelChoiceField(
        label=_("县（市、区）"), queryset=Region.objects.none(), empty_label=None
    )
    year = _year_field()

    def __init__(self, *args: Any, user: Any, instance: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.instance = instance
        counties: QuerySet = staff_counties(user)
        field = self.fields["county"]
        field.queryset = counties  # type: ignore[attr-defined]
        if instance is not None:
            field.queryset = counties.filter(pk=instance.county_id)  # type: ignore[attr-defined]
            field.disabled = True
            self.initial["county"] = instance.county_id
        elif counties.count() == 1:
            self.initial["county"] = counties.first()
        self.initial.setdefault("year", timezone.localdate().year - 1)

    def service_data(self) -> dict[str, Any]:
        return {k: v for k, v in self.cleaned_data.items() if k in self.fields}


class CountyEconomyForm(_CountyForm):
    months = forms.TypedChoiceField(
        label=_("截至月份"),
        choices=MONTH_CHOICES,
        coerce=int,
        initial=12,
        help_text=_("数据为 1 月至该月的累计数。"),
    )
    gdp = WanField(label=_("地区生产总值（万元）"), required=False)
    above_scale_value_added = WanField(label=_("规上工业增加值（万元）"), required=False)
    source = forms.CharField(
        label=_("数据来源"),
        max_length=100,
        required=False,
        help_text=_("如：县统计局《统计月报》2025年9月。"),
    )

    def __init__(self, *args: Any, instance: CountyEconomy | None = None, **kwargs: Any) -> None:
        super().__init__(*args, instance=instance, **kwargs)
        if instance is not None:
            for name in ("year", "months", "gdp", "above_scale_value_added", "source"):
                self.initial[name] = getattr(instance, name)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("gdp") is None and data.get("above_scale_value_added") is None and not self.errors:
            raise forms.ValidationError(_("地区生产总值和规上工业增加值至少填一项。"))
        return data

    def service_data(self) -> dict[str, Any]:
        data = super().service_data()
        data["source"] = (data.get("source") or "").strip()
        if self.instance is not None:
            data.pop("county")  # fixed once saved
        return data


class _IndicatorValueForm(_CountyForm):
    """An indicator's value for a year: 万元 for amounts, a percentage for shares, a number for counts."""

    indicator = forms.ChoiceField(label=_("指标"), choices=IndicatorKey.choices)
    value = forms.DecimalField(
        label=_("数值"),
        max_digits=18,
        decimal_places=4,
        help_text=_("金额填万元；比重、增速填百分数（如 2.35 即 2.35%）；企业数填家数。"),
    )

    def __init__(self, *args: Any, instance: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, instance=instance, **kwargs)
        if instance is not None:
            for name in self.fields:
                if name not in ("county", "value") and hasattr(instance, name):
                    self.initial[name] = getattr(instance, name)
            value = instance.value
            self.initial["value"] = (
                wan_text(value) if KIND_OF[IndicatorKey(instance.indicator)] == AMOUNT else value
            )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        indicator, value = data.get("indicator"), data.get("value")
        if indicator and value is not None:
            if value < 0 and indicator != IndicatorKey.RD_GROWTH:
                self.add_error("value", _("不能为负数。"))
            elif KIND_OF[IndicatorKey(indicator)] == AMOUNT:
                data["value"] = value * WAN
        return data

    def service_data(self) -> dict[str, Any]:
        data = super().service_data()
        if self.instance is not None:
            data.pop("county")
        return data


class OfficialFigureForm(_IndicatorValueForm):
    months = forms.TypedChoiceField(
        label=_("截至月份"),
        choices=MONTH_CHOICES,
        coerce=int,
        initial=12,
        required=False,
        empty_value=12,  # type: ignore[arg-type]
        help_text=_("监测报告等年度数选“全年”；统计局月报的累计数选截至月份，如 1-9月。"),
    )
    province_rank = forms.IntegerField(label=_("全省排名"), min_value=1, max_value=999, required=False)
    province_count = forms.IntegerField(
        label=_("全省参与排名县（市、区）数"), min_value=1, max_value=999, required=False,
        help_text=_("如“全省89个县（市、区）”填 89；有排名的须填写。"),
    )  # fmt: skip
    city_rank = forms.IntegerField(label=_("全市排名"), min_value=1, max_value=999, required=False)
    city_count = forms.IntegerField(
        label=_("全市参与排名县（市、区）数"), min_value=1, max_value=999, required=False,
        help_text=_("如“全市6个县（市、区）”填 6；有排名的须填写。"),
    )  # fmt: skip
    source = forms.CharField(
        label=_("出处"),
        max_length=100,
        help_text=_(
            "发布文件的名称，如《2024年浙江省科技进步统计监测报告》、县统计局《统计月报》2025年9月。"
        ),
    )
    field_order = [
        "county", "year", "months", "indicator", "value", "province_rank", "province_count", "city_rank",
        "city_count", "source", "published_on",
    ]  # fmt: skip
    published_on = forms.DateField(label=_("发布日期"), widget=DATE, required=False)

    def service_data(self) -> dict[str, Any]:
        data = super().service_data()
        data["source"] = data["source"].strip()
        return data


class TargetForm(_IndicatorValueForm):
    comparison = forms.ChoiceField(
        label=_("比较方式"),
        choices=Target.Comparison.choices,
        initial=Target.Comparison.AT_LEAST,
        required=False,
        help_text=_("“1亿元以上”选 ≥；“超过0.7%”选 >。"),
    )
    field_order = ["county", "year", "indicator", "comparison", "value", "note"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["year"].label = _("数据年度")
        self.fields["year"].help_text = _("目标所考核数据的年度：考核2019年度R&D经费的填 2019。")

    note = forms.CharField(
        label=_("说明"), max_length=200, required=False, help_text=_("如：县政府工作报告目标。")
    )

    def service_data(self) -> dict[str, Any]:
        data = super().service_data()
        data["note"] = (data.get("note") or "").strip()
        data["comparison"] = data.get("comparison") or Target.Comparison.AT_LEAST
        return data


FORMS: dict[type, type[_CountyForm]] = {
    CountyEconomy: CountyEconomyForm,
    OfficialFigure: OfficialFigureForm,
    Target: TargetForm,
}
