from django.apps import AppConfig
from django.utils.module_loading import autodiscover_modules
from django.utils.translation import gettext_lazy as _


class ReportsConfig(AppConfig):
    name = "kechuang.reports"
    verbose_name = _("统计与报告")

    def ready(self) -> None:
        # Each app's figures.py registers its figures with kechuang.reports.figures.
        autodiscover_modules("figures")
