"""Exports: what the user may see, neutralised text, audited, and re-importable."""

import io

import pytest
from django.core.exceptions import PermissionDenied
from python_calamine import CalamineWorkbook

from kechuang.core.models import AuditEvent, Organisation
from kechuang.imports import services
from kechuang.imports.excel import neutralise
from tests.factories import OrganisationFactory, PersonFactory


def read(data, sheet):
    return CalamineWorkbook.from_filelike(io.BytesIO(data)).get_sheet_by_name(sheet).to_python()


@pytest.mark.parametrize("prefix", ["=", "+", "-", "@", "\t", "\r"])
def test_export_neutralises_formula_like_text(staff_a, county_a, prefix):
    name = f'{prefix}HYPERLINK("http://evil.example","点我")'
    OrganisationFactory(name=name, region=county_a, address="-1+2")
    rows = read(services.export_queryset(register="organisations", by=staff_a), "企业与机构")
    assert rows[1][0] == "'" + name
    assert rows[1][rows[0].index("地址")] == "'-1+2"


def test_neutralise():
    assert neutralise("=1+1") == "'=1+1"
    assert neutralise("普通名称") == "普通名称"
    assert neutralise("a=b") == "a=b"


def test_export_contains_only_the_users_county(staff_a, org_x, org_y):
    data = services.export_queryset(register="organisations", by=staff_a)
    rows = read(data, "企业与机构")
    assert rows[0][:4] == ["名称", "统一社会信用代码", "类型", "所在地"]
    names = [r[0] for r in rows[1:]]
    assert names == [org_x.name]
    assert org_y.name not in str(rows)
    event = AuditEvent.objects.get(action="export")
    assert event.user == staff_a and event.after == {"register": "organisations", "rows": 1}


def test_export_then_import_round_trips_unchanged(staff_a, county_a, township_a):
    OrganisationFactory(name="=甲公司", region=township_a, contact_phone="+86 570 1234567", address="华埠镇")
    OrganisationFactory(region=county_a, industry_id=None, size="")
    data = services.export_queryset(register="organisations", by=staff_a)
    result = services.import_file(register="organisations", file=data, by=staff_a, filename="export.xlsx")
    assert (result.created, result.updated, result.unchanged) == (0, 0, 2)


def test_people_export_hides_contacts_from_leaders(staff_a, leader_a, county_a):
    PersonFactory(name="王专家", county=county_a, phone="13800000001", email="w@example.edu.cn")
    staff_rows = read(services.export_queryset(register="people", by=staff_a), "专家与人员")
    leader_rows = read(services.export_queryset(register="people", by=leader_a), "专家与人员")
    assert staff_rows[1][1] == "13800000001"
    assert leader_rows[1][0] == "王专家" and leader_rows[1][1] == ""
    assert "w@example.edu.cn" not in str(leader_rows)


def test_people_and_years_round_trip(staff_a, county_a, org_x):
    person = PersonFactory(county=county_a, organisation=org_x, organisation_name="")
    person.tags.create(name="茶叶")
    org_x.years.create(year=2024, is_above_scale=True)
    for slug in ("people", "organisation_years"):
        data = services.export_queryset(register=slug, by=staff_a)
        result = services.import_file(register=slug, file=data, by=staff_a, filename="x.xlsx")
        assert (result.created, result.updated, result.unchanged) == (0, 0, 1), slug
    rows = read(services.export_queryset(register="organisation_years", by=staff_a), "规上企业名录")
    assert rows[1] == [org_x.credit_code, org_x.name, 2024.0, "是"]


def test_enterprise_and_outsider_may_not_export(enterprise_x, outsider):
    for user in (enterprise_x, outsider):
        with pytest.raises(PermissionDenied):
            services.export_queryset(register="organisations", by=user)
    assert AuditEvent.objects.filter(result=AuditEvent.Result.DENIED).count() == 2
    assert not AuditEvent.objects.filter(action="export").exists()


def test_cli_export_has_everything(org_x, org_y):
    rows = read(services.export_queryset(register="organisations", by=None), "企业与机构")
    assert len(rows) == 3
    assert Organisation.objects.count() == 2


def test_xlsx_response_for_plain_tables():
    from urllib.parse import quote

    from kechuang.imports.excel import xlsx_response

    response = xlsx_response(
        "审计日志", ["账号", "说明", "数量"], [["=cmd|' /C calc'!A0", "@SUM(1)", 3], ["王", None, 1.5]]
    )
    assert "filename*=utf-8''" + quote("审计日志_") in response["Content-Disposition"]
    assert 'filename="export_' in response["Content-Disposition"]
    rows = read(response.content, "审计日志")
    assert rows[1] == ["'=cmd|' /C calc'!A0", "'@SUM(1)", 3.0]
    assert rows[2] == ["王", "", 1.5]


@pytest.mark.django_db
def test_export_from_a_filtered_list_holds_what_the_list_shows(staff_a, county_a, org_y):
    import io as _io

    from python_calamine import CalamineWorkbook

    from kechuang.core.models import AuditEvent, OrganisationYear
    from tests.conftest import client_for
    from tests.factories import OrganisationFactory

    above = OrganisationFactory(name="开化县规上甲有限公司", region=county_a)
    OrganisationYear.objects.create(organisation=above, year=2025, is_above_scale=True)
    OrganisationFactory(name="开化县小微乙有限公司", region=county_a)
    client = client_for(staff_a)
    listed = client.get("/orgs/", {"above_scale_year": 2025}).content.decode()
    assert "开化县规上甲有限公司" in listed and "开化县小微乙有限公司" not in listed
    response = client.get("/data/organisations/export/", {"above_scale_year": 2025, "page": 1})
    rows = CalamineWorkbook.from_filelike(_io.BytesIO(response.content)).get_sheet_by_index(0).to_python()
    assert [r[0] for r in rows[1:]] == ["开化县规上甲有限公司"]
    event = AuditEvent.objects.filter(action="export", user=staff_a).latest("id")
    assert event.after["rows"] == 1 and event.after["filters"] == {"above_scale_year": "2025"}
    # Filters never widen what a user may see: another county's search term finds nothing of it.
    wide = client.get("/data/organisations/export/", {"q": org_y.name})
    names = [
        r[0]
        for r in CalamineWorkbook.from_filelike(_io.BytesIO(wide.content))
        .get_sheet_by_index(0)
        .to_python()[1:]
    ]
    assert org_y.name not in names
