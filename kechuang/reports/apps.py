from django.apps import AppConfig
from django.utils.module_loading import autodiscover_modules
from django.utils.translation import gettext_lazy as _


class ReportsConfig(AppConfig):
    name = "kechuang.reports"
    verbose_name = _("统计与报告")

    def ready(self) -> None:
        from kechuang.core.permissions import register_county_record

        from .models import Summary

        # A summary belongs to its county: read by the county's region roles, written by its staff.
        register_county_record(Summary)
        # Each app's figures.py registers its figures with kechuang.reports.figures, its sections.py the
        # default prose of its summary sections, its evidence.py how its records are listed as evidence.
        autodiscover_modules("figures", "sections", "evidence")
