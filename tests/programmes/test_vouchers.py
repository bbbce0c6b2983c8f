"""Innovation vouchers (科技创新券): issued to enterprises, redeemed with the county's registered
providers under a contract, expired when unused."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from kechuang.core.models import AuditEvent, Organisation
from kechuang.programmes import selectors, services
from kechuang.programmes.models import Redemption, Voucher
from tests.factories import OrganisationFactory

from .fixtures import at

TODAY = dt.date(2026, 6, 15)


@pytest.fixture
def provider(staff_a, county_a):
    lab = OrganisationFactory(
        region=county_a, name="开化县产品质量检验检测中心", kind=Organisation.Kind.PROVIDER
    )
    return services.provider_save(
        by=staff_a,
        data={
            "county": county_a,
            "organisation": lab,
            "services": "检验检测",
            "registered_on": dt.date(2025, 1, 2),
        },
    )


@pytest.fixture
def provider_b(staff_b, county_b):
    lab = OrganisationFactory(region=county_b, name="常山县检测研究院", kind=Organisation.Kind.PROVIDER)
    return services.provider_save(
        by=staff_b,
        data={
            "county": county_b,
            "organisation": lab,
            "services": "研发设计",
            "registered_on": dt.date(2025, 1, 2),
        },
    )


@pytest.fixture(autouse=True)
def _story_clock(clock):
    clock.set(TODAY)


def issue(staff, organisation, number="KH2026-0001", amount="50000", expires_on=dt.date(2026, 12, 31)):
    return services.voucher_issue(
        by=staff,
        data={"number": number, "organisation": organisation, "amount": Decimal(amount),
              "issued_on": dt.date(2026, 3, 1), "expires_on": expires_on},
    )  # fmt: skip


def redeem(
    staff, voucher, provider, amount, contract_amount=None, redeemed_on=TODAY, today=TODAY, no="HT-001"
):
    with at(today):  # redeemed on the day it is recorded
        return _redeem(staff, voucher, provider, amount, contract_amount, redeemed_on, no)


def _redeem(staff, voucher, provider, amount, contract_amount, redeemed_on, no):
    return services.voucher_redeem(
        by=staff, voucher=voucher,
        data={"provider": provider, "contract_no": no, "contract_amount": Decimal(contract_amount or amount),
              "amount": Decimal(amount), "redeemed_on": redeemed_on},
    )  # fmt: skip


def test_issued_to_an_enterprise_in_its_county(staff_a, org_x, county_a):
    voucher = issue(staff_a, org_x)
    assert (voucher.county, voucher.state, voucher.balance) == (
        county_a,
        Voucher.State.ISSUED,
        Decimal("50000"),
    )
    assert AuditEvent.objects.filter(action="create", object_type="programmes.voucher").count() == 1


@pytest.mark.parametrize(
    "kind", [Organisation.Kind.DEPARTMENT, Organisation.Kind.UNIVERSITY, Organisation.Kind.PROVIDER]
)
def test_only_enterprises_get_vouchers(staff_a, county_a, kind):
    organisation = OrganisationFactory(region=county_a, kind=kind, name="开化县某某单位")
    with pytest.raises(ValidationError) as e:
        issue(staff_a, organisation)
    assert e.value.message_dict["organisation"] == ["创新券只发放给企业。"]
    assert not Voucher.objects.exists()


def test_another_county_cannot_issue_or_redeem(staff_a, staff_b, org_x, provider):
    with pytest.raises(PermissionDenied):
        issue(staff_b, org_x)
    voucher = issue(staff_a, org_x)
    with pytest.raises(PermissionDenied):
        redeem(staff_b, voucher, provider, "1000")
    assert not Redemption.objects.exists()


def test_expiry_before_issue_is_refused(staff_a, org_x):
    with pytest.raises(ValidationError) as e:
        issue(staff_a, org_x, expires_on=dt.date(2026, 2, 28))
    assert e.value.message_dict["expires_on"] == ["有效期不能早于发放日期。"]


def test_partial_then_full_redemption(staff_a, org_x, provider):
    voucher = issue(staff_a, org_x)
    redeem(staff_a, voucher, provider, "20000", contract_amount="26000", no="HT-001")
    voucher.refresh_from_db()
    assert (voucher.state, voucher.redeemed_amount, voucher.balance) == (
        Voucher.State.ISSUED, Decimal("20000"), Decimal("30000"),
    )  # fmt: skip

    redeem(staff_a, voucher, provider, "30000", no="HT-002")  # 20,000 + 30,000 = the face value
    voucher.refresh_from_db()
    assert (voucher.state, voucher.balance) == (Voucher.State.REDEEMED, Decimal("0"))
    ledger = selectors.redemption_list(user=staff_a, provider=provider)  # the provider's ledger, newest first
    assert [(r.contract_no, r.amount) for r in ledger] == [
        ("HT-002", Decimal("30000")),
        ("HT-001", Decimal("20000")),
    ]
    update = AuditEvent.objects.filter(action="update", object_type="programmes.voucher").first()
    assert update.after == {"redeemed_amount": "50000.00", "state": "redeemed"}

    with pytest.raises(ValidationError, match="状态为“已兑付”，不能兑付"):
        redeem(staff_a, voucher, provider, "1", no="HT-003")


def test_redemption_above_the_balance_is_refused(staff_a, org_x, provider):
    voucher = issue(staff_a, org_x)
    redeem(staff_a, voucher, provider, "20000")
    with pytest.raises(ValidationError) as e:
        redeem(staff_a, voucher, provider, "30000.01", no="HT-002")  # the balance is 30,000
    assert e.value.message_dict["amount"] == ["兑付金额超过创新券余额 30000.00 元。"]
    voucher.refresh_from_db()
    assert voucher.redeemed_amount == Decimal("20000") and voucher.redemptions.count() == 1


def test_redemption_after_expiry_is_refused(staff_a, org_x, provider):
    voucher = issue(staff_a, org_x)  # valid until 31 December 2026
    late = dt.date(2027, 1, 1)
    with pytest.raises(ValidationError) as e:
        redeem(staff_a, voucher, provider, "1000", redeemed_on=late, today=late)
    assert "已于 2026年12月31日 到期" in e.value.messages[0]
    # a redemption typed as of its last day, recorded after it, is refused too: expired is the clock's fact
    with pytest.raises(ValidationError, match="已于 2026年12月31日 到期，不能兑付"):
        redeem(staff_a, voucher, provider, "1000", redeemed_on=dt.date(2026, 12, 31), today=late)
    # its last day still counts
    last_day = dt.date(2026, 12, 31)
    redeem(staff_a, voucher, provider, "1000", redeemed_on=last_day, today=last_day)


def test_redemption_dated_in_the_future_is_refused(staff_a, org_x, provider):
    voucher = issue(staff_a, org_x)
    with pytest.raises(ValidationError) as e:
        redeem(staff_a, voucher, provider, "1000", redeemed_on=TODAY + dt.timedelta(days=1))
    assert e.value.message_dict["redeemed_on"] == ["兑付日期不能晚于今天。"]


def test_a_provider_of_another_county_is_refused(staff_a, org_x, provider_b):
    voucher = issue(staff_a, org_x)
    with pytest.raises(ValidationError) as e:
        redeem(staff_a, voucher, provider_b, "1000")
    assert e.value.message_dict["provider"] == ["服务机构须为本县登记在册且有效的机构。"]


def test_an_inactive_provider_is_refused(staff_a, org_x, provider):
    services.provider_save(by=staff_a, provider=provider, data={"is_active": False})
    voucher = issue(staff_a, org_x)
    with pytest.raises(ValidationError, match="登记在册且有效"):
        redeem(staff_a, voucher, provider, "1000")


def test_redemption_above_the_contract_amount_is_refused(staff_a, org_x, provider):
    voucher = issue(staff_a, org_x)
    with pytest.raises(ValidationError) as e:
        redeem(staff_a, voucher, provider, "15000", contract_amount="10000")
    assert e.value.message_dict["amount"] == ["兑付金额不能超过合同金额。"]
    assert not Redemption.objects.exists()


def test_vouchers_expire_marks_only_expired_ones_with_a_balance(staff_a, org_x, provider):
    unused = issue(staff_a, org_x, "KH-1", expires_on=dt.date(2026, 12, 31))
    partly = issue(staff_a, org_x, "KH-2", expires_on=dt.date(2026, 12, 31))
    redeem(staff_a, partly, provider, "10000", today=dt.date(2026, 12, 1), redeemed_on=dt.date(2026, 12, 1))
    spent = issue(staff_a, org_x, "KH-3", expires_on=dt.date(2026, 12, 31))
    redeem(staff_a, spent, provider, "50000", today=dt.date(2026, 12, 1), redeemed_on=dt.date(2026, 12, 1))
    issue(staff_a, org_x, "KH-4", expires_on=dt.date(2027, 1, 1))  # today is its last day
    issue(staff_a, org_x, "KH-5", expires_on=dt.date(2027, 6, 30))

    assert services.vouchers_expire(today=dt.date(2027, 1, 1)) == 2

    states = dict(Voucher.objects.values_list("number", "state"))
    assert states == {
        "KH-1": "expired", "KH-2": "expired", "KH-3": "redeemed", "KH-4": "issued", "KH-5": "issued",
    }  # fmt: skip
    events = AuditEvent.objects.filter(action="expire", object_type="programmes.voucher")
    assert sorted(int(e.object_id) for e in events) == sorted([unused.pk, partly.pk])
    assert all(e.before == {"state": "issued"} and e.after == {"state": "expired"} for e in events)
    assert Voucher.objects.get(pk=partly.pk).redeemed_amount == Decimal("10000")  # the ledger is kept

    # running again the same day changes nothing
    assert services.vouchers_expire(today=dt.date(2027, 1, 1)) == 0
    assert events.count() == 2
    with pytest.raises(ValidationError, match="状态为“已过期”"):
        redeem(staff_a, Voucher.objects.get(pk=unused.pk), provider, "1", redeemed_on=dt.date(2026, 12, 30),
               today=dt.date(2027, 1, 1))  # fmt: skip
