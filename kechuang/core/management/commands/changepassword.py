"""Django's changepassword, audited like every other write (this app is listed first so it wins). The
operator sets the password, so its owner must change it at the next login."""

import contextvars
import getpass
from typing import Any

from django.contrib.auth.management.commands import changepassword

from kechuang.core import audit
from kechuang.core.models import User


class Command(changepassword.Command):
    def handle(self, *args: Any, **options: Any) -> str | None:
        # A copy of the context, so the actor label does not outlive the command (tests, shells).
        return contextvars.copy_context().run(self._handle, *args, **options)

    def _handle(self, *args: Any, **options: Any) -> str | None:
        audit.set_actor_label(f"命令行:{getpass.getuser()}")
        result = super().handle(*args, **options)
        username = options.get("username") or getpass.getuser()
        users = User._default_manager.db_manager(options["database"])
        user = users.get(username=username)
        users.filter(pk=user.pk).update(must_change_password=True)
        audit.record(
            "password_reset", obj=user, after={"must_change_password": True}, detail="命令行 changepassword"
        )
        return result
