"""The one time parser and formatter (SPEC §3), table-driven."""

from datetime import datetime, time, timedelta
from decimal import Decimal

import pytest

from nitsys.domain.times import TimeParseError, format_time, parse_time, plausible_range
from nitsys.models.enums import RaceGender


def cs(minutes: int, seconds: int, hundredths: int = 0, hours: int = 0) -> int:
    return ((hours * 60 + minutes) * 60 + seconds) * 100 + hundredths


VALID = [
    # typed text
    ("14:30.00", {}, cs(14, 30)),
    ("14:30.0", {}, cs(14, 30)),
    ("14:30.5", {}, cs(14, 30, 50)),
    ("14:30.05", {}, cs(14, 30, 5)),
    ("14:30", {}, cs(14, 30)),
    ("9:45.50", {}, cs(9, 45, 50)),
    ("62:30.00", {}, cs(62, 30)),
    ("1:02:30.00", {}, cs(2, 30, hours=1)),
    ("1:02:30.25", {"distance": 10000}, cs(62, 30, 25)),
    ("0:28:15", {"distance": 10000}, cs(28, 15)),
    ("14'30\"00", {}, cs(14, 30)),
    ("14'30''05", {}, cs(14, 30, 5)),
    ("14分30秒00", {}, cs(14, 30)),
    ("14分30秒", {}, cs(14, 30)),
    ("1時間02分30秒", {}, cs(62, 30)),
    ("１４：３０．００", {}, cs(14, 30)),
    ("１４＇３０＂００", {}, cs(14, 30)),
    ("  14:30.00 \t", {}, cs(14, 30)),
    ("1:55.30", {"distance": 800}, cs(1, 55, 30)),
    ("3:59.99", {"distance": 800}, cs(3, 59, 99)),
    # what a phone keypad makes easy: digits only (m:ss or m:ss.cc, the distance chooses),
    # dots or spaces for the separators
    ("1430", {"distance": 5000}, cs(14, 30)),
    ("143000", {"distance": 5000}, cs(14, 30)),
    ("143012", {"distance": 5000}, cs(14, 30, 12)),
    ("1430", {}, cs(14, 30)),
    ("143000", {}, cs(14, 30)),
    ("930", {"distance": 3000, "gender": "F"}, cs(9, 30)),
    ("94550", {"distance": 3000, "gender": "F"}, cs(9, 45, 50)),
    ("35512", {"distance": 1500}, cs(3, 55, 12)),
    ("2815", {"distance": 10000}, cs(28, 15)),
    ("623000", {"distance": 10000}, cs(62, 30)),
    ("１４３０００", {"distance": 5000}, cs(14, 30)),
    ("14.30.00", {}, cs(14, 30)),
    ("14.30.5", {"distance": 5000}, cs(14, 30, 50)),
    ("14 30 00", {}, cs(14, 30)),
    ("14 30", {"distance": 5000}, cs(14, 30)),
    ("１４　３０　００", {"distance": 5000}, cs(14, 30)),
    # a text copied from a sheet that showed 14:30 as a time of day
    ("14:30:00", {}, cs(14, 30)),
    ("14:30:00", {"distance": 5000}, cs(14, 30)),
    ("2:05:30", {"distance": 800}, cs(2, 5, 30)),
    # the bounds themselves are plausible
    ("12:30.00", {"distance": 5000, "gender": "M"}, cs(12, 30)),
    ("30:00.00", {"distance": 5000, "gender": "F"}, cs(30, 0)),
    ("14:00.00", {"distance": 5000, "gender": RaceGender.FEMALE}, cs(14, 0)),
    ("12:45.00", {"distance": 5000, "gender": RaceGender.MIXED}, cs(12, 45)),
    # spreadsheet cells
    (time(14, 30), {"distance": 5000}, cs(14, 30)),
    (time(14, 30), {}, cs(14, 30)),
    (time(0, 14, 30, 500000), {"distance": 5000}, cs(14, 30, 50)),
    (time(9, 5), {"distance": 3000, "gender": "F"}, cs(9, 5)),
    (time(1, 2, 30), {"distance": 10000}, cs(62, 30)),
    (time(0, 28, 15), {"distance": 10000}, cs(28, 15)),
    (timedelta(minutes=28, seconds=15), {"distance": 10000}, cs(28, 15)),
    (timedelta(hours=28, minutes=15), {"distance": 10000}, cs(28, 15)),
    (timedelta(minutes=14, seconds=30, milliseconds=120), {}, cs(14, 30, 12)),
    (datetime(1899, 12, 30, 14, 30), {"distance": 5000}, cs(14, 30)),
    (datetime(1899, 12, 31, 4, 15), {"distance": 10000}, cs(28, 15)),
    (datetime(1900, 1, 1, 4, 15), {"distance": 10000}, cs(28, 15)),
    (datetime(2026, 7, 29, 14, 30), {"distance": 5000}, cs(14, 30)),
    (0.6041666, {"distance": 5000}, cs(14, 30)),
    (0.6041666666666666, {}, cs(14, 30)),
    (0.010069444444444445, {"distance": 5000}, cs(14, 30)),
    (Decimal("0.0434027777777778"), {"distance": 10000}, cs(62, 30)),
    (1.1770833333333333, {"distance": 10000}, cs(28, 15)),
]


@pytest.mark.parametrize(("value", "options", "expected"), VALID)
def test_valid_times(value, options, expected):
    assert parse_time(value, **options) == expected


INVALID = [
    ("", {}, "タイムが入力されていません。14:30.00 のように入力してください。"),
    ("   ", {}, "タイムが入力されていません。14:30.00 のように入力してください。"),
    (
        "14:75.00",
        {},
        "「14:75.00」は読み取れません。秒は60未満で、14:30.00 のように入力してください。",
    ),
    ("14:60", {}, "「14:60」は読み取れません。秒は60未満で、14:30.00 のように入力してください。"),
    ("14:5", {}, "「14:5」は読み取れません。秒は2桁で、14:30.00 のように入力してください。"),
    (
        "14:30.123",
        {},
        "「14:30.123」は読み取れません。1/100秒は2桁までです。14:30.12 のように入力してください。",
    ),
    (
        "-1:30.00",
        {},
        "「-1:30.00」は読み取れません。マイナスのタイムは使えません。14:30.00 のように入力してください。",
    ),
    (
        "－14:30",
        {},
        "「－14:30」は読み取れません。マイナスのタイムは使えません。14:30.00 のように入力してください。",
    ),
    (
        "1:75:00",
        {},
        "「1:75:00」は読み取れません。時間を付けるときは分を60未満にして、1:02:30.00 のように入力してください。",
    ),
    (
        "abc",
        {},
        "「abc」は読み取れません。分:秒.1/100秒 の形で、14:30.00 のように入力してください。",
    ),
    (
        "870",
        {},
        "「870」は読み取れません。数字だけのときは 1430（14:30.00）や 143000（14:30.00）のように入力してください。",
    ),
    (
        "9999999",
        {"distance": 5000},
        "「9999999」は読み取れません。数字だけのときは 1430（14:30.00）や 143000（14:30.00）のように入力してください。",
    ),
    (
        "12345678",
        {},
        "「12345678」は読み取れません。分:秒.1/100秒 の形で、14:30.00 のように入力してください。",
    ),
    (
        "14.30",
        {},
        "「14.30」は読み取れません。分:秒.1/100秒 の形で、14:30.00 のように入力してください。",
    ),
    (
        "14 75 00",
        {},
        "「14 75 00」は読み取れません。秒は60未満で、14:30.00 のように入力してください。",
    ),
    (
        "14:30:00:00",
        {},
        "「14:30:00:00」は読み取れません。分:秒.1/100秒 の形で、14:30.00 のように入力してください。",
    ),
    (
        "0:00.00",
        {},
        "「0:00.00」は読み取れません。0より大きいタイムを、14:30.00 のように入力してください。",
    ),
    (None, {}, "「None」は読み取れません。14:30.00 のように入力してください。"),
    (True, {}, "「True」は読み取れません。14:30.00 のように入力してください。"),
    (
        timedelta(seconds=-870),
        {},
        "「-1 day, 23:45:30」は読み取れません。マイナスのタイムは使えません。14:30.00 のように入力してください。",
    ),
    (
        -0.01,
        {},
        "「-0.01」は読み取れません。マイナスのタイムは使えません。14:30.00 のように入力してください。",
    ),
    (
        "1:02:30",
        {"distance": 5000},
        "「1:02:30」は 1:02:30.00 と読めますが、5000mのタイムとしてありえない値です。"
        "12:30.00〜30:00.00 の範囲で入力してください。",
    ),
    (
        "12:45.00",
        {"distance": 5000, "gender": "F"},
        "「12:45.00」は 12:45.00 と読めますが、女子5000mのタイムとしてありえない値です。"
        "14:00.00〜30:00.00 の範囲で入力してください。",
    ),
    (
        "12:29.99",
        {"distance": 5000, "gender": "M"},
        "「12:29.99」は 12:29.99 と読めますが、男子5000mのタイムとしてありえない値です。"
        "12:30.00〜30:00.00 の範囲で入力してください。",
    ),
    (
        "4:00.01",
        {"distance": 800},
        "「4:00.01」は 4:00.01 と読めますが、800mのタイムとしてありえない値です。"
        "1:40.00〜4:00.00 の範囲で入力してください。",
    ),
    (
        time(14, 30),
        {"distance": 800},
        "「14:30:00」は 14:30:00.00 と読めますが、800mのタイムとしてありえない値です。"
        "1:40.00〜4:00.00 の範囲で入力してください。",
    ),
    (
        timedelta(minutes=14, seconds=30),
        {"distance": 10000, "gender": "M"},
        "「0:14:30」は 14:30.00 と読めますが、男子10000mのタイムとしてありえない値です。"
        "26:00.00〜75:00.00 の範囲で入力してください。",
    ),
]


@pytest.mark.parametrize(("value", "options", "message"), INVALID)
def test_invalid_times(value, options, message):
    with pytest.raises(TimeParseError) as error:
        parse_time(value, **options)
    assert str(error.value) == message


def test_table_is_large_enough():
    assert len(VALID) + len(INVALID) >= 40


def test_unknown_distance_is_a_programming_error():
    with pytest.raises(ValueError, match="unknown distance"):
        parse_time("14:30.00", distance=4000)


@pytest.mark.parametrize(
    ("distance", "gender", "expected"),
    [
        (800, None, (cs(1, 40), cs(4, 0))),
        (1500, "M", (cs(3, 25), cs(8, 0))),
        (1500, "F", (cs(3, 50), cs(8, 0))),
        (3000, "X", (cs(7, 20), cs(16, 0))),
        (5000, "M", (cs(12, 30), cs(30, 0))),
        (10000, RaceGender.FEMALE, (cs(29, 0), cs(75, 0))),
    ],
)
def test_plausible_range(distance, gender, expected):
    assert plausible_range(distance, gender) == expected


@pytest.mark.parametrize(
    ("hundredths", "hours", "expected"),
    [
        (None, False, ""),
        (cs(14, 30), False, "14:30.00"),
        (cs(5, 0, 50), False, "5:00.50"),
        (cs(0, 59, 9), False, "0:59.09"),
        (cs(62, 30), False, "62:30.00"),
        (cs(62, 30), True, "1:02:30.00"),
        (cs(59, 59, 99), True, "59:59.99"),
    ],
)
def test_format_time(hundredths, hours, expected):
    assert format_time(hundredths, hours=hours) == expected


@pytest.mark.parametrize("text", ["14:30.00", "5:00.50", "62:30.00", "1:02:30.00"])
def test_format_reads_back(text):
    assert format_time(parse_time(text), hours=text.count(":") == 2) == text
