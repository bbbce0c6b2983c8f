"""The annual (or quarterly, year-to-date) work summary: the bureau's prose with figure placeholders, live
until frozen; freezing snapshots every figure's value, text and evidence ids."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from kechuang.core.models import Region


class Summary(models.Model):
    class State(models.TextChoices):
        DRAFT = "draft", _("草稿（数字实时）")
        FROZEN = "frozen", _("已定稿（数字已固定）")

    county = models.ForeignKey(
        Region,
        verbose_name=_("县（市、区）"),
        on_delete=models.PROTECT,
        related_name="+",
        limit_choices_to={"level": "county"},
    )
    period_start = models.DateField(_("期间起"))
    period_end = models.DateField(_("期间止"))
    title = models.CharField(_("标题"), max_length=200)
    # {"1": "prose with {figure.key} placeholders", …, "8": …}, in DOMAIN.md's order of streams.
    sections = models.JSONField(_("正文"), default=dict)
    state = models.CharField(_("状态"), max_length=8, choices=State.choices, default=State.DRAFT)
    # At freezing: {key: {"value", "unit", "text", "label", "section", "evidence": {"model", "ids"}}}.
    snapshot = models.JSONField(default=dict, blank=True, editable=False)
    frozen_at = models.DateTimeField(_("定稿时间"), null=True, blank=True, editable=False)
    frozen_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        editable=False,
    )
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-period_end", "county_id"]
        constraints = [
            models.UniqueConstraint(
                fields=["county", "period_start", "period_end"], name="summary_period_unique"
            ),
            models.CheckConstraint(
                condition=Q(period_end__gte=models.F("period_start")), name="summary_period_order"
            ),
        ]
        verbose_name = _("工作总结")
        verbose_name_plural = _("工作总结")

    def __str__(self) -> str:
        return self.title

    @property
    def is_frozen(self) -> bool:
        return self.state == self.State.FROZEN
