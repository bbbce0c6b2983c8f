"""China working days in 2026, worked out by hand from the State Council's holiday notice
(国办发明电〔2025〕7号), which `holidays.China(years=2026)` reproduces:

    元旦    1–3 Jan off;               Sun 4 Jan worked
    春节    15–23 Feb off (9 days);    Sat 14 Feb and Sat 28 Feb worked
    劳动节  1–5 May off;                Sat 9 May worked
    国庆/中秋 1–7 Oct off (中秋 25 Sep, a Friday, off as well);  Sun 20 Sep and Sat 10 Oct worked
"""

from __future__ import annotations

import datetime as dt

import holidays
import pytest

from kechuang.core.workdays import add_workdays, is_workday, workdays_between

D = dt.date


def test_the_calendar_is_the_2026_notice():
    calendar = holidays.China(years=2026)
    make_up = {d for d in calendar.weekend_workdays if d.year == 2026}
    assert make_up == {
        D(2026, 1, 4),
        D(2026, 2, 14),
        D(2026, 2, 28),
        D(2026, 5, 9),
        D(2026, 9, 20),
        D(2026, 10, 10),
    }


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        (D(2026, 9, 20), True),  # a make-up Sunday
        (D(2026, 2, 14), True),  # a make-up Saturday before the Spring Festival
        (D(2026, 10, 10), True),  # a make-up Saturday after National Day
        (D(2026, 1, 4), True),  # the New Year's make-up Sunday
        (D(2026, 2, 17), False),  # Spring Festival, a Tuesday
        (D(2026, 2, 23), False),  # the last day off, a Monday
        (D(2026, 10, 5), False),  # National Day holiday, a Monday
        (D(2026, 10, 7), False),  # a Wednesday off in exchange for 10 Oct
        (D(2026, 9, 25), False),  # Mid-Autumn, a Friday
        (D(2026, 10, 3), False),  # a Saturday inside the holiday
        (D(2026, 3, 7), False),  # an ordinary Saturday
        (D(2026, 3, 8), False),  # an ordinary Sunday
        (D(2026, 3, 9), True),  # an ordinary Monday
    ],
)
def test_is_workday(day, expected):
    assert is_workday(day) is expected


@pytest.mark.parametrize(
    ("start", "n", "expected"),
    [
        (D(2026, 3, 9), 0, D(2026, 3, 9)),  # zero days: the start itself
        (D(2026, 3, 6), 1, D(2026, 3, 9)),  # Fri + 1 → Mon (the weekend is skipped)
        # Spring Festival
        (D(2026, 2, 13), 1, D(2026, 2, 14)),  # Fri + 1 → the make-up Sat 14 Feb
        (D(2026, 2, 13), 2, D(2026, 2, 24)),  # 14 | 15–23 off | Tue 24
        (D(2026, 2, 12), 5, D(2026, 2, 26)),  # 13, 14, 24, 25, 26
        (D(2026, 2, 26), 2, D(2026, 2, 28)),  # 27, the make-up Sat 28 Feb
        (D(2026, 2, 27), 2, D(2026, 3, 2)),  # 28 (make-up Sat), Mon 2 Mar
        # National Day
        (D(2026, 9, 18), 1, D(2026, 9, 20)),  # Sat 19 off, the make-up Sun 20 Sep
        (D(2026, 9, 24), 1, D(2026, 9, 28)),  # 25 Mid-Autumn, 26–27 weekend → Mon 28
        (D(2026, 9, 30), 1, D(2026, 10, 8)),  # 1–7 Oct off → Thu 8
        (D(2026, 9, 30), 3, D(2026, 10, 10)),  # 8, 9, the make-up Sat 10 Oct
        (D(2026, 9, 30), 4, D(2026, 10, 12)),  # …, Sun 11 off, Mon 12
        # across the year end: 1–3 Jan off, then the make-up Sun 4 Jan
        (D(2025, 12, 31), 1, D(2026, 1, 4)),
        # a 公示 of 5 working days from Wed 6 May: 6 + 4 more → 7, 8, 9 (make-up Sat), 11
        (D(2026, 5, 6), 4, D(2026, 5, 11)),
    ],
)
def test_add_workdays(start, n, expected):
    assert add_workdays(start, n) == expected


@pytest.mark.parametrize(
    ("start", "end", "expected"),
    [
        (D(2026, 3, 9), D(2026, 3, 9), 0),
        (D(2026, 3, 9), D(2026, 3, 16), 5),  # Tue–Fri and Mon
        (D(2026, 2, 13), D(2026, 2, 28), 6),  # 14, 24, 25, 26, 27, 28
        (D(2026, 9, 30), D(2026, 10, 12), 4),  # 8, 9, 10, 12
        (D(2026, 9, 18), D(2026, 9, 30), 8),  # 20, 21–24, 28–30: 1 + 4 + 3 (25 is Mid-Autumn)
        (D(2026, 3, 16), D(2026, 3, 9), 0),  # an end before the start counts nothing
    ],
)
def test_workdays_between(start, end, expected):
    assert workdays_between(start, end) == expected


@pytest.mark.parametrize("n", [1, 3, 10, 40])
def test_add_and_between_agree(n):
    start = D(2026, 9, 15)
    assert workdays_between(start, add_workdays(start, n)) == n
