"""Forms of the 三员分立 pages (accounts, role-grant requests). The services check every rule again."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from .creditcode import normalise_credit_code
from .models import (
    BUSINESS_ROLES,
    ORGANISATION_ROLES,
    PERSON_ROLES,
    REGION_ROLES,
    Organisation,
    Person,
    Region,
    Role,
    User,
    phone_validator,
)


class AccountCreateForm(forms.Form):
    username = forms.RegexField(
        label=_("登录账号"),
        max_length=150,
        regex=r"^[\w.@+-]+$",
        error_messages={"invalid": _("登录账号只能包含字母、数字和 @ . + - _。")},
    )
    full_name = forms.CharField(label=_("姓名"), max_length=50)
    phone = forms.CharField(label=_("手机"), max_length=20, required=False, validators=[phone_validator])
    email = forms.EmailField(label=_("电子邮箱"), required=False)

    def clean_username(self) -> str:
        username = self.cleaned_data["username"].strip()
        if User.objects.filter(username__iexact=username).exists():
            raise forms.ValidationError(_("该登录账号已存在。"))
        return username


class RoleRequestForm(forms.Form):
    username = forms.CharField(label=_("被授权账号"), max_length=150)
    role = forms.ChoiceField(
        label=_("角色"), choices=[("", "---------"), *[(r.value, r.label) for r in BUSINESS_ROLES]]
    )
    region = forms.CharField(
        label=_("管辖区域代码"),
        max_length=9,
        required=False,
        help_text=_("科技管理科、局领导填县级代码（如 330824），市级、省级填市、省代码。"),
    )
    organisation = forms.CharField(
        label=_("所属单位统一社会信用代码"),
        max_length=18,
        required=False,
        help_text=_("企业用户、县级部门填写。"),
    )
    person = forms.IntegerField(
        label=_("人员档案编号"), required=False, min_value=1, help_text=_("专家、科技特派员填写。")
    )
    reason = forms.CharField(
        label=_("申请理由"),
        max_length=200,
        widget=forms.TextInput(attrs={"placeholder": _("如：新任科技管理科科员，依据局党组会议纪要")}),
    )

    def clean_username(self) -> User:
        user = User.objects.filter(username=self.cleaned_data["username"].strip()).first()
        if user is None:
            raise forms.ValidationError(_("没有这个账号：请先请系统管理员创建账号。"))
        return user

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if not data.get("role"):
            return data
        role = Role(data["role"])
        scope: dict[str, Any] = {"region": None, "organisation": None, "person": None}
        code = (data.get("region") or "").strip()
        if role in REGION_ROLES:
            scope["region"] = Region.objects.filter(code=code).first()
            if scope["region"] is None:
                self.add_error("region", _("请填写行政区划表中已有的区划代码。"))
        credit = normalise_credit_code(data.get("organisation") or "")
        if role in ORGANISATION_ROLES:
            scope["organisation"] = Organisation.objects.filter(credit_code=credit).first()
            if scope["organisation"] is None:
                self.add_error("organisation", _("未找到该统一社会信用代码的单位。"))
        if role in PERSON_ROLES:
            scope["person"] = Person.objects.filter(pk=data.get("person") or 0).first()
            if scope["person"] is None:
                self.add_error("person", _("未找到该人员档案。"))
        data["scope"] = scope
        return data
