"""Importing enterprise statistics (企业统计数据): all or nothing with every problem reported by row, one
frequency per enterprise and year, re-imports touching only what changed, and a large generated file."""

from decimal import Decimal

import pytest
from django.utils import timezone

from kechuang.core.models import AuditEvent, Organisation
from kechuang.imports import services as imports
from kechuang.imports.report import ImportRejected
from kechuang.rnd.models import EnterpriseStat, Indicator
from tests.factories import credit_code_for
from tests.imports.conftest import xlsx_bytes

HEADER = [
    "统一社会信用代码",
    "企业名称",
    "年度",
    "报告期类型",
    "期别",
    "R&D经费内部支出（元）",
    "营业收入（元）",
    "工业总产值（元）",
    "工业增加值（元）",
    "高新技术产业增加值（元）",
    "从业人员（人）",
    "R&D人员（人）",
]


def line(org, year, frequency, number, rd=1000, revenue=50_000, staff=30):
    code = org.credit_code if isinstance(org, Organisation) else org
    return [code, "", year, frequency, number, rd, revenue, 40_000, 12_000, 6_000, staff, 5]


def run(rows, by, header=HEADER):
    return imports.import_file(
        register="enterprise_stats",
        file=xlsx_bytes(header, rows, sheet="企业统计数据"),
        by=by,
        filename="统计.xlsx",
    )


def test_a_bad_file_is_rejected_whole_with_every_problem(staff_a, org_x):
    run([line(org_x, 2025, "月报", 1)], staff_a)
    today = timezone.localdate()
    stats, events, indicators = (
        EnterpriseStat.objects.count(),
        AuditEvent.objects.count(),
        Indicator.objects.count(),
    )
    rows = [
        line(org_x, 2025, "月报", 2),  # row 2: good
        line(org_x, 2025, "月报", 3, rd=-5),  # row 3: a negative amount
        line(credit_code_for(987_654), 2025, "月报", 4),  # row 4: nobody registered under this code
        line(org_x, 2025, "月报", 13),  # row 5: there is no 13th month
        line(org_x, today.year, "月报", today.month),  # row 6: this month is not over yet
        line(org_x, 2025, "季报", 0),  # row 7: quarter 0
    ]
    with pytest.raises(ImportRejected) as info:
        run(rows, staff_a)
    found = {(e.row, e.column): e.reason for e in info.value.errors}
    assert "不能为负数" in found[(3, "R&D经费内部支出（元）")]
    assert "请先在“企业与机构”中登记" in found[(4, "统一社会信用代码")]
    assert "月报填 1–12" in found[(5, "期别")]
    assert "尚未结束" in found[(6, "期别")]
    assert "季报填 1–4" in found[(7, "期别")]
    assert sorted({e.row for e in info.value.errors}) == [3, 4, 5, 6, 7]
    # Nothing written: no statistics, no create/update events, indicators untouched; the refusal is on record.
    assert EnterpriseStat.objects.count() == stats and Indicator.objects.count() == indicators
    assert AuditEvent.objects.count() == events + 1
    refusal = AuditEvent.objects.latest("pk")
    assert refusal.action == "import_rejected" and refusal.after["bad_rows"] == [3, 4, 5, 6, 7]


def test_a_future_year_and_another_countys_enterprise_are_refused(staff_a, org_x, org_y):
    with pytest.raises(ImportRejected) as info:
        run([line(org_x, 2099, "年报", 0), line(org_y, 2024, "年报", 0)], staff_a)
    found = {(e.row, e.column): e.reason for e in info.value.errors}
    assert "年度须在 2000 年至今年" in found[(2, "年度")]
    assert "不在您管辖的县" in found[(3, "统一社会信用代码")]
    assert not EnterpriseStat.objects.exists()


def test_one_frequency_per_enterprise_and_year(staff_a, org_x, county_a):
    with pytest.raises(ImportRejected) as info:
        run([line(org_x, 2025, "月报", 1), line(org_x, 2025, "季报", 1)], staff_a)
    assert {e.row for e in info.value.errors} == {2, 3}
    assert all("只能按一种报告期填报" in e.reason for e in info.value.errors)
    assert not EnterpriseStat.objects.exists()

    run([line(org_x, 2025, "季报", 1), line(org_x, 2024, "月报", 12)], staff_a)
    with pytest.raises(ImportRejected) as info:  # quarterly data are already stored for 2025
        run([line(org_x, 2025, "月报", 7)], staff_a)
    assert "已有季报数据" in info.value.errors[0].reason
    run([line(org_x, 2025, "季报", 2)], staff_a)  # the same frequency goes on
    assert EnterpriseStat.objects.filter(organisation=org_x, year=2025).count() == 2


def test_reimport_updates_only_what_changed(staff_a, org_x):
    rows = [line(org_x, 2025, "月报", m, rd=1000 * m) for m in range(1, 7)]
    first = run(rows, staff_a)
    assert (first.created, first.updated, first.unchanged) == (6, 0, 0)
    stamps = dict(EnterpriseStat.objects.values_list("number", "updated_at"))
    rows[2][5] = 3500  # March's R&D revised
    again = run(rows, staff_a)
    assert (again.created, again.updated, again.unchanged) == (0, 1, 5)
    march = EnterpriseStat.objects.get(organisation=org_x, year=2025, number=3)
    assert march.rd_expenditure == Decimal("3500")
    assert {
        n: t for n, t in EnterpriseStat.objects.values_list("number", "updated_at") if t != stamps[n]
    } == {3: march.updated_at}
    # One event per enterprise-year of the file: the periods that changed, before and after.
    event = AuditEvent.objects.get(action="update", object_type="rnd.enterprisestat")
    assert event.object_id == f"{org_x.pk}:2025" and event.object_repr == f"{org_x.name} 2025年统计数据"
    assert Decimal(event.before["2025年3月"]["rd_expenditure"]) == 3000 and list(event.before) == [
        "2025年3月"
    ]
    assert Decimal(event.after["2025年3月"]["rd_expenditure"]) == 3500
    # The same file once more changes nothing.
    assert run(rows, staff_a).unchanged == 6


def test_amounts_are_kept_to_the_fen(staff_a, org_x):
    """An amount computed in Excel (12345.675 from a formula) is rounded half-up to the fen, so re-importing
    the same file does not count it as changed every time; an amount beyond the column's size is refused."""
    rows = [line(org_x, 2025, "月报", 1, rd=12345.675)]
    run(rows, staff_a)
    assert EnterpriseStat.objects.get().rd_expenditure == Decimal("12345.68")
    assert run(rows, staff_a).unchanged == 1
    with pytest.raises(ImportRejected) as info:
        run([line(org_x, 2025, "月报", 2, rd=10**17)], staff_a)
    assert "超出" in info.value.errors[0].reason


def test_a_large_generated_file_imports(staff_a, county_a, django_assert_max_num_queries):
    """20,000 rows (1,667 enterprises × 12 months): bulk checks and writes, a bounded number of queries."""
    orgs = Organisation.objects.bulk_create(
        Organisation(
            name=f"统计测试企业{i:05d}",
            kind=Organisation.Kind.ENTERPRISE,
            credit_code=credit_code_for(300_000 + i),
            region=county_a,
            county=county_a,
            industry_id="3985",
            size=Organisation.Size.SMALL,
        )  # fmt: skip
        for i in range(1667)
    )
    rows = [line(o, 2025, "月报", m, rd=100 * m + i % 7) for i, o in enumerate(orgs) for m in range(1, 13)][
        :20_000
    ]
    # Bulk writes: one executemany per 5,000 statistics, audit events in batches; never one query per row.
    with django_assert_max_num_queries(120):
        result = run(rows, staff_a)
    assert result.created == 20_000
    assert EnterpriseStat.objects.count() == 20_000
    # Audited per enterprise-year: each of the 1,667 events lists the periods it created with their values.
    events = AuditEvent.objects.filter(action="create", object_type="rnd.enterprisestat")
    assert events.count() == 1667
    assert sum(len(e.after) for e in events) == 20_000
    total = sum(r[5] for r in rows)
    assert Indicator.objects.get(county=county_a, year=2025, months=12, key="rd_expenditure").value == total
