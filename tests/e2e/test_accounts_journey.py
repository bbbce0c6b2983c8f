"""三员分立 in a real browser: the system administrator creates an account (no role, a one-time password);
one security administrator asks for its role, the other approves; the new colleague's first login
goes to the password change before anything else. Screenshots at 1280 px and 390 px."""

import pytest

from kechuang.core.models import Role, RoleGrantRequest, User
from tests.conftest import PASSWORD, make_user
from tests.e2e.conftest import log_in

WIDTHS = {"desktop": 1280, "mobile": 390}


def shots(page, shot, name):
    for label, width in WIDTHS.items():
        page.set_viewport_size({"width": width, "height": 900})
        shot(page, f"accounts-{name}-{label}")
    page.set_viewport_size({"width": 1280, "height": 900})


def sign_out(page):
    page.context.clear_cookies()


@pytest.mark.django_db(transaction=True)
def test_account_role_grant_and_forced_password_change(page, shot, county_a, org_x):
    make_user("sysadmin", role=Role.ADMIN)
    make_user("security1", role=Role.SECURITY)
    make_user("security2", role=Role.SECURITY)
    make_user("staff_old", role=Role.STAFF, region=county_a)

    # The system administrator creates the account and sees its one-time password once.
    log_in(page, "sysadmin", PASSWORD)
    page.click("text=账号管理")
    page.wait_for_url("**/sysadmin/")
    page.click("text=新建账号")
    page.fill("input[name=username]", "kh_new")
    page.fill("input[name=full_name]", "新同事")
    page.fill("input[name=phone]", "13800000000")
    shots(page, shot, "create-form")
    page.click(".actions button[type=submit]")
    page.wait_for_selector("text=只显示这一次")
    temporary = page.inner_text(".token").strip()
    shots(page, shot, "one-time-password")
    page.goto("/sysadmin/")
    shots(page, shot, "account-list")
    assert not User.objects.get(username="kh_new").roles.exists()
    sign_out(page)

    # Security administrator 1 asks for the role; the request waits.
    log_in(page, "security1", PASSWORD)
    page.click("text=角色授权")
    page.wait_for_url("**/security/")
    page.click(".head-actions >> text=申请授权")
    page.fill("input[name=username]", "kh_new")
    page.select_option("select[name=role]", "staff")
    page.fill("input[name=region]", county_a.code)
    page.fill("input[name=reason]", "新任科技管理科科员（局党组会议纪要 2026-12）")
    shots(page, shot, "request-form")
    page.click(".actions button[type=submit]")
    page.wait_for_selector("text=等待另一名安全管理员审批")
    shots(page, shot, "requests-own-pending")
    page.goto("/security/accounts/")
    shots(page, shot, "accounts-and-roles")
    sign_out(page)

    # Security administrator 2 approves: now it takes effect.
    log_in(page, "security2", PASSWORD)
    page.goto("/security/")
    shots(page, shot, "requests-to-approve")
    page.fill("input[name=note]", "核对任职文件")
    page.click("button[value=approve]")
    page.wait_for_selector("text=已生效")
    shots(page, shot, "requests-approved")
    grant = RoleGrantRequest.objects.get()
    assert grant.decision == "approved" and grant.decided_by.username == "security2"
    assert User.objects.get(username="kh_new").roles.get().role == Role.STAFF
    sign_out(page)

    # The new colleague's first login: every page goes to the password change first.
    log_in(page, "kh_new", temporary)
    page.wait_for_url("**/accounts/password/")
    page.goto("/orgs/")
    page.wait_for_url("**/accounts/password/")
    assert "请先修改为只有您自己知道的密码" in page.content()
    shots(page, shot, "forced-password-change")
    page.fill("input[name=old_password]", temporary)
    page.fill("input[name=new_password1]", "Kaihua-mine-2026")
    page.fill("input[name=new_password2]", "Kaihua-mine-2026")
    page.click(".actions button[type=submit]")
    page.wait_for_selector("text=密码已修改")
    page.goto("/orgs/")
    assert org_x.name in page.content()
