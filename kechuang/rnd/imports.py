"""The R&D stream's Excel registers: enterprises' R&D projects and their monthly expense collection (which
enterprises import themselves), periodic enterprise statistics (bulk: 100,000 rows a file), county
economy data, and the county's published figures and targets (a bureau enters the figures past reports
stated, with their ranks, through these). Every import is all-or-nothing with a row-by-row report
(kechuang.imports)."""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Callable
from decimal import ROUND_HALF_UP, Decimal
from typing import Any, ClassVar

from django.core.exceptions import NON_FIELD_ERRORS, PermissionDenied, ValidationError
from django.db import connections, router, transaction
from django.db.models import Q, QuerySet
from django.dispatch import receiver
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy

from kechuang.core import audit, permissions
from kechuang.core.creditcode import normalise_credit_code
from kechuang.core.models import Organisation, Region
from kechuang.imports.registers import (
    CHOICE,
    DATE,
    DECIMAL,
    INT,
    REF_ORGANISATION,
    REGION,
    TEXT,
    Column,
    ImportContext,
    PerOrganisationRegister,
    Plan,
    Register,
    Row,
    Table,
    _choice_lookup,
    _chunks,
    _update_many,
    register,
)
from kechuang.imports.report import ImportRejected, ImportResult
from kechuang.imports.services import imported

from . import indicators, services
from .models import (
    CountyEconomy,
    EnterpriseStat,
    Frequency,
    IndicatorKey,
    OfficialFigure,
    RndExpense,
    RndProject,
    Target,
    outsider_error,
)

COUNTY_LEVEL = (Region.Level.COUNTY,)
FEN = Decimal("0.01")
AMOUNT_LIMIT = Decimal(10) ** 16  # max_digits 18, decimal_places 2
STAT_LABELS = {f.name: str(f.verbose_name) for f in EnterpriseStat._meta.concrete_fields}


def _non_negative(value: Any) -> str | None:
    return _("不能为负数。") if value is not None and value < 0 else None


def _year(value: int) -> str | None:
    return None if 2000 <= value <= timezone.localdate().year else _("年度须在 2000 年至今年之间。")


def _month(value: int) -> str | None:
    return None if 1 <= value <= 12 else _("月份须为 1–12。")


def _org_column(help_text: Any = "") -> tuple[Column, Column]:
    return (
        Column(
            "organisation", "统一社会信用代码", type=REF_ORGANISATION, required=True, width=22,
            help=help_text or _lazy("已在“企业与机构”中登记的企业的统一社会信用代码。"),
        ),
        Column("organisation_name", "企业名称", readonly=True, field="", width=30),
    )  # fmt: skip


class _EnterpriseOwned(PerOrganisationRegister):
    """Registers an enterprise keeps itself: its own rows only (organisation_filter for change)."""

    def may_import(self, user: Any) -> bool:
        return permissions.can_import(user) or bool(permissions.own_organisation_ids(user))


class RndProjectRegister(_EnterpriseOwned):
    slug = "rnd_projects"
    label = "研发项目"
    model = RndProject
    natural_key = ("organisation", "code")
    natural_key_help = _lazy("按“统一社会信用代码 + 项目编号”匹配：已有则更新，否则新增。")
    columns = (
        *_org_column(),
        Column("code", "项目编号", required=True, width=14, example="RD2025-01"),
        Column("title", "项目名称", required=True, width=30),
        Column(
            "kind",
            "研发形式",
            type=CHOICE,
            choices=tuple(RndProject.Kind.choices),
            default=RndProject.Kind.OWN,
        ),
        Column("starts_on", "开始日期", type=DATE, required=True),
        Column("ends_on", "结束日期", type=DATE, required=True),
        Column("budget", "预算（元）", type=DECIMAL, default=Decimal(0), validator=_non_negative),
        Column("staff", "研发人员（人）", type=INT, default=0, validator=_non_negative),
        Column("summary", "主要内容", width=40),
    )

    def base_queryset(self) -> QuerySet:
        return RndProject.objects.select_related("organisation").order_by(
            "organisation__name", "-starts_on", "code"
        )

    def fetch_existing(self, ctx: ImportContext, rows: list[Row]) -> dict[tuple, list[Any]]:
        found: dict[tuple, list[Any]] = defaultdict(list)
        org_ids = sorted({row.key[0] for row in rows if row.key})
        for chunk in _chunks(org_ids):
            for item in RndProject.objects.filter(organisation_id__in=chunk).select_related("organisation"):
                found[(item.organisation_id, item.code)].append(item)
        return found


class RndExpenseRegister(_EnterpriseOwned):
    slug = "rnd_expenses"
    label = "研发费用归集"
    model = RndExpense
    natural_key = ("organisation", "project", "year", "month")
    duplicate_column = "project"
    natural_key_help = _lazy("按“统一社会信用代码 + 项目编号 + 年度 + 月份”匹配：已有则更新，否则新增。")
    columns = (
        *_org_column(),
        Column(
            "project",
            "项目编号",
            required=True,
            field="",
            width=14,
            help=_lazy("该企业已登记的研发项目编号。"),
        ),
        Column("year", "年度", type=INT, required=True, width=8, validator=_year, example="2025"),
        Column("month", "月份", type=INT, required=True, width=8, validator=_month, example="3"),
        *[
            Column(name, f"{label}（元）", type=DECIMAL, default=Decimal(0), validator=_non_negative)
            for name, label in RndExpense.CATEGORIES
        ],
    )

    def base_queryset(self) -> QuerySet:
        return RndExpense.objects.select_related("project__organisation").order_by(
            "project__organisation__name", "project__code", "year", "month"
        )

    def queryset(self, user: Any) -> QuerySet:
        qs = self.base_queryset()
        return (
            qs if user is None else qs.filter(project__in=permissions.visible(user, RndProject.objects.all()))
        )

    def organisation_of(self, obj: Any) -> Organisation:
        return obj.project.organisation

    def export_value(self, column: Column, obj: Any, user: Any) -> Any:
        if column.key == "project":
            return obj.project.code
        return super().export_value(column, obj, user)

    def resolve(self, ctx: ImportContext, row: Row, present: list[Column]) -> None:
        super().resolve(ctx, row, present)
        projects = ctx.state.get("projects")
        if projects is None:
            org_ids = {r.pk for r in ctx.organisations.values()}
            projects = ctx.state["projects"] = {
                (p.organisation_id, p.code): p
                for p in RndProject.objects.filter(organisation_id__in=org_ids).select_related("organisation")
            }
        org, code = row.values.get("organisation"), row.values.get("project")
        if isinstance(org, Organisation) and code and "project" not in row.bad:
            project = projects.get((org.pk, code))
            if project is None:
                row.error(
                    self.column("project"),
                    _("该企业没有编号为“%(code)s”的研发项目，请先登记项目。") % {"code": code},
                )
            else:
                row.values["project"] = project

    def key_of(self, row: Row) -> tuple | None:
        if not isinstance(row.values.get("project"), RndProject):
            return None
        return super().key_of(row)

    def fetch_existing(self, ctx: ImportContext, rows: list[Row]) -> dict[tuple, list[Any]]:
        found: dict[tuple, list[Any]] = defaultdict(list)
        projects = {row.values["project"].pk: row.values["project"] for row in rows if row.key}
        for chunk in _chunks(sorted(projects)):
            for item in RndExpense.objects.filter(project_id__in=chunk):
                item.project = projects[item.project_id]
                found[(item.project.organisation_id, item.project_id, item.year, item.month)].append(item)
        return found

    def assign(self, ctx: ImportContext, row: Row, obj: Any, present: list[Column]) -> None:
        if isinstance(row.values.get("project"), RndProject):
            obj.project = row.values["project"]
        super().assign(ctx, row, obj, present)


class EnterpriseStatRegister(PerOrganisationRegister):
    """Statistical returns in bulk. Checks are done column-wise over the whole file rather than with a
    full_clean() per row, and rows are written with bulk inserts/updates: a 100,000-row file imports
    in seconds (`make bench`)."""

    slug = "enterprise_stats"
    label = "企业统计数据"
    model = EnterpriseStat
    max_rows: ClassVar[int | None] = 200_000
    natural_key = ("organisation", "year", "frequency", "number")
    natural_key_help = _lazy("按“统一社会信用代码 + 年度 + 报告期类型 + 期别”匹配：已有则更新，否则新增。")
    columns = (
        *_org_column(),
        Column("year", "年度", type=INT, required=True, width=8, example="2025"),
        Column("frequency", "报告期类型", type=CHOICE, required=True, choices=tuple(Frequency.choices), width=12),
        Column(
            "number", "期别", type=INT, required=True, width=8,
            help=_lazy("月报填月份 1–12，季报填季度 1–4，年报填 0。"),
        ),
        *[
            Column(name, STAT_LABELS[name], type=DECIMAL, default=Decimal(0),
                   help=_lazy("本期数（非累计），单位元，不能为负数。"))
            for name in EnterpriseStat.AMOUNTS
        ],
        Column("employees", "从业人员（人）", type=INT, default=0),
        Column("rd_staff", "R&D人员（人）", type=INT, default=0),
    )  # fmt: skip
    VALUE_FIELDS = (*EnterpriseStat.AMOUNTS, "employees", "rd_staff")

    def read_row(self, number: int, cells_: list[Any], mapping: dict[int, Column]) -> Row:
        """The shapes a statistical return has in nearly every cell (numbers in number cells, codes and
        choices as plain text) are converted here directly; a row with any other cell goes through the
        generic parser, which words the errors. A third of a 100,000-row import was spent per cell there."""
        raw: dict[str, Any] = {}
        values: dict[str, Any] = {}
        for index, column in mapping.items():
            value = cells_[index] if index < len(cells_) else None
            raw[column.key] = value
            kind = type(value)
            if value is None or (kind is str and not value.strip()):
                if column.required:
                    return super().read_row(number, cells_, mapping)
                values[column.key] = column.default
            elif column.type == DECIMAL and (kind is float or kind is int):
                if kind is float and not math.isfinite(value):
                    return super().read_row(number, cells_, mapping)
                values[column.key] = Decimal(repr(value)) if kind is float else Decimal(value)
            elif column.type == INT and (kind is int or (kind is float and value.is_integer())):
                values[column.key] = int(value)
            elif column.type == CHOICE and kind is str and value in _choice_lookup(column):
                values[column.key] = _choice_lookup(column)[value]
            elif column.type in (REF_ORGANISATION, TEXT) and kind is str:
                text = value.strip() if column.type == TEXT else normalise_credit_code(value)
                if column.max_length and len(text) > column.max_length:
                    return super().read_row(number, cells_, mapping)
                values[column.key] = text
            else:
                return super().read_row(number, cells_, mapping)
        return Row(number=number, raw=raw, values=values)

    def base_queryset(self) -> QuerySet:
        return EnterpriseStat.objects.select_related("organisation").order_by(
            "organisation__name", "year", "last_month"
        )

    def filtered(self, user: Any, params: Any) -> QuerySet | None:
        qs = self.queryset(user)
        year = str(params.get("year") or "")
        if year.isdigit():
            qs = qs.filter(year=int(year))
        if params.get("frequency") in Frequency.values:
            qs = qs.filter(frequency=params["frequency"])
        # The statistics list page (rnd:stats_list) filters by enterprise too; its export uses this.
        organisation = str(params.get("organisation") or "")
        if organisation.isdigit():
            qs = qs.filter(organisation_id=int(organisation))
        q = str(params.get("q") or "").strip()
        if q:
            qs = qs.filter(
                Q(organisation__name__icontains=q) | Q(organisation__credit_code__icontains=q.upper())
            )
        return qs

    def queryset(self, user: Any) -> QuerySet:
        qs = self.base_queryset()
        return qs if user is None else qs.filter(county_record_q(user))

    def fetch_existing(self, ctx: ImportContext, rows: list[Row]) -> dict[tuple, list[Any]]:
        found: dict[tuple, list[Any]] = {}
        org_ids = sorted({row.key[0] for row in rows if row.key})
        years = sorted({row.key[1] for row in rows if row.key})
        orgs = {row.values["organisation"].pk: row.values["organisation"] for row in rows if row.key}
        for chunk in _chunks(org_ids, 900):
            for item in EnterpriseStat.objects.filter(organisation_id__in=chunk, year__in=years):
                item.organisation = orgs[item.organisation_id]  # the audit names it: no query per row
                found[(item.organisation_id, item.year, item.frequency, item.number)] = [item]
        return found

    def apply(self, table: Table, *, by: Any) -> ImportResult:
        ctx, rows, mapping = self.read_rows(table, by=by)
        present = {c.key for c in mapping.values()}
        today = timezone.localdate()
        first_seen: dict[tuple, int] = {}
        frequencies: dict[tuple[int, int], set[str]] = defaultdict(set)
        for row in rows:
            v = row.values
            for name in EnterpriseStat.AMOUNTS + ("employees", "rd_staff"):
                if name in present and name not in row.bad and (v.get(name) or 0) < 0:
                    row.error(self.column(name), _("不能为负数。"))
            for name in EnterpriseStat.AMOUNTS:  # to the fen, as stored: a re-import then compares equal
                if name in present and name not in row.bad and v.get(name):
                    v[name] = v[name].quantize(FEN, rounding=ROUND_HALF_UP)
                    if v[name] >= AMOUNT_LIMIT:
                        row.error(self.column(name), _("数值超出范围（须小于 10 的 16 次方元）。"))
            org = v.get("organisation")
            if isinstance(org, Organisation) and not org.is_local:
                row.error(self.column("organisation"), outsider_error(org))
                continue
            year, frequency, number = v.get("year"), v.get("frequency"), v.get("number")
            if year is not None and "year" not in row.bad and not 2000 <= year <= today.year:
                row.error(self.column("year"), _("年度须在 2000 年至今年（%(y)d）之间。") % {"y": today.year})
                continue
            if (
                year is None
                or frequency is None
                or number is None
                or row.bad & {"year", "frequency", "number"}
            ):
                continue
            span = EnterpriseStat.span(frequency, number)
            if span is None:
                row.error(
                    self.column("number"), _("期别与报告期类型不符：月报填 1–12，季报填 1–4，年报填 0。")
                )
                continue
            if (year, span[1]) > (today.year, today.month) or (year, span[1]) == (today.year, today.month):
                row.error(
                    self.column("number"),
                    _("报告期尚未结束，不能填报（今天是 %(d)s）。") % {"d": today.isoformat()},
                )
                continue
            row.values["span"] = span
            row.key = self.key_of(row)
            if row.key is None:
                continue
            if row.key in first_seen:
                row.error(
                    self.column("number"),
                    _("与第 %(n)d 行重复（%(key)s相同），同一文件中每条记录只能出现一次。")
                    % {"n": first_seen[row.key], "key": "、".join(self.natural_key_labels)},
                )
                row.key = None
                continue
            first_seen[row.key] = row.number
            frequencies[(row.key[0], year)].add(frequency)

        existing = self.fetch_existing(ctx, [r for r in rows if r.key is not None])
        stored: dict[tuple[int, int], set[str]] = defaultdict(set)
        for org_id, year, frequency, _number in existing:
            stored[(org_id, year)].add(frequency)
        labels = dict(Frequency.choices)
        for row in rows:
            if row.key is None:
                continue
            org_id, year, frequency, _n = row.key
            mixed = (frequencies[(org_id, year)] | stored[(org_id, year)]) - {frequency}
            if mixed:
                row.error(
                    self.column("frequency"),
                    _("同一企业同一年度只能按一种报告期填报，该企业%(y)d年已有%(other)s数据。")
                    % {"y": year, "other": "、".join(str(labels[f]) for f in sorted(mixed))},
                )
        errors = [e for row in rows for e in row.errors]
        if errors:
            position = {column.label: index for index, column in mapping.items()}
            errors.sort(key=lambda e: (e.row or 0, position.get(e.column, len(position))))
            raise ImportRejected(errors)

        created: list[tuple[Organisation, Row, dict[str, Any]]] = []
        updated: list[tuple[EnterpriseStat, dict, dict]] = []
        unchanged = 0
        # The audit trail, one event per enterprise-year of the file: every period created or changed,
        # with its values before and after (a statistical return is filed and corrected as a whole).
        trail: dict[tuple[Organisation, int], dict[str, dict[str, dict]]] = defaultdict(
            lambda: {"before": {}, "after": {}}
        )
        for row in rows:
            org = row.values["organisation"]
            match = existing.get(row.key)  # type: ignore[arg-type]
            values = {name: row.values.get(name) or 0 for name in self.VALUE_FIELDS if name in present}
            if match:
                obj = match[0]
                before = {k: getattr(obj, k) for k in values if getattr(obj, k) != values[k]}
                if not before:
                    unchanged += 1
                    continue
                for k in before:
                    setattr(obj, k, values[k])
                after = {k: values[k] for k in before}
                updated.append((obj, before, after))
                entry = trail[(org, obj.year)]
                entry["before"][obj.period_label] = before
                entry["after"][obj.period_label] = after
            else:
                created.append((org, row, values))
                label = EnterpriseStat.label_of(
                    row.values["year"], row.values["frequency"], row.values["number"]
                )
                trail[(org, row.values["year"])]["after"][label] = values
        self._insert(created)
        if updated:
            now = timezone.now()
            for obj, _b, _a in updated:
                obj.updated_at = now
            # One executemany per chunk: bulk_update's CASE WHEN took minutes for 100,000 changed rows.
            _update_many(EnterpriseStat, [u[0] for u in updated], [*self.VALUE_FIELDS, "updated_at"])
        audit.record_many(
            audit.build(
                "update" if entry["before"] else "create",
                by=by,
                object_type="rnd.enterprisestat",
                object_id=f"{org.pk}:{year}",
                object_repr=f"{org.name} {year}年统计数据",
                before=entry["before"] or None,
                after=entry["after"],
            )
            for (org, year), entry in trail.items()
        )
        years = {row.values["year"] for _o, row, _v in created} | {obj.year for obj, _b, _a in updated}
        if years:
            indicators.refresh(years)  # in the import's transaction: rankings never lag the data
        return ImportResult(
            register=self.slug, label=self.label, rows=len(rows), created=len(created), updated=len(updated),
            unchanged=unchanged, updated_ids=[u[0].pk for u in updated],
        )  # fmt: skip

    def _insert(self, created: list[tuple[Organisation, Row, dict[str, Any]]]) -> None:
        """INSERT … executemany, in chunks: building 100,000 model instances for bulk_create is most of an
        import's time. The values were checked column by column above."""
        if not created:
            return
        meta = EnterpriseStat._meta
        columns = ["organisation_id", "county_id", "year", "frequency", "number", "first_month", "last_month",
                   *self.VALUE_FIELDS, "updated_at"]  # fmt: skip
        connection = connections[router.db_for_write(EnterpriseStat)]
        now = connection.ops.adapt_datetimefield_value(timezone.now())
        quote = connection.ops.quote_name
        names, marks = ", ".join(quote(c) for c in columns), ", ".join(["%s"] * len(columns))
        sql = f"INSERT INTO {quote(meta.db_table)} ({names}) VALUES ({marks})"  # noqa: S608 - model names; values bound
        params = []
        for org, row, values in created:
            first, last = row.values["span"]
            params.append(
                (
                    org.pk, org.county_id, row.values["year"], row.values["frequency"], row.values["number"],
                    first, last, *(values.get(name, 0) for name in self.VALUE_FIELDS), now,
                )
            )  # fmt: skip
        with connection.cursor() as cursor:
            for chunk in _chunks(params, 5000):
                cursor.executemany(sql, chunk)


def county_record_q(user: Any) -> Q:
    return permissions.county_record_filter(user, EnterpriseStat)


class CountyEconomyRegister(Register):
    slug = "county_economy"
    label = "县域经济数据"
    model = CountyEconomy
    natural_key = ("county", "year", "months")
    natural_key_help = _lazy("按“县（市、区）+ 年度 + 截至月份”匹配：已有则更新，否则新增。")
    columns = (
        Column("county", "县（市、区）", type=REGION, required=True, region_levels=COUNTY_LEVEL, width=14),
        Column("year", "年度", type=INT, required=True, width=8, validator=_year),
        Column(
            "months",
            "截至月份",
            type=INT,
            required=True,
            width=10,
            validator=_month,
            help=_lazy("1 月至该月的累计数；12 即全年。"),
        ),
        Column("gdp", "地区生产总值（元）", type=DECIMAL, validator=_non_negative, width=20),
        Column(
            "above_scale_value_added", "规上工业增加值（元）", type=DECIMAL, validator=_non_negative, width=20
        ),
        Column("source", "数据来源", width=24),
    )

    def fetch_existing(self, ctx: ImportContext, rows: list[Row]) -> dict[tuple, list[Any]]:
        counties = sorted({row.key[0] for row in rows if row.key})
        found: dict[tuple, list[Any]] = defaultdict(list)
        for item in CountyEconomy.objects.filter(county_id__in=counties):
            found[(item.county_id, item.year, item.months)].append(item)
        return found


class _CountyRecordRegister(Register):
    """A county's own record kept through a service (published figures, targets): every row is checked
    as the generic register checks it (cells, the model's rules), then written one by one through the same
    service as the form, so a rule the service holds (the county's staff only; a record a frozen summary
    rests on stays as it is) holds on the import too. A row already as stored is left alone: a file
    exported and imported back changes nothing, a frozen year's records included."""

    fields: ClassVar[list[str]]
    # the service the form calls: save(by=, data=, instance=None) -> the record
    save: ClassVar[Callable[..., Any]]

    def base_queryset(self) -> QuerySet:
        return self.model._default_manager.select_related("county")

    def filtered(self, user: Any, params: Any) -> QuerySet | None:
        """What the register's list page shows (its year and county filters), for its export button."""
        qs = self.queryset(user)
        year, county = str(params.get("year") or ""), str(params.get("county") or "")
        if year.isdigit():
            qs = qs.filter(year=int(year))
        if county.isdigit():
            qs = qs.filter(county_id=county)
        return qs

    def fetch_existing(self, ctx: ImportContext, rows: list[Row]) -> dict[tuple, list[Any]]:
        counties = sorted({row.key[0] for row in rows if row.key})
        found: dict[tuple, list[Any]] = defaultdict(list)
        for item in self.model._default_manager.filter(county_id__in=counties).select_related("county"):
            found[tuple(getattr(item, f"{k}_id" if k == "county" else k) for k in self.natural_key)].append(
                item
            )
        return found

    def apply(self, table: Table, *, by: Any) -> ImportResult:
        if by is None:
            raise ImportRejected.file(
                _("“%(label)s”须以县科技管理科的账号导入（与网页录入相同的业务规则）：请在网页上传，或在命令行加 --user 账号名。")
                % {"label": self.label}
            )  # fmt: skip
        return super().apply(table, by=by)

    def write(
        self, ctx: ImportContext, plans: list[Plan], present: list[Column], *, by: Any, rows: int
    ) -> ImportResult:
        name_of = {f.attname: f.name for f in self.model._meta.concrete_fields}
        label_of = {c.model_field: c.label for c in present if c.model_field}
        stored = self.model._default_manager.in_bulk([p.obj.pk for p in plans if p.action == "update"])
        created_ids: list[Any] = []
        updated_ids: list[Any] = []
        for plan in plans:
            if plan.action == "same":
                continue
            if plan.action == "create":
                data = {name: getattr(plan.obj, name) for name in self.fields}
                instance = None
            else:
                changed = {name_of.get(k, k) for k in plan.after or {}}
                data = {name: getattr(plan.obj, name) for name in self.fields if name in changed}
                instance = stored[plan.obj.pk]
            try:
                with transaction.atomic():  # one savepoint a row: a refused row leaves no trace
                    saved = self.save(by=by, data=data, instance=instance)
            except ValidationError as exc:
                items = (
                    exc.message_dict.items()
                    if hasattr(exc, "error_dict")
                    else [(NON_FIELD_ERRORS, exc.messages)]
                )
                for name, messages in items:
                    column = next((c for c in present if c.model_field == name), None)
                    for message in messages:
                        plan.row.error(column, message, label=label_of.get(name, self.non_field_label))
            except PermissionDenied as exc:
                plan.row.error(None, str(exc) or _("您没有权限执行此操作。"), label=self.non_field_label)
            else:
                (created_ids if instance is None else updated_ids).append(saved.pk)
        errors = [e for plan in plans for e in plan.row.errors]
        if errors:
            raise ImportRejected(sorted(errors, key=lambda e: e.row or 0))
        return ImportResult(
            register=self.slug, label=self.label, rows=rows, created=len(created_ids),
            updated=len(updated_ids), unchanged=sum(1 for p in plans if p.action == "same"),
            created_ids=created_ids, updated_ids=updated_ids,
        )  # fmt: skip


COUNTY_COLUMN = Column(
    "county", "县（市、区）", type=REGION, required=True, region_levels=COUNTY_LEVEL, width=14,
    help=_lazy("县（市、区）6 位区划代码或准确名称（您任科技管理科的县）。"),
)  # fmt: skip
INDICATOR_COLUMN = Column(
    "indicator", "指标", type=CHOICE, required=True, choices=tuple(IndicatorKey.choices), width=30
)
VALUE_HELP = _lazy("金额填元；比重、增速填百分数（如 2.35 即 2.35%）；企业数填家数。")


class OfficialFigureRegister(_CountyRecordRegister):
    """Figures as published — a year's from the monitoring report, a year-to-date one from the statistics
    bureau's bulletin — with every rank the publication gives and how many counties it ranks among."""

    slug = "official_figures"
    label = "公布数据"
    model = OfficialFigure
    fields = services.OFFICIAL_FIELDS
    save = staticmethod(services.official_figure_save)
    natural_key = ("county", "year", "months", "indicator")
    natural_key_help = _lazy("按“县（市、区）+ 年度 + 截至月份 + 指标”匹配：已有则更新，否则新增。")
    columns = (
        COUNTY_COLUMN,
        Column("year", "年度", type=INT, required=True, width=8, example="2024"),
        Column(
            "months", "截至月份", type=INT, default=12, width=10,
            help=_lazy("12 即全年数（监测报告等）；统计局月报 1-9月的累计数填 9。空白按全年。"),
        ),
        INDICATOR_COLUMN,
        Column("value", "公布值", type=DECIMAL, required=True, width=18, help=VALUE_HELP),
        Column("province_rank", "全省排名", type=INT, width=10),
        Column(
            "province_count", "全省参与排名县（市、区）数", type=INT, width=14,
            help=_lazy("如“全省89个县（市、区）”填 89；填了全省排名的须填写。"),
        ),
        Column("city_rank", "全市排名", type=INT, width=10),
        Column(
            "city_count", "全市参与排名县（市、区）数", type=INT, width=14,
            help=_lazy("如“全市6个县（市、区）”填 6；填了全市排名的须填写。"),
        ),
        Column(
            "source", "出处", required=True, width=30,
            help=_lazy("发布文件的名称，如《2024年浙江省科技进步统计监测报告》。"),
        ),
        Column("published_on", "发布日期", type=DATE),
    )  # fmt: skip


class TargetRegister(_CountyRecordRegister):
    """The county's targets: for an indicator of a data year, a value to reach (≥) or to pass (>)."""

    slug = "targets"
    label = "目标任务"
    model = Target
    fields = services.TARGET_FIELDS
    save = staticmethod(services.target_save)
    natural_key = ("county", "year", "indicator")
    natural_key_help = _lazy("按“县（市、区）+ 数据年度 + 指标”匹配：已有则更新，否则新增。")
    columns = (
        COUNTY_COLUMN,
        Column(
            "year", "数据年度", type=INT, required=True, width=10, example="2019",
            help=_lazy("目标所考核数据的年度：考核2019年度R&D经费的填 2019。"),
        ),
        INDICATOR_COLUMN,
        Column(
            "comparison", "比较方式", type=CHOICE, choices=tuple(Target.Comparison.choices),
            default=Target.Comparison.AT_LEAST, width=12,
            help=_lazy("“1亿元以上”选 ≥（以上）；“超过0.7%”选 >（超过）。空白按 ≥。"),
        ),
        Column("value", "目标值", type=DECIMAL, required=True, width=18, help=VALUE_HELP),
        Column("note", "说明", width=30, help=_lazy("如：县政府工作报告目标。")),
    )  # fmt: skip


for _register in (
    RndProjectRegister(),
    RndExpenseRegister(),
    EnterpriseStatRegister(),
    CountyEconomyRegister(),
    OfficialFigureRegister(),
    TargetRegister(),
):
    register(_register)

# Statistics refresh the indicators themselves (their import knows the years without reading them back).
INDICATOR_INPUTS = {"county_economy", "organisation_years"}


@receiver(imported)
def _refresh_indicators(sender: Any, register: Register, result: ImportResult, **kwargs: Any) -> None:
    """Statistics, economy data and the 规上 list feed the county indicators: refresh the years touched."""
    if register.slug not in INDICATOR_INPUTS or not (result.created_ids or result.updated_ids):
        return
    model = register.model
    ids = [*result.created_ids, *result.updated_ids]
    years: set[int] = set()
    for chunk in _chunks(ids, 900):
        years.update(model._default_manager.filter(pk__in=chunk).values_list("year", flat=True).distinct())
    indicators.refresh(years)
