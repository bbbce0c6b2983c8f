"""Optimistic concurrency for every edit of every register: pages, API, imports and the CLI.

An edit form carries what it loaded: the values of the fields it shows and the id of the record's last audit
event, signed into one hidden field (`EDIT_TOKEN_FIELD`). On save, the service locks the row
(`SELECT … FOR UPDATE`; on SQLite the IMMEDIATE transaction already serialises writers), and `merge` compares
three values per field: what the user loaded, what the user submitted, what the row holds now.

- a field the user did not change is left as it is now, so a colleague's change of another field survives;
- a field the user changed that nobody else changed is written;
- a field both changed (to different values) is a conflict: nothing is saved and the user is told who
  changed which fields when (`EditConflict`), from the audit events after the one the form loaded.

Only the fields that really change are written (`save(update_fields=…)`), so every audit event's before/after
is exactly what the database did, and replaying a record's events reproduces it. Paths without a form (the
API without If-Match, imports, the CLI) pass `loaded=None`: they state values, which are compared with the
locked row; they still write only what changes. The API's ETag names the last audit event and a digest of the
values field by field; a PATCH whose own fields changed since its If-Match is a 409 (`check_etag`)."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from typing import Any

from django.core import signing
from django.core.exceptions import FieldDoesNotExist, ValidationError
from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.db.models import Max, Model
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from .models import AuditEvent

EDIT_TOKEN_FIELD = "_loaded"
_SALT = "kechuang.edits"


@dataclass(frozen=True)
class Loaded:
    """What an edit form showed: field → value as loaded (the database's form), and the record's last audit
    event id at that moment (0 when it had none)."""

    values: dict[str, Any]
    event_id: int = 0


@dataclass(frozen=True)
class IfMatch:
    """What an API client loaded: the ETag it got (over `fields`), sent back as If-Match."""

    etag: str
    fields: tuple[str, ...]


@dataclass
class Change:
    username: str
    at: Any
    fields: list[str] = field(default_factory=list)


class EditConflict(ValidationError):
    """Someone else changed a field this user changed too since loading it. Nothing was saved."""

    def __init__(self, obj: Model, fields: list[str], changes: list[Change]):
        self.obj = obj
        self.fields = fields
        self.changes = changes
        labels = "、".join(label(obj, f) for f in fields or sorted({f for c in changes for f in c.fields}))
        last = changes[-1] if changes else None
        if last is not None:
            message = _("该记录已被%(who)s于%(when)s修改（%(fields)s），您的修改未保存。") % {
                "who": last.username or _("他人"),
                "when": when_text(last.at),
                "fields": labels,
            }
        elif labels:
            message = _("该记录已被他人修改（%(fields)s），您的修改未保存。") % {"fields": labels}
        else:
            message = _("该记录已被他人修改，您的修改未保存。")
        super().__init__(message, code="conflict")

    def as_json(self) -> dict[str, Any]:
        return {
            "detail": self.messages[0],
            "fields": self.fields,
            "changes": [
                {"username": c.username, "at": c.at.isoformat() if c.at else None, "fields": c.fields}
                for c in self.changes
            ],
            "current": {f: _db_value(self.obj, f) for f in self.fields},
        }


def when_text(at: Any) -> str:
    local = timezone.localtime(at)
    if local.date() == timezone.localdate():
        return local.strftime("%H:%M")
    return date_format(local, "Y年n月j日 H:i")


def _field(obj: Model, name: str) -> Any:
    """A model field of `obj` (typed loosely: relations and generic keys don't share one interface)."""
    return obj._meta.get_field(name)


def label(obj: Model, name: str) -> str:
    try:
        return str(_field(obj, name).verbose_name)
    except FieldDoesNotExist:
        return name


# --- values --------------------------------------------------------------------------------------------


def _db_value(obj: Model, name: str) -> Any:
    """A field's value in the form the database compares: a foreign key by its id, many-to-many as a sorted
    list of ids (or names for tags), JSON-ready."""
    model_field = _field(obj, name)
    if model_field.many_to_many:
        if obj.pk is None:
            return []
        return sorted(str(x) for x in getattr(obj, name).all())
    value = getattr(obj, model_field.attname)  # type: ignore[union-attr]
    return json.loads(json.dumps(value, cls=DjangoJSONEncoder))


def _normal(obj: Model, name: str, value: Any) -> Any:
    """Bring a submitted or loaded value to the database's form, so 1.5 equals 1.50 and a Region equals its
    code."""
    model_field = _field(obj, name)
    if model_field.many_to_many:
        return sorted(str(v) for v in (value or []))  # names or objects, compared as audit.snapshot does
    if isinstance(value, Model):
        value = value.pk
    if value is not None and hasattr(model_field, "to_python"):
        try:
            value = model_field.to_python(value)
        except ValidationError:
            return value  # full_clean will say what is wrong with it
    if value == "" and model_field.null and not getattr(model_field, "empty_strings_allowed", True):
        value = None
    return json.loads(json.dumps(value, cls=DjangoJSONEncoder))


def _same(obj: Model, name: str, a: Any, b: Any) -> bool:
    model_field = _field(obj, name)
    if model_field.get_internal_type() == "DecimalField" and a is not None and b is not None:
        from decimal import Decimal, InvalidOperation

        try:
            return Decimal(str(a)) == Decimal(str(b))
        except InvalidOperation:
            return a == b
    return a == b


def display(obj: Model, name: str) -> str:
    """A field's current value as a person reads it (choice labels, related records by name)."""
    model_field = _field(obj, name)
    if model_field.many_to_many:
        return "、".join(_db_value(obj, name))
    if getattr(model_field, "choices", None):
        return str(getattr(obj, f"get_{name}_display")())
    value = getattr(obj, name)
    if value is None or value == "":
        return ""
    if isinstance(value, bool):
        return _("是") if value else _("否")
    return str(value)


def last_event_id(obj: Model) -> int:
    if obj.pk is None:
        return 0
    return (
        AuditEvent.objects.filter(object_type=obj._meta.label_lower, object_id=str(obj.pk)).aggregate(
            m=Max("id")
        )["m"]
        or 0
    )


# --- the form's token ----------------------------------------------------------------------------------


def token_for(obj: Model, fields: list[str]) -> str:
    """The signed record of what an edit form shows now."""
    values = {name: _db_value(obj, name) for name in fields if _is_field(obj, name)}
    return signing.dumps(
        {"m": obj._meta.label_lower, "pk": obj.pk, "v": values, "e": last_event_id(obj)}, salt=_SALT
    )


def token_read(token: str, obj: Model) -> Loaded:
    try:
        data = signing.loads(token, salt=_SALT)
    except signing.BadSignature:
        raise ValidationError(_("表单已失效，请重新打开编辑页面后再保存。"), code="bad_token") from None
    if data.get("m") != obj._meta.label_lower or data.get("pk") != obj.pk:
        raise ValidationError(_("表单与记录不符，请重新打开编辑页面后再保存。"), code="bad_token")
    return Loaded(values=data.get("v") or {}, event_id=int(data.get("e") or 0))


def changed_since(token: str, obj: Model) -> list[str]:
    """The fields of a form's token whose value in the database is no longer what the form loaded."""
    if not token:
        return []
    loaded = token_read(token, obj)
    return [
        n for n, v in loaded.values.items() if _is_field(obj, n) and not _same(obj, n, _db_value(obj, n), v)
    ]


def token_after_conflict(token: str, conflict: EditConflict, refreshed: list[str] | None = None) -> str:
    """The token a form gets back with a conflict: the conflicting fields, and the `refreshed` ones the form
    now shows at their current values, as loaded now (the user has seen them, so saving again means
    "mine"); every other field as first loaded (so a field the user left alone keeps a colleague's change)."""
    obj = conflict.obj
    old = token_read(token, obj) if token else Loaded(values={})
    values = dict(old.values)
    for name in [*conflict.fields, *(refreshed or [])]:
        values[name] = _db_value(obj, name)
    return signing.dumps(
        {"m": obj._meta.label_lower, "pk": obj.pk, "v": values, "e": last_event_id(obj)}, salt=_SALT
    )


def _is_field(obj: Model, name: str) -> bool:
    try:
        _field(obj, name)
    except FieldDoesNotExist:
        return False
    return True


# --- the compare-and-set --------------------------------------------------------------------------------


def lock(obj: Model) -> Any:
    """The row as it is now, locked until the transaction ends (call inside transaction.atomic)."""
    return type(obj)._default_manager.select_for_update().get(pk=obj.pk)


def merge(current: Model, data: dict[str, Any], loaded: Loaded | None) -> list[str]:
    """Apply to `current` (the locked row) the fields of `data` the user changed; raise EditConflict when
    someone else changed one of them since `loaded`. Returns the names of the fields that change.
    Many-to-many values are compared but not assigned: the caller sets them after saving."""
    changed: list[str] = []
    conflicts: list[str] = []
    for name, submitted in data.items():
        if not _is_field(current, name):
            continue  # e.g. a form-only field the service handles itself
        new = _normal(current, name, submitted)
        now = _db_value(current, name)
        if loaded is not None and name in loaded.values:
            before = loaded.values[name]
            if _same(current, name, new, before):
                continue  # the user left it alone: keep whatever it is now
            if not _same(current, name, now, before) and not _same(current, name, now, new):
                conflicts.append(name)
                continue
        if _same(current, name, new, now):
            continue
        changed.append(name)
        model_field = _field(current, name)
        if not model_field.many_to_many:
            setattr(current, name, submitted)
    if conflicts:
        since = loaded.event_id if loaded is not None else 0
        raise EditConflict(current, conflicts, changes_since(current, since, conflicts))
    return changed


def changes_since(obj: Model, event_id: int, fields: list[str]) -> list[Change]:
    """The audit events after `event_id` that changed any of `fields`, oldest first."""
    attnames = {_attname(obj, f): f for f in fields}
    events = (
        AuditEvent.objects.filter(object_type=obj._meta.label_lower, object_id=str(obj.pk), id__gt=event_id)
        .select_related("user")
        .order_by("id")
    )
    out = []
    for event in events[:200]:
        touched = [attnames[k] for k in (event.after or {}) if k in attnames]
        if touched:
            who = (event.user.get_full_name() if event.user else "") or event.username
            out.append(Change(username=who, at=event.at, fields=touched))
    return out


def _attname(obj: Model, name: str) -> str:
    model_field = _field(obj, name)
    return name if model_field.many_to_many else model_field.attname  # type: ignore[union-attr]


def update(
    obj: Model,
    *,
    by: Any,
    data: dict[str, Any],
    loaded: Loaded | IfMatch | None,
    action: str = "update",
    detail: str = "",
    prepare: Any = None,
    after_save: Any = None,
) -> Any:
    """The one edit: lock the row, merge what the user changed, validate, write only the fields that change
    and audit exactly them, in one transaction. `prepare(current, changed)` runs under the lock after the
    merge — derived fields and rules that must see the row as it is now (a status, what was paid);
    `after_save(current, changed)` sets many-to-many fields. Returns the record as saved (a fresh instance:
    the caller's copy may be stale)."""
    from . import audit

    with transaction.atomic():
        current = lock(obj)
        before = audit.snapshot(current)
        if isinstance(loaded, IfMatch):
            check_etag(current, loaded.etag, loaded.fields, data)
            loaded = None
        changed = merge(current, data, loaded)
        if prepare is not None:
            prepare(current, changed)
        now = audit.snapshot(current)
        concrete = [
            f.name
            for f in current._meta.concrete_fields
            if f.attname in before and before[f.attname] != now.get(f.attname)
        ]
        m2m = [n for n in changed if _field(current, n).many_to_many]
        if not concrete and not m2m:
            return current
        current.full_clean()
        if concrete:
            stamps = [f.name for f in current._meta.concrete_fields if getattr(f, "auto_now", False)]
            current.save(update_fields=[*concrete, *stamps])
        if after_save is not None:
            after_save(current, changed)
        b, a = audit.changed_only(before, audit.snapshot(current))
        if a:
            audit.record(action, by=by, obj=current, before=b, after=a, detail=detail)
    return current


# --- the API's ETag ------------------------------------------------------------------------------------


def _digest(value: Any) -> str:
    return hashlib.sha256(json.dumps(value, sort_keys=True, ensure_ascii=False).encode()).hexdigest()[:6]


def etag(obj: Model, fields: tuple[str, ...] | list[str]) -> str:
    """The record's last audit event and a short digest of each field's value, in `fields` order, so a PATCH
    can tell which of its fields changed since the client read them."""
    digests = ".".join(_digest(_db_value(obj, name)) for name in fields)
    return f'"{last_event_id(obj)}-{digests}"'


def check_etag(current: Model, if_match: str, fields: tuple[str, ...], data: dict[str, Any]) -> None:
    """A PATCH with If-Match: refuse it (EditConflict → 409) when a field it changes was changed by someone
    else since that ETag was read; changes of other fields don't stand in its way. `*` matches anything."""
    tag = if_match.strip().removeprefix("W/").strip('"')
    if tag == "*":
        return
    event, _sep, digests = tag.partition("-")
    parts = digests.split(".")
    if not event.isdigit() or len(parts) != len(fields):
        raise ValidationError(_("If-Match 不是本接口返回的 ETag，请重新读取记录后再修改。"), code="bad_etag")
    then = dict(zip(fields, parts, strict=True))
    conflicts = []
    for name, submitted in data.items():
        if name not in then:
            continue
        now = _db_value(current, name)
        if _digest(now) != then[name] and not _same(current, name, _normal(current, name, submitted), now):
            conflicts.append(name)
    if conflicts:
        raise EditConflict(current, conflicts, changes_since(current, int(event), conflicts))
