"""Summary section 六 (talent and teams) on a hand-built year like the seed's: nominations named with the
programme's family and the nominee's organisation; innovation teams as team programmes' awards — level and
type from the programme, the host organisation, the construction period (建设期) on the award, editable on
the page, through the registers and the API; checks per team (中期检查, 实地考核, 年度考核); matching funds
apart from other team funds, the recipients named where few. Expected values are worked out by hand in the
comments; the dataset holds records that must not count (a withdrawn nomination, another county, another
year, a failed check, a plan project's check and money)."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from kechuang.core.models import AuditEvent, Region
from kechuang.imports.report import ImportRejected
from kechuang.programmes import services
from kechuang.programmes.models import Award, Milestone, Status
from kechuang.reports.figures import Period, compute
from tests.conftest import client_for
from tests.factories import OrganisationFactory, PersonFactory

from .fixtures import make_call
from .test_figures import award, ids, matching_paid, on, submit
from .test_imports import run

pytestmark = pytest.mark.django_db
D = dt.date
Y2025 = Period.year_of(2025)
HUAKANG_TEAM = "农业秸秆废弃物生物质燃料关键技术开发及产业化创新团队"


def programme(staff, county, name, level, kind, category, **extra):
    data = {"county": county, "name": name, "level": level, "kind": kind, "category": category,
            "issuer": "人才办", "award_form": "project" if kind == "team" else "honour", **extra}  # fmt: skip
    return services.programme_save(by=staff, data=data)


def check(staff, award_, kind, done, result="passed"):
    return services.milestone_save(
        by=staff, award=award_, data={"kind": kind, "due_on": done, "done_on": done, "result": result}
    )


def pay(staff, award_, amount, paid_on, source="county", voucher=None):
    """Team funds that are not matching funds (no 公示 needed for them)."""
    return on(
        paid_on, services.disbursement_create,
        by=staff, award=award_,
        data={"amount": Decimal(amount), "source": source, "fiscal_year": paid_on.year, "paid_on": paid_on,
              "voucher_no": voucher or f"团-{award_.pk}-{paid_on:%Y%m%d}"},
    )  # fmt: skip


@pytest.fixture
def city(reference):
    return Region.objects.get(code="330800")


@pytest.fixture
def teams(staff_a, staff_b, county_a, county_b):
    """County A:
      万人计划科技创新领军人才 (provincial talent, category 万人计划): 2025 call — 张三 of 浙江海纳半导体有限公司
        (nominated), 李四 (withdrawn: not counted)
      省领军型创新团队: 浙江华康药业股份有限公司's team, approved 2019-06-01, matching 4,250,000, 建设期
        2019-06-01..2024-05-31
      市级重点创新团队: 开化县市队有限公司's team, approved 2019-09-01, 100,000
      县重点创新团队: 县队1–县队4, approved 2019-09-01, 100,000 each
      a plan project (省重点研发计划) of 开化县项目有限公司, approved 2025-01-10, 100,000
    County B: a county key team approved 2019-09-01, 100,000."""
    wanren = programme(
        staff_a, county_a, "万人计划科技创新领军人才", "provincial", "talent", "万人计划", for_people=True
    )
    leading = programme(staff_a, county_a, "省领军型创新团队", "provincial", "team", "领军型创新团队")
    city_key = programme(staff_a, county_a, "市级重点创新团队", "city", "team", "重点创新团队")
    county_key = programme(
        staff_a, county_a, "县重点创新团队", "county", "team", "重点创新团队", issuer="开化县人民政府"
    )
    plan = services.programme_save(
        by=staff_a, data={"county": county_a, "name": "省重点研发计划", "level": "provincial", "kind": "project",
                          "award_form": "project", "category": "省重点研发计划", "issuer": "浙江省科学技术厅"},
    )  # fmt: skip
    r = {}
    call = make_call(staff_a, wanren, year=2025)
    zhang = PersonFactory(name="张三", county=county_a, organisation_name="浙江海纳半导体有限公司")
    r["zhang"] = submit(staff_a, call, person=zhang)
    r["li"] = submit(staff_a, call, person=PersonFactory(name="李四", county=county_a))
    services.application_transition(application=r["li"], to=Status.WITHDRAWN, by=staff_a, comment="本人放弃")
    r["huakang"] = award(
        staff_a, make_call(staff_a, leading, year=2019), OrganisationFactory(name="浙江华康药业股份有限公司", region=county_a),
        D(2019, 6, 1), title=HUAKANG_TEAM, matching_amount=Decimal(4_250_000),
        valid_from=D(2019, 6, 1), valid_until=D(2024, 5, 31),
    )  # fmt: skip
    r["city_team"] = award(
        staff_a, make_call(staff_a, city_key, year=2019), OrganisationFactory(name="开化县市队有限公司", region=county_a),
        D(2019, 9, 1), title="市队", amount=Decimal(100_000),
    )  # fmt: skip
    county_call = make_call(staff_a, county_key, year=2019)
    for i in range(1, 5):
        r[f"county{i}"] = award(
            staff_a, county_call, OrganisationFactory(name=f"开化县县队{i}有限公司", region=county_a), D(2019, 9, 1),
            title=f"县队{i}", amount=Decimal(100_000),
        )  # fmt: skip
    r["project"] = award(
        staff_a, make_call(staff_a, plan, year=2025), OrganisationFactory(name="开化县项目有限公司", region=county_a),
        D(2025, 1, 10), title="项目", amount=Decimal(100_000),
    )  # fmt: skip
    county_key_b = programme(staff_b, county_b, "县重点创新团队", "county", "team", "重点创新团队")
    r["team_b"] = award(
        staff_b, make_call(staff_b, county_key_b, year=2019), OrganisationFactory(region=county_b), D(2019, 9, 1),
        title="常山队", amount=Decimal(100_000),
    )  # fmt: skip
    return r


@pytest.fixture
def checked(teams, staff_a, staff_b):
    """The checks and money of 2025 (and a few that must not count):
    华康 mid-term check passed 2025-06-10, annual check passed 2025-12-01; its matching funds 4,250,000
      paid 2025-08-01
    site checks 2025-10-10: 县队1–县队3 passed, 县队4 failed; 市队 passed 2025-10-12
    team funds 2025-10-20: 50,000 to each of 县队1–县队4 and to 市队 (= 250,000)
    not counted: 县队1's site check of 2024-10-10 and its 50,000 of 2024-10-20 (another year); the plan
      project's site check and its 100,000 (not a team); county B's team's site check and 50,000."""
    r = dict(teams)
    r["mid"] = check(staff_a, teams["huakang"], "mid_term", D(2025, 6, 10))
    r["annual"] = check(staff_a, teams["huakang"], "annual_check", D(2025, 12, 1))
    r["site"] = [check(staff_a, teams[f"county{i}"], "site_check", D(2025, 10, 10)) for i in (1, 2, 3)]
    r["site_failed"] = check(staff_a, teams["county4"], "site_check", D(2025, 10, 10), "failed")
    r["site_city"] = check(staff_a, teams["city_team"], "site_check", D(2025, 10, 12))
    check(staff_a, teams["county1"], "site_check", D(2024, 10, 10))
    pay(staff_a, teams["county1"], 50_000, D(2024, 10, 20))
    check(staff_a, teams["project"], "site_check", D(2025, 10, 10))
    pay(staff_a, teams["project"], 100_000, D(2025, 10, 20), source="provincial")
    check(staff_b, teams["team_b"], "site_check", D(2025, 10, 10))
    pay(staff_b, teams["team_b"], 50_000, D(2025, 10, 20))
    r["matching"] = matching_paid(staff_a, teams["huakang"], 4_250_000, D(2025, 8, 1))
    r["funds"] = [pay(staff_a, teams[k], 50_000, D(2025, 10, 20)) for k in ("county1", "county2", "county3", "county4",
                                                                            "city_team")]  # fmt: skip
    return r


def test_nominations_name_the_programme_family_and_the_nominees_organisation(teams, county_a):
    # 2025 calls: 万人计划科技创新领军人才 — 张三 (李四 withdrawn); the teams' calls are 2019's → 1
    f = compute("talent.nominations", county_a, Y2025)
    assert f.value == 1
    assert (
        f.text
        == "推荐申报人才计划和创新团队1项，其中“万人计划”科技创新领军人才1人（浙江海纳半导体有限公司张三）"
    )
    assert ids(f) == {teams["zhang"].pk}
    # 2019: the teams' nominations, by programme (provincial, city, county), hosts and team names listed
    f = compute("talent.nominations", county_a, Period.year_of(2019))
    assert f.value == 6
    assert f.text == (
        "推荐申报人才计划和创新团队6项，其中省领军型创新团队1个（浙江华康药业股份有限公司“"
        + HUAKANG_TEAM
        + "”；已入选1个）、"
        "市级重点创新团队1个（开化县市队有限公司“市队”；已入选1个）、"
        "县重点创新团队4个（开化县县队1有限公司“县队1”、开化县县队2有限公司“县队2”、开化县县队3有限公司“县队3”、"
        "开化县县队4有限公司“县队4”；已入选4个）"
    )


def test_site_checks_and_the_money_paid_to_the_teams_checked(checked, county_a, city):
    # 2025 site checks of teams: 市队 (city) and 县队1–县队4 (county; 县队4 failed) → 5 teams;
    # money paid in 2025 to those five: 5 × 50,000 = 250,000 → 25万元 (the plan project's check and money,
    # county B's team and 县队1's 2024 check and payment do not count)
    f = compute("talent.site_checks", county_a, Y2025)
    assert f.value == 5
    assert f.text == "对1个市级重点创新团队和4个县重点创新团队进行实地考核（1个未通过）并下拨项目资金25万元"
    assert ids(f) == {m.pk for m in (*checked["site"], checked["site_failed"], checked["site_city"])}
    # 2024: 县队1 alone, and its 50,000 of that year
    assert compute("talent.site_checks", county_a, Period.year_of(2024)).text == (
        "对1个县重点创新团队进行实地考核并下拨项目资金5万元"
    )
    # the city: county B's team joins the county key teams (same programme name) and its 50,000 → 30万元
    assert compute("talent.site_checks", city, Y2025).text == (
        "对1个市级重点创新团队和5个县重点创新团队进行实地考核（1个未通过）并下拨项目资金30万元"
    )
    empty = compute("talent.site_checks", county_a, Period.year_of(2023))
    assert (empty.value, empty.text) == (0, "本期未对创新团队进行实地考核")


def test_checks_passed_per_team(checked, county_a):
    # 2025, passed: 华康 中期检查 + 年度考核; 县队1–县队3 and 市队 实地考核 → 6 checks of 5 teams (more than three:
    # counted by check and programme); 县队4's failed check said apart; the plan project's check not a team's
    f = compute("talent.checks_passed", county_a, Y2025)
    assert f.value == 6
    assert f.text == (
        "1个省领军型创新团队通过中期检查；1个市级重点创新团队和3个县重点创新团队通过实地考核；"
        "1个省领军型创新团队通过年度考核；另有1次检查考核未通过"
    )
    assert ids(f) == {
        m.pk for m in (checked["mid"], checked["annual"], *checked["site"], checked["site_city"])
    }
    assert checked["site_failed"].pk not in ids(f)
    # January–June: only 华康's mid-term check → the team named, as the seed names it
    f = compute("talent.checks_passed", county_a, Period.months(2025, 1, 6))
    assert (f.value, f.text) == (
        1,
        "浙江华康药业股份有限公司省领军型创新团队“" + HUAKANG_TEAM + "”通过中期检查",
    )


def test_matching_funds_name_the_recipient(checked, county_a):
    # 2025 matching funds: 华康's 4,250,000 → 425万元, one recipient (the plan project and the teams' own funds
    # are not matching funds)
    f = compute("talent.matching_paid", county_a, Y2025)
    assert f.value == Decimal("4250000")
    assert f.text == "完成浙江华康药业股份有限公司省领军型创新团队县级配套资金425万元的拨付"
    assert ids(f) == {checked["matching"].pk}
    empty = compute("talent.matching_paid", county_a, Period.year_of(2024))
    assert (empty.value, empty.text) == (Decimal("0"), "本期未拨付人才和团队配套资金")


def test_matching_funds_of_a_team_led_by_a_person_name_the_leader_once(staff_a, county_a):
    # A team programme whose applicant is its leader (浙江省领军型创新创业团队, 黄颖红): 1,500,000 matching paid
    # 2026-03-01 → "完成黄颖红领衔的浙江省领军型创新创业团队县级配套资金150万元的拨付" — the programme's family
    # (its category) is not repeated before the team's name.
    team = programme(staff_a, county_a, "浙江省领军型创新创业团队", "provincial", "team", "领军型创新团队",
                     for_people=True)  # fmt: skip
    leader = PersonFactory(name="黄颖红", county=county_a, organisation_name="浙江绿翔橡塑材料有限公司")
    led = award(staff_a, make_call(staff_a, team, year=2025), None, D(2025, 10, 1), person=leader,
                title="有机硅高性能材料团队", matching_amount=Decimal(1_500_000))  # fmt: skip
    matching_paid(staff_a, led, 1_500_000, D(2026, 3, 1))
    f = compute("talent.matching_paid", county_a, Period.year_of(2026))
    assert f.text == "完成黄颖红领衔的浙江省领军型创新创业团队县级配套资金150万元的拨付"


def test_other_team_funds(checked, staff_a, county_a):
    # 2025 team funds that are not matching: 市队 50,000 and 县队1–县队4 4 × 50,000 → 250,000 = 25万元; five teams,
    # not named (华康's matching funds, the plan project's money and county B's are not counted)
    f = compute("talent.team_funds", county_a, Y2025)
    assert f.value == Decimal("250000")
    assert f.text == "拨付创新团队项目资金25万元，其中市级重点创新团队1个5万元、县重点创新团队4个20万元"
    assert ids(f) == {d.pk for d in checked["funds"]}
    # 2024: 县队1's 50,000 alone → named
    assert compute("talent.team_funds", county_a, Period.year_of(2024)).text == (
        "拨付1个县重点创新团队（开化县县队1有限公司“县队1”）项目资金5万元"
    )
    empty = compute("talent.team_funds", county_a, Period.year_of(2023))
    assert (empty.value, empty.text) == (Decimal("0"), "本期未拨付创新团队项目资金")


# --- the team record: level and type (programme), host (applicant), period (award), checks --------------------


def test_a_teams_period_is_checked_and_edited_through_the_edit_mechanism(teams, staff_a):
    team = teams["city_team"]
    with pytest.raises(ValidationError) as e:
        services.award_update(
            by=staff_a, award=team, data={"valid_from": D(2019, 9, 1), "valid_until": D(2019, 1, 1)}
        )
    assert "期限截止不能早于起始日期" in str(e.value)
    # the award page: the period's fields are offered for a team (建设期), saved as a compare-and-set edit
    client = client_for(staff_a)
    edit = reverse("programmes:award_edit", args=[team.pk])
    form = client.get(edit).content.decode()
    assert "建设期至" in form and 'name="_loaded"' in form
    response = client.post(
        edit, {"decided_on": "2019-09-01", "amount": "10", "matching_amount": "0", "valid_from": "",
               "valid_until": "2022-08-31", "_loaded": _loaded(form)},
    )  # fmt: skip
    assert response.status_code == 302
    team.refresh_from_db()
    assert (team.valid_from, team.valid_until) == (D(2019, 9, 1), D(2022, 8, 31))  # from the approval date
    event = AuditEvent.objects.filter(
        object_type="programmes.award", action="update", object_id=str(team.pk)
    ).get()
    assert event.after["valid_until"] == "2022-08-31"
    page = client.get(reverse("programmes:award_detail", args=[team.pk])).content.decode()
    assert "建设期" in page and "2022年8月31日" in page


def _loaded(page):
    import re

    return re.search(r'name="_loaded" value="([^"]*)"', page)[1]


def test_a_qualification_keeps_its_computed_validity(staff_a, county_a):
    hte = services.programme_save(
        by=staff_a, data={"county": county_a, "name": "高企", "level": "national", "kind": "qualification",
                          "award_form": "qualification", "category": "高新技术企业", "issuer": "科技部",
                          "validity_years": 3},
    )  # fmt: skip
    a = award(staff_a, make_call(staff_a, hte, year=2025), OrganisationFactory(region=county_a), D(2025, 12, 1),
              certificate_no="GR1", valid_until=D(2030, 1, 1))  # fmt: skip
    assert a.valid_until == D(2028, 11, 30)  # three years from the certificate date, whatever was typed


RESULT_HEADER = [
    "统一社会信用代码",
    "项目类别",
    "批次",
    "项目名称",
    "结果",
    "批准日期",
    "县配套资金（元）",
    "期限起",
    "期限至",
]


def test_a_historical_team_enters_through_the_results_register_with_its_period(teams, staff_a, county_a):
    # a 2018 provincial leading team recorded after the fact: the application, its approval and its period
    host = OrganisationFactory(name="浙江合成材料有限公司", region=county_a)
    leading = teams["huakang"].programme
    make_call(staff_a, leading, year=2018, name="2018年第一批")
    row = [host.credit_code, "省领军型创新团队", "2018年第一批", "有机硅创新团队", "批准", "2018-07-01", 2_000_000,
           "2018-07-01", "2023-06-30"]  # fmt: skip
    result = run("application_results", RESULT_HEADER, [row], staff_a)
    assert result.created == 1
    team = Award.objects.get(application__organisation=host)
    assert (team.valid_from, team.valid_until, team.matching_amount) == (
        D(2018, 7, 1),
        D(2023, 6, 30),
        Decimal(2_000_000),
    )
    assert team.application.status == Status.APPROVED
    # its checks are the award's milestones, 年度考核 among them
    annual = check(staff_a, team, "annual_check", D(2019, 7, 1))
    assert annual.get_kind_display() == "年度考核"
    assert compute("talent.checks_passed", county_a, Period.year_of(2019)).text == (
        "浙江合成材料有限公司省领军型创新团队“有机硅创新团队”通过年度考核"
    )
    # a period ending before it starts is refused on the row, nothing written
    other = OrganisationFactory(region=county_a)
    with pytest.raises(ImportRejected):
        run(
            "application_results",
            RESULT_HEADER,
            [[other.credit_code, *row[1:7], "2018-07-01", "2017-01-01"]],
            staff_a,
        )
    assert not Award.objects.filter(application__organisation=other).exists()
    # the awards register exports the period and imports it back unchanged
    assert run("awards", ["统一社会信用代码", "项目类别", "批次", "项目名称", "批准日期", "期限至"],
               [[host.credit_code, "省领军型创新团队", "2018年第一批", "有机硅创新团队", "2018-07-01", "2024-06-30"]],
               staff_a).updated == 1  # fmt: skip
    team.refresh_from_db()
    assert team.valid_until == D(2024, 6, 30)
    # a file made from the older template (有效期至, before the column also held periods) still imports
    assert run("awards", ["统一社会信用代码", "项目类别", "批次", "项目名称", "批准日期", "有效期至"],
               [[host.credit_code, "省领军型创新团队", "2018年第一批", "有机硅创新团队", "2018-07-01", "2025-06-30"]],
               staff_a).updated == 1  # fmt: skip
    team.refresh_from_db()
    assert team.valid_until == D(2025, 6, 30)
    # but not both headers of one column
    with pytest.raises(ImportRejected, match="表头"):
        run("awards", ["统一社会信用代码", "项目类别", "批次", "项目名称", "批准日期", "期限至", "有效期至"],
            [[host.credit_code, "省领军型创新团队", "2018年第一批", "有机硅创新团队", "2018-07-01", "2025-06-30",
              "2025-06-30"]], staff_a)  # fmt: skip


def test_the_api_records_a_teams_period_on_approval(staff_a, county_a, teams):
    host = OrganisationFactory(region=county_a)
    app = submit(
        staff_a, make_call(staff_a, teams["huakang"].programme, year=2025), organisation=host, title="新团队"
    )
    services.application_transition(application=app, to=Status.RECOMMENDED, by=staff_a)
    client = client_for(staff_a)
    response = client.post(
        f"/api/programmes/applications/{app.pk}/approve",
        {"decided_on": "2025-06-01", "valid_until": "2030-05-31"},
        content_type="application/json",
    )
    assert response.status_code == 200, response.content
    award_ = Award.objects.get(application=app)
    assert (award_.valid_from, award_.valid_until) == (D(2025, 6, 1), D(2030, 5, 31))
    body = client.get(f"/api/programmes/awards/{award_.pk}").json()
    assert (body["valid_from"], body["valid_until"]) == ("2025-06-01", "2030-05-31")


def test_annual_check_is_a_milestone_kind():
    assert Milestone.Kind.ANNUAL_CHECK.label == "年度考核"


# --- 补录: a team's past money, through the register, the API and the service --------------------------------

PAY_HEADER = ["统一社会信用代码", "项目类别", "批次", "项目名称", "金额（元）", "资金来源", "预算年度", "拨付日期", "凭证号",
              "配套资金", "补录依据（文号）"]  # fmt: skip


def test_past_matching_funds_of_a_team_are_recorded_as_backfill(teams, staff_a, county_a):
    huakang = teams["huakang"]
    key = [huakang.organisation.credit_code, "省领军型创新团队", huakang.application.call.name, HUAKANG_TEAM]
    # the live path cannot record 2020's money: no payment 公示 ran before it
    with pytest.raises(ImportRejected) as e:
        run("disbursements", PAY_HEADER[:-1], [[*key, 4_250_000, "县级财政", 2020, "2020-11-20", "记-2020-11-08", "是"]],
            staff_a)  # fmt: skip
    assert "公示" in str(e.value.errors[0])
    # with the document it rests on: recorded as 补录, dated 2020
    row = [*key, 4_250_000, "县级财政", 2020, "2020-11-20", "记-2020-11-08", "是", "开经信〔2020〕101号"]
    assert run("disbursements", PAY_HEADER, [row], staff_a).created == 1
    paid = huakang.disbursements.get()
    assert (paid.is_backfill, paid.backfill_reference, paid.is_matching, paid.paid_on) == (
        True, "开经信〔2020〕101号", True, D(2020, 11, 20),
    )  # fmt: skip
    assert AuditEvent.objects.filter(object_type="programmes.disbursement", action="create").get().detail == (
        "补录：依据 开经信〔2020〕101号"
    )
    # the same row again: already recorded, nothing twice
    assert run("disbursements", PAY_HEADER, [row], staff_a).unchanged == 1
    # the 2020 summary can now say it
    f = compute("talent.matching_paid", county_a, Period.year_of(2020))
    assert f.text == "完成浙江华康药业股份有限公司省领军型创新团队县级配套资金425万元的拨付"
    assert ids(f) == {paid.pk}
    # beyond the matching amount: refused on the row
    with pytest.raises(ImportRejected) as e:
        run("disbursements", PAY_HEADER, [[*row[:8], "记-2021-01", "是", "开经信〔2021〕3号"]], staff_a)
    assert "将超过配套资金" in str(e.value.errors[0])


def test_backfill_payment_rules_on_the_api(teams, staff_a, staff_b, county_a):
    from kechuang.programmes.backfill_payments import award_payment_backfill

    team = teams["county1"]
    client = client_for(staff_a)
    body = {"award": team.pk, "amount": "50000", "paid_on": "2020-10-20", "reference": "开经信〔2020〕88号",
            "source": "county"}  # fmt: skip
    response = client.post("/api/programmes/backfill/award-payments", body, content_type="application/json")
    assert response.status_code == 201, response.content
    assert (
        response.json()["is_backfill"] is True
        and response.json()["backfill_reference"] == "开经信〔2020〕88号"
    )
    assert compute("talent.team_funds", county_a, Period.year_of(2020)).text == (
        "拨付1个县重点创新团队（开化县县队1有限公司“县队1”）项目资金5万元"
    )
    # a date today is a live payment, not history; before the approval is impossible
    today = dt.date.today().isoformat()
    for paid_on, message in ((today, "须早于今天"), ("2019-01-01", "不能早于批准日期")):
        response = client.post(
            "/api/programmes/backfill/award-payments", {**body, "paid_on": paid_on, "reference": "开经信〔2020〕89号"},
            content_type="application/json",
        )  # fmt: skip
        assert response.status_code == 422 and message in str(response.json()["detail"])
    # another county's staff does not see the award
    other = client_for(staff_b).post(
        "/api/programmes/backfill/award-payments", body, content_type="application/json"
    )
    assert other.status_code in (403, 404, 422) and team.disbursements.count() == 1
    # matching funds only from the county budget; a claim is not paid here
    with pytest.raises(ValidationError, match="县级财政"):
        award_payment_backfill(
            by=staff_a, award=teams["huakang"],
            data={"amount": 1, "paid_on": D(2020, 1, 1), "reference": "开经信〔2020〕90号", "is_matching": True,
                  "source": "provincial"},
        )  # fmt: skip


def test_a_teams_period_through_the_api_patch(teams, staff_a):
    team = teams["city_team"]
    client = client_for(staff_a)
    url = f"/api/programmes/awards/{team.pk}"
    etag = client.get(url)["ETag"]
    response = client.patch(
        url, {"valid_until": "2022-08-31"}, content_type="application/json", headers={"If-Match": etag}
    )
    assert response.status_code == 200, response.content
    assert (response.json()["valid_from"], response.json()["valid_until"]) == ("2019-09-01", "2022-08-31")
    response = client.patch(url, {"valid_from": "2023-01-01"}, content_type="application/json")
    assert response.status_code == 422 and "期限截止不能早于起始日期" in str(response.json()["detail"])
    team.refresh_from_db()
    assert (team.valid_from, team.valid_until) == (D(2019, 9, 1), D(2022, 8, 31))
