"""`python manage.py demo`: load the demo county 开化县 (idempotent) and print one login per role."""

from __future__ import annotations

import unicodedata
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from kechuang.core.demo import DEMO_SEED, build_demo

CREATED_LABELS = {
    "organisation": "组织机构",
    "organisation_year": "年度状态",
    "person": "人员",
    "user": "账号",
}


def _width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _pad(text: str, width: int) -> str:
    return text + " " * (width - _width(text))


def table(headers: list[str], rows: list[list[str]]) -> str:
    """A plain-text table whose columns line up in a terminal, Chinese characters counted double."""
    widths = [max(_width(str(r[i])) for r in [headers, *rows]) for i in range(len(headers))]
    lines = ["  ".join(_pad(h, w) for h, w in zip(headers, widths, strict=True)).rstrip()]
    lines.append("  ".join("-" * w for w in widths))
    lines += ["  ".join(_pad(str(c), w) for c, w in zip(r, widths, strict=True)).rstrip() for r in rows]
    return "\n".join(lines)


class Command(BaseCommand):
    # An operational command: it must work even while the pages or the API do not import.
    requires_system_checks: list[str] = []
    help = (
        "载入演示县（开化县 330824，另含常山县 330822 的少量数据）并列出各角色的演示账号。已载入时不做修改。"
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--seed", type=int, default=DEMO_SEED, help=f"随机种子（默认 {DEMO_SEED}）")
        parser.add_argument("--scale", type=float, default=1.0, help="数据量倍数（默认 1；测试用 0.1 等）")
        parser.add_argument(
            "--force", action="store_true", help="即使已载入也补齐缺少的演示记录（不会重复创建）"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if getattr(settings, "PRODUCTION", False):
            # A production server refuses to start while demo accounts exist (core.E001), so never load them.
            raise CommandError("当前是生产环境（KECHUANG_ENV=production），不载入演示数据。")
        if not 0 < options["scale"] <= 10:
            raise CommandError("--scale 须大于 0 且不超过 10。")
        try:
            summary = build_demo(seed=options["seed"], scale=options["scale"], force=options["force"])
        except RuntimeError as exc:
            raise CommandError(str(exc)) from exc

        out = self.stdout
        if summary.already_loaded:
            out.write(self.style.WARNING(f"演示数据已载入（{summary.flag_value}），未做修改。"))
        else:
            made = "，".join(f"{CREATED_LABELS.get(k, k)} {v}" for k, v in summary.created.items()) or "无"
            out.write(
                self.style.SUCCESS(f"演示数据已载入，用时 {summary.seconds:.1f} 秒（本次新建：{made}）。")
            )
        out.write("")
        out.write(table(["项目", "数量"], [[k, str(v)] for k, v in summary.counts.items()]))
        out.write("")
        out.write("演示账号（密码相同，仅供演示，正式使用前请删除演示数据或修改密码）：")
        rows = [
            [role, username, password, summary.scopes.get(username, "")]
            for role, username, password in summary.logins
        ]
        out.write(table(["角色", "账号", "密码", "范围"], rows))
        out.write("")
        out.write(
            f"另有一个待激活的企业注册账号 {summary.pending_signup}：用 kh_staff 登录后在“待激活账号”页面审核激活。"
        )
