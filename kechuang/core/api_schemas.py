"""Schemas of the core REST API: what goes in (validated types, codes as strings) and what comes out
(related records as code + name). Rules stay in the models and services; these only shape data."""

from __future__ import annotations

import datetime as dt
import re
from typing import Annotated, Any, Literal

from ninja import Field, Schema
from pydantic import BeforeValidator, ConfigDict, field_validator

from . import permissions
from .models import Organisation, Person, Region

# Allowed values written out so type checkers and the OpenAPI schema see them; a test checks that they
# match the models' choices.
OrganisationKind = Literal[
    "enterprise",
    "university",
    "institute",
    "department",
    "dev_zone",
    "authority",
    "cooperative",
    "provider",
    "other",
]
OrganisationSize = Literal["large", "medium", "small", "micro", ""]
Gender = Literal["male", "female", ""]
RegionLevel = Literal["province", "city", "county", "township"]
IndustryLevel = Literal["section", "division", "group", "class"]
PersonKind = Literal["expert", "commissioner", "talent", "contact"]
AuditResult = Literal["ok", "denied", "failed"]


def _contacts_visible(obj: Person, context: Any) -> bool:
    request = (context or {}).get("request")
    return request is not None and permissions.can_see_contacts(request.auth, obj)


# A lone UTF-16 surrogate (U+D800–U+DFFF): JSON may spell one ("\ud800") and Python keeps it in a str,
# but it is no character and cannot be encoded as UTF-8, so no database could store it.
_SURROGATE = re.compile("[\ud800-\udfff]")


def _iso_date(value: Any) -> Any:
    """Only YYYY-MM-DD: pydantic on its own also takes numbers and numeric strings as Unix times
    ("0" is 1970-01-01), which the schema (format: date) does not allow."""
    if isinstance(value, dt.date) or (
        isinstance(value, str) and re.fullmatch("[0-9]{4}-[0-9]{2}-[0-9]{2}", value)
    ):
        return value
    raise ValueError("须为日期，格式 YYYY-MM-DD。")


IsoDate = Annotated[dt.date, BeforeValidator(_iso_date)]


class InputSchema(Schema):
    """Base of request bodies and query filters: text may not contain NUL characters (PostgreSQL
    refuses them) nor lone surrogates (UTF-8 cannot encode them), which would otherwise end as a server
    error. Pydantic refuses lone surrogates itself only in strings with a length limit, not in others
    such as the items of a list."""

    @field_validator("*", mode="after")
    @classmethod
    def _storable_text(cls, value: Any) -> Any:
        texts = [t for t in (value if isinstance(value, list) else [value]) if isinstance(t, str)]
        if any("\x00" in t for t in texts):
            raise ValueError("不能包含空字符（NUL）。")
        if any(_SURROGATE.search(t) for t in texts):
            raise ValueError("含有无效的字符（孤立的 UTF-16 代理项）。")
        return value


# --- errors -------------------------------------------------------------------------------------------


class ErrorOut(Schema):
    detail: str = Field(..., description="错误说明")


class ChangeOut(Schema):
    username: str = Field(..., description="修改人")
    at: str | None = Field(None, description="修改时间（ISO 8601）")
    fields: list[str] = Field(..., description="修改的字段")


class ConflictOut(Schema):
    detail: str = Field(..., description="中文说明：谁在何时修改了哪些字段，您的修改未保存")
    fields: list[str] = Field(..., description="与您的修改冲突的字段")
    changes: list[ChangeOut] = Field(..., description="您读取之后他人的修改")
    current: dict[str, Any] = Field(..., description="冲突字段的当前值")


class FieldErrorOut(Schema):
    field: str | None = Field(None, description="出错的字段；整体性错误为 null")
    message: str = Field(..., description="中文错误说明")


class ValidationErrorOut(Schema):
    detail: list[FieldErrorOut]


# --- reference data -----------------------------------------------------------------------------------


class RegionRef(Schema):
    code: str = Field(..., description="行政区划代码")
    name: str = Field(..., description="名称")


class RegionOut(Schema):
    code: str = Field(..., description="行政区划代码（省 2 位前缀补零、县 6 位、乡镇 9 位）")
    name: str
    level: str = Field(
        ..., description="级别：province 省、city 市、county 县（市、区）、township 乡镇（街道）"
    )
    level_label: str
    parent: str | None = Field(None, description="上级区划代码")

    @staticmethod
    def resolve_level_label(obj: Region) -> str:
        return str(obj.get_level_display())

    @staticmethod
    def resolve_parent(obj: Region) -> str | None:
        return obj.parent_id


class RegionDetailOut(RegionOut):
    full_name: str = Field(..., description="全称（含上级区划）")
    parent_name: str | None = None

    @staticmethod
    def resolve_parent_name(obj: Region) -> str | None:
        return obj.parent.name if obj.parent is not None else None


class RegionFilters(InputSchema):
    parent: str = Field("", max_length=9, description="上级区划代码，如 330824 列出开化县的乡镇（街道）")
    level: RegionLevel | None = Field(None, description="级别")
    q: str = Field("", max_length=50, description="名称中包含的文字")


class IndustryRef(Schema):
    code: str = Field(..., description="行业代码（GB/T 4754-2017）")
    name: str


class IndustryOut(Schema):
    code: str = Field(..., description="行业代码：门类为字母，大类 2 位、中类 3 位、小类 4 位数字")
    name: str
    level: str = Field(..., description="级别：section 门类、division 大类、group 中类、class 小类")
    level_label: str
    section: str = Field(..., description="所属门类字母")
    parent: str | None = Field(None, description="上级代码")
    is_high_tech_manufacturing: bool = Field(..., description="是否属于高技术制造业")

    @staticmethod
    def resolve_level_label(obj: Any) -> str:
        return str(obj.get_level_display())

    @staticmethod
    def resolve_parent(obj: Any) -> str | None:
        return obj.parent_id


class IndustryFilters(InputSchema):
    q: str = Field("", max_length=50, description="代码前缀或名称中包含的文字")
    level: IndustryLevel | None = Field(None, description="级别")
    parent: str = Field("", max_length=4, description="上级代码")
    section: str = Field("", max_length=1, description="门类字母")
    high_tech: bool | None = Field(None, description="只列高技术制造业（true）或非高技术制造业（false）")


# --- organisations ------------------------------------------------------------------------------------


class OrganisationRef(Schema):
    id: int
    name: str


class OrganisationYearOut(Schema):
    year: int = Field(..., description="年度")
    is_above_scale: bool = Field(..., description="该年度是否为规模以上工业企业")


class OrganisationYearIn(InputSchema):
    model_config = ConfigDict(extra="forbid")

    is_above_scale: bool = Field(..., description="该年度是否为规模以上工业企业")


class OrganisationOut(Schema):
    id: int
    name: str = Field(..., description="名称")
    kind: str = Field(..., description="类型")
    kind_label: str
    credit_code: str = Field(..., description="统一社会信用代码")
    credit_code_exception: str = Field(..., description="校验例外说明")
    region: RegionRef = Field(..., description="所在地（省、市、县或乡镇）")
    county: RegionRef = Field(..., description="登记县：在哪个县的名录中登记（县外单位为登记它的县）")
    is_local: bool = Field(..., description="是否位于登记县内（县外单位不计入该县企业数）")
    industry: IndustryRef | None = Field(None, description="行业（小类）")
    size: str = Field(..., description="规模：large 大型、medium 中型、small 小型、micro 微型，未填为空")
    established_on: dt.date | None = Field(None, description="成立日期")
    address: str
    contact_name: str
    contact_phone: str
    contact_email: str
    is_active: bool
    years: list[OrganisationYearOut] = Field(..., description="各年度状态（规上与否）")
    created_at: dt.datetime
    updated_at: dt.datetime

    @staticmethod
    def resolve_kind_label(obj: Organisation) -> str:
        return str(obj.get_kind_display())


class OrganisationFilters(InputSchema):
    q: str = Field("", max_length=100, description="名称、统一社会信用代码或地址中包含的文字")
    kind: OrganisationKind | None = Field(None, description="类型")
    region: str = Field("", max_length=9, description="所在地区划代码前缀（如县代码 330824）")
    section: str = Field("", max_length=1, description="行业门类字母（如 C 制造业）")
    above_scale_year: int | None = Field(None, ge=1990, le=2100, description="只列出该年度的规上工业企业")


class _OrganisationFields(InputSchema):
    model_config = ConfigDict(extra="forbid")

    credit_code_exception: str = Field(
        "", max_length=200, description="校验例外说明：仅县科技管理科可填，用于经核实但无法通过校验的历史代码"
    )
    industry: str | None = Field(
        None, max_length=5, description="行业小类四位代码，如 3985；可带门类字母（C3985）"
    )
    size: OrganisationSize = Field("", description="规模")
    established_on: IsoDate | None = Field(None, description="成立日期（YYYY-MM-DD）")
    address: str = Field("", max_length=200, description="地址")
    contact_name: str = Field("", max_length=50, description="联系人")
    contact_phone: str = Field("", max_length=20, description="联系电话")
    contact_email: str = Field("", max_length=254, description="电子邮箱")
    is_active: bool = Field(True, description="是否有效")


class OrganisationIn(_OrganisationFields):
    name: str = Field(..., min_length=1, max_length=100, description="名称")
    kind: OrganisationKind = Field("enterprise", description="类型")
    credit_code: str = Field(
        ..., min_length=1, max_length=30, description="统一社会信用代码（18 位，校验位须正确）"
    )
    region: str = Field(
        ...,
        min_length=2,
        max_length=9,
        description="所在地：省、市、县（6 位）或乡镇（9 位）行政区划代码；县外单位填其实际所在地",
    )
    county: str | None = Field(
        None,
        min_length=6,
        max_length=6,
        description="登记县的 6 位区划代码；省略时记入所在地所在的县，所在地为省、市的记入您所在的县；"
        "县外单位（如位于西湖区的浙江大学）须填本县",
    )


class OrganisationPatch(InputSchema):
    """Every field optional; only the fields sent are changed."""

    model_config = ConfigDict(extra="forbid")

    name: str | None = Field(None, min_length=1, max_length=100, description="名称")
    kind: OrganisationKind | None = Field(None, description="类型（仅县科技管理科可改）")
    credit_code: str | None = Field(
        None, min_length=1, max_length=30, description="统一社会信用代码（仅县科技管理科可改）"
    )
    credit_code_exception: str | None = Field(
        None, max_length=200, description="校验例外说明（仅县科技管理科可填）"
    )
    region: str | None = Field(
        None, min_length=2, max_length=9, description="所在地区划代码（仅县科技管理科可改）"
    )
    county: str | None = Field(
        None, min_length=6, max_length=6, description="登记县的 6 位区划代码（仅县科技管理科可改）"
    )
    industry: str | None = Field(None, max_length=5, description="行业小类四位代码；null 清空")
    size: OrganisationSize | None = Field(None, description="规模")
    established_on: IsoDate | None = Field(None, description="成立日期")
    address: str | None = Field(None, max_length=200)
    contact_name: str | None = Field(None, max_length=50)
    contact_phone: str | None = Field(None, max_length=20)
    contact_email: str | None = Field(None, max_length=254)
    is_active: bool | None = Field(None, description="是否有效（仅县科技管理科可改）")


# --- people -------------------------------------------------------------------------------------------


class PersonOut(Schema):
    id: int
    name: str = Field(..., description="姓名")
    gender: str = Field(..., description="性别：male 男、female 女，未填为空")
    county: RegionRef = Field(..., description="所属县（人才库）")
    organisation: OrganisationRef | None = Field(None, description="工作单位（在本平台登记时）")
    organisation_name: str = Field(..., description="工作单位名称（单位未登记时）")
    workplace: str = Field(..., description="工作单位（显示用）")
    title: str = Field(..., description="职称")
    position: str = Field(..., description="职务")
    specialties: str = Field(..., description="专业特长")
    tags: list[str] = Field(..., description="专业标签")
    is_expert: bool
    is_commissioner: bool
    is_talent: bool
    is_contact: bool
    kinds: list[str] = Field(..., description="身份（中文）")
    phone: str | None = Field(None, description="手机；无权查看联系方式时为 null")
    landline: str | None = Field(None, description="固定电话；无权查看联系方式时为 null")
    email: str | None = Field(None, description="电子邮箱；无权查看联系方式时为 null")
    created_at: dt.datetime
    updated_at: dt.datetime

    @staticmethod
    def resolve_tags(obj: Person) -> list[str]:
        return [t.name for t in obj.tags.all()]

    @staticmethod
    def resolve_phone(obj: Person, context: Any) -> str | None:
        return obj.phone if _contacts_visible(obj, context) else None

    @staticmethod
    def resolve_landline(obj: Person, context: Any) -> str | None:
        return obj.landline if _contacts_visible(obj, context) else None

    @staticmethod
    def resolve_email(obj: Person, context: Any) -> str | None:
        return obj.email if _contacts_visible(obj, context) else None


class PersonFilters(InputSchema):
    q: str = Field("", max_length=100, description="姓名、专业特长或工作单位中包含的文字")
    kind: PersonKind | None = Field(
        None, description="身份：expert 专家、commissioner 科技特派员、talent 人才、contact 联系人"
    )
    tag: str = Field("", max_length=30, description="专业标签")


class PersonIn(InputSchema):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(..., min_length=1, max_length=50, description="姓名")
    gender: Gender = Field("", description="性别")
    county: str = Field(..., min_length=6, max_length=6, description="所属县（人才库）的 6 位行政区划代码")
    organisation: int | None = Field(None, description="工作单位编号（须为您可查看的单位）")
    organisation_name: str = Field("", max_length=100, description="工作单位名称（单位未在本平台登记时填写）")
    title: str = Field("", max_length=50, description="职称")
    position: str = Field("", max_length=50, description="职务")
    specialties: str = Field("", max_length=2000, description="专业特长")
    tags: list[str] = Field([], max_length=50, description="专业标签")
    is_expert: bool = Field(False, description="专家")
    is_commissioner: bool = Field(False, description="科技特派员")
    is_talent: bool = Field(False, description="人才")
    is_contact: bool = Field(False, description="联系人")
    phone: str = Field("", max_length=20, description="手机（手机、固定电话、电子邮箱至少填一项）")
    landline: str = Field("", max_length=20, description="固定电话")
    email: str = Field("", max_length=254, description="电子邮箱")


class PersonPatch(InputSchema):
    """Every field optional; only the fields sent are changed."""

    model_config = ConfigDict(extra="forbid")

    name: str | None = Field(None, min_length=1, max_length=50)
    gender: Gender | None = None
    county: str | None = Field(None, min_length=6, max_length=6, description="所属县的 6 位行政区划代码")
    organisation: int | None = Field(None, description="工作单位编号；null 清空")
    organisation_name: str | None = Field(None, max_length=100)
    title: str | None = Field(None, max_length=50)
    position: str | None = Field(None, max_length=50)
    specialties: str | None = Field(None, max_length=2000)
    tags: list[str] | None = Field(None, max_length=50, description="专业标签（整体替换）")
    is_expert: bool | None = None
    is_commissioner: bool | None = None
    is_talent: bool | None = None
    is_contact: bool | None = None
    phone: str | None = Field(None, max_length=20)
    landline: str | None = Field(None, max_length=20)
    email: str | None = Field(None, max_length=254)


# --- audit --------------------------------------------------------------------------------------------


class AuditEventOut(Schema):
    id: int
    at: dt.datetime = Field(..., description="时间（UTC）")
    username: str = Field(..., description="账号")
    ip: str | None = Field(None, description="来源 IP")
    action: str = Field(..., description="操作")
    object_type: str = Field(..., description="对象类型，如 core.organisation")
    object_id: str = Field(..., description="对象编号")
    object_repr: str = Field(..., description="对象")
    before: Any = Field(None, description="修改前")
    after: Any = Field(None, description="修改后")
    result: str = Field(..., description="结果：ok 成功、denied 拒绝、failed 失败")
    detail: str = Field(..., description="说明")


class AuditFilters(InputSchema):
    username: str = Field("", max_length=150, description="账号中包含的文字")
    action: str = Field(
        "", max_length=32, description="操作，如 create、update、delete、login、permission_denied"
    )
    object_type: str = Field("", max_length=50, description="对象类型，如 core.organisation")
    result: AuditResult | None = Field(None, description="结果")
    start: IsoDate | None = Field(None, description="起始日期（含）")
    end: IsoDate | None = Field(None, description="截止日期（含）")


# --- accounts -----------------------------------------------------------------------------------------


class PersonRef(Schema):
    id: int
    name: str


class RoleOut(Schema):
    role: str = Field(..., description="角色代码")
    label: str = Field(..., description="角色名称")
    region: RegionRef | None = Field(None, description="管辖区域")
    organisation: OrganisationRef | None = Field(None, description="所属单位")
    person: PersonRef | None = Field(None, description="人员档案")

    @staticmethod
    def resolve_label(obj: Any) -> str:
        return str(obj.get_role_display())


class MeOut(Schema):
    id: int
    username: str = Field(..., description="账号")
    full_name: str = Field(..., description="姓名")
    email: str
    roles: list[RoleOut] = Field(..., description="角色及其范围")
    can_read_audit: bool = Field(..., description="可查阅审计日志")
    can_import: bool = Field(..., description="可导入数据")
    can_export: bool = Field(..., description="可导出数据")


class ApiTokenIn(InputSchema):
    model_config = ConfigDict(extra="forbid")

    name: str = Field("API", min_length=1, max_length=50, description="用途，如“统计脚本”")


class ApiTokenOut(Schema):
    id: int
    name: str = Field(..., description="用途")
    prefix: str = Field(..., description="令牌前 8 位，便于辨认")
    created_at: dt.datetime
    last_used_at: dt.datetime | None = None


class ApiTokenCreatedOut(ApiTokenOut):
    token: str = Field(..., description="令牌明文：只显示这一次，请妥善保存")
