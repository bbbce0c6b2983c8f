"""Forms of the catalogue pages (policy documents, incentive rules, programmes, calls). They only parse
and present; the rules live in the models and services, whose errors the views put back on the fields."""

from __future__ import annotations

from decimal import Decimal
from typing import Any, cast

from django import forms
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from kechuang.core.forms import EditTokenMixin, wan_text
from kechuang.core.models import Organisation, Region

from . import selectors, services
from .docno import parse_document_number
from .models import Call, IncentiveRule, PolicyDocument, Programme

WAN = Decimal(10_000)
DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class _ServiceForm(EditTokenMixin, forms.ModelForm):
    """A ModelForm whose model validation is left to the service (one rule set, one place); an edit carries
    what it loaded (kechuang.core.edits)."""

    fixed_county: Region | None = None

    def _post_clean(self) -> None:
        pass

    def service_data(self) -> dict[str, Any]:
        data = {k: v for k, v in self.cleaned_data.items() if k in self.fields}
        if self.fixed_county is not None:
            data["county"] = self.fixed_county
        return data


def _county_field(form: _ServiceForm, counties: QuerySet[Region] | None) -> None:
    """The county a new record belongs to: one of the counties the user runs (no choice when there is
    only one); fixed once created (counties=None)."""
    if counties is None or len(counties) == 1:
        form.fields.pop("county", None)
        form.fixed_county = counties[0] if counties else None
        return
    field = cast(forms.ModelChoiceField, form.fields["county"])
    field.queryset = counties
    field.empty_label = None


class PolicyForm(_ServiceForm):
    class Meta:
        model = PolicyDocument
        fields = [*services.POLICY_FIELDS]
        widgets = {
            "issued_on": DATE,
            "full_text": forms.Textarea(attrs={"rows": 14}),
            "title": forms.TextInput(attrs={"size": 60}),
        }
        help_texts = {
            "number": _("如 开经信〔2020〕80号；年份用六角括号〔〕，序号不加前导0。"),
            "issuing_bodies": _("联合发文的，各机关之间用顿号分隔。"),
        }

    def __init__(self, *args: Any, counties: QuerySet[Region] | None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _county_field(self, counties)

    def clean_number(self) -> str:
        """The 文号 parser's own message, next to the field (the model runs the same parser on save)."""
        number = self.cleaned_data.get("number") or ""
        parse_document_number(number)
        return number


class RuleForm(EditTokenMixin, forms.Form):
    """One incentive rule; amounts are typed in 万元 as the policy text states them, stored in 元."""

    item = forms.CharField(label=_("奖励事项"), max_length=100)
    article = forms.CharField(label=_("条款"), max_length=30, required=False, help_text=_("如 第三条"))
    achievement = forms.ModelChoiceField(
        label=_("认定成果"),
        queryset=Programme.objects.none(),
        help_text=_("企业取得该项目（资质、立项或人才入选）即可按本条获得奖励。"),
    )
    achievement_year = forms.IntegerField(
        label=_("成果年度"), min_value=1990, max_value=2100, help_text=_("奖励哪一年取得的成果。")
    )
    recognition = forms.ChoiceField(
        label=_("认定情形"),
        choices=IncentiveRule.Recognition.choices,
        required=False,
        help_text=_("资质类成果：仅奖励首次认定或重新认定的选择；否则为不限。"),
    )
    grade = forms.CharField(
        label=_("成果等级"),
        max_length=30,
        required=False,
        help_text=_("仅奖励某一等级的成果时填写（如 A类），须与认定结果登记的等级一致。"),
    )
    amount = forms.DecimalField(
        label=_("每项奖励（万元）"), min_value=Decimal(0), max_digits=16, decimal_places=6
    )
    cap = forms.DecimalField(
        label=_("每家上限（万元）"),
        min_value=Decimal(0),
        max_digits=16,
        decimal_places=6,
        required=False,
        help_text=_("不设上限的留空。"),
    )

    def __init__(
        self, *args: Any, user: Any, policy: PolicyDocument, rule: IncentiveRule | None = None, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.instance = rule
        choices = (
            selectors.programme_list(user=user)
            .filter(county_id=policy.county_id)
            .exclude(kind=Programme.Kind.INCENTIVE)
        )
        cast(forms.ModelChoiceField, self.fields["achievement"]).queryset = choices
        if rule is not None:
            self.initial.update(
                item=rule.item,
                article=rule.article,
                achievement=rule.achievement_id,
                achievement_year=rule.achievement_year,
                recognition=rule.recognition,
                grade=rule.grade,
                amount=_wan(rule.amount),
                cap=_wan(rule.cap),
            )

    def service_data(self) -> dict[str, Any]:
        data = dict(self.cleaned_data)
        data["amount"] = _yuan(data["amount"])
        data["cap"] = _yuan(data.get("cap"))
        return data


def _wan(yuan: Decimal | None) -> Decimal | None:
    # Not Decimal.normalize(): it would show 200000 元 as 2E+1 万元.
    return None if yuan is None else Decimal(wan_text(yuan))


def _yuan(wan: Decimal | None) -> Decimal | None:
    return None if wan is None else (wan * WAN).quantize(Decimal("0.01"))


class ProgrammeForm(_ServiceForm):
    applicant_kinds = forms.MultipleChoiceField(
        label=_("申报单位类型"),
        choices=Organisation.Kind.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=Programme._meta.get_field("applicant_kinds").help_text,
    )

    class Meta:
        model = Programme
        fields = [*services.PROGRAMME_FIELDS]

    def __init__(self, *args: Any, user: Any, counties: QuerySet[Region] | None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _county_field(self, counties)
        policies = selectors.policy_list(user=user)
        if self.instance.pk:
            policies = policies.filter(county_id=self.instance.county_id)
        elif counties is not None:
            policies = policies.filter(county__in=counties)
        policy = cast(forms.ModelChoiceField, self.fields["policy"])
        policy.queryset = policies
        policy.label_from_instance = lambda obj: f"{obj.number} {obj.title}"  # type: ignore[method-assign]
        self.fields["award_form"].help_text = _(
            "政策奖励→奖励资金；资质认定→资质或入库登记；科技计划项目、创新团队、特派员项目→立项；"
            "人才计划→入选或奖励资金。"
        )


class CallForm(_ServiceForm):
    class Meta:
        model = Call
        fields = [f for f in services.CALL_FIELDS if f != "programme"]
        widgets = {
            "opens_on": DATE,
            "closes_on": DATE,
            "county_deadline": DATE,
            "notes": forms.Textarea(attrs={"rows": 4}),
        }
        help_texts = {
            "name": _("如 2026年第一批"),
            "county_deadline": _("企业向县科技管理科提交的截止日；不填则以申报截止为准。"),
        }

    def __init__(self, *args: Any, programme: Programme, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.programme = programme

    def service_data(self) -> dict[str, Any]:
        return {**super().service_data(), "programme": self.programme}
