"""`kechuang remind [--date YYYY-MM-DD]`: the daily reminder run. Call deadlines within a week and
qualifications expiring within six months reach the inbox of the staff and applicants concerned, and a
digest goes to each county's configured e-mail and 企业微信/钉钉 group robots; unspent innovation
vouchers past their expiry are marked expired. Safe to run more than once a day: a reminder already
sent is not sent again. Schedule it daily (cron or a systemd timer)."""

from __future__ import annotations

import contextvars
import datetime as dt
import getpass
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from kechuang.core import audit
from kechuang.core.units import chinese_date
from kechuang.programmes.reminders import reminders_run


def _date(value: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise CommandError(f"日期格式应为 YYYY-MM-DD，如 2026-05-06（收到：{value}）") from None


class Command(BaseCommand):
    help = "发送每日提醒：申报截止、资质到期（站内消息、电子邮件、企业微信/钉钉群机器人），并将过期的创新券标为已过期。"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--date", help="按哪一天运行（YYYY-MM-DD），默认今天；用于补发或演练")

    def handle(self, *args: Any, **options: Any) -> None:
        today = _date(options["date"]) if options.get("date") else None

        def run() -> dict[str, int]:
            audit.set_actor_label(f"命令行:{getpass.getuser()}")
            return reminders_run(today=today)

        counts = contextvars.copy_context().run(run)
        day = chinese_date(today) if today else "今天"
        self.stdout.write(self.style.SUCCESS(f"提醒已运行（{day}）："))
        self.stdout.write(f"  申报截止提醒：{counts['deadlines']} 项")
        self.stdout.write(f"  资质到期提醒：{counts['expiring']} 项")
        self.stdout.write(f"  过期创新券：{counts['vouchers_expired']} 张")
        self.stdout.write(f"  邮件与群机器人发送：{counts['channels']} 次")
