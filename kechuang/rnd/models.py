"""R&D input (DOMAIN.md stream 4): enterprises' R&D projects and their monthly expense collection
(研发费用归集) with the super-deduction rate table; periodic enterprise statistics; county macro data,
official figures and targets; precomputed county indicators with their ranks; statistical returns and
who owes them.

Money is in 元 (Decimal). Shares and growth rates are fractions (0.0235 = 2.35%), rounded half-up to
four places, the precision the provincial monitoring report publishes (two places of a percentage)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from kechuang.core.models import Organisation, Region

ZERO = Decimal("0")
COUNTY_ONLY = {"level": "county"}
YEARS = [MinValueValidator(2000), MaxValueValidator(2100)]


def _money(label: Any, **kwargs: Any) -> models.DecimalField:
    return models.DecimalField(label, max_digits=18, decimal_places=2, **kwargs)


def _non_negative(field: str, name: str) -> models.CheckConstraint:
    return models.CheckConstraint(condition=Q(**{f"{field}__gte": 0}), name=name)


# --- super-deduction --------------------------------------------------------------------------------------


class DeductionRate(models.Model):
    """One row of the super-deduction (研发费用加计扣除) rate table. An enterprise's rate for a month is
    the highest rate among the rows that apply to it on that month's first day: the table is data, so a
    new announcement is a new row, not a code change."""

    class AppliesTo(models.TextChoices):
        ALL = "all", _("一般企业")
        MANUFACTURING = "manufacturing", _("制造业企业")
        TECH_SME = "tech_sme", _("科技型中小企业")

    applies_to = models.CharField(_("适用企业"), max_length=14, choices=AppliesTo.choices)
    valid_from = models.DateField(_("起始日期"))
    valid_until = models.DateField(_("截止日期"), null=True, blank=True, help_text=_("留空表示长期有效。"))
    rate = models.DecimalField(
        _("加计扣除比例"),
        max_digits=5,
        decimal_places=4,
        validators=[MinValueValidator(ZERO), MaxValueValidator(Decimal("2"))],
        help_text=_("以小数表示，如 1.0000 即 100%。"),
    )
    basis = models.CharField(_("政策依据"), max_length=100)
    note = models.CharField(_("说明"), max_length=300, blank=True)

    class Meta:
        ordering = ["valid_from", "applies_to"]
        verbose_name = _("加计扣除比例")
        verbose_name_plural = _("加计扣除比例表")

    def __str__(self) -> str:
        return f"{self.get_applies_to_display()} {self.rate:%} {self.basis}"

    def clean(self) -> None:
        if self.valid_from and self.valid_until and self.valid_until < self.valid_from:
            raise ValidationError({"valid_until": _("截止日期不能早于起始日期。")})


# --- enterprise R&D projects and expense collection ----------------------------------------------------


class RndProject(models.Model):
    class Kind(models.TextChoices):
        OWN = "own", _("自主研发")
        COMMISSIONED = "commissioned", _("委托研发")
        COOPERATIVE = "cooperative", _("合作研发")
        COLLECTIVE = "collective", _("集中研发")

    county = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="+", editable=False)
    organisation = models.ForeignKey(
        Organisation, verbose_name=_("企业"), on_delete=models.PROTECT, related_name="rnd_projects"
    )
    code = models.CharField(_("项目编号"), max_length=30, help_text=_("企业内部编号，如 RD2025-01。"))
    title = models.CharField(_("项目名称"), max_length=100)
    kind = models.CharField(_("研发形式"), max_length=14, choices=Kind.choices, default=Kind.OWN)
    starts_on = models.DateField(_("开始日期"))
    ends_on = models.DateField(_("结束日期"))
    budget = _money(_("预算（元）"), default=ZERO)
    staff = models.PositiveIntegerField(_("研发人员（人）"), default=0)
    summary = models.TextField(_("主要内容"), blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["organisation", "-starts_on", "code"]
        constraints = [
            models.UniqueConstraint(fields=["organisation", "code"], name="rnd_project_code_unique"),
            _non_negative("budget", "rnd_project_budget_non_negative"),
        ]
        verbose_name = _("研发项目")
        verbose_name_plural = _("研发项目")

    def __str__(self) -> str:
        return f"{self.code} {self.title}"

    def clean(self) -> None:
        if self.starts_on and self.ends_on and self.ends_on < self.starts_on:
            raise ValidationError({"ends_on": _("结束日期不能早于开始日期。")})
        if self.organisation_id:
            self.county_id = self.organisation.county_id  # the register holding the enterprise
            _require_local(self.organisation)

    def covers(self, year: int, month: int) -> bool:
        first = dt.date(year, month, 1)
        return self.starts_on.replace(day=1) <= first <= self.ends_on


EXPENSE_CATEGORIES = (
    ("personnel", _("人员人工费用")),
    ("direct", _("直接投入费用")),
    ("depreciation", _("折旧费用")),
    ("amortisation", _("无形资产摊销")),
    ("design", _("新产品设计费等")),
    ("other", _("其他相关费用")),
)


class RndExpense(models.Model):
    """One project's R&D expenses of one month, in the six categories of the super-deduction."""

    CATEGORIES = EXPENSE_CATEGORIES
    project = models.ForeignKey(RndProject, on_delete=models.CASCADE, related_name="expenses")
    year = models.PositiveSmallIntegerField(_("年度"), validators=YEARS)
    month = models.PositiveSmallIntegerField(
        _("月份"), validators=[MinValueValidator(1), MaxValueValidator(12)]
    )
    personnel = _money(_("人员人工费用"), default=ZERO)
    direct = _money(_("直接投入费用"), default=ZERO)
    depreciation = _money(_("折旧费用"), default=ZERO)
    amortisation = _money(_("无形资产摊销"), default=ZERO)
    design = _money(_("新产品设计费等"), default=ZERO)
    other = _money(_("其他相关费用"), default=ZERO)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["project", "year", "month"]
        constraints = [
            models.UniqueConstraint(fields=["project", "year", "month"], name="rnd_expense_month_unique"),
            *[_non_negative(name, f"rnd_expense_{name}_non_negative") for name, _label in EXPENSE_CATEGORIES],
        ]
        verbose_name = _("研发费用归集")
        verbose_name_plural = _("研发费用归集")

    def __str__(self) -> str:
        return f"{self.project} {self.year}年{self.month}月"

    def clean(self) -> None:
        for name, label in self.CATEGORIES:
            value = getattr(self, name)
            if value is not None and value < 0:
                raise ValidationError({name: _("%(label)s不能为负数。") % {"label": label}})
        if (
            self.project_id
            and self.year
            and self.month
            and 1 <= self.month <= 12
            and not self.project.covers(self.year, self.month)
        ):
            raise ValidationError(
                _("%(y)d年%(m)d月不在项目起止期间（%(s)s 至 %(e)s）内。")
                % {"y": self.year, "m": self.month, "s": self.project.starts_on, "e": self.project.ends_on}
            )

    @property
    def five(self) -> Decimal:
        """The five categories other than 其他相关费用 (the base of its cap)."""
        return self.personnel + self.direct + self.depreciation + self.amortisation + self.design

    @property
    def total(self) -> Decimal:
        return self.five + self.other


# --- enterprise statistics, county macro data, official figures, targets ------------------------------


class Frequency(models.TextChoices):
    MONTH = "month", _("月报")
    QUARTER = "quarter", _("季报")
    YEAR = "year", _("年报")


STAT_AMOUNTS = ("rd_expenditure", "revenue", "industrial_output", "value_added", "high_tech_value_added")


class EnterpriseStat(models.Model):
    """An enterprise's figures for one period (a month, a quarter or a year) as reported on its
    statistical return. Amounts are those of the period itself, not cumulative: year-to-date figures are
    sums of the periods inside the span."""

    county = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="+", editable=False)
    organisation = models.ForeignKey(
        Organisation, verbose_name=_("企业"), on_delete=models.PROTECT, related_name="statistics"
    )
    year = models.PositiveSmallIntegerField(_("年度"), validators=YEARS)
    frequency = models.CharField(_("报告期类型"), max_length=8, choices=Frequency.choices)
    number = models.PositiveSmallIntegerField(
        _("期别"), help_text=_("月报填月份 1–12，季报填季度 1–4，年报填 0。")
    )
    first_month = models.PositiveSmallIntegerField(editable=False)
    last_month = models.PositiveSmallIntegerField(editable=False, db_index=True)
    rd_expenditure = _money(_("R&D经费内部支出（元）"), default=ZERO)
    revenue = _money(_("营业收入（元）"), default=ZERO)
    industrial_output = _money(_("工业总产值（元）"), default=ZERO)
    value_added = _money(_("工业增加值（元）"), default=ZERO)
    high_tech_value_added = _money(_("高新技术产业增加值（元）"), default=ZERO)
    employees = models.PositiveIntegerField(_("从业人员（人）"), default=0)
    rd_staff = models.PositiveIntegerField(_("R&D人员（人）"), default=0)
    updated_at = models.DateTimeField(auto_now=True)

    AMOUNTS = STAT_AMOUNTS

    class Meta:
        ordering = ["organisation", "year", "last_month"]
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "year", "frequency", "number"], name="enterprise_stat_period_unique"
            ),
            *[_non_negative(name, f"enterprise_stat_{name}_non_negative") for name in STAT_AMOUNTS],
        ]
        indexes = [models.Index(fields=["county", "year", "last_month"])]
        verbose_name = _("企业统计数据")
        verbose_name_plural = _("企业统计数据")

    def __str__(self) -> str:
        return f"{self.organisation} {self.period_label}"

    @staticmethod
    def span(frequency: str, number: int) -> tuple[int, int] | None:
        """(first month, last month) of a period, or None when the number does not fit the frequency."""
        if frequency == Frequency.MONTH and 1 <= number <= 12:
            return number, number
        if frequency == Frequency.QUARTER and 1 <= number <= 4:
            return 3 * number - 2, 3 * number
        if frequency == Frequency.YEAR and number == 0:
            return 1, 12
        return None

    @property
    def period_label(self) -> str:
        return self.label_of(self.year, self.frequency, self.number)

    @staticmethod
    def label_of(year: int, frequency: str, number: int) -> str:
        if frequency == Frequency.MONTH:
            return f"{year}年{number}月"
        if frequency == Frequency.QUARTER:
            return f"{year}年第{number}季度"
        return f"{year}年"

    def clean(self) -> None:
        span = self.span(self.frequency, self.number) if self.frequency and self.number is not None else None
        if span is None:
            raise ValidationError({"number": _("期别与报告期类型不符：月报填 1–12，季报填 1–4，年报填 0。")})
        self.first_month, self.last_month = span
        if self.organisation_id:
            self.county_id = self.organisation.county_id  # the register holding the enterprise
            _require_local(self.organisation)


def outsider_error(organisation: Organisation) -> str:
    return _("“%(o)s”是县外单位（位于%(r)s），其研发数据不计入本县统计。") % {
        "o": organisation.name,
        "r": organisation.region,
    }


def _require_local(organisation: Organisation) -> None:
    """R&D projects and statistics are the county's own enterprises': a partner registered elsewhere
    (a university, an enterprise in another county) has none here, whichever path enters them."""
    if not organisation.is_local:
        raise ValidationError({"organisation": outsider_error(organisation)})


class CountyEconomy(models.Model):
    """A county's GDP and above-scale industrial value added, cumulative from January to `months`."""

    county = models.ForeignKey(
        Region,
        verbose_name=_("县（市、区）"),
        on_delete=models.PROTECT,
        related_name="+",
        limit_choices_to=COUNTY_ONLY,
    )
    year = models.PositiveSmallIntegerField(_("年度"), validators=YEARS)
    months = models.PositiveSmallIntegerField(
        _("截至月份"),
        validators=[MinValueValidator(1), MaxValueValidator(12)],
        help_text=_("1–12：数据为 1 月至该月的累计数；12 即全年。"),
    )
    gdp = _money(_("地区生产总值（元）"), null=True, blank=True)
    above_scale_value_added = _money(_("规上工业增加值（元）"), null=True, blank=True)
    source = models.CharField(_("数据来源"), max_length=100, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["county", "-year", "-months"]
        constraints = [
            models.UniqueConstraint(fields=["county", "year", "months"], name="county_economy_unique"),
            _non_negative("gdp", "county_economy_gdp_non_negative"),
            _non_negative("above_scale_value_added", "county_economy_va_non_negative"),
        ]
        verbose_name = _("县域经济数据")
        verbose_name_plural = _("县域经济数据")

    def __str__(self) -> str:
        return f"{self.county} {self.year}年1-{self.months}月"


class IndicatorKey(models.TextChoices):
    RD_EXPENDITURE = "rd_expenditure", _("R&D经费支出")
    RD_GROWTH = "rd_growth", _("R&D经费同比增长")
    RD_INTENSITY = "rd_intensity", _("R&D经费投入强度")
    HIGH_TECH_VA = "high_tech_va", _("高新技术产业增加值")
    HIGH_TECH_SHARE = "high_tech_share", _("高新技术产业增加值占规上工业增加值比重")
    ABOVE_SCALE_COUNT = "above_scale_count", _("规上工业企业数")


# How each indicator is measured: an amount in 元, a share or rate (fraction), or a count.
AMOUNT, SHARE, COUNT = "amount", "share", "count"
KIND_OF = {
    IndicatorKey.RD_EXPENDITURE: AMOUNT,
    IndicatorKey.RD_GROWTH: SHARE,
    IndicatorKey.RD_INTENSITY: SHARE,
    IndicatorKey.HIGH_TECH_VA: AMOUNT,
    IndicatorKey.HIGH_TECH_SHARE: SHARE,
    IndicatorKey.ABOVE_SCALE_COUNT: COUNT,
}


def as_fraction(indicator: str, value: Decimal) -> Decimal:
    """A value as people enter it (shares in percent, 2.35) as the computed indicators keep it (0.0235)."""
    return value / 100 if KIND_OF.get(IndicatorKey(indicator)) == SHARE else value


def value_errors(indicator: str, value: Decimal | None) -> dict[str, Any]:
    """An amount, a share or a count is never negative; only a growth rate may be (下降)."""
    if value is not None and value < 0 and indicator and indicator != IndicatorKey.RD_GROWTH:
        return {"value": _("不能为负数。")}
    return {}


RANK_CHECKS = (("province_rank", "province_count", _("全省")), ("city_rank", "city_count", _("全市")))


class OfficialFigure(models.Model):
    """A figure as it is published (the provincial monitoring report for a year; the statistics bureau's
    monthly bulletin for a year-to-date span such as 1-9月), kept beside the computed one, with every rank
    the publication gives and how many counties it ranks among. The summary quotes the published value
    when there is one, and names the document it comes from."""

    county = models.ForeignKey(
        Region,
        verbose_name=_("县（市、区）"),
        on_delete=models.PROTECT,
        related_name="+",
        limit_choices_to=COUNTY_ONLY,
    )
    year = models.PositiveSmallIntegerField(_("年度"), validators=YEARS)
    months = models.PositiveSmallIntegerField(
        _("截至月份"),
        default=12,
        validators=[MinValueValidator(1), MaxValueValidator(12)],
        help_text=_("12 即全年数；1-9月的累计数填 9。"),
    )
    indicator = models.CharField(_("指标"), max_length=20, choices=IndicatorKey.choices)
    value = models.DecimalField(
        _("公布值"),
        max_digits=18,
        decimal_places=4,
        help_text=_("金额填元，比重填百分数，如 2.35 即 2.35%。"),
    )
    province_rank = models.PositiveSmallIntegerField(_("全省排名"), null=True, blank=True)
    province_count = models.PositiveSmallIntegerField(
        _("全省参与排名县（市、区）数"), null=True, blank=True, help_text=_("如“全省89个县（市、区）”填 89。")
    )
    city_rank = models.PositiveSmallIntegerField(_("全市排名"), null=True, blank=True)
    city_count = models.PositiveSmallIntegerField(
        _("全市参与排名县（市、区）数"), null=True, blank=True, help_text=_("如“全市6个县（市、区）”填 6。")
    )
    source = models.CharField(
        _("出处"), max_length=100, help_text=_("发布文件的名称，如《2024年浙江省科技进步统计监测报告》。")
    )
    published_on = models.DateField(_("发布日期"), null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["county", "-year", "-months", "indicator"]
        constraints = [
            models.UniqueConstraint(
                fields=["county", "year", "months", "indicator"], name="official_figure_period_unique"
            )
        ]
        verbose_name = _("公布数据")
        verbose_name_plural = _("公布数据")

    def __str__(self) -> str:
        span = "" if self.months == 12 else (f"1-{self.months}月" if self.months > 1 else "1月")
        return f"{self.county} {self.year}{span} {self.get_indicator_display()}"

    fraction = property(lambda self: as_fraction(self.indicator, self.value))

    def clean(self) -> None:
        """A rank is kept with its denominator: "第82位" means nothing without "全省89个县（市、区）"."""
        errors: dict[str, Any] = value_errors(self.indicator, self.value)
        for rank_field, count_field, where in RANK_CHECKS:
            rank, count = getattr(self, rank_field), getattr(self, count_field)
            if rank and not count:
                errors[count_field] = _("填写了%(w)s排名的，须同时填写%(w)s参与排名的县（市、区）数。") % {
                    "w": where
                }
            elif rank and count and rank > count:
                errors[rank_field] = _("%(w)s排名不能大于参与排名的县（市、区）数（%(n)s）。") % {
                    "w": where, "n": count,
                }  # fmt: skip
        if errors:
            raise ValidationError(errors)


class Target(models.Model):
    """A target the county set itself for an indicator of a data year ("R&D经费支出1亿元以上、占GDP比重超过
    0.7%"): met when the year's figure is at least (≥) or above (>) the value. The summary of a year
    reports the targets whose data are published in it: last year's, against the published figures."""

    class Comparison(models.TextChoices):
        AT_LEAST = "gte", _("≥（以上）")
        ABOVE = "gt", _(">（超过）")

    county = models.ForeignKey(
        Region,
        verbose_name=_("县（市、区）"),
        on_delete=models.PROTECT,
        related_name="+",
        limit_choices_to=COUNTY_ONLY,
    )
    year = models.PositiveSmallIntegerField(
        _("数据年度"), validators=YEARS, help_text=_("目标所考核数据的年度，如考核2019年度R&D经费的填 2019。")
    )
    indicator = models.CharField(_("指标"), max_length=20, choices=IndicatorKey.choices)
    comparison = models.CharField(
        _("比较方式"), max_length=3, choices=Comparison.choices, default=Comparison.AT_LEAST
    )
    value = models.DecimalField(
        _("目标值"), max_digits=18, decimal_places=4, help_text=_("金额填元，比重填百分数，如 2.5 即 2.5%。")
    )
    note = models.CharField(_("说明"), max_length=200, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["county", "-year", "indicator"]
        constraints = [models.UniqueConstraint(fields=["county", "year", "indicator"], name="target_unique")]
        verbose_name = _("目标任务")
        verbose_name_plural = _("目标任务")

    def __str__(self) -> str:
        return f"{self.county} {self.year} {self.get_indicator_display()}"

    fraction = property(lambda self: as_fraction(self.indicator, self.value))

    def clean(self) -> None:
        errors = value_errors(self.indicator, self.value)
        if errors:
            raise ValidationError(errors)

    def is_met(self, actual: Decimal) -> bool:
        """Whether a value (as the indicators keep it: shares as fractions) meets the target."""
        target = self.fraction
        return actual > target if self.comparison == self.Comparison.ABOVE else actual >= target


class Indicator(models.Model):
    """A county's computed indicator for a year-to-date span (January to `months`), with the prior
    year's figure for the same span as it stands now (i.e. as revised), the change, and its ranks among
    the counties of its province and city present in the database. Refreshed by
    `services.indicators_refresh` whenever an input changes; pages and rankings read these rows."""

    county = models.ForeignKey(Region, on_delete=models.CASCADE, related_name="+")
    year = models.PositiveSmallIntegerField()
    months = models.PositiveSmallIntegerField()
    key = models.CharField(max_length=20, choices=IndicatorKey.choices)
    value = models.DecimalField(max_digits=18, decimal_places=4)
    previous = models.DecimalField(max_digits=18, decimal_places=4, null=True)
    # Growth of an amount (fraction) or change of a share (fraction: 0.0015 = 0.15 个百分点).
    change = models.DecimalField(max_digits=18, decimal_places=4, null=True)
    province_rank = models.PositiveSmallIntegerField(null=True)
    province_count = models.PositiveSmallIntegerField(null=True)
    city_rank = models.PositiveSmallIntegerField(null=True)
    city_count = models.PositiveSmallIntegerField(null=True)
    refreshed_at = models.DateTimeField()

    class Meta:
        ordering = ["county", "year", "months", "key"]
        constraints = [
            models.UniqueConstraint(fields=["county", "year", "months", "key"], name="indicator_unique")
        ]
        indexes = [models.Index(fields=["year", "months", "key"])]
        verbose_name = _("指标")
        verbose_name_plural = _("指标")

    def __str__(self) -> str:
        return f"{self.county_id} {self.year}年1-{self.months}月 {self.get_key_display()}"


# --- statistical returns --------------------------------------------------------------------------------


class ReturnType(models.Model):
    """A statistical return the bureau collects or files (火炬统计年报, 高企统计季报…): how often, who owes
    it and how many working days after the period ends it is due."""

    class Obligation(models.TextChoices):
        HIGH_TECH = "high_tech", _("有效期内的高新技术企业")
        TECH_SME = "tech_sme", _("当年入库的科技型中小企业")
        ABOVE_SCALE = "above_scale", _("当年规上工业企业")
        RND = "rnd", _("有研发项目的企业")
        BUREAU = "bureau", _("本局自行填报")
        LISTED = "listed", _("指定单位")

    county = models.ForeignKey(
        Region,
        verbose_name=_("所属县"),
        on_delete=models.PROTECT,
        related_name="+",
        limit_choices_to=COUNTY_ONLY,
    )
    name = models.CharField(_("报表名称"), max_length=60)
    frequency = models.CharField(_("报送频率"), max_length=8, choices=Frequency.choices)
    obligation = models.CharField(_("报送对象"), max_length=12, choices=Obligation.choices)
    listed = models.ManyToManyField(Organisation, verbose_name=_("指定单位"), blank=True, related_name="+")
    due_workdays = models.PositiveSmallIntegerField(
        _("截止（报告期结束后第几个工作日）"), help_text=_("按国务院办公厅节假日安排计算，含调休上班日。")
    )
    issuer = models.CharField(_("布置部门"), max_length=60, blank=True)
    note = models.CharField(_("说明"), max_length=300, blank=True)
    is_active = models.BooleanField(_("启用"), default=True)

    class Meta:
        ordering = ["county", "frequency", "name"]
        constraints = [models.UniqueConstraint(fields=["county", "name"], name="return_type_name_unique")]
        verbose_name = _("统计报表")
        verbose_name_plural = _("统计报表")

    def __str__(self) -> str:
        return self.name


class ReturnRound(models.Model):
    """One period of a return (2025年第3季度 of 高企统计季报) with its due date."""

    return_type = models.ForeignKey(
        ReturnType, verbose_name=_("报表"), on_delete=models.PROTECT, related_name="rounds"
    )
    county = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="+", editable=False)
    year = models.PositiveSmallIntegerField(_("年度"), validators=YEARS)
    number = models.PositiveSmallIntegerField(
        _("期别"), default=0, help_text=_("月报填月份，季报填季度，年报填 0。")
    )
    period_end = models.DateField(_("报告期末"), editable=False)
    due_on = models.DateField(_("截止日期"))
    opened_at = models.DateTimeField(auto_now_add=True)
    opened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )

    class Meta:
        ordering = ["-due_on", "return_type"]
        constraints = [
            models.UniqueConstraint(fields=["return_type", "year", "number"], name="return_round_unique")
        ]
        verbose_name = _("报送期")
        verbose_name_plural = _("报送期")

    def __str__(self) -> str:
        return f"{self.return_type.name}（{self.period_label}）"

    @property
    def period_label(self) -> str:
        frequency = self.return_type.frequency
        if frequency == Frequency.MONTH:
            return f"{self.year}年{self.number}月"
        if frequency == Frequency.QUARTER:
            return f"{self.year}年第{self.number}季度"
        return f"{self.year}年度"


class ReturnFiling(models.Model):
    """Who owes a round, and whether they have filed it. `organisation` is empty for the bureau's own."""

    class Status(models.TextChoices):
        PENDING = "pending", _("未报送")
        SUBMITTED = "submitted", _("已报送")
        EXEMPT = "exempt", _("免报")

    round = models.ForeignKey(ReturnRound, on_delete=models.CASCADE, related_name="filings")
    county = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="+", editable=False)
    organisation = models.ForeignKey(
        Organisation,
        verbose_name=_("报送单位"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="filings",
    )
    status = models.CharField(_("状态"), max_length=10, choices=Status.choices, default=Status.PENDING)
    submitted_on = models.DateField(_("报送日期"), null=True, blank=True)
    note = models.CharField(_("备注"), max_length=200, blank=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["round", "status", "organisation__name"]
        constraints = [
            models.UniqueConstraint(fields=["round", "organisation"], name="return_filing_unique"),
            models.UniqueConstraint(
                fields=["round"], condition=Q(organisation__isnull=True), name="return_filing_bureau_unique"
            ),
        ]
        verbose_name = _("报送情况")
        verbose_name_plural = _("报送情况")

    def __str__(self) -> str:
        return f"{self.round} · {self.filer_name}"

    @property
    def filer_name(self) -> str:
        return self.organisation.name if self.organisation is not None else str(_("本局"))

    def clean(self) -> None:
        if self.status == self.Status.SUBMITTED and not self.submitted_on:
            raise ValidationError({"submitted_on": _("已报送的须填写报送日期。")})
        if self.status != self.Status.SUBMITTED:
            self.submitted_on = None
