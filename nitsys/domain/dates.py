"""Dates typed by people: telling "that day does not exist" apart from "wrong format"."""

from __future__ import annotations

import re
import unicodedata
from datetime import date

# Year, month and day in any of the usual separators; 8 digits; a time after it is ignored.
_SHAPE = re.compile(
    r"(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?(?:[ T]\d{1,2}:\d{2}(?::\d{2})?)?"
)
_DIGITS = re.compile(r"(\d{4})(\d{2})(\d{2})")


def missing_day(text: object) -> str | None:
    """A Japanese message when `text` is shaped like a date whose day does not exist
    (2004/02/30, 2023-13-01, 20230229), else None (a real date, or not a date at all)."""
    cleaned = unicodedata.normalize("NFKC", str(text or "")).strip()
    match = _SHAPE.fullmatch(cleaned) or _DIGITS.fullmatch(cleaned)
    return missing_day_of(*(int(part) for part in match.groups())) if match else None


def missing_day_of(year: int, month: int, day: int) -> str | None:
    try:
        date(year, month, day)
    except ValueError:
        return f"{year}年{month}月{day}日という日付はありません。日付を確認してください。"
    return None
