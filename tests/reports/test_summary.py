"""The summary's services and rendering: default prose, placeholders, freezing, comparing, query budget."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from kechuang.core.models import AuditEvent
from kechuang.programmes import services
from kechuang.programmes.models import Status
from kechuang.reports import summary as s
from kechuang.reports.figures import REGISTRY, Period
from tests.factories import OrganisationFactory
from tests.programmes.fixtures import at, make_call

YEAR_2026 = Period.year_of(2026)
PAID_ON = dt.date(2026, 5, 20)


def high_tech_2025(staff, hte, organisation, n):
    call = hte.calls.filter(year=2025).first() or make_call(staff, hte, year=2025)
    app = services.application_create(by=staff, data={"call": call, "organisation": organisation})
    for step in (Status.SUBMITTED, Status.RECOMMENDED):
        services.application_transition(application=app, to=step, by=staff)
    services.application_approve(
        by=staff,
        application=app,
        data={"decided_on": dt.date(2025, 12, 1), "certificate_no": f"GR2025{n:06d}"},
    )


def paid_claims(staff, county, hte, incentive, count, start=0):
    """`count` enterprises, each a 2025 high-tech enterprise whose 2026 claim of 20万元 was paid on 20 May."""
    call = incentive.calls.filter(year=2026).first() or make_call(staff, incentive)
    claims = []
    for i in range(start, start + count):
        organisation = OrganisationFactory(region=county, name=f"开化县汇总测试{i:03d}有限公司")
        high_tech_2025(staff, hte, organisation, i)
        claim = services.application_create(by=staff, data={"call": call, "organisation": organisation})
        with at(
            dt.date(2026, 4, 28)
        ):  # the services' clock: checked, decided, published and paid on those days
            for step in (Status.SUBMITTED, Status.CHECKED):
                services.application_transition(application=claim, to=step, by=staff)
            services.claim_decide(by=staff, application=claim)
        claims.append(claim)
    with at(dt.date(2026, 5, 6)):
        services.notice_publish(
            by=staff,
            data={"county": county, "title": "兑现公示", "purpose": "payment", "published_on": dt.date(2026, 5, 6),
                  "working_days": 5},
            applications=claims,
        )  # fmt: skip
    for claim in claims:
        claim.refresh_from_db()
        with at(PAID_ON):
            services.disbursement_create(
                by=staff, award=claim.award,
                data={"amount": claim.award.amount, "source": "county", "fiscal_year": 2026, "paid_on": PAID_ON,
                      "voucher_no": f"记-2026-05-{claim.pk:03d}"},
            )  # fmt: skip
    return claims


def test_default_prose_covers_eight_sections_and_names_only_registered_figures():
    sections = s.default_sections(Period.year_of(2026))
    # the seed's shape: an opening, the eight sections, then the two parts staff write (empty)
    assert list(sections) == ["opening", *(str(n) for n in range(1, 9)), "problems", "next"]
    assert sections["opening"].startswith("2026年，") and "{" not in sections["opening"]
    assert sections["problems"] == sections["next"] == ""
    # each stream's default prose comes from its own app (programmes/sections.py, rnd/sections.py)
    assert sections["1"] == s.PROSE[1] and sections["4"] == s.PROSE[4]
    for number in ("5", "7", "8"):  # streams not built yet: said plainly, nothing invented
        assert sections[number] == s.NO_DATA
    for number in ("1", "2", "3", "4", "6"):
        keys = s.PLACEHOLDER.findall(sections[number])
        assert keys and all(k in REGISTRY for k in keys)


def test_create_render_and_the_eight_headings(staff_a, county_a, hte, incentive):
    paid_claims(staff_a, county_a, hte, incentive, 2)
    summary = s.summary_create(by=staff_a, county=county_a, period=YEAR_2026)
    assert summary.title == "开化县经信科技局2026年科技工作总结"
    rendered = s.render(summary)
    assert [sec.heading for sec in rendered.sections] == [
        "（一）政策激励工作", "（二）创新主体培育工作", "（三）科技计划项目工作", "（四）R&D 经费投入工作",
        "（五）科技特派员工作", "（六）招才引智工作", "（七）产学研合作工作", "（八）科技宣传教育工作",
    ]  # fmt: skip
    text = rendered.sections[0].paragraphs[1].plain
    # 2 enterprises × 20万元, paid in 2026
    assert text == (
        "二是抓好政策兑现。针对2025年度《开化县关于加快科技创新的若干政策意见》申报的2家企业的2个奖励项目"
        "（其中高新技术企业2家），兑现政策激励资金40万元。"
    )
    assert rendered.figures["policy.money_paid"].evidence_count == 2
    assert not rendered.sections[4].has_data and rendered.sections[0].has_data


def test_only_the_countys_staff_write_summaries(staff_b, leader_a, county_a, staff_a, township_a):
    for user in (staff_b, leader_a):
        with pytest.raises(PermissionDenied):
            s.summary_create(by=user, county=county_a, period=YEAR_2026)
    s.summary_create(by=staff_a, county=county_a, period=YEAR_2026)
    with pytest.raises(ValidationError, match="已存在"):
        s.summary_create(by=staff_a, county=county_a, period=YEAR_2026)
    with pytest.raises(ValidationError, match="按县"):
        s.summary_create(by=staff_a, county=township_a, period=YEAR_2026)


def test_editing_keeps_known_placeholders_and_refuses_unknown_ones(staff_a, county_a):
    summary = s.summary_create(by=staff_a, county=county_a, period=YEAR_2026)
    sections = dict(summary.sections)
    sections["1"] = "全年{policy.money_paid}，惠及{policy.claims_enterprises}。"
    s.summary_update(by=staff_a, summary=summary, title="", sections=sections)
    assert summary.sections["1"] == "全年{policy.money_paid}，惠及{policy.claims_enterprises}。"
    sections["2"] = "{policy.nope}"
    with pytest.raises(ValidationError) as e:
        s.summary_update(by=staff_a, summary=summary, title="", sections=sections)
    assert "policy.nope" in str(e.value.message_dict["section_2"])
    assert AuditEvent.objects.filter(action="update", object_type="reports.summary").count() == 1


def test_freezing_keeps_values_when_records_change_and_compare_shows_what_changed(
    staff_a, county_a, hte, incentive
):
    paid_claims(staff_a, county_a, hte, incentive, 2)
    summary = s.summary_create(by=staff_a, county=county_a, period=YEAR_2026)
    s.summary_freeze(by=staff_a, summary=summary)
    frozen = summary.snapshot["policy.money_paid"]
    assert frozen["value"] == 400000 and len(frozen["evidence"]["ids"]) == 2
    assert AuditEvent.objects.filter(action="freeze", object_id=str(summary.pk)).exists()

    paid_claims(staff_a, county_a, hte, incentive, 1, start=10)  # a third payment after freezing
    summary.refresh_from_db()
    rendered = s.render(summary)
    assert rendered.figures["policy.money_paid"].text == "兑现奖励资金40万元"
    assert s.evidence_queryset(summary, "policy.money_paid").count() == 2  # the frozen ids, not today's
    changes = {c.key: c for c in s.compare(summary)}
    assert changes["policy.money_paid"].frozen == "兑现奖励资金40万元"
    assert changes["policy.money_paid"].live == "兑现奖励资金60万元"
    assert "policy.documents" not in changes  # unchanged figures are not listed

    with pytest.raises(ValidationError, match="已定稿"):
        s.summary_update(by=staff_a, summary=summary, title="", sections=summary.sections)
    with pytest.raises(ValidationError, match="已定稿"):
        s.summary_freeze(by=staff_a, summary=summary)


@pytest.mark.parametrize("count", [1, 6])
def test_rendering_takes_a_fixed_number_of_queries(
    staff_a, county_a, hte, incentive, count, django_assert_max_num_queries
):
    paid_claims(staff_a, county_a, hte, incentive, count)
    summary = s.summary_create(by=staff_a, county=county_a, period=YEAR_2026)
    # The figures' fixed cost: a value query or two and an evidence count per figure; 1 or 6 alike.
    with django_assert_max_num_queries(2 * len(REGISTRY) + 4):
        s.render(summary)


def test_quarter_and_year_to_date_use_the_same_machinery(staff_a, county_a, hte, incentive):
    paid_claims(staff_a, county_a, hte, incentive, 1)  # paid 20 May
    q1 = s.summary_create(by=staff_a, county=county_a, period=Period.parse("2026-Q1"))
    ytd = s.summary_create(by=staff_a, county=county_a, period=Period.parse("2026-01..2026-09"))
    assert q1.title == "开化县经信科技局2026年1-3月科技工作总结"
    assert s.render(q1).figures["policy.money_paid"].value == 0
    assert s.render(ytd).figures["policy.money_paid"].value == Decimal("200000")
