"""One application engine for streams 1, 2, 3 and 6 (DOMAIN.md, "One engine"): a policy promises
money for achievements; a programme opens a yearly call; an applicant (organisation or person) applies;
a positive decision yields an award; money moves as disbursements. Innovation vouchers, public notices
(公示), the coaching log and the reminder inbox hang off the same records."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils.translation import gettext_lazy as _

from kechuang.core.models import Organisation, Person, Region

ZERO = Decimal("0")
COUNTY_ONLY = {"level": "county"}


def _non_negative(field: str, name: str) -> models.CheckConstraint:
    return models.CheckConstraint(condition=Q(**{f"{field}__gte": 0}), name=name)


class Level(models.TextChoices):
    NATIONAL = "national", _("国家级")
    PROVINCIAL = "provincial", _("省级")
    CITY = "city", _("市级")
    COUNTY = "county", _("县级")


class FundingSource(models.TextChoices):
    CENTRAL = "central", _("中央财政")
    PROVINCIAL = "provincial", _("省级财政")
    CITY = "city", _("市级财政")
    COUNTY = "county", _("县级财政")


class PolicyDocument(models.Model):
    class BureauRole(models.TextChoices):
        DRAFTED = "drafted", _("牵头起草")
        CO_DRAFTED = "co_drafted", _("参与起草")
        CO_ISSUED = "co_issued", _("联合发文")
        IMPLEMENTS = "implements", _("贯彻执行")

    # The documents the bureau took part in making (the summary's "参与制定出台"); the others it implements.
    MADE = (BureauRole.DRAFTED, BureauRole.CO_DRAFTED, BureauRole.CO_ISSUED)

    county = models.ForeignKey(
        Region,
        verbose_name=_("所属县"),
        on_delete=models.PROTECT,
        limit_choices_to=COUNTY_ONLY,
        related_name="+",
    )
    title = models.CharField(_("文件标题"), max_length=200)
    short_title = models.CharField(
        _("简称"), max_length=40, blank=True, help_text=_("通行的简称，如“工业四十条”；总结中代替全称。")
    )
    number = models.CharField(_("文号"), max_length=60)
    issuer_code = models.CharField(_("发文机关代字"), max_length=40, editable=False)
    number_year = models.PositiveSmallIntegerField(_("文号年份"), editable=False)
    number_serial = models.PositiveIntegerField(_("文号序号"), editable=False)
    issuing_bodies = models.CharField(_("发文机关"), max_length=200)
    issued_on = models.DateField(_("成文日期"))
    bureau_role = models.CharField(_("本局角色"), max_length=12, choices=BureauRole.choices)
    full_text = models.TextField(_("正文"), blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-issued_on", "-id"]
        constraints = [models.UniqueConstraint(fields=["county", "number"], name="policy_number_unique")]
        verbose_name = _("政策文件")
        verbose_name_plural = _("政策文件")

    def __str__(self) -> str:
        return f"{self.title}（{self.number}）"

    def clean(self) -> None:
        from .docno import parse_document_number

        try:
            parsed = parse_document_number(self.number)
        except ValidationError as e:
            raise ValidationError({"number": e.messages}) from None
        self.number = parsed.text
        self.issuer_code, self.number_year, self.number_serial = parsed.issuer, parsed.year, parsed.serial
        if self.county_id:
            same = PolicyDocument.objects.filter(county_id=self.county_id, number=self.number).exclude(
                pk=self.pk
            )
            other = same.first()
            if other is not None:
                raise ValidationError(
                    {
                        "number": _("本县已有文号为“%(n)s”的政策文件《%(t)s》。")
                        % {"n": self.number, "t": other.title}
                    }
                )
        if self.issued_on and self.issued_on.year != parsed.year:
            raise ValidationError(
                {"issued_on": _("成文日期的年份应与文号年份 %(y)s 一致。") % {"y": parsed.year}}
            )


def default_applicant_kinds() -> list[str]:
    return [Organisation.Kind.ENTERPRISE.value]


def kinds_text(kinds: list[str]) -> str:
    """Organisation types as a bureau writes them: 企业、农民专业合作社."""
    labels = dict(Organisation.Kind.choices)
    return "、".join(str(labels.get(k, k)) for k in kinds)


class Programme(models.Model):
    class Kind(models.TextChoices):
        INCENTIVE = "incentive", _("政策奖励")
        QUALIFICATION = "qualification", _("资质认定")
        PROJECT = "project", _("科技计划项目")
        TALENT = "talent", _("人才计划")
        TEAM = "team", _("创新团队")
        COMMISSIONER = "commissioner", _("特派员项目")

    class Nature(models.TextChoices):
        """项目性质 of a plan project: the city's competitive projects (竞争性, reviewed and funded) against
        its guiding ones (指导性, listed, usually without a grant)."""

        COMPETITIVE = "competitive", _("竞争性")
        GUIDING = "guiding", _("指导性")

    class AwardForm(models.TextChoices):
        MONEY = "money", _("奖励资金")
        QUALIFICATION = "qualification", _("资质（有效期）")
        REGISTRATION = "registration", _("入库登记（当年有效）")
        PROJECT = "project", _("立项（经费与节点）")
        HONOUR = "honour", _("入选")

    county = models.ForeignKey(
        Region,
        verbose_name=_("所属县"),
        on_delete=models.PROTECT,
        limit_choices_to=COUNTY_ONLY,
        related_name="+",
    )
    name = models.CharField(_("名称"), max_length=100)
    level = models.CharField(_("层级"), max_length=12, choices=Level.choices)
    kind = models.CharField(_("类型"), max_length=14, choices=Kind.choices)
    award_form = models.CharField(_("结果形式"), max_length=14, choices=AwardForm.choices)
    category = models.CharField(
        _("类别"), max_length=50, help_text=_("如 高新技术企业、省重点研发计划、市竞争性、万人计划。")
    )
    issuer = models.CharField(_("主管部门"), max_length=100)
    policy = models.ForeignKey(
        PolicyDocument,
        verbose_name=_("政策依据"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="programmes",
    )
    validity_years = models.PositiveSmallIntegerField(
        _("有效期（年）"),
        null=True,
        blank=True,
        help_text=_("资质自证书日期起的有效年数，如高新技术企业为 3。"),
    )
    for_people = models.BooleanField(_("申报人为个人"), default=False)
    applicant_kinds = models.JSONField(
        _("申报单位类型"),
        default=default_applicant_kinds,
        blank=True,
        help_text=_(
            "受理哪些类型的单位申报（个人申报的项目为推荐单位，可不选）：如企业；产业创新服务综合体等"
            "平台类项目为县级部门、开发区管委会。"
        ),
    )
    issues_certificate = models.BooleanField(
        _("颁发证书"),
        default=True,
        help_text=_("认定结果是否有证书编号；研发中心、重点实验室、综合体、领军企业等认定不发证书。"),
    )
    nature = models.CharField(
        _("项目性质"),
        max_length=12,
        choices=Nature.choices,
        blank=True,
        help_text=_("科技计划项目的竞争性或指导性（如市级科技计划）；不区分的留空。"),
    )
    is_active = models.BooleanField(_("有效"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["level", "kind", "name"]
        constraints = [models.UniqueConstraint(fields=["county", "name"], name="programme_name_unique")]
        verbose_name = _("项目类别")
        verbose_name_plural = _("项目类别")

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        forms: dict[str, set[str]] = {
            self.Kind.INCENTIVE: {self.AwardForm.MONEY},
            self.Kind.QUALIFICATION: {self.AwardForm.QUALIFICATION, self.AwardForm.REGISTRATION},
            self.Kind.PROJECT: {self.AwardForm.PROJECT},
            self.Kind.TEAM: {self.AwardForm.PROJECT},
            self.Kind.COMMISSIONER: {self.AwardForm.PROJECT},
            self.Kind.TALENT: {self.AwardForm.HONOUR, self.AwardForm.MONEY},
        }
        if self.award_form not in forms.get(self.kind, set()):
            raise ValidationError({"award_form": _("该类型的项目不能采用这种结果形式。")})
        if self.kind == self.Kind.INCENTIVE and self.policy_id is None:
            raise ValidationError({"policy": _("政策奖励须注明政策依据（文件）。")})
        if self.award_form == self.AwardForm.QUALIFICATION and not self.validity_years:
            raise ValidationError({"validity_years": _("资质认定须填写有效期（年）。")})
        if self.policy is not None and self.county_id and self.policy.county_id != self.county_id:
            raise ValidationError({"policy": _("政策依据须为本县的政策文件。")})
        if self.nature and self.kind != self.Kind.PROJECT:
            raise ValidationError({"nature": _("只有科技计划项目区分竞争性、指导性。")})

        self._clean_applicants()

    def _clean_applicants(self) -> None:
        kinds = self.applicant_kinds if isinstance(self.applicant_kinds, list) else None
        if kinds is None or not all(isinstance(k, str) for k in kinds):
            raise ValidationError({"applicant_kinds": _("申报单位类型须为类型代码的列表。")})
        unknown = [k for k in kinds if k not in Organisation.Kind.values]
        if unknown:
            raise ValidationError(
                {
                    "applicant_kinds": _("未知的单位类型：%(k)s；可选：%(all)s。")
                    % {"k": "、".join(unknown), "all": kinds_text(list(Organisation.Kind.values))}
                }
            )
        # One order whatever the input's: stored as the choices list them.
        self.applicant_kinds = [k for k in Organisation.Kind.values if k in kinds]
        if not self.for_people and not self.applicant_kinds:
            raise ValidationError({"applicant_kinds": _("请至少选择一种可申报的单位类型。")})
        if not self.issues_certificate and self.award_form != self.AwardForm.QUALIFICATION:
            # Only a recognition has a certificate to speak of; everything else keeps the default.
            self.issues_certificate = True

    def admits(self, organisation: Organisation) -> bool:
        """May this organisation file (or, for a personal programme, recommend) an application?"""
        return organisation.kind in (self.applicant_kinds or [])

    @property
    def applicant_kinds_text(self) -> str:
        return kinds_text(self.applicant_kinds or [])

    @property
    def is_claim(self) -> bool:
        return self.kind == self.Kind.INCENTIVE


def earlier_recognitions(
    organisation: Any = None, category: Any = None, before: Any = None
) -> QuerySet[Award]:
    """Recognitions of a category an organisation held before a date (the same programme, or another
    programme record of that category): having one makes a recognition a renewal (重新认定) — e.g. a
    high-tech enterprise recognised again after its three years. Defaults refer to the outer Award of a
    subquery (see prior_recognition)."""
    lookups: dict[str, Any] = {
        "organisation": organisation if organisation is not None else OuterRef("organisation"),
        "programme__award_form": Programme.AwardForm.QUALIFICATION,
        "programme__category": category if category is not None else OuterRef("programme__category"),
        "decided_on__lt": before if before is not None else OuterRef("decided_on"),
    }
    return Award.objects.filter(**lookups)


def prior_recognition(organisation: Any = None, category: Any = None, before: Any = None) -> Exists:
    """Exists(earlier_recognitions(...)): true for an award that is a renewal."""
    return Exists(earlier_recognitions(organisation, category, before))


class IncentiveRule(models.Model):
    """One promise of a policy: each achievement of `achievement` (an award of that programme decided in
    `achievement_year`) earns `amount`, at most `cap` per enterprise under this rule. A rule may pay only a
    first recognition or only a renewal (高企首次认定 and 重新认定 pay differently), and only awards of one
    grade (省级工业新产品 A类 / B类); `matching_awards` applies both."""

    class Recognition(models.TextChoices):
        ANY = "", _("不限")
        FIRST = "first", _("首次认定")
        RENEWAL = "renewal", _("重新认定")

    policy = models.ForeignKey(
        PolicyDocument, verbose_name=_("政策文件"), on_delete=models.CASCADE, related_name="rules"
    )
    item = models.CharField(_("奖励事项"), max_length=100)
    article = models.CharField(_("条款"), max_length=30, blank=True)
    achievement = models.ForeignKey(
        Programme, verbose_name=_("认定成果"), on_delete=models.PROTECT, related_name="rewarded_by"
    )
    achievement_year = models.PositiveSmallIntegerField(_("成果年度"))
    recognition = models.CharField(
        _("认定情形"),
        max_length=8,
        choices=Recognition.choices,
        blank=True,
        default=Recognition.ANY,
        help_text=_("资质类成果：仅奖励首次认定、仅奖励重新认定，或不限。"),
    )
    grade = models.CharField(
        _("成果等级"),
        max_length=30,
        blank=True,
        help_text=_("仅奖励该等级的成果（如 A类、B类，须与认定结果登记的等级一致）；留空为不限等级。"),
    )
    amount = models.DecimalField(_("每项奖励（元）"), max_digits=18, decimal_places=2)
    cap = models.DecimalField(_("每家上限（元）"), max_digits=18, decimal_places=2, null=True, blank=True)

    class Meta:
        ordering = ["policy", "article", "id"]
        constraints = [_non_negative("amount", "rule_amount_non_negative")]
        verbose_name = _("奖励条款")
        verbose_name_plural = _("奖励条款")

    def __str__(self) -> str:
        return self.item

    def clean(self) -> None:
        if self.cap is not None and self.amount is not None and self.cap < self.amount:
            raise ValidationError({"cap": _("每家上限不能低于每项奖励。")})
        if self.achievement_id and self.achievement.kind == Programme.Kind.INCENTIVE:
            raise ValidationError({"achievement": _("认定成果须为资质、项目或人才类，而非另一项奖励。")})
        self.grade = (self.grade or "").strip()
        if (
            self.recognition
            and self.achievement_id
            and self.achievement.award_form != Programme.AwardForm.QUALIFICATION
        ):
            raise ValidationError(
                {"recognition": _("只有有效期资质（如高新技术企业）才分首次认定和重新认定。")}
            )

    @property
    def condition_label(self) -> str:
        """What the rule asks of an achievement beyond its programme and year (for pages and messages)."""
        parts = [str(self.get_recognition_display())] if self.recognition else []
        if self.grade:
            parts.append(self.grade)
        return "、".join(parts)

    def matching_awards(self, awards: QuerySet[Award] | None = None) -> QuerySet[Award]:
        """The awards this rule rewards: of its programme, decided in its year, of its grade, and first
        recognitions or renewals as it says."""
        qs = (awards if awards is not None else Award.objects.all()).filter(
            programme_id=self.achievement_id, decided_on__year=self.achievement_year
        )
        if self.grade:
            qs = qs.filter(grade=self.grade)
        if self.recognition:
            qs = qs.alias(renewal=prior_recognition()).filter(
                renewal=self.recognition == self.Recognition.RENEWAL
            )
        return qs

    def rewards(self, award: Award) -> bool:
        return self.matching_awards(Award.objects.filter(pk=award.pk)).exists()


class Call(models.Model):
    programme = models.ForeignKey(
        Programme, verbose_name=_("项目类别"), on_delete=models.PROTECT, related_name="calls"
    )
    year = models.PositiveSmallIntegerField(_("年度"))
    name = models.CharField(_("批次"), max_length=100)
    opens_on = models.DateField(_("开始申报"))
    closes_on = models.DateField(_("申报截止"))
    county_deadline = models.DateField(_("县级推荐截止"), null=True, blank=True)
    notes = models.TextField(_("说明"), blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-year", "-opens_on", "id"]
        constraints = [models.UniqueConstraint(fields=["programme", "name"], name="call_name_unique")]
        verbose_name = _("申报批次")
        verbose_name_plural = _("申报批次")

    def __str__(self) -> str:
        return f"{self.programme} · {self.name}"

    def clean(self) -> None:
        if self.opens_on and self.closes_on and self.closes_on < self.opens_on:
            raise ValidationError({"closes_on": _("申报截止不能早于开始申报。")})
        if self.county_deadline and self.closes_on and self.county_deadline > self.closes_on:
            raise ValidationError({"county_deadline": _("县级推荐截止应在申报截止之前或当天。")})

    @property
    def applicant_deadline(self) -> dt.date:
        """Applicants hand in by the county's deadline, the bureau needing the rest to review."""
        return self.county_deadline or self.closes_on

    def is_open(self, today: dt.date) -> bool:
        return self.opens_on <= today <= self.applicant_deadline


class Backfilled(models.Model):
    """补录: a record of past work entered after the fact (a claim decided and paid in 2019, last year's
    公示), with its original dates and the document it rests on. Set only by the 补录 services
    (kechuang/programmes/backfill.py); shown with a "补录" badge on pages, in exports and in the API; never
    usable for money paid today."""

    is_backfill = models.BooleanField(_("补录"), default=False, editable=False)
    backfill_reference = models.CharField(_("补录依据（文号）"), max_length=100, blank=True, editable=False)
    backfilled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("补录人"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        editable=False,
    )
    backfilled_at = models.DateTimeField(_("补录时间"), null=True, blank=True, editable=False)

    class Meta:
        abstract = True


class Status(models.TextChoices):
    DRAFT = "draft", _("草稿")
    SUBMITTED = "submitted", _("已提交")
    RETURNED = "returned", _("退回修改")
    REJECTED = "rejected", _("未通过县级审核")
    RECOMMENDED = "recommended", _("已推荐")
    APPROVED = "approved", _("已立项/认定")
    NOT_APPROVED = "not_approved", _("未获批")
    IN_PROGRESS = "in_progress", _("实施中")
    ACCEPTED = "accepted", _("已验收")
    CLOSED = "closed", _("已终止")
    CHECKED = "checked", _("已审核")
    DECIDED = "decided", _("已核定金额")
    PAID = "paid", _("已兑现")
    WITHDRAWN = "withdrawn", _("已撤回")


def applicant_problem(programme: Programme, organisation: Organisation) -> str | None:
    """Why this organisation may not file (or, for a personal programme, recommend) an application of the
    programme, or None: its type must be one the programme admits, and it must be one of the programme's
    county's own organisations — a partner the county registered (浙江大学, a city bureau, an enterprise
    elsewhere) is not one of its applicants."""
    role = _("推荐单位") if programme.for_people else _("申报单位")
    if not programme.admits(organisation):
        if not programme.applicant_kinds:
            return str(_("“%(p)s”由个人申报，不受理单位推荐。") % {"p": programme.name})
        return str(
            _("“%(p)s”只受理%(kinds)s作为%(role)s，%(o)s是%(kind)s。")
            % {
                "p": programme.name,
                "kinds": programme.applicant_kinds_text,
                "role": role,
                "o": organisation.name,
                "kind": organisation.get_kind_display(),
            }
        )
    if not organisation.is_local or organisation.county_id != programme.county_id:
        return str(
            _("%(o)s位于%(place)s，不是%(county)s的单位，不能作为%(role)s。")
            % {
                "o": organisation.name,
                "place": organisation.location_name,
                "county": programme.county.name,
                "role": role,
            }
        )
    return None


class Application(Backfilled):
    """An incentive claim, qualification application, project application or talent/team nomination."""

    call = models.ForeignKey(
        Call, verbose_name=_("申报批次"), on_delete=models.PROTECT, related_name="applications"
    )
    programme = models.ForeignKey(
        Programme,
        verbose_name=_("项目类别"),
        on_delete=models.PROTECT,
        related_name="applications",
        editable=False,
    )
    county = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="+", editable=False)
    organisation = models.ForeignKey(
        Organisation,
        verbose_name=_("申报单位"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="applications",
    )
    person = models.ForeignKey(
        Person,
        verbose_name=_("申报人/推荐人选"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="applications",
    )
    title = models.CharField(_("项目/团队名称"), max_length=200, blank=True)
    summary = models.TextField(_("申报内容"), blank=True)
    total_budget = models.DecimalField(
        _("总投资（元）"), max_digits=18, decimal_places=2, null=True, blank=True
    )
    requested_amount = models.DecimalField(
        _("申请补助（元）"), max_digits=18, decimal_places=2, null=True, blank=True
    )
    proposed_amount = models.DecimalField(
        _("按政策测算（元）"), max_digits=18, decimal_places=2, null=True, blank=True, editable=False
    )
    decided_amount = models.DecimalField(
        _("核定金额（元）"), max_digits=18, decimal_places=2, null=True, blank=True, editable=False
    )
    override_reason = models.CharField(_("调整理由"), max_length=300, blank=True, editable=False)
    status = models.CharField(
        _("状态"), max_length=14, choices=Status.choices, default=Status.DRAFT, editable=False
    )
    submitted_at = models.DateTimeField(_("提交时间"), null=True, blank=True, editable=False)
    status_changed_at = models.DateTimeField(_("状态变更时间"), null=True, blank=True, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        editable=False,
    )
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["county", "status"]), models.Index(fields=["programme", "status"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(organisation__isnull=False) | Q(person__isnull=False),
                name="application_has_applicant",
            ),
            _non_negative("requested_amount", "application_requested_non_negative"),
            _non_negative("decided_amount", "application_decided_non_negative"),
        ]
        verbose_name = _("申报")
        verbose_name_plural = _("申报")

    def __str__(self) -> str:
        return f"{self.applicant_name} · {self.title or self.programme}"

    @property
    def applicant_name(self) -> str:
        if self.organisation is not None:
            return self.organisation.name
        return self.person.name if self.person is not None else ""

    def clean(self) -> None:
        if not self.call_id:
            return
        programme = self.call.programme
        self.programme = programme
        if programme.for_people:
            if not self.person_id:
                raise ValidationError({"person": _("该项目由个人申报或推荐，请选择人选。")})
        elif not self.organisation_id:
            raise ValidationError({"organisation": _("请选择申报单位。")})
        organisation = self.organisation
        problem = applicant_problem(programme, organisation) if organisation is not None else None
        if problem:
            raise ValidationError({"organisation": problem})
        applicant = organisation or self.person
        county = applicant.county if applicant is not None else None
        if county is None or county.pk != programme.county_id:
            raise ValidationError(_("申报单位（人）须在该项目所属县。"))
        self.county = county
        needs_title = programme.kind in (
            Programme.Kind.PROJECT,
            Programme.Kind.TEAM,
            Programme.Kind.COMMISSIONER,
        )
        if needs_title and not self.title:
            raise ValidationError({"title": _("请填写项目或团队名称。")})
        over = self.requested_amount is not None and self.total_budget is not None
        if over and self.requested_amount > self.total_budget:  # type: ignore[operator]
            raise ValidationError({"requested_amount": _("申请补助不能超过总投资。")})


class Transition(models.Model):
    """The application's timeline: every status change, by whom, when and why. Append-only."""

    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="transitions")
    from_status = models.CharField(max_length=14, choices=Status.choices, blank=True)
    to_status = models.CharField(max_length=14, choices=Status.choices)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+")
    actor_label = models.CharField(max_length=150, blank=True)
    at = models.DateTimeField()
    comment = models.TextField(blank=True)

    class Meta:
        ordering = ["at", "id"]
        verbose_name = _("状态变更")
        verbose_name_plural = _("状态变更")

    def __str__(self) -> str:
        return f"{self.get_from_status_display()} → {self.get_to_status_display()}"


class Review(models.Model):
    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="reviews")
    reviewer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    opinion = models.TextField(_("审核意见"))
    score = models.DecimalField(
        _("评分"),
        max_digits=5,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(0), MaxValueValidator(100)],
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = _("评审意见")
        verbose_name_plural = _("评审意见")

    def __str__(self) -> str:
        return self.opinion[:50]


def attachment_path(instance: Attachment, filename: str) -> str:
    # The stored name is random: what the user called the file is kept in original_name only.
    import uuid

    suffix = filename.rsplit(".", 1)[-1].lower() if "." in filename else "bin"
    return f"applications/{instance.application_id}/{uuid.uuid4().hex}.{suffix}"


class Attachment(models.Model):
    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="attachments")
    file = models.FileField(upload_to=attachment_path, max_length=200)
    original_name = models.CharField(_("文件名"), max_length=200)
    size = models.PositiveIntegerField(_("大小（字节）"))
    content_type = models.CharField(max_length=100)
    sha256 = models.CharField(max_length=64)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    uploaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["uploaded_at", "id"]
        verbose_name = _("附件")
        verbose_name_plural = _("附件")

    def __str__(self) -> str:
        return self.original_name


class ClaimItem(models.Model):
    """One line of an incentive claim: the rule it invokes and the recorded achievement behind it."""

    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="claim_items")
    rule = models.ForeignKey(IncentiveRule, on_delete=models.PROTECT, related_name="claim_items")
    # The recorded award behind the item. A 补录 item of years before the platform may name an achievement
    # that was never recorded (`reference` then says which product, certificate or project it was).
    achievement = models.ForeignKey(
        "Award", on_delete=models.PROTECT, related_name="claimed_in", null=True, blank=True
    )
    reference = models.CharField(
        _("成果"), max_length=200, blank=True, help_text=_("证书编号、登记编号或项目（产品）名称。")
    )
    amount = models.DecimalField(_("测算金额（元）"), max_digits=18, decimal_places=2)

    class Meta:
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(fields=["application", "rule", "achievement"], name="claim_item_unique")
        ]

    def __str__(self) -> str:
        return f"{self.rule} {self.amount}"


class Award(Backfilled):
    """What a positive decision yields: money, a qualification, a registration or a funded project."""

    application = models.OneToOneField(Application, on_delete=models.PROTECT, related_name="award")
    programme = models.ForeignKey(Programme, on_delete=models.PROTECT, related_name="awards", editable=False)
    county = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="+", editable=False)
    organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, null=True, blank=True, related_name="awards", editable=False
    )
    person = models.ForeignKey(
        Person, on_delete=models.PROTECT, null=True, blank=True, related_name="awards", editable=False
    )
    decided_on = models.DateField(_("批准日期"))
    document = models.CharField(_("批准文件"), max_length=100, blank=True)
    amount = models.DecimalField(_("补助/奖励金额（元）"), max_digits=18, decimal_places=2, default=ZERO)
    matching_amount = models.DecimalField(
        _("县配套资金（元）"), max_digits=18, decimal_places=2, default=ZERO
    )
    certificate_no = models.CharField(_("证书编号"), max_length=60, blank=True)
    grade = models.CharField(
        _("等级"), max_length=30, blank=True, help_text=_("成果的等级，如省级工业新产品的 A类、B类。")
    )
    registration_no = models.CharField(_("入库登记编号"), max_length=60, blank=True)
    valid_from = models.DateField(_("有效期起"), null=True, blank=True)
    valid_until = models.DateField(_("有效期至"), null=True, blank=True)
    # The last correction of a claim's decided amount (award_amend): a payment 公示 published before it
    # showed another amount, so payment waits for a new one.
    amended_at = models.DateTimeField(_("金额调整时间"), null=True, blank=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-decided_on", "-id"]
        indexes = [models.Index(fields=["county", "valid_until"])]
        constraints = [
            _non_negative("amount", "award_amount_non_negative"),
            _non_negative("matching_amount", "award_matching_non_negative"),
        ]
        verbose_name = _("立项/认定结果")
        verbose_name_plural = _("立项/认定结果")

    def __str__(self) -> str:
        return f"{self.application.applicant_name} · {self.programme}"

    @property
    def holder_name(self) -> str:
        return self.application.applicant_name


class Milestone(models.Model):
    class Kind(models.TextChoices):
        MID_TERM = "mid_term", _("中期检查")
        ACCEPTANCE = "acceptance", _("验收")
        SITE_CHECK = "site_check", _("实地考核")
        ANNUAL_CHECK = "annual_check", _("年度考核")

    class Result(models.TextChoices):
        PENDING = "", _("待完成")
        PASSED = "passed", _("通过")
        FAILED = "failed", _("未通过")

    award = models.ForeignKey(Award, on_delete=models.CASCADE, related_name="milestones")
    kind = models.CharField(_("节点"), max_length=12, choices=Kind.choices)
    due_on = models.DateField(_("计划日期"))
    done_on = models.DateField(_("完成日期"), null=True, blank=True)
    result = models.CharField(_("结果"), max_length=8, choices=Result.choices, blank=True)
    note = models.CharField(_("备注"), max_length=300, blank=True)

    class Meta:
        ordering = ["due_on", "id"]
        verbose_name = _("项目节点")
        verbose_name_plural = _("项目节点")

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.due_on}"

    def clean(self) -> None:
        if bool(self.done_on) != bool(self.result):
            raise ValidationError(_("完成日期与结果须同时填写。"))


class Disbursement(Backfilled):
    award = models.ForeignKey(
        Award, verbose_name=_("立项/认定"), on_delete=models.PROTECT, related_name="disbursements"
    )
    amount = models.DecimalField(_("金额（元）"), max_digits=18, decimal_places=2)
    source = models.CharField(_("资金来源"), max_length=12, choices=FundingSource.choices)
    fiscal_year = models.PositiveSmallIntegerField(_("预算年度"))
    paid_on = models.DateField(_("拨付日期"))
    voucher_no = models.CharField(_("凭证号"), max_length=60)
    is_matching = models.BooleanField(_("配套资金"), default=False)
    tranche = models.PositiveSmallIntegerField(_("期次"), default=1)
    note = models.CharField(_("备注"), max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-paid_on", "-id"]
        constraints = [models.CheckConstraint(condition=Q(amount__gt=0), name="disbursement_amount_positive")]
        verbose_name = _("资金拨付")
        verbose_name_plural = _("资金拨付")

    def __str__(self) -> str:
        return f"{self.award} {self.amount}"


class PublicNotice(Backfilled):
    """公示: the list published before money is paid or a recommendation goes up."""

    class Purpose(models.TextChoices):
        PAYMENT = "payment", _("资金兑现")
        RECOMMENDATION = "recommendation", _("推荐上报")

    county = models.ForeignKey(
        Region, on_delete=models.PROTECT, related_name="+", limit_choices_to=COUNTY_ONLY
    )
    title = models.CharField(_("公示标题"), max_length=200)
    purpose = models.CharField(_("公示事项"), max_length=16, choices=Purpose.choices)
    body = models.TextField(_("公示说明"), blank=True)
    published_on = models.DateField(_("公示开始"))
    # When it was published, by the server's clock: the period never starts before this moment.
    published_at = models.DateTimeField(_("发布时间"), null=True, blank=True, editable=False)
    working_days = models.PositiveSmallIntegerField(_("公示期（工作日）"), default=5)
    ends_on = models.DateField(_("公示截止"), editable=False)
    contact = models.CharField(_("异议受理联系方式"), max_length=200, blank=True)
    applications = models.ManyToManyField(Application, related_name="notices", verbose_name=_("公示名单"))
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    # 公示撤回: before its period ends, with a reason; a withdrawn notice never clears a payment.
    withdrawn_at = models.DateTimeField(_("撤回时间"), null=True, blank=True, editable=False)
    withdrawn_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+",
        editable=False,
    )  # fmt: skip
    withdrawal_reason = models.CharField(_("撤回理由"), max_length=300, blank=True, editable=False)

    class Meta:
        ordering = ["-published_on", "-id"]
        verbose_name = _("公示")
        verbose_name_plural = _("公示")

    def __str__(self) -> str:
        return self.title

    def clean(self) -> None:
        if not 1 <= (self.working_days or 0) <= 30:
            raise ValidationError({"working_days": _("公示期应为 1–30 个工作日。")})
        if self.published_on:
            self.ends_on = self.period_end(self.published_on)

    def period_end(self, start: dt.date) -> dt.date:
        """The last day of a period of `working_days` starting on `start` (a day off counts from the next
        working day)."""
        from kechuang.core.workdays import add_workdays, is_workday

        while not is_workday(start):
            start += dt.timedelta(days=1)
        return add_workdays(start, (self.working_days or 1) - 1)

    @property
    def is_withdrawn(self) -> bool:
        return self.withdrawn_at is not None

    def payable_after(self) -> dt.date:
        """The last day of the period counted from when the notice really went out: its start date, or the
        day it was published if that was later (a start typed in the past does not shorten the period)."""
        from django.utils import timezone

        start = self.published_on
        if self.published_at is not None:
            start = max(start, timezone.localdate(self.published_at))
        return self.period_end(start)


class Objection(models.Model):
    notice = models.ForeignKey(PublicNotice, on_delete=models.CASCADE, related_name="objections")
    application = models.ForeignKey(
        Application,
        verbose_name=_("涉及申报"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="objections",
    )
    received_on = models.DateField(_("收到日期"))
    raised_by = models.CharField(_("异议人"), max_length=100, blank=True)
    content = models.TextField(_("异议内容"))
    resolution = models.TextField(_("处理结果"), blank=True)
    upheld = models.BooleanField(_("异议成立"), null=True, blank=True)
    resolved_on = models.DateField(_("处理日期"), null=True, blank=True)

    class Meta:
        ordering = ["received_on", "id"]
        verbose_name = _("公示异议")
        verbose_name_plural = _("公示异议")

    def __str__(self) -> str:
        return self.content[:50]


class ServiceProvider(models.Model):
    """A registered provider that innovation vouchers may be spent with (testing, R&D services…)."""

    county = models.ForeignKey(
        Region, on_delete=models.PROTECT, related_name="+", limit_choices_to=COUNTY_ONLY
    )
    organisation = models.ForeignKey(
        Organisation, verbose_name=_("机构"), on_delete=models.PROTECT, related_name="+"
    )
    services = models.CharField(_("服务内容"), max_length=200)
    registered_on = models.DateField(_("登记日期"))
    is_active = models.BooleanField(_("有效"), default=True)

    class Meta:
        ordering = ["organisation__name"]
        constraints = [models.UniqueConstraint(fields=["county", "organisation"], name="provider_unique")]
        verbose_name = _("创新券服务机构")
        verbose_name_plural = _("创新券服务机构")

    def __str__(self) -> str:
        return self.organisation.name


class Voucher(models.Model):
    class State(models.TextChoices):
        ISSUED = "issued", _("已发放")
        REDEEMED = "redeemed", _("已兑付")
        EXPIRED = "expired", _("已过期")

    county = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="+", editable=False)
    number = models.CharField(_("券号"), max_length=40, unique=True)
    organisation = models.ForeignKey(
        Organisation, verbose_name=_("企业"), on_delete=models.PROTECT, related_name="vouchers"
    )
    amount = models.DecimalField(_("面额（元）"), max_digits=18, decimal_places=2)
    issued_on = models.DateField(_("发放日期"))
    expires_on = models.DateField(_("有效期至"))
    state = models.CharField(
        _("状态"), max_length=10, choices=State.choices, default=State.ISSUED, editable=False
    )
    redeemed_amount = models.DecimalField(
        _("已兑付（元）"), max_digits=18, decimal_places=2, default=ZERO, editable=False
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-issued_on", "number"]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="voucher_amount_positive"),
            models.CheckConstraint(
                condition=Q(redeemed_amount__lte=models.F("amount")), name="voucher_not_overdrawn"
            ),
        ]
        verbose_name = _("科技创新券")
        verbose_name_plural = _("科技创新券")

    def __str__(self) -> str:
        return self.number

    @property
    def balance(self) -> Decimal:
        return self.amount - self.redeemed_amount

    def clean(self) -> None:
        if self.issued_on and self.expires_on and self.expires_on < self.issued_on:
            raise ValidationError({"expires_on": _("有效期不能早于发放日期。")})
        if self.organisation_id:
            if self.organisation.kind != Organisation.Kind.ENTERPRISE:
                raise ValidationError({"organisation": _("创新券只发放给企业。")})
            self.county = self.organisation.county  # type: ignore[assignment]


class Redemption(models.Model):
    voucher = models.ForeignKey(Voucher, on_delete=models.PROTECT, related_name="redemptions")
    provider = models.ForeignKey(
        ServiceProvider, verbose_name=_("服务机构"), on_delete=models.PROTECT, related_name="redemptions"
    )
    contract_no = models.CharField(_("合同编号"), max_length=60)
    contract_amount = models.DecimalField(_("合同金额（元）"), max_digits=18, decimal_places=2)
    amount = models.DecimalField(_("兑付金额（元）"), max_digits=18, decimal_places=2)
    redeemed_on = models.DateField(_("兑付日期"))

    class Meta:
        ordering = ["-redeemed_on", "-id"]
        constraints = [models.CheckConstraint(condition=Q(amount__gt=0), name="redemption_amount_positive")]
        verbose_name = _("创新券兑付")
        verbose_name_plural = _("创新券兑付")

    def __str__(self) -> str:
        return f"{self.voucher} {self.contract_no}"


class ServiceLog(models.Model):
    """服务记录: every contact with an enterprise."""

    class Channel(models.TextChoices):
        PHONE = "phone", _("电话")
        WECHAT = "wechat", _("微信")
        VISIT = "visit", _("上门走访")
        TRAINING = "training", _("培训")
        JOINT_TAX = "joint_tax", _("联合税务部门辅导")

    county = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="+", editable=False)
    organisation = models.ForeignKey(
        Organisation, verbose_name=_("企业"), on_delete=models.PROTECT, related_name="service_logs"
    )
    programme = models.ForeignKey(
        Programme,
        verbose_name=_("涉及项目"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    date = models.DateField(_("日期"))
    channel = models.CharField(_("方式"), max_length=10, choices=Channel.choices)
    staff = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("服务人员"), on_delete=models.PROTECT, related_name="+"
    )
    topic = models.CharField(_("内容"), max_length=300)
    follow_up = models.CharField(_("后续跟进"), max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-date", "-id"]
        verbose_name = _("服务记录")
        verbose_name_plural = _("服务记录")

    def __str__(self) -> str:
        return f"{self.date} {self.topic}"

    def clean(self) -> None:
        if self.organisation_id:
            self.county = self.organisation.county  # type: ignore[assignment]


class Notification(models.Model):
    """The in-app inbox. `key` makes a reminder idempotent: the daily run never sends one twice."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications")
    key = models.CharField(max_length=120)
    title = models.CharField(_("标题"), max_length=200)
    body = models.TextField(_("内容"), blank=True)
    link = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [models.UniqueConstraint(fields=["user", "key"], name="notification_once")]
        verbose_name = _("提醒")
        verbose_name_plural = _("提醒")

    def __str__(self) -> str:
        return self.title


class ReminderChannel(models.Model):
    """Where a county's reminders also go: an e-mail address or a group robot webhook."""

    class Kind(models.TextChoices):
        EMAIL = "email", _("电子邮件")
        WECOM = "wecom", _("企业微信群机器人")
        DINGTALK = "dingtalk", _("钉钉群机器人")

    county = models.ForeignKey(
        Region, on_delete=models.PROTECT, related_name="+", limit_choices_to=COUNTY_ONLY
    )
    kind = models.CharField(_("方式"), max_length=10, choices=Kind.choices)
    target = models.CharField(_("地址"), max_length=300, help_text=_("电子邮箱，或群机器人的 Webhook 地址。"))
    is_active = models.BooleanField(_("启用"), default=True)

    class Meta:
        verbose_name = _("提醒渠道")
        verbose_name_plural = _("提醒渠道")

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.target}"
