"""The programmes engine's report figures, each on a small dataset built through the services, with the
expected value worked out by hand in the comments. County A is 开化县 (330824), county B 常山县 (330822),
both in 衢州市 (330800): county B's records must never count for county A, and count for the city."""

import datetime as dt
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from kechuang.core.models import Organisation, Region
from kechuang.programmes import figures as programme_figures
from kechuang.programmes import services
from kechuang.programmes.models import Disbursement, Milestone, PolicyDocument, Status
from kechuang.reports.figures import REGISTRY, Period, compute
from tests.factories import OrganisationFactory, PersonFactory

from .fixtures import at, make_call

D = dt.date
Y2025 = Period.year_of(2025)
Y2026 = Period.year_of(2026)
PROGRAMME_KEYS = [k for k, d in REGISTRY.items() if d.func.__module__ == programme_figures.__name__]


# --- building blocks (all through the services) --------------------------------------------------------------


def org(name, county, **extra):
    return OrganisationFactory(name=name, region=county, **extra)


def programme(staff, county, **data):
    return services.programme_save(by=staff, data={"county": county, "issuer": "浙江省科学技术厅", **data})


def qualification(staff, county, name, category, level="provincial"):
    return programme(
        staff, county, name=name, level=level, kind="qualification", award_form="qualification",
        category=category, validity_years=3,
    )  # fmt: skip


def project(staff, county, name, level, category=None):
    return programme(
        staff, county, name=name, level=level, kind="project", award_form="project", category=category or name
    )


def submit(staff, call, *, organisation=None, person=None, title=""):
    data = {"call": call, "title": title}
    if organisation is not None:
        data["organisation"] = organisation
    if person is not None:
        data["person"] = person
    app = services.application_create(by=staff, data=data)
    services.application_transition(application=app, to=Status.SUBMITTED, by=staff)
    return app


def approve(staff, app, decided_on, **data):
    """Recommend upward and record the approval (a certificate or registration number where needed)."""
    services.application_transition(application=app, to=Status.RECOMMENDED, by=staff)
    form = app.programme.award_form
    if form == "qualification":
        data.setdefault("certificate_no", f"GR{decided_on.year}{app.pk:06d}")
    if form == "registration":
        data.setdefault("registration_no", f"{decided_on.year}3308{app.pk:06d}")
    return services.application_approve(by=staff, application=app, data={"decided_on": decided_on, **data})


def award(staff, call, organisation=None, decided_on=None, **data):
    person = data.pop("person", None)
    title = data.pop("title", "")
    app = submit(staff, call, organisation=organisation, person=person, title=title)
    return approve(staff, app, decided_on, **data)


def on(day, service, **kwargs):
    """Call a service on `day` by the services' clock (a notice published, money paid that day)."""
    with at(day):
        return service(**kwargs)


def pay_claim(staff, call, organisation, *, decided_on, notice_on, payments, amount=None, reason=""):
    """A claim submitted, checked, its amount decided, published for 5 working days and paid."""
    with at(decided_on or dt.date(2026, 5, 1)):  # checked the day it is decided
        claim = submit(staff, call, organisation=organisation)
        services.application_transition(application=claim, to=Status.CHECKED, by=staff)
    money = on(
        decided_on or dt.date(2026, 5, 1), services.claim_decide,
        by=staff, application=claim, amount=amount, reason=reason, decided_on=decided_on,
    )  # fmt: skip
    if notice_on:
        on(
            notice_on, services.notice_publish,
            by=staff,
            data={"county": claim.county, "title": f"兑现公示{claim.pk}", "purpose": "payment",
                  "published_on": notice_on, "working_days": 5},
            applications=[claim],
        )  # fmt: skip
    for tranche, (paid_on, paid) in enumerate(payments, start=1):
        on(
            paid_on, services.disbursement_create,
            by=staff, award=money,
            data={"amount": Decimal(paid), "source": "county", "fiscal_year": paid_on.year, "paid_on": paid_on,
                  "voucher_no": f"记-{paid_on:%Y%m}-{claim.pk}-{tranche}", "tranche": tranche},
        )  # fmt: skip
    return claim


def matching_paid(staff, award, amount, paid_on, tranche=1):
    """County matching funds (配套资金) paid to an award, after a payment 公示 that ended a month before."""
    app = award.application
    if not app.notices.filter(purpose="payment").exists():
        on(
            paid_on - dt.timedelta(days=30), services.notice_publish,
            by=staff,
            data={"county": app.county, "title": f"配套资金公示{app.pk}", "purpose": "payment",
                  "published_on": paid_on - dt.timedelta(days=30), "working_days": 5},
            applications=[app],
        )  # fmt: skip
    return on(
        paid_on, services.disbursement_create,
        by=staff, award=award,
        data={"amount": Decimal(amount), "source": "county", "fiscal_year": paid_on.year, "paid_on": paid_on,
              "voucher_no": f"配-{award.pk}-{tranche}", "is_matching": True, "tranche": tranche},
    )  # fmt: skip


def ids(figure):
    return set(figure.evidence_ids)


@pytest.fixture
def city(reference):
    return Region.objects.get(code="330800")


@pytest.fixture
def psme(staff_a, county_a):
    return qualification(staff_a, county_a, "省科技型中小企业认定", "省科技型中小企业")


# --- Period -----------------------------------------------------------------------------------------------------


def test_period_parsing():
    assert Period.parse("2025") == Period(D(2025, 1, 1), D(2025, 12, 31))
    assert Period.parse("2025").label == "2025年" and Period.parse("2025").months_label == "全年"
    q3 = Period.parse("2025-Q3")
    assert (q3.start, q3.end, q3.label) == (D(2025, 7, 1), D(2025, 9, 30), "2025年7-9月")
    assert Period.parse("2024q1").end == D(2024, 3, 31)
    ytd = Period.parse("2025-01..2025-09")
    assert (ytd.start, ytd.end, ytd.label, ytd.months_label) == (
        D(2025, 1, 1),
        D(2025, 9, 30),
        "2025年1-9月",
        "1-9月",
    )
    assert ytd.previous_year() == Period(D(2024, 1, 1), D(2024, 9, 30))
    assert Period.parse("2024-2..2024-2").end == D(2024, 2, 29)  # leap year
    assert Period.parse("2025-03").label == "2025年3月"
    assert not ytd.is_full_year and Period.parse("2025-01..2025-12").is_full_year


@pytest.mark.parametrize(
    "text",
    [
        "",
        "abc",
        "25",
        "2025-Q5",
        "2025-09..2025-01",
        "2024-01..2025-02",
        "2025-00..2025-03",
        "2025-13",
        "0999",
    ],
)
def test_period_rejects_bad_input(text):
    with pytest.raises(ValueError, match="期间|月份|年份"):
        Period.parse(text)


# --- 1 policy incentives ---------------------------------------------------------------------------------------


def test_policy_documents(staff_a, staff_b, county_a, county_b, city, policy_a):
    # county A: policy_a 开政办发〔2025〕12号 (2025-04-01) and 开经信〔2025〕80号 (2025-09-15) in 2025; one of 2024
    # county B: one of 2025 — counted for the city only
    def doc(staff, county, title, number, issued_on):
        return services.policy_save(
            by=staff,
            data={"county": county, "title": title, "number": number, "issuing_bodies": "开化县经信科技局",
                  "issued_on": issued_on, "bureau_role": PolicyDocument.BureauRole.DRAFTED},
        )  # fmt: skip

    vouchers = doc(staff_a, county_a, "开化县科技创新券管理办法", "开经信〔2025〕80号", D(2025, 9, 15))
    doc(staff_a, county_a, "开化县科技计划项目管理办法", "开经信〔2024〕5号", D(2024, 3, 1))
    other = doc(staff_b, county_b, "常山县科技新政", "常政发〔2025〕3号", D(2025, 6, 1))

    f = compute("policy.documents", county_a, Y2025)
    first = "《开化县关于加快科技创新的若干政策意见》（开政办发〔2025〕12号）"
    second = "《开化县科技创新券管理办法》（开经信〔2025〕80号）"
    assert f.value == [first, second]
    assert f.text == f"参与制定出台了{first}、{second}等2个政策文件"
    assert ids(f) == {policy_a.pk, vouchers.pk}

    # April–June holds only policy_a
    q2 = compute("policy.documents", county_a, Period.parse("2025-Q2"))
    assert q2.value == [first] and q2.text == f"参与制定出台了{first}" and ids(q2) == {policy_a.pk}
    # the city counts both counties: 3 documents
    c = compute("policy.documents", city, Y2025)
    assert len(c.value) == 3 and ids(c) == {policy_a.pk, vouchers.pk, other.pk}
    assert c.text.endswith("等3个政策文件")
    empty = compute("policy.documents", county_a, Period.year_of(2023))
    assert (empty.value, empty.text, ids(empty)) == ([], "本期未参与制定出台政策文件", set())


@pytest.fixture
def claims(staff_a, staff_b, county_a, county_b, policy_a, hte, psme, incentive):
    """Incentive claims of county A under policy_a (200,000 per new 高新技术企业 of 2025, 50,000 per new
    省科技型中小企业 of 2025):
      P: HTE + PSME → items 2, decided 250,000, paid 200,000 on 2026-05-20 and 50,000 on 2026-07-01
      Q: HTE → item 1, decided 150,000 (overridden), paid on 2026-06-10
      R: PSME → item 1, decided 50,000, paid on 2025-12-20 (last year)
      S: HTE → item 1, decided 200,000, never published nor paid
    County B: Y: HTE → 200,000 paid on 2026-05-20 (the city counts it)."""
    services.rule_save(
        by=staff_a, policy=policy_a,
        data={"item": "认定省科技型中小企业", "article": "第四条", "achievement": psme, "achievement_year": 2025,
              "amount": Decimal("50000"), "cap": None},
    )  # fmt: skip
    p, q, r, s = (org(f"开化县{c}科技有限公司", county_a) for c in "甲乙丙丁")
    hte_call, psme_call = make_call(staff_a, hte, year=2025), make_call(staff_a, psme, year=2025)
    for o in (p, q, s):
        award(staff_a, hte_call, o, D(2025, 11, 20))
    for o in (p, r):
        award(staff_a, psme_call, o, D(2025, 6, 30))
    call = make_call(staff_a, incentive, year=2026)
    notice_2026 = D(2026, 5, 6)  # ends 2026-05-11
    claim_p = pay_claim(
        staff_a, call, p, decided_on=D(2026, 5, 1), notice_on=notice_2026,
        payments=[(D(2026, 5, 20), 200000), (D(2026, 7, 1), 50000)],
    )  # fmt: skip
    claim_q = pay_claim(
        staff_a, call, q, decided_on=D(2026, 5, 1), notice_on=notice_2026, amount=Decimal("150000"),
        reason="研发投入未达要求，按75%兑现", payments=[(D(2026, 6, 10), 150000)],
    )  # fmt: skip
    claim_r = pay_claim(
        staff_a,
        call,
        r,
        decided_on=D(2025, 12, 1),
        notice_on=D(2025, 12, 1),
        payments=[(D(2025, 12, 20), 50000)],
    )
    pay_claim(staff_a, call, s, decided_on=D(2026, 5, 1), notice_on=None, payments=[])

    # county B
    policy_b = services.policy_save(
        by=staff_b,
        data={"county": county_b, "title": "常山县科技新政", "number": "常政发〔2025〕3号",
              "issuing_bodies": "常山县人民政府", "issued_on": D(2025, 6, 1), "bureau_role": "drafted"},
    )  # fmt: skip
    hte_b = qualification(staff_b, county_b, "国家高新技术企业认定", "高新技术企业", level="national")
    services.rule_save(
        by=staff_b, policy=policy_b,
        data={"item": "首次认定高新技术企业", "achievement": hte_b, "achievement_year": 2025,
              "amount": Decimal("200000"), "cap": None},
    )  # fmt: skip
    incentive_b = programme(
        staff_b, county_b, name="常山县政策奖励", level="county", kind="incentive", award_form="money",
        category="科技创新政策奖励", policy=policy_b,
    )  # fmt: skip
    y = org("常山县乙材料有限公司", county_b)
    award(staff_b, make_call(staff_b, hte_b, year=2025), y, D(2025, 11, 20))
    claim_y = pay_claim(
        staff_b, make_call(staff_b, incentive_b, year=2026), y, decided_on=D(2026, 5, 1),
        notice_on=notice_2026, payments=[(D(2026, 5, 20), 200000)],
    )  # fmt: skip
    return {"p": p, "q": q, "r": r, "s": s, "y": y, "claim_p": claim_p, "claim_q": claim_q, "claim_r": claim_r,
            "claim_y": claim_y}  # fmt: skip


def test_policy_claims_enterprises(claims, county_a, city):
    # paid in 2026: P and Q (S decided but unpaid, R paid in 2025, Y in county B) → 2
    f = compute("policy.claims_enterprises", county_a, Y2026)
    assert (f.value, f.text) == (2, "兑现政策奖励企业2家")
    assert ids(f) == {claims["p"].pk, claims["q"].pk}
    assert f.evidence_model is Organisation
    # 2025: R only
    f = compute("policy.claims_enterprises", county_a, Y2025)
    assert (f.value, f.text, ids(f)) == (1, "兑现政策奖励企业1家", {claims["r"].pk})
    # July 2026: only P's second tranche → P
    f = compute("policy.claims_enterprises", county_a, Period.parse("2026-07"))
    assert (f.value, ids(f)) == (1, {claims["p"].pk})
    # the city adds Y → 3
    assert compute("policy.claims_enterprises", city, Y2026).value == 3
    empty = compute("policy.claims_enterprises", county_a, Period.year_of(2024))
    assert (empty.value, empty.text, ids(empty)) == (0, "本期未兑现政策奖励", set())


def test_policy_claim_items(claims, county_a, city):
    # paid in 2026: P's two items (高新技术企业, 省科技型中小企业) + Q's one (高新技术企业)
    # → 3 items: 高新技术企业 2 (national, listed first), 省科技型中小企业 1
    f = compute("policy.claim_items", county_a, Y2026)
    assert f.value == 3
    assert f.text == "兑现奖励事项共3项，其中高新技术企业2项、省科技型中小企业1项"
    expected = set(claims["claim_p"].claim_items.values_list("pk", flat=True)) | set(
        claims["claim_q"].claim_items.values_list("pk", flat=True)
    )
    assert len(expected) == 3 and ids(f) == expected
    # a claim paid in two tranches of the same period is counted once
    assert f.evidence_count == 3
    # 2025: R's one item
    f = compute("policy.claim_items", county_a, Y2025)
    assert (f.value, f.text) == (1, "兑现奖励事项共1项，其中省科技型中小企业1项")
    # the city adds Y's item → 高新技术企业 3
    assert (
        compute("policy.claim_items", city, Y2026).text
        == "兑现奖励事项共4项，其中高新技术企业3项、省科技型中小企业1项"
    )
    empty = compute("policy.claim_items", county_a, Period.year_of(2024))
    assert (empty.value, empty.text) == (0, "本期未兑现政策奖励事项")


def test_policy_money_paid(claims, county_a, city):
    # 2026: P 200,000 + 50,000, Q 150,000 → 400,000 元 = 40万元 (S unpaid; R in 2025; Y in county B)
    f = compute("policy.money_paid", county_a, Y2026)
    assert f.value == Decimal("400000") and isinstance(f.value, Decimal)
    assert f.text == "兑现奖励资金40万元"
    paid = Disbursement.objects.filter(award__application__in=[claims["claim_p"], claims["claim_q"]])
    assert ids(f) == set(paid.values_list("pk", flat=True)) and len(ids(f)) == 3
    # April–June 2026: 200,000 + 150,000 = 35万元; July: 5万元
    assert compute("policy.money_paid", county_a, Period.parse("2026-Q2")).text == "兑现奖励资金35万元"
    assert compute("policy.money_paid", county_a, Period.parse("2026-07..2026-09")).value == Decimal("50000")
    assert compute("policy.money_paid", county_a, Y2025).value == Decimal("50000")
    # the city: + Y's 200,000 → 60万元
    assert compute("policy.money_paid", city, Y2026).text == "兑现奖励资金60万元"
    empty = compute("policy.money_paid", county_a, Period.year_of(2024))
    assert (empty.value, empty.text, ids(empty)) == (Decimal("0"), "本期未兑现政策奖励资金", set())


@pytest.fixture
def vouchers(staff_a, staff_b, county_a, county_b):
    """County A, 2025:
      V1 to P, 50,000, issued 2025-03-01: redeemed 20,000 on 2025-06-01 and 10,000 on 2026-02-01
      V2 to Q, 30,000, issued 2025-08-01: redeemed 30,000 on 2025-09-01
      V3 to P, 20,000, issued 2024-11-01: redeemed 5,000 on 2025-01-15
    County B: V4 to Y, 100,000, issued 2025-05-01: redeemed 40,000 on 2025-06-01."""
    p, q = org("开化县甲科技有限公司", county_a), org("开化县乙科技有限公司", county_a)
    y = org("常山县乙材料有限公司", county_b)
    lab = services.provider_save(
        by=staff_a,
        data={"county": county_a, "organisation": org("开化县检验检测中心", county_a, kind="provider"),
              "services": "检验检测", "registered_on": D(2024, 1, 1)},
    )  # fmt: skip
    lab_b = services.provider_save(
        by=staff_b,
        data={"county": county_b, "organisation": org("常山县检测中心", county_b, kind="provider"),
              "services": "检验检测", "registered_on": D(2024, 1, 1)},
    )  # fmt: skip

    def issue(staff, number, o, amount, issued_on):
        return on(
            issued_on, services.voucher_issue,
            by=staff,
            data={"number": number, "organisation": o, "amount": Decimal(amount), "issued_on": issued_on,
                  "expires_on": D(2026, 12, 31)},
        )  # fmt: skip

    def redeem(staff, voucher, provider, amount, day):
        return on(
            day, services.voucher_redeem,
            by=staff, voucher=voucher,
            data={"provider": provider, "contract_no": f"HT-{voucher.number}-{day:%m%d}",
                  "contract_amount": Decimal(amount) * 2, "amount": Decimal(amount), "redeemed_on": day},
        )  # fmt: skip

    v1 = issue(staff_a, "KH2025001", p, 50000, D(2025, 3, 1))
    v2 = issue(staff_a, "KH2025002", q, 30000, D(2025, 8, 1))
    v3 = issue(staff_a, "KH2024009", p, 20000, D(2024, 11, 1))
    v4 = issue(staff_b, "CS2025001", y, 100000, D(2025, 5, 1))
    redeemed = [
        redeem(staff_a, v1, lab, 20000, D(2025, 6, 1)),
        redeem(staff_a, v2, lab, 30000, D(2025, 9, 1)),
        redeem(staff_a, v3, lab, 5000, D(2025, 1, 15)),
    ]
    later = redeem(staff_a, v1, lab, 10000, D(2026, 2, 1))
    redeem(staff_b, v4, lab_b, 40000, D(2025, 6, 1))
    return {"v1": v1, "v2": v2, "v3": v3, "redeemed_2025": redeemed, "later": later}


def test_policy_vouchers_issued(vouchers, county_a, city):
    # 2025: V1 50,000 + V2 30,000 = 80,000 元 to 2 enterprises (V3 issued in 2024, V4 in county B)
    f = compute("policy.vouchers_issued", county_a, Y2025)
    assert f.value == Decimal("80000")
    assert f.text == "向2家企业发放科技创新券2张，面额8万元"
    assert ids(f) == {vouchers["v1"].pk, vouchers["v2"].pk}
    # the city: + V4 → 18万元, 3 vouchers
    assert compute("policy.vouchers_issued", city, Y2025).text == "向3家企业发放科技创新券3张，面额18万元"
    empty = compute("policy.vouchers_issued", county_a, Y2026)
    assert (empty.value, empty.text) == (Decimal("0"), "本期未发放科技创新券")


def test_policy_vouchers_redeemed(vouchers, county_a):
    # 2025: 20,000 (V1) + 30,000 (V2) + 5,000 (V3, issued in 2024) = 55,000 元, 3 redemptions, P and Q
    # (V1's 10,000 of 2026 and county B's 40,000 excluded)
    f = compute("policy.vouchers_redeemed", county_a, Y2025)
    assert f.value == Decimal("55000")
    assert f.text == "兑付科技创新券5.5万元（3笔），惠及企业2家"
    assert ids(f) == {r.pk for r in vouchers["redeemed_2025"]}
    f = compute("policy.vouchers_redeemed", county_a, Y2026)
    assert (f.value, ids(f)) == (Decimal("10000"), {vouchers["later"].pk})
    empty = compute("policy.vouchers_redeemed", county_a, Period.year_of(2024))
    assert (empty.value, empty.text) == (Decimal("0"), "本期未兑付科技创新券")


# --- 2 innovation entities ------------------------------------------------------------------------------------------


def test_entities_applications(staff_a, staff_b, county_a, county_b, hte, sme, psme):
    # 2025 calls (county deadline 2025-04-20):
    #   高新技术企业 (national): 6 applications — 2 recognised, 1 not approved, 1 rejected, 1 returned,
    #     1 waiting; plus a draft (not submitted, not counted) → 6家（已认定2家）, more than 5: no names
    #   国家科技型中小企业 (national, registration): 1 — the yearly evaluation, entities.sme_registered's
    #     figure, not listed here
    #   省科技型中小企业 (provincial): 2 — 1 recognised → 2家（甲、乙）
    # a 2024 call's application and county B's are not counted → total 8
    orgs = [org(f"开化县{c}科技有限公司", county_a) for c in "甲乙丙丁戊己庚"]
    a, b, c, d, e, f_, g = orgs
    hte_call, sme_call, psme_call = (make_call(staff_a, p, year=2025) for p in (hte, sme, psme))
    counted = []
    for o in (a, b):
        counted.append(submit(staff_a, hte_call, organisation=o))
        approve(staff_a, counted[-1], D(2025, 12, 1))
    counted.append(submit(staff_a, hte_call, organisation=c))
    services.application_transition(application=counted[-1], to=Status.RECOMMENDED, by=staff_a)
    services.application_transition(application=counted[-1], to=Status.NOT_APPROVED, by=staff_a)
    counted.append(submit(staff_a, hte_call, organisation=d))
    services.application_transition(
        application=counted[-1], to=Status.REJECTED, by=staff_a, comment="研发费用占比不足"
    )
    counted.append(submit(staff_a, hte_call, organisation=e))
    services.application_transition(
        application=counted[-1], to=Status.RETURNED, by=staff_a, comment="补充材料"
    )
    counted.append(submit(staff_a, hte_call, organisation=f_))
    services.application_create(by=staff_a, data={"call": hte_call, "organisation": g})  # draft
    counted.append(submit(staff_a, sme_call, organisation=c))
    approve(staff_a, counted[-1], D(2025, 5, 10))
    counted.append(submit(staff_a, psme_call, organisation=a))
    approve(staff_a, counted[-1], D(2025, 6, 30))
    counted.append(submit(staff_a, psme_call, organisation=b))
    submit(staff_a, make_call(staff_a, hte, year=2024), organisation=g)
    hte_b = qualification(staff_b, county_b, "国家高新技术企业认定", "高新技术企业", level="national")
    submit(staff_b, make_call(staff_b, hte_b, year=2025), organisation=org("常山县乙材料有限公司", county_b))

    fig = compute("entities.applications", county_a, Y2025)
    assert fig.value == 8
    assert fig.text == (
        "全年共申报6家高新技术企业，2家省科技型中小企业（开化县乙科技有限公司、开化县甲科技有限公司）"
    )  # names in code-point order: 乙 (U+4E59) before 甲 (U+7532)
    assert ids(fig) == {app.pk for app in counted if app.programme_id != sme.pk}
    # every call closed for applicants on 2025-04-20: the second quarter has them all, the third none
    q2 = compute("entities.applications", county_a, Period.parse("2025-Q2"))
    assert q2.value == 8 and q2.text.startswith("4-6月共申报6家高新技术企业")
    q3 = compute("entities.applications", county_a, Period.parse("2025-Q3"))
    assert (q3.value, q3.text, ids(q3)) == (0, "本期无资质认定申报", set())


def test_entities_new_qualifications(staff_a, staff_b, county_a, county_b, hte, psme, sme):
    # 高新技术企业 recognised in 2025: 甲 (first), 乙 (held one from 2022: re-recognised), 丙 (first)
    # 省科技型中小企业 in 2025: 甲 (first); 丁's HTE of 2024, 戊's registration (not a qualification)
    # and county B's HTE are not counted → 4: 高新技术企业3家（…；首次2、重新1）、省科技型中小企业1家（甲）
    a, b, c, d, e = (org(f"开化县{x}科技有限公司", county_a) for x in "甲乙丙丁戊")
    old = award(staff_a, make_call(staff_a, hte, year=2022), b, D(2022, 11, 1))
    assert old.valid_until == D(2025, 10, 31)
    hte_call = make_call(staff_a, hte, year=2025)
    new = [award(staff_a, hte_call, o, D(2025, 12, 1)) for o in (a, b, c)]
    new.append(award(staff_a, make_call(staff_a, psme, year=2025), a, D(2025, 6, 30)))
    award(staff_a, make_call(staff_a, hte, year=2024), d, D(2024, 12, 1))
    award(staff_a, make_call(staff_a, sme, year=2025), e, D(2025, 5, 10))
    hte_b = qualification(staff_b, county_b, "国家高新技术企业认定", "高新技术企业", level="national")
    award(
        staff_b, make_call(staff_b, hte_b, year=2025), org("常山县乙材料有限公司", county_b), D(2025, 12, 1)
    )

    f = compute("entities.new_qualifications", county_a, Y2025)
    assert f.value == 4
    assert f.text == (
        "开化县丙科技有限公司、开化县乙科技有限公司、开化县甲科技有限公司成功被认定为高新技术企业"
        "（其中首次认定2家、重新认定1家）；开化县甲科技有限公司成功被认定为省科技型中小企业"
    )
    assert ids(f) == {x.pk for x in new}
    # 2022: only 乙's first recognition
    f = compute("entities.new_qualifications", county_a, Period.year_of(2022))
    assert (f.value, f.text, ids(f)) == (1, "开化县乙科技有限公司成功被认定为高新技术企业", {old.pk})
    # December 2025 alone: the three HTEs; and a re-recognition only
    assert compute("entities.new_qualifications", county_a, Period.parse("2025-12")).value == 3
    empty = compute("entities.new_qualifications", county_a, Period.year_of(2023))
    assert (empty.value, empty.text) == (0, "本期无新认定资质")


def test_entities_new_qualifications_all_renewed(staff_a, county_a, hte):
    a = org("开化县甲科技有限公司", county_a)
    award(staff_a, make_call(staff_a, hte, year=2022), a, D(2022, 11, 1))
    award(staff_a, make_call(staff_a, hte, year=2025), a, D(2025, 11, 1))
    f = compute("entities.new_qualifications", county_a, Y2025)
    assert f.text == "开化县甲科技有限公司成功被认定为高新技术企业（重新认定）"


def test_entities_sme_registered(staff_a, staff_b, county_a, county_b, sme):
    # 2025 evaluation: 甲, 乙, 丙 apply; 甲 and 乙 registered in 2025, 丙 not → evaluated 3, registered 2
    # 丁 applied and was registered in 2024; county B's 己 in 2025 → not counted
    a, b, c, d = (org(f"开化县{x}科技有限公司", county_a) for x in "甲乙丙丁")
    call = make_call(staff_a, sme, year=2025)
    registered = [award(staff_a, call, o, D(2025, 5, 10)) for o in (a, b)]
    app_c = submit(staff_a, call, organisation=c)
    services.application_transition(application=app_c, to=Status.RECOMMENDED, by=staff_a)
    services.application_transition(application=app_c, to=Status.NOT_APPROVED, by=staff_a)
    award(staff_a, make_call(staff_a, sme, year=2024), d, D(2024, 5, 10))
    sme_b = programme(
        staff_b, county_b, name="国家科技型中小企业评价", level="national", kind="qualification",
        award_form="registration", category="国家科技型中小企业",
    )  # fmt: skip
    award(
        staff_b, make_call(staff_b, sme_b, year=2025), org("常山县己科技有限公司", county_b), D(2025, 5, 10)
    )

    f = compute("entities.sme_registered", county_a, Y2025)
    assert (f.value, f.text) == (2, "组织参评国家科技型中小企业3家，其中2家企业成功入库登记")
    assert ids(f) == {x.pk for x in registered}
    assert all(x.valid_until == D(2025, 12, 31) for x in registered)
    f = compute("entities.sme_registered", county_a, Period.year_of(2024))
    assert (f.value, f.text) == (1, "组织参评国家科技型中小企业1家，其中1家企业成功入库登记")
    empty = compute("entities.sme_registered", county_a, Period.year_of(2023))
    assert (empty.value, empty.text) == (0, "本期无科技型中小企业评价入库")


def test_entities_visits(staff_a, staff_b, county_a, county_b, hte):
    # 2025 county A: visits 甲 03-01, 甲 05-01, 乙 06-01 → 3家次; phone 乙 02-01, WeChat 丙 07-01
    # → all channels 5家次 with 3 enterprises; 甲's visit of 2024-12-31 and county B's are not counted
    a, b, c = (org(f"开化县{x}科技有限公司", county_a) for x in "甲乙丙")
    y = org("常山县乙材料有限公司", county_b)

    def log(staff, o, date, channel):
        return services.service_log_save(
            by=staff, data={"organisation": o, "date": date, "channel": channel, "topic": "高企申报辅导"}
        )

    visits = [log(staff_a, a, D(2025, 3, 1), "visit"), log(staff_a, a, D(2025, 5, 1), "visit"),
              log(staff_a, b, D(2025, 6, 1), "visit")]  # fmt: skip
    log(staff_a, b, D(2025, 2, 1), "phone")
    log(staff_a, c, D(2025, 7, 1), "wechat")
    log(staff_a, a, D(2024, 12, 31), "visit")
    log(staff_b, y, D(2025, 3, 1), "visit")

    f = compute("entities.visits", county_a, Y2025)
    assert f.value == 3
    assert f.text == "走访服务企业3家次，电话、微信、培训等各类服务共5家次，涉及企业3家"
    assert ids(f) == {v.pk for v in visits}
    # the third quarter: only the WeChat contact
    q3 = compute("entities.visits", county_a, Period.parse("2025-Q3"))
    assert (q3.value, q3.text) == (0, "本期未上门走访企业，电话、微信、培训等各类服务共1家次，涉及企业1家")
    # the first quarter: one visit and one phone call
    assert compute("entities.visits", county_a, Period.parse("2025-Q1")).value == 1
    empty = compute("entities.visits", county_a, Period.year_of(2023))
    assert (empty.value, empty.text) == (0, "本期无企业服务记录")


# --- 3 plan projects ----------------------------------------------------------------------------------------------------


@pytest.fixture
def projects(staff_a, staff_b, county_a, county_b, key_rd):
    """County A, 2025 calls:
      科技部专项 (national): 戊 — approved 2025-10-01, 5,000,000
      省重点研发计划 (provincial): 甲 — approved 2025-08-01, 3,000,000; 乙 — approved 2025-08-01, 1,000,000
      省新产品试制计划 (provincial): 丙 — approved 2025-09-01, no grant
      市竞争性 (city): 丁 — approved 2025-11-01, 500,000
      省重点研发计划: 己 — applied, still recommended; 庚 — approved only on 2026-01-05, 2,000,000
      a draft of 辛 (not counted)
    Earlier: 2024 call, 壬 — approved 2024-12-20, 800,000. County B: 2025, approved 2025-08-01, 9,000,000."""
    national = project(staff_a, county_a, "科技部专项", "national")
    newprod = project(staff_a, county_a, "省新产品试制计划", "provincial")
    city_comp = project(staff_a, county_a, "市竞争性科技项目", "city", "市竞争性")
    calls = {p: make_call(staff_a, p, year=2025) for p in (national, key_rd, newprod, city_comp)}
    o = {x: org(f"开化县{x}科技有限公司", county_a) for x in "甲乙丙丁戊己庚辛壬"}
    result = {}

    def won(programme_, who, title, on, amount):
        result[who] = award(staff_a, calls[programme_], o[who], on, title=title, amount=Decimal(amount))
        return result[who]

    won(national, "戊", "高纯硅材料关键技术", D(2025, 10, 1), 5_000_000)
    won(key_rd, "甲", "高效节能电机研发", D(2025, 8, 1), 3_000_000)
    won(key_rd, "乙", "茶叶智能加工装备", D(2025, 8, 1), 1_000_000)
    won(newprod, "丙", "新型环保涂料", D(2025, 9, 1), 0)
    won(city_comp, "丁", "山茶油精深加工", D(2025, 11, 1), 500_000)
    result["己"] = submit(staff_a, calls[key_rd], organisation=o["己"], title="竹木复合材料")
    services.application_transition(application=result["己"], to=Status.RECOMMENDED, by=staff_a)
    won(key_rd, "庚", "数控机床主轴", D(2026, 1, 5), 2_000_000)
    services.application_create(
        by=staff_a, data={"call": calls[key_rd], "organisation": o["辛"], "title": "草稿"}
    )
    result["壬"] = award(
        staff_a, make_call(staff_a, key_rd, year=2024), o["壬"], D(2024, 12, 20), title="旧项目",
        amount=Decimal(800_000),
    )  # fmt: skip
    key_rd_b = project(staff_b, county_b, "省重点研发计划", "provincial")
    result["B"] = award(
        staff_b, make_call(staff_b, key_rd_b, year=2025), org("常山县乙材料有限公司", county_b), D(2025, 8, 1),
        title="大项目", amount=Decimal(9_000_000),
    )  # fmt: skip
    return result


def test_projects_applications(projects, county_a, city):
    # 2025 calls, submitted: 戊 (national); 甲, 乙, 己, 庚 (省重点研发), 丙 (省新产品) = 5 provincial; 丁 (city)
    # → 7: 国家级1项、省级5项、市级1项 (辛's draft, 壬's 2024 call and county B excluded); of these approved by
    # the end of 2025 (列入): 戊; 甲, 乙, 丙; 丁 → 5 (庚 only in 2026, 己 still recommended)
    f = compute("projects.applications", county_a, Y2025)
    assert f.value == 7
    assert f.text == (
        "组织申报各级科技计划项目7项（国家级1项、省级5项、市级1项），"
        "其中列入各级科技计划项目5项（国家级1项、省级3项、市级1项）"
    )
    assert ids(f) == {projects[k].application.pk for k in "戊甲乙丙丁庚"} | {projects["己"].pk}
    assert compute("projects.applications", city, Y2025).value == 8
    empty = compute("projects.applications", county_a, Y2026)
    assert (empty.value, empty.text) == (0, "本期未申报科技计划项目")


def test_projects_approvals(projects, county_a):
    # decided in 2025: 戊 (national, 科技部专项); 甲, 乙 (省重点研发计划), 丙 (省新产品试制计划); 丁 (市竞争性)
    # → 5 (庚 decided in 2026, 壬 in 2024, county B not counted)
    f = compute("projects.approvals", county_a, Y2025)
    assert f.value == 5
    # each category has three projects or fewer: named "单位“项目名称”"
    assert f.text == (
        "获批立项科技计划项目5项，其中国家级1项（科技部专项1项：开化县戊科技有限公司“高纯硅材料关键技术”）、"
        "省级3项（省重点研发计划2项：开化县甲科技有限公司“高效节能电机研发”、开化县乙科技有限公司“茶叶智能加工装备”；"
        "省新产品试制计划1项：开化县丙科技有限公司“新型环保涂料”）、市级1项（市竞争性1项：开化县丁科技有限公司“山茶油精深加工”）"
    )
    assert ids(f) == {projects[k].pk for k in "戊甲乙丙丁"}
    f = compute("projects.approvals", county_a, Y2026)
    assert (f.value, f.text, ids(f)) == (
        1,
        "获批立项科技计划项目1项，其中省级1项（省重点研发计划1项：开化县庚科技有限公司“数控机床主轴”）",
        {projects["庚"].pk},
    )
    empty = compute("projects.approvals", county_a, Period.year_of(2023))
    assert (empty.value, empty.text) == (0, "本期无科技计划项目获批立项")


def test_projects_grants(projects, county_a, city):
    # 2025: national 5,000,000; provincial 3,000,000 + 1,000,000 (丙 has no grant); city 500,000
    # → 9,500,000 元 = 950万元
    f = compute("projects.grants", county_a, Y2025)
    assert f.value == Decimal("9500000")
    assert f.text == "获得科技计划项目经费补助950万元，其中国家级500万元、省级400万元、市级50万元"
    assert ids(f) == {projects[k].pk for k in "戊甲乙丁"}
    # the city: + county B's 9,000,000 → 1850万元, provincial 1300万元
    assert compute("projects.grants", city, Y2025).text == (
        "获得科技计划项目经费补助1850万元，其中国家级500万元、省级1300万元、市级50万元"
    )
    f = compute("projects.grants", county_a, Y2026)
    assert (f.value, f.text) == (Decimal("2000000"), "获得科技计划项目经费补助200万元，均为省级项目")
    empty = compute("projects.grants", county_a, Period.year_of(2023))
    assert (empty.value, empty.text) == (Decimal("0"), "本期无科技计划项目经费补助")


def test_projects_largest(projects, county_a, city):
    # 2025, by grant: 戊 500万, 甲 300万, 乙 100万 (丁 50万 is fourth; county B's 900万 is another county's)
    f = compute("projects.largest", county_a, Y2025)
    expected = [
        "开化县戊科技有限公司·高纯硅材料关键技术（500万元）",
        "开化县甲科技有限公司·高效节能电机研发（300万元）",
        "开化县乙科技有限公司·茶叶智能加工装备（100万元）",
    ]
    assert f.value == expected
    assert f.text == "补助金额最大的项目：" + "、".join(expected)
    assert ids(f) == {projects[k].pk for k in "戊甲乙"}
    assert compute("projects.largest", city, Y2025).value[0] == "常山县乙材料有限公司·大项目（900万元）"
    empty = compute("projects.largest", county_a, Period.year_of(2023))
    assert (empty.value, empty.text, ids(empty)) == ([], "本期无获得经费补助的立项项目", set())


# --- 6 talent ---------------------------------------------------------------------------------------------------------


@pytest.fixture
def talent(staff_a, staff_b, county_a, county_b, key_rd):
    """County A:
      万人计划青年拔尖人才 (provincial, people): 2025 call — 张三 (selected 2025-12-01, matching 200,000),
        李四 (recommended); 2024 call — 王五 (not counted in 2025)
      省领军型创新团队 (provincial team): 2025 call — 甲's 高端装备创新团队 (approved 2025-03-01, grant
        2,000,000, matching 1,000,000)
      县重点创新团队 (county team): 2025 call — 乙's 茶产业创新团队 (approved 2025-04-01)
      a plan project of 丙 (省重点研发计划, approved 2025-02-01, matching 100,000) — not talent
      a 2023 team (丙's 旧团队, approved 2023-06-01) whose checks fall in 2024 and 2025
    County B: a provincial team approved in 2025 with its own checks and matching funds."""
    wanren = programme(
        staff_a, county_a, name="万人计划青年拔尖人才", level="provincial", kind="talent", award_form="honour",
        category="万人计划", for_people=True,
    )  # fmt: skip
    team = programme(
        staff_a, county_a, name="省领军型创新团队", level="provincial", kind="team", award_form="project",
        category="领军型创新团队",
    )  # fmt: skip
    county_team = programme(
        staff_a, county_a, name="县重点创新团队", level="county", kind="team", award_form="project",
        category="县重点创新团队", issuer="开化县人民政府",
    )  # fmt: skip
    zhang, li, wang = (PersonFactory(name=n, county=county_a) for n in ("张三", "李四", "王五"))
    a, b, c = (org(f"开化县{x}科技有限公司", county_a) for x in "甲乙丙")
    r = {"key_rd": key_rd}
    call = make_call(staff_a, wanren, year=2025)
    r["zhang"] = award(staff_a, call, None, D(2025, 12, 1), person=zhang, matching_amount=Decimal(200_000))
    r["li"] = submit(staff_a, call, person=li)
    services.application_transition(application=r["li"], to=Status.RECOMMENDED, by=staff_a)
    r["wang"] = submit(staff_a, make_call(staff_a, wanren, year=2024), person=wang)
    r["team"] = award(
        staff_a, make_call(staff_a, team, year=2025), a, D(2025, 3, 1), title="高端装备创新团队",
        amount=Decimal(2_000_000), matching_amount=Decimal(1_000_000),
    )  # fmt: skip
    r["county_team"] = award(
        staff_a, make_call(staff_a, county_team, year=2025), b, D(2025, 4, 1), title="茶产业创新团队",
        matching_amount=Decimal(300_000),
    )  # fmt: skip
    r["old_team"] = award(staff_a, make_call(staff_a, team, year=2023), c, D(2023, 6, 1), title="旧团队")
    r["project"] = award(
        staff_a, make_call(staff_a, key_rd, year=2025), c, D(2025, 2, 1), title="项目", amount=Decimal(100_000),
        matching_amount=Decimal(100_000),
    )  # fmt: skip
    team_b = programme(
        staff_b, county_b, name="省领军型创新团队", level="provincial", kind="team", award_form="project",
        category="领军型创新团队",
    )  # fmt: skip
    r["team_b"] = award(
        staff_b, make_call(staff_b, team_b, year=2025), org("常山县乙材料有限公司", county_b), D(2025, 3, 1),
        title="新材料团队", matching_amount=Decimal(400_000),
    )  # fmt: skip
    return r


def test_talent_nominations(talent, county_a, city):
    # 2025 calls: 万人计划青年拔尖人才 张三 (selected), 李四 → 2人; 省领军型创新团队 1个 (approved);
    # 县重点创新团队 1个 → 4 (王五's 2024 nomination, the 2023 team and county B's team not counted)
    f = compute("talent.nominations", county_a, Y2025)
    assert f.value == 4
    # the programme with its family (category 万人计划), nominees with their employer, teams with their host
    assert f.text == (
        "推荐申报人才计划和创新团队4项，其中“万人计划”青年拔尖人才2人（浙江农林大学张三、浙江农林大学李四；已入选1人）、"
        "省领军型创新团队1个（开化县甲科技有限公司“高端装备创新团队”；已入选1个）、"
        "县重点创新团队1个（开化县乙科技有限公司“茶产业创新团队”；已入选1个）"
    )
    assert ids(f) == {talent["zhang"].application.pk, talent["li"].pk, talent["team"].application.pk,
                      talent["county_team"].application.pk}  # fmt: skip
    # the city adds county B's team to the same programme name → 省领军型创新团队2个
    assert (
        "省领军型创新团队2个（常山县乙材料有限公司“新材料团队”、开化县甲科技有限公司“高端装备创新团队”；已入选2个）"
        in compute("talent.nominations", city, Y2025).text
    )
    f = compute("talent.nominations", county_a, Period.year_of(2024))
    assert (f.value, f.text) == (
        1,
        "推荐申报人才计划和创新团队1项，其中“万人计划”青年拔尖人才1人（浙江农林大学王五）",
    )
    empty = compute("talent.nominations", county_a, Y2026)
    assert (empty.value, empty.text) == (0, "本期未推荐人才和团队申报")


def test_talent_matching_paid(talent, staff_a, staff_b, county_a, city):
    # 2025: 高端装备创新团队 500,000 (07-01) + 张三 200,000 (12-01) = 700,000 元, 2 awards, 2 payments
    # not counted: the team's second tranche of 2026, the team's provincial grant (not matching), the
    # project's matching funds (a plan project, not talent), county B's team
    paid = [
        matching_paid(staff_a, talent["team"], 500_000, D(2025, 7, 1)),
        matching_paid(staff_a, talent["zhang"], 200_000, D(2025, 12, 1)),
    ]
    later = matching_paid(staff_a, talent["team"], 300_000, D(2026, 1, 15), tranche=2)
    on(
        D(2025, 4, 1), services.disbursement_create,
        by=staff_a, award=talent["team"],
        data={"amount": Decimal(2_000_000), "source": "provincial", "fiscal_year": 2025, "paid_on": D(2025, 4, 1),
              "voucher_no": "省-2025-01"},
    )  # fmt: skip
    matching_paid(staff_a, talent["project"], 100_000, D(2025, 5, 1))
    matching_paid(staff_b, talent["team_b"], 400_000, D(2025, 7, 1))

    f = compute("talent.matching_paid", county_a, Y2025)
    assert f.value == Decimal("700000")
    # two recipients: named, the larger first
    assert f.text == (
        "拨付人才和团队县级配套资金70万元（开化县甲科技有限公司省领军型创新团队50万元、“万人计划”青年拔尖人才张三20万元）"
    )
    assert ids(f) == {d.pk for d in paid}
    f = compute("talent.matching_paid", county_a, Y2026)
    assert (f.value, ids(f)) == (Decimal("300000"), {later.pk})
    assert compute("talent.matching_paid", city, Y2025).value == Decimal("1100000")
    empty = compute("talent.matching_paid", county_a, Period.year_of(2024))
    assert (empty.value, empty.text) == (Decimal("0"), "本期未拨付人才和团队配套资金")


def test_talent_checks_passed(talent, staff_a, staff_b, county_a):
    # 2025: 高端装备创新团队 passed its mid-term check (06-10) and site check (11-20); 茶产业创新团队 failed its
    # mid-term check (09-01); 旧团队 passed a site check on 2024-12-10 (last year) and has an acceptance due
    # in 2026 (not done); a plan project's passed check and county B's are not counted
    # → 2: 中期检查1次、实地考核1次, 1 failed
    def check(staff, award_, kind, due, done=None, result=""):
        return services.milestone_save(
            by=staff, award=award_, data={"kind": kind, "due_on": due, "done_on": done, "result": result}
        )

    passed = [
        check(staff_a, talent["team"], "mid_term", D(2025, 6, 1), D(2025, 6, 10), "passed"),
        check(staff_a, talent["team"], "site_check", D(2025, 11, 1), D(2025, 11, 20), "passed"),
    ]
    check(staff_a, talent["county_team"], "mid_term", D(2025, 9, 1), D(2025, 9, 1), "failed")
    old = check(staff_a, talent["old_team"], "site_check", D(2024, 12, 1), D(2024, 12, 10), "passed")
    check(staff_a, talent["old_team"], "acceptance", D(2026, 6, 1))
    check(staff_a, talent["project"], "mid_term", D(2025, 8, 1), D(2025, 8, 1), "passed")
    check(staff_b, talent["team_b"], "mid_term", D(2025, 6, 1), D(2025, 6, 10), "passed")

    f = compute("talent.checks_passed", county_a, Y2025)
    assert f.value == 2
    assert f.text == (
        "开化县甲科技有限公司省领军型创新团队“高端装备创新团队”通过中期检查、实地考核；另有1次检查考核未通过"
    )
    assert ids(f) == {m.pk for m in passed}
    assert f.evidence_model is Milestone
    f = compute("talent.checks_passed", county_a, Period.year_of(2024))
    assert (f.value, f.text, ids(f)) == (
        1,
        "开化县丙科技有限公司省领军型创新团队“旧团队”通过实地考核",
        {old.pk},
    )
    q3 = compute("talent.checks_passed", county_a, Period.parse("2025-Q3"))
    assert (q3.value, q3.text) == (0, "本期无创新团队通过检查考核；另有1次检查考核未通过")
    empty = compute("talent.checks_passed", county_a, Y2026)
    assert (empty.value, empty.text) == (0, "本期无创新团队检查考核")


# --- every figure registered, and a fixed number of queries ---------------------------------------------------


def test_every_programme_figure_is_registered_in_its_section():
    sections = {k: REGISTRY[k].section for k in PROGRAMME_KEYS}
    assert sections == {
        "policy.documents": 1, "policy.documents_implemented": 1, "policy.claims": 1,
        "policy.claims_enterprises": 1, "policy.claim_items": 1, "policy.money_paid": 1,
        "policy.vouchers_issued": 1, "policy.vouchers_redeemed": 1,
        "entities.applications": 2, "entities.new_qualifications": 2, "entities.sme_registered": 2,
        "entities.visits": 2,
        "projects.applications": 3, "projects.approvals": 3, "projects.by_nature": 3, "projects.grants": 3,
        "projects.largest": 3,
        "talent.nominations": 6, "talent.matching_paid": 6, "talent.team_funds": 6, "talent.checks_passed": 6,
        "talent.site_checks": 6,
    }  # fmt: skip


def build_world(staff, county, n, *, hte, sme, key_rd, team, incentive, tag):
    """n enterprises through every stream: applications, awards, claims paid, vouchers, visits, checks."""
    year_calls = {p: make_call(staff, p, year=2025, name=f"2025年{tag}") for p in (hte, sme, key_rd, team)}
    claim_call = make_call(staff, incentive, year=2026, name=f"2026年{tag}")
    lab = services.provider_save(
        by=staff,
        data={"county": county, "organisation": org(f"检测中心{tag}", county, kind="provider"),
              "services": "检测", "registered_on": D(2024, 1, 1)},
    )  # fmt: skip
    for i in range(n):
        o = org(f"企业{tag}{i:03d}", county)
        award(staff, year_calls[hte], o, D(2025, 6, 1))
        award(staff, year_calls[sme], o, D(2025, 5, 1))
        grant = award(
            staff, year_calls[key_rd], o, D(2025, 8, 1), title=f"项目{i}", amount=Decimal(100_000 + i)
        )
        services.milestone_save(
            by=staff, award=grant, data={"kind": "mid_term", "due_on": D(2025, 9, 1), "done_on": D(2025, 9, 1),
                                         "result": "passed"},
        )  # fmt: skip
        crew = award(
            staff, year_calls[team], o, D(2025, 3, 1), title=f"团队{i}", matching_amount=Decimal(50_000)
        )
        services.milestone_save(
            by=staff, award=crew, data={"kind": "site_check", "due_on": D(2025, 10, 1), "done_on": D(2025, 10, 1),
                                        "result": "passed"},
        )  # fmt: skip
        matching_paid(staff, crew, 50_000, D(2025, 11, 1))
        pay_claim(
            staff, claim_call, o, decided_on=D(2026, 5, 1), notice_on=D(2026, 5, 6),
            payments=[(D(2026, 5, 20), 200_000)],
        )  # fmt: skip
        v = on(
            D(2025, 3, 1), services.voucher_issue,
            by=staff, data={"number": f"Q{tag}{i:04d}", "organisation": o, "amount": Decimal(10_000),
                            "issued_on": D(2025, 3, 1), "expires_on": D(2026, 12, 31)},
        )  # fmt: skip
        on(
            D(2025, 6, 1), services.voucher_redeem,
            by=staff, voucher=v,
            data={"provider": lab, "contract_no": f"HT{i}", "contract_amount": Decimal(10_000),
                  "amount": Decimal(5_000), "redeemed_on": D(2025, 6, 1)},
        )  # fmt: skip
        services.service_log_save(by=staff, data={"organisation": o, "date": D(2025, 4, 1), "channel": "visit",
                                                  "topic": "走访"})  # fmt: skip


def _count_queries(scope):
    with CaptureQueriesContext(connection) as ctx:
        for period in (Y2025, Y2026, Period.parse("2025-Q2")):
            for key in PROGRAMME_KEYS:
                compute(key, scope, period)
    return len(ctx.captured_queries)


@pytest.fixture
def team_programme(staff_a, county_a):
    return programme(
        staff_a, county_a, name="省领军型创新团队", level="provincial", kind="team", award_form="project",
        category="领军型创新团队",
    )  # fmt: skip


def test_figures_take_a_fixed_number_of_queries(
    staff_a, county_a, city, hte, sme, key_rd, team_programme, incentive, django_assert_max_num_queries
):
    programmes = {"hte": hte, "sme": sme, "key_rd": key_rd, "team": team_programme, "incentive": incentive}
    build_world(staff_a, county_a, 2, tag="A", **programmes)
    small = _count_queries(county_a)
    with django_assert_max_num_queries(30):  # 17 figures, at most two queries each
        for key in PROGRAMME_KEYS:
            compute(key, county_a, Y2025)
    assert compute("policy.money_paid", county_a, Y2026).value == Decimal("400000")
    build_world(staff_a, county_a, 7, tag="B", **programmes)  # 9 enterprises now, names no longer listed
    large = _count_queries(county_a)
    assert compute("policy.money_paid", county_a, Y2026).value == Decimal("1800000")
    assert compute("entities.new_qualifications", county_a, Y2025).value == 9
    assert large <= small
    assert _count_queries(city) == large
