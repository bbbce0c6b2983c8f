"""`python manage.py restore FILE`: replace the whole database with a backup made by `backup`."""

from __future__ import annotations

import sys
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from kechuang.core.backup import BackupError, describe, restore
from kechuang.core.management.commands.backup import run_as_cli


class Command(BaseCommand):
    # An operational command: it must work even while the pages or the API do not import.
    requires_system_checks: list[str] = []
    help = (
        "用备份文件替换整个数据库。先检查文件确是科创数据库的备份，再把当前数据库另存到 "
        "var/backups/before-restore-…，然后恢复，并在恢复后的数据库中记录审计日志。"
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", help="由 backup 命令生成的备份文件")
        parser.add_argument(
            "--noinput", "--no-input", action="store_false", dest="interactive", help="不询问确认"
        )
        parser.add_argument("--no-safety-copy", action="store_true", help="恢复前不另存当前数据库（不建议）")

    def handle(self, *args: Any, **options: Any) -> None:
        interactive = options["interactive"]
        if interactive and not sys.stdin.isatty():
            raise CommandError("恢复会替换整个数据库。非交互环境请加 --noinput 确认。")

        def confirm() -> bool:
            answer = input("恢复会用备份替换当前整个数据库。输入 yes 继续：")
            return answer.strip().lower() == "yes"

        try:
            result = run_as_cli(
                restore,
                options["file"],
                safety_copy=not options["no_safety_copy"],
                confirm=confirm if interactive else None,
            )
        except BackupError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(self.style.SUCCESS(describe(result)))
        if result.missing_migrations:
            self.stdout.write(
                self.style.WARNING(
                    "备份来自较早的版本，缺少部分数据库迁移：请运行 python manage.py migrate。"
                )
            )
