"""Race times: one parser and one formatter for every channel (SPEC §3).

A time is an integer number of hundredths of a second (14:30.00 → 87000).

Text is read as ``m:ss[.c[c]]`` or ``h:mm:ss[.c[c]]``; ``14'30"00``, ``14分30秒00``, ``14.30.00``,
``14 30 00`` and full-width characters are normalised to that form first. Digits only, as typed
on a phone keypad, read as m:ss (``1430``) or m:ss.cc (``143000``): the one that is plausible for
the distance (both readings are tried, like the shifted spreadsheet readings below).

Spreadsheet cells (``datetime.time``, ``datetime.timedelta``, ``datetime.datetime`` and float
day fractions) hold a duration, but not always the one the person meant: typing ``14:30`` into
Excel stores 14 h 30 min. Every reading with hours, minutes and whole seconds therefore has a
second, *shifted* reading one unit down (hours → minutes, minutes → seconds, seconds →
hundredths): 14:30:00 → 14:30.00, 2:05:30 → 2:05.30. The parser keeps the as-is reading when
it is plausible and otherwise the shifted one:

- with a distance, "plausible" is :func:`plausible_range` for that distance and gender; the two
  readings differ by a factor of about 60 and every range spans less than a factor of 3, so at
  most one of them can fit and the choice is never a guess. If neither fits, the time is refused
  with both what was read and the expected range.
- without a distance, "plausible" is the union of all ranges (1:40.00 to 75:00.00); if neither
  reading fits, the as-is reading is returned (plausibility is only enforced for a distance).

So a 10000 m cell holding 0:28:15 stays 28:15.00, a cell holding 1:02:30 stays 62:30.00, and a
5000 m cell holding 14:30:00 (14 h 30 min) becomes 14:30.00.

A ``datetime.datetime`` cell is a duration counted from the spreadsheet epoch: 1899-12-30 is
day 0, 1899-12-31 day 1, 1900-01-01 day 1 (openpyxl's 1900 leap-year correction), 1904-01-01
day 0 (Mac epoch); any other date is a real calendar date and only its time of day is used.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import date, datetime, time, timedelta
from decimal import Decimal

CS_PER_SECOND = 100
CS_PER_MINUTE = 60 * CS_PER_SECOND
CS_PER_HOUR = 60 * CS_PER_MINUTE
CS_PER_DAY = 24 * CS_PER_HOUR

EXAMPLE = "14:30.00"


def _mmss(minutes: int, seconds: int) -> int:
    return minutes * CS_PER_MINUTE + seconds * CS_PER_SECOND


# distance → (men's fastest, women's fastest, slowest) in hundredths. Fastest bounds sit a little
# under the national records; slowest bounds leave room for slow juniors and club runners.
_RANGES: dict[int, tuple[int, int, int]] = {
    800: (_mmss(1, 40), _mmss(1, 55), _mmss(4, 0)),
    1500: (_mmss(3, 25), _mmss(3, 50), _mmss(8, 0)),
    3000: (_mmss(7, 20), _mmss(8, 10), _mmss(16, 0)),
    5000: (_mmss(12, 30), _mmss(14, 0), _mmss(30, 0)),
    10000: (_mmss(26, 0), _mmss(29, 0), _mmss(75, 0)),
}
_ANY_RANGE = (min(r[0] for r in _RANGES.values()), max(r[2] for r in _RANGES.values()))

_GENDER_LABELS = {"M": "男子", "F": "女子", "X": "混合"}

# Marks people type for minutes/seconds, mapped to ":" and "." (after NFKC normalisation).
_MARKS = (
    ("時間", ":"),
    ("時", ":"),
    ("分", ":"),
    ("秒", "."),
    ("''", "."),
    ('"', "."),
    ("”", "."),
    ("″", "."),
    ("'", ":"),
    ("’", ":"),
    ("′", ":"),
)
_TEXT = re.compile(r"(?:(\d+):)?(\d+):(\d+)(?:\.(\d*))?")
# What a phone keypad makes easy: "14 30 00" / "14 30" and "14.30.00" read as 14:30.00, and
# digits only ("1430", "143000": m:ss or m:ss.cc, whichever fits the distance).
_SPACED = re.compile(r"(\d+)\s+(\d{2})(?:\s+(\d{1,2}))?")
_DOTTED = re.compile(r"(\d+)\.(\d{2})\.(\d{1,2})")
_DIGITS = re.compile(r"\d{3,7}")
_EPOCH_DAYS = {
    date(1899, 12, 30): 0,
    date(1899, 12, 31): 1,
    date(1900, 1, 1): 1,
    date(1904, 1, 1): 0,
}


class TimeParseError(ValueError):
    """A value that is not a usable race time; ``str()`` is the Japanese message to show."""


def plausible_range(distance: int, gender: str | None = None) -> tuple[int, int]:
    """Fastest and slowest plausible time for the distance, in hundredths.

    ``gender`` is "M", "F" or "X"/None (either: the men's fastest bound applies).
    """
    try:
        men_fastest, women_fastest, slowest = _RANGES[distance]
    except KeyError:
        raise ValueError(f"unknown distance: {distance}") from None
    return (women_fastest if gender == "F" else men_fastest), slowest


def format_time(hundredths: int | None, *, hours: bool = False) -> str:
    """87000 → "14:30.00"; 375000 → "62:30.00", or "1:02:30.00" with ``hours=True``."""
    if hundredths is None:
        return ""
    if hundredths < 0:
        raise ValueError("negative time")
    minutes, rest = divmod(hundredths, CS_PER_MINUTE)
    seconds, cs = divmod(rest, CS_PER_SECOND)
    if hours and minutes >= 60:
        return f"{minutes // 60}:{minutes % 60:02d}:{seconds:02d}.{cs:02d}"
    return f"{minutes}:{seconds:02d}.{cs:02d}"


def parse_time(value, *, distance: int | None = None, gender: str | None = None) -> int:
    """Read a typed text or a spreadsheet cell as hundredths of a second.

    Raises :class:`TimeParseError` with a Japanese message for anything unusable, including
    (when ``distance`` is given) a time outside :func:`plausible_range`.
    """
    shown = _describe(value)
    readings = _readings(value, shown)
    bounds = plausible_range(distance, gender) if distance is not None else _ANY_RANGE
    for reading in readings:
        if bounds[0] <= reading <= bounds[1]:
            return reading
    if distance is None:
        return readings[0]
    raise TimeParseError(_out_of_range_message(shown, readings[0], distance, gender, bounds))


def _readings(value, shown: str) -> list[int]:
    """The as-is reading first, then the shifted one when there is one."""
    if isinstance(value, str):
        return _text_readings(value, shown)
    if isinstance(value, bool):
        raise TimeParseError(_unreadable(shown, f"{EXAMPLE} のように入力してください。"))
    if isinstance(value, datetime):
        days = _EPOCH_DAYS.get(value.date(), 0)
        return _duration_readings(days * CS_PER_DAY + _time_of_day_cs(value.time()), shown)
    if isinstance(value, time):
        return _duration_readings(_time_of_day_cs(value), shown)
    if isinstance(value, timedelta):
        return _duration_readings(round(value / timedelta(milliseconds=10)), shown)
    if isinstance(value, int | float | Decimal):
        return _duration_readings(round(Decimal(str(value)) * CS_PER_DAY), shown)
    raise TimeParseError(_unreadable(shown, f"{EXAMPLE} のように入力してください。"))


def _text_readings(text: str, shown: str) -> list[int]:
    normalized = unicodedata.normalize("NFKC", text)
    for mark, replacement in _MARKS:
        normalized = normalized.replace(mark, replacement)
    separated = _SPACED.fullmatch(normalized.strip()) or _DOTTED.fullmatch(normalized.strip())
    if separated:
        minutes, seconds, fraction = separated.groups()
        normalized = f"{minutes}:{seconds}" + (f".{fraction}" if fraction else "")
    normalized = re.sub(r"\s+", "", normalized).rstrip(".")
    if _DIGITS.fullmatch(normalized):
        return _digit_readings(normalized, shown)
    if not normalized:
        raise TimeParseError(f"タイムが入力されていません。{EXAMPLE} のように入力してください。")
    if normalized.startswith(("-", "−")):
        raise TimeParseError(
            _unreadable(
                shown, f"マイナスのタイムは使えません。{EXAMPLE} のように入力してください。"
            )
        )
    match = _TEXT.fullmatch(normalized)
    if match is None:
        raise TimeParseError(
            _unreadable(shown, f"分:秒.1/100秒 の形で、{EXAMPLE} のように入力してください。")
        )
    hours, minutes, seconds, fraction = match.groups()
    _check_text_fields(shown, hours, minutes, seconds, fraction or "")
    cs = int((fraction or "0").ljust(2, "0"))
    total = int(hours or 0) * CS_PER_HOUR + _mmss(int(minutes), int(seconds)) + cs
    if total == 0:
        raise TimeParseError(
            _unreadable(shown, f"0より大きいタイムを、{EXAMPLE} のように入力してください。")
        )
    if hours is not None and cs == 0:
        return [total, _mmss(int(hours), int(minutes)) + int(seconds)]
    return [total]


def _digit_readings(digits: str, shown: str) -> list[int]:
    """Digits only: the last two are seconds (m:ss), or the last four seconds and hundredths
    (m:ss.cc); both readings are kept when they are valid and the distance chooses."""
    readings = []
    for body, fraction in ((digits, "00"), (digits[:-2], digits[-2:])):
        if len(body) < 3 or int(body[-2:]) >= 60:
            continue
        total = _mmss(int(body[:-2]), int(body[-2:])) + int(fraction)
        if total:
            readings.append(total)
    if not readings:
        raise TimeParseError(
            _unreadable(
                shown,
                "数字だけのときは 1430（14:30.00）や 143000（14:30.00）のように入力してください。",
            )
        )
    return readings


def _check_text_fields(shown: str, hours, minutes: str, seconds: str, fraction: str) -> None:
    if len(seconds) != 2:
        raise TimeParseError(_unreadable(shown, f"秒は2桁で、{EXAMPLE} のように入力してください。"))
    if int(seconds) >= 60:
        raise TimeParseError(
            _unreadable(shown, f"秒は60未満で、{EXAMPLE} のように入力してください。")
        )
    if hours is not None and (len(minutes) > 2 or int(minutes) >= 60):
        raise TimeParseError(
            _unreadable(
                shown, "時間を付けるときは分を60未満にして、1:02:30.00 のように入力してください。"
            )
        )
    if len(fraction) > 2:
        raise TimeParseError(
            _unreadable(shown, "1/100秒は2桁までです。14:30.12 のように入力してください。")
        )


def _duration_readings(total: int, shown: str) -> list[int]:
    if total < 0:
        raise TimeParseError(
            _unreadable(
                shown, f"マイナスのタイムは使えません。{EXAMPLE} のように入力してください。"
            )
        )
    if total == 0:
        raise TimeParseError(
            _unreadable(shown, f"0より大きいタイムを、{EXAMPLE} のように入力してください。")
        )
    whole_seconds = round(total / CS_PER_SECOND)
    # Day fractions carry float noise (0.6041666 is 14:29:59.99); a cell that is within one
    # hundredth of whole seconds was typed as h:mm(:ss) and may be meant one unit down.
    if abs(total - whole_seconds * CS_PER_SECOND) > 1:
        return [total]
    hours, rest = divmod(whole_seconds, 3600)
    minutes, seconds = divmod(rest, 60)
    return [total, _mmss(hours, minutes) + seconds]


def _time_of_day_cs(value: time) -> int:
    seconds = value.hour * 3600 + value.minute * 60 + value.second
    return seconds * CS_PER_SECOND + round(value.microsecond / 10_000)


def _describe(value) -> str:
    if isinstance(value, str):
        return value.strip()
    if isinstance(value, datetime):
        return value.strftime("%H:%M:%S")
    if isinstance(value, time):
        return value.strftime("%H:%M:%S")
    return str(value)


def _unreadable(shown: str, expected: str) -> str:
    return f"「{shown}」は読み取れません。{expected}"


def _out_of_range_message(shown: str, reading: int, distance: int, gender, bounds) -> str:
    label = f"{_GENDER_LABELS.get(str(gender), '') if gender else ''}{distance}m"
    return (
        f"「{shown}」は {format_time(reading, hours=True)} と読めますが、{label}のタイムとして"
        f"ありえない値です。{format_time(bounds[0])}〜{format_time(bounds[1])} の範囲で入力してください。"
    )
