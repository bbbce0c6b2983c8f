"""Organisations outside the county (universities, institutes, higher authorities, enterprises elsewhere)
registered by a county as partners and experts' employers: located wherever they are, held by the county
that registered them (tenancy), never one of its enterprises. New organisation types (农民专业合作社,
开发区管委会, 上级主管部门). A person reached by mobile, landline or e-mail."""

import io

import openpyxl
import pytest
from django.urls import reverse

from kechuang.core.creditcode import credit_code_error, make_credit_code
from kechuang.core.demo import demo_counts
from kechuang.core.models import AuditEvent, Organisation, OrganisationYear, Person, Region
from kechuang.imports import services as import_services
from kechuang.imports.report import ImportRejected
from tests.conftest import client_for
from tests.factories import OrganisationFactory, credit_code_for

pytestmark = pytest.mark.django_db

ORGS = "/api/organisations"
PEOPLE = "/api/people"
JSON = "application/json"
# 浙江大学-like: registration authority 1 (机构编制), type 2 (事业单位), division 330000 (浙江省).
UNIVERSITY_CODE = make_credit_code("12330000470003" + "79X")
XIHU = "330106"  # 杭州市西湖区, where the university is
QUZHOU = "330800"  # 衢州市: a city-level higher authority


def api(client, method, url, data=None):
    return getattr(client, method)(url, data or {}, content_type=JSON)


def test_codes_of_universities_and_institutes_elsewhere_are_valid():
    assert credit_code_error(UNIVERSITY_CODE) is None
    assert (
        credit_code_error(credit_code_for(7, county="110108", prefix="12")) is None
    )  # 北京市海淀区 institute


def test_a_university_elsewhere_is_registered_as_the_countys_partner_on_the_page(
    staff_a, staff_b, city_user, county_a
):
    client = client_for(staff_a)
    form = client.get(reverse("organisation_create")).content.decode()
    assert 'list="id_region-regions"' in form and "杭州市" in form  # any place may be typed or picked
    response = client.post(
        reverse("organisation_create"),
        {"name": "浙江大学", "kind": "university", "credit_code": UNIVERSITY_CODE, "region": XIHU,
         "county": county_a.code, "is_active": "on"},
    )  # fmt: skip
    org = Organisation.objects.get(credit_code=UNIVERSITY_CODE)
    assert response.status_code == 302
    assert (org.region_id, org.county_id, org.is_local) == (XIHU, county_a.code, False)

    detail = client.get(reverse("organisation_detail", args=[org.pk])).content.decode()
    assert "浙江省杭州市西湖区" in detail and "县外单位" in detail and "不计入本县企业数" in detail
    listing = client.get(reverse("organisation_list")).content.decode()
    assert "浙江大学" in listing and "县外" in listing
    # the list filters the county's own organisations from its partners; the export follows the filter
    local = OrganisationFactory(name="开化县本地企业有限公司", region=county_a)
    partners = client.get(reverse("organisation_list"), {"where": "partner"}).content.decode()
    own = client.get(reverse("organisation_list"), {"where": "local"}).content.decode()
    assert "浙江大学" in partners and local.name not in partners
    assert local.name in own and "浙江大学" not in own
    from kechuang.core import selectors

    exported = selectors.organisation_list(
        user=staff_a, **selectors.organisation_filters({"where": "partner"})
    )
    assert list(exported) == [org]
    # Tenancy follows the register: the other county does not see it, the city above both does.
    assert client_for(staff_b).get(reverse("organisation_detail", args=[org.pk])).status_code == 404
    assert "浙江大学" in client_for(city_user).get(reverse("organisation_list")).content.decode()


def test_the_api_registers_partners_and_refuses_a_location_in_another_county_without_a_register(
    staff_a, county_a, township_a
):
    client = client_for(staff_a)
    body = {"name": "浙江大学", "kind": "university", "credit_code": UNIVERSITY_CODE, "region": XIHU}
    # Without a register, an organisation located in 西湖区 would belong to 西湖区's: not staff_a's county.
    assert api(client, "post", ORGS, body).status_code == 403
    assert AuditEvent.objects.filter(username="staff_a", detail="organisation.create").exists()
    created = api(client, "post", ORGS, {**body, "county": county_a.code})
    assert created.status_code == 201, created.content
    out = created.json()
    assert out["region"]["code"] == XIHU and out["county"]["code"] == county_a.code
    assert out["is_local"] is False
    # A city-level higher authority: its location is in no county, so it goes to staff_a's register.
    authority = api(
        client, "post", ORGS,
        {"name": "衢州市科学技术局", "kind": "authority", "region": QUZHOU,
         "credit_code": credit_code_for(3, county=QUZHOU, prefix="11")},
    ).json()  # fmt: skip
    assert (authority["kind_label"], authority["county"]["code"]) == ("上级主管部门", county_a.code)
    # The county's own types: a cooperative of a township, the development zone's committee.
    for kind, label in (("cooperative", "农民专业合作社"), ("dev_zone", "开发区管委会")):
        made = api(
            client, "post", ORGS,
            {"name": f"开化县某{label}", "kind": kind, "region": township_a.code,
             "credit_code": credit_code_for(40 + len(kind), prefix="93" if kind == "cooperative" else "11")},
        )  # fmt: skip
        assert made.status_code == 201, made.content
        assert (made.json()["kind_label"], made.json()["is_local"]) == (label, True)


def _org_sheet(rows):
    header = ["名称", "统一社会信用代码", "类型", "所在地", "登记县"]
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "企业与机构"
    sheet.append(header)
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def test_the_register_takes_partners_anywhere_and_the_new_types(staff_a, township_a):
    rows = [
        ["浙江大学", UNIVERSITY_CODE, "高校", XIHU, ""],  # row 2: 西湖区 is not staff_a's county
        ["衢州市科学技术局", credit_code_for(3, county=QUZHOU, prefix="11"), "上级主管部门", "衢州市", ""],
        ["开化县某茶叶专业合作社", credit_code_for(51, prefix="93"), "农民专业合作社", township_a.code, ""],
    ]
    with pytest.raises(ImportRejected) as info:
        import_services.import_file(register="organisations", file=_org_sheet(rows), by=staff_a)
    assert [(e.row, e.column) for e in info.value.errors] == [(2, "所在地")]
    assert "登记县" in info.value.errors[0].reason
    rows[0][4] = "开化县"
    result = import_services.import_file(register="organisations", file=_org_sheet(rows), by=staff_a)
    assert result.created == 3
    held = {o.name: (o.kind, o.region_id, o.county_id) for o in Organisation.objects.all()}
    assert held == {
        "浙江大学": ("university", XIHU, "330824"),
        "衢州市科学技术局": ("authority", QUZHOU, "330824"),
        "开化县某茶叶专业合作社": ("cooperative", township_a.code, "330824"),
    }


def test_partners_are_never_the_countys_enterprises(staff_a, county_a, county_b, org_x):
    """Hand-built: county A holds org_x (an enterprise of A) and a partner enterprise located in 杭州市西湖区;
    county B holds one enterprise. 开化县企业 = 1 (org_x); the partner is not on A's 规上 roster either."""
    partner = OrganisationFactory(
        name="杭州某合作企业有限公司", region=Region.objects.get(code=XIHU), county=county_a,
        credit_code=credit_code_for(9, county=XIHU),
    )  # fmt: skip
    OrganisationFactory(name="常山县某企业", region=county_b)
    assert partner.county_id == county_a.code and not partner.is_local
    client = client_for(staff_a)
    refused = api(client, "put", f"{ORGS}/{partner.pk}/years/2024", {"is_above_scale": True})
    assert refused.status_code == 422
    assert "只收录位于本县的企业" in refused.json()["detail"][0]["message"]
    assert api(client, "put", f"{ORGS}/{org_x.pk}/years/2024", {"is_above_scale": True}).status_code == 200
    assert OrganisationYear.objects.filter(organisation=partner).count() == 0
    counts = demo_counts()
    assert counts["开化县企业"] == 1
    assert counts["常山县企业"] == 1
    # Staff still see and link their partner (an expert's employer).
    names = {o["name"] for o in client.get(ORGS).json()["items"]}
    assert names == {org_x.name, partner.name}
    expert = api(
        client, "post", PEOPLE,
        {"name": "钱教授", "county": county_a.code, "organisation": partner.pk, "is_expert": True,
         "email": "qian@example.edu.cn"},
    )  # fmt: skip
    assert expert.status_code == 201, expert.content
    assert expert.json()["workplace"] == partner.name


# --- a way to reach a person --------------------------------------------------------------------------


def test_a_person_needs_one_way_to_be_reached_not_a_mobile(staff_a, county_a):
    client = client_for(staff_a)
    base = {"name": "孙联系人", "county": county_a.code, "is_contact": True}
    refused = api(client, "post", PEOPLE, base)
    assert refused.status_code == 422
    assert "手机、固定电话或电子邮箱" in refused.json()["detail"][0]["message"]
    landline = api(client, "post", PEOPLE, {**base, "landline": "0570-6012345"})
    assert landline.status_code == 201 and landline.json()["landline"] == "0570-6012345"
    assert landline.json()["phone"] == ""
    # The page says the same on the form.
    page = client.post(
        reverse("person_create"), {"name": "周专家", "county": county_a.code, "is_expert": "on"}
    )
    assert page.status_code == 200 and "手机、固定电话或电子邮箱" in page.content.decode()
    client.post(
        reverse("person_create"),
        {"name": "周专家", "county": county_a.code, "is_expert": "on", "email": "zhou@example.org"},
    )
    assert Person.objects.get(name="周专家").email == "zhou@example.org"
    # Clearing the only contact is refused.
    person = Person.objects.get(name="孙联系人")
    cleared = api(client, "patch", f"{PEOPLE}/{person.pk}", {"landline": ""})
    assert cleared.status_code == 422


def test_the_people_register_matches_a_person_by_landline_or_email(staff_a, county_a):
    header = ["姓名", "手机", "所属县", "联系人", "固定电话", "电子邮箱"]

    def sheet(rows):
        book = openpyxl.Workbook()
        ws = book.active
        ws.title = "专家与人员"
        ws.append(header)
        for row in rows:
            ws.append(row)
        buffer = io.BytesIO()
        book.save(buffer)
        return buffer.getvalue()

    rows = [
        ["吴联系人", "", "330824", "是", "0570-601 2345", ""],
        ["郑联系人", "", "330824", "是", "", "z@x.cn"],
    ]
    assert import_services.import_file(register="people", file=sheet(rows), by=staff_a).created == 2
    # Re-imported with the landline typed differently, and the e-mail in capitals: the same two people.
    rows = [
        ["吴联系人", "", "330824", "是", "0570-6012345", ""],
        ["郑联系人", "", "330824", "是", "", "Z@X.CN"],
    ]
    again = import_services.import_file(register="people", file=sheet(rows), by=staff_a)
    assert (again.created, again.updated) == (0, 2)  # found; their values as typed this time are kept
    assert Person.objects.count() == 2
    with pytest.raises(ImportRejected) as info:
        import_services.import_file(
            register="people", file=sheet([["王某", "", "330824", "是", "", ""]]), by=staff_a
        )
    assert [(e.row, e.column) for e in info.value.errors] == [(2, "手机")]
