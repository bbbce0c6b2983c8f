"""Validity of qualifications and registrations, and the "expiring within 6 months" list.

The rule for a qualification valid N years: it covers N full years starting on (and including) the
certificate date, so it ends the day before the N-th anniversary. A certificate of 29 February has no
anniversary in a common year: its N years run to the end of 28 February (the anniversary being taken as
1 March, as 民法典 第二百零二条 puts the end of a period without a corresponding day on the last day of
that month). Ending it on 27 February instead — "the anniversary clipped to 28 February, minus a day",
which plain relativedelta arithmetic gives — would make a leap-day certificate the only one a day short
of its three years (1,095 days instead of 1,096)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError

from kechuang.programmes import selectors, services
from kechuang.programmes.models import Award, Status
from tests.factories import OrganisationFactory

from .fixtures import make_call
from .test_workflow import new_application

S = Status


def approve(staff, programme, organisation, **data) -> Award:
    call = programme.calls.first() or make_call(staff, programme)
    application = new_application(staff, programme, organisation, S.RECOMMENDED, call=call)
    return services.application_approve(by=staff, application=application, data=data)


@pytest.mark.parametrize(
    ("certificate_date", "valid_until"),
    [
        (dt.date(2023, 12, 8), dt.date(2026, 12, 7)),  # the day before the third anniversary
        (dt.date(2024, 2, 29), dt.date(2027, 2, 28)),  # leap day: to the end of February (see above)
        (dt.date(2024, 2, 28), dt.date(2027, 2, 27)),
        (dt.date(2024, 3, 1), dt.date(2027, 2, 28)),  # 2027 is a common year: 28 Feb is 1 March's eve
        (dt.date(2025, 3, 1), dt.date(2028, 2, 29)),  # …and 2028 a leap year
        (dt.date(2024, 1, 1), dt.date(2026, 12, 31)),
    ],
)
def test_a_high_tech_certificate_is_valid_three_years(staff_a, hte, org_x, certificate_date, valid_until):
    award = approve(staff_a, hte, org_x, decided_on=certificate_date, certificate_no="GR202333001234")
    assert (award.valid_from, award.valid_until) == (certificate_date, valid_until)
    award.refresh_from_db()
    assert award.valid_until == valid_until


def test_validity_runs_from_the_certificate_date_not_the_approval(staff_a, hte, org_x):
    # the province's approval list came out on 20 December, the certificate is dated 8 December
    award = approve(
        staff_a, hte, org_x, decided_on=dt.date(2023, 12, 20), valid_from=dt.date(2023, 12, 8),
        certificate_no="GR202333001234",
    )  # fmt: skip
    assert award.valid_until == dt.date(2026, 12, 7)

    services.award_update(by=staff_a, award=award, data={"valid_from": dt.date(2023, 12, 12)})  # a typo fixed
    award.refresh_from_db()
    assert award.valid_until == dt.date(2026, 12, 11)


@pytest.mark.parametrize(
    ("registered_on", "valid_until"),
    [
        (dt.date(2025, 5, 20), dt.date(2025, 12, 31)),
        (dt.date(2024, 12, 31), dt.date(2024, 12, 31)),
        (dt.date(2024, 1, 1), dt.date(2024, 12, 31)),
    ],
)
def test_a_registration_is_valid_until_the_end_of_its_year(staff_a, sme, org_x, registered_on, valid_until):
    award = approve(staff_a, sme, org_x, decided_on=registered_on, registration_no="20253308240A000123")
    assert (award.valid_from, award.valid_until) == (registered_on, valid_until)


def test_a_qualification_needs_its_certificate_number(staff_a, hte, sme, org_x):
    with pytest.raises(ValidationError) as e:
        approve(staff_a, hte, org_x, decided_on=dt.date(2025, 12, 8))
    assert e.value.message_dict["certificate_no"] == ["资质认定须填写证书编号。"]
    with pytest.raises(ValidationError) as e:
        approve(staff_a, sme, org_x, decided_on=dt.date(2025, 5, 20))
    assert e.value.message_dict["registration_no"] == ["入库登记须填写登记编号。"]
    # nothing half-done: the approvals were rolled back with the missing numbers
    assert not Award.objects.exists()
    assert set(org_x.applications.values_list("status", flat=True)) == {S.RECOMMENDED}


# --- the expiring list ------------------------------------------------------------------------------------------

TODAY = dt.date(2026, 3, 10)  # today + 6 months = 10 September 2026


@pytest.fixture
def register(staff_a, hte, sme, county_a):
    """One certificate per boundary; valid_until = certificate date + 3 years − 1 day."""

    def cert(name, certificate_date):
        org = OrganisationFactory(region=county_a, name=name)
        return approve(
            staff_a, hte, org, decided_on=certificate_date, certificate_no=f"GR{certificate_date:%Y%m%d}"
        )

    return {
        "expired_yesterday": cert("开化县过期一天有限公司", dt.date(2023, 3, 10)),  # until 9 Mar 2026
        "expires_today": cert("开化县今天到期有限公司", dt.date(2023, 3, 11)),  # until 10 Mar 2026
        "in_three_months": cert("开化县三月到期有限公司", dt.date(2023, 6, 11)),  # until 10 Jun 2026
        "last_day_of_window": cert("开化县半年到期有限公司", dt.date(2023, 9, 11)),  # until 10 Sep 2026
        "day_after_window": cert("开化县半年零一天有限公司", dt.date(2023, 9, 12)),  # until 11 Sep 2026
        "long_valid": cert("开化县新认定有限公司", dt.date(2025, 12, 8)),  # until 7 Dec 2028
        # a registration lasts its year by design and is not an "expiring qualification"
        "registration": approve(
            staff_a,
            sme,
            OrganisationFactory(region=county_a, name="开化县入库企业有限公司"),
            decided_on=dt.date(2026, 3, 1),
            registration_no="20263308240A000001",
        ),  # fmt: skip
    }


def _names(awards, register):
    keys = {a.pk: k for k, a in register.items()}
    return [keys[a.pk] for a in awards]


def test_expiring_within_six_months_around_the_boundaries(staff_a, register):
    expiring = selectors.expiring_qualifications(user=staff_a, today=TODAY)
    assert _names(expiring, register) == ["expires_today", "in_three_months", "last_day_of_window"]


def test_the_window_moves_with_today(staff_a, register):
    # a day later the certificate that expired "today" is out and the day-after one comes in
    expiring = selectors.expiring_qualifications(user=staff_a, today=TODAY + dt.timedelta(days=1))
    assert _names(expiring, register) == ["in_three_months", "last_day_of_window", "day_after_window"]
    # a shorter window
    assert _names(selectors.expiring_qualifications(user=staff_a, today=TODAY, months=3), register) == [
        "expires_today",
        "in_three_months",  # 10 June is exactly 3 months after 10 March: included
    ]


def test_window_ending_at_a_month_end(staff_a, hte, county_a):
    # today 31 August 2026 + 6 months = 28 February 2027 (no 31 February)
    org = OrganisationFactory(region=county_a)
    inside = approve(
        staff_a, hte, org, decided_on=dt.date(2024, 3, 1), certificate_no="GR1"
    )  # until 28 Feb 2027
    org2 = OrganisationFactory(region=county_a)
    outside = approve(staff_a, hte, org2, decided_on=dt.date(2024, 3, 2), certificate_no="GR2")  # until 1 Mar
    expiring = selectors.expiring_qualifications(user=staff_a, today=dt.date(2026, 8, 31))
    assert inside in expiring and outside not in expiring


def test_the_register_and_its_valid_only_filter(staff_a, register):
    everything = selectors.qualification_list(user=staff_a, today=TODAY)
    assert len(everything) == 7
    valid = selectors.qualification_list(user=staff_a, today=TODAY, valid_only=True)
    assert "expired_yesterday" not in _names(valid, register)
    assert "expires_today" in _names(valid, register)


def test_expiring_list_is_scoped_to_the_user(staff_b, leader_a, city_user, register, hte, staff_a):
    assert not selectors.expiring_qualifications(user=staff_b, today=TODAY).exists()
    assert selectors.expiring_qualifications(user=leader_a, today=TODAY).count() == 3
    assert selectors.expiring_qualifications(user=city_user, today=TODAY).count() == 3


def test_an_enterprise_sees_only_its_own_expiring_certificate(register, org_x, staff_a, hte):
    from kechuang.core.models import Role
    from tests.conftest import make_user

    own = register["expires_today"]
    user = make_user("ent_today", role=Role.ENTERPRISE, organisation=own.organisation)
    assert list(selectors.expiring_qualifications(user=user, today=TODAY)) == [own]


def test_an_absurd_certificate_date_is_refused_not_a_crash(staff_a, hte, org_x):
    with pytest.raises(ValidationError) as e:
        approve(staff_a, hte, org_x, decided_on=dt.date(9999, 1, 1), certificate_no="GR1")
    assert "1949–2100" in str(e.value)
    assert not Award.objects.exists()
