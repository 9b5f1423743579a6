"""The .xlsx entry template of a meet (sheet エントリーデータ + 入力説明)."""

from __future__ import annotations

from io import BytesIO

from openpyxl import Workbook
from openpyxl.styles import Font, PatternFill

from nitsys.domain.entry_sheet import COLUMNS
from nitsys.domain.times import format_time
from nitsys.reports.workbook import cell as sheet_cell

HEADER_FILL = PatternFill("solid", fgColor="1F3A5F")
TEXT_FORMAT = "@"  # time columns are text, so Excel does not turn 14:30.00 into a time of day
EXPLANATIONS = {
    "jaaf_id": ("選手マスタのJAAF ID。空欄なら姓・名で選手マスタから探します", "任意"),
    "last_name": ("選手マスタに登録した姓（漢字）", "必須"),
    "first_name": ("選手マスタに登録した名（漢字）", "必須"),
    "race_code": ("下の種目コード（例: M5000, F3000, NCG_M5000）", "必須"),
    "declared_time": ("分:秒.1/100秒（例: 14:30.00、1時間以上は 1:02:30.00 も可）", "必須"),
    "personal_best": ("申告タイムと同じ形式", "任意"),
    "note": ("事務局への連絡事項", "任意"),
}


def entry_template(meet, races) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "エントリーデータ"
    headers = [aliases[0] for aliases in COLUMNS.values()]
    sheet.append(headers)
    for cell in sheet[1]:
        cell.font = Font(bold=True, color="FFFFFF")
        cell.fill = HEADER_FILL
    for race in list(races)[:3]:
        sample = race.standard_time or 0
        sheet.append(
            ["", "山田", "太郎", race.code, format_time(sample) if sample else "14:30.00", "", ""]
        )
    for column, width in zip("ABCDEFG", (16, 10, 10, 14, 12, 12, 24), strict=True):
        sheet.column_dimensions[column].width = width
        for cell in sheet[column]:
            cell.number_format = TEXT_FORMAT
    help_sheet = workbook.create_sheet("入力説明")
    help_sheet.append(["項目", "説明", "必須"])
    for key, (text, required) in EXPLANATIONS.items():
        help_sheet.append([COLUMNS[key][0], text, required])
    help_sheet.append([])
    help_sheet.append(["種目コード", "種目", "参加標準記録"])
    for race in races:
        values = [race.code, race.name, format_time(race.standard_time) or "なし"]
        help_sheet.append([sheet_cell(help_sheet, value) for value in values])
    help_sheet.column_dimensions["A"].width = 14
    help_sheet.column_dimensions["B"].width = 60
    buffer = BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
