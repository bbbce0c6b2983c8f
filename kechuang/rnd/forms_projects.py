"""Forms of the R&D project pages: a project, and the expense-collection grid of one project-year (12 months ×
6 categories). They parse and present; the rules live in the models and services, whose errors the views put
back on the forms. Amounts are typed in 元, as an enterprise's books keep them."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django import forms
from django.db.models import QuerySet
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from kechuang.core.forms import EditTokenMixin
from kechuang.core.models import Organisation

from . import services
from .models import RndExpense, RndProject

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
MONTHS = range(1, 13)
CATEGORIES = RndExpense.CATEGORIES


class ProjectForm(EditTokenMixin, forms.ModelForm):
    """A project. An enterprise user registers projects of its own organisation only (no choice shown);
    bureau staff choose an enterprise of their county. The enterprise of a saved project stays."""

    class Meta:
        model = RndProject
        fields = [*services.PROJECT_FIELDS]
        widgets = {
            "starts_on": DATE,
            "ends_on": DATE,
            "summary": forms.Textarea(attrs={"rows": 4}),
            "budget": forms.NumberInput(attrs={"step": "0.01", "min": "0"}),
        }

    def __init__(
        self, *args: Any, organisations: QuerySet[Organisation], choose: bool, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.own: Organisation | None = None
        field = self.fields["organisation"]
        assert isinstance(field, forms.ModelChoiceField)
        if self.instance.pk or not choose:
            self.own = self.instance.organisation if self.instance.pk else organisations.first()
            del self.fields["organisation"]
        else:
            field.queryset = organisations
            field.empty_label = _("请选择企业")
            field.help_text = _("本县已登记的企业。")
        self.fields["budget"].help_text = _("单位：元；未定可留空。")
        self.fields["budget"].required = self.fields["staff"].required = False
        self.fields["staff"].help_text = _("参与项目的研发人员人数。")

    def _post_clean(self) -> None:
        pass  # the service validates the model (one rule set, one place)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        organisation = data.get("organisation") or self.own
        code = data.get("code")
        # the model's unique constraint says it too, but not on the field nor in these words
        taken = RndProject.objects.filter(organisation=organisation, code=code).exclude(pk=self.instance.pk)
        if organisation and code and taken.exists():
            self.add_error("code", _("该企业已有编号为“%(c)s”的研发项目，请换一个编号。") % {"c": code})
        return data

    def service_data(self) -> dict[str, Any]:
        data = {k: v for k, v in self.cleaned_data.items() if k in self.fields}
        if self.own is not None and not self.instance.pk:
            data["organisation"] = self.own
        # to the 分 as stored, so the audit's before and after compare like with like
        data["budget"] = (data.get("budget") or Decimal(0)).quantize(Decimal("0.01"))
        if data.get("staff") is None:
            data["staff"] = 0
        return data


class YuanField(forms.DecimalField):
    """An amount in 元 typed into a grid cell: blank is 0, thousands separators are allowed. A text input,
    not type=number: a browser would blank out "1,000" or letters and the server would never see them."""

    widget = forms.TextInput

    def to_python(self, value: Any) -> Decimal | None:  # type: ignore[override]
        if isinstance(value, str):
            value = value.replace(",", "").replace("，", "").replace(" ", "").strip()
        return super().to_python(value)


def cell_name(month: int, category: str) -> str:
    return f"m{month}-{category}"


class ExpenseGridForm(forms.Form):
    """One project-year of expense collection. Months outside the project's period accept only blanks (or
    0): a number there is refused with the period in the message, never dropped silently."""

    year = forms.IntegerField(widget=forms.HiddenInput)

    def __init__(self, *args: Any, project: RndProject, year: int, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.project = project
        self.grid_year = year
        self.fields["year"].initial = year
        for month in MONTHS:
            for name, label in CATEGORIES:
                self.fields[cell_name(month, name)] = YuanField(
                    label=f"{month}月{label}",
                    required=False,
                    max_digits=18,
                    decimal_places=2,
                    error_messages={
                        "invalid": gettext_lazy("请填写数字（单位：元）。"),
                        "max_decimal_places": gettext_lazy("最多保留两位小数（分）。"),
                        "max_digits": gettext_lazy("数字过大。"),
                        "max_whole_digits": gettext_lazy("数字过大。"),
                    },
                )

    def covers(self, month: int) -> bool:
        return self.project.covers(self.grid_year, month)

    def clean_year(self) -> int:
        year = self.cleaned_data["year"]
        if year != self.grid_year:
            raise forms.ValidationError(_("年度不一致，请重新打开本页后填写。"))
        return year

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        for month in MONTHS:
            inside = self.covers(month)
            for name, _label in CATEGORIES:
                key = cell_name(month, name)
                value = data.get(key)
                if value is None:
                    continue
                if value < 0:
                    self.add_error(key, _("不能为负数。"))
                elif value and not inside:
                    self.add_error(
                        key,
                        _("%(m)d月不在项目起止期间（%(s)s 至 %(e)s）内，不能填报。")
                        % {"m": month, "s": _ym(self.project.starts_on), "e": _ym(self.project.ends_on)},
                    )
        return data

    def amounts(self) -> dict[int, dict[str, Decimal]]:
        """The grid's months inside the period: {month: {category: amount}} (blanks as 0)."""
        return {
            month: {
                name: self.cleaned_data.get(cell_name(month, name)) or Decimal(0) for name, _l in CATEGORIES
            }
            for month in MONTHS
            if self.covers(month)
        }

    def cell_errors(self) -> list[str]:
        """Every error with the cell it belongs to, in grid order ("9月 · 人员人工费用：不能为负数。")."""
        messages = [str(e) for e in self.non_field_errors()]
        for month in MONTHS:
            for name, label in CATEGORIES:
                for error in self.errors.get(cell_name(month, name), []):
                    messages.append(_("%(m)d月 · %(c)s：%(e)s") % {"m": month, "c": label, "e": error})
        for error in self.errors.get("year", []):
            messages.append(str(error))
        return messages


def _ym(day: dt.date) -> str:
    return f"{day.year}年{day.month}月"
