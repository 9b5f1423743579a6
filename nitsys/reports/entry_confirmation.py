"""申込確認書 (entry confirmation) of one application, A4 portrait (reference flows §3.4.5)."""

from __future__ import annotations

from io import BytesIO

from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from nitsys.domain.times import format_time
from nitsys.formatting import jdate, jst, yen
from nitsys.models.base import utcnow
from nitsys.reports.fonts import japanese_font
from nitsys.reports.pdf_layout import fitted

HEADER_BLUE = colors.HexColor("#1F3A5F")
NOTES = (
    "この確認書は申込内容の控えです。参加料の入金が確認されてエントリーが確定します。",
    "振込名義の前に申込番号を付けてお振り込みください。参加料は欠場の場合も返金されません。",
    "ご不明な点は大会事務局へお問い合わせください。",
)


def entry_confirmation_pdf(application, entries) -> bytes:
    font = japanese_font()
    meet = application.meet
    hours = meet.hours_in_times
    title = ParagraphStyle("title", fontName=font, fontSize=16, leading=22, alignment=1)
    body = ParagraphStyle("body", fontName=font, fontSize=10, leading=15)
    right = ParagraphStyle("right", parent=body, alignment=2)
    buffer = BytesIO()
    document = SimpleDocTemplate(
        buffer,
        pagesize=A4,
        leftMargin=15 * mm,
        rightMargin=15 * mm,
        topMargin=20 * mm,
        bottomMargin=20 * mm,
        title="エントリー申込確認書",
        author="NIT-SYS",
    )
    fee = application.unit_fee or meet.fee_per_entry
    rows = [["No.", "種目", "選手名", "フリガナ", "申告タイム", "状態", "金額"]]
    for number, entry in enumerate(entries, start=1):
        rows.append(
            [
                str(number),
                entry.race.name,
                entry.athlete.full_name,
                entry.athlete.full_name_kana,
                format_time(entry.declared_time, hours=hours),
                entry.status.label,
                yen(fee),
            ]
        )
    rows.append(["", "合計", "", "", "", f"{len(entries)}件", yen(fee * len(entries))])
    widths = [10 * mm, 30 * mm, 32 * mm, 38 * mm, 24 * mm, 24 * mm, 22 * mm]
    # A long name (キプチュンバ ジョセフ) is drawn narrower instead of crossing into the next column.
    rows = [
        [fitted(cell, font, 9, width) for cell, width in zip(row, widths, strict=True)]
        for row in rows
    ]
    table = Table(rows, repeatRows=1, colWidths=widths)
    table.setStyle(
        TableStyle(
            [
                ("FONTNAME", (0, 0), (-1, -1), font),
                ("FONTSIZE", (0, 0), (-1, -1), 9),
                ("BACKGROUND", (0, 0), (-1, 0), HEADER_BLUE),
                ("TEXTCOLOR", (0, 0), (-1, 0), colors.white),
                ("GRID", (0, 0), (-1, -1), 0.4, colors.grey),
                ("ALIGN", (4, 1), (-1, -1), "RIGHT"),
                ("BACKGROUND", (0, -1), (-1, -1), colors.HexColor("#EEF2F7")),
            ]
        )
    )
    total = application.total_amount if not application.is_draft else fee * len(entries)
    story = [
        Paragraph("エントリー申込確認書", title),
        Spacer(1, 6 * mm),
        Paragraph(f"大会名: {meet.name}", body),
        Paragraph(f"開催日: {jdate(meet.first_day)}", body),
        Paragraph(f"申込者: {application.owner_label}", body),
        Paragraph(f"申込番号: {application.number}（{application.status.label}）", body),
        Paragraph(f"出力日時: {jst(utcnow())}", body),
        Spacer(1, 5 * mm),
        table,
        Spacer(1, 4 * mm),
        Paragraph(f"エントリー件数: {len(entries)}件　合計金額: {yen(total)}", right),
        Spacer(1, 6 * mm),
        Paragraph("【ご注意】", body),
        *[Paragraph(f"・{note}", body) for note in NOTES],
    ]
    document.build(story)
    return buffer.getvalue()
