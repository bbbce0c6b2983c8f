from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "kechuang.core"
    label = "core"
    verbose_name = _("基础数据")

    def ready(self) -> None:
        from . import checks, signals  # noqa: F401  (system checks; login, logout and lockout audit events)
