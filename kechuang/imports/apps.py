from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ImportsConfig(AppConfig):
    name = "kechuang.imports"
    label = "imports"
    verbose_name = _("数据导入导出")

    def ready(self) -> None:
        # The core registers live in .registers; every other app declares its own in `<app>/imports.py`,
        # which is imported here so that its registers join REGISTERS (and the pages and the CLI).
        from django.utils.module_loading import autodiscover_modules

        from . import registers  # noqa: F401

        autodiscover_modules("imports")
