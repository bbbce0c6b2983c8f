from __future__ import annotations

from pathlib import Path
from typing import Any

from django.utils.translation import gettext as _

from kechuang.imports import services

from ._base import RegisterCommand


class Command(RegisterCommand):
    help = _(
        "生成数据表的 Excel 导入模板（表头、必填标记、下拉选项和填写说明）。例：kechuang template organisations 模板.xlsx"
    )

    def handle(self, *args: Any, **options: Any) -> None:
        register = self.get_register(options["register"])
        path = Path(options["file"])
        path.write_bytes(services.template_bytes(register))
        self.stdout.write(
            self.style.SUCCESS(
                _("已生成“%(label)s”导入模板：%(path)s") % {"label": register.label, "path": path}
            )
        )
