"""Roster files: read uploaded .xlsx/.csv into rows of cells; write the template and exports."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from typing import Any

from openpyxl import Workbook
from openpyxl.utils import get_column_letter

from nitsys.domain import nationalities, prefectures
from nitsys.domain.athlete_rows import GRADES, TEMPLATE_COLUMNS
from nitsys.models import Athlete
from nitsys.reports import workbook as workbook_cells
from nitsys.reports import xlsx_input
from nitsys.reports.csv_files import CsvEncoding, write_csv

MAX_UPLOAD_BYTES = 5 * 1024 * 1024
DATA_SHEET = "選手一覧"
HELP_SHEET = "入力説明"
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
_ZIP_MAGIC = b"PK\x03\x04"
_OLE_MAGIC = b"\xd0\xcf\x11\xe0"  # old binary .xls
_GENDER_TEXT = {"M": "男", "F": "女"}

INSTRUCTIONS = [
    ("列", "必須", "入力できる値"),
    ("姓・名", "必須", "漢字の氏名（空白は自動で詰めます）"),
    ("姓カナ・名カナ", "必須", "カタカナ（ひらがな・半角カナも全角カタカナに変換します）"),
    ("性別", "必須", "M / F、男 / 女、男子 / 女子"),
    ("生年月日", "必須", "日付、または 2004/5/1・2004-05-01・2004年5月1日・H16.5.1"),
    ("学年", "", "1〜4、M1・M2（修士）、D1〜D3（博士）、空欄"),
    ("登録陸協", "必須", "都道府県名（東京・東京都）または番号（13）"),
    ("JAAF ID", "", "数字11桁（陸連登録番号）。同じIDの選手は「更新」か「スキップ」を選べます"),
    ("国籍", "", "JPN・KEN などの3文字コード、または 日本・ケニア。空欄は JPN"),
    ("姓ローマ字・名ローマ字", "", "空欄ならカナから自動で作成します（例: SATO / Yuki）"),
    ("", "", ""),
    ("注意", "", "1行目の見出しは消さないでください。空の行は読み飛ばします。"),
    ("", "", "JAAF NANS21V の選手一覧（23列の CSV）もそのまま取り込めます。"),
]


class FileProblem(ValueError):
    """The upload cannot be read; the message is shown to the user as is."""


# ---------------------------------------------------------------------------------- reading


def read_table(filename: str, data: bytes) -> list[list[Any]]:
    """The cells of the first sheet (or 選手一覧) of an .xlsx, or of a CSV, row by row."""
    if not data:
        raise FileProblem("ファイルが空です。")
    if len(data) > MAX_UPLOAD_BYTES:
        raise FileProblem("ファイルサイズは5MB以下にしてください。")
    if data.startswith(_ZIP_MAGIC):
        return _read_xlsx(data)
    if data.startswith(_OLE_MAGIC) or filename.lower().endswith(".xls"):
        raise FileProblem(
            "古い形式（.xls）は読み込めません。Excel で「.xlsx」形式で保存し直してください。"
        )
    if not filename.lower().endswith((".csv", ".txt")):
        raise FileProblem("Excel（.xlsx）または CSV ファイルをアップロードしてください。")
    return _read_csv(data)


def _read_xlsx(data: bytes) -> list[list[Any]]:
    try:
        rows = xlsx_input.read_rows(data, choose_sheet=_data_sheet_of)
    except xlsx_input.UnreadableWorkbook as error:
        raise FileProblem(str(error)) from error
    return [list(row) for row in rows]


def _data_sheet_of(workbook):
    return workbook[DATA_SHEET] if DATA_SHEET in workbook.sheetnames else workbook.worksheets[0]


def decode_text(data: bytes) -> str:
    """UTF-8 (with or without BOM) or CP932 (Shift_JIS as Excel writes it)."""
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8", errors="strict")
    for encoding in ("utf-8", "cp932"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise FileProblem(
        "文字コードを判別できませんでした。UTF-8 または Shift_JIS（CP932）の CSV で保存してください。"
    )


def _read_csv(data: bytes) -> list[list[Any]]:
    try:
        text = decode_text(data)
    except UnicodeDecodeError as error:
        raise FileProblem(
            "文字コードを判別できませんでした。UTF-8 で保存し直してください。"
        ) from error
    if "\x00" in text:
        raise FileProblem("CSV ファイルとして読み込めませんでした（テキストではありません）。")
    return [list(row) for row in csv.reader(io.StringIO(text, newline=""))]


# ---------------------------------------------------------------------------------- writing


def export_row(athlete: Athlete) -> list[Any]:
    """One athlete in the import layout (so an export can be imported back unchanged)."""
    return [
        athlete.last_name,
        athlete.first_name,
        athlete.last_name_kana,
        athlete.first_name_kana,
        _GENDER_TEXT[athlete.gender.value],
        athlete.birth_date,
        athlete.grade,
        prefectures.short_name(athlete.pref_code),
        athlete.jaaf_id,
        athlete.nationality,
        athlete.last_name_en,
        athlete.first_name_en,
    ]


def _workbook_bytes(workbook: Workbook) -> bytes:
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _data_sheet(workbook: Workbook, athletes: Iterable[Athlete]):
    sheet = workbook.create_sheet(DATA_SHEET)
    # The JAAF ID column is Text for the rows a coach types too: Excel keeps leading zeros.
    jaaf_column = get_column_letter(list(TEMPLATE_COLUMNS).index("jaaf_id") + 1)
    sheet.column_dimensions[jaaf_column].number_format = "@"
    sheet.column_dimensions[jaaf_column].width = 14
    sheet.append(list(TEMPLATE_COLUMNS.values()))
    for athlete in athletes:
        # Dates as real dates; text (IDs too) as text so Excel never turns them into 1.2E+10,
        # and a name typed like a formula stays a name.
        sheet.append(
            [
                workbook_cells.text_cell(sheet, value, number_format="@")
                if isinstance(value, str)
                else workbook_cells.cell(sheet, value)
                for value in export_row(athlete)
            ]
        )
    return sheet


def roster_xlsx(athletes: Iterable[Athlete]) -> bytes:
    workbook = Workbook(write_only=True)
    _data_sheet(workbook, athletes)
    return _workbook_bytes(workbook)


def template_xlsx() -> bytes:
    """An empty 選手一覧 sheet (no sample rows to import by mistake) and the instructions."""
    workbook = Workbook(write_only=True)
    _data_sheet(workbook, [])
    help_sheet = workbook.create_sheet(HELP_SHEET)
    for line in INSTRUCTIONS:
        help_sheet.append(list(line))
    help_sheet.append([])
    help_sheet.append(["学年の値", "", "、".join(f"{k}={v}" for k, v in GRADES.items() if k)])
    help_sheet.append(
        ["国籍の値", "", "、".join(f"{k}={v}" for k, v in nationalities.NATIONALITIES.items())]
    )
    return _workbook_bytes(workbook)


def roster_csv(athletes: Iterable[Athlete]) -> bytes:
    """UTF-8 with BOM, so Excel opens it with the Japanese intact (formula-like text defused)."""
    rows: list[list[Any]] = [list(TEMPLATE_COLUMNS.values())]
    for athlete in athletes:
        row = export_row(athlete)
        row[5] = athlete.birth_date.strftime("%Y/%m/%d")
        rows.append(row)
    return write_csv(rows, CsvEncoding.UTF8_BOM)
