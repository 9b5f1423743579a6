"""The one way an uploaded .xlsx is opened: every reader of workbooks goes through `read_rows`.

An .xlsx is a zip of XML files, so a small upload can be made to expand enormously (a 2 MB
file holding 400,000 rows) or to carry a DTD (entity expansion, external entities). Before
openpyxl sees the file:

- the zip's members are decompressed as a stream and counted; over `MAX_UNCOMPRESSED_BYTES` in
  all (what the zip's directory claims is not trusted), the file is refused;
- any XML member declaring a DTD (`<!DOCTYPE`, in UTF-8 or UTF-16) is refused — no workbook
  Excel writes has one;

then the sheet is read in openpyxl's read-only mode with `defusedxml` underneath (installed, so
openpyxl uses it), up to a number of rows and columns. Whatever still goes wrong is the same
"could not read this file" message, never a 500.
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Callable
from typing import Any

from openpyxl import load_workbook

# A 5,000-row roster is about 3 MB of XML; Excel's own files of that size stay below too.
MAX_UNCOMPRESSED_BYTES = 10 * 1024 * 1024
MAX_MEMBERS = 500
MAX_COLUMNS = 100
MAX_SHEET_ROWS = 5001  # 5,000 rows under a header: more than any roster or entry sheet
_CHUNK = 1024 * 1024
_DTD_MARKS = tuple("<!DOCTYPE".encode(codec) for codec in ("utf-8", "utf-16-le", "utf-16-be"))
_OVERLAP = max(len(mark) for mark in _DTD_MARKS)

UNREADABLE = "Excel ファイルとして読み込めませんでした。ファイルが壊れていないか確認してください。"
TOO_BIG = "Excel ファイルの中身が大きすぎます。不要なシートや行を削除して保存し直してください。"
TOO_MANY_ROWS = "行数が多すぎます。一度に読み込めるのは{limit}行までです。"


class UnreadableWorkbook(ValueError):
    """The workbook was refused; the message is Japanese and shown to the user as is."""


def check_archive(data: bytes) -> None:
    """Refuse a zip that expands too far or holds an XML DTD, before any XML is parsed."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, OSError, ValueError) as error:
        raise UnreadableWorkbook(UNREADABLE) from error
    with archive:
        members = archive.infolist()
        if len(members) > MAX_MEMBERS:
            raise UnreadableWorkbook(TOO_BIG)
        if sum(member.file_size for member in members) > MAX_UNCOMPRESSED_BYTES:
            raise UnreadableWorkbook(TOO_BIG)  # the directory says so: no need to inflate
        total = 0
        for member in members:
            total = _scan_member(archive, member, total)


def _scan_member(archive: zipfile.ZipFile, member: zipfile.ZipInfo, total: int) -> int:
    xml = member.filename.lower().endswith((".xml", ".rels", ".vml"))
    tail = b""
    try:
        with archive.open(member) as stream:
            while chunk := stream.read(_CHUNK):
                total += len(chunk)
                if total > MAX_UNCOMPRESSED_BYTES:  # a directory that lied about sizes
                    raise UnreadableWorkbook(TOO_BIG)
                if xml:
                    window = tail + chunk
                    if any(mark in window for mark in _DTD_MARKS):
                        raise UnreadableWorkbook(UNREADABLE)
                    tail = window[-_OVERLAP:]
    except (zipfile.BadZipFile, OSError, ValueError, EOFError) as error:
        if isinstance(error, UnreadableWorkbook):
            raise
        raise UnreadableWorkbook(UNREADABLE) from error
    return total


def read_rows(
    data: bytes,
    *,
    max_rows: int = MAX_SHEET_ROWS,
    choose_sheet: Callable[[Any], Any] | None = None,
    max_columns: int = MAX_COLUMNS,
) -> list[tuple]:
    """The rows (value tuples) of one sheet, at most `max_rows` of them (header included).

    A sheet with a non-empty row beyond `max_rows` is refused; parsing stops there either way.
    `choose_sheet(workbook)` picks the sheet (default: the first).
    """
    check_archive(data)
    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as error:  # any parser failure of a hostile or broken file
        raise UnreadableWorkbook(UNREADABLE) from error
    try:
        sheet = choose_sheet(workbook) if choose_sheet else workbook.worksheets[0]
        sheet.reset_dimensions()  # ignore a claimed size of a million rows or columns
        rows = []
        for row in sheet.iter_rows(max_row=max_rows + 1, max_col=max_columns, values_only=True):
            if len(rows) == max_rows:
                if any(value not in (None, "") for value in row):
                    raise UnreadableWorkbook(TOO_MANY_ROWS.format(limit=max_rows - 1))
                break
            rows.append(row)
        return rows
    except UnreadableWorkbook:
        raise
    except Exception as error:
        raise UnreadableWorkbook(UNREADABLE) from error
    finally:
        workbook.close()
