"""`kechuang runserver`: Django's development server (with WhiteNoise serving the static files), which
refuses to start in production while the database holds the demo or the published demo password
(core.E001, kechuang/core/production.py), before the autoreloader starts."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ImproperlyConfigured
from django.core.management.base import CommandError
from whitenoise.runserver_nostatic.management.commands.runserver import Command as WhiteNoiseRunserver

from kechuang.core.production import refuse_demo_in_production


class Command(WhiteNoiseRunserver):
    def handle(self, *args: Any, **options: Any) -> None:
        try:
            refuse_demo_in_production()
        except ImproperlyConfigured as exc:
            raise CommandError(str(exc)) from exc
        super().handle(*args, **options)
