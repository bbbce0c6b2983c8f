"""The R&D project pages as their users meet them: who sees which projects (an enterprise its own, staff their
county's, city and province read), creating and editing through the page (audited), the expense grid saved
all or nothing, the super-deduction page's numbers, the rate table, the home panel, and a query budget."""

import datetime as dt
import io
from decimal import Decimal

import openpyxl
import pytest
from django.urls import reverse

from kechuang.core.models import AuditEvent
from kechuang.rnd import services
from kechuang.rnd.models import RndExpense, RndProject
from tests.conftest import client_for
from tests.factories import OrganisationFactory

pytestmark = pytest.mark.django_db
D = dt.date


def make_project(by, org, code="RD2023-01", starts_on=D(2023, 3, 1), ends_on=D(2023, 10, 31), **extra):
    data = {"organisation": org, "code": code, "title": f"{code} 高性能材料研发", "starts_on": starts_on,
            "ends_on": ends_on, "budget": Decimal("500000"), "staff": 6, **extra}  # fmt: skip
    return services.rnd_project_save(by=by, data=data)


def spend(by, project, year, month, **amounts):
    services.rnd_expense_set(
        by=by, project=project, year=year, month=month, amounts={k: Decimal(v) for k, v in amounts.items()}
    )


@pytest.fixture
def project_x(enterprise_x, org_x):
    return make_project(enterprise_x, org_x, code="RDX-01")


@pytest.fixture
def project_y(staff_b, org_y):
    return make_project(staff_b, org_y, code="RDY-01")


def listed(client, **params):
    response = client.get(reverse("rnd:project_list"), {"year": "all", **params})
    assert response.status_code == 200
    return {p.code for p in response.context["page"]}


# --- who sees what ------------------------------------------------------------------------------------------


def test_enterprise_sees_only_its_own_projects(enterprise_x, project_x, project_y):
    client = client_for(enterprise_x)
    assert listed(client) == {"RDX-01"}
    assert listed(client, org=project_y.organisation_id) == set()  # the filter can't reach another org
    assert client.get(reverse("rnd:project_detail", args=[project_x.pk])).status_code == 200
    assert client.get(reverse("rnd:project_detail", args=[project_y.pk])).status_code == 404
    assert client.get(reverse("rnd:project_edit", args=[project_y.pk])).status_code == 404
    response = client.post(
        reverse("rnd:expense_edit", args=[project_y.pk]), {"year": 2023, "m3-personnel": "1"}
    )
    assert response.status_code == 404
    assert not RndExpense.objects.exists()
    # the attempt on another enterprise's project is on the audit log
    assert AuditEvent.objects.filter(
        action="permission_denied", object_type="rnd.rndproject", object_id=str(project_y.pk)
    ).exists()


def test_county_staff_see_their_county_only(staff_a, staff_b, project_x, project_y):
    assert listed(client_for(staff_a)) == {"RDX-01"}
    b = client_for(staff_b)
    assert listed(b) == {"RDY-01"}
    assert b.get(reverse("rnd:project_detail", args=[project_x.pk])).status_code == 404
    assert b.get(reverse("rnd:project_delete", args=[project_x.pk])).status_code == 404
    assert b.post(reverse("rnd:project_delete", args=[project_x.pk])).status_code == 404
    assert RndProject.objects.filter(pk=project_x.pk).exists()


def test_leader_city_and_province_read_only(leader_a, city_user, province_user, project_x, project_y):
    assert listed(client_for(leader_a)) == {"RDX-01"}
    assert listed(client_for(city_user)) == {"RDX-01", "RDY-01"}
    province = client_for(province_user)
    assert listed(province) == {"RDX-01", "RDY-01"}
    page = province.get(reverse("rnd:project_detail", args=[project_x.pk]))
    assert page.status_code == 200 and not page.context["editable"]
    assert b'name="m3-personnel"' not in page.content
    for client in (client_for(leader_a), province):
        assert client.get(reverse("rnd:project_edit", args=[project_x.pk])).status_code == 403
        assert client.get(reverse("rnd:project_create")).status_code == 403
        response = client.post(
            reverse("rnd:expense_edit", args=[project_x.pk]), {"year": 2023, "m3-other": "1"}
        )
        assert response.status_code == 403
    assert not RndExpense.objects.exists()


def test_people_without_a_role_here_are_refused(outsider, expert_a, project_x):
    for user in (outsider, expert_a):
        client = client_for(user)
        assert client.get(reverse("rnd:project_list")).status_code == 403
        assert client.get(reverse("rnd:deduction")).status_code == 403
        assert client.get(reverse("rnd:project_detail", args=[project_x.pk])).status_code == 404


# --- create, edit, delete -------------------------------------------------------------------------------


def test_enterprise_creates_a_project_for_itself_audited(enterprise_x, org_x, org_y):
    client = client_for(enterprise_x)
    form = client.get(reverse("rnd:project_create"))
    assert b'name="organisation"' not in form.content and org_x.name in form.content.decode()
    response = client.post(
        reverse("rnd:project_create"),
        {
            "organisation": org_y.pk,
            "code": "RD2026-01",
            "title": "锂电隔膜涂覆工艺",
            "kind": "own",
            "starts_on": "2026-01-01",
            "ends_on": "2026-12-31",
            "budget": "800000",
            "staff": "5",
        },  # fmt: skip
    )
    project = RndProject.objects.get(code="RD2026-01")
    assert response.status_code == 302 and response.url == reverse("rnd:project_detail", args=[project.pk])
    assert project.organisation == org_x  # the posted organisation is ignored: there is no such field
    assert project.county_id == "330824"
    event = AuditEvent.objects.get(action="create", object_type="rnd.rndproject", object_id=str(project.pk))
    assert event.username == "enterprise_x"
    assert event.after["code"] == "RD2026-01" and event.after["organisation_id"] == org_x.pk

    client.post(
        reverse("rnd:project_edit", args=[project.pk]),
        {
            "code": "RD2026-01",
            "title": "锂电隔膜涂覆工艺优化",
            "kind": "cooperative",
            "starts_on": "2026-01-01",
            "ends_on": "2026-12-31",
            "budget": "900000",
            "staff": "5",
        },  # fmt: skip
    )
    update = AuditEvent.objects.get(action="update", object_type="rnd.rndproject", object_id=str(project.pk))
    assert update.before == {"title": "锂电隔膜涂覆工艺", "kind": "own", "budget": "800000.00"}
    assert update.after == {"title": "锂电隔膜涂覆工艺优化", "kind": "cooperative", "budget": "900000.00"}


def test_staff_choose_an_enterprise_of_their_county(staff_a, org_x, org_y):
    client = client_for(staff_a)
    form = client.get(reverse("rnd:project_create")).context["form"]
    choices = set(form.fields["organisation"].queryset)
    assert org_x in choices and org_y not in choices
    data = {"code": "RD1", "title": "项目", "kind": "own", "starts_on": "2026-01-01", "ends_on": "2026-06-30"}
    response = client.post(reverse("rnd:project_create"), {**data, "organisation": org_y.pk})
    assert response.status_code == 200 and "organisation" in response.context["form"].errors
    response = client.post(reverse("rnd:project_create"), {**data, "organisation": org_x.pk})
    assert response.status_code == 302 and RndProject.objects.get(code="RD1").organisation == org_x


def test_project_form_errors_are_shown(enterprise_x, project_x):
    client = client_for(enterprise_x)
    data = {"title": "新项目", "kind": "own", "starts_on": "2026-05-01", "ends_on": "2026-12-31"}
    response = client.post(reverse("rnd:project_create"), {**data, "code": "RDX-01"})
    assert "该企业已有编号为“RDX-01”的研发项目，请换一个编号。" in response.content.decode()
    response = client.post(reverse("rnd:project_create"), {**data, "code": "RDX-02", "ends_on": "2026-01-01"})
    assert response.status_code == 200
    assert "结束日期不能早于开始日期。" in response.content.decode()  # the model's rule, via the service
    assert RndProject.objects.count() == 1


def test_delete_asks_then_deletes_with_the_expenses(enterprise_x, project_x):
    spend(enterprise_x, project_x, 2023, 4, personnel=1000)
    client = client_for(enterprise_x)
    confirm = client.get(reverse("rnd:project_delete", args=[project_x.pk]))
    assert "已归集 1 个月的研发费用" in confirm.content.decode()
    client.post(reverse("rnd:project_delete", args=[project_x.pk]))
    assert not RndProject.objects.exists() and not RndExpense.objects.exists()
    assert AuditEvent.objects.filter(action="delete", object_type="rnd.rndexpense").count() == 1


# --- the expense grid ------------------------------------------------------------------------------------


def grid(year, **cells):
    """The POST of a whole year's grid: every cell present (blank unless given), as the browser sends it."""
    data = {"year": str(year)}
    for month in range(1, 13):
        for name, _label in RndExpense.CATEGORIES:
            data[f"m{month}-{name}"] = ""
    data.update({k.replace("_", "-", 1): v for k, v in cells.items()})
    return data


def test_grid_save_writes_the_changed_months(enterprise_x, project_x):
    spend(enterprise_x, project_x, 2023, 3, personnel=5000)  # March will be cleared by the blank grid row
    client = client_for(enterprise_x)
    response = client.post(
        reverse("rnd:expense_edit", args=[project_x.pk]),
        grid(2023, m4_personnel="120,000.50", m4_other="3000", m9_direct="45000", m9_design="0"),
    )
    assert response.status_code == 302 and response.url.endswith("?year=2023")
    rows = {r.month: r for r in RndExpense.objects.filter(project=project_x)}
    assert set(rows) == {4, 9}
    assert rows[4].personnel == Decimal("120000.50") and rows[4].other == Decimal("3000")
    assert rows[9].direct == Decimal("45000") and rows[9].total == Decimal("45000")
    page = client.get(response.url)
    assert "已保存2023年研发费用归集（3、4、9月）。" in page.content.decode()
    assert page.context["grid"]["grand"] == Decimal("168000.50")
    # saving the same grid again changes nothing
    client.post(reverse("rnd:expense_edit", args=[project_x.pk]), grid(2023, m4_personnel="120000.5",
                m4_other="3000", m9_direct="45000"))  # fmt: skip
    assert (
        AuditEvent.objects.filter(object_type="rnd.rndexpense").count() == 4
    )  # 3 creates/1 delete: none new


@pytest.mark.parametrize(
    ("cell", "value", "message"),
    [
        ("m5_personnel", "-100", "5月 · 人员人工费用：不能为负数。"),
        ("m6_direct", "一万", "6月 · 直接投入费用：请填写数字（单位：元）。"),
        ("m7_other", "12.345", "7月 · 其他相关费用：最多保留两位小数（分）。"),
        (
            "m12_personnel",
            "8000",
            "12月 · 人员人工费用：12月不在项目起止期间（2023年3月 至 2023年10月）内，不能填报。",
        ),
    ],
)
def test_a_bad_cell_rejects_the_whole_grid(enterprise_x, project_x, cell, value, message):
    spend(enterprise_x, project_x, 2023, 3, personnel=5000)
    client = client_for(enterprise_x)
    response = client.post(
        reverse("rnd:expense_edit", args=[project_x.pk]),
        grid(2023, m3_personnel="9999", m4_personnel="1000", **{cell: value}),
    )
    assert response.status_code == 422
    text = response.content.decode()
    assert "整张表未保存" in text and message in text
    # nothing written: March keeps its 5,000, April was not created
    assert list(RndExpense.objects.values_list("month", "personnel")) == [(3, Decimal("5000.00"))]
    # what the user typed is still in the grid to be corrected
    assert 'value="9999"' in text


def test_grid_of_a_year_outside_the_period_is_refused(enterprise_x, project_x):
    client = client_for(enterprise_x)
    response = client.post(reverse("rnd:expense_edit", args=[project_x.pk]), grid(2024, m1_personnel="1"))
    assert response.status_code == 302
    assert not RndExpense.objects.exists()
    assert "年度不在项目起止期间内，未保存。" in client.get(response.url).content.decode()


def test_months_outside_the_period_are_shown_locked(enterprise_x, project_x):
    page = client_for(enterprise_x).get(reverse("rnd:project_detail", args=[project_x.pk]), {"year": 2023})
    rows = page.context["grid"]["rows"]
    assert [r["month"] for r in rows if r["inside"]] == [3, 4, 5, 6, 7, 8, 9, 10]
    assert "disabled" in str(page.context["form"]["m2-personnel"])
    assert "disabled" not in str(page.context["form"]["m3-personnel"])


# --- the super-deduction page ----------------------------------------------------------------------------


def test_deduction_page_shows_the_worked_cap_example(enterprise_x, org_x):
    org_x.industry_id = "6513"  # software: a general enterprise
    org_x.save()
    project = make_project(
        enterprise_x, org_x, code="RD2023-09", starts_on=D(2023, 1, 1), ends_on=D(2023, 12, 31)
    )
    spend(enterprise_x, project, 2023, 4, personnel=100_000, direct=50_000, other=30_000)
    response = client_for(enterprise_x).get(reverse("rnd:deduction"), {"year": 2023})
    assert response.status_code == 200
    text = response.content.decode()
    # five 150,000; limit = 150,000 × 10% ÷ 90% = 16,666.67; excess 13,333.33; deduction 166,666.67 at 100%
    assert "限额 = 前五项合计 × 10% ÷ (1 − 10%)" in text
    assert "150,000.00 × 10% ÷ 90%" in text
    for figure in ("16,666.67", "13,333.33", "166,666.67", "16.67万元", "财政部 税务总局公告2023年第7号"):
        assert figure in text
    assert "非制造业企业" in text and "I6513" in text
    assert response.context["result"].deduction == Decimal("166666.67")


def test_deduction_page_scoping(enterprise_x, staff_a, staff_b, org_x, org_y, project_x, project_y):
    spend(enterprise_x, project_x, 2023, 4, personnel=10_000)
    url = reverse("rnd:deduction")
    assert client_for(enterprise_x).get(url, {"org": org_y.pk, "year": 2023}).status_code == 404
    assert client_for(staff_b).get(url, {"org": org_x.pk, "year": 2023}).status_code == 404
    # staff without a choice get their county's enterprises with the year's collection
    picker = client_for(staff_a).get(url, {"year": 2023})
    assert [r["name"] for r in picker.context["county"]] == [org_x.name]
    assert client_for(staff_a).get(url, {"org": org_x.pk, "year": 2023}).context["result"].five == Decimal(
        "10000"
    )
    # an enterprise lands on its own without choosing
    assert client_for(enterprise_x).get(url, {"year": 2023}).context["organisation"] == org_x


def test_rate_table_is_readable_by_anyone_logged_in(outsider):
    response = client_for(outsider).get(reverse("rnd:rate_list"))
    assert response.status_code == 200
    text = response.content.decode()
    assert "财政部 税务总局 科技部公告2022年第28号" in text and "75%" in text and "100%" in text
    assert "2022年10月1日 — 2022年12月31日" in text


# --- home, stream page, export, query budget -------------------------------------------------------------------


def test_home_panel_shows_this_years_collection(enterprise_x, org_x, staff_a):
    from django.utils import timezone

    year = timezone.localdate().year
    project = make_project(
        enterprise_x, org_x, code="RD-NOW", starts_on=D(year, 1, 1), ends_on=D(year, 12, 31)
    )
    spend(enterprise_x, project, year, 1, personnel=200_000)
    text = client_for(enterprise_x).get(reverse("home")).content.decode()
    assert f"{year}年研发费用归集与加计扣除" in text and "20万元" in text
    # staff do not get the enterprise panel
    assert "研发费用归集与加计扣除" not in client_for(staff_a).get(reverse("home")).content.decode()


def test_stream_page_links(enterprise_x, outsider):
    text = client_for(enterprise_x).get(reverse("stream", args=["rnd"])).content.decode()
    for label in ("研发项目与费用归集", "研发费用加计扣除", "加计扣除比例表"):
        assert label in text
    text = client_for(outsider).get(reverse("stream", args=["rnd"])).content.decode()
    assert "加计扣除比例表" in text and "研发项目与费用归集" not in text


def test_export_is_what_the_list_shows(enterprise_x, project_x, project_y):
    spend(enterprise_x, project_x, 2023, 4, personnel=1234)
    response = client_for(enterprise_x).get(reverse("rnd:project_list"), {"year": "2023", "export": "xlsx"})
    assert response.status_code == 200
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    values = [[c.value for c in row] for row in sheet.iter_rows()]
    text = repr(values)
    assert "RDX-01" in text and "RDY-01" not in text and "1234" in text
    assert AuditEvent.objects.filter(action="export", object_type="rnd.rndproject").exists()


def test_list_page_query_budget(staff_a, county_a, django_assert_max_num_queries):
    for i in range(12):
        org = OrganisationFactory(region=county_a, name=f"开化县企业{i:02d}")
        project = make_project(
            staff_a, org, code=f"RD-{i:02d}", starts_on=D(2023, 1, 1), ends_on=D(2023, 12, 31)
        )
        spend(staff_a, project, 2023, 2, personnel=1000 + i)
        spend(staff_a, project, 2023, 3, other=10)
    client = client_for(staff_a)
    with django_assert_max_num_queries(14):
        response = client.get(reverse("rnd:project_list"), {"year": 2023})
    page = list(response.context["page"])
    assert len(page) == 12
    assert {p.collected for p in page} == {Decimal(1010 + i) for i in range(12)}


def test_read_only_users_get_no_create_or_import_buttons(city_user, project_x):
    response = client_for(city_user).get(reverse("rnd:project_list"), {"year": "all"})
    assert response.status_code == 200
    assert not response.context["can_create"] and not response.context["can_import"]
    assert reverse("rnd:project_create") not in response.content.decode()
