"""Summary section 三 (plan projects) on a hand-built year like the seed's: applications against approvals
by level, approvals by level and category with the few named, competitive against guiding projects
(项目性质, a programme's field, editable on the page, in the register and read in the API), and grants by
level and by nature. The expected values are worked out by hand in the comments; the dataset holds records
that must not count (a withdrawn application, a draft, another county, another year)."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from kechuang.core.models import AuditEvent, Region, Role
from kechuang.programmes import services
from kechuang.programmes.models import Programme, Status
from kechuang.reports.figures import Period, compute
from tests.conftest import client_for, make_user
from tests.factories import OrganisationFactory

from .fixtures import make_call
from .test_figures import award, ids, submit
from .test_imports import run

pytestmark = pytest.mark.django_db
D = dt.date
Y2025 = Period.year_of(2025)


def programme(staff, county, name, level, category, nature=""):
    return services.programme_save(
        by=staff,
        data={"county": county, "name": name, "level": level, "kind": "project", "award_form": "project",
              "category": category, "issuer": "科技部门", "nature": nature},
    )  # fmt: skip


@pytest.fixture
def city(reference):
    return Region.objects.get(code="330800")


@pytest.fixture
def year(staff_a, staff_b, county_a, county_b):
    """County A, 2025 calls:
      科技部重点专项 (national): 甲“新型功能高分子复合材料” — approved 2025-06-01, 500,000
      省重点研发计划 (provincial): 乙“耐高低温苯甲基硅油” — approved 2025-07-01, no grant
      省新产品试制计划 (provincial): 丙1–丙4 approved 2025-09-01 (four: not named); 丙5 withdrawn; 丙6 a draft
      市级科技计划 · 竞争性 (city, nature competitive): 丁1–丁3 approved 2025-11-01, 400,000 each; 丁4 still
        recommended (applied, not approved)
      市级科技计划 · 指导性 (city, nature guiding): 戊1, 戊2 approved 2025-11-01, no grant
    County A, 2024 call: 竞争性 己 approved 2024-11-01, 300,000 (another year).
    County B, 2025: 竞争性 approved 2025-11-01, 1,000,000 (another county)."""
    o = {x: OrganisationFactory(name=f"开化县{x}有限公司", region=county_a) for x in
         ["甲", "乙", "丙1", "丙2", "丙3", "丙4", "丙5", "丙6", "丁1", "丁2", "丁3", "丁4", "戊1", "戊2", "己"]}  # fmt: skip
    national = programme(staff_a, county_a, "科技部重点专项", "national", "科技部重点专项")
    key_rd = programme(staff_a, county_a, "省重点研发计划", "provincial", "省重点研发计划")
    newprod = programme(staff_a, county_a, "省新产品试制计划", "provincial", "省新产品试制计划")
    competitive = programme(
        staff_a, county_a, "市级科技计划竞争性项目", "city", "市级科技计划", "competitive"
    )
    guiding = programme(staff_a, county_a, "市级科技计划指导性项目", "city", "市级科技计划", "guiding")
    calls = {p: make_call(staff_a, p, year=2025) for p in (national, key_rd, newprod, competitive, guiding)}
    r = {}
    r["甲"] = award(staff_a, calls[national], o["甲"], D(2025, 6, 1), title="新型功能高分子复合材料",
                   amount=Decimal(500_000))  # fmt: skip
    r["乙"] = award(staff_a, calls[key_rd], o["乙"], D(2025, 7, 1), title="耐高低温苯甲基硅油")
    for x in ("丙1", "丙2", "丙3", "丙4"):
        r[x] = award(staff_a, calls[newprod], o[x], D(2025, 9, 1), title=f"新产品{x}")
    r["丙5"] = submit(staff_a, calls[newprod], organisation=o["丙5"], title="撤回的新产品")
    services.application_transition(application=r["丙5"], to=Status.WITHDRAWN, by=staff_a, comment="企业撤回")
    services.application_create(
        by=staff_a, data={"call": calls[newprod], "organisation": o["丙6"], "title": "草稿"}
    )
    for x in ("丁1", "丁2", "丁3"):
        r[x] = award(
            staff_a, calls[competitive], o[x], D(2025, 11, 1), title=f"竞争性{x}", amount=Decimal(400_000)
        )
    r["丁4"] = submit(staff_a, calls[competitive], organisation=o["丁4"], title="未获批")
    services.application_transition(application=r["丁4"], to=Status.RECOMMENDED, by=staff_a)
    for x in ("戊1", "戊2"):
        r[x] = award(staff_a, calls[guiding], o[x], D(2025, 11, 1), title=f"指导性{x}")
    r["己"] = award(staff_a, make_call(staff_a, competitive, year=2024), o["己"], D(2024, 11, 1), title="旧项目",
                   amount=Decimal(300_000))  # fmt: skip
    competitive_b = programme(
        staff_b, county_b, "市级科技计划竞争性项目", "city", "市级科技计划", "competitive"
    )
    r["B"] = award(
        staff_b, make_call(staff_b, competitive_b, year=2025),
        OrganisationFactory(name="常山县乙材料有限公司", region=county_b), D(2025, 11, 1), title="大项目",
        amount=Decimal(1_000_000),
    )  # fmt: skip
    return r


def test_applications_against_approvals_by_level(year, county_a):
    # 2025 calls, handed in: national 甲 → 1; provincial 乙, 丙1–丙4 → 5 (丙5 withdrawn, 丙6 a draft);
    # city 丁1–丁4, 戊1, 戊2 → 6; total 12. Approved by the end of 2025: 1, 5, 5 (丁4 not) → 11.
    f = compute("projects.applications", county_a, Y2025)
    assert f.value == 12
    assert f.text == (
        "组织申报各级科技计划项目12项（国家级1项、省级5项、市级6项），"
        "其中列入各级科技计划项目11项（国家级1项、省级5项、市级5项）"
    )
    assert year["丙5"].pk not in ids(f) and year["丁4"].pk in ids(f)
    assert len(ids(f)) == 12


def test_approvals_by_level_and_category_name_the_few(year, county_a, city):
    # decided in 2025: national 科技部重点专项1 (named); provincial 省新产品试制计划4 (four: counted, not named) and
    # 省重点研发计划1 (named); city 市级科技计划5 (丁1–丁3 and 戊1, 戊2: one category, five: not named) → 11
    f = compute("projects.approvals", county_a, Y2025)
    assert f.value == 11
    assert f.text == (
        "获批立项科技计划项目11项，其中国家级1项（科技部重点专项1项：开化县甲有限公司“新型功能高分子复合材料”）、"
        "省级5项（省新产品试制计划4项；省重点研发计划1项：开化县乙有限公司“耐高低温苯甲基硅油”）、市级5项（市级科技计划5项，其中竞争性项目3项、指导性项目2项）"
    )
    assert year["己"].pk not in ids(f) and year["B"].pk not in ids(f)
    # the city: county B's approval joins 市级科技计划 → 市级6项
    assert (
        "市级6项（市级科技计划6项，其中竞争性项目4项、指导性项目2项）"
        in compute("projects.approvals", city, Y2025).text
    )


def test_competitive_and_guiding_projects(year, county_a, city):
    # 2025, programmes recording their nature: city competitive 丁1–丁3, 3 × 400,000 = 1,200,000 → 120万元;
    # city guiding 戊1, 戊2, no grant → 5 (national and provincial programmes record none; 己 is 2024's,
    # county B's is another county's; 丁4 was not approved)
    f = compute("projects.by_nature", county_a, Y2025)
    assert f.value == 5
    assert f.text == "列入市级竞争性项目3项，共获经费补助120万元；市级指导性项目2项"
    assert ids(f) == {year[x].pk for x in ("丁1", "丁2", "丁3", "戊1", "戊2")}
    # the city adds county B's 1,000,000 → 4 projects, 220万元
    assert compute("projects.by_nature", city, Y2025).text == (
        "列入市级竞争性项目4项，共获经费补助220万元；市级指导性项目2项"
    )
    # 2024: 己 alone, 300,000
    assert compute("projects.by_nature", county_a, Period.year_of(2024)).text == (
        "列入市级竞争性项目1项，共获经费补助30万元"
    )
    empty = compute("projects.by_nature", county_a, Period.year_of(2023))
    assert (empty.value, empty.text, ids(empty)) == (0, "本期无区分竞争性、指导性的科技计划项目立项", set())


def test_grants_by_level_and_nature(year, county_a):
    # 2025 grants: national 甲 500,000 → 50万元; city 丁1–丁3 1,200,000 → 120万元, all competitive;
    # total 1,700,000 → 170万元 (乙 and the new products have no grant; 己 2024; county B)
    f = compute("projects.grants", county_a, Y2025)
    assert f.value == Decimal("1700000")
    assert f.text == "获得科技计划项目经费补助170万元，其中国家级50万元、市级120万元（均为竞争性项目）"
    assert ids(f) == {year[x].pk for x in ("甲", "丁1", "丁2", "丁3")}
    # 2024: only 己, competitive → one level, one nature
    assert compute("projects.grants", county_a, Period.year_of(2024)).text == (
        "获得科技计划项目经费补助30万元，均为市级竞争性项目"
    )


def test_grants_split_by_nature_within_a_level(staff_a, county_a):
    # city 2025: a competitive project 200,000 and a guiding one 50,000 → 25万元, split 20万元 / 5万元
    competitive = programme(staff_a, county_a, "市竞争性", "city", "市级科技计划", "competitive")
    guiding = programme(staff_a, county_a, "市指导性", "city", "市级科技计划", "guiding")
    plain = programme(staff_a, county_a, "市重大专项", "city", "市重大专项")
    for p, amount in ((competitive, 200_000), (guiding, 50_000), (plain, 100_000)):
        award(staff_a, make_call(staff_a, p, year=2025), OrganisationFactory(region=county_a), D(2025, 5, 1),
              title=p.name, amount=Decimal(amount))  # fmt: skip
    # + 市重大专项 100,000 without a nature → 35万元, of which 20万元 competitive and 5万元 guiding
    assert compute("projects.grants", county_a, Y2025).text == (
        "获得科技计划项目经费补助35万元，均为市级项目（其中竞争性项目20万元、指导性项目5万元）"
    )


# --- 项目性质: one rule on the page, the register, the service; shown in the API -------------------------------


def test_only_plan_projects_have_a_nature(staff_a, county_a):
    with pytest.raises(ValidationError) as e:
        services.programme_save(
            by=staff_a,
            data={"county": county_a, "name": "万人计划", "level": "provincial", "kind": "talent",
                  "award_form": "honour", "category": "万人计划", "issuer": "省委组织部", "nature": "competitive"},
        )  # fmt: skip
    assert "只有科技计划项目区分竞争性、指导性" in str(e.value.message_dict["nature"])
    assert not Programme.objects.exists()


def test_nature_on_the_programme_page_and_in_the_api(staff_a, county_a):
    client = client_for(staff_a)
    data = {"county": county_a.pk, "name": "市级科技计划竞争性项目", "level": "city", "kind": "project",
            "award_form": "project", "category": "市级科技计划", "issuer": "衢州市科学技术局", "nature": "competitive",
            "is_active": "on", "applicant_kinds": ["enterprise"]}  # fmt: skip
    response = client.post(reverse("programmes:programme_create"), data)
    programme = Programme.objects.get()
    assert response.status_code == 302 and programme.nature == "competitive"
    assert (
        "竞争性" in client.get(reverse("programmes:programme_detail", args=[programme.pk])).content.decode()
    )
    client.post(reverse("programmes:programme_edit", args=[programme.pk]), {**data, "nature": "guiding"})
    programme.refresh_from_db()
    assert programme.nature == "guiding"
    event = AuditEvent.objects.filter(object_type="programmes.programme", action="update").get()
    assert event.before["nature"] == "competitive" and event.after["nature"] == "guiding"
    body = client.get(f"/api/programmes/programmes/{programme.pk}").json()
    assert (body["nature"], body["nature_label"]) == ("guiding", "指导性")
    # a talent programme refuses a nature on the page too
    response = client.post(
        reverse("programmes:programme_create"),
        {**data, "name": "人才", "kind": "talent", "award_form": "honour", "nature": "guiding"},
    )
    assert "只有科技计划项目区分竞争性、指导性" in response.content.decode()


HEADER = ["所属县", "名称", "层级", "类型", "结果形式", "类别", "主管部门", "项目性质"]


def test_nature_through_the_programmes_register(staff_a, county_a):
    row = [
        "330824",
        "市级科技计划指导性项目",
        "市级",
        "科技计划项目",
        "立项（经费与节点）",
        "市级科技计划",
        "衢州市科学技术局",
    ]
    result = run("programmes", HEADER, [[*row, "指导性"]], staff_a)
    assert result.created == 1 and Programme.objects.get().nature == "guiding"
    result = run("programmes", HEADER, [[*row, "竞争性"]], staff_a)
    assert result.updated == 1 and Programme.objects.get().nature == "competitive"
    # a talent programme with a nature: the service's rule, reported on the row, nothing written
    from kechuang.imports.report import ImportRejected

    talent = ["330824", "万人计划", "省级", "人才计划", "入选", "万人计划", "省委组织部", "竞争性"]
    with pytest.raises(ImportRejected) as e:
        run("programmes", HEADER, [talent], staff_a)
    assert (
        e.value.errors[0].column == "项目性质"
        and "只有科技计划项目区分竞争性、指导性" in e.value.errors[0].reason
    )
    assert Programme.objects.count() == 1


@pytest.fixture
def staff_a2(county_a):
    return make_user("staff_a2", role=Role.STAFF, region=county_a)


def test_nature_through_the_api_patch(staff_a, staff_a2, county_a):
    p = programme(staff_a, county_a, "市级科技计划项目", "city", "市级科技计划")
    first, second = client_for(staff_a), client_for(staff_a2)
    url = f"/api/programmes/programmes/{p.pk}"
    etag = first.get(url)["ETag"]
    response = first.patch(
        url, {"nature": "competitive"}, content_type="application/json", headers={"If-Match": etag}
    )
    assert response.status_code == 200 and response.json()["nature_label"] == "竞争性"
    # the second client read before that change: its change of the same field is refused, nothing lost
    response = second.patch(
        url, {"nature": "guiding"}, content_type="application/json", headers={"If-Match": etag}
    )
    assert response.status_code == 409 and "nature" in response.json()["fields"]
    p.refresh_from_db()
    assert p.nature == "competitive"
    # a talent programme has no nature, on this path too
    talent = services.programme_save(
        by=staff_a,
        data={"county": county_a, "name": "万人计划", "level": "provincial", "kind": "talent", "award_form": "honour",
              "category": "万人计划", "issuer": "省委组织部"},
    )  # fmt: skip
    response = first.patch(
        f"/api/programmes/programmes/{talent.pk}", {"nature": "guiding"}, content_type="application/json"
    )
    assert response.status_code == 422 and "只有科技计划项目区分竞争性、指导性" in str(
        response.json()["detail"]
    )
