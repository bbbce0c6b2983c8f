"""Who may create, change, move and delete people: the holes a review found, kept closed."""

import pytest
from django.urls import reverse

from kechuang.core.models import AuditEvent, Person
from tests.conftest import client_for
from tests.factories import PersonFactory


def api(client, method, url, data=None):
    return getattr(client, method)(url, data or {}, content_type="application/json")


@pytest.mark.django_db
def test_enterprise_may_not_register_experts_or_commissioners(enterprise_x, org_x, county_a):
    client = client_for(enterprise_x)
    for flags in ({"is_expert": True}, {"is_commissioner": True}, {"is_talent": True}):
        response = api(
            client,
            "post",
            "/api/people",
            {
                "name": "冒充专家",
                "county": county_a.code,
                "organisation": org_x.pk,
                "is_contact": True,
                "phone": "13800001111",
                **flags,
            },
        )
        assert response.status_code == 403, flags
    page = client.post(
        reverse("person_create"),
        {
            "name": "冒充专家",
            "county": county_a.code,
            "organisation": org_x.pk,
            "is_contact": "on",
            "is_commissioner": "on",
        },
    )
    assert page.status_code == 403
    assert not Person.objects.filter(name="冒充专家").exists()


@pytest.mark.django_db
def test_enterprise_may_not_put_a_contact_into_another_county(enterprise_x, org_x, county_b):
    response = api(
        client_for(enterprise_x),
        "post",
        "/api/people",
        {
            "name": "越界联系人",
            "county": county_b.code,
            "organisation": org_x.pk,
            "is_contact": True,
            "phone": "13800001112",
        },
    )
    assert response.status_code in (403, 422)
    assert not Person.objects.filter(name="越界联系人").exists()


@pytest.mark.django_db
def test_staff_may_not_move_a_contact_into_another_county(staff_a, org_x, county_a, county_b):
    contact = PersonFactory(
        name="甲联系人",
        county=county_a,
        organisation=org_x,
        organisation_name="",
        is_expert=False,
        is_contact=True,
    )
    response = api(client_for(staff_a), "patch", f"/api/people/{contact.pk}", {"county": county_b.code})
    assert response.status_code == 403
    contact.refresh_from_db()
    assert contact.county_id == county_a.code


@pytest.mark.django_db
def test_experts_edit_their_profile_but_not_their_roles(expert_a, expert_person_a):
    client = client_for(expert_a)
    ok = api(client, "patch", f"/api/people/{expert_person_a.pk}", {"specialties": "茶叶加工与品质控制"})
    assert ok.status_code == 200
    refused = api(client, "patch", f"/api/people/{expert_person_a.pk}", {"is_commissioner": True})
    assert refused.status_code == 403
    expert_person_a.refresh_from_db()
    assert expert_person_a.specialties == "茶叶加工与品质控制" and not expert_person_a.is_commissioner
    assert AuditEvent.objects.filter(
        user=expert_a, result="denied", detail__startswith="person.update:is_commissioner"
    ).exists()


@pytest.mark.django_db
def test_experts_may_not_delete_their_own_profile(expert_a, expert_person_a):
    client = client_for(expert_a)
    assert api(client, "delete", f"/api/people/{expert_person_a.pk}").status_code == 403
    page = client.post(reverse("person_delete", args=[expert_person_a.pk]))
    assert page.status_code == 403
    assert Person.objects.filter(pk=expert_person_a.pk).exists()


@pytest.mark.django_db
def test_enterprise_may_not_edit_a_bureau_expert_who_works_there(enterprise_x, org_x, county_a):
    expert = PersonFactory(name="厂里的专家", county=county_a, organisation=org_x, organisation_name="")
    client = client_for(enterprise_x)
    assert client.get(reverse("person_detail", args=[expert.pk])).status_code == 200  # may see
    assert api(client, "patch", f"/api/people/{expert.pk}", {"title": "改"}).status_code == 403
    assert api(client, "delete", f"/api/people/{expert.pk}").status_code == 403


@pytest.mark.django_db
def test_deleting_a_person_linked_to_an_account_is_refused_cleanly(staff_a, expert_a, expert_person_a):
    client = client_for(staff_a)
    page = client.post(reverse("person_delete", args=[expert_person_a.pk]), follow=True)
    assert page.status_code == 200 and "仍与账号关联" in page.content.decode()
    assert api(client, "delete", f"/api/people/{expert_person_a.pk}").status_code == 409


@pytest.mark.django_db
def test_an_organisation_with_people_cannot_be_deleted_silently(staff_a, org_x, county_a):
    PersonFactory(name="在职人员", county=county_a, organisation=org_x, organisation_name="")
    page = client_for(staff_a).post(reverse("organisation_delete", args=[org_x.pk]), follow=True)
    assert "不能删除" in page.content.decode()
    org_x.refresh_from_db()
