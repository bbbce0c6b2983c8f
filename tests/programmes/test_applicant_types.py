"""Who may apply: a programme declares the organisation types it admits (enterprises; county departments and
development-zone committees for platform programmes such as 产业创新服务综合体), and the rule holds on the
application page, the API, the applications register, the 补录 register and the CLI. A partner the county
registered elsewhere never applies. Recognitions without a certificate (综合体, 研发中心) are recorded
without a number."""

import datetime as dt
import io
from decimal import Decimal

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse

from kechuang.core.models import Organisation, Region
from kechuang.imports import services as imports
from kechuang.imports.registers import REGISTERS
from kechuang.imports.report import ImportRejected
from kechuang.programmes import services
from kechuang.programmes.models import Application, Award, PolicyDocument, Programme, Status
from tests.conftest import client_for
from tests.factories import OrganisationFactory, credit_code_for
from tests.imports.conftest import xlsx_bytes

from .fixtures import _programme, make_call

pytestmark = pytest.mark.django_db
JSON = "application/json"


@pytest.fixture
def complex_programme(staff_a, county_a):
    """产业创新服务综合体: a platform recognised without a certificate; county departments and the development
    zone's committee apply, not enterprises."""
    return _programme(
        staff_a, county_a, name="省级产业创新服务综合体认定", level="provincial", kind="qualification",
        award_form="qualification", category="产业创新服务综合体", validity_years=3,
        applicant_kinds=["department", "dev_zone"], issues_certificate=False,
    )  # fmt: skip


@pytest.fixture
def zone(county_a):
    return OrganisationFactory(
        name="开化经济开发区管理委员会", kind=Organisation.Kind.DEVELOPMENT_ZONE, region=county_a,
        credit_code=credit_code_for(61, prefix="11"), industry_id=None,
    )  # fmt: skip


@pytest.fixture
def partner(county_a):
    """An enterprise in 杭州市西湖区 that county A registered as a partner."""
    return OrganisationFactory(
        name="杭州某合作科技有限公司", region=Region.objects.get(code="330106"), county=county_a,
        credit_code=credit_code_for(62, county="330106"),
    )  # fmt: skip


def open_call(staff, programme):
    today = dt.date.today()
    return make_call(
        staff, programme, year=today.year, name="本年第一批", opens_on=today - dt.timedelta(days=3),
        closes_on=today + dt.timedelta(days=30), county_deadline=today + dt.timedelta(days=20),
    )  # fmt: skip


def test_the_page_offers_only_admitted_types_and_refuses_the_others(
    staff_a, complex_programme, department_a, zone, org_x
):
    call = open_call(staff_a, complex_programme)
    client = client_for(staff_a)
    url = reverse("programmes:application_create")
    form = client.get(url + f"?call={call.pk}").content.decode()
    assert department_a.name in form and zone.name in form
    assert org_x.name not in form  # an enterprise is not offered
    refused = client.post(url, {"call": call.pk, "organisation": org_x.pk, "summary": "申报综合体"})
    assert refused.status_code == 200 and not Application.objects.exists()
    ok = client.post(url, {"call": call.pk, "organisation": zone.pk, "summary": "开发区申报综合体"})
    assert ok.status_code == 302
    assert Application.objects.get().organisation == zone

    programme = client.get(
        reverse("programmes:programme_detail", args=[complex_programme.pk])
    ).content.decode()
    assert "县级部门、开发区管委会" in programme and "认定不发证书" in programme


def test_the_api_refuses_a_type_not_admitted_and_a_partner_elsewhere(
    staff_a, complex_programme, key_rd, org_x, zone, partner
):
    client = client_for(staff_a)
    complex_call, rd_call = open_call(staff_a, complex_programme), open_call(staff_a, key_rd)
    refused = client.post(
        "/api/programmes/applications", {"call": complex_call.pk, "organisation": org_x.pk}, content_type=JSON
    )
    assert refused.status_code == 422
    message = refused.json()["detail"][0]["message"]
    assert "只受理县级部门、开发区管委会作为申报单位" in message and "企业" in message
    # An enterprise, but located in 杭州市西湖区: county A's partner, not its applicant.
    elsewhere = client.post(
        "/api/programmes/applications",
        {"call": rd_call.pk, "organisation": partner.pk, "title": "合作研发项目"},
        content_type=JSON,
    )
    assert elsewhere.status_code == 422
    assert "位于浙江省杭州市西湖区，不是开化县的单位" in elsewhere.json()["detail"][0]["message"]
    ok = client.post(
        "/api/programmes/applications", {"call": complex_call.pk, "organisation": zone.pk}, content_type=JSON
    )
    assert ok.status_code == 201, ok.content
    assert Application.objects.filter(organisation=zone).count() == 1
    assert not Application.objects.filter(organisation__in=[org_x, partner]).exists()


def test_the_applications_register_and_the_cli_refuse_it_too(
    staff_a, complex_programme, org_x, zone, tmp_path
):
    call = make_call(staff_a, complex_programme, year=2025)
    header = ["统一社会信用代码", "项目类别", "批次", "状态"]
    rows = [[zone.credit_code, complex_programme.name, call.name, "已推荐"],
            [org_x.credit_code, complex_programme.name, call.name, "已推荐"]]  # fmt: skip
    data = xlsx_bytes(header, rows, sheet=REGISTERS["applications"].sheet_name)
    with pytest.raises(ImportRejected) as info:
        imports.import_file(register="applications", file=data, by=staff_a, filename="a.xlsx")
    assert [e.row for e in info.value.errors] == [3]
    assert "只受理县级部门、开发区管委会" in info.value.errors[0].reason
    assert not Application.objects.exists()  # all or nothing

    path = tmp_path / "applications.xlsx"
    path.write_bytes(data)
    err = io.StringIO()
    with pytest.raises(CommandError):
        call_command("import", "applications", str(path), "--user", staff_a.username, stderr=err)
    assert "只受理县级部门、开发区管委会" in err.getvalue()
    assert not Application.objects.exists()


def test_a_recognition_without_a_certificate_is_recorded_without_a_number(
    staff_a, complex_programme, hte, zone, org_x
):
    call = make_call(staff_a, complex_programme, year=2025)
    app = services.application_create(by=staff_a, data={"call": call, "organisation": zone})
    for to in (Status.SUBMITTED, Status.RECOMMENDED):
        services.application_transition(application=app, to=to, by=staff_a)
    client = client_for(staff_a)
    page = client.get(reverse("programmes:application_approve", args=[app.pk])).content.decode()
    assert 'name="certificate_no"' not in page
    response = client.post(
        reverse("programmes:application_approve", args=[app.pk]),
        {"decided_on": "2025-12-01", "document": "浙科发〔2025〕30号", "from": "recommended"},
    )
    assert response.status_code == 302
    award = Award.objects.get(application=app)
    assert (award.certificate_no, award.valid_until) == ("", dt.date(2028, 11, 30))

    # A programme that issues certificates still wants the number, on the API too.
    hte_app = services.application_create(by=staff_a, data={"call": make_call(staff_a, hte, year=2025),
                                                            "organisation": org_x})  # fmt: skip
    for to in (Status.SUBMITTED, Status.RECOMMENDED):
        services.application_transition(application=hte_app, to=to, by=staff_a)
    refused = client.post(
        f"/api/programmes/applications/{hte_app.pk}/approve", {"decided_on": "2025-12-01"}, content_type=JSON
    )
    assert refused.status_code == 422
    assert refused.json()["detail"] == [{"field": "certificate_no", "message": "资质认定须填写证书编号。"}]


def test_the_programmes_register_declares_applicant_types_and_certificates(staff_a):
    header = [
        "所属县",
        "名称",
        "层级",
        "类型",
        "结果形式",
        "类别",
        "主管部门",
        "有效期（年）",
        "申报单位类型",
        "颁发证书",
    ]
    rows = [
        ["330824", "省级产业创新服务综合体认定", "省级", "资质认定", "资质（有效期）", "产业创新服务综合体",
         "浙江省发展和改革委员会", 3, "县级部门、开发区管委会", "否"],
        ["330824", "农业科技项目", "县级", "科技计划项目", "立项（经费与节点）", "县农业科技项目", "开化县经信科技局",
         None, "企业、农民专业合作社", None],
        ["330824", "县级研发中心", "县级", "资质认定", "资质（有效期）", "县级研发中心", "开化县经信科技局", 3,
         "合作社", "否"],
    ]  # fmt: skip
    data = xlsx_bytes(header, rows, sheet=REGISTERS["programmes"].sheet_name)
    with pytest.raises(ImportRejected) as info:
        imports.import_file(register="programmes", file=data, by=staff_a, filename="p.xlsx")
    assert [(e.row, e.column) for e in info.value.errors] == [(4, "申报单位类型")]
    assert "“合作社”不是单位类型" in info.value.errors[0].reason
    rows[2][8] = "企业"
    data = xlsx_bytes(header, rows, sheet=REGISTERS["programmes"].sheet_name)
    imports.import_file(register="programmes", file=data, by=staff_a, filename="p.xlsx")
    got = {p.name: (p.applicant_kinds, p.issues_certificate) for p in Programme.objects.all()}
    assert got == {
        "省级产业创新服务综合体认定": (["department", "dev_zone"], False),
        "农业科技项目": (["enterprise", "cooperative"], True),
        "县级研发中心": (["enterprise"], False),
    }


def test_the_backfill_register_refuses_a_claim_of_a_type_not_admitted(staff_a, county_a, org_x):
    policy = services.policy_save(
        by=staff_a,
        data={"county": county_a, "title": "开化县科技创新若干意见", "number": "开政办发〔2018〕30号",
              "issuing_bodies": "开化县人民政府办公室", "issued_on": dt.date(2018, 5, 2),
              "bureau_role": PolicyDocument.BureauRole.DRAFTED},
    )  # fmt: skip
    rd_centre = _programme(
        staff_a, county_a, name="市级研发中心认定", level="city", kind="qualification",
        award_form="qualification", category="市级研发中心", validity_years=3, issues_certificate=False,
    )  # fmt: skip
    services.rule_save(
        by=staff_a, policy=policy,
        data={"item": "认定市级研发中心", "article": "第五条", "achievement": rd_centre, "achievement_year": 2018,
              "amount": Decimal("50000"), "cap": None},
    )  # fmt: skip
    _programme(
        staff_a, county_a, name="科技创新政策奖励兑现", level="county", kind="incentive", award_form="money",
        category="科技创新政策奖励", issuer="开化县经信科技局", policy=policy,
    )  # fmt: skip
    coop = OrganisationFactory(
        name="开化县某茶叶专业合作社", kind=Organisation.Kind.COOPERATIVE, region=county_a,
        credit_code=credit_code_for(63, prefix="93"),
    )  # fmt: skip
    header = ["统一社会信用代码", "项目类别", "年度", "奖励事项", "核定金额（元）", "核定文号", "核定日期",
              "兑现金额（元）", "兑现日期"]  # fmt: skip

    def row(org):
        return [org.credit_code, "科技创新政策奖励兑现", 2019, "认定市级研发中心", 50000, "开经信〔2019〕56号",
                "2019-06-20", 50000, "2019-07-15"]  # fmt: skip

    data = xlsx_bytes(header, [row(org_x), row(coop)], sheet=REGISTERS["paid_claims"].sheet_name)
    with pytest.raises(ImportRejected) as info:
        imports.import_file(register="paid_claims", file=data, by=staff_a, filename="b.xlsx")
    assert [e.row for e in info.value.errors] == [3]
    assert "只受理企业作为申报单位" in info.value.errors[0].reason
    assert not Application.objects.exists()
    data = xlsx_bytes(header, [row(org_x)], sheet=REGISTERS["paid_claims"].sheet_name)
    assert imports.import_file(register="paid_claims", file=data, by=staff_a, filename="b.xlsx").created == 1


def test_department_users_see_and_apply_to_the_platform_programmes_only(
    staff_a, department_user_a, department_a, complex_programme, key_rd
):
    open_call(staff_a, complex_programme)
    open_call(staff_a, key_rd)
    client = client_for(department_user_a)
    catalogue = client.get(reverse("programmes:programme_list")).content.decode()
    assert "省级产业创新服务综合体认定" in catalogue and "省重点研发计划" not in catalogue
    call = complex_programme.calls.get()
    response = client.post(
        reverse("programmes:application_create"), {"call": call.pk, "summary": "县科技局牵头建设综合体"}
    )
    assert response.status_code == 302
    assert Application.objects.get().organisation == department_a
