"""`kechuang migrate`: Django's migrate, which in production refuses, before anything is unapplied, a
plan that would step back past the audit log's append-only migration (e.g. `migrate core zero`, which
would otherwise first drop every app that depends on core and then the audit table)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management.base import CommandError
from django.core.management.commands.migrate import Command as DjangoMigrate
from django.db import connections
from django.db.migrations.executor import MigrationExecutor

PROTECTED = ("core", "0004_audit_append_only_and_failure_windows")


class Command(DjangoMigrate):
    def handle(self, *args: Any, **options: Any) -> None:
        if getattr(settings, "PRODUCTION", False) and options.get("app_label"):
            self._refuse_stepping_back(options)
        super().handle(*args, **options)

    def _refuse_stepping_back(self, options: dict[str, Any]) -> None:
        executor = MigrationExecutor(connections[options["database"]])
        app_label, name = options["app_label"], options.get("migration_name")
        if app_label not in executor.loader.migrated_apps:
            return  # Django's own message follows
        if name is None:
            targets = [key for key in executor.loader.graph.leaf_nodes() if key[0] == app_label]
        elif name == "zero":
            targets = [(app_label, None)]
        else:
            try:
                targets = [(app_label, executor.loader.get_migration_by_prefix(app_label, name).name)]
            except (KeyError, Exception):
                return  # Django reports an unknown or ambiguous name itself
        plan = executor.migration_plan(targets)  # type: ignore[arg-type]
        if any(backwards and (m.app_label, m.name) == PROTECTED for m, backwards in plan):
            raise CommandError(
                "当前是生产环境（KECHUANG_ENV=production）：该迁移计划会回退审计日志的只追加保护并删除审计日志表，已拒绝，"
                "未做任何修改。"
            )
