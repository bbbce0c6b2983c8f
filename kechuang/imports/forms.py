"""The upload form: which register, and the file."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from .registers import REGISTERS


class UploadForm(forms.Form):
    register = forms.ChoiceField(label=_("数据表"))
    file = forms.FileField(
        label=_("Excel 文件"),
        help_text=_("请使用本页下载的模板，.xlsx 格式，不超过 20 MB。任何一行有错则整个文件不导入。"),
        widget=forms.ClearableFileInput(
            attrs={"accept": ".xlsx,application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}
        ),
    )

    def __init__(self, *args: Any, user: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["register"]
        assert isinstance(field, forms.ChoiceField)
        # Enterprises see only the registers they keep themselves (their R&D projects and expenses).
        field.choices = [
            (slug, r.label) for slug, r in REGISTERS.items() if user is None or r.may_import(user)
        ]
