"""Forms of the summary pages. They parse and present; the rules (who may write, which placeholders are
known, one summary per county and period) live in kechuang.reports.summary, whose errors the views put
back on the fields."""

from __future__ import annotations

from typing import Any

from django import forms
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from kechuang.core import edits
from kechuang.core.models import Region

from .figures import Period
from .summary import PART_KEYS, PROSE_FIELDS, part_label


class SummaryCreateForm(forms.Form):
    """A county and a period: a whole year, a quarter, or year-to-date (1–N月)."""

    SPANS = [
        ("year", _("全年")),
        ("quarter", _("季度")),
        ("ytd", _("年初至某月（1–N月）")),
    ]

    county = forms.ModelChoiceField(label=_("县（市、区）"), queryset=Region.objects.none(), empty_label=None)
    year = forms.IntegerField(label=_("年度"), min_value=2000, max_value=2100)
    span = forms.ChoiceField(label=_("期间"), choices=SPANS, initial="year", widget=forms.RadioSelect)
    quarter = forms.TypedChoiceField(
        label=_("季度"),
        coerce=int,
        required=False,
        choices=[(1, _("第一季度")), (2, _("第二季度")), (3, _("第三季度")), (4, _("第四季度"))],
    )
    month = forms.TypedChoiceField(
        label=_("截至月份"),
        coerce=int,
        required=False,
        choices=[(m, _("1–%(m)s月") % {"m": m}) for m in range(1, 13)],
        initial=9,
    )
    title = forms.CharField(
        label=_("标题"),
        max_length=200,
        required=False,
        help_text=_("留空则按“××县经信科技局××年科技工作总结”生成。"),
    )

    def __init__(self, *args: Any, counties: QuerySet[Region], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["county"].queryset = counties  # type: ignore[attr-defined]
        self.fields["year"].initial = timezone.localdate().year
        first = counties.first()
        if first is not None:
            self.fields["county"].initial = first.pk

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        year, span = data.get("year"), data.get("span")
        if year is None or not span:
            return data
        if span == "quarter":
            if not data.get("quarter"):
                self.add_error("quarter", _("请选择季度。"))
                return data
            q = data["quarter"]
            data["period"] = Period.months(year, 3 * q - 2, 3 * q)
        elif span == "ytd":
            if not data.get("month"):
                self.add_error("month", _("请选择截至月份。"))
                return data
            data["period"] = Period.months(year, 1, data["month"])
        else:
            data["period"] = Period.year_of(year)
        return data

    @property
    def period(self) -> Period:
        return self.cleaned_data["period"]


class SummaryEditForm(forms.Form):
    """The title and the prose of every part — the opening, the eight sections, the problems and the next
    steps —, `{figure.key}` placeholders as plain text (the browser editor shows them as chips and writes
    them back here before submitting)."""

    title = forms.CharField(label=_("标题"), max_length=200)

    def __init__(self, *args: Any, summary: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.summary = summary
        # What the editor showed (kechuang.core.edits): a colleague's save in between is a conflict, not lost.
        self.fields[edits.EDIT_TOKEN_FIELD] = forms.CharField(
            widget=forms.HiddenInput, required=False,
            initial=edits.token_for(summary, PROSE_FIELDS) if summary is not None else "",
        )  # fmt: skip
        for key in PART_KEYS:
            self.fields[f"section_{key}"] = forms.CharField(
                label=part_label(key),
                required=False,
                max_length=20_000,
                strip=False,
                widget=forms.Textarea(attrs={"rows": 6, "class": "editor-source"}),
            )

    @classmethod
    def initial_for(cls, title: str, sections: dict[str, str]) -> dict[str, str]:
        return {"title": title, **{f"section_{k}": sections.get(k, "") for k in PART_KEYS}}

    @property
    def loaded(self) -> edits.Loaded | None:
        token = self.data.get(edits.EDIT_TOKEN_FIELD) if self.summary is not None else None
        return edits.token_read(token, self.summary) if token else None

    def show_conflict(self, conflict: edits.EditConflict) -> None:
        """Keep what the user typed; say who saved what when; saving again then keeps the user's text."""
        self.add_error(None, conflict.messages[0])
        if "title" in conflict.fields:
            self.add_error("title", _("他人保存的当前标题：%(v)s") % {"v": conflict.obj.title})  # type: ignore[attr-defined]
        data = self.data.copy()  # type: ignore[attr-defined]
        data[edits.EDIT_TOKEN_FIELD] = edits.token_after_conflict(
            data.get(edits.EDIT_TOKEN_FIELD) or "", conflict
        )
        self.data = data

    def sections(self) -> dict[str, str]:
        """The prose of every part; a part the request did not send at all (a client posting the eight
        sections only) keeps what the summary has."""
        kept = self.summary.sections if self.summary is not None else {}
        return {
            k: (self.cleaned_data.get(f"section_{k}") or "")
            if f"section_{k}" in self.data
            else kept.get(k, "")
            for k in PART_KEYS
        }

    def section_fields(self) -> list[tuple[str, str, forms.BoundField]]:
        return [(k, part_label(k), self[f"section_{k}"]) for k in PART_KEYS]


class ReviseForm(forms.Form):
    """修订 a frozen summary: why (kept with the new version and in the audit log)."""

    reason = forms.CharField(
        label=_("修订原因"),
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("如：上级通报了更正后的统计数据。原版本保持定稿不变，新版本为草稿，数字实时。"),
        error_messages={"required": _("请填写修订原因。")},
    )
