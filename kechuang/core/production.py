"""Production refuses the demo: `check --deploy` fails (core.E001) and the server does not start
(kechuang/wsgi.py, kechuang/asgi.py, `runserver`) while the database holds the demo or an account with
the published demo password.

What is checked, and why it stays cheap at every start:

1. the "demo_loaded" flag, set by every demo build (`kechuang demo`): a database the demo was built in
   holds invented enterprises and the demo accounts, whatever was changed since; one query;
2. the demo's own usernames (`demo.DEMO_USERNAMES` and the pending signup): each one that exists is
   checked against the demo password, at most a dozen hash checks;
3. every account's hash against the demo password while there are at most `SCAN_ALL_MAX_USERS`
   accounts (a new installation, where an administrator may have reused the published password).
   Beyond that number a full scan would cost a hash check per account at every start (argon2: about a
   tenth of a second each), and it is not needed: in production `DemoPasswordValidator` refuses the demo
   password for every password set through the application (pages, API, `createuser`, `changepassword`),
   so an account can only carry it from a database the demo ran in, which (1) and (2) catch.

Hashes are checked with `hashers.check_password` without a setter, so a check never rewrites a hash.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib.auth.hashers import check_password
from django.core.exceptions import ImproperlyConfigured, ValidationError
from django.utils.translation import gettext as _

SCAN_ALL_MAX_USERS = 50
PENDING_SIGNUP_USERNAME = "kh_pending"  # demo.demo_specs().signup.username, without building the specs


def demo_problems() -> list[str]:
    """Why this database may not be served in production (empty when it may)."""
    from . import demo
    from .models import SystemFlag, User

    problems: list[str] = []
    flag = SystemFlag.objects.filter(key=demo.DEMO_FLAG).first()
    if flag is not None:
        problems.append(f"该数据库载入过演示数据（{flag.value}）：生产环境请使用新的数据库。")
    names = [*demo.DEMO_USERNAMES, PENDING_SIGNUP_USERNAME]
    users = (
        User.objects.all()
        if User.objects.count() <= SCAN_ALL_MAX_USERS
        else User.objects.filter(username__in=names)
    )
    weak = [
        u.username
        for u in users.only("username", "password").order_by("username")
        if check_password(demo.DEMO_PASSWORD, u.password)
    ]
    if weak:
        shown = "、".join(weak[:10]) + ("等" if len(weak) > 10 else "")
        problems.append(f"{len(weak)} 个账号仍使用公开的演示密码（{shown}）：请删除演示账号或修改这些密码。")
    return problems


def refuse_demo_in_production() -> None:
    """Called where the server starts: raise (so the server does not start) in production while the
    database holds the demo. Does nothing outside production."""
    if not getattr(settings, "PRODUCTION", False):
        return
    problems = demo_problems()
    if problems:
        raise ImproperlyConfigured(
            "生产环境（KECHUANG_ENV=production）拒绝启动（core.E001）：" + " ".join(problems)
        )


class DemoPasswordValidator:
    """Production only (settings.py adds it there): the published demo password is never accepted."""

    def validate(self, password: str, user: Any = None) -> None:
        from .demo import DEMO_PASSWORD

        if password == DEMO_PASSWORD:
            raise ValidationError(_("该密码是公开的演示密码，生产环境不能使用。"), code="demo_password")

    def get_help_text(self) -> str:
        return _("不能使用公开的演示密码。")
