"""Kechuang's system checks (`kechuang check`, `kechuang check --deploy`).

- core.E001 (deploy, production only): the database holds the demo or an account with the published
  demo password (kechuang/core/production.py). The server refuses to start for the same reason.
- core.W001 (deploy, PostgreSQL): the role the application connects as could UPDATE, DELETE or
  TRUNCATE the audit table, or owns it (and could so drop its triggers). The README's deployment runs
  the application as a role with INSERT and SELECT on the audit table only.
- core.E002 (deploy): an append-only trigger of the audit table is missing or disabled.
- core.E003 (always): KECHUANG_AUDIT_RETENTION_DAYS is below 184 days.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core import checks
from django.db import DatabaseError, connection

from . import appendonly


def _database_ready() -> bool:
    try:
        return appendonly.TABLE in connection.introspection.table_names()
    except DatabaseError:
        return False


@checks.register(checks.Tags.security, deploy=True)
def demo_in_production(app_configs: Any = None, **kwargs: Any) -> list[checks.CheckMessage]:
    if not getattr(settings, "PRODUCTION", False) or not _database_ready():
        return []
    from .production import demo_problems

    return [
        checks.Error(
            problem,
            hint="生产环境不能有演示数据和演示密码：用新的数据库部署，或删除演示账号、修改使用演示密码的账号。",
            id="core.E001",
        )
        for problem in demo_problems()
    ]


PG_PRIVILEGES_SQL = f"""
SELECT has_table_privilege(current_user, '{appendonly.TABLE}', 'UPDATE'),
       has_table_privilege(current_user, '{appendonly.TABLE}', 'DELETE'),
       has_table_privilege(current_user, '{appendonly.TABLE}', 'TRUNCATE'),
       pg_has_role(current_user, c.relowner, 'USAGE'),
       (SELECT rolsuper FROM pg_roles WHERE rolname = current_user),
       current_user, pg_get_userbyid(c.relowner)
FROM pg_class c WHERE c.oid = to_regclass('{appendonly.TABLE}')
"""  # noqa: S608 (constants only)


@checks.register(checks.Tags.security, deploy=True)
def audit_table_privileges(app_configs: Any = None, **kwargs: Any) -> list[checks.CheckMessage]:
    if connection.vendor != "postgresql" or not _database_ready():
        return []
    with connection.cursor() as cursor:
        cursor.execute(PG_PRIVILEGES_SQL)
        row = cursor.fetchone()
    if row is None:
        return []
    update, delete, truncate, owns, superuser, role, owner = row
    could = [name for name, yes in (("UPDATE", update), ("DELETE", delete), ("TRUNCATE", truncate)) if yes]
    reasons = []
    if superuser:
        reasons.append("是超级用户")
    if owns:
        reasons.append(f"拥有该表（属主 {owner}），可删除其触发器")
    if could:
        reasons.append("可对其执行 " + "、".join(could))
    if not reasons:
        return []
    return [
        checks.Warning(
            f"应用连接数据库所用的角色 {role} 对审计日志表 {appendonly.TABLE} {'；'.join(reasons)}。",
            hint=(
                "按 README“在 PostgreSQL 上部署”分设两个角色：属主角色只用于 migrate，应用角色对审计日志表"
                "只有 INSERT 和 SELECT 权限。"
            ),
            id="core.W001",
        )
    ]


@checks.register(checks.Tags.security, deploy=True)
def audit_triggers_present(app_configs: Any = None, **kwargs: Any) -> list[checks.CheckMessage]:
    if not _database_ready():
        return []
    missing = appendonly.missing_triggers(connection)
    if not missing:
        return []
    return [
        checks.Error(
            f"审计日志表缺少只追加触发器（或已停用）：{'、'.join(missing)}。",
            hint="运行 kechuang migrate；若迁移已应用，说明触发器被删除，请由数据库属主重新创建并核查原因。",
            id="core.E002",
        )
    ]


@checks.register(checks.Tags.security)
def audit_retention(app_configs: Any = None, **kwargs: Any) -> list[checks.CheckMessage]:
    days = getattr(settings, "AUDIT_RETENTION_DAYS", appendonly.RETENTION_FLOOR_DAYS)
    if days >= appendonly.RETENTION_FLOOR_DAYS:
        return []
    return [
        checks.Error(
            f"KECHUANG_AUDIT_RETENTION_DAYS={days} 低于审计日志的最短保留期 {appendonly.RETENTION_FLOOR_DAYS} 天。",
            hint=f"设为 {appendonly.RETENTION_FLOOR_DAYS} 或更大。",
            id="core.E003",
        )
    ]
