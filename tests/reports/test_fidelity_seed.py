"""Fidelity (issue 11): 开化县's 2020 records entered through the registers and pages (tests/reports/seed_county.py),
then the product's 2020 summary, sentence by sentence, against the bureau's own summary."""

from __future__ import annotations

import os

import pytest
from django.db import transaction

from kechuang.core.reference import load_reference_data
from kechuang.reports import exports
from kechuang.reports import summary as s
from kechuang.reports.figures import Period, compute
from kechuang.rnd.reference import load_deduction_rates

from . import seed_county as seed_data

pytestmark = pytest.mark.django_db
PERIOD = Period.year_of(2020)


@pytest.fixture(scope="module")
def seed(django_db_setup, django_db_blocker):
    """The dataset, built once for the module inside a transaction rolled back at the end."""
    with django_db_blocker.unblock(), transaction.atomic():
        load_reference_data()
        load_deduction_rates()
        built = seed_data.build()
        summary = s.summary_create(by=built.staff_a, county=built.county, period=PERIOD)
        built.results["summary"] = summary
        yield built
        transaction.set_rollback(True)


def figure(seed, key):
    return compute(key, seed.county, PERIOD)


def section_text(seed, number):
    rendered = s.render(seed.results["summary"])
    return "\n".join(p.plain for p in rendered.sections[number - 1].paragraphs)


def states(seed, number, key, *pieces, count=None, value=None):
    """The figure `key` says every piece, its evidence counts `count` records, and section `number` of the
    rendered summary quotes its sentence."""
    f = figure(seed, key)
    for piece in pieces:
        assert piece in f.text, (key, piece, f.text)
    if count is not None:
        assert f.evidence_count == count, (key, f.evidence_count, count)
    if value is not None:
        assert f.value == value, (key, f.value, value)
    return f


def quoted(seed, number, *keys):
    text = section_text(seed, number)
    missing = [k for k in keys if figure(seed, k).text not in text]
    assert not missing, (missing, text)


# --- 一 政策激励 ----------------------------------------------------------------------------------------------------


def test_section_1_policies_with_their_numbers_and_the_claims_paid(seed):
    # The four documents the bureau took part in making, each with its 文号; the implemented-only 浙科发 notice,
    # 2021's 要点 and 常山县's policy are not among them (the 2019 工业四十条 is another year's).
    docs = states(seed, 1, "policy.documents", "参与制定出台",
                  *(f"《{title}》（{number}）" for number, title, *_r in seed_data.POLICIES_2020), count=4)  # fmt: skip
    for other in (seed_data.IMPLEMENTED_2020[0], seed_data.POLICY_2021[0], seed_data.POLICY_B_2020[0],
                  seed_data.POLICY_2019):  # fmt: skip
        assert other not in docs.text
    states(seed, 1, "policy.documents_implemented", seed_data.IMPLEMENTED_2020[0], count=1)
    # 38 enterprises, 41 items (高企 5, 省科技型 15, 省新产品 21), 183万元 = 1,830,000 元 (seed_county.CLAIM_ITEMS);
    # the 2021 payment to 样本企业39 is not counted.
    states(seed, 1, "policy.claims", "38家企业", "41个", "高新技术企业5家", "省科技型中小企业15家", "21个",
           "183万元", value=seed_data.CLAIM_TOTAL)  # fmt: skip
    states(seed, 1, "policy.claims_enterprises", "38家", count=38, value=38)
    states(seed, 1, "policy.claim_items", "41项", "高新技术企业5项", "省科技型中小企业15项", "省新产品试制计划21项",
           count=41, value=41)  # fmt: skip
    states(seed, 1, "policy.money_paid", "183万元", count=41, value=seed_data.CLAIM_TOTAL)
    quoted(seed, 1, "policy.documents", "policy.documents_implemented", "policy.claims")


def test_section_1_prose_quotes_the_claims_sentence(seed):
    quoted(seed, 1, "policy.claims")


# --- 二 创新主体培育 ---------------------------------------------------------------------------------------------------


def test_section_2_qualification_applications_by_category(seed):
    # 9 + 16 + 1 + 1 + 3 = 30 applications of 2020; 样本企业49's withdrawn 高企 application, 样本企业50's 2021 one
    # and 常山县's are not counted.
    f = states(seed, 2, "entities.applications", "9家高新技术企业", "16家省科技型中小企业",
               f"1家省重点实验室（{seed_data.HUAKANG}）", f"1家省高新技术企业研发中心（{seed_data.RUIDA}）",
               "3家市级企业研发中心", count=30, value=30)  # fmt: skip
    for name in (seed_data.ZHENGRONG, seed_data.XIANGSHENG, seed_data.HAIYU):
        assert name in f.text
    assert seed_data.OTHER_B not in f.text and seed_data.ZJU not in f.text
    # 国家科技型中小企业: 30 evaluated, 13 registered (入库登记编号 2020330824A…).
    states(seed, 2, "entities.sme_registered", "组织参评国家科技型中小企业30家", "13家企业成功入库登记",
           count=13, value=13)  # fmt: skip
    quoted(seed, 2, "entities.applications", "entities.sme_registered")


def test_section_2_partner_outside_the_county_is_registered_but_not_counted(seed):
    from kechuang.core.models import Organisation

    zju = Organisation.objects.get(name=seed_data.ZJU)
    assert zju.region_id == "330106" and not zju.is_local
    # The 2020 roster count is the county's own enterprises only.
    states(seed, 4, "rnd.above_scale_count", "71家", count=71, value=71)


def test_section_2_recognitions_without_certificate_numbers(seed):
    # 七一电器 recognised 省创新型领军企业 (its 2019 application, decided 2020-08-10); the 开发区管委会's
    # 浙江省绿色硅材料产业创新服务综合体 approved 2020-06-30.
    f = states(seed, 2, "entities.new_qualifications", "省创新型领军企业", seed_data.QIYI, "产业创新服务综合体",
               count=2, value=2)  # fmt: skip
    assert seed_data.COMPLEX_TITLE in f.text or seed_data.ZONE in f.text
    quoted(seed, 2, "entities.new_qualifications")


# --- 三 科技计划项目 ---------------------------------------------------------------------------------------------------


def test_section_3_plan_projects_by_level_category_and_nature(seed):
    # 43 applied: 国家 1, 省 3 + 20 = 23, 市 8 + 11 = 19 (the withdrawn 市指导性 and 2019's are not counted);
    # 30 approved: 国家 1, 省 1 + 15 = 16, 市 3 + 10 = 13.
    states(seed, 3, "projects.applications", "43项", "国家级1项、省级23项、市级19项", "列入各级科技计划项目30项",
           "国家级1项、省级16项、市级13项", count=43, value=43)  # fmt: skip
    approvals = states(seed, 3, "projects.approvals", "30项", f"{seed_data.QIYI}“{seed_data.QIYI_PROJECT}”",
                       f"省重点研发计划1项：{seed_data.HECHENG}“{seed_data.HECHENG_PROJECT}”", "省新产品试制计划15项",
                       count=30, value=30)  # fmt: skip
    assert "常山" not in approvals.text and "新产品2019号" not in approvals.text
    # 市级: 竞争性 3 with 50 + 40 + 30 = 120万元, 指导性 10.
    states(seed, 3, "projects.by_nature", "市级竞争性项目3项，共获经费补助120万元", "市级指导性项目10项",
           count=13, value=13)  # fmt: skip
    # Grants: 国家 50万元 + 市级 120万元 = 170万元, from the four awards with money.
    states(seed, 3, "projects.grants", "170万元", "国家级50万元", "市级120万元", count=4, value=1_700_000)
    quoted(seed, 3, "projects.applications", "projects.approvals", "projects.grants")


def test_section_3_prose_says_competitive_and_guiding(seed):
    # The approvals sentence carries the seed's split of the 13 city projects (竞争性 3, 指导性 10) and the
    # grants sentence their 120万元; projects.by_nature says it in the seed's own order for staff who quote it.
    printed = section_text(seed, 3)
    assert "竞争性项目3项、指导性项目10项" in printed and "市级120万元（均为竞争性项目）" in printed


# --- 四 R&D 经费投入 -----------------------------------------------------------------------------------------------------


def test_section_4_rnd_on_the_statistical_caliber(seed):
    # Returns filed in 2020, by name: 5 annual rounds of 2019 + 高企季报 Q1–Q3 = 8 filings (Q4 is due in 2021).
    names = [name for name, _f, _r in seed_data.RETURN_TYPES]
    states(seed, 4, "rnd.returns_completed", *names, "8家次", count=8, value=8)
    states(seed, 4, "rnd.official_rd", seed_data.MONITORING, "2019年R&D经费支出1.33亿元", "占GDP比重0.91%",
           "比上年增加0.26个百分点", "全省89个县（市、区）排名分别为第82位和第29位", count=2)  # fmt: skip
    states(seed, 4, "rnd.target_attainment", "已完成原制定的2019年度", "R&D经费支出1亿元以上",
           "R&D经费投入强度超过0.70%", count=2, value=2)  # fmt: skip
    # 10 roster enterprises × 3 quarters × 4,200,000 = 1.26亿元 (30 returns); growth on the same enterprises'
    # 89,171,975 元 = 41.30%. OFF_ROSTER's 5,000,000 and 常山县's 9,000,000 are not counted.
    states(seed, 4, "rnd.rd_ytd", "2020年1-9月", "1.26亿元", "同口径同比增长41.30%", count=30,
           value=seed_data.RD_YTD)  # fmt: skip
    states(seed, 4, "rnd.above_scale_count", "纳入2020年度统计的规上工业企业共71家", count=71, value=71)
    states(
        seed,
        4,
        "rnd.high_tech_va",
        "2020年1-9月高新技术产业增加值7.58亿元",
        "居全市6个县（市、区）第5位",
        count=1,
    )
    states(seed, 4, "rnd.high_tech_share", "61.60%", "居全市6个县（市、区）第1位", count=1)
    quoted(seed, 4, "rnd.returns_completed", "rnd.official_rd", "rnd.target_attainment", "rnd.rd_ytd",
           "rnd.above_scale_count", "rnd.high_tech_va", "rnd.high_tech_share")  # fmt: skip


# --- 六 招才引智 -----------------------------------------------------------------------------------------------------------


def test_section_6_nomination_checks_and_team_funds(seed):
    states(
        seed,
        6,
        "talent.nominations",
        "万人计划",
        seed_data.TALENT_CATEGORY,
        seed_data.HAINA,
        count=1,
        value=1,
    )
    # 华康's 中期检查 and the eleven 实地考核 of 2020 (the 2019 one is not counted): 12 checks.
    states(seed, 6, "talent.checks_passed", "1个省领军型创新团队通过中期检查",
           "1个市重点创新团队和10个县重点创新团队通过实地考核", count=12, value=12)  # fmt: skip
    # 10 × 50,000 + 150,000 = 65万元 to the 11 teams checked.
    states(seed, 6, "talent.team_funds", "65万元", count=11, value=seed_data.TEAM_FUNDS)
    states(
        seed,
        6,
        "talent.site_checks",
        "10个县重点创新团队",
        "1个市重点创新团队",
        "下拨项目资金65万元",
        count=11,
    )
    quoted(seed, 6, "talent.nominations", "talent.checks_passed")


def test_section_6_prose_quotes_the_checks_and_the_funds_once(seed):
    # The checks (中期检查, 实地考核) and the money (425万元 matching, 65万元 to the teams checked), each said once;
    # talent.site_checks says checks and money in one sentence, for staff who prefer the seed's order.
    quoted(seed, 6, "talent.matching_paid", "talent.checks_passed", "talent.team_funds")
    text = section_text(seed, 6)
    assert text.count("65万元") == 1 and text.count("425万元") == 1 and text.count("实地考核") == 1


def test_section_6_huakang_matching_funds_425(seed):
    states(seed, 6, "talent.matching_paid", "425万元", seed_data.HUAKANG, count=1, value=seed_data.MATCHING)


# --- the Word file --------------------------------------------------------------------------------------------------------


def test_word_export_states_the_figures_and_no_placeholder(seed, tmp_path):
    import io

    from docx import Document

    data = exports.build_docx(s.render(seed.results["summary"]))
    text = "\n".join(p.text for p in Document(io.BytesIO(data)).paragraphs)
    for piece in ("183万元", "（开经信〔2020〕80号）", "13家企业成功入库登记", "170万元", "1.26亿元",
                  "第82位和第29位", seed_data.HAINA):  # fmt: skip
        assert piece in text, piece
    assert "{" not in text and s.NO_DATA not in text.split("五、")[0]
    target = os.environ.get("KC_SEED_DOCX")  # to look at it: KC_SEED_DOCX=/tmp/h6/seed.docx
    if target:
        with open(target, "wb") as out:
            out.write(data)
