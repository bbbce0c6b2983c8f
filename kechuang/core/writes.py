"""The shape every simple register write takes, shared by the apps' services: assign only the allowed
fields, require the county's bureau staff, validate, save and audit in one transaction."""

from __future__ import annotations

import copy
from collections.abc import Iterable
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Model
from django.utils.translation import gettext as _

from . import audit, edits, permissions
from .models import Region


def assign(obj: Any, data: dict[str, Any], allowed: Iterable[str]) -> None:
    unknown = set(data) - set(allowed)
    if unknown:
        raise ValidationError(_("未知字段：%(f)s") % {"f": "、".join(sorted(unknown))})
    for key, value in data.items():
        setattr(obj, key, value)


def require_staff(by: Any, county_code: str | None, action: str, obj: Any = None) -> None:
    permissions.require(permissions.is_county_staff(by, county_code), by, action, obj, what=action)


def save(obj: Any, *, by: Any, action: str, before: dict | None = None, detail: str = "") -> Any:
    obj.full_clean()
    obj.save()
    b, a = audit.changed_only(before, audit.snapshot(obj))
    audit.record(action, by=by, obj=obj, before=b, after=a, detail=detail)
    return obj


def create_or_update(
    model: type[Model],
    *,
    by: Any,
    data: dict[str, Any],
    fields: list[str],
    county: Region | str | None,
    instance: Any = None,
    loaded: edits.Loaded | None = None,
) -> Any:
    """Create or update a county record; staff of the record's county only. An update is the
    compare-and-set of kechuang.core.edits: only the fields the user changed since `loaded` are written."""
    county_code = county.pk if isinstance(county, Region) else county
    action = f"{'update' if instance else 'create'} {model._meta.model_name}"
    if instance is not None and getattr(instance, "county_id", None):
        require_staff(by, instance.county_id, action, instance)  # the record's county as it stands, too
    require_staff(by, county_code, action, instance)
    if instance is not None:
        assign(copy.copy(instance), data, fields)  # unknown fields are refused before anything is locked
        return edits.update(instance, by=by, data=data, loaded=loaded)
    with transaction.atomic():
        obj = model()
        assign(obj, data, fields)
        return save(obj, by=by, action="create")
