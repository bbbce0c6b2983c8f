"""Core registers shared by every work stream: regions, industries, organisations, people, accounts,
roles and the append-only audit log."""

from __future__ import annotations

from django.contrib.auth.models import AbstractUser
from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .creditcode import credit_code_error, normalise_credit_code

# Length of the code prefix shared by everything inside a region of each level.
REGION_PREFIX_LENGTH = {"province": 2, "city": 4, "county": 6, "township": 9}


class Region(models.Model):
    """A node of the division tree, keyed by the national (NBS statistical) division code."""

    class Level(models.TextChoices):
        PROVINCE = "province", _("省")
        CITY = "city", _("市")
        COUNTY = "county", _("县（市、区）")
        TOWNSHIP = "township", _("乡镇（街道）")

    code = models.CharField(_("区划代码"), max_length=9, primary_key=True)
    name = models.CharField(_("名称"), max_length=50)
    level = models.CharField(_("级别"), max_length=10, choices=Level.choices)
    parent = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="children"
    )

    class Meta:
        ordering = ["code"]
        verbose_name = _("行政区划")
        verbose_name_plural = _("行政区划")

    def __str__(self) -> str:
        return self.name

    @property
    def prefix(self) -> str:
        """Every region inside this one has a code starting with this prefix."""
        return self.code[: REGION_PREFIX_LENGTH[self.level]]

    def contains(self, other: Region | None) -> bool:
        return other is not None and other.code.startswith(self.prefix)

    @property
    def county(self) -> Region | None:
        if self.level == self.Level.COUNTY:
            return self
        if self.level == self.Level.TOWNSHIP:
            return self.parent
        return None

    @property
    def full_name(self) -> str:
        names: list[str] = []
        node: Region | None = self
        while node is not None:
            if node.name not in ("市辖区", "县", "省直辖县级行政区划", "自治区直辖县级行政区划"):
                names.append(node.name)
            node = node.parent
        return "".join(reversed(names))


class IndustryClass(models.Model):
    """国民经济行业分类 GB/T 4754-2017, all four levels (门类 letter, 大类, 中类, 小类)."""

    class Level(models.TextChoices):
        SECTION = "section", _("门类")
        DIVISION = "division", _("大类")
        GROUP = "group", _("中类")
        CLASS = "class", _("小类")

    code = models.CharField(_("行业代码"), max_length=4, primary_key=True)
    name = models.CharField(_("行业名称"), max_length=100)
    level = models.CharField(_("级别"), max_length=10, choices=Level.choices)
    parent = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="children"
    )
    section = models.CharField(_("门类"), max_length=1, db_index=True)
    is_high_tech_manufacturing = models.BooleanField(_("高技术制造业"), default=False)

    class Meta:
        ordering = ["code"]
        verbose_name = _("行业分类")
        verbose_name_plural = _("行业分类")

    def __str__(self) -> str:
        return (
            f"{self.section}{self.code} {self.name}" if self.code[0].isdigit() else f"{self.code} {self.name}"
        )


phone_validator = RegexValidator(
    r"^[0-9+\-() ]{5,20}$", _("电话号码只能包含数字、空格和 + - ( )，长度 5–20 位。")
)


class Organisation(models.Model):
    """An enterprise, cooperative, university, institute, county department, development-zone committee,
    higher authority or service provider.

    `region` is where it is (any province, city, county or township); `county` is the county whose
    register holds it, which is what tenancy reads. An organisation elsewhere (浙江大学, a city bureau, an
    enterprise of another province) is held by the county that registered it as a partner or an expert's
    employer, and is never one of that county's enterprises: those are the ones *located* in the county
    (`local_in`)."""

    class Kind(models.TextChoices):
        ENTERPRISE = "enterprise", _("企业")
        UNIVERSITY = "university", _("高校")
        INSTITUTE = "institute", _("科研院所")
        DEPARTMENT = "department", _("县级部门")
        DEVELOPMENT_ZONE = "dev_zone", _("开发区管委会")
        AUTHORITY = "authority", _("上级主管部门")
        COOPERATIVE = "cooperative", _("农民专业合作社")
        PROVIDER = "provider", _("服务机构")
        OTHER = "other", _("其他")

    class Size(models.TextChoices):
        LARGE = "large", _("大型")
        MEDIUM = "medium", _("中型")
        SMALL = "small", _("小型")
        MICRO = "micro", _("微型")

    name = models.CharField(_("名称"), max_length=100)
    kind = models.CharField(_("类型"), max_length=12, choices=Kind.choices, default=Kind.ENTERPRISE)
    credit_code = models.CharField(_("统一社会信用代码"), max_length=18, unique=True)
    credit_code_exception = models.CharField(
        _("校验例外说明"),
        max_length=200,
        blank=True,
        help_text=_("仅当历史代码无法通过校验且经核实时填写原因。"),
    )
    region = models.ForeignKey(
        Region,
        verbose_name=_("所在地"),
        on_delete=models.PROTECT,
        related_name="organisations",
        help_text=_("单位实际所在的省、市、县（市、区）或乡镇（街道）。"),
    )
    county = models.ForeignKey(
        Region,
        verbose_name=_("登记县"),
        on_delete=models.PROTECT,
        related_name="registered_organisations",
        limit_choices_to={"level": "county"},
        blank=True,  # filled from the location when that is inside a county (clean, save)
        help_text=_(
            "在哪个县（市、区）的名录中登记；县外单位（高校、院所、上级部门、外地企业）为登记它的县。"
        ),
    )
    address = models.CharField(_("地址"), max_length=200, blank=True)
    industry = models.ForeignKey(
        IndustryClass,
        verbose_name=_("行业（小类）"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        limit_choices_to={"level": "class"},
    )
    size = models.CharField(_("规模"), max_length=8, choices=Size.choices, blank=True)
    established_on = models.DateField(_("成立日期"), null=True, blank=True)
    contact_name = models.CharField(_("联系人"), max_length=50, blank=True)
    contact_phone = models.CharField(_("联系电话"), max_length=20, blank=True, validators=[phone_validator])
    contact_email = models.EmailField(_("电子邮箱"), blank=True)
    is_active = models.BooleanField(_("有效"), default=True)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("组织机构")
        verbose_name_plural = _("组织机构")
        indexes = [models.Index(fields=["region", "kind"]), models.Index(fields=["county", "kind"])]

    def __str__(self) -> str:
        return self.name

    def save(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        self._default_county()
        super().save(*args, **kwargs)

    def clean(self) -> None:
        self.credit_code = normalise_credit_code(self.credit_code)
        self.credit_code_exception = (self.credit_code_exception or "").strip()
        error = credit_code_error(self.credit_code)
        if error and not self.credit_code_exception:
            raise ValidationError({"credit_code": error})
        self._default_county()
        if self.region_id and not self.county_id:
            raise ValidationError(
                {"county": _("所在地不在某个县（市、区）内（如省、市级单位），请填写登记县。")}
            )
        if self.county_id and self.county.level != Region.Level.COUNTY:
            raise ValidationError({"county": _("登记县须为县级区划。")})
        if self.industry is not None and self.industry.level != IndustryClass.Level.CLASS:
            raise ValidationError({"industry": _("行业须选到小类（四位代码）。")})

    def _default_county(self) -> None:
        if not self.county_id and self.region_id:
            county = self.region.county
            if county is not None:
                self.county = county

    @property
    def located_county(self) -> Region | None:
        """The county the organisation is located in (None for a province- or city-level location)."""
        return self.region.county

    @property
    def is_local(self) -> bool:
        """Located in the county whose register holds it: one of that county's own organisations."""
        return (
            self.county_id is not None
            and self.region_id is not None
            and (self.region_id == self.county_id or self.region_id.startswith(self.county_id))
        )

    @property
    def location_name(self) -> str:
        return self.region.full_name if self.region_id else ""


def local_in(prefix: str, path: str = "") -> models.Q:
    """A region's own organisations (its enterprises, when filtered by kind): located in the region of this
    code prefix and held by the register of one of its counties. Not the partners a county registered
    elsewhere (浙江大学), nor an enterprise located here that another county registered as its partner.
    `path` leads from the queried model to the organisation ("organisation" for OrganisationYear)."""
    p = f"{path}__" if path else ""
    return models.Q(**{f"{p}region__code__startswith": prefix, f"{p}county__code__startswith": prefix})


class OrganisationYear(models.Model):
    """Per-year facts about an organisation; above-scale (规上) status changes from year to year."""

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="years")
    year = models.PositiveSmallIntegerField(_("年度"))
    is_above_scale = models.BooleanField(_("规模以上工业企业"), default=False)

    class Meta:
        ordering = ["-year"]
        constraints = [
            models.UniqueConstraint(fields=["organisation", "year"], name="organisation_year_unique")
        ]
        verbose_name = _("年度状态")
        verbose_name_plural = _("年度状态")

    def __str__(self) -> str:
        return f"{self.organisation} {self.year}"

    def clean(self) -> None:
        if not 1990 <= (self.year or 0) <= 2100:
            raise ValidationError({"year": _("年度须在 1990–2100 之间。")})


class SpecialtyTag(models.Model):
    name = models.CharField(_("标签"), max_length=30, unique=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("专业标签")
        verbose_name_plural = _("专业标签")

    def __str__(self) -> str:
        return self.name


CONTACT_REQUIRED = _("请至少填写手机、固定电话或电子邮箱中的一项，以便联系本人。")


class Person(models.Model):
    """An expert, S&T commissioner, talent or contact person. One person can hold several of these."""

    class Gender(models.TextChoices):
        MALE = "male", _("男")
        FEMALE = "female", _("女")

    name = models.CharField(_("姓名"), max_length=50)
    gender = models.CharField(_("性别"), max_length=6, choices=Gender.choices, blank=True)
    county = models.ForeignKey(
        Region,
        verbose_name=_("所属县（人才库）"),
        on_delete=models.PROTECT,
        related_name="people",
        limit_choices_to={"level": "county"},
    )
    organisation = models.ForeignKey(
        Organisation,
        verbose_name=_("工作单位"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="people",
    )
    organisation_name = models.CharField(
        _("工作单位名称"), max_length=100, blank=True, help_text=_("单位不在本平台登记时填写。")
    )
    title = models.CharField(_("职称"), max_length=50, blank=True)
    position = models.CharField(_("职务"), max_length=50, blank=True)
    specialties = models.TextField(_("专业特长"), blank=True)
    tags = models.ManyToManyField(SpecialtyTag, verbose_name=_("专业标签"), blank=True, related_name="people")
    is_expert = models.BooleanField(_("专家"), default=False)
    is_commissioner = models.BooleanField(_("科技特派员"), default=False)
    is_talent = models.BooleanField(_("人才"), default=False)
    is_contact = models.BooleanField(_("联系人"), default=False)
    phone = models.CharField(_("手机"), max_length=20, blank=True, validators=[phone_validator])
    landline = models.CharField(_("固定电话"), max_length=20, blank=True, validators=[phone_validator])
    email = models.EmailField(_("电子邮箱"), blank=True)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        ordering = ["name", "id"]
        verbose_name = _("人员")
        verbose_name_plural = _("人员")

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        if self.county_id and self.county.level != Region.Level.COUNTY:
            raise ValidationError({"county": _("所属县须为县级区划。")})
        if not (self.is_expert or self.is_commissioner or self.is_talent or self.is_contact):
            raise ValidationError(_("请至少选择一种身份：专家、科技特派员、人才或联系人。"))
        if not self.has_contact:
            raise ValidationError({"phone": CONTACT_REQUIRED})

    @property
    def has_contact(self) -> bool:
        return any((value or "").strip() for value in (self.phone, self.landline, self.email))

    @property
    def workplace(self) -> str:
        return self.organisation.name if self.organisation is not None else self.organisation_name

    @property
    def kinds(self) -> list[str]:
        return [
            str(label)
            for flag, label in (
                (self.is_expert, _("专家")),
                (self.is_commissioner, _("科技特派员")),
                (self.is_talent, _("人才")),
                (self.is_contact, _("联系人")),
            )
            if flag
        ]


class User(AbstractUser):
    """An account. What it may do comes from its RoleAssignments, never from is_staff/is_superuser
    (those only open Django's admin site to the system administrator)."""

    full_name = models.CharField(_("姓名"), max_length=50, blank=True)
    phone = models.CharField(_("手机"), max_length=20, blank=True, validators=[phone_validator])
    password_changed_at = models.DateTimeField(_("密码修改时间"), default=timezone.now)
    # Set when someone other than the owner set the password (the administrator's reset, the CLI): the
    # owner must choose a new one before anything else works (PasswordExpiryMiddleware, the API).
    must_change_password = models.BooleanField(_("须修改密码"), default=False)

    class Meta:
        verbose_name = _("账号")
        verbose_name_plural = _("账号")

    def __str__(self) -> str:
        return self.full_name or self.username

    def set_password(self, raw_password: str | None) -> None:
        super().set_password(raw_password)
        self.password_changed_at = timezone.now()


class Role(models.TextChoices):
    STAFF = "staff", _("科技管理科")
    LEADER = "leader", _("局领导")
    ENTERPRISE = "enterprise", _("企业用户")
    EXPERT = "expert", _("专家")
    COMMISSIONER = "commissioner", _("科技特派员")
    DEPARTMENT = "department", _("县级部门")
    CITY = "city", _("市级科技部门")
    PROVINCE = "province", _("省级科技部门")
    ADMIN = "admin", _("系统管理员")
    SECURITY = "security", _("安全管理员")
    AUDITOR = "auditor", _("审计员")


# What each role is scoped to.
REGION_ROLES = {Role.STAFF, Role.LEADER, Role.CITY, Role.PROVINCE}
ORGANISATION_ROLES = {Role.ENTERPRISE, Role.DEPARTMENT}
PERSON_ROLES = {Role.EXPERT, Role.COMMISSIONER}
# 三员分立 (等保 2.0): the system administrator (accounts), the security administrator (roles) and the
# auditor (the log). An account holding one of them holds no other role at all.
SYSTEM_ROLES = {Role.ADMIN, Role.SECURITY, Role.AUDITOR}
BUSINESS_ROLES = [r for r in Role if r not in SYSTEM_ROLES]
REQUIRED_REGION_LEVEL = {
    Role.STAFF: Region.Level.COUNTY,
    Role.LEADER: Region.Level.COUNTY,
    Role.CITY: Region.Level.CITY,
    Role.PROVINCE: Region.Level.PROVINCE,
}


class RoleAssignment(models.Model):
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="roles")
    role = models.CharField(_("角色"), max_length=16, choices=Role.choices)
    region = models.ForeignKey(
        Region, verbose_name=_("管辖区域"), on_delete=models.PROTECT, null=True, blank=True
    )
    organisation = models.ForeignKey(
        Organisation, verbose_name=_("所属单位"), on_delete=models.PROTECT, null=True, blank=True
    )
    person = models.ForeignKey(
        Person, verbose_name=_("人员档案"), on_delete=models.PROTECT, null=True, blank=True
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("角色授权")
        verbose_name_plural = _("角色授权")
        constraints = [
            models.UniqueConstraint(
                fields=["user", "role", "region", "organisation", "person"], name="role_assignment_unique"
            )
        ]

    def __str__(self) -> str:
        scope = self.region or self.organisation or self.person or ""
        return f"{self.get_role_display()} {scope}".strip()

    def clean(self) -> None:
        if self.role not in Role.values:
            return  # the field's own validation reports it
        role = Role(self.role)
        if role in REGION_ROLES:
            if self.region is None:
                raise ValidationError({"region": _("该角色须指定管辖区域。")})
            if self.region.level != REQUIRED_REGION_LEVEL[role]:
                raise ValidationError(
                    {
                        "region": _("该角色的管辖区域须为%(level)s级。")
                        % {"level": Region.Level(REQUIRED_REGION_LEVEL[role]).label}
                    }
                )
        if role in ORGANISATION_ROLES and not self.organisation_id:
            raise ValidationError({"organisation": _("该角色须指定所属单位。")})
        if role in PERSON_ROLES and not self.person_id:
            raise ValidationError({"person": _("该角色须关联人员档案。")})
        # A scope that does not belong to the role would silently widen it (permissions read every field).
        stray = {
            "region": role not in REGION_ROLES and self.region_id is not None,
            "organisation": role not in ORGANISATION_ROLES and self.organisation_id is not None,
            "person": role not in PERSON_ROLES and self.person_id is not None,
        }
        errors = {field: _("该角色不使用此范围，请留空。") for field, bad in stray.items() if bad}
        if errors:
            raise ValidationError(errors)
        if self.user_id:
            others = RoleAssignment.objects.filter(user_id=self.user_id).exclude(pk=self.pk)
            message = separation_error(role, {Role(r) for r in others.values_list("role", flat=True)})
            if message:
                raise ValidationError({"role": message})


def separation_error(role: Role, held: set[Role]) -> str:
    """三员分立: why an account holding `held` may not also get `role` ("" when it may)."""
    if role in SYSTEM_ROLES and held - {role}:
        return str(
            _("%(role)s账号不能兼有其他角色（已有：%(held)s）。")
            % {"role": role.label, "held": "、".join(str(r.label) for r in sorted(held))}
        )
    system = sorted(held & SYSTEM_ROLES)
    if system and role not in system:
        return str(
            _("该账号是%(system)s账号，不能再授予其他角色（三员分立）。")
            % {"system": "、".join(str(r.label) for r in system)}
        )
    return ""


class RoleGrantRequest(models.Model):
    """A role grant or revocation asked for by one security administrator (or the server operator
    on the command line). It takes effect only when another security administrator approves it: never
    the requester, never the account it concerns. Every step is audited."""

    class Kind(models.TextChoices):
        GRANT = "grant", _("授予")
        REVOKE = "revoke", _("撤销")

    class Decision(models.TextChoices):
        PENDING = "pending", _("待审批")
        APPROVED = "approved", _("已批准")
        REJECTED = "rejected", _("已驳回")
        WITHDRAWN = "withdrawn", _("已撤回")

    kind = models.CharField(_("类型"), max_length=8, choices=Kind.choices, default=Kind.GRANT)
    user = models.ForeignKey(
        User, verbose_name=_("账号"), on_delete=models.CASCADE, related_name="role_requests"
    )
    role = models.CharField(_("角色"), max_length=16, choices=Role.choices)
    region = models.ForeignKey(
        Region, verbose_name=_("管辖区域"), on_delete=models.PROTECT, null=True, blank=True
    )
    organisation = models.ForeignKey(
        Organisation, verbose_name=_("所属单位"), on_delete=models.PROTECT, null=True, blank=True
    )
    person = models.ForeignKey(
        Person, verbose_name=_("人员档案"), on_delete=models.PROTECT, null=True, blank=True
    )
    # The assignment a revocation removes, or the one an approved grant created.
    assignment = models.ForeignKey(
        RoleAssignment, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    reason = models.CharField(_("申请理由"), max_length=200)
    requested_by = models.ForeignKey(
        User,
        verbose_name=_("申请人"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text=_("为空表示服务器命令行（kechuang createuser）。"),
    )
    requested_label = models.CharField(_("申请人"), max_length=150)
    requested_at = models.DateTimeField(_("申请时间"), default=timezone.now)
    decision = models.CharField(
        _("审批结果"), max_length=10, choices=Decision.choices, default=Decision.PENDING, db_index=True
    )
    decided_by = models.ForeignKey(
        User, verbose_name=_("审批人"), on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(_("审批时间"), null=True, blank=True)
    decision_note = models.CharField(_("审批意见"), max_length=200, blank=True)

    class Meta:
        ordering = ["-requested_at", "-id"]
        verbose_name = _("角色授权申请")
        verbose_name_plural = _("角色授权申请")
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(decided_by=models.F("requested_by")),
                name="role_request_not_self_approved",
            ),
            models.CheckConstraint(
                condition=~models.Q(decided_by=models.F("user")), name="role_request_not_grantee_approved"
            ),
        ]

    def __str__(self) -> str:
        scope = self.region or self.organisation or self.person or ""
        return f"{self.get_kind_display()} {self.user.username} {self.get_role_display()} {scope}".strip()

    @property
    def scope(self) -> Region | Organisation | Person | None:
        return self.region or self.organisation or self.person


class Signup(models.Model):
    """An enterprise's request for an account. Nothing enters the registers until county staff approve
    it: then the organisation is registered (if new), the role granted and the account activated."""

    class Decision(models.TextChoices):
        PENDING = "pending", _("待审核")
        APPROVED = "approved", _("已激活")
        REJECTED = "rejected", _("已驳回")

    user = models.OneToOneField(User, on_delete=models.CASCADE, related_name="signup")
    organisation_name = models.CharField(_("企业名称"), max_length=100)
    credit_code = models.CharField(_("统一社会信用代码"), max_length=18)
    region = models.ForeignKey(Region, verbose_name=_("所在县（市、区）"), on_delete=models.PROTECT)
    decision = models.CharField(
        _("审核结果"), max_length=10, choices=Decision.choices, default=Decision.PENDING
    )
    reason = models.CharField(_("驳回原因"), max_length=200, blank=True)
    decided_by = models.ForeignKey(User, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    decided_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(_("申请时间"), auto_now_add=True)

    class Meta:
        ordering = ["created_at"]
        verbose_name = _("企业注册申请")
        verbose_name_plural = _("企业注册申请")

    def __str__(self) -> str:
        return f"{self.organisation_name}（{self.user.username}）"

    def clean(self) -> None:
        error = credit_code_error(self.credit_code)
        if error:
            raise ValidationError({"credit_code": error})
        if self.region_id and self.region.level != Region.Level.COUNTY:
            raise ValidationError({"region": _("请选择所在县（市、区）。")})


class ApiToken(models.Model):
    """A bearer token for the REST API. Only its SHA-256 digest is stored; the token is shown once."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(_("用途"), max_length=50)
    digest = models.CharField(max_length=64, unique=True)
    prefix = models.CharField(max_length=8)
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("API 令牌")
        verbose_name_plural = _("API 令牌")

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"


class SystemFlag(models.Model):
    """Small facts about this installation (e.g. that the demo county is loaded)."""

    key = models.CharField(max_length=50, primary_key=True)
    value = models.CharField(max_length=200, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return self.key


class AppendOnlyQuerySet(models.QuerySet):
    def update(self, **kwargs):  # type: ignore[no-untyped-def]
        raise PermissionError("审计日志只能追加，不能修改。")

    def delete(self):  # type: ignore[no-untyped-def]
        raise PermissionError("审计日志只能追加，不能删除。")


class AuditEvent(models.Model):
    """One audited action. Append-only: no update or delete path in Python, and database triggers
    refuse UPDATE, DELETE and TRUNCATE as well (kechuang/core/appendonly.py); only the auditor's prune
    removes rows, and only rows older than the retention period (at least 184 days)."""

    class Result(models.TextChoices):
        OK = "ok", _("成功")
        DENIED = "denied", _("拒绝")
        FAILED = "failed", _("失败")

    at = models.DateTimeField(_("时间（UTC）"), default=timezone.now, db_index=True)
    user = models.ForeignKey(
        User, verbose_name=_("用户"), on_delete=models.DO_NOTHING, null=True, db_constraint=False
    )
    username = models.CharField(_("账号"), max_length=150, blank=True, db_index=True)
    ip = models.GenericIPAddressField(_("IP"), null=True, blank=True)
    action = models.CharField(_("操作"), max_length=32, db_index=True)
    object_type = models.CharField(_("对象类型"), max_length=50, blank=True, db_index=True)
    object_id = models.CharField(_("对象编号"), max_length=64, blank=True)
    object_repr = models.CharField(_("对象"), max_length=200, blank=True)
    before = models.JSONField(_("修改前"), null=True, blank=True)
    after = models.JSONField(_("修改后"), null=True, blank=True)
    result = models.CharField(_("结果"), max_length=8, choices=Result.choices, default=Result.OK)
    detail = models.TextField(_("说明"), blank=True)

    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        ordering = ["-at", "-id"]
        verbose_name = _("审计日志")
        verbose_name_plural = _("审计日志")

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M:%S} {self.username} {self.action} {self.object_repr}"

    def save(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        if not self._state.adding:
            raise PermissionError("审计日志只能追加，不能修改。")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        raise PermissionError("审计日志只能追加，不能删除。")


class FailureWindow(models.Model):
    """Failed logins and bad API tokens counted per client IP and minute (UTC). The audit log gets the
    first failure of each minute as an event of its own and, once the minute is over, one summary event
    with the count (core/throttle.py); the running count lives here because the log is append-only.
    The sum over the lockout period is what the per-IP limit is checked against."""

    class Kind(models.TextChoices):
        LOGIN = "login", _("登录")
        TOKEN = "token", _("API 令牌")

    kind = models.CharField(max_length=8, choices=Kind.choices)
    ip = models.CharField(max_length=45, blank=True)  # "" when the client address is unknown
    minute = models.DateTimeField()  # the start of the minute
    failures = models.PositiveIntegerField(default=0)
    refused = models.PositiveIntegerField(default=0)  # attempts refused because the IP was over its limit
    usernames = models.JSONField(default=list)  # the first few distinct usernames (or token prefixes)
    summarised = models.BooleanField(default=False)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["kind", "ip", "minute"], name="core_failurewindow_once")
        ]
        indexes = [models.Index(fields=["summarised", "minute"], name="core_failurewindow_open")]

    def __str__(self) -> str:
        return f"{self.kind} {self.ip} {self.minute:%Y-%m-%d %H:%M} {self.failures}"
