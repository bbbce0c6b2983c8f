"""文号 (document numbers): parsing good and bad ones, and what PolicyDocument does with them."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError

from kechuang.programmes import services
from kechuang.programmes.docno import parse_document_number
from kechuang.programmes.models import PolicyDocument


@pytest.mark.parametrize(
    ("raw", "issuer", "year", "serial", "text"),
    [
        ("开经信〔2020〕80号", "开经信", 2020, 80, "开经信〔2020〕80号"),
        ("浙科发高〔2021〕1号", "浙科发高", 2021, 1, "浙科发高〔2021〕1号"),
        ("财政部 税务总局公告2023年第7号", "财政部 税务总局", 2023, 7, "财政部 税务总局公告2023年第7号"),
        ("国家税务总局公告2021年第28号", "国家税务总局", 2021, 28, "国家税务总局公告2021年第28号"),
        # square and lenticular brackets typed by mistake are written as 〔〕
        ("开经信[2020]80号", "开经信", 2020, 80, "开经信〔2020〕80号"),
        ("开经信【2020】80号", "开经信", 2020, 80, "开经信〔2020〕80号"),
        ("开经信［2020］80号", "开经信", 2020, 80, "开经信〔2020〕80号"),
        # stray spaces and full-width digits, as pasted from a PDF, are cleaned
        ("  开经信〔2020〕 80号 ", "开经信", 2020, 80, "开经信〔2020〕80号"),
        ("开经信〔２０２０〕８０号", "开经信", 2020, 80, "开经信〔2020〕80号"),
        ("财政部  税务总局公告2023年第7号", "财政部 税务总局", 2023, 7, "财政部 税务总局公告2023年第7号"),
    ],
)
def test_good_numbers(raw, issuer, year, serial, text):
    number = parse_document_number(raw)
    assert (number.issuer, number.year, number.serial, number.text) == (issuer, year, serial, text)


@pytest.mark.parametrize(
    ("raw", "fragment"),
    [
        ("开经信2020年80号", "缺少用六角括号〔〕括起的年份"),
        ("开经信〔2020〕080号", "不应编虚位（不加前导0），应写作“80”"),
        ("开经信〔2020〕80", "须以“号”结尾"),
        ("开经信〔1800〕80号", "文号中的年份 1800 不合理"),
        ("", "请填写文号"),
        ("   ", "请填写文号"),
        ("开经信(2020)80号", "年份应使用六角括号〔〕"),  # round brackets are not a typo of 〔〕
        ("开经信（2020）80号", "年份应使用六角括号〔〕"),
        ("开经信〔20〕80号", "应为发文机关代字、〔四位年份〕、序号、“号”"),
        ("〔2020〕80号", "应为发文机关代字、〔四位年份〕、序号、“号”"),  # no issuer
        ("开经信〔2020〕号", "应为发文机关代字、〔四位年份〕、序号、“号”"),  # no serial
        ("开经信〔2020〕0号", "文号序号应从 1 开始"),
        ("财政部公告2023年第07号", "不应编虚位"),
    ],
    ids=[
        "no-brackets",
        "leading-zero",
        "no-hao",
        "year-1800",
        "empty",
        "blank",
        "round",
        "full-width-round",
        "two-digit-year",
        "no-issuer",
        "no-serial",
        "serial-zero",
        "announcement-leading-zero",
    ],  # fmt: skip
)
def test_bad_numbers(raw, fragment):
    with pytest.raises(ValidationError) as e:
        parse_document_number(raw)
    assert fragment in e.value.messages[0]


# --- on the policy document ---------------------------------------------------------------------------------


def policy_data(county, number, issued_on=dt.date(2020, 9, 12)):
    return {
        "county": county,
        "title": "关于印发开化县科技创新券管理办法的通知",
        "number": number,
        "issuing_bodies": "开化县经济和信息化局 开化县财政局",
        "issued_on": issued_on,
        "bureau_role": PolicyDocument.BureauRole.CO_ISSUED,
    }


def test_a_policy_keeps_the_parsed_parts(staff_a, county_a):
    policy = services.policy_save(by=staff_a, data=policy_data(county_a, "开经信[2020]80号"))
    policy.refresh_from_db()
    assert (policy.number, policy.issuer_code, policy.number_year, policy.number_serial) == (
        "开经信〔2020〕80号", "开经信", 2020, 80,
    )  # fmt: skip


def test_a_malformed_number_is_refused_on_the_number_field(staff_a, county_a):
    with pytest.raises(ValidationError) as e:
        services.policy_save(by=staff_a, data=policy_data(county_a, "开经信2020-80"))
    assert "六角括号" in e.value.message_dict["number"][0]
    assert not PolicyDocument.objects.exists()


def test_the_issue_date_must_be_in_the_number_s_year(staff_a, county_a):
    with pytest.raises(ValidationError) as e:
        services.policy_save(
            by=staff_a, data=policy_data(county_a, "开经信〔2020〕80号", dt.date(2021, 1, 5))
        )
    assert e.value.message_dict["issued_on"] == ["成文日期的年份应与文号年份 2020 一致。"]
    assert not PolicyDocument.objects.exists()


@pytest.mark.parametrize("duplicate", ["开经信〔2020〕80号", "开经信[2020]80号", " 开经信〔2020〕 80号"])
def test_the_same_number_twice_in_a_county_is_refused(staff_a, staff_b, county_a, county_b, duplicate):
    services.policy_save(by=staff_a, data=policy_data(county_a, "开经信〔2020〕80号"))
    with pytest.raises(ValidationError) as e:
        services.policy_save(by=staff_a, data={**policy_data(county_a, duplicate), "title": "另一份文件"})
    assert e.value.message_dict["number"] == [
        "本县已有文号为“开经信〔2020〕80号”的政策文件《关于印发开化县科技创新券管理办法的通知》。"
    ]
    assert PolicyDocument.objects.filter(county=county_a).count() == 1

    # another county may use the same number (its own bureau, or the same provincial document)
    other = services.policy_save(by=staff_b, data=policy_data(county_b, duplicate))
    assert other.number == "开经信〔2020〕80号"


def test_renumbering_a_policy_onto_another_s_number_is_refused(staff_a, county_a):
    services.policy_save(by=staff_a, data=policy_data(county_a, "开经信〔2020〕80号"))
    second = services.policy_save(by=staff_a, data=policy_data(county_a, "开经信〔2020〕81号"))
    with pytest.raises(ValidationError):
        services.policy_save(by=staff_a, policy=second, data={"number": "开经信〔2020〕80号"})
    second.refresh_from_db()
    assert second.number == "开经信〔2020〕81号"


def test_an_overlong_serial_is_refused_before_it_reaches_the_database():
    from django.core.exceptions import ValidationError

    from kechuang.programmes.docno import parse_document_number

    with pytest.raises(ValidationError, match="过长"):
        parse_document_number("开经信〔2025〕" + "9" * 30 + "号")
