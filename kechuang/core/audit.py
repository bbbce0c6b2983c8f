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

from django.db import models
from django.db.models.fields.files import FieldFile

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
        data[field.attname] = _jsonable(getattr(obj, field.attname))
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
