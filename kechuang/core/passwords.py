"""Password rules beyond Django's own validators (等保 2.0: complexity and periodic change)."""

from __future__ import annotations

import datetime as dt
import string
from typing import Any

from django.conf import settings
from django.contrib.auth import password_validation
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _

CLASSES = (
    (_("大写字母"), set(string.ascii_uppercase)),
    (_("小写字母"), set(string.ascii_lowercase)),
    (_("数字"), set(string.digits)),
)


def character_classes(password: str) -> int:
    count = sum(1 for _label, chars in CLASSES if any(c in chars for c in password))
    # Anything that is not an ASCII letter or digit counts as a symbol (including Chinese characters).
    if any(not (c.isascii() and c.isalnum()) for c in password):
        count += 1
    return count


class CharacterClassValidator:
    """At least `min_classes` of: upper-case, lower-case, digits, symbols."""

    def __init__(self, min_classes: int = 3) -> None:
        self.min_classes = min_classes

    def validate(self, password: str, user: Any = None) -> None:
        if character_classes(password) < self.min_classes:
            raise ValidationError(self.get_help_text(), code="password_too_simple")

    def get_help_text(self) -> str:
        return _("密码须包含大写字母、小写字母、数字、符号四类中的至少 %(n)d 类。") % {"n": self.min_classes}


def password_expired(user: Any) -> bool:
    days = settings.PASSWORD_MAX_AGE_DAYS
    if not days or not getattr(user, "is_authenticated", False):
        return False
    return timezone.now() - user.password_changed_at > dt.timedelta(days=days)


def password_change_required(user: Any) -> str:
    """Why this signed-in user must change their password before anything else works ("" if not):
    someone else set or reset it (must_change_password), or it is older than PASSWORD_MAX_AGE_DAYS."""
    if not getattr(user, "is_authenticated", False):
        return ""
    if getattr(user, "must_change_password", False):
        return _("您的密码由系统管理员或服务器操作员设置，请先修改为只有您自己知道的密码。")
    if password_expired(user):
        return _("您的密码已过期（超过 %(d)d 天未修改），请先修改密码。") % {
            "d": settings.PASSWORD_MAX_AGE_DAYS
        }
    return ""


class MinimumLengthValidator(password_validation.MinimumLengthValidator):
    """Django's length rule with a Chinese message (Django 5.2's zh_Hans catalogue lacks this one)."""

    def get_error_message(self) -> str:
        return _("密码太短，至少需要 %(n)d 个字符。") % {"n": self.min_length}

    def get_help_text(self) -> str:
        return _("密码至少 %(n)d 个字符。") % {"n": self.min_length}
