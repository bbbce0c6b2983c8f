"""Forms of the money and qualification pages (awards, milestones, disbursements, vouchers, providers).
They only parse and present; the rules live in the models and services, whose errors the views put back
on the fields. Money is typed in 万元, as the bureau states it, and handed to the services in 元."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any, cast

from django import forms
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from kechuang.core import permissions
from kechuang.core import selectors as core_selectors
from kechuang.core.forms import DATE, EditTokenMixin, WanField, staff_counties
from kechuang.core.models import Organisation

from . import services
from .models import Award, FundingSource, Level, Milestone, Programme, ServiceProvider, Voucher

# The money of a programme usually comes from the budget of the level that runs it.
SOURCE_OF_LEVEL: dict[str, str] = {
    Level.NATIONAL: FundingSource.CENTRAL,
    Level.PROVINCIAL: FundingSource.PROVINCIAL,
    Level.CITY: FundingSource.CITY,
    Level.COUNTY: FundingSource.COUNTY,
}


# --- awards and milestones ----------------------------------------------------------------------------------


class AwardForm(EditTokenMixin, forms.Form):
    """What the upper level granted. Only the fields that fit the programme's result are offered; a
    claim's amount is changed by deciding it again, not here."""

    decided_on = forms.DateField(label=_("批准日期"), widget=DATE)
    document = forms.CharField(label=_("批准文件"), max_length=100, required=False)
    amount = WanField(label=_("补助/奖励金额（万元）"), required=False, help_text=_("没有的留空或填 0。"))
    matching_amount = WanField(
        label=_("县配套资金（万元）"), required=False, help_text=_("没有的留空或填 0。")
    )
    certificate_no = forms.CharField(label=_("证书编号"), max_length=60)
    registration_no = forms.CharField(label=_("入库登记编号"), max_length=60)
    valid_from = forms.DateField(
        label=_("有效期起"), widget=DATE, required=False, help_text=_("留空则按批准日期起算。")
    )
    valid_until = forms.DateField(label=_("有效期至"), widget=DATE, required=False)

    def __init__(self, *args: Any, award: Award, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.instance = award  # what the edit token describes
        form = award.programme.award_form
        drop = set()
        if award.programme.kind == Programme.Kind.INCENTIVE:
            drop |= {"amount", "matching_amount"}
        if form != Programme.AwardForm.QUALIFICATION:
            drop.add("certificate_no")
        elif not award.programme.issues_certificate:
            # Recognised without a certificate (研发中心, 重点实验室, 综合体, 领军企业): a number is optional.
            self.fields["certificate_no"].required = False
        if form != Programme.AwardForm.REGISTRATION:
            drop.add("registration_no")
        if form == Programme.AwardForm.PROJECT:
            # a project's implementation period, a team's construction period (建设期)
            word = _("建设期") if award.programme.kind == Programme.Kind.TEAM else _("实施期")
            self.fields["valid_from"].label = _("%(w)s起") % {"w": word}
            self.fields["valid_until"].label = _("%(w)s至") % {"w": word}
            self.fields["valid_from"].help_text = _("填写期限截止而留空起始日期时，按批准日期起算。")
        else:
            drop.add("valid_until")  # a qualification's validity follows from its certificate date
        if form not in (
            Programme.AwardForm.QUALIFICATION,
            Programme.AwardForm.REGISTRATION,
            Programme.AwardForm.PROJECT,
        ):
            drop.add("valid_from")
        for name in drop:
            del self.fields[name]
        self.initial.update({name: getattr(award, name) for name in self.fields})

    def service_data(self) -> dict[str, Any]:
        data = {k: v for k, v in self.cleaned_data.items() if k in self.fields}
        for money in ("amount", "matching_amount"):
            if money in data and data[money] is None:
                data[money] = Decimal(0)
        return data


class AmendForm(forms.Form):
    """Re-decide a claim's amount before it is paid (services.award_amend)."""

    amount = WanField(label=_("调整后的核定金额（万元）"))
    reason = forms.CharField(
        label=_("调整理由"),
        max_length=300,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("必填，与调整前后的金额一并记入审计日志和申报的办理记录。"),
    )

    def __init__(self, *args: Any, award: Award, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.initial.setdefault("amount", award.amount)


class MilestoneForm(EditTokenMixin, forms.ModelForm):
    class Meta:
        model = Milestone
        fields = [*services.MILESTONE_FIELDS]
        widgets = {"due_on": DATE, "done_on": DATE}
        help_texts = {"done_on": _("完成日期与结果须同时填写；尚未完成的留空。")}

    def _post_clean(self) -> None:
        pass  # the service validates the model (one rule set, one place)

    def service_data(self) -> dict[str, Any]:
        return {k: v for k, v in self.cleaned_data.items() if k in self.fields}


# --- money out -----------------------------------------------------------------------------------------------


class DisbursementForm(forms.Form):
    amount = WanField(label=_("拨付金额（万元）"))
    source = forms.ChoiceField(label=_("资金来源"), choices=FundingSource.choices)
    fiscal_year = forms.IntegerField(label=_("预算年度"), min_value=1990, max_value=2100)
    paid_on = forms.DateField(label=_("拨付日期"), widget=DATE)
    voucher_no = forms.CharField(label=_("凭证号"), max_length=60, help_text=_("如 记-2026-05-031"))
    is_matching = forms.BooleanField(label=_("县配套资金"), required=False)
    tranche = forms.IntegerField(label=_("期次"), min_value=1, max_value=99)
    note = forms.CharField(label=_("备注"), max_length=300, required=False)

    def __init__(
        self, *args: Any, award: Award, today: dt.date, remaining: Decimal, next_tranche: int, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        is_claim = award.programme.kind == Programme.Kind.INCENTIVE
        if is_claim or not award.matching_amount:
            del self.fields["is_matching"]
        self.initial.update(
            amount=remaining if remaining > 0 else None,
            source=FundingSource.COUNTY if is_claim else SOURCE_OF_LEVEL.get(award.programme.level, ""),
            fiscal_year=today.year,
            paid_on=today,
            tranche=next_tranche,
        )

    def service_data(self) -> dict[str, Any]:
        data = dict(self.cleaned_data)
        data.setdefault("is_matching", False)
        return data


# --- innovation vouchers and providers -----------------------------------------------------------------------


class VoucherIssueForm(forms.Form):
    number = forms.CharField(label=_("券号"), max_length=40)
    organisation = forms.ModelChoiceField(label=_("企业"), queryset=Organisation.objects.none())
    amount = WanField(label=_("面额（万元）"))
    issued_on = forms.DateField(label=_("发放日期"), widget=DATE)
    expires_on = forms.DateField(label=_("有效期至"), widget=DATE)

    def __init__(self, *args: Any, user: Any, today: dt.date, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        enterprises = core_selectors.organisation_list(user=user, kind=Organisation.Kind.ENTERPRISE).filter(
            permissions.staff_region_filter(user, "region__code"), is_active=True
        )
        cast(forms.ModelChoiceField, self.fields["organisation"]).queryset = enterprises
        self.initial.setdefault("issued_on", today)
        self.initial.setdefault("expires_on", dt.date(today.year, 12, 31))

    def service_data(self) -> dict[str, Any]:
        return dict(self.cleaned_data)


class RedeemForm(forms.Form):
    provider = forms.ModelChoiceField(label=_("服务机构"), queryset=ServiceProvider.objects.none())
    contract_no = forms.CharField(label=_("合同编号"), max_length=60)
    contract_amount = WanField(label=_("合同金额（万元）"))
    amount = WanField(label=_("本次兑付（万元）"))
    redeemed_on = forms.DateField(label=_("兑付日期"), widget=DATE)

    def __init__(
        self,
        *args: Any,
        voucher: Voucher,
        providers: QuerySet[ServiceProvider],
        today: dt.date,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ModelChoiceField, self.fields["provider"]).queryset = providers
        self.initial.update(redeemed_on=min(today, voucher.expires_on), amount=voucher.balance)

    def service_data(self) -> dict[str, Any]:
        return dict(self.cleaned_data)


class ProviderForm(forms.ModelForm):
    class Meta:
        model = ServiceProvider
        fields = ["county", "organisation", "services", "registered_on", "is_active"]
        widgets = {"registered_on": DATE}
        help_texts = {"services": _("如 检验检测、研发设计、技术咨询。")}

    def __init__(self, *args: Any, user: Any, today: dt.date, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        counties = staff_counties(user)
        county = cast(forms.ModelChoiceField, self.fields["county"])
        county.queryset = counties
        county.empty_label = None
        if len(counties) == 1:
            county.widget = forms.HiddenInput()
            self.initial["county"] = counties[0].pk
        organisations = (
            core_selectors.organisation_list(user=user)
            .filter(permissions.staff_region_filter(user, "region__code"), is_active=True)
            .exclude(kind=Organisation.Kind.DEPARTMENT)
        )
        cast(forms.ModelChoiceField, self.fields["organisation"]).queryset = organisations
        self.initial.setdefault("registered_on", today)

    def _post_clean(self) -> None:
        pass  # the service validates the model (one rule set, one place)

    def service_data(self) -> dict[str, Any]:
        return {k: v for k, v in self.cleaned_data.items() if k in self.fields}
