"""`kechuang summary`: a county's work summary as a file — Word (official-document layout), HTML, Markdown
or JSON. The saved summary of that county and period is used when there is one — its latest version, or
the one `--version` names (its prose; its figures frozen or live); otherwise the default prose with live
figures, built in memory — nothing is saved. A frozen version is exported exactly as it was frozen."""

from __future__ import annotations

import contextlib
import json
import os
from pathlib import Path
from typing import Any

from django.core.management.base import CommandError, CommandParser
from django.utils.translation import gettext as _

from kechuang.core import audit
from kechuang.core.models import Region
from kechuang.imports.management.commands._base import cli_actor
from kechuang.reports import exports
from kechuang.reports.models import Summary
from kechuang.reports.summary import default_sections, default_title, render

from .figures import Command as FiguresCommand

FORMATS = {"docx": ".docx", "html": ".html", "md": ".md", "json": ".json"}


class Command(FiguresCommand):
    help = _(
        "导出某县某期间的工作总结（Word 公文格式、HTML、Markdown 或 JSON）。已有保存的总结时导出该总结，"
        "否则按默认模板与实时数据生成（不保存）。"
        "例：kechuang summary --county 330824 --year 2025 --format docx -o 开化县2025年科技工作总结.docx"
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--county", required=True, help=_("县（市、区）的区划代码或名称"))
        parser.add_argument("--year", required=True, type=int, help=_("年度，如 2025"))
        parser.add_argument(
            "--period", default="", help=_("期间：全年（默认）、季度 2025-Q3，或月份范围 2025-01..2025-09")
        )
        parser.add_argument(
            "--format", default="", help=_("格式：docx、html、md 或 json（默认按输出文件的扩展名）")
        )
        parser.add_argument(
            "-o", "--output", required=True, help=_("输出文件路径；html、md、json 可用 - 输出到屏幕")
        )
        parser.add_argument(
            "--summary-version", dest="summary_version", type=int, default=None,
            help=_("导出已保存总结的第几版（默认最新版本；修订前的定稿版本按定稿时的内容导出）"),
        )  # fmt: skip

    def execute(self, *args: Any, **options: Any) -> Any:
        token = audit.set_actor_label(cli_actor())
        try:
            return super().execute(*args, **options)
        finally:
            token.var.reset(token)

    def handle(self, *args: Any, **options: Any) -> None:
        output = str(options["output"]).strip()
        kind = self.get_format(str(options["format"]), output)
        county = self.get_county(str(options["county"]))
        period = self.get_period(options["year"], options["period"])

        series = Summary.objects.filter(county=county, period_start=period.start, period_end=period.end)
        wanted = options.get("summary_version")
        if wanted is not None:
            summary = series.filter(version=wanted).first()
            if summary is None:
                have = "、".join(str(v) for v in series.order_by("version").values_list("version", flat=True))
                raise CommandError(
                    _("%(c)s%(p)s的工作总结没有第%(v)s版（现有版本：%(h)s）。")
                    % {"c": county.name, "p": period.label, "v": wanted, "h": have or _("无")}
                )
        else:
            summary = series.order_by("-version").first()
        saved = summary is not None
        if summary is None:
            # Built in memory only: render() reads the prose, the county and the period, nothing more.
            summary = Summary(
                county=county, period_start=period.start, period_end=period.end,
                title=default_title(county, period), sections=default_sections(period), state=Summary.State.DRAFT,
            )  # fmt: skip
        rendered = render(summary)

        data: bytes
        if kind == "docx":
            data = exports.build_docx(rendered)
        elif kind == "html":
            data = exports.build_html(rendered).encode()
        elif kind == "md":
            data = exports.build_markdown(rendered).encode()
        else:
            data = (json.dumps(exports.build_json(rendered), ensure_ascii=False, indent=2) + "\n").encode()

        if output == "-":
            if kind == "docx":
                raise CommandError(_("Word 文件不能输出到屏幕，请用 -o 指定文件路径。"))
            self.stdout.write(data.decode(), ending="")
        else:
            self.write_file(Path(output), data)

        audit.record(
            "export",
            obj=summary if saved else None,
            object_type="" if saved else "reports.summary",
            object_repr="" if saved else summary.title,
            after={"format": kind, "county": county.code, "period": period.label, "saved": saved,
                   "version": summary.version if saved else None, "state": summary.state, "file": output},
            detail=_("命令行导出工作总结"),
        )  # fmt: skip
        if output != "-":
            source = (
                (_("%(v)s，已定稿") if summary.is_frozen else _("%(v)s，已保存的草稿（数字实时）"))
                % {"v": summary.version_label}
                if saved
                else _("默认模板（数字实时，未保存）")
            )
            self.stdout.write(
                self.style.SUCCESS(
                    _("已导出“%(t)s”（%(s)s）到 %(p)s") % {"t": summary.title, "s": source, "p": output}
                )
            )

    def get_format(self, text: str, output: str) -> str:
        kind = text.strip().lower().lstrip(".")
        if not kind:
            suffix = Path(output).suffix.lower() if output != "-" else ""
            kind = next((k for k, s in FORMATS.items() if s == suffix), "")
            if not kind:
                raise CommandError(_("请用 --format 指定格式：docx、html、md 或 json。"))
        if kind == "markdown":
            kind = "md"
        if kind not in FORMATS:
            raise CommandError(_("不支持的格式“%(f)s”，可选：docx、html、md、json。") % {"f": text.strip()})
        return kind

    def get_county(self, text: str) -> Region:
        region = self.get_scope(text)
        if region.level != Region.Level.COUNTY:
            raise CommandError(
                _("工作总结按县（市、区）编写，“%(r)s”不是县级区划，请填写县（市、区）的区划代码。")
                % {"r": region.full_name}
            )
        return region

    def write_file(self, path: Path, data: bytes) -> None:
        if path.is_dir():
            raise CommandError(_("输出路径 %(p)s 是一个目录，请给出文件名。") % {"p": path})
        if not path.parent.exists():
            raise CommandError(_("无法写入 %(p)s：目录 %(d)s 不存在。") % {"p": path, "d": path.parent})
        # Written next to the target and moved into place: a failed run leaves no half-written file.
        partial = path.with_name(f".{path.name}.part")
        try:
            partial.write_bytes(data)
            os.replace(partial, path)
        except OSError as e:
            with contextlib.suppress(OSError):
                partial.unlink(missing_ok=True)
            raise CommandError(
                _("无法写入 %(p)s：%(e)s") % {"p": path, "e": e.strerror or e.__class__.__name__}
            ) from None
