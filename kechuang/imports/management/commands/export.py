from __future__ import annotations

from pathlib import Path
from typing import Any

from django.utils.translation import gettext as _

from kechuang.imports import services

from ._base import RegisterCommand


class Command(RegisterCommand):
    help = _(
        "把数据表导出为 Excel 文件（与导入模板相同的格式，可修改后重新导入）。例：kechuang export organisations 企业.xlsx"
    )

    def handle(self, *args: Any, **options: Any) -> None:
        register = self.get_register(options["register"])
        path = Path(options["file"])
        path.write_bytes(services.export_queryset(register=register, by=None))
        self.stdout.write(
            self.style.SUCCESS(_("已导出“%(label)s”到 %(path)s") % {"label": register.label, "path": path})
        )
