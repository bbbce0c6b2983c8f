"""Forms of the application pages. They only parse and present; the rules live in the models and the
services (programmes.services), which validate everything again."""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from kechuang.core.forms import EditTokenMixin

from . import selectors
from .models import Application, Programme

MONEY = {"max_digits": 18, "decimal_places": 2, "min_value": 0}

# Which of the application's own fields each kind of programme asks for (DOMAIN.md, "One engine").
KIND_FIELDS: dict[str, list[str]] = {
    Programme.Kind.PROJECT: ["title", "summary", "total_budget", "requested_amount"],
    Programme.Kind.TEAM: ["title", "summary", "total_budget", "requested_amount"],
    Programme.Kind.COMMISSIONER: ["title", "summary", "total_budget", "requested_amount"],
    Programme.Kind.TALENT: ["person", "summary"],
    Programme.Kind.INCENTIVE: ["summary"],
    Programme.Kind.QUALIFICATION: ["summary"],
}
SUMMARY_LABELS: dict[str, Any] = {
    Programme.Kind.TALENT: _("推荐理由"),
    Programme.Kind.INCENTIVE: _("申报说明"),
    Programme.Kind.QUALIFICATION: _("申报说明"),
}
TITLE_LABELS: dict[str, Any] = {
    Programme.Kind.TEAM: _("团队名称"),
    Programme.Kind.COMMISSIONER: _("项目名称"),
}


class ApplicationForm(EditTokenMixin, forms.ModelForm):
    """Create or edit an application of one programme: only the fields that apply to its kind. The
    applicant organisation is offered only to county staff (or to an enterprise with several); an
    enterprise with one organisation files for it without choosing (`fixed_organisation`)."""

    class Meta:
        model = Application
        fields = ["organisation", "person", "title", "summary", "total_budget", "requested_amount"]
        widgets = {
            "summary": forms.Textarea(attrs={"rows": 5}),
            "total_budget": forms.NumberInput(attrs={"step": "0.01", "min": "0"}),
            "requested_amount": forms.NumberInput(attrs={"step": "0.01", "min": "0"}),
        }

    def __init__(self, *args: Any, user: Any, programme: Programme, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.programme = programme
        county = programme.county_id
        wanted = set(KIND_FIELDS.get(programme.kind, ["summary"])) | {"organisation"}
        for name in list(self.fields):
            if name not in wanted:
                del self.fields[name]

        organisations = selectors.applicant_organisations(user=user, county_code=county, programme=programme)
        self.fixed_organisation = None
        if self.instance.pk or organisations.count() <= 1:
            # Who applies is settled at creation (staff can withdraw a draft and start again); an
            # enterprise with one organisation files for that one.
            del self.fields["organisation"]
            self.fixed_organisation = (
                self.instance.organisation if self.instance.pk else organisations.first()
            )
        else:
            field = cast(forms.ModelChoiceField, self.fields["organisation"])
            field.queryset = organisations
            field.required = not programme.for_people
            field.label = _("推荐单位") if programme.for_people else _("申报单位")
            field.empty_label = _("— 请选择 —")

        if "person" in self.fields:
            person = cast(forms.ModelChoiceField, self.fields["person"])
            person.queryset = selectors.nominee_people(user=user, county_code=county)
            person.label_from_instance = lambda p: (  # type: ignore[method-assign,assignment]
                f"{p.name}（{p.workplace}）" if p.workplace else p.name
            )
            person.required = programme.for_people
            person.label = _("推荐人选")
            person.empty_label = _("— 请选择 —")
            person.help_text = _("人选须先在“专家与人员”中登记。")
        if "title" in self.fields:
            self.fields["title"].required = True
            self.fields["title"].label = TITLE_LABELS.get(programme.kind, _("项目名称"))
        if "summary" in self.fields:
            self.fields["summary"].label = SUMMARY_LABELS.get(programme.kind, _("项目简介"))
            if programme.kind == Programme.Kind.INCENTIVE:
                self.fields["summary"].help_text = _(
                    "奖励金额由县科技管理科按政策条款和贵单位已登记的认定、立项成果测算，无需自行填写。"
                )

    def _post_clean(self) -> None:
        # The service validates the model (one rule set); the form does not write to the instance.
        pass

    def service_data(self) -> dict[str, Any]:
        data = {k: v for k, v in self.cleaned_data.items() if k in self.fields}
        if "organisation" not in self.fields and not self.instance.pk:
            data["organisation"] = self.fixed_organisation
        return data


class ReviewForm(forms.Form):
    opinion = forms.CharField(label=_("审核意见"), widget=forms.Textarea(attrs={"rows": 3}), max_length=2000)
    score = forms.DecimalField(
        label=_("评分"), required=False, max_digits=5, decimal_places=2, min_value=0, max_value=100
    )


class ApproveForm(forms.Form):
    """The upper level's decision and what it granted; the fields follow the programme's award form."""

    decided_on = forms.DateField(
        label=_("批准日期"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    document = forms.CharField(
        label=_("批准文件"), max_length=100, required=False, help_text=_("如 浙科发高〔2026〕12号")
    )
    certificate_no = forms.CharField(label=_("证书编号"), max_length=60)
    registration_no = forms.CharField(label=_("入库登记编号"), max_length=60)
    valid_from = forms.DateField(
        label=_("有效期起"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        help_text=_("不填则为批准日期。"),
    )
    amount = forms.DecimalField(label=_("上级补助/奖励金额（元）"), required=False, **MONEY)  # type: ignore[arg-type]
    matching_amount = forms.DecimalField(label=_("县配套资金（元）"), required=False, **MONEY)  # type: ignore[arg-type]
    comment = forms.CharField(
        label=_("备注"), required=False, max_length=500, widget=forms.Textarea(attrs={"rows": 2})
    )

    FIELDS_BY_FORM: dict[str, list[str]] = {
        Programme.AwardForm.QUALIFICATION: ["certificate_no", "valid_from"],
        Programme.AwardForm.REGISTRATION: ["registration_no", "valid_from"],
        Programme.AwardForm.PROJECT: ["amount", "matching_amount"],
        Programme.AwardForm.MONEY: ["amount", "matching_amount"],
        Programme.AwardForm.HONOUR: ["matching_amount"],
    }
    COMMON = ["decided_on", "document"]

    def __init__(self, *args: Any, programme: Programme, **kwargs: Any) -> None:
        kwargs.setdefault("initial", {"decided_on": timezone.localdate()})
        super().__init__(*args, **kwargs)
        keep = {*self.COMMON, *self.FIELDS_BY_FORM.get(programme.award_form, []), "comment"}
        for name in list(self.fields):
            if name not in keep:
                del self.fields[name]
        if "certificate_no" in self.fields and not programme.issues_certificate:
            # Recognised without a certificate (研发中心, 重点实验室, 综合体, 领军企业).
            del self.fields["certificate_no"]
        if programme.award_form == Programme.AwardForm.QUALIFICATION and programme.validity_years:
            self.fields["valid_from"].help_text = _(
                "不填则为批准日期；有效期 %(n)s 年，系统自动计算截止日期。"
            ) % {"n": programme.validity_years}
        if programme.award_form == Programme.AwardForm.REGISTRATION:
            self.fields["valid_from"].help_text = _("入库登记当年有效，至当年 12 月 31 日。")

    def service_data(self) -> dict[str, Any]:
        """Award data for services.application_approve; empty optional fields are left to its defaults."""
        data = {k: v for k, v in self.cleaned_data.items() if v not in (None, "")}
        data.setdefault("comment", "")
        return data


class DecideForm(forms.Form):
    amount = forms.DecimalField(label=_("核定金额（元）"), **MONEY)  # type: ignore[arg-type]
    reason = forms.CharField(
        label=_("调整理由"),
        required=False,
        max_length=300,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("核定金额与按政策测算的金额不同时必填，将记入审计日志。"),
    )
    decided_on = forms.DateField(
        label=_("核定日期"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )

    def __init__(self, *args: Any, proposed: Any, **kwargs: Any) -> None:
        kwargs.setdefault("initial", {"amount": proposed, "decided_on": timezone.localdate()})
        super().__init__(*args, **kwargs)
        self.fields["amount"].widget.attrs.update({"step": "0.01", "min": "0"})
