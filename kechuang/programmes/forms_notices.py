"""Forms of the notice (公示), objection, coaching-log and reminder-channel pages. They only parse and
present; the rules live in the models and services, whose errors the views put back on the fields."""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from kechuang.core.forms import EditTokenMixin
from kechuang.core.models import Organisation, Region

from .models import Application, Call, Objection, Programme, PublicNotice, ReminderChannel, ServiceLog

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")

DEFAULT_BODY = {
    PublicNotice.Purpose.PAYMENT: _(
        "根据有关政策规定，经企业申报、县经信科技局审核，拟对以下单位兑现科技创新政策奖励资金，"
        "现将名单予以公示。"
    ),
    PublicNotice.Purpose.RECOMMENDATION: _(
        "根据有关申报通知要求，经单位申报、县经信科技局审核，拟推荐以下单位（人）上报，现将名单予以公示。"
    ),
}


def default_title(purpose: str, call: Call | None) -> str:
    """A first draft of the title, which staff edit: 关于<programme>…名单的公示."""
    name = str(call.programme.name) if call is not None else ""
    if purpose == PublicNotice.Purpose.PAYMENT:
        if not name:
            return str(_("关于科技创新政策奖励资金兑现名单的公示"))
        if "兑现" in name:
            return str(_("关于%(w)s名单的公示")) % {"w": name}
        return str(_("关于%(w)s资金兑现名单的公示")) % {"w": name}
    if not name:
        return str(_("关于拟推荐上报名单的公示"))
    return str(_("关于%(w)s拟推荐名单的公示")) % {"w": name}


class ApplicationChoices(forms.ModelMultipleChoiceField):
    widget = forms.CheckboxSelectMultiple

    def label_from_instance(self, obj: Any) -> str:
        return str(obj)


class NoticeForm(forms.Form):
    """The notice and the applications it lists. `purpose` and `call` also filter the candidates."""

    county = forms.ModelChoiceField(label=_("所属县"), queryset=Region.objects.none(), empty_label=None)
    purpose = forms.ChoiceField(label=_("公示事项"), choices=PublicNotice.Purpose.choices)
    call = forms.ModelChoiceField(
        label=_("申报批次"), queryset=Call.objects.none(), required=False, empty_label=_("全部批次")
    )
    title = forms.CharField(label=_("公示标题"), max_length=200)
    body = forms.CharField(
        label=_("公示说明"),
        widget=forms.Textarea(attrs={"rows": 4}),
        required=False,
        help_text=_("公示的正文；每行一段。"),
    )
    published_on = forms.DateField(
        label=_("公示开始"),
        widget=DATE,
        help_text=_(
            "公示期自发布之时起算：开始日期不能早于今天（早于今天的将被拒绝，不会自动改期），"
            "可以选择以后的日期；以往已发布的公示请用“补录”登记。"
        ),
    )
    working_days = forms.IntegerField(
        label=_("公示期（工作日）"),
        min_value=1,
        max_value=30,
        initial=5,
        help_text=_("按工作日计算，自动跳过周末和法定节假日，计入调休上班日。"),
    )
    contact = forms.CharField(
        label=_("异议受理联系方式"),
        max_length=200,
        required=False,
        help_text=_("如 县经信科技局科技管理科，电话 0570-0000000"),
    )
    applications = ApplicationChoices(label=_("公示名单"), queryset=Application.objects.none())

    def __init__(
        self,
        *args: Any,
        counties: QuerySet[Region],
        calls: QuerySet[Call],
        candidates: QuerySet[Application],
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        county = cast(forms.ModelChoiceField, self.fields["county"])
        county.queryset = counties
        if len(counties) == 1:
            county.widget = forms.HiddenInput()
            self.initial.setdefault("county", counties[0].pk)
        cast(forms.ModelChoiceField, self.fields["call"]).queryset = calls
        cast(forms.ModelMultipleChoiceField, self.fields["applications"]).queryset = candidates
        today = timezone.localdate()
        self.initial.setdefault("published_on", today)
        self.initial.setdefault("working_days", 5)
        self.fields["published_on"].widget.attrs["min"] = today.isoformat()

    def service_data(self) -> dict[str, Any]:
        d = self.cleaned_data
        return {
            "county": d["county"],
            "title": d["title"].strip(),
            "purpose": d["purpose"],
            "body": d.get("body", "").strip(),
            "published_on": d["published_on"],
            "working_days": d["working_days"],
            "contact": d.get("contact", "").strip(),
        }


class NoticeWithdrawForm(forms.Form):
    reason = forms.CharField(
        label=_("撤回理由"),
        max_length=300,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("记入审计日志。撤回后名单中的申报回到公示前的状态，可列入新的公示。"),
    )


class ObjectionForm(forms.ModelForm):
    class Meta:
        model = Objection
        fields = ["application", "received_on", "raised_by", "content"]
        widgets = {"received_on": DATE, "content": forms.Textarea(attrs={"rows": 4})}
        help_texts = {"raised_by": _("实名反映的，填写姓名或单位；匿名的可留空。")}

    def __init__(
        self, *args: Any, notice: PublicNotice, applications: QuerySet[Application], **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        field = cast(forms.ModelChoiceField, self.fields["application"])
        field.queryset = applications
        field.empty_label = _("（针对整份公示）")
        self.initial.setdefault("received_on", timezone.localdate())

    def _post_clean(self) -> None:
        pass  # the service validates the model

    def service_data(self) -> dict[str, Any]:
        return {k: v for k, v in self.cleaned_data.items() if k in self.fields}


class ObjectionResolveForm(forms.Form):
    upheld = forms.TypedChoiceField(
        label=_("核查结论"),
        choices=[("no", _("异议不成立")), ("yes", _("异议成立"))],
        coerce=lambda v: v == "yes",
        widget=forms.RadioSelect,
    )
    resolution = forms.CharField(label=_("处理结果"), widget=forms.Textarea(attrs={"rows": 3}))


class ServiceLogForm(forms.ModelForm):
    class Meta:
        model = ServiceLog
        fields = ["organisation", "date", "channel", "programme", "topic", "follow_up"]
        widgets = {
            "date": DATE,
            "topic": forms.Textarea(attrs={"rows": 3}),
            "follow_up": forms.Textarea(attrs={"rows": 2}),
        }
        help_texts = {
            "topic": _("如 高新技术企业申报辅导、研发费用归集政策解读。"),
            "follow_up": _("下一步安排，如 5月底前上门核对研发台账。"),
        }

    def __init__(
        self,
        *args: Any,
        organisations: QuerySet[Organisation],
        programmes: QuerySet[Programme],
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ModelChoiceField, self.fields["organisation"]).queryset = organisations
        cast(forms.ChoiceField, self.fields["channel"]).choices = ServiceLog.Channel.choices
        programme = cast(forms.ModelChoiceField, self.fields["programme"])
        programme.queryset = programmes
        programme.empty_label = _("（不涉及具体项目）")
        self.initial.setdefault("date", timezone.localdate())

    def _post_clean(self) -> None:
        pass

    def service_data(self) -> dict[str, Any]:
        return {k: v for k, v in self.cleaned_data.items() if k in self.fields}


class ReminderChannelForm(EditTokenMixin, forms.ModelForm):
    class Meta:
        model = ReminderChannel
        fields = ["county", "kind", "target", "is_active"]
        help_texts = {
            "target": _(
                "电子邮箱，或群机器人的 Webhook 地址（企业微信：群设置→群机器人→Webhook 地址；"
                "钉钉：群设置→智能群助手→自定义机器人）。"
            )
        }

    def __init__(self, *args: Any, counties: QuerySet[Region], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["kind"]).choices = ReminderChannel.Kind.choices
        if self.instance.pk:
            del self.fields["county"]  # a channel stays in its county
            return
        county = cast(forms.ModelChoiceField, self.fields["county"])
        county.queryset = counties
        county.empty_label = None
        if len(counties) == 1:
            county.widget = forms.HiddenInput()
            self.initial.setdefault("county", counties[0].pk)
        self.initial.setdefault("is_active", True)

    def _post_clean(self) -> None:
        pass

    def service_data(self) -> dict[str, Any]:
        return {k: v for k, v in self.cleaned_data.items() if k in self.fields}
