"""The above-scale (规上) list lives in core; a change to it, from a page or the CLI, refreshes the R&D
indicators of its year (imports of the list are handled in imports.py, after their bulk write)."""

from __future__ import annotations

from typing import Any

from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from kechuang.core.models import OrganisationYear

from . import indicators


@receiver(post_save, sender=OrganisationYear)
@receiver(post_delete, sender=OrganisationYear)
def _above_scale_changed(sender: Any, instance: OrganisationYear, **kwargs: Any) -> None:
    if kwargs.get("raw"):
        return
    indicators.refresh([instance.year])
