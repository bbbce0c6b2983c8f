"""Excel registers of the programmes engine: policies (with their incentive rules), programmes, calls,
applications, upper-level results, awards, the qualification register, disbursements and vouchers.

Unlike the core registers, which validate every row and then write in bulk, these write each row
through the programmes services (`ServiceRegister.apply`): a policy through policy_save, a historical
application through application_create and application_transition, an upper-level approval through
application_approve, a payment through disbursement_create (so the 公示 rule applies). The timeline,
the audit events and every business rule are then exactly those of the pages. It stays all-or-nothing:
every row is checked and written inside the import's transaction (each row in its own savepoint, so one
bad row does not hide the problems of the next), and if any row failed, ImportRejected lists every
problem and the whole file is rolled back.

The services need an acting user: from the command line, give one with `kechuang import --user`."""

from __future__ import annotations

import datetime as dt
from abc import abstractmethod
from collections import Counter, defaultdict, deque
from collections.abc import Callable, Iterable
from decimal import Decimal
from typing import Any, ClassVar

from dateutil.relativedelta import relativedelta
from django.core.exceptions import NON_FIELD_ERRORS, PermissionDenied, ValidationError
from django.db import IntegrityError, models, transaction
from django.db.models import F, QuerySet, Sum
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy

from kechuang.core import permissions
from kechuang.core.models import Organisation, Person, Region
from kechuang.imports.registers import (
    BOOL,
    CHOICE,
    DATE,
    DECIMAL,
    INT,
    REF_ORGANISATION,
    REGION,
    TAGS,
    Column,
    ImportContext,
    Register,
    Row,
    Table,
    register,
)
from kechuang.imports.report import ImportRejected, ImportResult

from . import backfill_payments, selectors, services, workflow
from .docno import parse_document_number
from .models import (
    Application,
    Award,
    Call,
    Disbursement,
    FundingSource,
    IncentiveRule,
    Level,
    PolicyDocument,
    Programme,
    Status,
    Voucher,
    default_applicant_kinds,
)

HISTORY_COMMENT = _lazy("按导入文件录入")
MONEY_LIMIT = Decimal(10) ** 16
CENT = Decimal("0.01")
FIRST_DAY, LAST_DAY = dt.date(1949, 1, 1), dt.date(2100, 12, 31)
CREATE, UPDATE, SAME = "create", "update", "same"

# Statuses that follow an upper-level approval.
APPROVED_FAMILY = {Status.APPROVED, Status.IN_PROGRESS, Status.ACCEPTED, Status.CLOSED}
RESULT_CHOICES = ((Status.APPROVED.value, _lazy("批准")), (Status.NOT_APPROVED.value, _lazy("未获批")))


# --- cell validators ------------------------------------------------------------------------------------


def _docno_error(value: str) -> str | None:
    try:
        parse_document_number(value)
    except ValidationError as exc:
        return "；".join(exc.messages)
    return None


def _money_error(value: Decimal) -> str | None:
    if value < 0:
        return _("金额不能为负数。")
    if value >= MONEY_LIMIT:
        return _("金额过大。")
    if value != value.quantize(CENT):
        return _("金额最多保留两位小数（精确到分）。")
    return None


def _positive_money_error(value: Decimal) -> str | None:
    if value <= 0:
        return _("金额须大于 0。")
    return _money_error(value)


def _date_error(value: dt.date) -> str | None:
    return None if FIRST_DAY <= value <= LAST_DAY else _("日期须在 1949–2100 年之间。")


def _year_error(value: int) -> str | None:
    return None if 1990 <= value <= 2100 else _("年度须在 1990–2100 之间。")


def _tranche_error(value: int) -> str | None:
    return None if 1 <= value <= 100 else _("期次须为 1–100 的整数。")


def _validity_error(value: int) -> str | None:
    return None if 1 <= value <= 50 else _("有效期须为 1–50 年。")


def _phone_key(phone: str) -> str:
    return "".join(ch for ch in phone or "" if ch.isdigit() or ch == "+")


def _docno_text(value: str) -> str:
    return parse_document_number(value).text


def _same(a: Any, b: Any) -> bool:
    if isinstance(a, models.Model) or isinstance(b, models.Model):
        return getattr(a, "pk", a) == getattr(b, "pk", b)
    if isinstance(a, Decimal) or isinstance(b, Decimal):
        if a is None or b is None:
            return a is b
        return Decimal(a) == Decimal(b)
    return (a or "") == (b or "") if isinstance(a, str) or isinstance(b, str) else a == b


def _changes(obj: Any, data: dict[str, Any]) -> dict[str, Any]:
    """The part of `data` that differs from the object's current values."""
    return {k: v for k, v in data.items() if not _same(getattr(obj, k), v)}


def _create_or_update(
    ctx: ImportContext, existing: Any, data: dict[str, Any], *, create: Any, update: Any
) -> str:
    """A new record through `create(data)`, or only the changed fields of `existing` through
    `update(changes)`; the row's record is remembered for the report."""
    if existing is None:
        ctx.state["written"] = create(data).pk
        return CREATE
    ctx.state["written"] = existing.pk
    changes = _changes(existing, data)
    if not changes:
        return SAME
    update(changes)
    return UPDATE


# --- walking the declared workflow ----------------------------------------------------------------------


def path_to(application: Application, target: str) -> list[workflow.Move] | None:
    """The shortest chain of staff moves (from the declared table, none of those reserved to a dedicated
    service) that takes the application from its status to `target`; None when there is none."""
    kinds = workflow.family(application)
    start = application.status
    queue: deque[tuple[str, list[workflow.Move]]] = deque([(start, [])])
    seen = {start}
    while queue:
        status, path = queue.popleft()
        if status == target:
            return path
        for move in workflow.MOVES:
            if (
                move.source == status
                and move.actor == workflow.STAFF
                and not move.via_service
                and move.applies_to & kinds
                and move.target not in seen
            ):
                seen.add(move.target)
                queue.append((move.target, [*path, move]))
    return None


def walk(application: Application, target: str, *, by: Any, comment: str) -> int:
    """Move the application to `target` through each transition of the table, as `by`; the timeline
    records every step. Returns the number of moves made."""
    path = path_to(application, target)
    if path is None:
        raise ValidationError(
            _("申报当前状态为“%(s)s”，不能经由流程变更为“%(t)s”。")
            % {"s": application.get_status_display(), "t": Status(target).label}
        )
    for move in path:
        services.application_transition(application=application, to=move.target, by=by, comment=comment)
    return len(path)


# --- the base of service-written registers ---------------------------------------------------------------


class ServiceRegister(Register):
    """A register whose rows are checked, then written one by one through the services."""

    # Service field name → column key, where they differ (for reporting a service's field errors).
    field_columns: ClassVar[dict[str, str]] = {}
    # Column key → how an exported record shows it (for columns that are not plain model fields).
    getters: ClassVar[dict[str, Callable[[Any, Any], Any]]] = {}

    def fetch_existing(self, ctx: ImportContext, rows: list[Row]) -> dict[tuple, list[Any]]:
        return {}  # each row finds its record itself, in `check`

    # --- hooks -----------------------------------------------------------------------------------------

    def prepare(self, ctx: ImportContext, rows: list[Row], present: list[Column]) -> None:
        """Load in bulk what the rows refer to (one query per kind)."""

    def check(self, ctx: ImportContext, row: Row, present: list[Column]) -> None:
        """Resolve the row's references and set `row.key`; report problems with row.error. No writes."""

    @abstractmethod
    def write_row(self, ctx: ImportContext, row: Row, present: list[Column]) -> str:
        """Write one row through the services; return CREATE, UPDATE or SAME."""

    # --- export ----------------------------------------------------------------------------------------

    def export_value(self, column: Column, obj: Any, user: Any) -> Any:
        getter = self.getters.get(column.key)
        if getter is not None:
            return getter(obj, user)
        return super().export_value(column, obj, user)

    # --- the import ------------------------------------------------------------------------------------

    def present_keys(self, present: list[Column]) -> set[str]:
        return {c.key for c in present}

    def report(self, row: Row, exc: ValidationError, present: list[Column]) -> None:
        keys = self.present_keys(present)
        items = exc.message_dict.items() if hasattr(exc, "error_dict") else [(NON_FIELD_ERRORS, exc.messages)]
        for name, messages in items:
            key = self.field_columns.get(name, name)
            column = self.column(key) if key in keys else None
            label = column.label if column is not None else self.non_field_label
            if column is None and name != NON_FIELD_ERRORS:
                model_field = self._field(name)
                label = str(model_field.verbose_name) if model_field is not None else self.non_field_label
            for message in messages:
                row.error(column, message, label=label)

    def apply(self, table: Table, *, by: Any) -> ImportResult:
        if by is None:
            raise ImportRejected.file(
                _(
                    "“%(label)s”须以县科技管理科的账号导入（与网页办理相同的业务规则）：请在网页上传，或在命令行加 --user 账号名。"
                )
                % {"label": self.label}
            )
        ctx, rows, mapping = self.read_rows(table, by=by)
        present = list(mapping.values())
        for row in rows:
            for column in present:
                value = row.values.get(column.key)
                if column.validator is not None and value is not None and column.key not in row.bad:
                    message = column.validator(value)
                    if message:
                        row.error(column, message)
                if column.type == DECIMAL and value is not None and column.key not in row.bad:
                    row.values[column.key] = value.quantize(CENT)  # money in 元, to the 分
        self.prepare(ctx, rows, present)
        first_seen: dict[tuple, int] = {}
        for row in rows:
            self.check(ctx, row, present)
            if row.key is None or row.errors:
                continue
            if row.key in first_seen:
                row.error(
                    self.column(self.duplicate_column or self.natural_key[0]),
                    _("与第 %(n)d 行重复（%(key)s相同），同一文件中每条记录只能出现一次。")
                    % {"n": first_seen[row.key], "key": "、".join(self.natural_key_labels)},
                )
            else:
                first_seen[row.key] = row.number

        counts: Counter[str] = Counter()
        created_ids: list[Any] = []
        updated_ids: list[Any] = []
        # Our own transaction too, so that a rejected file is rolled back even when the caller has none.
        with transaction.atomic():
            for row in rows:
                if row.errors:
                    continue
                if row.key is None:
                    row.error(None, _("无法确定该行对应的记录，请检查必填列。"), label=self.non_field_label)
                    continue
                try:
                    with transaction.atomic():  # one savepoint a row: a failed row leaves no trace
                        action = self.write_row(ctx, row, present)
                except ValidationError as exc:
                    self.report(row, exc, present)
                except PermissionDenied as exc:
                    row.error(None, str(exc) or _("您没有权限执行此操作。"), label=self.non_field_label)
                except IntegrityError:
                    row.error(
                        None, _("与他人同时修改的数据发生冲突，请重新导入。"), label=self.non_field_label
                    )
                else:
                    counts[action] += 1
                    written = ctx.state.get("written")
                    if action == CREATE:
                        created_ids.append(written)
                    elif action == UPDATE:
                        updated_ids.append(written)

            errors = [e for row in rows for e in row.errors]
            if errors:
                position = {column.label: index for index, column in mapping.items()}
                errors.sort(key=lambda e: (e.row or 0, position.get(e.column, len(position))))
                raise ImportRejected(errors)
        return ImportResult(
            register=self.slug,
            label=self.label,
            rows=len(rows),
            created=counts[CREATE],
            updated=counts[UPDATE],
            unchanged=counts[SAME],
            created_ids=created_ids,
            updated_ids=updated_ids,
        )

    # --- shared lookups --------------------------------------------------------------------------------

    @staticmethod
    def staff_programmes(ctx: ImportContext, names: Iterable[str]) -> dict[str, list[Programme]]:
        """Programmes by name, among those of the counties the importing user runs."""
        found: dict[str, list[Programme]] = defaultdict(list)
        qs = Programme.objects.filter(name__in=sorted(set(names))).select_related("county", "policy")
        qs = qs.filter(permissions.county_record_filter(ctx.by, Programme, for_change=True))
        for programme in qs:
            found[programme.name].append(programme)
        return found

    def programme_in(
        self, ctx: ImportContext, row: Row, key: str, county: Region | str | None
    ) -> Programme | None:
        """The programme the row names in `key`, in `county` (or the only one of that name)."""
        name = row.values.get(key)
        if name is None or key in row.bad:
            return None
        code = county.pk if isinstance(county, Region) else county
        candidates = [p for p in ctx.state["programmes"].get(name, []) if code is None or p.county_id == code]
        if not candidates:
            row.error(
                self.column(key),
                _("找不到名为“%(n)s”的项目类别（须为您管辖县已登记的项目类别，名称须完全一致）。")
                % {"n": name},
            )
            return None
        if len(candidates) > 1:
            row.error(self.column(key), _("多个县都有名为“%(n)s”的项目类别，请填写“所属县”。") % {"n": name})
            return None
        return candidates[0]


# --- policies and their incentive rules -----------------------------------------------------------------

POLICY_COLUMNS = ("title", "short_title", "issuing_bodies", "issued_on", "bureau_role", "full_text")
RULE_COLUMNS = ("article", "achievement", "achievement_year", "recognition", "grade", "amount", "cap")


def _rule_value(attr: str) -> Callable[[Any, Any], Any]:
    return lambda obj, user: getattr(obj, attr)


class PolicyRegister(ServiceRegister):
    slug = "policies"
    label = "政策文件"
    model = PolicyDocument
    natural_key = ("county", "number", "item")
    duplicate_column = "item"
    natural_key_help = _lazy(
        "按“所属县 + 文号”匹配政策文件，按“文号 + 奖励事项”匹配其中的奖励条款：已有则更新，否则新增。"
        "一份文件有多项奖励时每项一行，各行的文件信息须相同；奖励事项留空的行只登记文件本身。"
    )
    columns = (
        Column(
            "county",
            "所属县",
            type=REGION,
            required=True,
            region_levels=(Region.Level.COUNTY,),
            width=12,
            help=_lazy("政策文件所属县的 6 位区划代码或县名；须为您管辖的县。"),
            example="330824 或 开化县",
        ),
        Column(
            "number",
            "文号",
            required=True,
            validator=_docno_error,
            width=24,
            help=_lazy("发文机关代字〔年份〕序号号，序号不加前导 0。"),
            example="开经信〔2020〕80号",
        ),
        Column("title", "文件标题", required=True, width=40),
        Column(
            "short_title",
            "简称",
            width=16,
            help=_lazy("通行的简称，如“工业四十条”，工作总结中代替全称；可留空。"),
        ),
        Column("issuing_bodies", "发文机关", required=True, width=24),
        Column(
            "issued_on",
            "成文日期",
            type=DATE,
            validator=_date_error,
            required=True,
            width=12,
            help=_lazy("年份须与文号年份一致。"),
        ),
        Column(
            "bureau_role",
            "本局角色",
            type=CHOICE,
            required=True,
            choices=tuple(PolicyDocument.BureauRole.choices),
            width=12,
            help=_lazy("牵头起草、参与起草、联合发文的文件列入“参与制定出台”；贯彻执行的另列。"),
        ),
        Column("full_text", "正文", width=30),
        Column(
            "item",
            "奖励事项",
            field="",
            max_length=100,
            width=24,
            help=_lazy("文件中的一项奖励，如“首次认定高新技术企业”；留空则该行只登记文件。"),
        ),
        Column("article", "条款", field="", max_length=30, width=10, example="第三条"),
        Column(
            "achievement",
            "认定成果",
            field="",
            max_length=100,
            width=24,
            help=_lazy("获得该项奖励的成果：本县已登记的项目类别名称（资质、项目或人才类）。"),
            example="国家高新技术企业认定",
        ),
        Column("achievement_year", "成果年度", type=INT, field="", width=10, validator=_year_error),
        Column(
            "recognition",
            "认定情形",
            type=CHOICE,
            field="",
            choices=tuple(IncentiveRule.Recognition.choices),
            width=10,
            help=_lazy("资质类成果：仅奖励首次认定或重新认定的填写；留空为不限。"),
        ),
        Column(
            "grade",
            "成果等级",
            field="",
            max_length=30,
            width=10,
            help=_lazy("仅奖励某一等级成果的填写（如 A类），须与认定结果登记的等级一致；留空为不限。"),
        ),
        Column("amount", "每项奖励（元）", type=DECIMAL, field="", width=14, validator=_money_error),
        Column(
            "cap",
            "每家上限（元）",
            type=DECIMAL,
            field="",
            width=14,
            validator=_money_error,
            help=_lazy("每家企业按该条款最多可得的金额；留空为不设上限。"),
        ),
    )
    getters = {
        "county": lambda obj, user: obj.county_id,
        "item": _rule_value("rule_item"),
        "article": _rule_value("rule_article"),
        "achievement": _rule_value("rule_achievement"),
        "achievement_year": _rule_value("rule_achievement_year"),
        "recognition": lambda obj, user: (
            str(dict(IncentiveRule.Recognition.choices).get(obj.rule_recognition, ""))
            if obj.rule_recognition
            else ""
        ),
        "grade": _rule_value("rule_grade"),
        "amount": _rule_value("rule_amount"),
        "cap": _rule_value("rule_cap"),
    }

    def base_queryset(self) -> QuerySet:
        # One row per rule, and one for a policy without rules (the reverse join is a LEFT JOIN).
        return PolicyDocument.objects.annotate(
            rule_id=F("rules__id"),
            rule_item=F("rules__item"),
            rule_article=F("rules__article"),
            rule_achievement=F("rules__achievement__name"),
            rule_achievement_year=F("rules__achievement_year"),
            rule_recognition=F("rules__recognition"),
            rule_grade=F("rules__grade"),
            rule_amount=F("rules__amount"),
            rule_cap=F("rules__cap"),
        ).order_by("county_id", "-number_year", "issuer_code", "number_serial", "pk", "rule_id")

    def filtered(self, user: Any, params: Any) -> QuerySet | None:
        year = str(params.get("year", "") or "")
        qs = selectors.policy_list(user=user, q=str(params.get("q", "") or "").strip())
        return qs.filter(number_year=int(year)) if year.isdigit() else qs

    def prepare(self, ctx: ImportContext, rows: list[Row], present: list[Column]) -> None:
        ctx.state["programmes"] = self.staff_programmes(
            ctx, [r.values["achievement"] for r in rows if r.values.get("achievement")]
        )
        numbers = {
            _docno_text(r.values["number"]) for r in rows if r.values.get("number") and "number" not in r.bad
        }
        existing = PolicyDocument.objects.filter(number__in=sorted(numbers))
        ctx.state["policies"] = {(p.county_id, p.number): p for p in existing}
        ctx.state["groups"] = {}

    def check(self, ctx: ImportContext, row: Row, present: list[Column]) -> None:
        values = row.values
        county, number = values.get("county"), values.get("number")
        if county is None or number is None or {"county", "number"} & row.bad:
            return
        text = _docno_text(number)
        item = values.get("item") or ""
        keys = self.present_keys(present)
        if item:
            for key in ("achievement", "achievement_year", "amount"):
                if key not in keys:
                    row.error(None, _("填写了奖励事项，须有“%(c)s”列。") % {"c": self.column(key).label})
                elif values.get(key) is None and key not in row.bad:
                    row.error(self.column(key), _("填写了奖励事项时必填。"))
            achievement = self.programme_in(ctx, row, "achievement", county)
            if achievement is not None and achievement.kind == Programme.Kind.INCENTIVE:
                row.error(self.column("achievement"), _("认定成果须为资质、项目或人才类，而非另一项奖励。"))
            values["achievement_programme"] = achievement
        elif any(values.get(k) is not None for k in RULE_COLUMNS if k in keys):
            row.error(
                self.column("item") if "item" in keys else None, _("填写了奖励内容，须同时填写奖励事项。")
            )
        # Every row of one document repeats the document's details; they must agree.
        group = ctx.state["groups"].setdefault(
            (county.pk, text), {"lead": row, "policy": None, "failed": False}
        )
        lead: Row = group["lead"]
        if lead is not row:
            for key in POLICY_COLUMNS:
                if key in keys and key not in row.bad and not _same(values.get(key), lead.values.get(key)):
                    row.error(
                        self.column(key),
                        _("同一文号的各行文件信息须相同（与第 %(n)d 行不同）。") % {"n": lead.number},
                    )
        row.key = (county.pk, text, item)

    def write_row(self, ctx: ImportContext, row: Row, present: list[Column]) -> str:
        values, keys = row.values, self.present_keys(present)
        county, text, item = row.key  # type: ignore[misc]
        group = ctx.state["groups"][(county, text)]
        actions = []
        if group["lead"] is row:
            policy = ctx.state["policies"].get((county, text))
            data = {
                k: values.get(k) or ("" if k in ("full_text", "short_title") else None)
                for k in POLICY_COLUMNS
                if k in keys
            }
            data["number"] = text
            try:
                if policy is None:
                    policy = services.policy_save(by=ctx.by, data={"county": values["county"], **data})
                    actions.append(CREATE)
                elif changes := _changes(policy, data):
                    policy = services.policy_save(by=ctx.by, data=changes, policy=policy)
                    actions.append(UPDATE)
            except (ValidationError, PermissionDenied):
                group["failed"] = True
                raise
            group["policy"] = policy
        elif group["failed"] or group["policy"] is None:
            raise ValidationError(
                _("同一文号的文件信息有误，请先改正第 %(n)d 行。") % {"n": group["lead"].number}
            )
        policy = group["policy"]
        ctx.state["written"] = policy.pk
        if item:
            data = {
                "item": item,
                "article": values.get("article") or "",
                "achievement": values["achievement_programme"],
                "achievement_year": values.get("achievement_year"),
                "recognition": values.get("recognition") or "",
                "grade": values.get("grade") or "",
                "amount": values.get("amount"),
                "cap": values.get("cap"),
            }
            data = {k: v for k, v in data.items() if k in keys or k in ("item", "achievement")}
            rule = policy.rules.filter(item=item).first()
            if rule is None:
                services.rule_save(by=ctx.by, policy=policy, data=data)
                actions.append(CREATE)
            elif changes := _changes(rule, data):
                services.rule_save(by=ctx.by, policy=policy, data=changes, rule=rule)
                actions.append(UPDATE)
        return CREATE if CREATE in actions else UPDATE if actions else SAME


# --- programmes and calls ------------------------------------------------------------------------------------

PROGRAMME_FIELDS = (
    "level",
    "kind",
    "award_form",
    "category",
    "issuer",
    "validity_years",
    "for_people",
    "applicant_kinds",
    "issues_certificate",
    "nature",
    "is_active",
)


def _kind_of_label() -> dict[str, str]:
    """Organisation type label (or code) → code."""
    lookup = {str(label): value for value, label in Organisation.Kind.choices}
    lookup.update({value: value for value in Organisation.Kind.values})
    return lookup


def _applicant_kinds_error(labels: list[str]) -> str | None:
    unknown = [label for label in labels if label not in _kind_of_label()]
    if unknown:
        return _("“%(k)s”不是单位类型，可选：%(all)s。") % {
            "k": "、".join(unknown),
            "all": "、".join(str(label) for _v, label in Organisation.Kind.choices),
        }
    return None


class ProgrammeRegister(ServiceRegister):
    slug = "programmes"
    label = "项目类别"
    model = Programme
    natural_key = ("county", "name")
    duplicate_column = "name"
    natural_key_help = _lazy("按“所属县 + 名称”匹配：该县已有同名项目类别则更新，否则新增。")
    columns = (
        Column(
            "county",
            "所属县",
            type=REGION,
            required=True,
            region_levels=(Region.Level.COUNTY,),
            width=12,
            help=_lazy("6 位区划代码或县名；须为您管辖的县。"),
            example="330824 或 开化县",
        ),
        Column("name", "名称", required=True, width=28, example="国家高新技术企业认定"),
        Column("level", "层级", type=CHOICE, required=True, choices=tuple(Level.choices), width=8),
        Column("kind", "类型", type=CHOICE, required=True, choices=tuple(Programme.Kind.choices), width=12),
        Column(
            "award_form",
            "结果形式",
            type=CHOICE,
            required=True,
            choices=tuple(Programme.AwardForm.choices),
            width=16,
        ),
        Column("category", "类别", required=True, width=16, example="省重点研发计划"),
        Column("issuer", "主管部门", required=True, width=18, example="浙江省科学技术厅"),
        Column(
            "policy",
            "政策依据（文号）",
            field="",
            max_length=60,
            validator=_docno_error,
            width=24,
            help=_lazy("本县已登记的政策文件的文号；政策奖励必填。"),
        ),
        Column("validity_years", "有效期（年）", type=INT, width=10, validator=_validity_error),
        Column("for_people", "申报人为个人", type=BOOL, default=False, width=12),
        Column(
            "applicant_kinds",
            "申报单位类型",
            type=TAGS,
            width=22,
            validator=_applicant_kinds_error,
            help=_lazy(
                "受理哪些类型的单位申报，多个用“、”分隔，如“企业、农民专业合作社”；综合体等平台类项目填"
                "“县级部门、开发区管委会”。留空：单位申报的项目为“企业”，个人申报的项目不受理单位推荐。"
            ),
            example="企业",
        ),
        Column(
            "issues_certificate",
            "颁发证书",
            type=BOOL,
            default=True,
            width=10,
            help=_lazy(
                "资质认定是否有证书编号：研发中心、重点实验室、综合体、领军企业等填“否”。留空为“是”。"
            ),
        ),
        Column(
            "nature",
            "项目性质",
            type=CHOICE,
            choices=tuple(Programme.Nature.choices),
            width=10,
            help=_lazy("科技计划项目的竞争性或指导性；不区分的留空。"),
        ),
        Column("is_active", "有效", type=BOOL, default=True, width=8),
    )
    getters = {
        "county": lambda obj, user: obj.county_id,
        "policy": lambda obj, user: obj.policy.number if obj.policy_id else "",
        "applicant_kinds": lambda obj, user: obj.applicant_kinds_text,
    }

    def base_queryset(self) -> QuerySet:
        return Programme.objects.select_related("policy").order_by("county_id", "level", "kind", "name", "pk")

    def filtered(self, user: Any, params: Any) -> QuerySet | None:
        return selectors.programme_list(
            user=user,
            q=str(params.get("q", "") or "").strip(),
            kind=str(params.get("kind", "") or ""),
            level=str(params.get("level", "") or ""),
        )

    def prepare(self, ctx: ImportContext, rows: list[Row], present: list[Column]) -> None:
        numbers = {
            _docno_text(r.values["policy"]) for r in rows if r.values.get("policy") and "policy" not in r.bad
        }
        ctx.state["policies"] = {
            (p.county_id, p.number): p for p in PolicyDocument.objects.filter(number__in=sorted(numbers))
        }
        names = {r.values["name"] for r in rows if r.values.get("name")}
        ctx.state["existing"] = {
            (p.county_id, p.name): p for p in Programme.objects.filter(name__in=sorted(names))
        }

    def check(self, ctx: ImportContext, row: Row, present: list[Column]) -> None:
        county, name = row.values.get("county"), row.values.get("name")
        if row.values.get("policy") and "policy" not in row.bad and county is not None:
            text = _docno_text(row.values["policy"])
            policy = ctx.state["policies"].get((county.pk, text))
            if policy is None:
                row.error(
                    self.column("policy"),
                    _("本县没有文号为“%(n)s”的政策文件，请先导入该文件。") % {"n": text},
                )
            row.values["policy_document"] = policy
        if county is not None and name is not None:
            row.key = (county.pk, name)

    def write_row(self, ctx: ImportContext, row: Row, present: list[Column]) -> str:
        keys = self.present_keys(present)
        data: dict[str, Any] = {k: row.values.get(k) for k in PROGRAMME_FIELDS if k in keys}
        if "policy" in keys:
            data["policy"] = row.values.get("policy_document")
        programme = ctx.state["existing"].get(row.key)
        if "applicant_kinds" in keys:
            labels = row.values.get("applicant_kinds")
            if labels:
                lookup = _kind_of_label()
                data["applicant_kinds"] = [lookup[label] for label in labels]
            else:
                for_people = data.get("for_people", programme.for_people if programme else False)
                data["applicant_kinds"] = [] if for_people else default_applicant_kinds()
        identity = {"county": row.values["county"], "name": row.values["name"]}
        return _create_or_update(
            ctx, programme, data,
            create=lambda d: services.programme_save(
                by=ctx.by, data={**identity, **{k: v for k, v in d.items() if v is not None}}
            ),
            update=lambda changes: services.programme_save(by=ctx.by, data=changes, programme=programme),
        )  # fmt: skip


CALL_FIELDS = ("year", "opens_on", "closes_on", "county_deadline", "notes")


class CallRegister(ServiceRegister):
    slug = "calls"
    label = "申报批次"
    model = Call
    natural_key = ("programme", "name")
    duplicate_column = "name"
    natural_key_help = _lazy("按“项目类别 + 批次”匹配：该项目类别已有同名批次则更新，否则新增。")
    columns = (
        Column(
            "county",
            "所属县",
            type=REGION,
            region_levels=(Region.Level.COUNTY,),
            field="",
            width=12,
            help=_lazy("项目类别所属县；只管辖一个县时可留空。"),
        ),
        Column(
            "programme",
            "项目类别",
            required=True,
            field="",
            max_length=100,
            width=28,
            help=_lazy("已登记的项目类别名称，须完全一致。"),
            example="国家高新技术企业认定",
        ),
        Column("name", "批次", required=True, width=18, example="2026年第一批"),
        Column("year", "年度", type=INT, required=True, width=8, validator=_year_error, example="2026"),
        Column("opens_on", "开始申报", type=DATE, validator=_date_error, required=True, width=12),
        Column("closes_on", "申报截止", type=DATE, validator=_date_error, required=True, width=12),
        Column("county_deadline", "县级推荐截止", type=DATE, validator=_date_error, width=12),
        Column("notes", "说明", width=30),
    )
    getters = {
        "county": lambda obj, user: obj.programme.county_id,
        "programme": lambda obj, user: obj.programme.name,
    }

    def base_queryset(self) -> QuerySet:
        return Call.objects.select_related("programme").order_by(
            "programme__county_id", "programme__name", "-year", "name", "pk"
        )

    def prepare(self, ctx: ImportContext, rows: list[Row], present: list[Column]) -> None:
        ctx.state["programmes"] = self.staff_programmes(
            ctx, [r.values["programme"] for r in rows if r.values.get("programme")]
        )
        programmes = [p for ps in ctx.state["programmes"].values() for p in ps]
        ctx.state["existing"] = {
            (c.programme_id, c.name): c for c in Call.objects.filter(programme__in=programmes)
        }

    def check(self, ctx: ImportContext, row: Row, present: list[Column]) -> None:
        if "county" in row.bad:
            return
        programme = self.programme_in(ctx, row, "programme", row.values.get("county"))
        row.values["programme_obj"] = programme
        if programme is not None and row.values.get("name"):
            row.key = (programme.pk, row.values["name"])

    def write_row(self, ctx: ImportContext, row: Row, present: list[Column]) -> str:
        keys = self.present_keys(present)
        data: dict[str, Any] = {k: row.values.get(k) for k in CALL_FIELDS if k in keys}
        if "notes" in data:
            data["notes"] = data["notes"] or ""
        call = ctx.state["existing"].get(row.key)
        identity = {"programme": row.values["programme_obj"], "name": row.values["name"]}
        return _create_or_update(
            ctx, call, data,
            create=lambda d: services.call_save(by=ctx.by, data={**identity, **d}),
            update=lambda changes: services.call_save(by=ctx.by, data=changes, call=call),
        )  # fmt: skip


# --- registers keyed by an application: applicant + programme + call + title -------------------------------


def _application_getters(of: Callable[[Any], Application]) -> dict[str, Callable[[Any, Any], Any]]:
    def phone(obj: Any, user: Any) -> str:
        person = of(obj).person
        if person is None or (user is not None and not permissions.can_see_contacts(user, person)):
            return ""
        return person.phone

    return {
        "organisation": lambda obj, user: getattr(of(obj).organisation, "credit_code", ""),
        "organisation_name": lambda obj, user: of(obj).applicant_name,
        "person_name": lambda obj, user: getattr(of(obj).person, "name", ""),
        "person_phone": phone,
        "programme": lambda obj, user: of(obj).programme.name,
        "call": lambda obj, user: of(obj).call.name,
        "title": lambda obj, user: of(obj).title,
    }


# 补录 records (backfill.py) say so in every export: "补录" and the document they rest on.
BACKFILL_COLUMN = Column("backfill", "补录", readonly=True, field="", width=24)


def _backfill_of(of: Callable[[Any], Any]) -> Callable[[Any, Any], Any]:
    def get(obj: Any, user: Any) -> str:
        record = of(obj)
        return _("补录（%(r)s）") % {"r": record.backfill_reference} if record.is_backfill else ""

    return get


def applicant_columns() -> tuple[Column, ...]:
    return (
        Column(
            "organisation",
            "统一社会信用代码",
            type=REF_ORGANISATION,
            field="",
            width=22,
            help=_lazy(
                "申报单位的统一社会信用代码（已在“企业与机构”中登记、在您管辖的县内）；个人申报时留空，改填人选姓名和手机。"
            ),
        ),
        Column("organisation_name", "申报单位（人）", readonly=True, field="", width=28),
        Column(
            "person_name",
            "人选姓名",
            field="",
            max_length=50,
            width=10,
            help=_lazy("个人申报（人才计划等）时填写。"),
        ),
        Column(
            "person_phone",
            "人选手机",
            field="",
            max_length=254,
            width=14,
            help=_lazy(
                "与人选姓名一起识别已登记的人员（没有手机的人员填其登记的固定电话或电子邮箱）；"
                "县内无同名人员时可留空。"
            ),
        ),
        Column(
            "programme",
            "项目类别",
            required=True,
            field="",
            max_length=100,
            width=26,
            help=_lazy("申报单位所在县已登记的项目类别名称，须完全一致。"),
            example="国家高新技术企业认定",
        ),
        Column("call", "批次", required=True, field="", max_length=100, width=16, example="2025年第一批"),
        Column(
            "title",
            "项目名称",
            field="",
            max_length=200,
            width=30,
            help=_lazy("项目或团队名称；资质认定等没有项目名称的留空。"),
        ),
    )


APPLICATION_KEY: tuple[str, ...] = ("organisation", "programme", "call", "title")
APPLICATION_KEY_HELP = _lazy(
    "按“统一社会信用代码（或人选姓名、手机）+ 项目类别 + 批次 + 项目名称”识别申报：已有则更新，否则新增。"
)


class ApplicationKeyed(ServiceRegister):
    """Rows that name an application by its applicant, programme, call and title."""

    natural_key: ClassVar[tuple[str, ...]] = APPLICATION_KEY
    duplicate_column = "organisation"
    natural_key_help = APPLICATION_KEY_HELP
    non_field_label = "（整行）"

    def prepare(self, ctx: ImportContext, rows: list[Row], present: list[Column]) -> None:
        ctx.state["programmes"] = self.staff_programmes(
            ctx, [r.values["programme"] for r in rows if r.values.get("programme")]
        )
        programmes = [p for ps in ctx.state["programmes"].values() for p in ps]
        calls = list(Call.objects.filter(programme__in=programmes).select_related("programme"))
        ctx.state["calls"] = {(c.programme_id, c.name): c for c in calls}
        names = {r.values["person_name"] for r in rows if r.values.get("person_name")}
        people: dict[str, list[Person]] = defaultdict(list)
        if names:
            found = Person.objects.filter(permissions.person_filter(ctx.by), name__in=sorted(names))
            for person in found.select_related("county"):
                people[person.name].append(person)
        ctx.state["people"] = people
        applications: dict[tuple, list[Application]] = defaultdict(list)
        stored = Application.objects.filter(call__in=calls).select_related(
            "call", "programme", "organisation", "person", "county"
        )
        for application in stored:
            applications[self.application_key(application)].append(application)
        ctx.state["applications"] = applications

    @staticmethod
    def application_key(application: Application) -> tuple:
        return (application.call_id, application.organisation_id, application.person_id, application.title)

    def applicant(self, ctx: ImportContext, row: Row, present: list[Column]) -> tuple[Any, Any, str | None]:
        """(organisation, person, county code) of the row, or Nones with the problem reported."""
        values, keys = row.values, self.present_keys(present)
        if {"organisation", "person_name", "person_phone"} & row.bad:
            return None, None, None
        organisation, name = values.get("organisation"), values.get("person_name")
        if organisation is not None and name:
            row.error(
                self.column("organisation"),
                _("单位申报填统一社会信用代码，个人申报填人选姓名，二者只填其一。"),
            )
            return None, None, None
        if organisation is not None:
            county = organisation.county
            return organisation, None, county.pk if county else None
        if not name:
            column = self.column("organisation") if "organisation" in keys else None
            row.error(
                column,
                _("请填写申报单位的统一社会信用代码，或个人申报的人选姓名。"),
                label="统一社会信用代码",
            )
            return None, None, None
        typed = (values.get("person_phone") or "").strip()
        phone = _phone_key(typed)

        def reached_by(p: Person) -> bool:
            # The mobile, or for a person without one the landline (or e-mail) they are registered with.
            by_phone = bool(phone) and phone in (_phone_key(p.phone), _phone_key(p.landline))
            return by_phone or (bool(p.email) and typed.lower() == p.email.lower())

        people = [p for p in ctx.state["people"].get(name, []) if not typed or reached_by(p)]
        if not people:
            row.error(
                self.column("person_name"),
                _("找不到该人员，请先在“专家与人员”中登记（姓名、手机或固定电话须一致）。"),
            )
            return None, None, None
        if len(people) > 1:
            row.error(self.column("person_name"), _("有多名同名人员，请填写人选手机以便区分。"))
            return None, None, None
        return None, people[0], people[0].county_id

    def check(self, ctx: ImportContext, row: Row, present: list[Column]) -> None:
        organisation, person, county = self.applicant(ctx, row, present)
        if organisation is None and person is None:
            return
        if county is None or not permissions.is_county_staff(ctx.by, county):
            row.error(None, _("申报单位（人）不在您管辖的县内，不能导入。"), label=self.non_field_label)
            return
        programme = self.programme_in(ctx, row, "programme", county)
        if programme is None:
            return
        call_name = row.values.get("call")
        call = ctx.state["calls"].get((programme.pk, call_name)) if call_name else None
        if call is None:
            if call_name and "call" not in row.bad:
                row.error(
                    self.column("call"),
                    _("“%(p)s”没有名为“%(c)s”的批次，请先导入申报批次。")
                    % {"p": programme.name, "c": call_name},
                )
            return
        title = row.values.get("title") or ""
        row.values.update(
            organisation_obj=organisation, person_obj=person, programme_obj=programme, call_obj=call
        )
        row.key = (call.pk, organisation.pk if organisation else None, person.pk if person else None, title)
        matches = ctx.state["applications"].get(row.key, [])
        if len(matches) > 1:
            row.error(
                None,
                _("系统中该申报单位在该批次有 %(n)d 条同名申报，无法确定是哪一条，请在系统中处理。")
                % {"n": len(matches)},
                label=self.non_field_label,
            )
        row.values["application"] = matches[0] if matches else None

    def new_application(
        self, ctx: ImportContext, row: Row, extra: dict[str, Any] | None = None
    ) -> Application:
        data = {
            "call": row.values["call_obj"],
            "organisation": row.values["organisation_obj"],
            "person": row.values["person_obj"],
            "title": row.values.get("title") or "",
            **(extra or {}),
        }
        return services.application_create(by=ctx.by, data=data)


class ApplicationRegister(ApplicationKeyed):
    slug = "applications"
    label = "申报"
    model = Application
    field_columns = {"call": "call", "organisation": "organisation", "person": "person_name"}
    columns = (
        *applicant_columns(),
        Column("summary", "申报内容", width=30),
        Column("total_budget", "总投资（元）", type=DECIMAL, width=14, validator=_money_error),
        Column("requested_amount", "申请补助（元）", type=DECIMAL, width=14, validator=_money_error),
        Column(
            "status",
            "状态",
            type=CHOICE,
            choices=tuple(Status.choices),
            width=12,
            help=_lazy(
                "留空：新申报为草稿，已有申报状态不变。填写时按审核流程逐步办理到该状态（如“已推荐”："
                "草稿→已提交→已推荐），每一步记入申报的办理记录；上级批准请用“上级批复结果”表导入。"
            ),
        ),
        Column(
            "comment",
            "办理说明",
            field="",
            max_length=300,
            width=24,
            help=_lazy("记入办理记录；退回、不通过须填写理由。"),
        ),
        Column("decided_amount", "核定金额（元）", type=DECIMAL, readonly=True, width=14),
        BACKFILL_COLUMN,
    )
    getters = {**_application_getters(lambda obj: obj), "backfill": _backfill_of(lambda obj: obj)}

    def base_queryset(self) -> QuerySet:
        return Application.objects.select_related("call", "programme", "organisation", "person").order_by(
            "county_id", "programme__name", "call__name", "pk"
        )

    def filtered(self, user: Any, params: Any) -> QuerySet | None:
        return selectors.application_list(user=user, **selectors.application_filters(params))

    def write_row(self, ctx: ImportContext, row: Row, present: list[Column]) -> str:
        keys = self.present_keys(present)
        data = {k: row.values.get(k) for k in ("summary", "total_budget", "requested_amount") if k in keys}
        if "summary" in data:
            data["summary"] = data["summary"] or ""
        application: Application | None = row.values["application"]
        action = SAME
        if application is None:
            application = self.new_application(ctx, row, data)
            action = CREATE
        elif changes := _changes(application, data):
            services.application_update(by=ctx.by, application=application, data=changes)
            action = UPDATE
        ctx.state["written"] = application.pk
        target = row.values.get("status") if "status" in keys else None
        if target and target != application.status:
            comment = row.values.get("comment") or str(HISTORY_COMMENT)
            if path_to(application, target) is None and target in (
                Status.APPROVED,
                Status.DECIDED,
                Status.PAID,
            ):
                raise ValidationError(
                    {"status": _("“%(t)s”须有批复或核定的内容：上级批准请用“上级批复结果”表导入，奖励核定与兑现请在兑现页面办理。")
                     % {"t": Status(target).label}}
                )  # fmt: skip
            try:
                walk(application, target, by=ctx.by, comment=comment)
            except ValidationError as exc:
                raise ValidationError({"status": exc.messages}) from None
            action = UPDATE if action == SAME else action
        return action


# The period of an award: a qualification's validity starts at its certificate date (the end follows);
# a project's implementation period and an innovation team's construction period (建设期) are typed.
PERIOD_COLUMNS = (
    Column(
        "valid_from", "期限起", type=DATE, validator=_date_error, field="", width=12, aliases=("有效期起",),
        help=_lazy("资质的有效期起（留空为批准日期）；立项项目的实施期、创新团队的建设期起。"),
    ),
    Column(
        "valid_until", "期限至", type=DATE, validator=_date_error, field="", width=12, aliases=("有效期至",),
        help=_lazy("立项项目的实施期、创新团队的建设期至；资质的有效期按证书日期自动计算，不填。"),
    ),
)  # fmt: skip


class ResultRegister(ApplicationKeyed):
    slug = "application_results"
    label = "上级批复结果"
    model = Application
    field_columns = {
        "call": "call",
        "organisation": "organisation",
        "person": "person_name",
        "decided_on": "decided_on",
        "comment": "comment",
    }
    natural_key_help = _lazy(
        "按“统一社会信用代码（或人选）+ 项目类别 + 批次 + 项目名称”找到申报并录入上级批复："
        "系统中没有该申报（历史数据）时先建立申报，再以您的名义经“已提交”“已推荐”办理到批复结果；"
        "已录入批准的再次导入则更新批准文件、金额和证书编号。"
    )
    columns = (
        *applicant_columns(),
        Column("result", "结果", type=CHOICE, required=True, field="", choices=RESULT_CHOICES, width=10),
        Column(
            "decided_on",
            "批准日期",
            type=DATE,
            validator=_date_error,
            field="",
            width=12,
            help=_lazy("批准时必填；资质有效期自此日起算。"),
        ),
        Column("document", "批准文件", field="", max_length=100, width=24, example="浙科发高〔2025〕12号"),
        Column("amount", "补助金额（元）", type=DECIMAL, field="", width=14, validator=_money_error),
        Column(
            "matching_amount", "县配套资金（元）", type=DECIMAL, field="", width=14, validator=_money_error
        ),
        Column(
            "certificate_no",
            "证书编号",
            field="",
            max_length=60,
            width=18,
            help=_lazy(
                "颁发证书的资质认定（如高新技术企业）必填；研发中心、重点实验室等不发证书的认定留空。"
            ),
        ),
        Column(
            "registration_no",
            "入库登记编号",
            field="",
            max_length=60,
            width=20,
            help=_lazy("入库登记（如国家科技型中小企业）必填。"),
        ),
        Column(
            "grade",
            "等级",
            field="",
            max_length=30,
            width=10,
            help=_lazy("成果分等级时填写，如省级工业新产品的 A类、B类（奖励条款按等级给付）。"),
        ),
        *PERIOD_COLUMNS,
        Column("comment", "说明", field="", max_length=300, width=24, help=_lazy("记入申报的办理记录。")),
    )
    getters = {
        **_application_getters(lambda obj: obj),
        "result": lambda obj, user: str(
            Status.NOT_APPROVED.label if obj.status == Status.NOT_APPROVED else _("批准")
        ),
        "decided_on": lambda obj, user: _award_of(obj, "decided_on"),
        "document": lambda obj, user: _award_of(obj, "document"),
        "amount": lambda obj, user: _award_of(obj, "amount"),
        "matching_amount": lambda obj, user: _award_of(obj, "matching_amount"),
        "certificate_no": lambda obj, user: _award_of(obj, "certificate_no"),
        "registration_no": lambda obj, user: _award_of(obj, "registration_no"),
        "grade": lambda obj, user: _award_of(obj, "grade"),
        "valid_from": lambda obj, user: _award_of(obj, "valid_from"),
        "valid_until": lambda obj, user: _award_of(obj, "valid_until"),
        "comment": lambda obj, user: "",
    }

    def base_queryset(self) -> QuerySet:
        return (
            Application.objects.filter(status__in=[*APPROVED_FAMILY, Status.NOT_APPROVED])
            .exclude(programme__kind=Programme.Kind.INCENTIVE)
            .select_related("call", "programme", "organisation", "person", "award")
            .order_by("county_id", "programme__name", "call__name", "pk")
        )

    def check(self, ctx: ImportContext, row: Row, present: list[Column]) -> None:
        super().check(ctx, row, present)
        approved = row.values.get("result") == Status.APPROVED
        if approved and row.values.get("decided_on") is None and "decided_on" not in row.bad:
            column = self.column("decided_on") if "decided_on" in self.present_keys(present) else None
            row.error(column, _("批准时须填写批准日期。"), label="批准日期")
        programme = row.values.get("programme_obj")
        if programme is not None and programme.kind == Programme.Kind.INCENTIVE:
            row.error(
                self.column("programme"), _("政策奖励没有上级批复：奖励的审核、核定与兑现请在兑现页面办理。")
            )

    def award_data(self, row: Row, present: list[Column]) -> dict[str, Any]:
        keys = self.present_keys(present)
        data: dict[str, Any] = {}
        for key in (
            "decided_on",
            "document",
            "amount",
            "matching_amount",
            "certificate_no",
            "registration_no",
            "grade",
            "valid_from",
            "valid_until",
        ):
            if key not in keys:
                continue
            value = row.values.get(key)
            if key in ("amount", "matching_amount"):
                value = value if value is not None else Decimal("0")
            elif key in ("valid_from", "valid_until"):
                programme = row.values.get("programme_obj")
                typed = key == "valid_from" or (
                    programme is not None and programme.award_form == Programme.AwardForm.PROJECT
                )
                if value is None or not typed:
                    continue  # from the decision date; a qualification's end follows from its start
            elif key != "decided_on":
                value = value or ""
            data[key] = value
        return data

    def write_row(self, ctx: ImportContext, row: Row, present: list[Column]) -> str:
        result = row.values["result"]
        comment = row.values.get("comment") or str(HISTORY_COMMENT)
        application: Application | None = row.values["application"]
        if application is None:
            application = self.new_application(ctx, row)
        ctx.state["written"] = application.pk
        status = application.status
        if status in APPROVED_FAMILY or status == Status.NOT_APPROVED:
            recorded = Status.APPROVED if status in APPROVED_FAMILY else Status.NOT_APPROVED
            if recorded != result:
                raise ValidationError(
                    {"result": _("该申报已录入为“%(s)s”，不能改为“%(r)s”。")
                     % {"s": application.get_status_display(), "r": dict(RESULT_CHOICES)[result]}}
                )  # fmt: skip
            if result == Status.NOT_APPROVED:
                return SAME
            award = Award.objects.get(application=application)
            changes = _changes(award, self.award_data(row, present))
            if not changes:
                return SAME
            services.award_update(by=ctx.by, award=award, data=changes)
            return UPDATE
        if status != Status.RECOMMENDED:
            try:
                walk(application, Status.RECOMMENDED, by=ctx.by, comment=comment)
            except ValidationError as exc:
                raise ValidationError({"result": exc.messages}) from None
        if result == Status.APPROVED:
            services.application_approve(
                by=ctx.by, application=application, data={**self.award_data(row, present), "comment": comment}
            )
        else:
            services.application_transition(
                application=application, to=Status.NOT_APPROVED, by=ctx.by, comment=comment
            )
        return CREATE


def _award_of(application: Application, attr: str) -> Any:
    award = getattr(application, "award", None) if application.status in APPROVED_FAMILY else None
    return getattr(award, attr) if award is not None else None


# --- awards and the qualification register ---------------------------------------------------------------


AWARD_FIELDS = (
    "decided_on",
    "document",
    "amount",
    "matching_amount",
    "certificate_no",
    "registration_no",
    "grade",
    "valid_from",
    "valid_until",
)


def _paid(award: Award, user: Any) -> Decimal:
    paid = getattr(award, "paid_total", None)
    return paid if paid is not None else Decimal("0")


def _validity_state(award: Award, user: Any) -> str:
    today = timezone.localdate()
    if award.valid_until is None:
        return ""
    if award.valid_until < today:
        return _("已过期")
    if award.valid_until <= today + relativedelta(months=6):
        return _("6个月内到期")
    return _("有效")


class AwardRegister(ApplicationKeyed):
    slug = "awards"
    label = "立项认定结果"
    model = Award
    natural_key_help = _lazy(
        "按“统一社会信用代码（或人选）+ 项目类别 + 批次 + 项目名称”找到已录入的立项/认定结果并更新"
        "（批准文件、金额、证书和登记编号）；新的批复请用“上级批复结果”表导入。"
    )
    columns = (
        *applicant_columns(),
        Column("decided_on", "批准日期", type=DATE, validator=_date_error, required=True, width=12),
        Column("document", "批准文件", width=24),
        Column("amount", "补助/奖励金额（元）", type=DECIMAL, width=16, validator=_money_error),
        Column("matching_amount", "县配套资金（元）", type=DECIMAL, width=14, validator=_money_error),
        Column("certificate_no", "证书编号", width=18),
        Column("registration_no", "入库登记编号", width=20),
        Column("grade", "等级", width=10, help=_lazy("成果分等级时填写，如省级工业新产品的 A类、B类。")),
        Column(
            "valid_from",
            "期限起",
            type=DATE,
            validator=_date_error,
            width=12,
            aliases=("有效期起",),
            help=_lazy("资质的有效期起算日（留空为批准日期）；立项项目的实施期、创新团队的建设期起。"),
        ),
        Column(
            "valid_until",
            "期限至",
            type=DATE,
            validator=_date_error,
            width=12,
            aliases=("有效期至",),
            help=_lazy("立项项目的实施期、创新团队的建设期至；资质的有效期按证书日期自动计算，不填。"),
        ),
        Column("paid", "已拨付（元）", type=DECIMAL, readonly=True, field="", width=14),
        Column("status", "申报状态", readonly=True, field="", width=12),
        BACKFILL_COLUMN,
    )
    getters = {
        **_application_getters(lambda obj: obj.application),
        "paid": _paid,
        "status": lambda obj, user: obj.application.get_status_display(),
        "backfill": _backfill_of(lambda obj: obj),
    }

    def base_queryset(self) -> QuerySet:
        return (
            Award.objects.select_related(
                "programme", "application", "application__call", "application__programme",
                "application__organisation", "application__person",
            )
            .annotate(paid_total=Sum("disbursements__amount"))
            .order_by("county_id", "programme__name", "application__call__name", "pk")
        )  # fmt: skip

    def check(self, ctx: ImportContext, row: Row, present: list[Column]) -> None:
        super().check(ctx, row, present)
        if row.key is not None and not row.errors:
            application = row.values.get("application")
            award = Award.objects.filter(application=application).first() if application else None
            if award is None:
                row.error(
                    None,
                    _("未找到该申报的立项/认定结果；新的上级批复请用“上级批复结果”表导入。"),
                    label=self.non_field_label,
                )
            row.values["award"] = award

    def write_row(self, ctx: ImportContext, row: Row, present: list[Column]) -> str:
        keys = self.present_keys(present)
        award: Award = row.values["award"]
        ctx.state["written"] = award.pk
        data: dict[str, Any] = {}
        for key in AWARD_FIELDS:
            if key in keys:
                value = row.values.get(key)
                if key in ("amount", "matching_amount") and value is None:
                    value = Decimal("0")
                elif key in ("document", "certificate_no", "registration_no"):
                    value = value or ""
                data[key] = value
        if "valid_from" in data and data["valid_from"] is None:
            data.pop("valid_from")  # the service starts the validity at the decision date
        if "valid_until" in data and award.programme.award_form != Programme.AwardForm.PROJECT:
            data.pop("valid_until")  # a qualification's validity follows from its certificate date
        changes = _changes(award, data)
        if not changes:
            return SAME
        services.award_update(by=ctx.by, award=award, data=changes)
        return UPDATE


QUALIFICATION_FORMS = (Programme.AwardForm.QUALIFICATION, Programme.AwardForm.REGISTRATION)


class QualificationRegister(AwardRegister):
    slug = "qualifications"
    label = "资质名录"
    columns = (
        *applicant_columns(),
        Column("decided_on", "批准日期", type=DATE, validator=_date_error, required=True, width=12),
        Column("document", "批准文件", width=24),
        Column("certificate_no", "证书编号", width=18),
        Column("registration_no", "入库登记编号", width=20),
        Column(
            "valid_from",
            "有效期起",
            type=DATE,
            validator=_date_error,
            width=12,
            help=_lazy("资质的有效期起算日，留空为批准日期。"),
        ),
        Column("valid_until", "有效期至", type=DATE, validator=_date_error, readonly=True, width=12),
        Column("validity", "有效状态", readonly=True, field="", width=12),
    )
    getters = {**AwardRegister.getters, "validity": _validity_state}

    def base_queryset(self) -> QuerySet:
        return (
            super()
            .base_queryset()
            .filter(programme__award_form__in=QUALIFICATION_FORMS)
            .order_by("valid_until", "pk")
        )

    def filtered(self, user: Any, params: Any) -> QuerySet | None:
        if str(params.get("expiring", "") or "") in ("1", "true", "on"):
            return selectors.expiring_qualifications(user=user)
        if str(params.get("valid", "") or "") in ("1", "true", "on"):
            return selectors.qualification_list(user=user, valid_only=True)
        return None

    def check(self, ctx: ImportContext, row: Row, present: list[Column]) -> None:
        super().check(ctx, row, present)
        programme = row.values.get("programme_obj")
        if programme is not None and programme.award_form not in QUALIFICATION_FORMS:
            row.error(self.column("programme"), _("该项目类别不是资质认定或入库登记，请用“立项认定结果”表。"))


# --- disbursements --------------------------------------------------------------------------------------------

DISBURSEMENT_FIELDS = ("amount", "source", "fiscal_year", "paid_on", "is_matching", "tranche", "note")


class DisbursementRegister(ApplicationKeyed):
    slug = "disbursements"
    label = "资金拨付"
    model = Disbursement
    natural_key = (*APPLICATION_KEY, "voucher_no", "is_matching")
    natural_key_help = _lazy(
        "按“统一社会信用代码（或人选）+ 项目类别 + 批次 + 项目名称”找到立项/认定结果，按“凭证号 + 是否配套资金”"
        "识别拨付：已有相同的拨付记录则跳过（已入账的拨付不能经导入修改），否则登记新的拨付。"
        "政策奖励和县配套资金须在资金兑现公示期满后才能拨付。以往年度已拨付的项目、人才和团队资金（如创新团队的"
        "县配套资金）填写“补录依据（文号）”，按原拨付日期补录。"
    )
    columns = (
        *applicant_columns(),
        Column(
            "amount", "金额（元）", type=DECIMAL, required=True, width=14, validator=_positive_money_error
        ),
        Column(
            "source", "资金来源", type=CHOICE, required=True, choices=tuple(FundingSource.choices), width=12
        ),
        Column("fiscal_year", "预算年度", type=INT, required=True, width=10, validator=_year_error),
        Column("paid_on", "拨付日期", type=DATE, validator=_date_error, required=True, width=12),
        Column("voucher_no", "凭证号", required=True, width=18, example="记-2026-05-031"),
        Column(
            "is_matching", "配套资金", type=BOOL, default=False, width=10, help=_lazy("县配套资金填“是”。")
        ),
        Column(
            "tranche",
            "期次",
            type=INT,
            default=1,
            width=8,
            validator=_tranche_error,
            help=_lazy("分期拨付的第几期，留空为 1。"),
        ),
        Column("note", "备注", width=24),
        Column(
            "reference",
            "补录依据（文号）",
            field="",
            max_length=60,
            validator=_docno_error,
            width=24,
            help=_lazy(
                "以往年度已拨付的资金（补录）填写拨付或批复文件的文号，拨付日期须早于今天；今天办理的拨付留空。"
                "政策奖励的历史兑现请用“补录：已兑现奖励”表。"
            ),
        ),
        BACKFILL_COLUMN,
    )
    getters = {
        **_application_getters(lambda obj: obj.award.application),
        "reference": lambda obj, user: obj.backfill_reference,
        "backfill": _backfill_of(lambda obj: obj),
    }

    def base_queryset(self) -> QuerySet:
        return Disbursement.objects.select_related(
            "award", "award__application", "award__application__call", "award__application__programme",
            "award__application__organisation", "award__application__person",
        ).order_by("award__county_id", "-paid_on", "pk")  # fmt: skip

    def check(self, ctx: ImportContext, row: Row, present: list[Column]) -> None:
        super().check(ctx, row, present)
        if row.key is None or row.errors:
            row.key = None
            return
        application = row.values.get("application")
        award = Award.objects.filter(application=application).first() if application else None
        if award is None:
            row.error(None, _("未找到该申报的立项/认定结果，不能登记拨付。"), label=self.non_field_label)
            row.key = None
            return
        row.values["award"] = award
        row.key = (*row.key, row.values.get("voucher_no"), bool(row.values.get("is_matching")))

    def write_row(self, ctx: ImportContext, row: Row, present: list[Column]) -> str:
        keys = self.present_keys(present)
        award: Award = row.values["award"]
        data: dict[str, Any] = {k: row.values.get(k) for k in DISBURSEMENT_FIELDS if k in keys}
        data["voucher_no"] = row.values["voucher_no"]
        data["is_matching"] = bool(data.get("is_matching"))
        data["note"] = data.get("note") or ""
        data["tranche"] = data.get("tranche") or 1
        existing = award.disbursements.filter(
            voucher_no=data["voucher_no"], is_matching=data["is_matching"]
        ).first()
        if existing is not None:
            ctx.state["written"] = existing.pk
            changes = _changes(existing, {k: v for k, v in data.items() if k != "note"})
            if changes:
                raise ValidationError(
                    _(
                        "凭证号 %(v)s 的拨付已登记（%(a)s 元，%(d)s），与本行不同；已入账的拨付不能经导入修改。"
                    )
                    % {"v": existing.voucher_no, "a": existing.amount, "d": existing.paid_on}
                )
            return SAME
        if "reference" in keys and row.values.get("reference"):
            disbursement = backfill_payments.award_payment_backfill(
                by=ctx.by, award=award, data={**data, "reference": row.values["reference"]}
            )
        else:
            disbursement = services.disbursement_create(by=ctx.by, award=award, data=data)
        ctx.state["written"] = disbursement.pk
        return CREATE


# --- innovation vouchers --------------------------------------------------------------------------------------


class VoucherRegister(ServiceRegister):
    slug = "vouchers"
    label = "科技创新券"
    model = Voucher
    natural_key = ("number",)
    natural_key_help = _lazy(
        "按“券号”匹配：已有该券号的创新券则更新（仅限尚未兑付完毕、未过期的），否则发放新券。"
    )
    columns = (
        Column("number", "券号", required=True, width=18, example="KH2026-0001"),
        Column(
            "organisation",
            "统一社会信用代码",
            type=REF_ORGANISATION,
            required=True,
            width=22,
            help=_lazy("领券企业的统一社会信用代码（已登记、在您管辖的县内）。"),
        ),
        Column("organisation_name", "企业名称", readonly=True, field="", width=28),
        Column(
            "amount", "面额（元）", type=DECIMAL, required=True, width=12, validator=_positive_money_error
        ),
        Column("issued_on", "发放日期", type=DATE, validator=_date_error, required=True, width=12),
        Column("expires_on", "有效期至", type=DATE, validator=_date_error, required=True, width=12),
        Column("state", "状态", readonly=True, type=CHOICE, choices=tuple(Voucher.State.choices), width=10),
        Column("redeemed_amount", "已兑付（元）", type=DECIMAL, readonly=True, width=12),
        Column("balance", "余额（元）", type=DECIMAL, readonly=True, field="", width=12),
    )
    getters = {
        "organisation": lambda obj, user: obj.organisation.credit_code,
        "organisation_name": lambda obj, user: obj.organisation.name,
        "balance": lambda obj, user: obj.balance,
    }

    def base_queryset(self) -> QuerySet:
        return Voucher.objects.select_related("organisation").order_by("county_id", "number", "pk")

    def filtered(self, user: Any, params: Any) -> QuerySet | None:
        return selectors.voucher_list(
            user=user, state=str(params.get("state", "") or ""), q=str(params.get("q", "") or "").strip()
        )

    def prepare(self, ctx: ImportContext, rows: list[Row], present: list[Column]) -> None:
        numbers = sorted({r.values["number"] for r in rows if r.values.get("number")})
        ctx.state["existing"] = {v.number: v for v in Voucher.objects.filter(number__in=numbers)}

    def check(self, ctx: ImportContext, row: Row, present: list[Column]) -> None:
        number = row.values.get("number")
        if number is None:
            return
        voucher = ctx.state["existing"].get(number)
        if voucher is not None and not permissions.is_county_staff(ctx.by, voucher.county_id):
            row.error(self.column("number"), _("该券号已由其他县（市、区）发放，您无权修改。"))
            return
        row.key = (number,)

    def write_row(self, ctx: ImportContext, row: Row, present: list[Column]) -> str:
        keys = self.present_keys(present)
        data = {
            k: row.values.get(k) for k in ("organisation", "amount", "issued_on", "expires_on") if k in keys
        }
        voucher = ctx.state["existing"].get(row.values["number"])
        return _create_or_update(
            ctx, voucher, data,
            create=lambda d: services.voucher_issue(by=ctx.by, data={"number": row.values["number"], **d}),
            update=lambda changes: services.voucher_update(by=ctx.by, voucher=voucher, data=changes),
        )  # fmt: skip


for _register in (
    PolicyRegister(),
    ProgrammeRegister(),
    CallRegister(),
    ApplicationRegister(),
    ResultRegister(),
    AwardRegister(),
    QualificationRegister(),
    DisbursementRegister(),
    VoucherRegister(),
):
    register(_register)

__all__ = ["ServiceRegister", "path_to", "walk"]

# 补录：已兑现奖励, a register of its own module (it builds on ServiceRegister above).
from . import imports_backfill  # noqa: E402, F401
