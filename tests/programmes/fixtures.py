"""Fixtures: a small programme catalogue for county A (开化县), built through the services like staff would."""

import datetime as dt
from decimal import Decimal

import pytest

from kechuang.programmes import services
from kechuang.programmes.models import PolicyDocument

TODAY = dt.date(2026, 3, 10)


class Clock:
    """The programmes services' clock (services.as_of) set to a day, 09:00 Beijing time, for a test: a
    notice is published, and a payment made, at the moment the story says, whatever the machine's date."""

    def __init__(self) -> None:
        self._token = None

    def set(self, day: dt.date, hour: int = 9) -> dt.datetime:
        from zoneinfo import ZoneInfo

        self.reset()
        moment = dt.datetime(day.year, day.month, day.day, hour, tzinfo=ZoneInfo("Asia/Shanghai"))
        self._token = services._as_of.set(moment)
        return moment

    def reset(self) -> None:
        if self._token is not None:
            services._as_of.reset(self._token)
            self._token = None


@pytest.fixture
def clock():
    c = Clock()
    yield c
    c.reset()


def at(day: dt.date, hour: int = 9):
    """`with at(day):` — the services' clock on that day (see Clock)."""
    from zoneinfo import ZoneInfo

    return services.as_of(dt.datetime(day.year, day.month, day.day, hour, tzinfo=ZoneInfo("Asia/Shanghai")))


@pytest.fixture
def policy_a(staff_a, county_a):
    return services.policy_save(
        by=staff_a,
        data={
            "county": county_a,
            "title": "开化县关于加快科技创新的若干政策意见",
            "number": "开政办发〔2025〕12号",
            "issuing_bodies": "开化县人民政府办公室",
            "issued_on": dt.date(2025, 4, 1),
            "bureau_role": PolicyDocument.BureauRole.DRAFTED,
        },
    )


def _programme(staff, county, **data):
    return services.programme_save(by=staff, data={"county": county, "issuer": "浙江省科学技术厅", **data})


@pytest.fixture
def hte(staff_a, county_a):
    """国家高新技术企业: a qualification valid three years."""
    return _programme(
        staff_a, county_a, name="国家高新技术企业认定", level="national", kind="qualification",
        award_form="qualification", category="高新技术企业", validity_years=3,
    )  # fmt: skip


@pytest.fixture
def sme(staff_a, county_a):
    """国家科技型中小企业: registered every year."""
    return _programme(
        staff_a, county_a, name="国家科技型中小企业评价", level="national", kind="qualification",
        award_form="registration", category="国家科技型中小企业",
    )  # fmt: skip


@pytest.fixture
def key_rd(staff_a, county_a):
    return _programme(
        staff_a, county_a, name="省重点研发计划", level="provincial", kind="project", award_form="project",
        category="省重点研发计划",
    )  # fmt: skip


@pytest.fixture
def incentive(staff_a, county_a, policy_a, hte):
    """The county's yearly claim, rewarding 2025's new high-tech enterprises with 200,000 元 each."""
    services.rule_save(
        by=staff_a, policy=policy_a,
        data={"item": "首次认定高新技术企业", "article": "第三条", "achievement": hte, "achievement_year": 2025,
              "amount": Decimal("200000"), "cap": None},
    )  # fmt: skip
    return _programme(
        staff_a, county_a, name="2026年度科技创新政策奖励兑现", level="county", kind="incentive",
        award_form="money", category="科技创新政策奖励", issuer="开化县经信科技局", policy=policy_a,
    )  # fmt: skip


def make_call(staff, programme, year=2026, **extra):
    data = {
        "programme": programme, "year": year, "name": f"{year}年第一批", "opens_on": dt.date(year, 3, 1),
        "closes_on": dt.date(year, 4, 30), "county_deadline": dt.date(year, 4, 20), **extra,
    }  # fmt: skip
    return services.call_save(by=staff, data=data)
