"""History by Excel: the published figures (公布数据) and the targets (目标任务) past reports stated are entered
through registers — template, all-or-nothing import with a row-by-row report, export that imports back
unchanged — listed on the imports page and in the CLI like every other register. Rows are written through
the same services as the forms, so the rules hold on the import too: a rank needs its denominator, values
are not negative, another county's staff are refused, and a record a frozen summary rests on stays as it is."""

import io
from decimal import Decimal

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.urls import reverse

from kechuang.core.models import AuditEvent
from kechuang.imports import services as imports
from kechuang.imports.report import ImportRejected
from kechuang.rnd.models import OfficialFigure, Target
from tests.conftest import client_for
from tests.imports.conftest import xlsx_bytes
from tests.rnd.test_frozen_year import frozen_2025  # noqa: F401 - the fixture

D = Decimal
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
REPORT = "《2019年度浙江省各县（市、区）科技进步统计监测评价报告》"
OFFICIAL_HEADER = [
    "县（市、区）", "年度", "截至月份", "指标", "公布值", "全省排名", "全省参与排名县（市、区）数", "全市排名",
    "全市参与排名县（市、区）数", "出处", "发布日期",
]  # fmt: skip
TARGET_HEADER = ["县（市、区）", "数据年度", "指标", "比较方式", "目标值", "说明"]


def official(rows, by):
    return imports.import_file(
        register="official_figures", file=xlsx_bytes(OFFICIAL_HEADER, rows, sheet="公布数据"), by=by
    )


def targets(rows, by):
    return imports.import_file(
        register="targets", file=xlsx_bytes(TARGET_HEADER, rows, sheet="目标任务"), by=by
    )


def sheet_rows(data):
    book = openpyxl.load_workbook(io.BytesIO(data))
    return [list(r) for r in book.worksheets[0].iter_rows(values_only=True)]


# The seed's kind of history: the 2019 monitoring report's R&D (全省89个 第82位, 全市6个 第5位), its intensity
# with the province's rank only, and the statistics bureau's 1-9月 high-tech value added with its city rank.
HISTORY = [
    ["330824", 2019, 12, "R&D经费支出", 98_000_000, 82, 89, 5, 6, REPORT, "2020-10-15"],
    ["开化县", 2019, None, "R&D经费投入强度", 0.71, 29, 89, None, None, REPORT, None],
    ["330824", 2020, 9, "高新技术产业增加值", 1_234_500_000, None, None, 2, 6, "县统计局《统计月报》2020年9月", None],
]  # fmt: skip


def test_history_of_published_figures_imports_with_period_ranks_and_denominators(staff_a, county_a):
    result = official(HISTORY, staff_a)
    assert (result.created, result.updated, result.unchanged) == (3, 0, 0)
    rd = OfficialFigure.objects.get(indicator="rd_expenditure")
    assert (rd.county, rd.year, rd.months, rd.value) == (county_a, 2019, 12, D("98000000"))
    assert (rd.province_rank, rd.province_count, rd.city_rank, rd.city_count) == (82, 89, 5, 6)
    assert rd.source == REPORT and str(rd.published_on) == "2020-10-15"
    intensity = OfficialFigure.objects.get(indicator="rd_intensity")
    # a blank period is the full year; a share is entered as a percentage (0.71 = 0.71%)
    assert (intensity.months, intensity.value, intensity.fraction) == (12, D("0.71"), D("0.0071"))
    assert (intensity.city_rank, intensity.city_count) == (None, None)
    ytd = OfficialFigure.objects.get(indicator="high_tech_va")
    assert (ytd.year, ytd.months, ytd.city_rank, ytd.city_count) == (2020, 9, 2, 6)
    # audited as the form's writes are: one create event per record, by the importing user
    assert (
        AuditEvent.objects.filter(action="create", object_type="rnd.officialfigure", user=staff_a).count()
        == 3
    )


def test_a_rank_without_its_denominator_rejects_the_whole_file_row_by_row(staff_a, county_a, county_b):
    rows = [
        HISTORY[0],  # row 2: good, but not written (all or nothing)
        ["330824", 2019, 12, "R&D经费投入强度", 0.71, 29, None, None, None, REPORT, None],  # row 3: 第29位 of how many?
        ["330824", 2018, 12, "R&D经费支出", 90_000_000, None, None, 7, 6, REPORT, None],  # row 4: 7th of 6
        ["330824", 2018, 12, "高新技术产业增加值", -5, None, None, None, None, REPORT, None],  # row 5: negative
        ["330822", 2019, 12, "R&D经费支出", 1, None, None, None, None, REPORT, None],  # row 6: B, not A's staff
        ["330824", 2019, 13, "R&D经费同比增长", 5, None, None, None, None, REPORT, None],  # row 7: no 13th month
    ]  # fmt: skip
    with pytest.raises(ImportRejected) as caught:
        official(rows, staff_a)
    found = {(e.row, e.column) for e in caught.value.errors}
    assert found == {
        (3, "全省参与排名县（市、区）数"), (4, "全市排名"), (5, "公布值"), (6, "县（市、区）"), (7, "截至月份"),
    }  # fmt: skip
    reasons = {e.row: e.reason for e in caught.value.errors}
    assert "须同时填写全省参与排名的县（市、区）数" in reasons[3]
    assert "不能大于参与排名的县（市、区）数（6）" in reasons[4]
    assert "不能为负数" in reasons[5]
    assert OfficialFigure.objects.count() == 0
    # a growth rate may be negative (下降): that row with −5 and a real month goes in
    growth = ["330824", 2019, 9, "R&D经费同比增长", -5, None, None, None, None, REPORT, None]
    assert official([growth], staff_a).created == 1


def test_targets_import_with_comparison_and_data_year(staff_a, county_a):
    rows = [
        ["330824", 2019, "R&D经费支出", "≥（以上）", 100_000_000, "县政府工作报告目标"],
        ["开化县", 2019, "R&D经费投入强度", ">（超过）", 0.7, None],
        ["330824", 2020, "R&D经费支出", None, 120_000_000, None],  # blank comparison: ≥
    ]
    assert targets(rows, staff_a).created == 3
    rd, intensity, later = Target.objects.order_by("year", "indicator")
    assert (rd.year, rd.comparison, rd.value, rd.note) == (2019, "gte", D("100000000"), "县政府工作报告目标")
    assert (intensity.comparison, intensity.fraction) == ("gt", D("0.007"))
    assert (later.year, later.comparison) == (2020, "gte")
    # met as the comparison says: 0.70% exactly does not pass "超过0.7%", and does reach "0.7%以上"
    assert not intensity.is_met(D("0.007")) and intensity.is_met(D("0.0071"))


def test_export_imports_back_unchanged_and_edits_go_through_the_service(staff_a, county_a):
    official(HISTORY, staff_a)
    targets([["330824", 2019, "R&D经费投入强度", ">（超过）", 0.7, "县政府工作报告目标"]], staff_a)
    for slug, header, sheet in (
        ("official_figures", OFFICIAL_HEADER, "公布数据"),
        ("targets", TARGET_HEADER, "目标任务"),
    ):
        exported = sheet_rows(imports.export_queryset(register=slug, by=staff_a))
        assert exported[0] == header
        again = imports.import_file(
            register=slug, file=xlsx_bytes(exported[0], exported[1:], sheet=sheet), by=staff_a
        )
        assert (again.created, again.updated, again.unchanged) == (0, 0, len(exported) - 1), slug
    exported = sheet_rows(imports.export_queryset(register="official_figures", by=staff_a))
    by_indicator = {row[3]: row for row in exported[1:]}
    assert by_indicator["R&D经费支出"][:9] == ["330824", 2019, 12, "R&D经费支出", 98_000_000, 82, 89, 5, 6]
    # a corrected rank, re-imported: one update, audited with the old and the new value
    row = by_indicator["R&D经费支出"]
    row[7] = 4
    changed = official([row], staff_a)
    assert (changed.created, changed.updated) == (0, 1)
    assert OfficialFigure.objects.get(indicator="rd_expenditure").city_rank == 4
    event = AuditEvent.objects.filter(action="update", object_type="rnd.officialfigure").get()
    assert event.before == {"city_rank": 5} and event.after == {"city_rank": 4}


def test_the_frozen_summary_lock_holds_on_the_import(staff_a, county_a, frozen_2025):  # noqa: F811
    """The frozen 2025 summary quotes the 2024 published intensity and rests on the 2025 targets."""
    with pytest.raises(ImportRejected) as caught:
        official([["330824", 2024, 12, "R&D经费投入强度", 0.30, 40, 89, 1, 6, "省统计局", None]], staff_a)
    assert [(e.row, e.column) for e in caught.value.errors] == [(2, "（整行）")]
    assert "已定稿" in caught.value.errors[0].reason and "该公布数据" in caught.value.errors[0].reason
    with pytest.raises(ImportRejected) as caught:
        targets(
            [["330824", 2025, "R&D经费支出", "≥（以上）", 10_000_000, None]], staff_a
        )  # a new target of the year
    assert "已定稿" in caught.value.errors[0].reason
    assert OfficialFigure.objects.get().value == D("0.26") and Target.objects.count() == 1
    # what the frozen year rests on, exported and imported back as it is, passes: nothing changes
    for slug, sheet in (("official_figures", "公布数据"), ("targets", "目标任务")):
        exported = sheet_rows(imports.export_queryset(register=slug, by=staff_a))
        again = imports.import_file(
            register=slug, file=xlsx_bytes(exported[0], exported[1:], sheet=sheet), by=staff_a
        )
        assert again.unchanged == 1


def test_listed_on_the_imports_page_and_the_entry_pages(staff_a):
    client = client_for(staff_a)
    html = client.get(reverse("imports:index")).content.decode()
    assert "公布数据" in html and "目标任务" in html
    for slug, page in (("official_figures", "rnd:official_list"), ("targets", "rnd:target_list")):
        html = client.get(reverse(page)).content.decode()
        assert f"?register={slug}" in html and reverse("imports:template", args=[slug]) in html
        assert reverse("imports:export", args=[slug]) in html
        template = client.get(reverse("imports:template", args=[slug]))
        assert template.status_code == 200 and template["Content-Type"] == XLSX
    response = client.post(
        reverse("imports:upload"),
        {"register": "official_figures",
         "file": SimpleUploadedFile("公布数据.xlsx", xlsx_bytes(OFFICIAL_HEADER, HISTORY, sheet="公布数据"), content_type=XLSX)},
    )  # fmt: skip
    assert response.status_code == 200 and OfficialFigure.objects.count() == 3


def test_cli_template_import_and_export(tmp_path, staff_a, county_a):
    template = tmp_path / "目标模板.xlsx"
    call_command("template", "targets", str(template), stdout=io.StringIO())
    assert sheet_rows(template.read_bytes())[0] == TARGET_HEADER
    path = tmp_path / "目标.xlsx"
    path.write_bytes(
        xlsx_bytes(TARGET_HEADER, [["330824", 2019, "R&D经费支出", "≥（以上）", 100_000_000, None]])
    )
    # the service needs an acting account: the command line names one
    with pytest.raises(CommandError):
        call_command("import", "targets", str(path), stdout=io.StringIO(), stderr=io.StringIO())
    assert Target.objects.count() == 0
    out = io.StringIO()
    call_command("import", "targets", str(path), "--user", staff_a.username, stdout=out)
    assert "新增 1 条" in out.getvalue() and Target.objects.get().value == D("100000000")
    exported = tmp_path / "导出.xlsx"
    call_command("export", "targets", str(exported), stdout=io.StringIO())
    assert sheet_rows(exported.read_bytes())[1][:5] == [
        "330824",
        2019,
        "R&D经费支出",
        "≥（以上）",
        100_000_000,
    ]


def test_a_target_set_for_one_county_is_refused_to_another_countys_staff(staff_b, county_a):
    with pytest.raises(ImportRejected) as caught:
        targets([["330824", 2019, "R&D经费支出", None, 1, None]], staff_b)
    assert caught.value.errors[0].column == "县（市、区）" and "不在您管辖" in caught.value.errors[0].reason
    assert Target.objects.count() == 0
