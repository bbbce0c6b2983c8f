"""The application workflow through the services: every move of workflow.MOVES done by its actor (with
its history row and audit event) and refused to every other role (PermissionDenied, audited as denied);
moves outside the table, missing comments, the call window, moves reserved to a dedicated service, and
bulk transitions.

The helpers at the top (`advance`, `new_application`, `pay_in_full`) are shared with the other engine
test modules of this package."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from kechuang.core import audit
from kechuang.core.models import AuditEvent, Role
from kechuang.programmes import services, workflow
from kechuang.programmes.models import Application, Award, Milestone, Status, Transition
from tests.conftest import make_user
from tests.factories import OrganisationFactory

from .fixtures import TODAY, at, make_call

S = Status
FAMILY_FIXTURE = {"claim": "incentive", "other": "hte", "project": "key_rd"}
FAMILY_KINDS = {
    "claim": {workflow.CLAIM},
    "other": {workflow.OTHER},
    "project": {workflow.OTHER, workflow.PROJECT_FORM},
}
COMMENT = "材料不全，请补充2025年度审计报告"

# How to reach each status from a fresh draft, one move at a time (the shortest path of the table).
PATHS = {
    S.DRAFT: [],
    S.SUBMITTED: [S.SUBMITTED],
    S.RETURNED: [S.SUBMITTED, S.RETURNED],
    S.REJECTED: [S.SUBMITTED, S.REJECTED],
    S.RECOMMENDED: [S.SUBMITTED, S.RECOMMENDED],
    S.APPROVED: [S.SUBMITTED, S.RECOMMENDED, S.APPROVED],
    S.NOT_APPROVED: [S.SUBMITTED, S.RECOMMENDED, S.NOT_APPROVED],
    S.IN_PROGRESS: [S.SUBMITTED, S.RECOMMENDED, S.APPROVED, S.IN_PROGRESS],
    S.CLOSED: [S.SUBMITTED, S.RECOMMENDED, S.APPROVED, S.IN_PROGRESS, S.CLOSED],
    S.CHECKED: [S.SUBMITTED, S.CHECKED],
    S.DECIDED: [S.SUBMITTED, S.CHECKED, S.DECIDED],
}
DECIDED_AMOUNT = Decimal("50000")


@pytest.fixture(autouse=True)
def _story_clock(clock):
    """The services' clock after the claims' decisions (28 April 2026); each notice is published, each
    payment made and each acceptance recorded on its own day (fixtures.Clock)."""
    clock.set(dt.date(2026, 4, 28))


def with_acceptance_day(save):
    """Run a milestone write on 1 July 2027, after the acceptances these stories record (June 2027)."""

    def run(**kwargs):
        with at(dt.date(2027, 7, 1)):
            return save(**kwargs)

    return run


def approve_data(application: Application, n: int = 1) -> dict:
    """What the upper level granted: a certificate for a qualification, a grant for a project."""
    form = application.programme.award_form
    data: dict = {"decided_on": dt.date(2026, 6, 30), "document": "浙科发高〔2026〕12号"}
    if form == "qualification":
        data["certificate_no"] = f"GR2026330{application.pk:05d}"
    elif form == "registration":
        data["registration_no"] = f"2026330824A{application.pk:05d}"
    elif form == "project":
        data["amount"] = Decimal("300000")
    return data


def step(application: Application, to: str, staff) -> None:
    """One move done by county staff, through the service that owns it."""
    if to == S.APPROVED:
        services.application_approve(by=staff, application=application, data=approve_data(application))
    elif to == S.DECIDED:
        services.claim_decide(
            by=staff, application=application, amount=DECIDED_AMOUNT, reason="按实际研发投入核减",
            decided_on=dt.date(2026, 4, 28),
        )  # fmt: skip
    else:
        services.application_transition(application=application, to=to, by=staff, comment=COMMENT)


def advance(application: Application, status: str, staff) -> Application:
    for to in PATHS[status]:
        step(application, to, staff)
    application.refresh_from_db()
    assert application.status == status
    return application


def new_application(staff, programme, organisation, status: str = S.DRAFT, call=None, **data) -> Application:
    call = call or programme.calls.filter(year=2026).first() or make_call(staff, programme)
    if programme.kind in ("project", "team") and "title" not in data:
        data["title"] = "高性能有机硅新材料研发及产业化"
    application = services.application_create(
        by=staff, data={"call": call, "organisation": organisation, **data}
    )
    return advance(application, status, staff)


def payment_notice(staff, applications, published_on=dt.date(2026, 5, 6), working_days=5):
    """A payment 公示 from 6 May 2026 for 5 working days: 6, 7, 8, 9 (a make-up Saturday), 11 May."""
    with at(published_on):
        return _publish(staff, applications, published_on, working_days)


def _publish(staff, applications, published_on, working_days):
    return services.notice_publish(
        by=staff,
        data={"county": applications[0].county, "title": "2026年科技政策奖励兑现公示", "purpose": "payment",
              "published_on": published_on, "working_days": working_days},
        applications=applications,
    )  # fmt: skip


AFTER_NOTICE = dt.date(2026, 5, 12)  # the first day after the notice above


def pay_in_full(staff, application: Application, by=None, today=AFTER_NOTICE):
    payment_notice(staff, [application])
    with at(today):
        return _pay(staff, application, by, today)


def _pay(staff, application, by, today):
    return services.disbursement_create(
        by=by or staff, award=application.award,
        data={"amount": application.award.amount, "source": "county", "fiscal_year": 2026, "paid_on": today,
              "voucher_no": "记-2026-05-031"},
    )  # fmt: skip


# --- the role matrix ---------------------------------------------------------------------------------------------

ROLES = [
    "staff_a",
    "staff_b",
    "leader_a",
    "city_user",
    "province_user",
    "enterprise_x",
    "enterprise_x2",
    "enterprise_y",
    "department_user_a",
    "outsider",
]
ACTOR_USER = {workflow.STAFF: "staff_a", workflow.APPLICANT: "enterprise_x"}


@pytest.fixture
def org_x2(county_a):
    return OrganisationFactory(name="开化县丙电子有限公司", region=county_a)


@pytest.fixture
def enterprise_x2(org_x2):
    """Another enterprise of the same county."""
    return make_user("enterprise_x2", role=Role.ENTERPRISE, organisation=org_x2)


@pytest.fixture
def enterprise_y(org_y):
    """An enterprise of county B."""
    return make_user("enterprise_y", role=Role.ENTERPRISE, organisation=org_y)


def _families(move: workflow.Move) -> list[str]:
    return [f for f, kinds in FAMILY_KINDS.items() if kinds & move.applies_to]


def _allowed_users(source: str, target: str, family: str) -> set[str]:
    return {
        ACTOR_USER[m.actor]
        for m in workflow.MOVES
        if m.source == source and m.target == target and m.applies_to & FAMILY_KINDS[family]
    }


ALLOWED_CASES = [
    pytest.param(move, family, id=f"{move.source}->{move.target}-{move.actor}-{family}")
    for move in workflow.MOVES
    for family in _families(move)
]
_pairs = list(dict.fromkeys((m.source, m.target, _families(m)[0]) for m in workflow.MOVES))
REFUSED_CASES = [
    pytest.param(source, target, family, role, id=f"{source}->{target}-{family}-{role}")
    for source, target, family in _pairs
    for role in ROLES
    if role not in _allowed_users(source, target, family)
]


def test_matrix_covers_every_move():
    # 6 moves for all three families, 3 for two, 8 for one; withdrawing (by the applicant or staff): from
    # submitted and returned for all three, from recommended for two, from checked for one
    assert len(ALLOWED_CASES) == 32 + 2 * (3 + 3 + 2 + 1)
    assert {(p.values[0].source, p.values[0].target) for p in ALLOWED_CASES} == {
        (m.source, m.target) for m in workflow.MOVES
    }
    assert len(_pairs) == 19  # the applicant and staff twins of submit, re-submit and withdraw share a pair
    # every pair is refused to 8 or 9 roles: staff_a may do every pair, enterprise_x only the submits and
    # the withdrawals (refused to the other 8)
    assert len(REFUSED_CASES) == 15 * 9 - 2 + 4 * 8


def _do_move(move: workflow.Move, application: Application, user, staff_a) -> None:
    if move.target == S.ACCEPTED:
        with_acceptance_day(services.milestone_save)(
            by=staff_a, award=application.award,
            data={"kind": Milestone.Kind.ACCEPTANCE, "due_on": dt.date(2027, 6, 30), "done_on": dt.date(2027, 6, 20),
                  "result": Milestone.Result.PASSED},
        )  # fmt: skip
    if move.via_service == "approve":
        services.application_approve(by=user, application=application, data=approve_data(application))
    elif move.via_service == "decide":
        services.claim_decide(by=user, application=application, amount=DECIDED_AMOUNT, reason="核减")
    elif move.via_service == "pay":
        pay_in_full(staff_a, application, by=user)
    else:
        services.application_transition(
            application=application, to=move.target, by=user, comment=COMMENT, today=TODAY
        )


@pytest.mark.parametrize(("move", "family"), ALLOWED_CASES)
def test_allowed_actor_moves_and_it_is_recorded(request, move, family, staff_a, org_x):
    programme = request.getfixturevalue(FAMILY_FIXTURE[family])
    user = request.getfixturevalue(ACTOR_USER[move.actor])
    application = new_application(staff_a, programme, org_x, move.source)
    history = Transition.objects.filter(application=application).count()

    _do_move(move, application, user, staff_a)

    application.refresh_from_db()
    assert application.status == move.target
    assert Transition.objects.filter(application=application).count() == history + 1
    last = Transition.objects.filter(application=application).latest("at", "id")
    assert (last.from_status, last.to_status, last.actor) == (move.source, move.target, user)
    event = AuditEvent.objects.filter(
        action="transition", object_type="programmes.application", object_id=str(application.pk)
    ).first()  # newest first
    assert event is not None
    assert (event.before["status"], event.after["status"]) == (move.source, move.target)
    application.refresh_from_db()
    assert (
        event.after["status_changed_at"] == audit.snapshot(application)["status_changed_at"]
    )  # its stamp too
    assert event.user == user and event.result == AuditEvent.Result.OK


@pytest.mark.parametrize(("source", "target", "family", "role"), REFUSED_CASES)
def test_every_other_role_is_refused_and_audited(request, source, target, family, role, staff_a, org_x):
    programme = request.getfixturevalue(FAMILY_FIXTURE[family])
    user = request.getfixturevalue(role)
    application = new_application(staff_a, programme, org_x, source)
    history = Transition.objects.filter(application=application).count()
    denied_before = AuditEvent.objects.filter(result=AuditEvent.Result.DENIED).count()

    with pytest.raises(PermissionDenied):
        services.application_transition(
            application=application, to=target, by=user, comment=COMMENT, today=TODAY
        )
    # the dedicated services refuse the same people
    move = workflow.moves_for(application, target)[0]
    if move.via_service == "approve":
        with pytest.raises(PermissionDenied):
            services.application_approve(by=user, application=application, data=approve_data(application))
    elif move.via_service == "decide":
        with pytest.raises(PermissionDenied):
            services.claim_decide(by=user, application=application)
    elif move.via_service == "pay":
        payment_notice(staff_a, [application])
        with pytest.raises(PermissionDenied), at(AFTER_NOTICE):
            services.disbursement_create(
                by=user, award=application.award, today=AFTER_NOTICE,
                data={"amount": DECIDED_AMOUNT, "source": "county", "fiscal_year": 2026, "paid_on": AFTER_NOTICE,
                      "voucher_no": "记-2026-05-031"},
            )  # fmt: skip

    application.refresh_from_db()
    assert application.status == source
    assert Transition.objects.filter(application=application).count() == history
    denied = AuditEvent.objects.filter(result=AuditEvent.Result.DENIED, object_id=str(application.pk))
    expected = 1 if not move.via_service else 2
    assert AuditEvent.objects.filter(result=AuditEvent.Result.DENIED).count() == denied_before + expected
    event = denied.filter(detail=f"transition {source}->{target}").get()
    assert event.action == "permission_denied" and event.user == user
    assert event.object_type == "programmes.application"


def test_a_person_applicant_submits_their_own_nomination(staff_a, county_a, expert_a, expert_person_a):
    talent = services.programme_save(
        by=staff_a,
        data={"county": county_a, "name": "省万人计划青年拔尖人才", "level": "provincial", "kind": "talent",
              "award_form": "honour", "category": "万人计划", "issuer": "中共浙江省委组织部", "for_people": True},
    )  # fmt: skip
    call = make_call(staff_a, talent)
    nomination = services.application_create(by=expert_a, data={"call": call, "person": expert_person_a})
    services.application_transition(application=nomination, to=S.SUBMITTED, by=expert_a, today=TODAY)
    nomination.refresh_from_db()
    assert nomination.status == S.SUBMITTED
    assert nomination.transitions.last().actor == expert_a
    with pytest.raises(PermissionDenied):
        services.application_transition(application=nomination, to=S.RECOMMENDED, by=expert_a)


# --- moves outside the table, comments, the call window, dedicated services -----------------------------------


@pytest.mark.parametrize(
    ("family", "source", "target"),
    [
        ("other", S.DRAFT, S.APPROVED),  # skipping the county review
        ("other", S.DRAFT, S.RECOMMENDED),
        ("other", S.SUBMITTED, S.CHECKED),  # a claim's move on a qualification
        ("other", S.APPROVED, S.IN_PROGRESS),  # a project's move on a qualification
        ("claim", S.SUBMITTED, S.RECOMMENDED),  # claims are not recommended upward
        ("project", S.REJECTED, S.SUBMITTED),  # a rejection is final
        ("project", S.APPROVED, S.DRAFT),  # nothing goes back to draft
        ("other", S.DRAFT, "bogus"),
    ],
)
def test_moves_not_in_the_table_are_refused(request, family, source, target, staff_a, org_x):
    programme = request.getfixturevalue(FAMILY_FIXTURE[family])
    application = new_application(staff_a, programme, org_x, source)
    with pytest.raises(ValidationError) as e:
        services.application_transition(application=application, to=target, by=staff_a, comment=COMMENT)
    assert f"当前状态“{application.get_status_display()}”不能变更为" in e.value.messages[0]
    application.refresh_from_db()
    assert application.status == source


NEEDS_COMMENT = [pytest.param(m, id=f"{m.source}->{m.target}") for m in workflow.MOVES if m.needs_comment]


@pytest.mark.parametrize("move", NEEDS_COMMENT)
@pytest.mark.parametrize("comment", ["", "  \n "])
def test_moves_that_need_a_reason_refuse_an_empty_comment(request, move, comment, staff_a, org_x):
    application = new_application(
        staff_a, request.getfixturevalue(FAMILY_FIXTURE[_families(move)[0]]), org_x, move.source
    )
    with pytest.raises(ValidationError) as e:
        services.application_transition(application=application, to=move.target, by=staff_a, comment=comment)
    assert e.value.message_dict["comment"] == [f"“{move.label}”须填写理由。"]
    application.refresh_from_db()
    assert application.status == move.source


def test_accepting_a_project_needs_a_passed_acceptance(staff_a, key_rd, org_x):
    project = new_application(staff_a, key_rd, org_x, S.IN_PROGRESS)
    failed = {"kind": Milestone.Kind.ACCEPTANCE, "due_on": dt.date(2027, 6, 30), "done_on": dt.date(2027, 6, 20),
              "result": Milestone.Result.FAILED}  # fmt: skip
    with_acceptance_day(services.milestone_save)(by=staff_a, award=project.award, data=failed)
    with pytest.raises(ValidationError, match="须先记录通过的验收节点"):
        services.application_transition(application=project, to=S.ACCEPTED, by=staff_a)
    with_acceptance_day(services.milestone_save)(
        by=staff_a, award=project.award, data={**failed, "result": Milestone.Result.PASSED}
    )
    services.application_transition(application=project, to=S.ACCEPTED, by=staff_a)
    assert Application.objects.get(pk=project.pk).status == S.ACCEPTED


# The call (make_call): opens 1 March 2026, county deadline 20 April, closes 30 April.
@pytest.mark.parametrize(
    ("today", "problem"),
    [
        (dt.date(2026, 2, 28), "该批次尚未开始申报（2026年3月1日 开始）"),
        (dt.date(2026, 4, 21), "该批次已于 2026年4月20日 截止申报"),  # the county's deadline, not 30 April
        (dt.date(2026, 5, 1), "该批次已于 2026年4月20日 截止申报"),
    ],
    ids=["before-opening", "day-after-county-deadline", "after-closing"],
)
def test_applicant_submits_only_inside_the_call_window(today, problem, staff_a, enterprise_x, hte, org_x):
    application = new_application(staff_a, hte, org_x)
    with pytest.raises(ValidationError) as e:
        services.application_transition(application=application, to=S.SUBMITTED, by=enterprise_x, today=today)
    assert problem in e.value.messages[0]
    assert Application.objects.get(pk=application.pk).status == S.DRAFT

    # staff may still enter the late (or early) paper application on the enterprise's behalf
    services.application_transition(application=application, to=S.SUBMITTED, by=staff_a, today=today)
    last = Application.objects.get(pk=application.pk).transitions.last()
    assert (last.to_status, last.actor) == (S.SUBMITTED, staff_a)


@pytest.mark.parametrize("today", [dt.date(2026, 3, 1), dt.date(2026, 4, 20)])
def test_the_window_includes_its_first_and_last_day(today, staff_a, enterprise_x, hte, org_x):
    application = new_application(staff_a, hte, org_x)
    services.application_transition(application=application, to=S.SUBMITTED, by=enterprise_x, today=today)
    assert Application.objects.get(pk=application.pk).status == S.SUBMITTED


def test_a_returned_application_is_resubmitted_only_inside_the_window(staff_a, enterprise_x, hte, org_x):
    application = new_application(staff_a, hte, org_x, S.RETURNED)
    with pytest.raises(ValidationError, match="截止申报"):
        services.application_transition(
            application=application, to=S.SUBMITTED, by=enterprise_x, today=dt.date(2026, 4, 21)
        )
    services.application_transition(application=application, to=S.SUBMITTED, by=enterprise_x, today=TODAY)
    assert Application.objects.get(pk=application.pk).status == S.SUBMITTED


SERVICE_MOVES = [pytest.param(m, id=m.via_service) for m in workflow.MOVES if m.via_service]


@pytest.mark.parametrize("move", SERVICE_MOVES)
def test_moves_of_a_dedicated_service_are_refused_as_plain_transitions(request, move, staff_a, org_x):
    family = _families(move)[0]
    application = new_application(
        staff_a, request.getfixturevalue(FAMILY_FIXTURE[family]), org_x, move.source
    )
    awards = Award.objects.count()
    with pytest.raises(ValidationError) as e:
        services.application_transition(application=application, to=move.target, by=staff_a, comment=COMMENT)
    assert e.value.messages == [f"“{move.label}”须通过专门的办理页面完成。"]
    application.refresh_from_db()
    assert application.status == move.source
    assert Award.objects.count() == awards


def test_a_stale_copy_gets_a_conflict_naming_the_current_status(staff_a, hte, org_x):
    application = new_application(staff_a, hte, org_x, S.SUBMITTED)
    stale = Application.objects.get(pk=application.pk)
    services.application_transition(application=application, to=S.RECOMMENDED, by=staff_a)
    with pytest.raises(services.TransitionConflict) as e:
        services.application_transition(application=stale, to=S.REJECTED, by=staff_a, comment=COMMENT)
    assert "当前状态为“已推荐”" in e.value.messages[0]
    assert Application.objects.get(pk=application.pk).status == S.RECOMMENDED
    assert application.transitions.filter(to_status=S.REJECTED).count() == 0


# --- bulk --------------------------------------------------------------------------------------------------------


def test_bulk_recommends_thirty_in_one_call(staff_a, hte, county_a):
    call = make_call(staff_a, hte)
    organisations = [OrganisationFactory(region=county_a) for _ in range(30)]
    applications = [new_application(staff_a, hte, org, S.SUBMITTED, call=call) for org in organisations]
    before = Transition.objects.filter(to_status=S.RECOMMENDED).count()

    result = services.application_transition_bulk(applications=applications, to=S.RECOMMENDED, by=staff_a)

    assert len(result.done) == 30 and result.failed == []
    assert Transition.objects.filter(to_status=S.RECOMMENDED).count() == before + 30
    assert Application.objects.filter(call=call, status=S.RECOMMENDED).count() == 30
    assert AuditEvent.objects.filter(action="transition", after__status="recommended").count() == 30


def test_bulk_with_mixed_states_reports_each_failure_and_moves_the_rest(
    staff_a, staff_b, hte, county_a, county_b, org_y
):
    call = make_call(staff_a, hte)
    ok = [
        new_application(staff_a, hte, OrganisationFactory(region=county_a), S.SUBMITTED, call=call)
        for _ in range(3)
    ]
    draft = new_application(staff_a, hte, OrganisationFactory(region=county_a), S.DRAFT, call=call)
    already = new_application(staff_a, hte, OrganisationFactory(region=county_a), S.RECOMMENDED, call=call)
    hte_b = services.programme_save(
        by=staff_b,
        data={"county": county_b, "name": "国家高新技术企业认定", "level": "national", "kind": "qualification",
              "award_form": "qualification", "category": "高新技术企业", "validity_years": 3, "issuer": "科技部"},
    )  # fmt: skip
    other_county = new_application(staff_b, hte_b, org_y, S.SUBMITTED)

    result = services.application_transition_bulk(
        applications=[ok[0], draft, ok[1], already, other_county, ok[2]], to=S.RECOMMENDED, by=staff_a
    )

    assert [a.pk for a in result.done] == [a.pk for a in ok]
    reasons = {a.pk: reason for a, reason in result.failed}
    assert set(reasons) == {draft.pk, already.pk, other_county.pk}
    assert "当前状态“草稿”不能变更为“已推荐”" in reasons[draft.pk]
    assert "当前状态“已推荐”不能变更为“已推荐”" in reasons[already.pk]
    assert "您没有权限执行“推荐上报”" in reasons[other_county.pk]
    assert Application.objects.get(pk=other_county.pk).status == S.SUBMITTED
    assert Application.objects.filter(pk__in=[a.pk for a in ok], status=S.RECOMMENDED).count() == 3


# --- tenancy of the selectors ------------------------------------------------------------------------------------


@pytest.fixture
def estate(staff_a, staff_b, hte, county_b, org_x, org_x2, org_y):
    """Records of three enterprises: org_x and org_x2 in county A, org_y in county B."""
    from kechuang.programmes.models import Voucher

    hte_b = services.programme_save(
        by=staff_b,
        data={"county": county_b, "name": "国家高新技术企业认定", "level": "national", "kind": "qualification",
              "award_form": "qualification", "category": "高新技术企业", "validity_years": 3, "issuer": "科技部"},
    )  # fmt: skip

    def voucher(staff, organisation, number):
        return services.voucher_issue(
            by=staff,
            data={"number": number, "organisation": organisation, "amount": Decimal("30000"),
                  "issued_on": dt.date(2026, 3, 1), "expires_on": dt.date(2026, 12, 31)},
        )  # fmt: skip

    records = {
        "x": new_application(staff_a, hte, org_x, S.APPROVED),
        "x2": new_application(staff_a, hte, org_x2, S.SUBMITTED),
        "y": new_application(staff_b, hte_b, org_y, S.APPROVED),
        "y_submitted": new_application(staff_b, hte_b, org_y, S.SUBMITTED),
    }
    vouchers = {"x": voucher(staff_a, org_x, "KH-1"), "x2": voucher(staff_a, org_x2, "KH-2"),
                "y": voucher(staff_b, org_y, "CS-1")}  # fmt: skip
    assert Voucher.objects.count() == 3
    return records, vouchers


VISIBLE = {
    # role: (applications, awards, vouchers) it may read, by owner key
    "staff_a": ({"x", "x2"}, {"x"}, {"x", "x2"}),
    "leader_a": ({"x", "x2"}, {"x"}, {"x", "x2"}),
    "staff_b": ({"y", "y_submitted"}, {"y"}, {"y"}),
    "city_user": ({"x", "x2", "y", "y_submitted"}, {"x", "y"}, {"x", "x2", "y"}),
    "province_user": ({"x", "x2", "y", "y_submitted"}, {"x", "y"}, {"x", "x2", "y"}),
    "enterprise_x": ({"x"}, {"x"}, {"x"}),
    "enterprise_x2": ({"x2"}, set(), {"x2"}),
    "enterprise_y": ({"y", "y_submitted"}, {"y"}, {"y"}),
    "department_user_a": (set(), set(), set()),
    "outsider": (set(), set(), set()),
}


@pytest.mark.parametrize("role", list(VISIBLE))
def test_selectors_show_each_role_only_its_own(request, role, estate):
    from kechuang.programmes import selectors

    applications, vouchers = estate
    user = request.getfixturevalue(role)
    apps_seen, awards_seen, vouchers_seen = VISIBLE[role]

    def keys(objects, pool):
        by_pk = {obj.pk: key for key, obj in pool.items()}
        return {by_pk[o.pk] for o in objects}

    assert keys(selectors.application_list(user=user), applications) == apps_seen
    awards = {k: a.award for k, a in applications.items() if hasattr(a, "award")}
    assert keys(selectors.award_list(user=user), awards) == awards_seen
    assert keys(selectors.voucher_list(user=user), vouchers) == vouchers_seen
    for key, application in applications.items():
        if key not in apps_seen:
            with pytest.raises(Application.DoesNotExist):
                selectors.application_get(user=user, pk=application.pk)


@pytest.mark.parametrize("role", ["leader_a", "city_user", "province_user"])
def test_readers_above_the_county_cannot_move_anything(request, role, estate):
    from kechuang.programmes import selectors

    applications, _ = estate
    user = request.getfixturevalue(role)
    assert not selectors.review_queue(user=user).exists()  # nothing waits for them
    for target in (S.RECOMMENDED, S.REJECTED, S.RETURNED):
        with pytest.raises(PermissionDenied):
            services.application_transition(
                application=applications["x2"], to=target, by=user, comment=COMMENT
            )
    assert Application.objects.get(pk=applications["x2"].pk).status == S.SUBMITTED
    assert workflow.available_moves(user, applications["x2"]) == []


def test_the_review_queue_is_the_county_s(staff_a, staff_b, estate):
    from kechuang.programmes import selectors

    applications, _ = estate
    assert list(selectors.review_queue(user=staff_a)) == [applications["x2"]]
    assert list(selectors.review_queue(user=staff_b)) == [applications["y_submitted"]]


def test_an_anonymous_user_is_refused_and_audited(staff_a, hte, org_x):
    from django.contrib.auth.models import AnonymousUser

    application = new_application(staff_a, hte, org_x, S.SUBMITTED)
    with pytest.raises(PermissionDenied):
        services.application_transition(application=application, to=S.RECOMMENDED, by=AnonymousUser())
    event = AuditEvent.objects.get(result=AuditEvent.Result.DENIED, object_id=str(application.pk))
    assert event.user is None and event.detail == "transition submitted->recommended"
    assert Application.objects.get(pk=application.pk).status == S.SUBMITTED
