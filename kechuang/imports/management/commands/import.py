from __future__ import annotations

from pathlib import Path
from typing import Any

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.core.management.base import CommandError, CommandParser
from django.utils.translation import gettext as _

from kechuang.imports import services
from kechuang.imports.report import ImportRejected

from ._base import RegisterCommand


class Command(RegisterCommand):
    help = _(
        "从 Excel 文件导入数据表：全部成功或一条也不写入；有错误时逐行列出行号、列、值和原因，并以非零状态退出。"
        "例：kechuang import organisations 企业名单.xlsx"
    )

    def add_arguments(self, parser: CommandParser) -> None:
        super().add_arguments(parser)
        parser.add_argument(
            "--errors",
            default="",
            metavar="FILE",
            help=_(
                "文件未导入时，把完整错误报告写入该 .xlsx 文件：上传的各行，出错的单元格标红，右侧一列写明原因，"
                "另有一张表列出全部错误。"
            ),
        )
        parser.add_argument(
            "--user",
            default="",
            help=_(
                "以该账号的身份导入，权限与网页导入相同（项目与资金类、公布数据和目标任务数据表经由业务规则写入，须指定）。"
                "不指定时以命令行身份导入。"
            ),
        )

    def handle(self, *args: Any, **options: Any) -> None:
        register = self.get_register(options["register"])
        path = Path(options["file"])
        if not path.is_file():
            raise CommandError(_("找不到文件：%(path)s") % {"path": path})
        by = None
        if options.get("user"):
            by = get_user_model().objects.filter(username=options["user"]).first()
            if by is None:
                raise CommandError(_("找不到账号：%(u)s") % {"u": options["user"]})
        try:
            result = services.import_file(register=register, file=path, by=by)
        except PermissionDenied as exc:
            raise CommandError(str(exc)) from None
        except ImportRejected as exc:
            self.stderr.write(exc.message)
            for error in exc.shown:
                self.stderr.write(f"  {error}")
            if exc.truncated:
                self.stderr.write(exc.truncated)
            report = Path(options["errors"]) if options.get("errors") else None
            data = services.error_workbook(register=register, error=exc) if report else None
            if report is not None and data is not None:
                report.write_bytes(data)
                self.stderr.write(
                    _("完整错误报告已写入 %(path)s（出错的单元格标为红色）。") % {"path": report}
                )
            elif report is None and exc.truncated:
                self.stderr.write(_("加 --errors 错误报告.xlsx 可导出全部错误。"))
            raise CommandError(
                _("导入失败：%(n)d 处错误，未写入任何数据。") % {"n": len(exc.errors)}
            ) from None
        self.stdout.write(self.style.SUCCESS(result.summary))
