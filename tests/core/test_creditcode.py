"""统一社会信用代码: real codes pass; every single-character corruption fails naming the expected character."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kechuang.core.creditcode import ALPHABET, credit_code_error, expected_check_character, make_credit_code

REAL_CODES = ["91330000733796106P", "9141052317253907X3", "91110000600037341L", "91310110666007217T"]


@pytest.mark.parametrize("code", REAL_CODES)
def test_real_codes_pass(code):
    assert credit_code_error(code) is None


@pytest.mark.parametrize("code", REAL_CODES)
def test_lower_case_and_spaces_are_normalised(code):
    assert credit_code_error(" " + code.lower()[:9] + " " + code.lower()[9:]) is None


@pytest.mark.parametrize("code", REAL_CODES)
def test_every_single_character_corruption_fails_with_the_expected_character(code):
    corruptions = 0
    for pos in range(18):
        for ch in ALPHABET:
            if ch == code[pos]:
                continue
            bad = code[:pos] + ch + code[pos + 1 :]
            message = credit_code_error(bad)
            expected = expected_check_character(bad[:17])
            assert message is not None, bad
            assert f"第 18 位应为“{expected}”" in message, (bad, message)
            assert f"实际为“{bad[17]}”" in message
            corruptions += 1
    assert corruptions == 18 * 30


@pytest.mark.parametrize("bad_char", ["I", "O", "S", "V", "Z", "*"])
def test_characters_outside_the_alphabet_are_named(bad_char):
    code = REAL_CODES[0]
    message = credit_code_error(code[:10] + bad_char + code[11:])
    assert message is not None and "第 11 位" in message and bad_char in message


@pytest.mark.parametrize("code", ["", "9133000073379610", "91330000733796106PP"])
def test_wrong_length(code):
    assert "18 位" in credit_code_error(code)


@given(
    st.text(alphabet=ALPHABET[:10], min_size=6, max_size=6),
    st.text(alphabet=ALPHABET, min_size=9, max_size=9),
)
def test_generated_codes_are_valid(division, body):
    assert credit_code_error(make_credit_code("91" + division + body)) is None
