"""The 补录 form: one past claim, decided and paid, entered with its original dates and documents. It
only parses; backfill.paid_claim_backfill holds the rules (dates before today, the cap, the 文号)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from kechuang.core import permissions
from kechuang.core.creditcode import normalise_credit_code
from kechuang.core.forms import DATE, WanField, staff_counties
from kechuang.core.models import Organisation

from .models import FundingSource, Programme


class PaidClaimForm(forms.Form):
    organisation = forms.CharField(
        label=_("统一社会信用代码"), max_length=30, help_text=_("获得奖励的企业（已在“企业与机构”中登记）。")
    )
    programme = forms.ModelChoiceField(label=_("项目类别"), queryset=Programme.objects.none())
    year = forms.IntegerField(
        label=_("年度"), min_value=1990, max_value=2100, help_text=_("申报（兑现）年度。")
    )
    call = forms.CharField(
        label=_("批次"), max_length=100, required=False,
        help_text=_("该年度有多个批次时填写；没有批次时系统建立“某年（补录）”批次。"),
    )  # fmt: skip
    achievement = forms.CharField(
        label=_("奖励事项"), max_length=200, help_text=_("政策文件中的奖励事项，须与已登记的奖励条款一致。")
    )
    decided_amount = WanField(label=_("核定金额（万元）"))
    decision_reference = forms.CharField(
        label=_("核定文号"), max_length=60, help_text=_("如 开经信〔2019〕56号。")
    )
    decided_on = forms.DateField(label=_("核定日期"), widget=DATE)
    paid_amount = WanField(label=_("兑现金额（万元）"), help_text=_("不超过核定金额。"))
    paid_on = forms.DateField(label=_("兑现日期"), widget=DATE)
    source = forms.ChoiceField(
        label=_("资金来源"), choices=FundingSource.choices, initial=FundingSource.COUNTY
    )
    voucher_no = forms.CharField(
        label=_("凭证号"), max_length=60, required=False, help_text=_("留空为核定文号。")
    )
    notice_reference = forms.CharField(
        label=_("公示文号"), max_length=60, required=False, help_text=_("兑现前公示的文号（如有）。")
    )
    notice_published_on = forms.DateField(
        label=_("公示开始日期"), widget=DATE, required=False, help_text=_("填写公示文号时必填。")
    )

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.user = user
        field = self.fields["programme"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = Programme.objects.filter(
            kind=Programme.Kind.INCENTIVE, county__in=staff_counties(user)
        ).order_by("county_id", "name")

    def clean_organisation(self) -> Organisation:
        code = normalise_credit_code(self.cleaned_data["organisation"])
        found = Organisation.objects.filter(
            permissions.organisation_filter(self.user, for_change=True), credit_code=code
        ).first()
        if found is None:
            raise forms.ValidationError(_("未找到该统一社会信用代码的企业，或不在您管辖的县内。"))
        return found

    def service_data(self) -> dict[str, Any]:
        return {**self.cleaned_data}
