"""统一社会信用代码 (GB 32100-2015): structure and check character.

18 characters: registration authority (1), organisation type (1), division code (6), organisation
code (9), check character (1). The check character is computed over the first 17 characters with
weights 3^i mod 31 over the 31-character alphabet below (no I, O, S, V, Z)."""

from __future__ import annotations

import re

from django.utils.translation import gettext as _

ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
_VALUE = {ch: i for i, ch in enumerate(ALPHABET)}
_SHAPE = re.compile(r"^[0-9A-HJ-NPQRTUWXY]{2}\d{6}[0-9A-HJ-NPQRTUWXY]{10}$")


def normalise_credit_code(code: str | None) -> str:
    """Upper-case and drop whitespace, the two things people get wrong when copying a code."""
    return re.sub(r"\s+", "", code or "").upper()


def expected_check_character(first17: str) -> str:
    total = sum(_VALUE[ch] * w for ch, w in zip(first17, WEIGHTS, strict=True))
    return ALPHABET[(31 - total % 31) % 31]


def credit_code_error(code: str) -> str | None:
    """Return a Chinese message saying what is wrong with the code, or None when it is valid."""
    code = normalise_credit_code(code)
    if len(code) != 18:
        return _("统一社会信用代码应为 18 位，实际为 %(n)d 位。") % {"n": len(code)}
    bad = [(i + 1, ch) for i, ch in enumerate(code) if ch not in _VALUE]
    if bad:
        pos, ch = bad[0]
        return _("统一社会信用代码第 %(pos)d 位“%(ch)s”不是有效字符（不使用 I、O、S、V、Z）。") % {
            "pos": pos,
            "ch": ch,
        }
    expected = expected_check_character(code[:17])
    if code[17] != expected:
        return _(
            "统一社会信用代码校验位错误：按前 17 位计算，第 18 位应为“%(expected)s”，实际为“%(actual)s”。"
        ) % {
            "expected": expected,
            "actual": code[17],
        }
    if not _SHAPE.match(code):
        return _("统一社会信用代码第 3–8 位应为 6 位数字的行政区划代码。")
    return None


def make_credit_code(first17: str) -> str:
    """Complete a 17-character stem with its check character (used by the demo generator)."""
    return first17 + expected_check_character(first17)
