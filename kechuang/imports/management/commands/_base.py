"""Shared bits of the template / import / export commands."""

from __future__ import annotations

import getpass
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from kechuang.core import audit
from kechuang.imports.registers import REGISTERS, Register


def cli_actor() -> str:
    try:
        name = getpass.getuser()
    except (KeyError, OSError):  # no user name for this uid (e.g. in a container)
        name = "unknown"
    return f"命令行:{name}"


class RegisterCommand(BaseCommand):
    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "register",
            choices=sorted(REGISTERS),
            help=_("数据表：%(list)s")
            % {"list": "、".join(f"{slug}（{r.label}）" for slug, r in REGISTERS.items())},
        )
        parser.add_argument("file", help=_("Excel 文件路径（.xlsx）"))

    def get_register(self, slug: str) -> Register:
        try:
            return REGISTERS[slug]
        except KeyError:
            raise CommandError(
                _("没有名为“%(slug)s”的数据表，可选：%(all)s。") % {"slug": slug, "all": "、".join(REGISTERS)}
            ) from None

    def execute(self, *args: Any, **options: Any) -> Any:
        token = audit.set_actor_label(cli_actor())
        try:
            return super().execute(*args, **options)
        finally:
            token.var.reset(token)
