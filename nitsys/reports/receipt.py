"""領収書 (receipt) of a paid application, A4 portrait (SPEC §5, reference flows §3.4.7).

The amount is the submission snapshot plus the officials' explicit adjustments (each listed in
the breakdown), the issue date is the approval day in JST, and the addressee is the
organization or the individual's own name.
"""

from __future__ import annotations

from io import BytesIO
from pathlib import Path

from flask import current_app
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.lib.utils import ImageReader
from reportlab.pdfgen.canvas import Canvas

from nitsys.formatting import jst, yen
from nitsys.models.base import utcnow
from nitsys.reports.fonts import japanese_font

NOTES = (
    "本領収書は電子的に発行したものです（収入印紙は不要です）。",
    "宛名の変更はできません。変更が必要な場合は大会事務局へご連絡ください。",
)
SEAL_SIZE = 30 * mm


def receipt_number(application) -> str:
    return f"R-{application.number}"


def receipt_filename(application) -> str:
    return f"領収書_{application.meet.name}_{application.owner_label}.pdf"


def seal_path() -> str:
    """The seal (角印) image: `RECEIPT_SEAL_PATH`, else static/images/seal.png when present."""
    configured = current_app.config.get("RECEIPT_SEAL_PATH", "")
    if configured and Path(configured).is_file():
        return configured
    default = Path(current_app.static_folder or "", "images", "seal.png")
    return str(default) if default.is_file() else ""


def _adjustment_lines(application) -> list[str]:
    if not application.adjustments:
        return []
    lines = [f"申込時の合計: {yen(application.total_amount)}"]
    for adjustment in application.adjustments:
        sign = "－" if adjustment.amount < 0 else "＋"
        lines.append(f"調整（{adjustment.reason[:40]}）: {sign}{yen(abs(adjustment.amount))}")
    return lines


def receipt_pdf(application) -> bytes:
    meet = application.meet
    approval = application.approval
    font = japanese_font()
    issued = approval.approved_at if approval else utcnow()
    width, height = A4
    buffer = BytesIO()
    pdf = Canvas(buffer, pagesize=A4)
    pdf.setTitle(f"領収書 {receipt_number(application)}")
    pdf.setAuthor("NIT-SYS")

    pdf.setFont(font, 10)
    pdf.drawRightString(width - 20 * mm, height - 20 * mm, f"No. {receipt_number(application)}")
    pdf.drawRightString(width - 20 * mm, height - 26 * mm, f"発行日: {jst(issued, '%Y年%m月%d日')}")

    pdf.setFont(font, 32)
    pdf.drawCentredString(width / 2, height - 50 * mm, "領 収 書")

    pdf.setFont(font, 16)
    addressee = f"{application.owner_label}　様"
    pdf.drawString(25 * mm, height - 72 * mm, addressee)
    pdf.line(25 * mm, height - 74 * mm, 125 * mm, height - 74 * mm)

    box_top = height - 85 * mm
    pdf.setFont(font, 12)
    pdf.drawString(25 * mm, box_top - 10 * mm, "金額")
    pdf.rect(45 * mm, box_top - 16 * mm, 120 * mm, 15 * mm)
    pdf.setFont(font, 22)
    pdf.drawCentredString(105 * mm, box_top - 11 * mm, f"{yen(application.amount_due)}-")

    pdf.setFont(font, 11)
    lines = [
        f"但し書き：{meet.name} 参加料として",
        "上記正に領収いたしました。",
        "",
        "【内訳】",
        f"エントリー数: {application.entry_count}件",
        f"参加料単価: {yen(application.unit_fee)}",
        *_adjustment_lines(application),
        f"合計金額: {yen(application.amount_due)}",
        f"申込番号: {application.number}",
    ]
    y = box_top - 30 * mm
    for line in lines:
        pdf.drawString(25 * mm, y, line)
        y -= 7 * mm

    pdf.setFont(font, 9)
    pdf.setFillColor(colors.grey)
    for note in NOTES:
        pdf.drawString(25 * mm, y, f"※ {note}")
        y -= 5 * mm
    pdf.setFillColor(colors.black)

    issuer_top = 70 * mm
    pdf.setFont(font, 11)
    pdf.drawRightString(width - 50 * mm, issuer_top, meet.receipt_issuer_name)
    pdf.setFont(font, 9)
    for number, part in enumerate(meet.receipt_issuer_address.split(" ")):
        pdf.drawRightString(width - 50 * mm, issuer_top - (6 + 5 * number) * mm, part)
    seal = seal_path()
    if seal:
        pdf.drawImage(
            ImageReader(seal),
            width - 48 * mm,
            issuer_top - 20 * mm,
            SEAL_SIZE,
            SEAL_SIZE,
            mask="auto",
        )

    pdf.setFont(font, 8)
    pdf.setFillColor(colors.grey)
    pdf.drawCentredString(
        width / 2, 15 * mm, f"管理番号: {receipt_number(application)} | 発行システム: NIT-SYS"
    )
    pdf.showPage()
    pdf.save()
    return buffer.getvalue()
