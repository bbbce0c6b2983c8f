"""Reads of the reports app, always scoped to what the acting user may see (a county's summaries are
read by its staff and leaders and by the city and province above it; see kechuang.core.permissions)."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from kechuang.core import permissions
from kechuang.core.models import Region

from .models import Summary


def summary_list(user: Any) -> QuerySet[Summary]:
    return (
        Summary.objects.filter(permissions.county_record_filter(user, Summary))
        .select_related("county", "frozen_by", "created_by")
        .order_by("-period_end", "county_id", "-period_start", "-version")
    )


def summary_get(user: Any, pk: Any) -> Summary:
    """The summary if the user may read it; Summary.DoesNotExist otherwise (the page answers 404)."""
    return summary_list(user).get(pk=pk)


def staff_counties(user: Any) -> QuerySet[Region]:
    """The counties whose summaries the user may write (bureau staff of them, or of a region above)."""
    return Region.objects.filter(
        permissions.staff_region_filter(user, "code"), level=Region.Level.COUNTY
    ).order_by("code")
