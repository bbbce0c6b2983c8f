"""Forms of the statistical-returns pages. They parse and explain; the rules (who may, period numbers, one
round per period) live in rnd.services, whose errors the views put back on the fields."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy as _

from kechuang.core.forms import EditTokenMixin, staff_counties
from kechuang.core.models import Organisation, Region, local_in

from . import services
from .models import Frequency, ReturnFiling, ReturnRound, ReturnType

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
LISTED = ReturnType.Obligation.LISTED
S = ReturnFiling.Status


def county_organisations(counties: QuerySet[Region]) -> QuerySet[Organisation]:
    q = Q(pk__in=[])
    for code in counties.values_list("code", flat=True):
        q |= local_in(code)
    return Organisation.objects.filter(q, is_active=True).order_by("kind", "name")


class OrganisationChoices(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: Organisation) -> str:
        return f"{obj.name}（{obj.get_kind_display()}）"


class ReturnTypeForm(EditTokenMixin, forms.ModelForm):
    listed = OrganisationChoices(
        label=_("指定单位"),
        queryset=Organisation.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("报送对象为“指定单位”时勾选，如科普统计的各县级部门。"),
    )

    class Meta:
        model = ReturnType
        fields = ["county", "name", "frequency", "obligation", "due_workdays", "issuer", "note", "is_active"]
        labels = {"due_workdays": _("截止工作日数")}
        help_texts = {
            "due_workdays": _(
                "报告期结束后第几个工作日截止，按国务院办公厅节假日安排计算（含调休上班日），如 10。"
            ),
            "issuer": _("如 省科技厅、市统计局。"),
        }

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        editing = self.instance.pk is not None
        counties = staff_counties(user)
        if editing:
            del self.fields["county"]  # a return type stays in its county
            counties = counties.filter(pk=self.instance.county_id)
            self.initial["listed"] = list(self.instance.listed.values_list("pk", flat=True))
        else:
            field = self.fields["county"]
            field.queryset = counties  # type: ignore[attr-defined]
            if counties.count() == 1:
                field.initial = counties.first()
                field.widget = forms.HiddenInput()
        self.fields["listed"].queryset = county_organisations(counties)  # type: ignore[attr-defined]
        self.fields["due_workdays"].widget.attrs.update(min=0, max=250)

    def _post_clean(self) -> None:
        pass  # the service validates the model (one rule set, one place)

    def clean_due_workdays(self) -> int:
        n = self.cleaned_data["due_workdays"]
        if n is not None and n > 250:
            raise ValidationError(_("截止工作日数不能超过 250 个工作日（约一年）。"))
        return n

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        county = data.get("county") or (self.instance.county if self.instance.pk else None)
        name = data.get("name")
        if county is not None and name:
            same = ReturnType.objects.filter(county=county, name=name).exclude(pk=self.instance.pk)
            if same.exists():
                self.add_error("name", _("本县已有名为“%(n)s”的报表。") % {"n": name})
        listed = data.get("listed")
        if data.get("obligation") == LISTED:
            if not listed:
                self.add_error("listed", _("报送对象为“指定单位”时，请至少选择一家单位。"))
            elif county is not None and any(not o.region_id.startswith(county.pk) for o in listed):
                self.add_error("listed", _("指定单位须为本县的单位。"))
        return data

    def service_data(self) -> dict[str, Any]:
        return {k: v for k, v in self.cleaned_data.items() if k in self.fields and k != "listed"}

    def listed_organisations(self) -> list[Organisation]:
        """The chosen organisations; any other rule empties the list, so a stale choice cannot linger."""
        if self.cleaned_data.get("obligation") != LISTED:
            return []
        return list(self.cleaned_data.get("listed") or [])


class RoundOpenForm(forms.Form):
    return_type = forms.ModelChoiceField(label=_("报表"), queryset=ReturnType.objects.none())
    year = forms.IntegerField(label=_("年度"), min_value=2000, max_value=2100)
    number = forms.IntegerField(
        label=_("期别"),
        min_value=0,
        max_value=12,
        initial=0,
        help_text=_("月报填月份 1–12，季报填季度 1–4，年报填 0。"),
    )
    due_on = forms.DateField(
        label=_("截止日期（调整）"),
        required=False,
        widget=DATE,
        help_text=_("留空则按报表规则自动计算；上级另行通知截止日期时在此填写。"),
    )

    def __init__(self, *args: Any, user: Any, live: str = "", **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        types = ReturnType.objects.filter(county__in=staff_counties(user), is_active=True).select_related(
            "county"
        )
        self.fields["return_type"].queryset = types.order_by("county", "name")  # type: ignore[attr-defined]
        self.fields["return_type"].empty_label = _("— 选择报表 —")  # type: ignore[attr-defined]
        if live:  # each change re-renders the form with its preview (htmx)
            for name, field in self.fields.items():
                field.widget.attrs.update(
                    {
                        "hx-get": live,
                        "hx-include": "closest form",
                        "hx-target": "#round-open",
                        "hx-swap": "outerHTML",
                    }
                )
                if name == "return_type":
                    field.widget.attrs["hx-vals"] = '{"changed": "type"}'
        self.computed: dt.date | None = None
        self.period_end: dt.date | None = None

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        rt, year, number = data.get("return_type"), data.get("year"), data.get("number")
        if rt is None or year is None or number is None:
            return data
        try:
            self.period_end = services.period_end(rt.frequency, year, number)
        except ValidationError as e:
            for message in e.message_dict.get("number", e.messages):
                self.add_error("number", message)
            return data
        self.computed = services.due_date(rt, year, number)
        if ReturnRound.objects.filter(return_type=rt, year=year, number=number).exists():
            label = ReturnRound(return_type=rt, year=year, number=number).period_label
            self.add_error(None, _("“%(t)s”%(p)s 已经开启，不能重复开启。") % {"t": rt.name, "p": label})
        due_on = data.get("due_on")
        if due_on is not None and due_on <= self.period_end:
            self.add_error("due_on", _("截止日期须晚于报告期末（%(d)s）。") % {"d": self.period_end})
        return data


def default_period(return_type: ReturnType, on: dt.date) -> tuple[int, int]:
    """The period most likely opened on a day (year, number): the one that has just ended, or the next
    one when that is open already."""
    frequency = return_type.frequency
    if frequency == Frequency.MONTH:
        last = on.replace(day=1) - dt.timedelta(days=1)
        year, number, count = last.year, last.month, 12
    elif frequency == Frequency.QUARTER:
        quarter = (on.month - 1) // 3
        year, number, count = (on.year, quarter, 4) if quarter else (on.year - 1, 4, 4)
    else:
        return (on.year if return_type.rounds.filter(year=on.year - 1).exists() else on.year - 1), 0
    if return_type.rounds.filter(year=year, number=number).exists():
        year, number = (year, number + 1) if number < count else (year + 1, 1)
    return year, number


class FilingUpdateForm(forms.Form):
    status = forms.ChoiceField(label=_("状态"), choices=S.choices)
    submitted_on = forms.DateField(label=_("报送日期"), required=False, widget=DATE)
    note = forms.CharField(label=_("备注"), max_length=200, required=False)

    def __init__(self, *args: Any, today: dt.date, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.today = today

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        status, day = data.get("status"), data.get("submitted_on")
        if status == S.EXEMPT and not (data.get("note") or "").strip():
            self.add_error("note", _("免报须在备注中注明原因。"))
        if status == S.SUBMITTED:
            if day is None:
                data["submitted_on"] = self.today
            elif day > self.today:
                self.add_error("submitted_on", _("报送日期不能晚于今天。"))
        return data


class BulkSubmittedForm(forms.Form):
    ids = forms.TypedMultipleChoiceField(coerce=int, error_messages={"required": _("请先勾选要标记的单位。")})
    submitted_on = forms.DateField(label=_("报送日期"), widget=DATE)

    def __init__(self, *args: Any, today: dt.date, choices: list[int], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.today = today
        self.fields["ids"].choices = [(pk, pk) for pk in choices]  # type: ignore[attr-defined]
        self.fields["ids"].error_messages["invalid_choice"] = _("所选记录不属于本报送期，请刷新页面后重试。")

    def clean_submitted_on(self) -> dt.date:
        day: dt.date = self.cleaned_data["submitted_on"]
        if day > self.today:
            raise ValidationError(_("报送日期不能晚于今天。"))
        return day
