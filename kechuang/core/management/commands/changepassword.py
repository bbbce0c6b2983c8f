"""Django's changepassword, audited like every other write (this app is listed first so it wins)."""

import getpass
from typing import Any

from django.contrib.auth.management.commands import changepassword

from kechuang.core import audit
from kechuang.core.models import User


class Command(changepassword.Command):
    def handle(self, *args: Any, **options: Any) -> str | None:
        audit.set_actor_label(f"命令行:{getpass.getuser()}")
        result = super().handle(*args, **options)
        username = options.get("username") or getpass.getuser()
        user = User._default_manager.db_manager(options["database"]).get(username=username)
        audit.record("password_reset", obj=user, detail="命令行 changepassword")
        return result
