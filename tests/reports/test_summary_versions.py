"""A frozen summary is corrected by a new version (修订) while the old one stays frozen, unchanged and
comparable; and no path — a second POST, an old tab, a concurrent freeze, the CLI — gets round "frozen means
fixed". The dataset is tests/reports/test_exports: two approved provincial projects of 2025 in county A
(400万元); a third of 50万元 approved after freezing moves the live figure to 450万元."""

import datetime as dt
import json
import re
from io import StringIO

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import CommandError, call_command
from django.db import IntegrityError, transaction

from kechuang.core import audit
from kechuang.core.models import AuditEvent
from kechuang.reports import exports
from kechuang.reports import summary as s
from kechuang.reports.models import Summary
from tests.conftest import client_for

from .test_exports import (
    GRANTS,
    GRANTS_AFTER,
    Y2025,
    approve_project,
    assert_official_layout,
    build_dataset,
    docx_text,
    open_docx,
)

PROSE_V1 = "全年项目工作成效明显，{projects.grants}。"
PROSE_V2 = "全年争取上级项目支持力度加大，{projects.grants}。"


@pytest.fixture
def call_a(staff_a, county_a):
    return build_dataset(staff_a, county_a)


@pytest.fixture
def frozen(call_a, staff_a, county_a):
    """Version 1, frozen with 400万元; then a third project is approved (live: 450万元)."""
    summary = s.summary_create(by=staff_a, county=county_a, period=Y2025)
    s.summary_update(
        by=staff_a, summary=summary, title=summary.title, sections={**summary.sections, "3": PROSE_V1}
    )
    s.summary_freeze(by=staff_a, summary=summary)
    approve_project(
        staff_a, county_a, call_a, "开化县丙科技有限公司", "新型茶机", dt.date(2025, 10, 1), 500_000
    )
    summary.refresh_from_db()
    return summary


def row(summary):
    """Every stored field of a summary (what "unchanged" means)."""
    return audit.snapshot(Summary.objects.get(pk=summary.pk))


def export_json(summary):
    return json.dumps(exports.build_json(s.render(Summary.objects.get(pk=summary.pk))), ensure_ascii=False)


# --- the service ------------------------------------------------------------------------------------------------


def test_revising_opens_the_next_version_as_a_draft_and_leaves_the_frozen_one_as_it_was(frozen, staff_a):
    before, exported = row(frozen), export_json(frozen)
    v2 = s.summary_revise(by=staff_a, summary=frozen, reason="上级通报了第三个项目的立项")
    assert (v2.version, v2.state, v2.revises_id, v2.revision_reason) == (
        2, Summary.State.DRAFT, frozen.pk, "上级通报了第三个项目的立项"
    )  # fmt: skip
    assert (v2.title, v2.sections) == (frozen.title, frozen.sections)
    assert s.render(v2).figures["projects.grants"].text == GRANTS_AFTER  # a draft's figures are live again
    assert row(frozen) == before and export_json(frozen) == exported
    assert s.render(frozen).figures["projects.grants"].text == GRANTS

    event = AuditEvent.objects.get(action="revise")
    assert (event.user, event.object_id, event.before) == (
        staff_a,
        str(v2.pk),
        {"version": 1, "id": frozen.pk},
    )
    assert event.after["version"] == 2 and "上级通报了第三个项目的立项" in event.detail
    assert [v.version for v in s.versions(frozen)] == [1, 2]

    s.summary_update(by=staff_a, summary=v2, title=v2.title, sections={**v2.sections, "3": PROSE_V2})
    s.summary_freeze(by=staff_a, summary=v2)
    assert row(frozen) == before and export_json(frozen) == exported
    v3 = s.summary_revise(by=staff_a, summary=v2, reason="再次更正")
    assert (v3.version, v3.sections["3"]) == (3, PROSE_V2)


def test_only_the_latest_frozen_version_is_revised_with_a_reason_by_the_countys_staff(
    frozen, staff_a, staff_b, leader_a
):
    for user in (staff_b, leader_a):
        with pytest.raises(PermissionDenied):
            s.summary_revise(by=user, summary=frozen, reason="越权修订")
    with pytest.raises(ValidationError, match="请填写修订原因"):
        s.summary_revise(by=staff_a, summary=frozen, reason="   ")
    v2 = s.summary_revise(by=staff_a, summary=frozen, reason="更正")
    with pytest.raises(ValidationError, match="定稿后才需要修订"):
        s.summary_revise(by=staff_a, summary=v2, reason="草稿再修订")
    # the old frozen version again (an old tab): refused, there is already a version 2
    with pytest.raises(ValidationError, match="已有第2版"):
        s.summary_revise(by=staff_a, summary=frozen, reason="第二个草稿")
    assert Summary.objects.count() == 2
    assert AuditEvent.objects.filter(action="revise").count() == 1
    assert AuditEvent.objects.filter(action="permission_denied", object_id=str(frozen.pk)).count() == 2
    # a new summary of the same county and period is not a way round either
    with pytest.raises(ValidationError, match="已存在"):
        s.summary_create(by=staff_a, county=frozen.county, period=Y2025)


def test_the_database_holds_one_draft_and_one_row_per_version(frozen, staff_a):
    s.summary_revise(by=staff_a, summary=frozen, reason="更正")
    twin = {"county_id": frozen.county_id, "period_start": frozen.period_start, "period_end": frozen.period_end,
            "title": "x", "created_by": staff_a, "revises": frozen}  # fmt: skip
    with pytest.raises(IntegrityError), transaction.atomic():
        Summary.objects.create(**twin, version=3)  # a second draft of the same period
    with pytest.raises(IntegrityError), transaction.atomic():
        Summary.objects.create(
            **twin, version=2, state=Summary.State.FROZEN, frozen_at=frozen.frozen_at, frozen_by=staff_a
        )  # a second version 2
    with pytest.raises(IntegrityError), transaction.atomic():
        Summary.objects.filter(pk=frozen.pk).update(frozen_at=None)  # frozen by nobody at no time


def test_freezing_twice_is_refused_even_from_a_stale_copy(call_a, staff_a, county_a):
    summary = s.summary_create(by=staff_a, county=county_a, period=Y2025)
    stale = Summary.objects.get(pk=summary.pk)  # a second tab loaded the draft
    s.summary_freeze(by=staff_a, summary=summary)
    fixed = row(summary)
    approve_project(
        staff_a, county_a, call_a, "开化县丙科技有限公司", "新型茶机", dt.date(2025, 10, 1), 500_000
    )
    with pytest.raises(ValidationError, match="已定稿"):
        s.summary_freeze(by=staff_a, summary=stale)
    assert row(summary) == fixed  # the snapshot still says 400万元, frozen_at is the first freeze's
    assert Summary.objects.get(pk=summary.pk).snapshot["projects.grants"]["text"] == GRANTS
    assert AuditEvent.objects.filter(action="freeze").count() == 1


def test_a_stale_draft_cannot_write_prose_into_or_unfreeze_a_frozen_summary(call_a, staff_a, county_a):
    summary = s.summary_create(by=staff_a, county=county_a, period=Y2025)
    stale = Summary.objects.get(pk=summary.pk)
    s.summary_freeze(by=staff_a, summary=summary)
    fixed = row(summary)
    with pytest.raises(ValidationError, match="已定稿"):
        s.summary_update(
            by=staff_a, summary=stale, title="改过的标题", sections={**stale.sections, "3": "改写"}
        )
    assert row(summary) == fixed and Summary.objects.get(pk=summary.pk).is_frozen
    assert not AuditEvent.objects.filter(action="update", object_type="reports.summary").exists()


def test_the_audit_events_replay_to_each_versions_stored_values(frozen, staff_a):
    v2 = s.summary_revise(by=staff_a, summary=frozen, reason="更正")
    s.summary_update(by=staff_a, summary=v2, title="修订后的标题", sections={**v2.sections, "3": PROSE_V2})
    s.summary_freeze(by=staff_a, summary=v2)
    for version in (frozen, v2):
        state: dict = {}
        events = AuditEvent.objects.filter(object_type="reports.summary", object_id=str(version.pk))
        for e in events.exclude(action="export").order_by("pk"):
            state.update(e.after or {})
        stored = row(version)
        assert {
            k: state[k] for k in ("title", "sections", "state", "snapshot", "frozen_by_id", "version")
        } == {k: stored[k] for k in ("title", "sections", "state", "snapshot", "frozen_by_id", "version")}


def test_comparing_two_versions_shows_the_prose_and_the_figures_that_differ(frozen, staff_a):
    v2 = s.summary_revise(by=staff_a, summary=frozen, reason="更正")
    s.summary_update(by=staff_a, summary=v2, title=v2.title, sections={**v2.sections, "3": PROSE_V2})
    comparison = s.compare_versions(frozen, v2)
    assert comparison.prose_changed
    (changed,) = [sec for sec in comparison.sections if sec.changed]
    assert changed.heading == "（三）科技计划项目工作"
    (paragraph,) = [r for r in changed.rows if r.changed]
    assert "".join(t for _c, t in paragraph.a) == f"全年项目工作成效明显，{GRANTS}。"
    assert "".join(t for _c, t in paragraph.b) == f"全年争取上级项目支持力度加大，{GRANTS_AFTER}。"
    # marked by characters, not whole paragraphs: the figure's words are unchanged, "400" became "450"
    assert any("获得科技计划项目经费补助4" in t for c, t in paragraph.a if not c)
    assert "0" in "".join(t for c, t in paragraph.a if c) and "5" in "".join(t for c, t in paragraph.b if c)
    (figure,) = [f for f in comparison.figures if f.key == "projects.grants"]
    assert (figure.a, figure.b) == (GRANTS, GRANTS_AFTER)
    assert s.compare_versions(frozen, frozen).figures == []


# --- the pages ------------------------------------------------------------------------------------------------------


def test_staff_revise_on_the_page_and_both_versions_are_listed_with_who_froze_them(frozen, staff_a):
    client = client_for(staff_a)
    base = f"/reports/summaries/{frozen.pk}/"
    page = client.get(base).content.decode()
    assert f'action="{base}revise/"' in page and "第1版" in page

    refused = client.post(base + "revise/", {"reason": ""}, follow=True)
    assert "请填写修订原因" in refused.content.decode() and Summary.objects.count() == 1

    response = client.post(base + "revise/", {"reason": "上级通报了第三个项目"})
    v2 = Summary.objects.get(version=2)
    assert response.status_code == 302 and response["Location"] == f"/reports/summaries/{v2.pk}/edit/"
    edit = client.post(
        f"/reports/summaries/{v2.pk}/edit/",
        {
            "title": v2.title,
            **{f"section_{n}": v2.sections[str(n)] for n in range(1, 9)},
            "section_3": PROSE_V2,
        },
    )
    assert edit.status_code == 302

    old = client.get(base).content.decode()
    assert "本版本已被修订，最新为第2版" in old and f'action="{base}revise/"' not in old
    assert GRANTS in old and GRANTS_AFTER not in old
    new = client.get(f"/reports/summaries/{v2.pk}/").content.decode()
    assert "修订自第1版" in new and "上级通报了第三个项目" in new and GRANTS_AFTER in new
    versions_table = new[new.index('id="versions"') :]
    assert (
        "staff_a" in versions_table and frozen.frozen_at.astimezone().strftime("%Y-%m-%d") in versions_table
    )

    listing = client.get("/reports/summaries/").content.decode()
    assert listing.count(f"{frozen.title}</a>") == 2 and "第1版" in listing and "第2版" in listing

    compare = client.get(f"/reports/summaries/{v2.pk}/versions/?a=1&b=2").content.decode()
    assert "<del>" in compare and "<ins>" in compare
    assert "（三）科技计划项目工作" in compare and GRANTS in compare and GRANTS_AFTER in compare
    assert "（一）政策激励工作" not in compare  # unchanged sections are not listed


def test_a_second_post_after_freezing_changes_nothing(call_a, staff_a, county_a):
    summary = s.summary_create(by=staff_a, county=county_a, period=Y2025)
    client = client_for(staff_a)
    form = {"title": summary.title, **{f"section_{n}": summary.sections[str(n)] for n in range(1, 9)}}
    assert client.post(f"/reports/summaries/{summary.pk}/freeze/").status_code == 302
    fixed = row(summary)
    again = client.post(f"/reports/summaries/{summary.pk}/freeze/", follow=True)
    assert "该工作总结已定稿" in again.content.decode()
    edit = client.post(f"/reports/summaries/{summary.pk}/edit/", {**form, "section_3": "悄悄改写"})
    assert edit.status_code == 302
    assert row(summary) == fixed
    assert AuditEvent.objects.filter(action="freeze").count() == 1


def test_who_may_revise_on_the_page(frozen, staff_b, leader_a, enterprise_x):
    url = f"/reports/summaries/{frozen.pk}/revise/"
    assert client_for(staff_b).post(url, {"reason": "x"}).status_code == 404
    assert client_for(enterprise_x).post(url, {"reason": "x"}).status_code == 404
    leader = client_for(leader_a)
    assert leader.post(url, {"reason": "x"}).status_code == 403
    assert url not in leader.get(f"/reports/summaries/{frozen.pk}/").content.decode()
    assert leader.get(f"/reports/summaries/{frozen.pk}/versions/").status_code == 200
    assert client_for(staff_b).get(f"/reports/summaries/{frozen.pk}/versions/").status_code == 404
    assert Summary.objects.count() == 1


# --- exports: a frozen version is what it was when frozen ------------------------------------------------------


def test_the_frozen_versions_downloads_do_not_move_when_it_is_revised(frozen, staff_a):
    client = client_for(staff_a)
    docx_v1 = docx_text(open_docx(client.get(f"/reports/summaries/{frozen.pk}/docx/").content))
    md_v1 = client.get(f"/reports/summaries/{frozen.pk}/md/").content
    assert f"全年项目工作成效明显，{GRANTS}。" in docx_v1

    v2 = s.summary_revise(by=staff_a, summary=frozen, reason="更正")
    s.summary_update(by=staff_a, summary=v2, title=v2.title, sections={**v2.sections, "3": PROSE_V2})
    s.summary_freeze(by=staff_a, summary=v2)

    response = client.get(f"/reports/summaries/{frozen.pk}/docx/")
    assert docx_text(open_docx(response.content)) == docx_v1
    assert "%EF%BC%88%E7%AC%AC1%E7%89%88%EF%BC%89" in response["Content-Disposition"]  # （第1版）
    assert client.get(f"/reports/summaries/{frozen.pk}/md/").content == md_v1
    doc = assert_official_layout(client.get(f"/reports/summaries/{v2.pk}/docx/").content)
    assert f"全年争取上级项目支持力度加大，{GRANTS_AFTER}。" in docx_text(doc)
    event = AuditEvent.objects.filter(action="export", object_id=str(frozen.pk)).latest("pk")
    assert event.after["version"] == 1


def run(*args):
    out = StringIO()
    call_command("summary", *args, stdout=out)
    return out.getvalue()


def test_the_cli_exports_the_latest_version_or_the_one_asked_for(frozen, staff_a, tmp_path):
    base = ["--county", "330824", "--year", "2025"]
    run(*base, "-o", str(tmp_path / "v1.json"))
    at_freeze = (tmp_path / "v1.json").read_text(encoding="utf-8")

    v2 = s.summary_revise(by=staff_a, summary=frozen, reason="更正")
    s.summary_update(by=staff_a, summary=v2, title=v2.title, sections={**v2.sections, "3": PROSE_V2})
    out = run(*base, "-o", str(tmp_path / "latest.json"))
    assert "第2版，已保存的草稿" in out
    latest = json.loads((tmp_path / "latest.json").read_text(encoding="utf-8"))
    assert latest["state"] == "draft" and latest["sections"][2]["paragraphs"] == [
        f"全年争取上级项目支持力度加大，{GRANTS_AFTER}。"
    ]

    out = run(*base, "--summary-version", "1", "-o", str(tmp_path / "again.json"))
    assert "第1版，已定稿" in out
    assert (tmp_path / "again.json").read_text(encoding="utf-8") == at_freeze
    run(*base, "--summary-version", "1", "--format", "docx", "-o", str(tmp_path / "v1.docx"))
    text = docx_text(assert_official_layout((tmp_path / "v1.docx").read_bytes()))
    assert f"全年项目工作成效明显，{GRANTS}。" in text and GRANTS_AFTER not in text
    with pytest.raises(CommandError, match=re.escape("没有第3版（现有版本：1、2）")):
        run(*base, "--summary-version", "3", "-o", str(tmp_path / "v3.json"))
    assert Summary.objects.count() == 2  # the CLI only reads


def test_two_staff_editing_a_draft_at_once_lose_nothing(call_a, staff_a, county_a):
    from kechuang.core.models import Role
    from tests.conftest import make_user

    colleague = make_user("staff_a2", role=Role.STAFF, region=county_a)
    summary = s.summary_create(by=staff_a, county=county_a, period=Y2025)
    url = f"/reports/summaries/{summary.pk}/edit/"
    mine, theirs = client_for(staff_a), client_for(colleague)
    opened = mine.get(url).context["form"]
    token = opened["_loaded"].value()
    form = {
        "title": summary.title,
        "_loaded": token,
        **{f"section_{n}": summary.sections[str(n)] for n in range(1, 9)},
    }

    their_form = theirs.get(url).context["form"]
    theirs.post(
        url, {**form, "_loaded": their_form["_loaded"].value(), "title": "开化县2025年科技工作总结（送审稿）"}
    )
    # a field the colleague did not touch: both changes kept
    assert mine.post(url, {**form, "section_3": PROSE_V1}).status_code == 302
    stored = Summary.objects.get(pk=summary.pk)
    assert (stored.title, stored.sections["3"]) == ("开化县2025年科技工作总结（送审稿）", PROSE_V1)

    # the same field changed by both: the second is told who changed it, and keeps what they typed
    theirs.post(url, {**form, "_loaded": theirs.get(url).context["form"]["_loaded"].value(),
                      "title": stored.title, "section_3": PROSE_V2})  # fmt: skip
    response = mine.post(url, {**form, "title": stored.title, "section_3": "我的改写，{projects.grants}。"})
    assert response.status_code == 200
    page = response.content.decode()
    assert "该记录已被staff_a2于" in page and "您的修改未保存" in page and "我的改写" in page
    assert Summary.objects.get(pk=summary.pk).sections["3"] == PROSE_V2


# --- the API: the same services, the same rules -----------------------------------------------------------------


def test_the_api_cannot_edit_or_refreeze_a_frozen_version_and_revises_it_like_the_page(
    frozen, staff_a, staff_b, leader_a
):
    client = client_for(staff_a)
    base = f"/api/reports/summaries/{frozen.pk}"
    fixed = row(frozen)
    edit = client.patch(base, {"sections": {"3": "接口改写"}}, content_type="application/json")
    assert edit.status_code == 422 and "已定稿的工作总结不能修改" in edit.json()["detail"][0]["message"]
    again = client.post(base + "/freeze")
    assert again.status_code == 422 and "已定稿" in again.json()["detail"][0]["message"]
    assert row(frozen) == fixed

    assert (
        client_for(leader_a)
        .post(base + "/revise", {"reason": "x"}, content_type="application/json")
        .status_code
        == 403
    )
    assert client_for(staff_b).get(base).status_code == 404
    assert (
        client_for(staff_b)
        .post(base + "/revise", {"reason": "x"}, content_type="application/json")
        .status_code
        == 404
    )
    empty = client.post(base + "/revise", {"reason": " "}, content_type="application/json")
    assert empty.status_code == 422

    created = client.post(base + "/revise", {"reason": "接口修订"}, content_type="application/json")
    assert created.status_code == 201
    v2 = created.json()
    assert (v2["version"], v2["state"], v2["revises"], v2["revision_reason"]) == (
        2,
        "draft",
        frozen.pk,
        "接口修订",
    )
    patched = client.patch(
        f"/api/reports/summaries/{v2['id']}", {"sections": {"3": PROSE_V2}}, content_type="application/json"
    )
    assert patched.status_code == 200 and patched.json()["sections"]["3"] == PROSE_V2
    assert patched.json()["sections"]["1"] == frozen.sections["1"]  # the sections not sent are kept
    assert (
        client.post(base + "/revise", {"reason": "再来一个草稿"}, content_type="application/json").status_code
        == 422
    )
    frozen_again = client.post(f"/api/reports/summaries/{v2['id']}/freeze")
    assert frozen_again.status_code == 200 and frozen_again.json()["frozen_by"] == "staff_a"
    listing = client.get("/api/reports/summaries", {"county": "330824", "year": 2025}).json()
    assert [(x["version"], x["state"]) for x in listing] == [(2, "frozen"), (1, "frozen")]
    assert row(frozen) == fixed
    assert client_for(staff_b).get("/api/reports/summaries").json() == []


def test_the_api_patch_of_a_draft_is_compared_and_set(call_a, staff_a, county_a):
    """If-Match with the ETag read: a colleague's edit since is a 409 naming it; the page's edit of another
    section between a client's read and its PATCH is never written back over."""
    summary = s.summary_create(by=staff_a, county=county_a, period=Y2025)
    client = client_for(staff_a)
    url = f"/api/reports/summaries/{summary.pk}"
    etag = client.get(url).headers["ETag"]
    s.summary_update(
        by=staff_a, summary=summary, title=summary.title, sections={**summary.sections, "3": PROSE_V1}
    )
    stale = client.patch(
        url,
        {"sections": {"4": "研发投入稳步增长。"}},
        content_type="application/json",
        headers={"If-Match": etag},
    )
    assert stale.status_code == 409 and stale.json()["fields"] == ["sections"]
    assert Summary.objects.get(pk=summary.pk).sections["4"] != "研发投入稳步增长。"

    fresh = client.get(url).headers["ETag"]
    ok = client.patch(
        url,
        {"sections": {"4": "研发投入稳步增长。"}},
        content_type="application/json",
        headers={"If-Match": fresh},
    )
    assert ok.status_code == 200 and ok.headers["ETag"] != fresh
    stored = Summary.objects.get(pk=summary.pk)
    assert stored.sections["3"] == PROSE_V1 and stored.sections["4"] == "研发投入稳步增长。"
