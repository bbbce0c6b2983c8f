"""Statistical returns (统计报送) through the services: due dates in China's working days (statutory holidays
off, the weekend days declared make-up workdays on), who owes each round by the return type's rule, and who
may record a filing.

The 2025 calendar used below (国办发明电〔2024〕12号), as the `holidays` package has it:
- Spring Festival: 28 Jan (除夕) – 4 Feb off; Sunday 26 Jan and Saturday 8 Feb are make-up workdays.
- National Day + Mid-Autumn: 1 – 8 Oct off; Sunday 28 Sep and Saturday 11 Oct are make-up workdays."""

from __future__ import annotations

import datetime as dt

import holidays
import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from kechuang.core import services as core_services
from kechuang.core.models import AuditEvent
from kechuang.programmes import services as programme_services
from kechuang.rnd import selectors_returns, services
from kechuang.rnd.models import Frequency, ReturnFiling, ReturnRound, ReturnType
from tests.factories import OrganisationFactory
from tests.programmes.test_expiry import approve

D = dt.date
S = ReturnFiling.Status
R = ReturnType.Obligation


def return_type(staff, county, *, name="高企统计季报", frequency=Frequency.QUARTER, obligation=R.HIGH_TECH,
                due_workdays=10, listed=None, **extra) -> ReturnType:  # fmt: skip
    data = {"county": county, "name": name, "frequency": frequency, "obligation": obligation,
            "due_workdays": due_workdays, "issuer": "省科技厅", **extra}  # fmt: skip
    return services.return_type_save(by=staff, data=data, listed=listed)


def high_tech(staff, programme, organisation, certificate_date: dt.date):
    """A 高新技术企业 certificate: valid three years from its date (programmes' rule)."""
    return approve(
        staff, programme, organisation, decided_on=certificate_date, certificate_no=f"GR{organisation.pk:06d}"
    )


def filers(rnd: ReturnRound) -> list[str]:
    return sorted(f.filer_name for f in rnd.filings.select_related("organisation"))


# --- due dates ----------------------------------------------------------------------------------------------


def test_the_calendar_has_the_2025_make_up_workdays():
    """The hand computations below rely on these facts of the State Council's 2025 schedule."""
    china = holidays.China(years=2025)
    assert {D(2025, 1, 26), D(2025, 2, 8), D(2025, 9, 28), D(2025, 10, 11)} <= set(china.weekend_workdays)
    assert all(D(2025, 10, d) in china for d in (1, 2, 3, 6, 7, 8))  # 4–5 Oct are the weekend
    assert all(D(2025, 1, d) in china for d in (28, 29, 30, 31)) and D(2025, 2, 3) in china


def test_a_quarterly_return_due_10_working_days_after_q3_crosses_national_day(staff_a, county_a):
    # Q3 2025 ends Tuesday 30 Sep. 1–8 Oct are the holiday (4–5 Oct its weekend). Counting from 9 Oct:
    #   Thu 9 (1), Fri 10 (2), Sat 11 — make-up workday — (3), Mon 13 (4), Tue 14 (5), Wed 15 (6),
    #   Thu 16 (7), Fri 17 (8), Mon 20 (9), Tue 21 (10)  →  Tuesday 21 October 2025.
    # Without the make-up Saturday it would be 22 October; counting calendar weekdays only, 14 October.
    rt = return_type(staff_a, county_a, due_workdays=10)
    assert services.due_date(rt, 2025, 3) == D(2025, 10, 21)
    rnd = services.return_round_open(by=staff_a, return_type=rt, year=2025, number=3)
    rnd.refresh_from_db()
    assert (rnd.period_end, rnd.due_on) == (D(2025, 9, 30), D(2025, 10, 21))
    assert rnd.period_label == "2025年第3季度"


def test_a_monthly_return_can_fall_due_on_the_make_up_sunday(staff_a, county_a):
    # August 2025 ends Sunday 31 Aug. September's weekdays: 1–5 (1–5), 8–12 (6–10), 15–19 (11–15),
    # 22–26 (16–20); then Sunday 28 Sep is a make-up workday (21). So the 21st working day is a Sunday.
    rt = return_type(staff_a, county_a, name="规上企业研发月报", frequency=Frequency.MONTH, due_workdays=21,
                     obligation=R.BUREAU)  # fmt: skip
    rnd = services.return_round_open(by=staff_a, return_type=rt, year=2025, number=8)
    assert rnd.due_on == D(2025, 9, 28)
    assert rnd.due_on.weekday() == 6


@pytest.mark.parametrize(
    ("workdays", "due_on"),
    [
        # 2024 ends Tuesday 31 Dec; 1 Jan is New Year's Day. Jan 2, 3 (1, 2); 6–10 (3–7); 13–17 (8–12);
        # 20–24 (13–17); Sunday 26 Jan, make-up workday (18); Mon 27 (19); 28 Jan – 4 Feb off;
        # Wed 5 Feb (20), Thu 6 (21), Fri 7 (22), Saturday 8 Feb, make-up workday (23), Mon 10 (24).
        (17, D(2025, 1, 24)),
        (18, D(2025, 1, 26)),
        (19, D(2025, 1, 27)),
        (20, D(2025, 2, 5)),
        (23, D(2025, 2, 8)),
        (24, D(2025, 2, 10)),
    ],
)
def test_an_annual_return_of_2024_across_the_spring_festival(staff_a, county_a, workdays, due_on):
    rt = return_type(staff_a, county_a, name="火炬统计年报", frequency=Frequency.YEAR, due_workdays=workdays,
                     obligation=R.BUREAU)  # fmt: skip
    rnd = services.return_round_open(by=staff_a, return_type=rt, year=2024, number=0)
    assert (rnd.period_end, rnd.due_on) == (D(2024, 12, 31), due_on)


def test_an_override_due_date_is_kept(staff_a, county_a):
    rt = return_type(
        staff_a, county_a, name="财政科技支出调查", frequency=Frequency.YEAR, obligation=R.BUREAU
    )
    rnd = services.return_round_open(by=staff_a, return_type=rt, year=2024, due_on=D(2025, 3, 31))
    assert rnd.due_on == D(2025, 3, 31)


# --- who owes a round ---------------------------------------------------------------------------------------


@pytest.fixture
def hte_b(staff_b, county_b):
    return programme_services.programme_save(
        by=staff_b, data={"county": county_b, "issuer": "浙江省科学技术厅", "name": "国家高新技术企业认定",
                          "level": "national", "kind": "qualification", "award_form": "qualification",
                          "category": "高新技术企业", "validity_years": 3},
    )  # fmt: skip


def test_the_high_tech_rule_lists_enterprises_whose_certificate_covers_the_period(
    staff_a, staff_b, county_a, county_b, org_x, org_y, hte, hte_b
):
    lapsed = OrganisationFactory(name="开化县过期高企有限公司", region=county_a)
    lapsed_in_q1 = OrganisationFactory(name="开化县一季度到期有限公司", region=county_a)
    newcomer = OrganisationFactory(name="开化县新认定高企有限公司", region=county_a)
    never = OrganisationFactory(name="开化县普通企业有限公司", region=county_a)
    high_tech(staff_a, hte, org_x, D(2023, 12, 8))  # valid to 2026-12-07
    high_tech(staff_a, hte, lapsed, D(2021, 11, 1))  # valid to 2024-10-31
    high_tech(staff_a, hte, lapsed_in_q1, D(2022, 4, 1))  # valid to 2025-03-31
    high_tech(staff_a, hte, newcomer, D(2025, 11, 20))  # from 2025-11-20
    high_tech(staff_b, hte_b, org_y, D(2024, 12, 1))  # valid, but in 常山县
    assert never.awards.count() == 0

    quarterly = return_type(staff_a, county_a)
    q3 = services.return_round_open(by=staff_a, return_type=quarterly, year=2025, number=3)
    assert filers(q3) == [org_x.name]
    q1 = services.return_round_open(by=staff_a, return_type=quarterly, year=2025, number=1)
    assert filers(q1) == sorted([org_x.name, lapsed_in_q1.name])

    annual = return_type(staff_a, county_a, name="高企统计年报", frequency=Frequency.YEAR, due_workdays=60)
    year = services.return_round_open(by=staff_a, return_type=annual, year=2025)
    assert filers(year) == sorted([org_x.name, lapsed_in_q1.name, newcomer.name])
    assert all(f.status == S.PENDING and f.county_id == county_a.pk for f in year.filings.all())

    # 常山县's own round lists its own enterprise only
    rt_b = return_type(staff_b, county_b)
    assert filers(services.return_round_open(by=staff_b, return_type=rt_b, year=2025, number=3)) == [
        org_y.name
    ]


def test_the_tech_sme_rule_uses_the_registrations_of_the_year(staff_a, county_a, org_x, sme):
    other = OrganisationFactory(name="开化县去年入库有限公司", region=county_a)
    approve(staff_a, sme, org_x, decided_on=D(2025, 5, 20), registration_no="20253308240A000123")
    approve(staff_a, sme, other, decided_on=D(2024, 5, 20), registration_no="20243308240A000077")
    rt = return_type(
        staff_a, county_a, name="省科技型企业年报", frequency=Frequency.YEAR, obligation=R.TECH_SME
    )
    assert filers(services.return_round_open(by=staff_a, return_type=rt, year=2025)) == [org_x.name]


def test_the_above_scale_rule_reads_the_year_of_the_organisation(staff_a, county_a, org_x, org_y):
    last_year_only = OrganisationFactory(name="开化县去年规上有限公司", region=county_a)
    dropped = OrganisationFactory(name="开化县退规企业有限公司", region=county_a)
    for org, year, above in [(org_x, 2025, True), (last_year_only, 2024, True), (dropped, 2025, False),
                             (org_y, 2025, True)]:  # fmt: skip
        core_services.organisation_year_set(organisation=org, year=year, is_above_scale=above, by=None)
    rt = return_type(staff_a, county_a, name="规上工业企业研发活动年报", frequency=Frequency.YEAR,
                     obligation=R.ABOVE_SCALE)  # fmt: skip
    assert filers(services.return_round_open(by=staff_a, return_type=rt, year=2025)) == [org_x.name]
    assert filers(services.return_round_open(by=staff_a, return_type=rt, year=2024)) == [last_year_only.name]


def test_the_bureau_rule_creates_the_bureaus_own_filing(staff_a, county_a, org_x):
    rt = return_type(
        staff_a, county_a, name="财政科技支出调查", frequency=Frequency.YEAR, obligation=R.BUREAU
    )
    rnd = services.return_round_open(by=staff_a, return_type=rt, year=2024)
    (filing,) = rnd.filings.all()
    assert filing.organisation is None and filing.filer_name == "本局" and filing.status == S.PENDING


def test_the_listed_rule_takes_the_chosen_organisations_of_the_county(
    staff_a, county_a, org_x, org_y, department_a
):
    OrganisationFactory(name="开化县未选单位有限公司", region=county_a)
    with pytest.raises(ValidationError, match="指定单位须在本县：常山县乙材料有限公司"):
        return_type(staff_a, county_a, name="科普统计", frequency=Frequency.YEAR, obligation=R.LISTED,
                    listed=[department_a, org_x, org_y])  # fmt: skip
    rt = return_type(staff_a, county_a, name="科普统计", frequency=Frequency.YEAR, obligation=R.LISTED,
                     listed=[department_a, org_x])  # fmt: skip
    rnd = services.return_round_open(by=staff_a, return_type=rt, year=2025)
    assert filers(rnd) == sorted([department_a.name, org_x.name])
    # the list change is audited
    services.return_type_save(by=staff_a, data={}, listed=[department_a], instance=rt)
    assert AuditEvent.objects.filter(
        object_type="rnd.returntype", object_id=str(rt.pk), action="update"
    ).exists()


def test_a_round_opens_once_and_only_with_a_period_number_that_fits(staff_a, staff_b, county_a):
    rt = return_type(staff_a, county_a, obligation=R.BUREAU)
    services.return_round_open(by=staff_a, return_type=rt, year=2025, number=3)
    with pytest.raises(ValidationError, match="已经开启"):
        services.return_round_open(by=staff_a, return_type=rt, year=2025, number=3)
    with pytest.raises(ValidationError) as e:
        services.return_round_open(by=staff_a, return_type=rt, year=2025, number=5)
    assert "number" in e.value.message_dict
    with pytest.raises(PermissionDenied):
        services.return_round_open(by=staff_b, return_type=rt, year=2025, number=4)
    assert ReturnRound.objects.filter(return_type=rt).count() == 1
    assert ReturnFiling.objects.filter(round__return_type=rt).count() == 1


# --- who may record a filing --------------------------------------------------------------------------------


@pytest.fixture
def listed_round(staff_a, county_a, org_x):
    other = OrganisationFactory(name="开化县丙机械有限公司", region=county_a)
    rt = return_type(staff_a, county_a, name="科普统计", frequency=Frequency.YEAR, obligation=R.LISTED,
                     listed=[org_x, other])  # fmt: skip
    return services.return_round_open(by=staff_a, return_type=rt, year=2025)


def test_an_enterprise_marks_its_own_filing_submitted_but_may_not_exempt_it(
    enterprise_x, org_x, listed_round
):
    own = listed_round.filings.get(organisation=org_x)
    today = selectors_returns.today()
    services.filing_update(by=enterprise_x, filing=own, status=S.SUBMITTED)  # dated today by the server
    own.refresh_from_db()
    assert (own.status, own.submitted_on, own.updated_by) == (S.SUBMITTED, today, enterprise_x)
    assert AuditEvent.objects.filter(
        object_type="rnd.returnfiling", object_id=str(own.pk), action="update"
    ).exists()

    with pytest.raises(PermissionDenied):
        services.filing_update(by=enterprise_x, filing=own, status=S.EXEMPT, note="本年无科普活动")
    own.refresh_from_db()
    assert own.status == S.SUBMITTED
    denied = AuditEvent.objects.get(action="permission_denied", object_id=str(own.pk))
    assert (denied.user, denied.result, denied.detail) == (
        enterprise_x,
        AuditEvent.Result.DENIED,
        "filing.update",
    )


def test_an_enterprise_may_not_record_another_organisations_filing(enterprise_x, org_x, listed_round):
    other = listed_round.filings.exclude(organisation=org_x).get()
    with pytest.raises(PermissionDenied):
        services.filing_update(by=enterprise_x, filing=other, status=S.SUBMITTED, submitted_on=D(2026, 1, 15))
    other.refresh_from_db()
    assert other.status == S.PENDING
    assert AuditEvent.objects.filter(
        action="permission_denied", object_type="rnd.returnfiling", object_id=str(other.pk), user=enterprise_x
    ).exists()


def test_staff_exempt_a_filing_and_mark_others_submitted_in_bulk(staff_a, staff_b, listed_round):
    first, second = listed_round.filings.order_by("pk")
    services.filing_update(by=staff_a, filing=first, status=S.EXEMPT, note="已注销")
    first.refresh_from_db()
    assert (first.status, first.submitted_on, first.note) == (S.EXEMPT, None, "已注销")

    with pytest.raises(PermissionDenied):
        services.filings_mark_submitted(by=staff_b, filings=[second], submitted_on=D(2026, 1, 20))
    done = services.filings_mark_submitted(by=staff_a, filings=[first, second], submitted_on=D(2026, 1, 20))
    assert done == 2
    assert set(listed_round.filings.values_list("status", "submitted_on")) == {(S.SUBMITTED, D(2026, 1, 20))}
    # back to pending clears the date
    services.filing_update(by=staff_a, filing=second, status=S.PENDING)
    second.refresh_from_db()
    assert (second.status, second.submitted_on) == (S.PENDING, None)


def test_a_retired_return_type_opens_no_new_round(staff_a, county_a):
    rt = return_type(staff_a, county_a, obligation=R.BUREAU, is_active=False)
    with pytest.raises(ValidationError, match="已停用"):
        services.return_round_open(by=staff_a, return_type=rt, year=2025, number=3)
    assert not rt.rounds.exists()


def test_staff_cannot_move_another_countys_return_type_into_their_own(staff_a, staff_b, county_a, county_b):
    rt = return_type(staff_a, county_a, obligation=R.BUREAU)
    with pytest.raises(PermissionDenied):
        services.return_type_save(by=staff_b, data={"county": county_b}, instance=rt)
    rt.refresh_from_db()
    assert rt.county_id == county_a.pk
