"""Pages: query budgets on lists, htmx partials, the stream placeholders, the demo login list."""

from html import escape

import pytest
from django.urls import reverse

from kechuang.core.models import Organisation, OrganisationYear, SystemFlag
from kechuang.core.navigation import STREAMS
from tests.conftest import client_for
from tests.factories import OrganisationFactory, PersonFactory


@pytest.fixture
def many(county_a, township_a):
    orgs = [OrganisationFactory(region=township_a if i % 2 else county_a) for i in range(60)]
    for org in orgs[:20]:
        OrganisationYear.objects.create(organisation=org, year=2025, is_above_scale=True)
    for _ in range(40):
        PersonFactory(county=county_a)
    return orgs


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("url", "budget"),
    [
        ("/", 26),  # with the programmes panels: work queue, expiring qualifications, open calls, inbox
        ("/orgs/", 15),
        ("/orgs/?above_scale_year=2025", 15),
        ("/orgs/?q=测试&section=C", 15),
        ("/people/", 15),
        ("/regions/", 12),
    ],
)
def test_list_pages_stay_within_their_query_budget(staff_a, many, url, budget, django_assert_max_num_queries):
    client = client_for(staff_a)
    with django_assert_max_num_queries(budget):
        assert client.get(url).status_code == 200


@pytest.mark.django_db
def test_filters_and_pagination(staff_a, many):
    client = client_for(staff_a)
    body = client.get("/orgs/", {"above_scale_year": 2025}).content.decode()
    assert "共 20 家" in body
    page2 = client.get("/orgs/", {"page": 2}).content.decode()
    assert "第 2 / 3 页" in page2


@pytest.mark.django_db
def test_htmx_requests_get_only_the_results(staff_a, many):
    response = client_for(staff_a).get("/orgs/", {"q": "测试科技"}, HTTP_HX_REQUEST="true")
    body = response.content.decode()
    assert response.status_code == 200
    assert body.lstrip().startswith('<section id="results"') and "<html" not in body


@pytest.mark.django_db
@pytest.mark.parametrize("stream", STREAMS, ids=lambda s: s.slug)
def test_streams_say_plainly_whether_they_are_built(staff_a, stream):
    body = client_for(staff_a).get(reverse("stream", args=[stream.slug])).content.decode()
    assert escape(str(stream.name)) in body
    if stream.slug in ("policy", "entities", "projects", "talent"):  # the programmes engine (issue 3)
        assert stream.built and "本模块尚在建设中" not in body and "/programmes/applications/" in body
    elif stream.slug == "rnd":  # R&D input (issue 4)
        assert stream.built and "本模块尚在建设中" not in body and "/rnd/" in body
    else:
        assert not stream.built and "本模块尚在建设中" in body


@pytest.mark.django_db
def test_login_page_lists_demo_accounts_only_with_demo_data(client, staff_a):
    assert "演示账号" not in client.get(reverse("login")).content.decode()
    SystemFlag.objects.create(key="demo_loaded")
    from kechuang.core import services
    from kechuang.core.models import Role

    services.user_create(
        by=None,
        username="kh_staff",
        password="Kc@demo2026",
        roles=[{"role": Role.STAFF, "region": staff_a.roles.get().region}],
    )
    body = client.get(reverse("login")).content.decode()
    assert "演示账号" in body and "kh_staff" in body and "staff_a" not in body
    assert "演示数据" in body  # the banner


@pytest.mark.django_db
def test_organisation_form_shows_the_expected_check_character(staff_a, county_a):
    response = client_for(staff_a).post(
        reverse("organisation_create"),
        {"name": "x", "kind": "enterprise", "credit_code": "91330000733796106Q", "region": county_a.code},
    )
    assert "第 18 位应为“P”" in response.content.decode()
    assert not Organisation.objects.filter(name="x").exists()


@pytest.mark.django_db
def test_error_pages_are_in_chinese_with_the_layout(staff_a, staff_b, org_y):
    missing = client_for(staff_a).get("/orgs/999999/")
    assert missing.status_code == 404 and "页面不存在或您无权查看" in missing.content.decode()
    hidden = client_for(staff_a).get(f"/orgs/{org_y.pk}/")
    assert hidden.status_code == 404 and org_y.name not in hidden.content.decode()
    refused = client_for(staff_a).get(reverse("audit_list"))
    assert (
        refused.status_code == 403
        and "没有权限" in refused.content.decode()
        and "审计日志" in refused.content.decode()
    )


@pytest.mark.django_db
def test_csrf_failure_page(staff_a):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    client.force_login(staff_a)
    response = client.post(reverse("organisation_create"), {"name": "x"})
    assert response.status_code == 403 and "请求已过期" in response.content.decode()


@pytest.mark.django_db
def test_enterprise_registers_its_own_contact_person(enterprise_x, org_x, county_a, org_y):
    client = client_for(enterprise_x)
    form = client.get(reverse("person_create")).content.decode()
    assert org_x.name in form and org_y.name not in form
    response = client.post(
        reverse("person_create"),
        {
            "name": "赵联系",
            "county": county_a.code,
            "organisation": org_x.pk,
            "is_contact": "on",
            "phone": "13811112222",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    person = org_x.people.get(name="赵联系")
    assert client.get(reverse("person_detail", args=[person.pk])).status_code == 200
    # But not an expert for the county pool, nor a contact of another organisation.
    refused = client.post(
        reverse("person_create"), {"name": "钱专家", "county": county_a.code, "is_expert": "on"}
    )
    assert refused.status_code == 403


@pytest.mark.django_db
def test_new_password_must_differ_from_the_current_one(staff_a):
    from tests.conftest import PASSWORD

    response = client_for(staff_a).post(
        reverse("password_change"),
        {"old_password": PASSWORD, "new_password1": PASSWORD, "new_password2": PASSWORD},
    )
    assert response.status_code == 200 and "不能与当前密码相同" in response.content.decode()


@pytest.mark.django_db
def test_region_page_counts_only_visible_organisations(enterprise_x, staff_a, township_a, org_x):
    OrganisationFactory(region=township_a)
    OrganisationFactory(region=township_a)
    staff_view = client_for(staff_a).get(reverse("region_list")).context["townships"]
    assert {t.code: t.n for t in staff_view}[township_a.code] == 2
    org_view = client_for(enterprise_x).get(reverse("region_list"), {"county": township_a.parent_id}).context
    assert all(t.n == 0 for t in org_view["townships"] if t.code == township_a.code)


@pytest.mark.django_db
def test_a_role_cannot_carry_a_scope_it_does_not_use(staff_a, expert_person_a, county_a):
    from django.core.exceptions import ValidationError

    from kechuang.core import services
    from kechuang.core.models import Role

    with pytest.raises(ValidationError):
        services.role_assign(by=None, user=staff_a, role=Role.STAFF, region=county_a, person=expert_person_a)


@pytest.mark.django_db
def test_chinese_first_whatever_the_browser_says_english_on_request(staff_a):
    client = client_for(staff_a)
    body = client.get("/", HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9").content.decode()
    assert "企业与机构" in body and 'lang="zh-Hans"' in body
    client.post(reverse("set_language"), {"language": "en", "next": "/"})
    body = client.get("/").content.decode()
    assert "Organisations" in body and 'lang="en"' in body
