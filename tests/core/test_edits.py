"""Optimistic concurrency on the core registers' edit pages and API (kechuang.core.edits): two people who
opened the same record both save; the one who changed the same field second is told who changed it, when,
and keeps what they typed; changes of different fields both survive; the audit log agrees with the data."""

from __future__ import annotations

import re

import pytest

from kechuang.core import services
from kechuang.core.models import AuditEvent, Organisation, Person, Role
from tests.conftest import client_for, make_user
from tests.factories import credit_code_for
from tests.forms import form_values, parse_form

from .replay import assert_replay_matches


@pytest.fixture
def staff_a2(county_a):
    return make_user("staff_a2", role=Role.STAFF, region=county_a)


@pytest.fixture
def org_x(county_a):
    """Created through the service, so its audit history starts at its creation (for the replay)."""
    return services.organisation_create(
        by=None,
        data={
            "name": "开化县甲科技有限公司",
            "kind": Organisation.Kind.ENTERPRISE,
            "credit_code": credit_code_for(424242),
            "region": county_a,
            "contact_name": "原联系人",
        },
    )


def _person(county, name):
    return services.person_create(
        by=None,
        data={
            "name": name,
            "county": county,
            "is_expert": True,
            "organisation_name": "浙江农林大学",
            "email": "expert@example.edu.cn",
        },  # fmt: skip
    )


def test_same_field_second_saver_is_told_and_keeps_what_they_typed(staff_a, staff_a2, org_x):
    url = f"/orgs/{org_x.pk}/edit/"
    first, second = client_for(staff_a), client_for(staff_a2)
    form_1, form_2 = form_values(first, url), form_values(second, url)

    assert first.post(url, {**form_1, "contact_name": "张三"}).status_code == 302
    response = second.post(url, {**form_2, "contact_name": "李四"})

    assert response.status_code == 200
    page = response.content.decode()
    assert re.search(r"该记录已被staff_a于\d\d:\d\d修改（联系人），您的修改未保存。", page)
    assert 'value="李四"' in page  # what the loser typed is still in the form
    assert "他人保存的当前值：张三" in page  # and the current value is shown
    org_x.refresh_from_db()
    assert org_x.contact_name == "张三"
    assert not AuditEvent.objects.filter(object_id=str(org_x.pk), after__contact_name="李四").exists()

    # Saving the returned form again means "mine": now it is saved, and audited.
    retry = _resubmit(response)
    assert second.post(url, retry).status_code == 302
    org_x.refresh_from_db()
    assert org_x.contact_name == "李四"
    assert_replay_matches(org_x)


def _resubmit(response):
    """Save again the form the page came back with, as the browser displays it."""
    return parse_form(response.content.decode())


def test_different_fields_both_survive(staff_a, staff_a2, org_x):
    url = f"/orgs/{org_x.pk}/edit/"
    first, second = client_for(staff_a), client_for(staff_a2)
    form_1, form_2 = form_values(first, url), form_values(second, url)

    assert first.post(url, {**form_1, "contact_phone": "0570-6012345"}).status_code == 302
    assert second.post(url, {**form_2, "address": "开化县芹阳办事处新城路 1 号"}).status_code == 302

    org_x.refresh_from_db()
    assert org_x.contact_phone == "0570-6012345"  # the second save did not write its stale copy back
    assert org_x.address == "开化县芹阳办事处新城路 1 号"
    updates = AuditEvent.objects.filter(object_id=str(org_x.pk), action="update").order_by("id")
    assert [sorted(e.after) for e in updates] == [["contact_phone"], ["address"]]  # only what each changed
    assert_replay_matches(org_x)


def test_both_typing_the_same_value_is_no_conflict(staff_a, staff_a2, org_x):
    url = f"/orgs/{org_x.pk}/edit/"
    first, second = client_for(staff_a), client_for(staff_a2)
    form_1, form_2 = form_values(first, url), form_values(second, url)
    assert first.post(url, {**form_1, "contact_name": "张三"}).status_code == 302
    assert second.post(url, {**form_2, "contact_name": "张三"}).status_code == 302
    assert AuditEvent.objects.filter(object_id=str(org_x.pk), action="update").count() == 1


def test_a_tampered_token_saves_nothing(staff_a, org_x):
    url = f"/orgs/{org_x.pk}/edit/"
    client = client_for(staff_a)
    form = form_values(client, url)
    response = client.post(url, {**form, "_loaded": form["_loaded"][:-3] + "xyz", "contact_name": "王五"})
    assert response.status_code == 200
    assert "表单已失效" in response.content.decode()
    org_x.refresh_from_db()
    assert org_x.contact_name != "王五"


def test_person_tags_conflict_names_the_tags(staff_a, staff_a2, county_a):
    person = _person(county_a, "赵专家")
    url = f"/people/{person.pk}/edit/"
    first, second = client_for(staff_a), client_for(staff_a2)
    form_1, form_2 = form_values(first, url), form_values(second, url)
    assert first.post(url, {**form_1, "tag_names": "茶叶"}).status_code == 302
    response = second.post(url, {**form_2, "tag_names": "清水鱼"})
    assert response.status_code == 200
    assert "（专业标签），您的修改未保存" in response.content.decode()
    person.refresh_from_db()
    assert [t.name for t in person.tags.all()] == ["茶叶"]
    # A field the second user did change, alone, is saved from a fresh form.
    assert second.post(url, {**form_values(second, url), "title": "高级农艺师"}).status_code == 302
    person.refresh_from_db()
    assert person.title == "高级农艺师" and [t.name for t in person.tags.all()] == ["茶叶"]
    assert_replay_matches(person)


# --- API ----------------------------------------------------------------------------------------------


def test_api_patch_with_a_stale_etag_is_409_json(staff_a, staff_a2, org_x):
    first, second = client_for(staff_a), client_for(staff_a2)
    url = f"/api/organisations/{org_x.pk}"
    etag = first.get(url).headers["ETag"]
    assert second.get(url).headers["ETag"] == etag

    ok = first.patch(
        url, {"contact_name": "张三"}, content_type="application/json", headers={"If-Match": etag}
    )
    assert ok.status_code == 200 and ok.headers["ETag"] != etag

    stale = second.patch(
        url, {"contact_name": "李四"}, content_type="application/json", headers={"If-Match": etag}
    )
    assert stale.status_code == 409
    body = stale.json()
    assert body["fields"] == ["contact_name"]
    assert body["changes"][-1]["username"] == "staff_a"
    assert body["current"] == {"contact_name": "张三"}
    assert "您的修改未保存" in body["detail"]
    org_x.refresh_from_db()
    assert org_x.contact_name == "张三"

    fresh = second.get(url).headers["ETag"]
    assert (
        second.patch(
            url, {"contact_name": "李四"}, content_type="application/json", headers={"If-Match": fresh}
        ).status_code
        == 200
    )
    assert_replay_matches(org_x)


def test_api_patch_without_if_match_writes_only_its_fields(staff_a, org_x):
    client = client_for(staff_a)
    url = f"/api/organisations/{org_x.pk}"
    # A page save in between: the PATCH below (of another field) must not write a stale copy of it back.
    Organisation.objects.filter(pk=org_x.pk).update(address="旧地址")
    client.patch(url, {"contact_phone": "13900000000"}, content_type="application/json")
    org_x.refresh_from_db()
    assert org_x.address == "旧地址" and org_x.contact_phone == "13900000000"


def test_person_api_etag(staff_a, county_a):
    person = _person(county_a, "钱专家")
    client = client_for(staff_a)
    url = f"/api/people/{person.pk}"
    etag = client.get(url).headers["ETag"]
    Person.objects.filter(pk=person.pk).update(
        title="研究员"
    )  # changed behind the API's back: digest differs
    response = client.patch(
        url, {"title": "教授"}, content_type="application/json", headers={"If-Match": etag}
    )
    assert response.status_code == 409
    assert response.json()["detail"].endswith("您的修改未保存。")


def test_the_losers_form_shows_what_others_changed_meanwhile_and_saving_again_keeps_it(
    staff_a, staff_a2, org_x
):
    url = f"/orgs/{org_x.pk}/edit/"
    first, second = client_for(staff_a), client_for(staff_a2)
    form_1, form_2 = form_values(first, url), form_values(second, url)
    assert (
        first.post(url, {**form_1, "contact_name": "王五", "address": "开化县新城路 1 号"}).status_code == 302
    )

    response = second.post(url, {**form_2, "contact_name": "赵六"})
    page = response.content.decode()
    assert "他人同时修改的地址已显示为最新内容。" in page
    assert 'value="开化县新城路 1 号"' in page  # not the empty address this user had loaded
    assert second.post(url, _resubmit(response)).status_code == 302
    org_x.refresh_from_db()
    assert org_x.contact_name == "赵六" and org_x.address == "开化县新城路 1 号"
    assert_replay_matches(org_x)
