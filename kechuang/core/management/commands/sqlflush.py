"""`kechuang sqlflush`: prints the SQL that would empty every table, the audit log included. Refused
outside demo mode, like `flush` (piped into dbshell it would be the same thing)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management.base import CommandError
from django.core.management.commands.sqlflush import Command as DjangoSqlFlush

from kechuang.core.management.commands.flush import REFUSED


class Command(DjangoSqlFlush):
    help = "输出清空数据库的 SQL（含审计日志）。仅限演示环境；生产环境拒绝执行。"

    def handle(self, **options: Any) -> str:
        if getattr(settings, "PRODUCTION", False):
            raise CommandError(REFUSED)
        return super().handle(**options)
