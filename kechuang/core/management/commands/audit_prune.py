"""`kechuang audit_prune --user AUDITOR [--before DATE]`: delete audit rows older than the retention
period (KECHUANG_AUDIT_RETENTION_DAYS, at least 184 days), as that auditor; the pruning is audited."""

from __future__ import annotations

import datetime as dt
import sys
from typing import Any

from django.core.exceptions import PermissionDenied
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from kechuang.core import audit
from kechuang.core.management.commands.backup import run_as_cli
from kechuang.core.models import User


class Command(BaseCommand):
    help = (
        "清理保留期（KECHUANG_AUDIT_RETENTION_DAYS，至少 184 天）之前的审计日志。只有审计员账号可以执行，"
        "清理本身记入审计日志。"
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--user", required=True, help="执行清理的审计员账号")
        parser.add_argument(
            "--before",
            type=dt.date.fromisoformat,
            help="只清理该日期（YYYY-MM-DD，北京时间零点）之前的记录；晚于保留期的日期按保留期计",
        )
        parser.add_argument("--noinput", "--no-input", action="store_false", dest="interactive")

    def handle(self, *args: Any, **options: Any) -> None:
        user = User.objects.filter(username=options["user"], is_active=True).first()
        if user is None:
            raise CommandError(f"账号“{options['user']}”不存在或已停用。")
        before = None
        if options["before"] is not None:
            before = timezone.make_aware(dt.datetime.combine(options["before"], dt.time()))
        if options["interactive"] and sys.stdin.isatty():
            answer = input(f"将删除保留期（{audit.retention_days()} 天）之前的审计日志，输入 yes 继续：")
            if answer.strip().lower() != "yes":
                raise CommandError("已取消，未做任何修改。")
        try:
            count, cutoff = run_as_cli(audit.prune, by=user, before=before)
        except PermissionDenied as exc:
            raise CommandError(str(exc)) from exc
        local = timezone.localtime(cutoff)
        self.stdout.write(self.style.SUCCESS(f"已清理 {local:%Y-%m-%d %H:%M:%S} 之前的审计日志 {count} 条。"))
