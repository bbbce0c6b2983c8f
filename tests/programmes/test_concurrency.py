"""Two people acting on the same application at the same moment: exactly one transition, one award, and
a clear message to the other.

Why it holds on PostgreSQL (READ COMMITTED): application_transition changes the status with
`UPDATE … SET status = <to> WHERE id = <pk> AND status = <from>`. The first UPDATE takes the row lock;
the second blocks on it until the first transaction ends, then re-evaluates its WHERE against the newly
committed row (EvalPlanQual), finds the status changed and updates 0 rows → TransitionConflict.
application_approve runs the transition and the award insert in one transaction, so the lock is held
until the award is committed: the loser never reaches its insert (and Award.application is one-to-one
besides). Run these with
`DATABASE_URL=postgres://postgres@127.0.0.1:5432/kechuang_engine pytest tests/programmes/test_concurrency.py`;
on SQLite the threaded tests are skipped and a sequential variant runs instead."""

from __future__ import annotations

import datetime as dt
import threading
import time
from decimal import Decimal

import pytest
from django.db import connection, connections

from kechuang.programmes import services
from kechuang.programmes.models import Application, Award, Disbursement, Status, Transition

from .test_workflow import AFTER_NOTICE, approve_data, new_application, payment_notice

S = Status
on_postgresql = pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="needs two real concurrent connections with row locks: run with DATABASE_URL=postgres://…",
)


def _in_threads(*actions, timeout: float = 30):
    """Run each action in its own thread (so on its own database connection), all released at once by a
    barrier. Returns each action's result or the exception it raised."""
    barrier = threading.Barrier(len(actions))
    outcomes: list = [None] * len(actions)

    def run(i, action):
        try:
            barrier.wait(timeout=timeout)
            outcomes[i] = action()
        except Exception as e:  # noqa: BLE001 (reported to the test, which asserts on it)
            outcomes[i] = e
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i, a)) for i, a in enumerate(actions)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout)
    assert not any(t.is_alive() for t in threads), "a thread is stuck"
    return outcomes


def _approve(pk: int, user):
    application = Application.objects.get(pk=pk)  # each person loaded the page before either clicked
    return lambda: services.application_approve(
        by=user, application=application, data=approve_data(application)
    )


def _split(outcomes):
    won = [o for o in outcomes if not isinstance(o, Exception)]
    lost = [o for o in outcomes if isinstance(o, Exception)]
    return won, lost


@pytest.fixture
def two_staff(staff_a, county_a):
    from kechuang.core.models import Role
    from tests.conftest import make_user

    return staff_a, make_user("staff_a2", role=Role.STAFF, region=county_a)


@on_postgresql
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("round_", range(3))
def test_two_simultaneous_approvals_yield_one_transition_and_one_award(round_, two_staff, hte, org_x):
    first, second = two_staff
    application = new_application(first, hte, org_x, S.RECOMMENDED)

    outcomes = _in_threads(_approve(application.pk, first), _approve(application.pk, second))

    won, lost = _split(outcomes)
    assert len(won) == 1 and len(lost) == 1, outcomes
    assert isinstance(lost[0], services.TransitionConflict), repr(lost[0])
    assert "当前状态为“已立项/认定”" in lost[0].messages[0]
    assert "“录入上级批准”操作未执行" in lost[0].messages[0]
    moves = Transition.objects.filter(application_id=application.pk, to_status=S.APPROVED)
    assert moves.count() == 1
    assert Award.objects.filter(application_id=application.pk).count() == 1
    assert Application.objects.get(pk=application.pk).status == S.APPROVED


@on_postgresql
@pytest.mark.django_db(transaction=True)
def test_approval_and_not_approved_at_once_yield_one_outcome(two_staff, hte, org_x):
    first, second = two_staff
    application = new_application(first, hte, org_x, S.RECOMMENDED)
    pk = application.pk

    def refuse():
        return services.application_transition(
            application=Application.objects.get(pk=pk), to=S.NOT_APPROVED, by=second
        )

    approve = _approve(pk, first)
    outcomes = _in_threads(approve, refuse)

    won, lost = _split(outcomes)
    assert len(won) == 1 and isinstance(lost[0], services.TransitionConflict), outcomes
    final = Application.objects.get(pk=pk).status
    assert final in (S.APPROVED, S.NOT_APPROVED)
    assert f"当前状态为“{S(final).label}”" in lost[0].messages[0]
    assert Transition.objects.filter(application_id=pk, from_status=S.RECOMMENDED).count() == 1
    assert Award.objects.filter(application_id=pk).count() == (1 if final == S.APPROVED else 0)


@on_postgresql
@pytest.mark.django_db(transaction=True)
def test_the_second_update_waits_for_the_first_and_rechecks(two_staff, hte, org_x):
    """Force the interleaving: the first approval is done but not yet committed when the second starts.
    The second must block on the row lock (seen in pg_stat_activity), then fail with a conflict once the
    first commits — not approve a second time."""
    from django.db import transaction

    first, second = two_staff
    application = new_application(first, hte, org_x, S.RECOMMENDED)
    pk = application.pk
    first_done, release = threading.Event(), threading.Event()
    outcomes: dict = {}

    def slow_first():
        try:
            with transaction.atomic():
                outcomes["first"] = _approve(pk, first)()
                first_done.set()
                assert release.wait(30)
        except Exception as e:  # noqa: BLE001
            outcomes["first"] = e
        finally:
            first_done.set()
            connections.close_all()

    def second_click():
        try:
            assert first_done.wait(30)
            outcomes["second"] = _approve(pk, second)()
        except Exception as e:  # noqa: BLE001
            outcomes["second"] = e
        finally:
            connections.close_all()

    threads = [threading.Thread(target=slow_first), threading.Thread(target=second_click)]
    for t in threads:
        t.start()
    try:
        assert first_done.wait(30)
        blocked = False
        for _ in range(300):  # poll until the second session waits on a lock (not a timing assertion)
            with connection.cursor() as cursor:
                cursor.execute(
                    "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                    "AND wait_event_type = 'Lock' AND query ILIKE 'UPDATE%%programmes_application%%'"
                )
                blocked = cursor.fetchone()[0] == 1
            if blocked or "second" in outcomes:
                break
            time.sleep(0.05)
        assert blocked, f"the second approval did not wait on the row lock: {outcomes}"
    finally:
        release.set()
        for t in threads:
            t.join(30)
    assert isinstance(outcomes["first"], Award), outcomes
    assert isinstance(outcomes["second"], services.TransitionConflict), outcomes
    assert "当前状态为“已立项/认定”" in outcomes["second"].messages[0]
    assert Transition.objects.filter(application_id=pk, to_status=S.APPROVED).count() == 1
    assert Award.objects.filter(application_id=pk).count() == 1


@on_postgresql
@pytest.mark.django_db(transaction=True)
def test_two_simultaneous_decisions_on_a_claim_yield_one_award(two_staff, incentive, org_x):
    first, second = two_staff
    claim = new_application(first, incentive, org_x, S.CHECKED)

    def decide(user, amount):
        application = Application.objects.get(pk=claim.pk)
        return lambda: services.claim_decide(by=user, application=application, amount=amount, reason="核减")

    outcomes = _in_threads(decide(first, Decimal("10000")), decide(second, Decimal("20000")))

    won, lost = _split(outcomes)
    assert len(won) == 1 and isinstance(lost[0], services.TransitionConflict), outcomes
    assert "当前状态为“已核定金额”" in lost[0].messages[0]
    award = Award.objects.get(application_id=claim.pk)
    assert Application.objects.get(pk=claim.pk).decided_amount == award.amount == won[0].amount


@on_postgresql
@pytest.mark.django_db(transaction=True)
def test_two_simultaneous_payments_never_exceed_the_decided_amount(two_staff, incentive, org_x, clock):
    """Decided 50,000 元; two people each pay 30,000 at once: the award row lock (select_for_update)
    makes the second see the first's 30,000, and 30,000 + 30,000 > 50,000 is refused."""
    first, second = two_staff
    clock.set(dt.date(2026, 4, 28))  # the claim is checked and decided on the story's day (test_workflow)
    claim = new_application(first, incentive, org_x, S.DECIDED)
    clock.reset()  # the payments run in their own threads, on the real clock
    payment_notice(first, [claim])
    award_pk = claim.award.pk

    def pay(user, voucher_no):
        award = Award.objects.get(pk=award_pk)
        data = {"amount": Decimal("30000"), "source": "county", "fiscal_year": 2026, "paid_on": AFTER_NOTICE,
                "voucher_no": voucher_no}  # fmt: skip
        return lambda: services.disbursement_create(by=user, award=award, data=data, today=AFTER_NOTICE)

    outcomes = _in_threads(pay(first, "记-1"), pay(second, "记-2"))

    won, lost = _split(outcomes)
    assert len(won) == 1, outcomes
    assert "累计拨付 60000.00 元将超过核定金额 50000.00 元（已拨付 30000.00 元）" in lost[0].messages[0]
    assert Disbursement.objects.filter(award_id=award_pk).count() == 1


# --- SQLite (and PostgreSQL): the same race, one after the other ---------------------------------------------------


def test_sequential_second_approval_gets_the_conflict(two_staff, hte, org_x):
    first, second = two_staff
    application = new_application(first, hte, org_x, S.RECOMMENDED)
    mine = Application.objects.get(pk=application.pk)
    theirs = Application.objects.get(pk=application.pk)  # both opened the page while it was 已推荐

    award = services.application_approve(by=first, application=mine, data=approve_data(mine))
    with pytest.raises(services.TransitionConflict) as e:
        services.application_approve(by=second, application=theirs, data=approve_data(theirs))

    assert e.value.messages == ["该申报已由他人处理，当前状态为“已立项/认定”，您的“录入上级批准”操作未执行。"]
    assert Transition.objects.filter(application=application, to_status=S.APPROVED).count() == 1
    assert list(Award.objects.filter(application=application)) == [award]
    assert award.valid_until == dt.date(2029, 6, 29)  # decided 30 June 2026 + 3 years − 1 day


def test_sequential_second_transition_gets_the_conflict(two_staff, hte, org_x):
    first, second = two_staff
    application = new_application(first, hte, org_x, S.RECOMMENDED)
    theirs = Application.objects.get(pk=application.pk)
    services.application_transition(application=application, to=S.NOT_APPROVED, by=first)
    with pytest.raises(services.TransitionConflict, match="当前状态为“未获批”"):
        services.application_approve(by=second, application=theirs, data=approve_data(theirs))
    assert not Award.objects.filter(application=application).exists()
    assert Transition.objects.filter(application=application, from_status=S.RECOMMENDED).count() == 1
