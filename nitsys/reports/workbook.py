"""An .xlsx workbook of plain tables: one sheet per table, a bold frozen header, filters.

Written in openpyxl's write-only mode (rows streamed, no cell objects kept), so a whole meet is
quick. Dates stay real dates; times of day are written in Japan time, since Excel has no time
zones. Text is always text: a name typed as "=…" never becomes a formula.

`cell` is the one way any workbook of the system writes a value (the all-data workbook, the
roster export and templates): text starting like a formula (= + - @, tab, CR) is written as
text with Excel's quote prefix, so it is neither run when the file opens nor after an edit.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from nitsys import progress
from nitsys.formatting import to_tokyo

_HEADER_FONT = Font(bold=True)
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_DATE_FORMAT = "yyyy/mm/dd"
_DATETIME_FORMAT = "yyyy/mm/dd hh:mm"


@dataclass(frozen=True)
class RaceTime:
    """A race time written as a real duration (sorts and sums in Excel), shown like 14:30.00."""

    hundredths: int
    hours: bool = False  # 1:02:30.00 rather than 62:30.00

    @property
    def number_format(self) -> str:
        return "[h]:mm:ss.00" if self.hours else "[m]:ss.00"


@dataclass(frozen=True)
class Column:
    label: str
    width: float = 12  # in characters; a kanji counts about two


@dataclass(frozen=True)
class Sheet:
    title: str
    columns: Sequence[Column]
    rows: Sequence[Sequence[object]]


def workbook_xlsx(sheets: Sequence[Sheet]) -> bytes:
    workbook = Workbook(write_only=True)
    for sheet in sheets:
        _write_sheet(workbook, sheet)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _write_sheet(workbook: Workbook, sheet: Sheet) -> None:
    worksheet = workbook.create_sheet(sheet.title)
    # Layout first: write-only sheets accept it only before the first row.
    worksheet.freeze_panes = "A2"
    for index, column in enumerate(sheet.columns, start=1):
        worksheet.column_dimensions[get_column_letter(index)].width = column.width
    last_column = get_column_letter(len(sheet.columns))
    worksheet.auto_filter.ref = f"A1:{last_column}{len(sheet.rows) + 1}"
    worksheet.append([_header_cell(worksheet, column.label) for column in sheet.columns])
    for number, row in enumerate(sheet.rows, start=1):
        worksheet.append([cell(worksheet, value) for value in row])
        if number % 200 == 0:
            progress.tick(f"{sheet.title} {number}行")


def _header_cell(worksheet, label: str) -> WriteOnlyCell:
    header = WriteOnlyCell(worksheet, label)  # our own labels, never user text
    header.font = _HEADER_FONT
    return header


def cell(worksheet, value: object):
    """Plain values as they are; dates, times of day and formula-like text as styled cells."""
    if isinstance(value, RaceTime):
        styled = WriteOnlyCell(worksheet, timedelta(seconds=value.hundredths / 100))
        styled.number_format = value.number_format
        return styled
    if isinstance(value, datetime):
        styled = WriteOnlyCell(worksheet, to_tokyo(value).replace(tzinfo=None))
        styled.number_format = _DATETIME_FORMAT
        return styled
    if isinstance(value, date):
        styled = WriteOnlyCell(worksheet, value)
        styled.number_format = _DATE_FORMAT
        return styled
    if isinstance(value, str):
        return text_cell(worksheet, value)
    return value


def text_cell(worksheet, text: str, *, number_format: str | None = None):
    """Text as text: formula-like text quote-prefixed, characters XML cannot hold dropped."""
    text = ILLEGAL_CHARACTERS_RE.sub("", text)
    if not text.startswith(FORMULA_START) and number_format is None:
        return text
    styled = WriteOnlyCell(worksheet, text)
    if text.startswith(FORMULA_START):
        styled.data_type = "s"  # openpyxl reads a leading "=" as a formula
        styled.quotePrefix = True  # Excel keeps it text when the cell is edited
    if number_format:
        styled.number_format = number_format
    return styled
