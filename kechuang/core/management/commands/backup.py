"""`python manage.py backup FILE`: a consistent copy of the whole database (SQLite or PostgreSQL)."""

from __future__ import annotations

import contextvars
import getpass
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from kechuang.core import audit
from kechuang.core.backup import BackupError, backup, describe


def run_as_cli(fn: Any, *args: Any, **kwargs: Any) -> Any:
    """Run with the CLI actor label, in a copy of the context so the label does not leak."""

    def inner() -> Any:
        audit.set_actor_label(f"命令行:{getpass.getuser()}")
        return fn(*args, **kwargs)

    return contextvars.copy_context().run(inner)


class Command(BaseCommand):
    # An operational command: it must work even while the pages or the API do not import.
    requires_system_checks: list[str] = []
    help = "备份整个数据库到文件（SQLite：在线备份；PostgreSQL：pg_dump 自定义格式）。"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", help="备份文件路径，如 /srv/backup/kechuang-20260101.sqlite3 或 .dump")
        parser.add_argument("--overwrite", action="store_true", help="文件已存在时覆盖")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            result = run_as_cli(backup, options["file"], overwrite=options["overwrite"])
        except BackupError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(self.style.SUCCESS(describe(result)))
        self.stdout.write(f"SHA-256：{result.sha256}")
