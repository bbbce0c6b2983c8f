"""Writing audit events. Services call `record` inside their own transaction, so an event exists
exactly when the change it describes was committed. The acting request's IP comes from a context
variable that AuditContextMiddleware sets; the CLI sets an actor label instead."""

from __future__ import annotations

import contextvars
import datetime as dt
import uuid
from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import connection, models, transaction
from django.db.models.fields.files import FieldFile
from django.utils import timezone

from .models import AuditEvent

_request_ip: contextvars.ContextVar[str | None] = contextvars.ContextVar("audit_ip", default=None)
_actor_label: contextvars.ContextVar[str] = contextvars.ContextVar("audit_actor", default="")


def set_request_ip(ip: str | None) -> contextvars.Token:
    return _request_ip.set(ip)


def set_actor_label(label: str) -> contextvars.Token:
    """Name the actor when there is no user, e.g. "命令行:root" for the CLI."""
    return _actor_label.set(label)


def _jsonable(value: Any) -> Any:
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, dt.datetime) and value.tzinfo is not None:
        return value.astimezone(dt.UTC).isoformat()  # one form per instant, as the database returns it
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, FieldFile):
        return value.name  # a stored file is recorded by its path, never its content
    if isinstance(value, list | tuple | set):
        return [_jsonable(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    return value


SECRET_FIELDS = {"password", "digest"}


def snapshot(obj: models.Model) -> dict[str, Any]:
    """The object's concrete field values (foreign keys by id), secrets left out, for before/after."""
    data: dict[str, Any] = {}
    for field in obj._meta.concrete_fields:
        if field.name in SECRET_FIELDS:
            continue
        value = getattr(obj, field.attname)
        if isinstance(value, Decimal) and isinstance(field, models.DecimalField) and value.is_finite():
            value = value.quantize(Decimal(1).scaleb(-field.decimal_places))  # as the database stores it
        data[field.attname] = _jsonable(value)
    if obj.pk is not None:
        for m2m in obj._meta.many_to_many:
            data[m2m.name] = sorted(str(x) for x in getattr(obj, m2m.name).all())
    return data


def changed_only(before: dict | None, after: dict | None) -> tuple[dict | None, dict | None]:
    """Keep only the keys whose value changed (timestamps of the save itself excluded)."""
    if before is None or after is None:
        return before, after
    keys = [k for k in after if before.get(k) != after.get(k) and k not in ("updated_at",)]
    return {k: before.get(k) for k in keys}, {k: after[k] for k in keys}


def build(
    action: str,
    *,
    by: Any = None,
    obj: models.Model | None = None,
    object_type: str = "",
    object_id: str = "",
    object_repr: str = "",
    before: dict | None = None,
    after: dict | None = None,
    result: str = AuditEvent.Result.OK,
    detail: str = "",
    username: str = "",
) -> AuditEvent:
    user = by if getattr(by, "is_authenticated", False) else None
    if obj is not None:
        object_type = object_type or obj._meta.label_lower
        object_id = object_id or str(obj.pk or "")
        object_repr = object_repr or str(obj)[:200]
    return AuditEvent(
        user=user,
        username=username or (user.get_username() if user else _actor_label.get()),
        ip=_request_ip.get(),
        action=action,
        object_type=object_type,
        object_id=object_id,
        object_repr=object_repr[:200],
        before=_jsonable(before) if before is not None else None,
        after=_jsonable(after) if after is not None else None,
        result=result,
        detail=detail,
    )


def record(action: str, **kwargs: Any) -> AuditEvent:
    event = build(action, **kwargs)
    event.save()
    return event


def record_many(events: Iterable[AuditEvent]) -> None:
    AuditEvent.objects.bulk_create(list(events), batch_size=500)


# --- retention: the one path that removes audit rows ---------------------------------------------------


def retention_days() -> int:
    """KECHUANG_AUDIT_RETENTION_DAYS, never less than the 184-day floor (等保 2.0: at least six months)."""
    from .appendonly import RETENTION_FLOOR_DAYS

    return max(int(getattr(settings, "AUDIT_RETENTION_DAYS", RETENTION_FLOOR_DAYS)), RETENTION_FLOOR_DAYS)


def prune(*, by: Any, before: dt.datetime | None = None) -> tuple[int, dt.datetime]:
    """Delete the audit rows older than `before` and than the retention period, as the auditor `by`;
    the pruning itself is an audit event, written in the same transaction. Returns (rows, cutoff).

    The database lets the rows go only through its prune path (kechuang/core/appendonly.py): a
    SECURITY DEFINER function on PostgreSQL, a guard row on SQLite; either way it refuses rows younger
    than 184 days, whatever this function is asked."""
    from .appendonly import PRUNE_FUNCTION, SQLITE_GUARD_TABLE
    from .permissions import can_read_audit

    if not can_read_audit(by):
        record(
            "audit_prune",
            by=by,
            object_type="core.auditevent",
            result=AuditEvent.Result.DENIED,
            detail="清理审计日志被拒绝：只有审计员可以清理",
        )
        raise PermissionDenied("只有审计员可以清理审计日志。")
    limit = timezone.now() - dt.timedelta(days=retention_days())
    cutoff = min(before, limit) if before is not None else limit
    with transaction.atomic(), connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(f"SELECT {PRUNE_FUNCTION}(%s)", [cutoff])  # noqa: S608 (a constant name)
            count = int(cursor.fetchone()[0])
        else:
            cursor.execute(
                f"INSERT INTO {SQLITE_GUARD_TABLE} (started_at) VALUES (%s)",  # noqa: S608 (a constant)
                [timezone.now().isoformat()],
            )
            count = AuditEvent.objects.filter(at__lt=cutoff)._raw_delete(connection.alias)
            cursor.execute(f"DELETE FROM {SQLITE_GUARD_TABLE}")  # noqa: S608 (a constant name)
        record(
            "audit_prune",
            by=by,
            object_type="core.auditevent",
            after={"before": cutoff.isoformat(), "deleted": count, "retention_days": retention_days()},
            detail=f"清理 {cutoff:%Y-%m-%d %H:%M:%S}（UTC）之前的审计日志 {count} 条（保留期 {retention_days()} 天）",
        )
    return count, cutoff
