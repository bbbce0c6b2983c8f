"""The R&D demo data: planned purely from the seed and a date, with real rankings (the demo county mid-table
in the province, fourth or so in its city, a tie somewhere), written through the registers and services once.

The plan is checked at full scale without a database (about a second); the build at scale 0.1, as
tests/core/test_demo.py and tests/programmes/test_demo.py do."""

import datetime as dt
from collections import Counter, defaultdict
from decimal import Decimal

import pytest
from django.db.models import Sum
from django.utils import timezone

from kechuang.core import permissions
from kechuang.core.demo import CHANGSHAN, KAIHUA, QUZHOU, build_demo, demo_specs
from kechuang.core.models import AuditEvent, Organisation, OrganisationYear, User
from kechuang.core.reference import DATA
from kechuang.rnd import indicators, selectors_returns
from kechuang.rnd.deduction import deduction_for, other_limit
from kechuang.rnd.demo import (
    FLAG,
    PROFILES,
    TIE,
    build_rnd_demo,
    filing_outcomes,
    rnd_demo_counts,
    rnd_plan,
)
from kechuang.rnd.models import (
    CountyEconomy,
    EnterpriseStat,
    Indicator,
    IndicatorKey,
    OfficialFigure,
    ReturnFiling,
    ReturnRound,
    ReturnType,
    RndExpense,
    RndProject,
    Target,
)

TODAY = dt.date(2026, 11, 27)
QUZHOU_COUNTIES = {"330802", "330803", "330822", "330824", "330825", "330881"}


@pytest.fixture(scope="module")
def full_plan():
    return rnd_plan(demo_specs(), today=TODAY)


# --- the plan (no database) -----------------------------------------------------------------------------------


@pytest.mark.parametrize("today", [TODAY, dt.date(2027, 1, 10), dt.date(2029, 7, 15)])
def test_plan_is_deterministic_and_in_the_past(today):
    plan = rnd_plan(demo_specs(scale=0.1), today=today)
    assert plan == rnd_plan(demo_specs(scale=0.1), today=today)
    last = today.month - 1
    assert plan.last_month == last
    # Five full years before today's year, and this year's complete months (none in January).
    assert plan.years[:5] == tuple(range(today.year - 5, today.year))
    assert plan.years[-1] == (today.year if last else today.year - 1)
    assert max((s.year, s.number * (3 if s.frequency == "quarter" else 1)) for s in plan.stats) < (
        today.year,
        today.month,
    )
    assert max((e.year, e.months) for e in plan.economy) < (today.year, today.month)
    assert max((e.year, e.month) for e in plan.expenses) < (today.year, today.month)
    assert all(p.starts_on < today.replace(day=1) for p in plan.projects)
    assert all(f.published_on < today for f in plan.officials)
    filers = [f"9133082400000{i:04d}X" for i in range(40)]
    for rnd in plan.rounds:
        assert rnd.period_end < today
        outcomes = filing_outcomes(plan, rnd, filers)
        assert outcomes == filing_outcomes(plan, rnd, list(reversed(filers)))
        statuses = Counter(status for status, _day, _note in outcomes.values())
        if rnd.current:  # the latest round of each return is partly owed
            assert statuses["pending"] > 0
        elif rnd.year < today.year - 1:  # older ones all filed or exempt
            assert statuses["pending"] == 0 and statuses["submitted"] > 35
        if rnd.due_on < today:
            assert statuses["submitted"] > statuses["pending"]
        for status, day, _note in outcomes.values():
            assert status != "submitted" or rnd.period_end < day < today
    assert all(filing_outcomes(plan, r, [""])[""][0] == "pending" for r in plan.rounds if r.override_due)


def test_full_plan_has_real_rankings(full_plan):
    plan = full_plan
    assert plan.years == (2021, 2022, 2023, 2024, 2025, 2026) and plan.last_month == 10
    counties = {c.county for c in plan.county_years}
    assert len(counties) >= 30
    assert counties >= QUZHOU_COUNTIES
    assert {p.code for p in PROFILES if p.code[:4] in ("3307", "3311")} <= counties  # 金华, 丽水 complete
    assert {c[:4] for c in counties} >= {"3301", "3302", "3303", "3307", "3308", "3311"}

    for year in range(2021, 2026):
        rows = {c.county: c for c in plan.county_years if c.year == year}
        intensity = {k: c.intensity for k, c in rows.items()}
        # Realistic for Zhejiang's counties: intensity about 1.2–3.5 %, high-tech share about 40–70 %.
        assert all(Decimal("0.0115") <= v <= Decimal("0.035") for v in intensity.values()), year
        assert all(Decimal("0.39") <= c.high_tech_share <= Decimal("0.70") for c in rows.values()), year
        # The demo county sits mid-table in the province and around fourth in its city.
        province = indicators.competition_ranks(intensity)[KAIHUA]
        assert len(rows) // 4 < province <= len(rows) * 3 // 4, (year, province)
        city = indicators.competition_ranks({k: v for k, v in intensity.items() if k in QUZHOU_COUNTIES})
        assert 3 <= city[KAIHUA] <= 5
        amounts = indicators.competition_ranks({k: c.rd for k, c in rows.items() if k in QUZHOU_COUNTIES})
        assert 3 <= amounts[KAIHUA] <= 5
        listed = {k: Decimal(c.above_scale) for k, c in rows.items() if k in QUZHOU_COUNTIES}
        assert 3 <= indicators.competition_ranks(listed)[KAIHUA] <= 5 and listed[KAIHUA] >= 70
        # An exact tie, so shared ranks show.
        assert intensity[TIE[0]] == intensity[TIE[1]]
    kaihua = [plan.county_year(KAIHUA, y).rd for y in range(2021, 2026)]
    assert all(
        Decimal("0.08") <= b / a - 1 <= Decimal("0.15") for a, b in zip(kaihua, kaihua[1:], strict=False)
    )


def test_full_plan_enterprise_statistics(full_plan):
    plan, specs = full_plan, demo_specs()
    kaihua = {o.credit_code: o for o in specs.enterprises(KAIHUA)}
    above_2025 = {c for c, o in kaihua.items() if (2025, True) in o.years}
    stats = [s for s in plan.stats if s.organisation in kaihua]
    assert {str(s.frequency) for s in stats} == {"month"}
    months = Counter((s.organisation, s.year) for s in stats)
    assert all(months[(c, 2025)] == 12 for c in above_2025) and all(months[(c, 2026)] <= 10 for c in kaihua)
    rd = defaultdict(Decimal)
    for s in stats:
        rd[s.organisation] += s.rd_expenditure
        assert s.high_tech_value_added <= s.value_added <= s.revenue and s.rd_staff <= s.employees
    assert any(v == 0 for v in rd.values()) and sum(v > 0 for v in rd.values()) > 0.7 * len(rd)
    assert any(s.high_tech_value_added > 0 for s in stats) and any(
        s.high_tech_value_added == 0 for s in stats
    )
    # Seasonal: December books more R&D than February.
    by_month = defaultdict(Decimal)
    for s in stats:
        by_month[s.number] += s.rd_expenditure
    assert by_month[12] > 2 * by_month[2]
    # The above-scale list is extended over the years: a few enter and leave.
    added = [(c, y, a) for c, y, a in plan.above_scale if c in kaihua]
    assert {y for _c, y, _a in added} == {2021, 2022, 2023, 2026}
    assert any(not a for _c, _y, a in added) and not any(y in (2024, 2025) for _c, y, _a in added)
    # Other counties: well-formed invented enterprises in real industries, no new ones in 开化 or 常山.
    industries = {line.split(",")[0] for line in (DATA / "gbt4754_2017.csv").read_text().splitlines()}
    assert {o.industry for o in plan.organisations} <= industries
    assert not {o.region[:6] for o in plan.organisations} & {KAIHUA, CHANGSHAN}
    assert len({o.credit_code for o in plan.organisations}) == len(plan.organisations)
    assert not {o.credit_code for o in plan.organisations} & {o.credit_code for o in specs.organisations}
    assert {str(s.frequency) for s in plan.stats} == {"month", "quarter"}


def test_full_plan_projects_returns_and_figures(full_plan):
    plan, specs = full_plan, demo_specs()
    own = next(a.organisation for a in specs.accounts if a.username == "kh_qiye")
    per_org = Counter(p.organisation for p in plan.projects)
    assert 25 <= len(per_org) <= 35 and set(per_org.values()) <= {1, 2, 3, 4} and per_org[own] == 4
    assert all(p.by_enterprise == (p.organisation == own) for p in plan.projects)
    assert {p.starts_on.year for p in plan.projects} <= {2023, 2024, 2025, 2026}
    industry = {o.credit_code: o.industry or "" for o in specs.organisations}
    kinds = {"13" <= industry[c][:2] <= "43" for c in per_org}
    assert kinds == {True, False}  # manufacturing and not
    # 其他相关费用 over its cap (a tenth of the whole) for some enterprise-years, the demo enterprise's included.
    years = defaultdict(lambda: [Decimal(0), Decimal(0)])
    for e in plan.expenses:
        years[(e.organisation, e.year)][0] += sum(e.amounts[:5])
        years[(e.organisation, e.year)][1] += e.amounts[5]
    over = {k for k, (five, other) in years.items() if other > other_limit(five)}
    assert (own, 2025) in over and len({c for c, _y in over}) >= 3
    assert len(over) < len(years) / 2

    assert [t.name for t in plan.return_types] == [
        "火炬统计年报", "高企统计年报", "高企统计季报", "省科技型企业年报", "财政科技支出调查", "科普统计",
    ]  # fmt: skip
    assert {t.obligation for t in plan.return_types} == {"high_tech", "tech_sme", "bureau", "listed"}
    assert all(sum(r.current for r in plan.rounds if r.return_type == t.name) == 1 for t in plan.return_types)

    # Published figures differ from what the records give; targets for every year. The statistics bureau's
    # high-tech value added of the demo county: 1-9月 and the year, each with its rank in the city.
    high_tech = [f for f in plan.officials if f.indicator == IndicatorKey.HIGH_TECH_VA]
    assert {(f.county, f.year, f.months) for f in high_tech} == {
        (KAIHUA, y, m) for y in (2024, 2025) for m in (9, 12)
    }
    for f in high_tech:
        assert 1 <= f.city_rank <= f.city_count == 6 and f.province_rank is None
        if f.months == 12:
            computed = plan.county_year(f.county, f.year).high_tech
            assert f.value != computed and abs(f.value / computed - 1) < Decimal("0.03")
    for f in (f for f in plan.officials if f.indicator != IndicatorKey.HIGH_TECH_VA):
        c = plan.county_year(f.county, f.year)
        computed = c.rd if f.indicator == IndicatorKey.RD_EXPENDITURE else c.intensity * 100
        assert f.value != computed and abs(f.value / computed - 1) < Decimal("0.06")
        assert f.source == f"《{f.year}年浙江省科技进步统计监测报告》" and f.published_on.year == f.year + 1
        assert 1 <= f.city_rank <= 6 and 1 <= f.province_rank <= 90
    assert {f.county for f in plan.officials} == QUZHOU_COUNTIES
    assert Counter(t.year for t in plan.targets) == dict.fromkeys(range(2021, 2027), 4)


# --- the build ------------------------------------------------------------------------------------------------


def test_demo_build(reference):
    summary = build_demo(scale=0.1)
    today = timezone.localdate()
    year = today.year - 1
    staff = User.objects.get(username="kh_staff")
    qiye = User.objects.get(username="kh_qiye")

    # Indicators for every county with data, ranked in the province and the city.
    with_data = set(EnterpriseStat.objects.values_list("county_id", flat=True)) | set(
        CountyEconomy.objects.values_list("county_id", flat=True)
    )
    assert len(with_data) >= 9 and with_data >= QUZHOU_COUNTIES
    full = Indicator.objects.filter(year=year, months=12)
    assert set(full.values_list("county_id", flat=True)) == with_data
    for key in (IndicatorKey.RD_EXPENDITURE, IndicatorKey.RD_INTENSITY, IndicatorKey.HIGH_TECH_SHARE):
        row = full.get(county_id=KAIHUA, key=key)
        assert row.province_rank and row.city_rank and row.city_count == 6
        assert row.province_count == len(with_data) and row.change is not None
    city = full.filter(key=IndicatorKey.RD_INTENSITY, county__parent_id=QUZHOU)
    assert set(city.values_list("county_id", flat=True)) == QUZHOU_COUNTIES
    intensity = full.get(county_id=KAIHUA, key=IndicatorKey.RD_INTENSITY)
    assert Decimal("0.012") < intensity.value < Decimal("0.035") and 3 <= intensity.city_rank <= 5
    tied = full.filter(key=IndicatorKey.RD_INTENSITY, county_id__in=TIE)
    assert len({(r.value, r.province_rank) for r in tied}) == 1
    assert Indicator.objects.filter(county_id=KAIHUA, year=today.year, months=today.month - 1).exists()

    # The published figure beside the computed one: they differ, and the difference is small.
    official = OfficialFigure.objects.get(county_id=KAIHUA, year=year, indicator=IndicatorKey.RD_INTENSITY)
    assert official.fraction != intensity.value and abs(official.fraction - intensity.value) < Decimal(
        "0.002"
    )
    assert official.province_rank and official.city_rank
    assert Target.objects.filter(county_id=KAIHUA, year=today.year).count() == 4

    # Returns: past rounds mostly filed, the current ones partly owed; the owing list is not empty.
    assert ReturnType.objects.filter(county_id=KAIHUA).count() == 6
    owing = selectors_returns.owing(user=staff, on=today)
    assert owing.exists() and {f.round.county_id for f in owing} == {KAIHUA}
    filings = ReturnFiling.objects.filter(county_id=KAIHUA)
    statuses = Counter(filings.values_list("status", flat=True))
    assert statuses["submitted"] > 4 * statuses["pending"] > 0
    late = [
        f
        for f in filings.filter(status="submitted").select_related("round")
        if f.submitted_on > f.round.due_on
    ]
    assert late and all(f.submitted_on < today for f in filings.filter(status="submitted"))
    assert ReturnRound.objects.filter(county_id=KAIHUA, due_on__gte=today).exists()  # one not yet due

    # The demo enterprise: its own projects (filed by its user), expenses and a deduction.
    org = qiye.roles.get().organisation
    projects = RndProject.objects.filter(organisation=org)
    assert projects.count() == 4
    assert AuditEvent.objects.filter(object_type="rnd.rndproject", username="kh_qiye").count() == 4
    assert RndExpense.objects.filter(project__organisation=org, year=year).exists()
    deduction = deduction_for(org, year)
    assert deduction.deduction > 0 and deduction.other_excess > 0  # the cap on 其他相关费用 shows
    assert set(
        permissions.visible(qiye, EnterpriseStat.objects.all()).values_list("organisation", flat=True)
    ) == {org.pk}
    assert RndProject.objects.values("organisation").distinct().count() >= 4

    # Written through the registers and services: every statistic, economy row and list entry audited.
    events = Counter(AuditEvent.objects.filter(action="create").values_list("object_type", flat=True))
    stats_events = AuditEvent.objects.filter(action="create", object_type="rnd.enterprisestat")
    # one event per enterprise-year, listing every period it created
    assert sum(len(e.after) for e in stats_events) == EnterpriseStat.objects.count() > 1000
    assert events["rnd.countyeconomy"] == CountyEconomy.objects.count()
    assert events["core.organisationyear"] == OrganisationYear.objects.count()
    assert events["core.organisation"] == Organisation.objects.count()
    changshan = Organisation.objects.filter(kind="enterprise", region__code__startswith=CHANGSHAN)
    assert changshan.count() == len(
        demo_specs(scale=0.1).enterprises(CHANGSHAN)
    )  # no invented ones added there
    assert summary.counts["企业统计数据（条）"] == EnterpriseStat.objects.count()
    kaihua_rd = EnterpriseStat.objects.filter(county_id=KAIHUA, year=year).aggregate(s=Sum("rd_expenditure"))[
        "s"
    ]
    assert (
        kaihua_rd == Indicator.objects.get(county_id=KAIHUA, year=year, months=12, key="rd_expenditure").value
    )

    # Loaded once: a second build (forced or not) changes nothing.
    events = AuditEvent.objects.exclude(
        object_type="core.systemflag"
    )  # a forced build re-stamps the core flag
    before = (rnd_demo_counts(), events.count(), Indicator.objects.count())
    assert build_demo(scale=0.1).already_loaded
    assert build_demo(scale=0.1, force=True).created == {}
    assert not build_rnd_demo(demo_specs(scale=0.1))
    assert (rnd_demo_counts(), events.count(), Indicator.objects.count()) == before
    assert AuditEvent.objects.filter(object_type="core.systemflag", after__key=FLAG).count() == 1
