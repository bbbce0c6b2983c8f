"""Summary sections 一 (policy incentives) and 二 (innovation entities), figure by figure, on hand-built
datasets entered through the public surface (API, registers, services); expected values worked out by hand
in the comments. County A is 开化县 (330824), county B 常山县 (330822)."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from kechuang.core.models import Region
from kechuang.imports import services as imports
from kechuang.imports.registers import REGISTERS
from kechuang.imports.report import ImportRejected
from kechuang.programmes import services
from kechuang.programmes.models import Application, ClaimItem, PolicyDocument, Status
from kechuang.reports.figures import Period, compute
from tests.conftest import client_for
from tests.factories import OrganisationFactory
from tests.imports.conftest import xlsx_bytes

from .fixtures import _programme, make_call
from .test_figures import approve, award, ids, pay_claim, submit

pytestmark = pytest.mark.django_db

D = dt.date
Y2025, Y2026 = Period.year_of(2025), Period.year_of(2026)


def org(name, county):
    return OrganisationFactory(name=name, region=county)


def policy(staff, county, title, number, issued_on, role, short_title=""):
    return services.policy_save(
        by=staff,
        data={"county": county, "title": title, "short_title": short_title, "number": number,
              "issuing_bodies": "开化县经信科技局", "issued_on": issued_on, "bureau_role": role},
    )  # fmt: skip


# --- 一 policy documents: the ones the bureau took part in making, and the ones it implements -------------------


def test_documents_made_and_implemented_are_listed_apart(staff_a, staff_b, county_a, county_b):
    # county A, 2025 (issued_on order):
    #   开经信〔2025〕80号 牵头起草 (2025-03-01, service)          → made
    #   开政办发〔2025〕21号 参与起草 (2025-05-10, through the API) → made
    #   县委〔2025〕17号 联合发文 (2025-07-01, through the policies register) → made
    #   浙科发〔2025〕9号 贯彻执行 (2025-04-01)                     → implemented, listed apart
    #   开经信〔2024〕99号 牵头起草 of 2024                          → other year
    # county B: 常经信〔2025〕3号 牵头起草                         → other county
    made = [
        policy(staff_a, county_a, "开化县科技创新券实施办法", "开经信〔2025〕80号", D(2025, 3, 1), "drafted")
    ]
    response = client_for(staff_a).post(
        "/api/programmes/policies",
        {"county": "330824", "number": "开政办发〔2025〕21号", "title": "开化县研发经费提升三年行动方案",
         "issuing_bodies": "开化县人民政府办公室", "issued_on": "2025-05-10", "bureau_role": "co_drafted"},
        content_type="application/json",
    )  # fmt: skip
    assert response.status_code == 201, response.content
    assert response.json()["bureau_role_label"] == "参与起草"
    made.append(PolicyDocument.objects.get(number="开政办发〔2025〕21号"))
    header = ["所属县", "文号", "文件标题", "简称", "发文机关", "成文日期", "本局角色"]
    result = imports.import_file(
        register="policies",
        file=xlsx_bytes(
            header,
            [["330824", "县委〔2025〕17号", "关于加快创新驱动推进生态工业高质量发展的实施意见", "",
              "中共开化县委、开化县人民政府", "2025-07-01", "联合发文"]],
            sheet=REGISTERS["policies"].sheet_name,
        ),
        by=staff_a,
        filename="policies.xlsx",
    )  # fmt: skip
    assert result.created == 1
    made.append(PolicyDocument.objects.get(number="县委〔2025〕17号"))
    assert made[-1].bureau_role == PolicyDocument.BureauRole.CO_ISSUED
    implemented = policy(
        staff_a, county_a, "浙江省科技创新若干意见", "浙科发〔2025〕9号", D(2025, 4, 1), "implements"
    )
    policy(staff_a, county_a, "开化县科技计划项目管理办法", "开经信〔2024〕99号", D(2024, 6, 1), "drafted")
    policy(staff_b, county_b, "常山县科技新政", "常经信〔2025〕3号", D(2025, 6, 1), "drafted")

    f = compute("policy.documents", county_a, Y2025)
    names = [
        "《开化县科技创新券实施办法》（开经信〔2025〕80号）",
        "《开化县研发经费提升三年行动方案》（开政办发〔2025〕21号）",
        "《关于加快创新驱动推进生态工业高质量发展的实施意见》（县委〔2025〕17号）",
    ]
    assert f.value == names
    assert f.text == "参与制定出台了" + "、".join(names) + "等3个政策文件"
    assert ids(f) == {d.pk for d in made}
    g = compute("policy.documents_implemented", county_a, Y2025)
    assert (g.value, g.text, ids(g)) == (
        ["《浙江省科技创新若干意见》（浙科发〔2025〕9号）"],
        "贯彻落实《浙江省科技创新若干意见》（浙科发〔2025〕9号）",
        {implemented.pk},
    )
    empty = compute("policy.documents_implemented", county_a, Period.year_of(2024))
    assert (empty.value, empty.text) == ([], "本期无需贯彻执行的新政策文件")


def test_the_policy_page_records_the_new_role(staff_a, county_a):
    from kechuang.programmes.forms_catalogue import PolicyForm

    form = PolicyForm(
        data={"county": county_a.pk, "title": "开化县科技特派员管理办法", "short_title": "", "number": "开经信〔2025〕7号",
              "issuing_bodies": "开化县经信科技局", "issued_on": "2025-02-01", "bureau_role": "co_drafted",
              "full_text": ""},
        counties=Region.objects.filter(pk=county_a.pk),
    )  # fmt: skip
    assert form.is_valid(), form.errors
    doc = services.policy_save(by=staff_a, data=form.service_data())
    assert doc.get_bureau_role_display() == "参与起草"
    assert (
        compute("policy.documents", county_a, Y2025).text
        == "参与制定出台了《开化县科技特派员管理办法》（开经信〔2025〕7号）"
    )


# --- 一 claims: items per achievement, the rule for its kind and grade ---------------------------------------


@pytest.fixture
def claim_world(staff_a, staff_b, county_a, county_b, hte, psme_programme, product):
    """Policy 开政办发〔2025〕12号 “科技新政”, for 2025's achievements, claimed in 2026:
      第三条 首次认定高新技术企业 200,000 (first only); 第四条 重新认定高新技术企业 50,000 (renewals only);
      第五条 省科技型中小企业 30,000; 第六条 省级工业新产品（A类）100,000, 第七条 （B类）50,000.
    Enterprises (county A):
      甲: HTE 2025 first, new products A and B → claim 200,000 + 100,000 + 50,000 = 350,000, paid 2026-06-10
      乙: HTE 2025 renewal (held 2022), PSME 2025 → 50,000 + 30,000 = 80,000, paid 2026-06-10
      丙: PSME 2025 → 30,000 decided, never paid (unpaid: not counted)
      丁: PSME 2025 → a draft claim (not counted)
      戊: PSME 2025 → claim withdrawn (not counted)
    County B: 己 HTE 2025 → 200,000 paid 2026-06-10 (other county).
    2026 figure: 2 enterprises, 5 items (高新技术企业2家, 省科技型中小企业1家, 省级工业新产品2个), 430,000 元."""
    doc = policy(
        staff_a, county_a, "开化县关于加快科技创新的若干政策意见", "开政办发〔2025〕12号", D(2025, 4, 1),
        "drafted", short_title="科技新政",
    )  # fmt: skip

    def rule(item, article, achievement, amount, **extra):
        return services.rule_save(
            by=staff_a, policy=doc,
            data={"item": item, "article": article, "achievement": achievement, "achievement_year": 2025,
                  "amount": Decimal(amount), "cap": None, **extra},
        )  # fmt: skip

    rules = {
        "first": rule("首次认定高新技术企业", "第三条", hte, 200000, recognition="first"),
        "renewal": rule("重新认定高新技术企业", "第四条", hte, 50000, recognition="renewal"),
        "psme": rule("认定省科技型中小企业", "第五条", psme_programme, 30000),
        "a": rule("省级工业新产品（A类）", "第六条", product, 100000, grade="A类"),
        "b": rule("省级工业新产品（B类）", "第七条", product, 50000, grade="B类"),
    }
    incentive = _programme(
        staff_a, county_a, name="科技新政奖励兑现", level="county", kind="incentive", award_form="money",
        category="科技创新政策奖励", issuer="开化县经信科技局", policy=doc,
    )  # fmt: skip
    a, b, c, d, e = (org(f"开化县{x}科技有限公司", county_a) for x in "甲乙丙丁戊")
    award(staff_a, make_call(staff_a, hte, year=2022), b, D(2022, 11, 1))
    hte_call = make_call(staff_a, hte, year=2025)
    for o in (a, b):
        award(staff_a, hte_call, o, D(2025, 11, 20))
    psme_call = make_call(staff_a, psme_programme, year=2025)
    for o in (b, c, d, e):
        award(staff_a, psme_call, o, D(2025, 6, 30))
    product_call = make_call(staff_a, product, year=2025)
    award(staff_a, product_call, a, D(2025, 9, 1), title="高性能有机硅密封胶", grade="A类")
    award(staff_a, product_call, a, D(2025, 9, 1), title="耐候型硅酮结构胶", grade="B类")

    call = make_call(staff_a, incentive, year=2026)
    claim_a = pay_claim(
        staff_a,
        call,
        a,
        decided_on=D(2026, 5, 6),
        notice_on=D(2026, 5, 11),
        payments=[(D(2026, 6, 10), 350000)],
    )
    claim_b = pay_claim(
        staff_a,
        call,
        b,
        decided_on=D(2026, 5, 6),
        notice_on=D(2026, 5, 11),
        payments=[(D(2026, 6, 10), 80000)],
    )
    unpaid = pay_claim(staff_a, call, c, decided_on=D(2026, 5, 6), notice_on=None, payments=[])
    draft = services.application_create(by=staff_a, data={"call": call, "organisation": d})
    withdrawn = submit(staff_a, call, organisation=e)
    services.application_transition(
        application=withdrawn, to=Status.WITHDRAWN, by=staff_a, comment="不再申报"
    )

    doc_b = policy(staff_b, county_b, "常山县科技新政", "常政发〔2025〕3号", D(2025, 6, 1), "drafted")
    hte_b = _programme(
        staff_b, county_b, name="国家高新技术企业认定", level="national", kind="qualification",
        award_form="qualification", category="高新技术企业", validity_years=3,
    )  # fmt: skip
    services.rule_save(
        by=staff_b, policy=doc_b,
        data={"item": "首次认定高新技术企业", "achievement": hte_b, "achievement_year": 2025,
              "amount": Decimal("200000"), "cap": None},
    )  # fmt: skip
    incentive_b = _programme(
        staff_b, county_b, name="常山县政策奖励", level="county", kind="incentive", award_form="money",
        category="科技创新政策奖励", policy=doc_b,
    )  # fmt: skip
    f = org("常山县己材料有限公司", county_b)
    award(staff_b, make_call(staff_b, hte_b, year=2025), f, D(2025, 11, 20))
    pay_claim(
        staff_b, make_call(staff_b, incentive_b, year=2026), f, decided_on=D(2026, 5, 6), notice_on=D(2026, 5, 11),
        payments=[(D(2026, 6, 10), 200000)],
    )  # fmt: skip
    return {"rules": rules, "claims": [claim_a, claim_b], "unpaid": unpaid, "draft": draft,
            "withdrawn": withdrawn}  # fmt: skip


@pytest.fixture
def psme_programme(staff_a, county_a):
    return _programme(
        staff_a, county_a, name="省科技型中小企业认定", level="provincial", kind="qualification",
        award_form="qualification", category="省科技型中小企业", validity_years=1,
    )  # fmt: skip


@pytest.fixture
def product(staff_a, county_a):
    """省级工业新产品: a recognition graded A or B (recorded as the award's grade)."""
    return _programme(
        staff_a, county_a, name="省级工业新产品认定", level="provincial", kind="project", award_form="project",
        category="省级工业新产品",
    )  # fmt: skip


def test_a_claim_takes_the_rule_for_first_or_renewal_and_for_the_grade(claim_world):
    rules = claim_world["rules"]
    claim_a, claim_b = claim_world["claims"]
    # 甲: first recognition (第三条 200,000), product A (第六条 100,000), product B (第七条 50,000)
    assert sorted((i.rule_id, i.amount) for i in claim_a.claim_items.all()) == sorted(
        [(rules["first"].pk, Decimal("200000")), (rules["a"].pk, Decimal("100000")),
         (rules["b"].pk, Decimal("50000"))]
    )  # fmt: skip
    # 乙: renewal (第四条 50,000, not 第三条), 省科技型中小企业 (第五条 30,000)
    assert sorted((i.rule_id, i.amount) for i in claim_b.claim_items.all()) == sorted(
        [(rules["renewal"].pk, Decimal("50000")), (rules["psme"].pk, Decimal("30000"))]
    )
    assert (claim_a.decided_amount, claim_b.decided_amount) == (Decimal("350000"), Decimal("80000"))


def test_a_recognition_condition_needs_a_qualification(staff_a, claim_world, product):
    doc = PolicyDocument.objects.get(number="开政办发〔2025〕12号")
    with pytest.raises(ValidationError, match="首次认定和重新认定"):
        services.rule_save(
            by=staff_a, policy=doc,
            data={"item": "首次新产品", "achievement": product, "achievement_year": 2025, "amount": Decimal(1),
                  "recognition": "first"},
        )  # fmt: skip


def test_policy_claims_figure(claim_world, county_a):
    # paid in 2026: 甲 (3 items) and 乙 (2 items) → 2 enterprises, 5 items:
    #   高新技术企业 2 (national, first), 省科技型中小企业 1, 省级工业新产品 2 (个: a product); 430,000 元 = 43万元
    # 丙 unpaid, 丁 draft, 戊 withdrawn, 己 in county B → not counted
    f = compute("policy.claims", county_a, Y2026)
    assert f.value == Decimal("430000")
    assert f.text == (
        "针对2025年度“科技新政”申报的2家企业的5个奖励项目（其中高新技术企业2家、省级工业新产品2个、"
        "省科技型中小企业1家），兑现政策激励资金43万元"
    )  # provincial categories: the larger first
    assert ids(f) == {c.pk for c in claim_world["claims"]}
    assert f.evidence_model is Application
    empty = compute("policy.claims", county_a, Y2025)
    assert (empty.value, empty.text, ids(empty)) == (Decimal("0"), "本期未兑现政策激励资金", set())


# --- 一 补录: one workbook, several items per claim, several claims per enterprise --------------------------------

HEADER = ["统一社会信用代码", "项目类别", "年度", "奖励事项", "成果", "核定金额（元）", "核定文号", "核定日期",
          "兑现金额（元）", "兑现日期"]  # fmt: skip


def run(rows, by):
    data = xlsx_bytes(HEADER, rows, sheet=REGISTERS["paid_claims"].sheet_name)
    return imports.import_file(register="paid_claims", file=data, by=by, filename="paid_claims.xlsx")


@pytest.fixture
def history(staff_a, county_a, hte, product):
    """“工业四十条” (开政发〔2018〕40号) for 2018's achievements, claimed in 2019, and its 2019 rules for 2019's
    achievements, claimed in 2020: HTE first 200,000 / renewal 50,000, new product A 100,000 / B 50,000.
    Recorded achievements: 甲 HTE 2018 (first), 乙 HTE 2015 and 2018 (renewal), 甲 products of 2018 “密封胶”
    (A类) and “结构胶” (B类), 甲 product of 2019 “硅油” (A类)."""
    doc = policy(
        staff_a, county_a, "开化县加快工业经济高质量发展的若干政策", "开政发〔2018〕40号", D(2018, 3, 1),
        "drafted", short_title="工业四十条",
    )  # fmt: skip
    for year in (2018, 2019):
        for item, achievement, amount, extra in (
            ("首次认定高新技术企业", hte, 200000, {"recognition": "first"}),
            ("重新认定高新技术企业", hte, 50000, {"recognition": "renewal"}),
            ("省级工业新产品A类", product, 100000, {"grade": "A类"}),
            ("省级工业新产品B类", product, 50000, {"grade": "B类"}),
        ):
            services.rule_save(
                by=staff_a, policy=doc,
                data={"item": item, "achievement": achievement, "achievement_year": year, "amount": Decimal(amount),
                      **extra},
            )  # fmt: skip
    incentive = _programme(
        staff_a, county_a, name="工业四十条科技政策兑现", level="county", kind="incentive", award_form="money",
        category="科技创新政策奖励", issuer="开化县经信科技局", policy=doc,
    )  # fmt: skip
    a, b = org("开化县甲硅材料有限公司", county_a), org("开化县乙电器有限公司", county_a)
    award(staff_a, make_call(staff_a, hte, year=2015), b, D(2015, 11, 1))
    hte_call = make_call(staff_a, hte, year=2018)
    award(staff_a, hte_call, a, D(2018, 11, 20))
    award(staff_a, hte_call, b, D(2018, 11, 20))
    for year, title, grade in ((2018, "密封胶", "A类"), (2018, "结构胶", "B类"), (2019, "硅油", "A类")):
        call = make_call(staff_a, product, year=year, name=f"{year}年{title}")
        award(staff_a, call, a, D(year, 9, 1), title=title, grade=grade)
    return {"incentive": incentive, "a": a, "b": b}


def test_one_workbook_several_items_and_claims_each_checked_against_its_rule(staff_a, county_a, history):
    a, b = history["a"], history["b"]
    name = "工业四十条科技政策兑现"
    decision_2019, decision_2020 = "开经信〔2019〕56号", "开经信〔2020〕31号"

    def line(o, year, item, ref, amount, decision, paid=None):
        decided_on, paid_on = (f"{year}-06-20", f"{year}-07-15")
        return [o.credit_code, name, year, item, ref, amount, decision, decided_on,
                amount if paid is None else paid, paid_on]  # fmt: skip

    bad = [
        line(a, 2019, "首次认定高新技术企业", "", 200000, decision_2019),  # good
        line(
            b, 2019, "首次认定高新技术企业", "", 200000, decision_2019
        ),  # 乙's 2018 recognition is a renewal
        line(a, 2019, "省级工业新产品A类", "结构胶", 100000, decision_2019),  # 结构胶 is B类
        line(a, 2019, "省级工业新产品B类", "", 50000, decision_2019),  # 甲 has two 2018 products: which?
        line(a, 2019, "省级工业新产品B类", "结构胶", 60000, decision_2019),  # over the rule's 50,000
    ]
    with pytest.raises(ImportRejected) as info:
        run(bad, staff_a)
    by_row = {}
    for e in info.value.errors:
        by_row.setdefault(e.row, []).append((e.column, e.reason))
    assert set(by_row) == {3, 4, 5, 6}  # row 2 is good; header is row 1
    assert "重新认定" in by_row[3][0][1] and "仅限首次认定" in by_row[3][0][1]
    assert "B类" in by_row[4][0][1]
    assert by_row[5][0][0] == "成果" and "2项" in by_row[5][0][1]
    assert by_row[6][0][0] == "核定金额（元）" and "每项奖励 50000.00 元" in by_row[6][0][1]
    assert not Application.objects.filter(programme=history["incentive"]).exists()  # all or nothing

    good = [
        line(a, 2019, "首次认定高新技术企业", "", 200000, decision_2019),
        line(a, 2019, "省级工业新产品A类", "密封胶", 100000, decision_2019),
        line(a, 2019, "省级工业新产品B类", "结构胶", 50000, decision_2019),
        line(b, 2019, "重新认定高新技术企业", "", 50000, decision_2019),
        line(a, 2020, "省级工业新产品A类", "硅油", 100000, decision_2020),  # 甲's second claim (2020)
    ]
    assert run(good, staff_a).created == 5
    claims = Application.objects.filter(programme=history["incentive"]).order_by("call__year", "pk")
    # 甲 2019: 3 items 350,000; 乙 2019: 1 item 50,000; 甲 2020: 1 item 100,000
    assert [(c.organisation, c.call.year, c.claim_items.count(), c.decided_amount, c.status) for c in claims] == [
        (a, 2019, 3, Decimal("350000"), Status.PAID), (b, 2019, 1, Decimal("50000"), Status.PAID),
        (a, 2020, 1, Decimal("100000"), Status.PAID),
    ]  # fmt: skip
    assert all(i.achievement is not None for i in ClaimItem.objects.all())
    # the same workbook again changes nothing; an achievement is rewarded once
    assert (run(good, staff_a).unchanged, Application.objects.count()) == (5, Application.objects.count())
    with pytest.raises(ImportRejected) as info:
        run([line(a, 2019, "省级工业新产品A类", "密封胶", 100000, decision_2019)[:2]
             + [2019, "省级工业新产品A类", "密封胶", 100000, "开经信〔2019〕77号", "2019-08-01", 100000,
                "2019-08-15"]], staff_a)  # fmt: skip
    assert "同一批次的各项奖励须为同一核定文件" in info.value.errors[0].reason

    # the summary of 2019: 2 enterprises, 4 items (高新技术企业2家, 省级工业新产品2个), 400,000 元 = 40万元
    f = compute("policy.claims", county_a, Period.year_of(2019))
    assert f.text == (
        "针对2018年度“工业四十条”申报的2家企业的4个奖励项目（其中高新技术企业2家、省级工业新产品2个），"
        "兑现政策激励资金40万元"
    )
    assert f.value == Decimal("400000")
    # 2020: 甲's second claim only
    f = compute("policy.claims", county_a, Period.year_of(2020))
    assert (
        f.text
        == "针对2019年度“工业四十条”申报的1家企业的1个奖励项目（其中省级工业新产品1个），兑现政策激励资金10万元"
    )


def test_the_backfill_export_has_one_row_per_item(staff_a, history):
    a = history["a"]
    rows = [
        [a.credit_code, "工业四十条科技政策兑现", 2019, "首次认定高新技术企业", "", 200000, "开经信〔2019〕56号",
         "2019-06-20", 200000, "2019-07-15"],
        [a.credit_code, "工业四十条科技政策兑现", 2019, "省级工业新产品A类", "密封胶", 100000, "开经信〔2019〕56号",
         "2019-06-20", 100000, "2019-07-20"],
    ]  # fmt: skip
    run(rows, staff_a)
    register = REGISTERS["paid_claims"]
    exported = [register.row_values(obj, staff_a) for obj in register.queryset(staff_a)]
    keys = [c.key for c in register.export_columns]
    got = [{k: v for k, v in zip(keys, r, strict=True)} for r in exported]
    assert [(g["achievement"], g["reference"], g["decided_amount"], g["paid_on"]) for g in got] == [
        ("首次认定高新技术企业", "", Decimal("200000"), D(2019, 7, 15)),
        ("省级工业新产品A类", "密封胶", Decimal("100000"), D(2019, 7, 20)),
    ]


# --- 二 innovation entities ----------------------------------------------------------------------------------------


def test_section_two_applications_recognitions_and_registrations(
    staff_a, staff_b, county_a, county_b, hte, sme
):
    lab = _programme(
        staff_a, county_a, name="省重点实验室", level="provincial", kind="qualification",
        award_form="qualification", category="省重点实验室", validity_years=5,
    )  # fmt: skip
    leading = _programme(
        staff_a, county_a, name="省创新型领军企业", level="provincial", kind="qualification",
        award_form="qualification", category="省创新型领军企业", validity_years=3,
    )  # fmt: skip
    complex_ = _programme(
        staff_a, county_a, name="省级产业创新服务综合体", level="provincial", kind="qualification",
        award_form="qualification", category="省级产业创新服务综合体", validity_years=3,
    )  # fmt: skip
    orgs = [org(f"开化县{x}科技有限公司", county_a) for x in "甲乙丙丁戊己庚辛"]
    # 2025 applications (county deadline 2025-04-20):
    #   高新技术企业: 甲…己 submitted (6), 庚 withdrawn, 辛 draft → 6家, more than 5: no names
    #   省重点实验室: 甲 → 1家（甲）
    #   省创新型领军企业: 乙 → 1家（乙）, recognised 2025-12-01
    #   省级产业创新服务综合体: 丙 with the platform's name → 1家（丙）, approved 2025-12-10
    #   国家科技型中小企业 (registration): 甲…丁 evaluated (4), 甲 and 乙 registered; 戊 withdrawn
    # a 2024 application and county B's are not counted
    hte_call = make_call(staff_a, hte, year=2025)
    for o in orgs[:6]:
        submit(staff_a, hte_call, organisation=o)
    withdrawn = submit(staff_a, hte_call, organisation=orgs[6])
    services.application_transition(
        application=withdrawn, to=Status.WITHDRAWN, by=staff_a, comment="材料不全"
    )
    services.application_create(by=staff_a, data={"call": hte_call, "organisation": orgs[7]})
    submit(staff_a, make_call(staff_a, lab, year=2025), organisation=orgs[0])
    recognised = approve(staff_a, submit(staff_a, make_call(staff_a, leading, year=2025), organisation=orgs[1]),
                         D(2025, 12, 1))  # fmt: skip
    platform = approve(
        staff_a,
        submit(staff_a, make_call(staff_a, complex_, year=2025), organisation=orgs[2], title="浙江省绿色硅材料产业创新服务综合体"),
        D(2025, 12, 10),
    )  # fmt: skip
    sme_call = make_call(staff_a, sme, year=2025)
    registered = [
        approve(staff_a, submit(staff_a, sme_call, organisation=o), D(2025, 5, 10)) for o in orgs[:2]
    ]
    for o in orgs[2:4]:
        submit(staff_a, sme_call, organisation=o)
    gone = submit(staff_a, sme_call, organisation=orgs[4])
    services.application_transition(application=gone, to=Status.WITHDRAWN, by=staff_a, comment="撤回")
    submit(staff_a, make_call(staff_a, hte, year=2024), organisation=orgs[7])
    hte_b = _programme(
        staff_b, county_b, name="国家高新技术企业认定", level="national", kind="qualification",
        award_form="qualification", category="高新技术企业", validity_years=3,
    )  # fmt: skip
    submit(staff_b, make_call(staff_b, hte_b, year=2025), organisation=org("常山县乙材料有限公司", county_b))

    f = compute("entities.applications", county_a, Y2025)
    assert f.value == 9  # 6 + 1 + 1 + 1
    assert f.text == (
        "全年共申报6家高新技术企业，1家省创新型领军企业（开化县乙科技有限公司），"
        "1家省级产业创新服务综合体（开化县丙科技有限公司），1家省重点实验室（开化县甲科技有限公司）"
    )  # national first; then by size, then by name in code-point order (创 < 级 < 重)
    assert withdrawn.pk not in ids(f) and len(ids(f)) == 9

    g = compute("entities.new_qualifications", county_a, Y2025)
    assert g.value == 2
    assert g.text == (
        "开化县乙科技有限公司成功被认定为省创新型领军企业；浙江省绿色硅材料产业创新服务综合体成功获批省级产业创新服务综合体"
    )
    assert ids(g) == {recognised.pk, platform.pk}

    h = compute("entities.sme_registered", county_a, Y2025)
    # evaluated: 甲 乙 丙 丁 (戊 withdrawn) = 4; registered 甲 乙 = 2
    assert (h.value, h.text) == (2, "组织参评国家科技型中小企业4家，其中2家企业成功入库登记")
    assert ids(h) == {r.pk for r in registered}
    empty = compute("entities.new_qualifications", county_a, Period.year_of(2023))
    assert (empty.value, empty.text) == (0, "本期无新认定资质")
