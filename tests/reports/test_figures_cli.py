"""`kechuang figures`: the report figures of a county for a period, as JSON or as a readable table."""

import datetime as dt
import json
from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from kechuang.programmes import figures as programme_figures
from kechuang.programmes import services
from kechuang.programmes.models import Status
from kechuang.reports.figures import REGISTRY
from tests.factories import OrganisationFactory

D = dt.date
PROGRAMME_KEYS = [k for k, d in REGISTRY.items() if d.func.__module__ == programme_figures.__name__]
FIELDS = {"key", "section", "label", "value", "unit", "text", "evidence_count"}


def run(*args):
    out = StringIO()
    call_command("figures", *args, stdout=out)
    return out.getvalue()


def run_json(*args):
    return json.loads(run(*args, "--json"))


@pytest.fixture
def data(staff_a, staff_b, county_a, county_b):
    """County A: one policy document of 2025 and two approved 省重点研发计划 projects — 甲 on 2025-03-01 with
    1,000,000 元, 乙 on 2025-08-01 with 3,000,000 元. County B: one policy document of 2025."""
    for staff, county, title, number in (
        (staff_a, county_a, "开化县科技创新券管理办法", "开经信〔2025〕80号"),
        (staff_b, county_b, "常山县科技新政", "常政发〔2025〕3号"),
    ):
        services.policy_save(
            by=staff,
            data={"county": county, "title": title, "number": number, "issuing_bodies": "经信科技局",
                  "issued_on": D(2025, 9, 15), "bureau_role": "drafted"},
        )  # fmt: skip
    key_rd = services.programme_save(
        by=staff_a,
        data={"county": county_a, "name": "省重点研发计划", "level": "provincial", "kind": "project",
              "award_form": "project", "category": "省重点研发计划", "issuer": "浙江省科学技术厅"},
    )  # fmt: skip
    call = services.call_save(
        by=staff_a,
        data={"programme": key_rd, "year": 2025, "name": "2025年第一批", "opens_on": D(2025, 1, 10),
              "closes_on": D(2025, 2, 28)},
    )  # fmt: skip
    for name, title, on, amount in (
        ("开化县甲科技有限公司", "茶叶智能加工装备", D(2025, 3, 1), 1_000_000),
        ("开化县乙科技有限公司", "高效节能电机研发", D(2025, 8, 1), 3_000_000),
    ):
        o = OrganisationFactory(name=name, region=county_a)
        app = services.application_create(by=staff_a, data={"call": call, "organisation": o, "title": title})
        for to in (Status.SUBMITTED, Status.RECOMMENDED):
            services.application_transition(application=app, to=to, by=staff_a)
        services.application_approve(
            by=staff_a, application=app, data={"decided_on": on, "amount": Decimal(amount)}
        )


def test_json_lists_every_figure_with_its_value_and_evidence(data):
    figures = run_json("--county", "330824", "--year", "2025")
    by_key = {f["key"]: f for f in figures}
    assert [f["key"] for f in figures if f["key"] in PROGRAMME_KEYS] == sorted(
        PROGRAMME_KEYS, key=lambda k: (REGISTRY[k].section, REGISTRY[k].order)
    )
    assert all(set(f) == FIELDS for f in figures)
    assert [f["section"] for f in figures] == sorted(f["section"] for f in figures)

    docs = by_key["policy.documents"]
    assert docs["value"] == ["《开化县科技创新券管理办法》（开经信〔2025〕80号）"]  # county B's is not here
    assert (docs["label"], docs["evidence_count"]) == ("参与制定出台政策文件", 1)
    grants = by_key["projects.grants"]
    # 1,000,000 + 3,000,000 元 → 4000000 as a JSON number, 400万元 in the text
    assert (grants["value"], grants["unit"], grants["evidence_count"]) == (4000000, "元", 2)
    assert grants["text"] == "获得科技计划项目经费补助400万元，均为省级项目"
    assert by_key["projects.largest"]["value"] == [
        "开化县乙科技有限公司·高效节能电机研发（300万元）",
        "开化县甲科技有限公司·茶叶智能加工装备（100万元）",
    ]
    assert by_key["projects.applications"]["value"] == 2
    assert (by_key["policy.money_paid"]["value"], by_key["policy.money_paid"]["text"]) == (
        0,
        "本期未兑现政策奖励资金",
    )


def test_json_for_a_quarter_and_a_section(data):
    figures = run_json("--county", "330824", "--year", "2025", "--period", "2025-Q3", "--section", "3")
    assert {f["section"] for f in figures} == {3}
    by_key = {f["key"]: f for f in figures}
    assert {"projects.applications", "projects.approvals", "projects.grants", "projects.largest"} <= set(
        by_key
    )
    # only 乙's approval of 2025-08-01 falls in July–September
    assert (by_key["projects.approvals"]["value"], by_key["projects.grants"]["value"]) == (1, 3000000)
    assert by_key["projects.grants"]["evidence_count"] == 1
    ytd = {
        f["key"]: f for f in run_json("--county", "330824", "--year", "2025", "--period", "2025-01..2025-06")
    }
    assert ytd["projects.grants"]["value"] == 1000000


def test_a_city_counts_its_counties(data):
    figures = {f["key"]: f for f in run_json("--county", "330800", "--year", "2025", "--section", "1")}
    assert len(figures["policy.documents"]["value"]) == 2


def test_table_in_chinese(data):
    out = run("--county", "330824", "--year", "2025")
    assert "浙江省衢州市开化县 2025年 统计指标" in out
    assert "一、政策激励" in out and "三、科技计划项目" in out and "六、招才引智" in out
    line = next(line for line in out.splitlines() if "科技计划项目经费补助" in line and "万元" in line)
    assert "400万元" in line and "2条" in line and "获得科技计划项目经费补助400万元，均为省级项目" in line
    assert "本期未兑现政策奖励" in out
    section = run("--county", "开化县", "--year", "2025", "--period", "2025-Q3", "--section", "3")
    assert "2025年7-9月" in section and "三、科技计划项目" in section and "政策激励" not in section


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--county", "999999", "--year", "2025"], "没有区划代码或名称为“999999”"),
        (["--county", "市辖区", "--year", "2025"], "对应多个行政区划"),
        (["--county", "330824", "--year", "2025", "--period", "2025-Q5"], "无法识别的期间"),
        (["--county", "330824", "--year", "2025", "--period", "2025-09..2025-01"], "同一年内"),
        (["--county", "330824", "--year", "2025", "--period", "2024-Q1"], "不在 2025 年内"),
        (["--county", "330824", "--year", "20250"], "年份超出范围"),
    ],
)
def test_bad_input_is_refused_in_chinese(reference, args, message):
    with pytest.raises(CommandError, match=message):
        run(*args)


def test_a_township_is_not_a_scope(township_a):
    with pytest.raises(CommandError, match="乡镇"):
        run("--county", township_a.code, "--year", "2025")
