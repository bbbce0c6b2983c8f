"""The annual (or quarterly, year-to-date) work summary: the bureau's prose with figure placeholders, live
until frozen; freezing snapshots every figure's value, text and evidence ids.

A frozen summary never changes. It is corrected by a revision ("修订"): version N+1 of the same county and
period, a draft again (prose copied, figures live) until it is frozen in turn, while version N stays frozen
and comparable. One county and period has at most one draft, always its latest version."""

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

    froze_with: list[str]  # set by summary_freeze: the warnings it froze with (also in the audit event)

    county = models.ForeignKey(
        Region,
        verbose_name=_("县（市、区）"),
        on_delete=models.PROTECT,
        related_name="+",
        limit_choices_to={"level": "county"},
    )
    period_start = models.DateField(_("期间起"))
    period_end = models.DateField(_("期间止"))
    version = models.PositiveSmallIntegerField(_("版本"), default=1, editable=False)
    # The frozen version this one revises, and why (empty for version 1).
    revises = models.OneToOneField(
        "self",
        verbose_name=_("修订自"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="revised_by",
        editable=False,
    )
    revision_reason = models.CharField(_("修订原因"), max_length=500, blank=True, editable=False)
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
        ordering = ["-period_end", "county_id", "-version"]
        constraints = [
            models.UniqueConstraint(
                fields=["county", "period_start", "period_end", "version"], name="summary_version_unique"
            ),
            # One draft per county and period: a revision is opened only from the latest frozen version.
            models.UniqueConstraint(
                fields=["county", "period_start", "period_end"],
                condition=Q(state="draft"),
                name="summary_one_draft",
            ),
            models.CheckConstraint(
                condition=Q(period_end__gte=models.F("period_start")), name="summary_period_order"
            ),
            models.CheckConstraint(condition=Q(version__gte=1), name="summary_version_positive"),
            # Frozen means fixed by someone at a time; a draft has neither.
            models.CheckConstraint(
                condition=Q(state="draft", frozen_at__isnull=True, frozen_by__isnull=True)
                | Q(state="frozen", frozen_at__isnull=False, frozen_by__isnull=False),
                name="summary_frozen_by_someone",
            ),
            # A revision names the version it revises and why; version 1 revises nothing.
            models.CheckConstraint(
                condition=Q(version=1, revises__isnull=True) | Q(version__gt=1, revises__isnull=False),
                name="summary_revision_has_origin",
            ),
        ]
        verbose_name = _("工作总结")
        verbose_name_plural = _("工作总结")

    def __str__(self) -> str:
        return self.title if self.version == 1 else f"{self.title}（{self.version_label}）"

    @property
    def version_label(self) -> str:
        return str(_("第%(n)s版")) % {"n": self.version}

    @property
    def is_frozen(self) -> bool:
        return self.state == self.State.FROZEN
