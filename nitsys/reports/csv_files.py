"""Writing CSV and other comma-separated text files byte-exactly.

- Comma separated, CRLF line ends, minimal quoting (a field with a comma, a quote or a line
  break is quoted and its quotes doubled).
- The whole text is encoded at once, so a UTF-8 file carries exactly one BOM, at its start.
- CP932 (Shift_JIS) cannot hold every character of a Japanese name (𠮷, 鷗, …). We refuse
  rather than substitute: :class:`UnencodableText` lists each offending value with its line, so
  staff can pick UTF-8 or correct the master record. Substituting would put a wrong name on a
  start list or into the timing system without anyone noticing. The one exception is a
  character whose CP932 twin looks the same (EM DASH → HORIZONTAL BAR), which changes nothing
  a reader can see.
- Cells that a spreadsheet would run as a formula (starting with = + - @, tab or CR) get a
  leading apostrophe in :func:`write_csv`, because these files are opened in Excel and names
  are typed by participants. Timing files (:func:`csv_text`) are never opened there and keep
  their values untouched.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Sequence
from enum import StrEnum

from nitsys.domain.errors import RuleViolation

CRLF = "\r\n"
_FORMULA_START = frozenset("=+-@\t\r")
# Where a cell of the written text could start with one of them (a quoted cell after its quote).
_MAYBE_FORMULA = re.compile(r'(?:^|,)"?[=+\-@\t\r]', re.MULTILINE)
_CP932_TWINS = (("\u2014", "\u2015"),)  # EM DASH → HORIZONTAL BAR
_CODEC_LABELS = {"cp932": "Shift_JIS（CP932）", "ascii": "ASCII（半角英数字）"}


class CsvEncoding(StrEnum):
    UTF8_BOM = "utf-8-sig"
    CP932 = "cp932"

    @property
    def label(self) -> str:
        return {"utf-8-sig": "UTF-8（BOM付き）", "cp932": "Shift_JIS（CP932）"}[self.value]

    @property
    def charset(self) -> str:
        """The charset parameter of the Content-Type header."""
        return {"utf-8-sig": "utf-8", "cp932": "shift_jis"}[self.value]


class UnencodableText(RuleViolation):
    """Characters the chosen encoding cannot hold; `problems` = [(line, value, chars)]."""

    def __init__(self, codec: str, problems: list[tuple[int, str, str]]):
        self.problems = problems
        listed = listing([f"{line}行目「{value}」（{chars}）" for line, value, chars in problems])
        super().__init__(
            f"{_CODEC_LABELS.get(codec, codec)}で表せない文字があります: {listed}。"
            "UTF-8 など別の文字コードを選ぶか、登録内容の表記を確認してください。"
        )


def listing(items: list[str], limit: int = 10) -> str:
    """Items for an error message: "a、b、c ほか12件"."""
    more = f" ほか{len(items) - limit}件" if len(items) > limit else ""
    return "、".join(items[:limit]) + more


def csv_text(rows: Iterable[Sequence[object]]) -> str:
    """Rows as CSV text with CRLF line ends; None is an empty cell."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator=CRLF)
    writer.writerows(rows)  # the csv module writes None as an empty cell
    return buffer.getvalue()


def encode_text(text: str, codec: str, *, bom: bytes = b"") -> bytes:
    """`text` in `codec` (a Python codec name) after `bom`; raises UnencodableText."""
    if codec == "cp932":
        for char, twin in _CP932_TWINS:
            text = text.replace(char, twin)
    try:
        return bom + text.encode(codec)
    except UnicodeEncodeError:
        raise UnencodableText(codec, _problems(text, codec)) from None


def write_csv(
    rows: Iterable[Sequence[object]], encoding: CsvEncoding = CsvEncoding.UTF8_BOM
) -> bytes:
    """A spreadsheet-safe CSV file (header row included in `rows`) as bytes.

    A text cell starting like a formula (= + - @, tab, CR) gets a leading apostrophe. Most files
    have none, so the text is first written as is and searched for a cell that might; only then
    is it written again cell by cell (a per-cell check costs as much as writing the file).
    """
    rows = rows if isinstance(rows, list) else list(rows)
    text = csv_text(rows)
    if _may_hold_formula(text):
        text = csv_text(
            [
                "'" + cell if isinstance(cell, str) and cell[:1] in _FORMULA_START else cell
                for cell in row
            ]
            for row in rows
        )
    return encode_text(text, CsvEncoding(encoding).value)


def _may_hold_formula(text: str) -> bool:
    # Substring tests are near free; the regex only runs when one of the characters is there.
    suspicious = any(char in text for char in "=+-@\t") or '"\r' in text
    return suspicious and _MAYBE_FORMULA.search(text) is not None


def _problems(text: str, codec: str) -> list[tuple[int, str, str]]:
    problems = []
    for number, line in enumerate(text.splitlines(), start=1):
        for field in next(csv.reader([line]), []):
            bad = "".join(dict.fromkeys(c for c in field if not _encodable(c, codec)))
            if bad:
                problems.append((number, field, bad))
    return problems


def _encodable(char: str, codec: str) -> bool:
    try:
        char.encode(codec)
    except UnicodeEncodeError:
        return False
    return True
