"""`kechuang flush`: Django's flush, which empties every table, the audit log included. Refused outside
demo mode; in demo mode (and in the test suite, whose harness flushes between transactional tests) the
audit log's append-only triggers are lifted inside the flush's transaction and put back before it
commits (kechuang/core/appendonly.py)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management.base import CommandError
from django.core.management.commands.flush import Command as DjangoFlush
from django.db import connections

from kechuang.core import appendonly

REFUSED = (
    "当前是生产环境（KECHUANG_ENV=production）：清空数据库会同时清空审计日志，已拒绝。"
    "审计日志只能由审计员按保留期清理（kechuang audit_prune）。"
)


class Command(DjangoFlush):
    help = "清空数据库的全部数据（含审计日志）。仅限演示环境；生产环境拒绝执行。"

    def handle(self, **options: Any) -> None:
        if getattr(settings, "PRODUCTION", False):
            raise CommandError(REFUSED)
        connection = connections[options["database"]]
        with appendonly.lifted_for_flush(connection):
            super().handle(**options)
