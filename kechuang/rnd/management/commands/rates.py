"""`kechuang rates`: list the super-deduction rate table, or add a row when a new announcement appears."""

from __future__ import annotations

import datetime as dt
import getpass
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from kechuang.core import audit
from kechuang.rnd import services
from kechuang.rnd.models import DeductionRate


def _date(text: str | None) -> dt.date | None:
    if not text:
        return None
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise CommandError(_("日期格式应为 YYYY-MM-DD：%(t)s") % {"t": text}) from None


OPTION = {"applies_to": "--applies-to", "valid_from": "--from", "rate": "--rate", "basis": "--basis"}


class Command(BaseCommand):
    help = _(
        "研发费用加计扣除比例表：列出，或在新公告发布时新增一行。"
        "例：kechuang rates --add --applies-to all --from 2023-01-01 --rate 100 --basis 财政部 税务总局公告2023年第7号"
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--add", action="store_true", help=_("新增一行"))
        parser.add_argument("--applies-to", choices=DeductionRate.AppliesTo.values, help=_("适用企业"))
        parser.add_argument("--from", dest="valid_from", help=_("起始日期 YYYY-MM-DD"))
        parser.add_argument(
            "--until", dest="valid_until", help=_("截止日期 YYYY-MM-DD（可省略，表示长期有效）")
        )
        parser.add_argument("--rate", help=_("比例（百分数），如 100"))
        parser.add_argument("--basis", help=_("政策依据（文号）"))
        parser.add_argument("--note", default="", help=_("说明"))

    def handle(self, *args: Any, **options: Any) -> None:
        if options["add"]:
            missing = [k for k in ("applies_to", "valid_from", "rate", "basis") if not options[k]]
            if missing:
                raise CommandError(_("新增时须提供：%(m)s") % {"m": "、".join(OPTION[m] for m in missing)})
            try:
                rate = Decimal(options["rate"]) / 100
            except InvalidOperation:
                raise CommandError(_("比例应为数字（百分数），如 100。")) from None
            audit.set_actor_label(f"命令行:{getpass.getuser()}")
            try:
                services.deduction_rate_add(
                    by=None,
                    data={
                        "applies_to": options["applies_to"], "valid_from": _date(options["valid_from"]),
                        "valid_until": _date(options["valid_until"]), "rate": rate, "basis": options["basis"],
                        "note": options["note"],
                    },
                )  # fmt: skip
            except ValidationError as e:
                raise CommandError("；".join(e.messages)) from None
        for row in DeductionRate.objects.all():
            until = row.valid_until.isoformat() if row.valid_until else _("长期")
            self.stdout.write(
                f"{row.get_applies_to_display()}\t{row.valid_from.isoformat()}—{until}\t"
                f"{(row.rate * 100).normalize():f}%\t{row.basis}"
            )
