"""Page forms. They only parse and present; rules live in the models and services."""

from __future__ import annotations

from decimal import Decimal
from typing import Any, cast

from django import forms
from django.contrib.auth import password_validation
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from . import edits, permissions, selectors, services
from .creditcode import credit_code_error, normalise_credit_code
from .models import IndustryClass, Organisation, Person, Region, Role, User

WAN = Decimal(10_000)
CENT = Decimal("0.01")
DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def wan_text(yuan: Decimal | None) -> str:
    """元 as a plain 万元 number for an input: 200000.00 → "20", 123456.78 → "12.345678"."""
    if yuan is None:
        return ""
    text = f"{yuan / WAN:f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


class WanField(forms.DecimalField):
    """An amount typed in 万元 (up to 6 decimals, i.e. exact to the 分) and cleaned to 元."""

    def __init__(self, *, label: Any, **kwargs: Any) -> None:
        kwargs.setdefault("min_value", Decimal(0))
        super().__init__(label=label, max_digits=18, decimal_places=6, **kwargs)
        self.widget.attrs.setdefault("step", "0.0001")

    def prepare_value(self, value: Any) -> Any:
        # Initial values are 元 (Decimal); what the user typed comes back as a string and stays as is.
        return wan_text(value) if isinstance(value, Decimal) else value

    def clean(self, value: Any) -> Decimal | None:  # type: ignore[override]
        wan = super().clean(value)
        return None if wan is None else (wan * WAN).quantize(CENT)


def staff_counties(user: Any) -> QuerySet[Region]:
    """The counties the user runs as bureau staff (where they may enter the county's records)."""
    return selectors.counties_for(user).filter(permissions.staff_region_filter(user, "code"))


class IndustryCodeField(forms.CharField):
    """A GB/T 4754-2017 class entered by its 4-digit code (with the name shown on the detail page)."""

    def clean(self, value: Any) -> IndustryClass | None:  # type: ignore[override]
        code = (super().clean(value) or "").strip().upper().lstrip("ABCDEFGHIJKLMNOPQRST")
        if not code:
            return None
        industry = IndustryClass.objects.filter(code=code, level=IndustryClass.Level.CLASS).first()
        if industry is None:
            raise forms.ValidationError(
                _("行业代码“%(code)s”不是 GB/T 4754-2017 的小类（四位数字）代码。") % {"code": code}
            )
        return industry

    def prepare_value(self, value: Any) -> Any:
        return value.code if isinstance(value, IndustryClass) else value


class RegionChoiceInput(forms.TextInput):
    """A division code typed or picked from a list of suggestions (the user's counties and townships, the
    provinces and cities): an organisation may be located anywhere in the country."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.suggestions: list[tuple[str, str]] = []

    def render(self, name: str, value: Any, attrs: Any = None, renderer: Any = None) -> Any:
        from django.utils.html import format_html, format_html_join

        list_id = f"{(attrs or {}).get('id') or name}-regions"
        attrs = {**(attrs or {}), "list": list_id, "autocomplete": "off"}
        options = format_html_join("", '<option value="{}">{}</option>', self.suggestions)
        return format_html(
            '{}<datalist id="{}">{}</datalist>',
            super().render(name, value, attrs, renderer),
            list_id,
            options,
        )


class RegionCodeField(forms.CharField):
    """A region of any level entered by its division code (6 or 9 digits) or its exact name."""

    widget = RegionChoiceInput

    def clean(self, value: Any) -> Region | None:  # type: ignore[override]
        text = (super().clean(value) or "").strip()
        if not text:
            return None
        if text.isdigit():
            if len(text) == 12 and text.endswith("000"):
                text = text[:9]
            if len(text) == 9 and text.endswith("000"):
                text = text[:6]
            region = Region.objects.filter(code=text).first()
            if region is None:
                raise forms.ValidationError(_("找不到区划代码 %(code)s。") % {"code": text})
            return region
        found = list(Region.objects.filter(name=text).select_related("parent")[:6])
        if not found:
            raise forms.ValidationError(
                _("找不到名为“%(name)s”的行政区划，请核对名称或改填区划代码。") % {"name": text}
            )
        if len(found) > 1:
            listed = "、".join(f"{r.parent.name if r.parent else ''}{r.name}（{r.code}）" for r in found[:5])
            raise forms.ValidationError(
                _("名称对应多个行政区划：%(list)s，请改填区划代码。") % {"list": listed}
            )
        return found[0]

    def prepare_value(self, value: Any) -> Any:
        return value.code if isinstance(value, Region) else value


class EditTokenMixin:
    """An edit form carries what it loaded (kechuang.core.edits): a signed hidden field with the values of
    its fields and the record's last audit event, computed when the form is first rendered. Works for a
    ModelForm and for a plain form that sets `self.instance`; a new record carries no token."""

    fields: dict[str, Any]
    data: Any
    # Form fields that stand for a model field of another name (e.g. tag_names → tags).
    edit_token_aliases: dict[str, str] = {}

    def _ensure_token_field(self) -> None:
        # Added when the form is first rendered or validated, i.e. after the subclass's __init__ has settled
        # its fields (some rebuild or prune self.fields there).
        if edits.EDIT_TOKEN_FIELD not in self.fields:
            self.fields[edits.EDIT_TOKEN_FIELD] = forms.CharField(
                widget=forms.HiddenInput, required=False, initial=self._edit_token
            )

    def hidden_fields(self) -> list[Any]:
        self._ensure_token_field()
        return super().hidden_fields()  # type: ignore[misc]

    def __iter__(self) -> Any:
        self._ensure_token_field()
        return super().__iter__()  # type: ignore[misc]

    def _edited(self) -> Any:
        instance = getattr(self, "instance", None)
        return instance if instance is not None and instance.pk else None

    def _edit_token(self) -> str:
        instance = self._edited()
        if instance is None:
            return ""
        names = [self.edit_token_aliases.get(n, n) for n in self.fields if n != edits.EDIT_TOKEN_FIELD]
        return edits.token_for(instance, names)

    def full_clean(self) -> None:
        self._ensure_token_field()
        super().full_clean()  # type: ignore[misc]
        if hasattr(self, "cleaned_data"):
            self.cleaned_data.pop(edits.EDIT_TOKEN_FIELD, None)  # for the service: not a field of the record

    @property
    def loaded(self) -> edits.Loaded | None:
        """What the form showed when it was opened; None for a new record or a post without a token."""
        instance = self._edited()
        token = self.data.get(edits.EDIT_TOKEN_FIELD) if instance is not None else None
        return edits.token_read(token, instance) if token else None

    def show_conflict(self, conflict: edits.EditConflict) -> None:
        """Keep what the user typed, name the current value on each conflicting field, show the fields others
        changed meanwhile (that this user left alone) at their current values, and carry a token under which
        saving again keeps the user's values and nobody else's change is undone."""
        add_error = self.add_error  # type: ignore[attr-defined]
        add_error(None, conflict.messages[0])
        reverse_aliases = {v: k for k, v in self.edit_token_aliases.items()}
        for name in conflict.fields:
            target = reverse_aliases.get(name, name)
            current = edits.display(conflict.obj, name) or _("（空）")
            message = _("他人保存的当前值：%(v)s。再次保存将以您填写的内容为准。") % {"v": current}
            add_error(target if target in self.fields else None, message)
        token = self.data.get(edits.EDIT_TOKEN_FIELD) or ""
        self.data = self.data.copy()
        others = [n for n in edits.changed_since(token, conflict.obj) if n not in conflict.fields]
        refreshed = [n for n in others if self._show_current(conflict.obj, n)]
        kept = [n for n in others if n not in refreshed]
        if refreshed:
            add_error(
                None,
                _("他人同时修改的%(f)s已显示为最新内容。")
                % {"f": "、".join(edits.label(conflict.obj, n) for n in refreshed)},
            )
        if kept:
            add_error(
                None,
                _("他人同时修改了%(f)s（现为：%(v)s），保存时将保留他人的修改。")
                % {
                    "f": "、".join(edits.label(conflict.obj, n) for n in kept),
                    "v": "；".join(edits.display(conflict.obj, n) or str(_("（空）")) for n in kept),
                },
            )
        self.data[edits.EDIT_TOKEN_FIELD] = edits.token_after_conflict(token, conflict, refreshed)

    def _show_current(self, obj: Any, name: str) -> bool:
        """Put a model field's current value in the bound data, where the form field is the model's own
        (a ModelForm field of that name, no unit conversion); say whether it could."""
        if not isinstance(self, forms.BaseModelForm) or name not in self.fields:
            return False
        if obj._meta.get_field(name).many_to_many:
            return False
        value = forms.models.model_to_dict(obj, fields=[name]).get(name)
        if isinstance(self.fields[name].widget, forms.CheckboxInput):
            if value:
                self.data[name] = "on"
            else:
                self.data.pop(name, None)
        else:
            self.data[name] = "" if value is None else str(value)
        return True


class OrganisationForm(EditTokenMixin, forms.ModelForm):
    industry = IndustryCodeField(
        label=_("行业代码（小类）"), required=False, max_length=5, help_text=_("如 3985（电子专用材料制造）")
    )

    region = RegionCodeField(
        label=_("所在地"),
        max_length=12,
        help_text=_(
            "单位实际所在地的区划代码或准确名称：本县的乡镇（街道），或县外的省、市、县（市、区），"
            "如高校、科研院所、上级主管部门、外地企业。"
        ),
    )

    class Meta:
        model = Organisation
        fields = [*services.ORGANISATION_FIELDS]
        widgets = {"established_on": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")}

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        region_widget = cast(RegionChoiceInput, self.fields["region"].widget)
        region_widget.suggestions = [
            (r.code, ("　" if r.level == "township" else "") + r.name) for r in selectors.townships_for(user)
        ] + [
            (r.code, r.full_name)
            for r in Region.objects.filter(level__in=("province", "city")).select_related("parent")
        ]
        county = cast(forms.ModelChoiceField, self.fields["county"])
        county.queryset = staff_counties(user)
        county.required = False
        county.help_text = _(
            "留空时记入所在地所在的县；所在地为省、市的记入您所在的县。县外单位（如位于杭州市西湖区的"
            "浙江大学）请选择本县。"
        )
        if self.instance.pk and self.instance.industry_id:
            self.initial["industry"] = self.instance.industry_id
        # An enterprise or department keeps its profile; who it is (code, legacy-code reason, kind,
        # location, register, validity) only county staff set. The service refuses the same fields.
        county_staff = (
            permissions.can_write_organisation(user, self.instance)
            if self.instance.pk
            else permissions.has_role(user, Role.STAFF)
        )
        if not county_staff:
            for field in services.PROTECTED_ORGANISATION_FIELDS:
                self.fields.pop(field.removesuffix("_id"), None)

    def clean_credit_code(self) -> str:
        code = normalise_credit_code(self.cleaned_data.get("credit_code"))
        error = credit_code_error(code)
        if error and not (self.data.get("credit_code_exception") or "").strip():
            raise forms.ValidationError(error)
        return code

    def _post_clean(self) -> None:
        # The model is validated again by the service; skip the ModelForm's own pass to keep one rule set.
        pass

    def service_data(self) -> dict[str, Any]:
        data = {k: v for k, v in self.cleaned_data.items() if k in self.fields}
        if "county" in data and data["county"] is None:
            # Left blank: kept as it is, or for a new record the service picks the register
            # (organisation_default_county).
            del data["county"]
        return data


class PersonForm(EditTokenMixin, forms.ModelForm):
    edit_token_aliases = {"tag_names": "tags"}

    tag_names = forms.CharField(label=_("专业标签"), required=False, help_text=_("多个标签用逗号或顿号分隔"))

    class Meta:
        model = Person
        fields = [*services.PERSON_FIELDS]
        widgets = {"specialties": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ModelChoiceField, self.fields["county"]).queryset = selectors.counties_for(user)
        cast(forms.ModelChoiceField, self.fields["organisation"]).queryset = selectors.organisation_list(
            user=user
        )
        if self.instance.pk:
            self.initial["tag_names"] = "、".join(t.name for t in self.instance.tags.all())
            if not permissions.can_see_contacts(user, self.instance):
                del self.fields["phone"], self.fields["landline"], self.fields["email"]

    def _post_clean(self) -> None:
        pass

    def service_data(self) -> dict[str, Any]:
        data = {k: v for k, v in self.cleaned_data.items() if k in self.fields and k != "tag_names"}
        raw = self.cleaned_data.get("tag_names") or ""
        data["tags"] = [t for t in raw.replace("，", ",").replace("、", ",").split(",") if t.strip()]
        return data


class SignupForm(forms.Form):
    organisation_name = forms.CharField(label=_("企业名称"), max_length=100)
    credit_code = forms.CharField(label=_("统一社会信用代码"), max_length=30)
    region = forms.ModelChoiceField(label=_("所在县（市、区）"), queryset=Region.objects.none())
    full_name = forms.CharField(label=_("联系人姓名"), max_length=50)
    phone = forms.CharField(label=_("手机"), max_length=20)
    email = forms.EmailField(label=_("电子邮箱"), required=False)
    username = forms.CharField(label=_("登录账号"), max_length=150)
    password1 = forms.CharField(
        label=_("密码"),
        widget=forms.PasswordInput,
        help_text=password_validation.password_validators_help_text_html(),
    )
    password2 = forms.CharField(label=_("确认密码"), widget=forms.PasswordInput)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        counties = Region.objects.filter(level="county", code__startswith="33").order_by("code")
        cast(forms.ModelChoiceField, self.fields["region"]).queryset = counties

    def clean_credit_code(self) -> str:
        code = normalise_credit_code(self.cleaned_data["credit_code"])
        error = credit_code_error(code)
        if error:
            raise forms.ValidationError(error)
        return code

    def clean_username(self) -> str:
        username = self.cleaned_data["username"]
        if User.objects.filter(username=username).exists():
            raise forms.ValidationError(_("该账号已被使用。"))
        return username

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("password1") and data.get("password1") != data.get("password2"):
            self.add_error("password2", _("两次输入的密码不一致。"))
        return data


class AuditFilterForm(forms.Form):
    username = forms.CharField(label=_("账号"), required=False)
    action = forms.CharField(label=_("操作"), required=False)
    object_type = forms.CharField(label=_("对象类型"), required=False)
    result = forms.ChoiceField(
        label=_("结果"),
        required=False,
        choices=[("", _("全部")), ("ok", _("成功")), ("denied", _("拒绝")), ("failed", _("失败"))],
    )
    start = forms.DateField(
        label=_("起始日期"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    end = forms.DateField(label=_("截止日期"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
