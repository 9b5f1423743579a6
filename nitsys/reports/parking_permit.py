"""駐車許可証 (parking permit), A4 portrait, one page per team (SPEC §9).

Meant to lie behind a windscreen: the permit number, the lot and the team are printed large
enough to read from outside the car; the rest (meet, vehicles, times, the lot's address with a
QR code of its map link, the rules) is for the driver. All text is in the Japanese font of
`nitsys.reports.fonts`.
"""

from __future__ import annotations

from collections.abc import Sequence
from io import BytesIO

from reportlab.graphics.barcode.qr import QrCodeWidget
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.pdfgen.canvas import Canvas

from nitsys import progress
from nitsys.formatting import jdate
from nitsys.models.parking import VEHICLE_TYPES, ParkingRequest, ParkingSettings
from nitsys.reports.fonts import japanese_font

QR_SIZE = 38 * mm
MARGIN = 15 * mm


def permit_filename(meet, request: ParkingRequest | None = None) -> str:
    who = request.organization.name if request else "全団体"
    return f"駐車許可証_{meet.number or meet.id}_{who}.pdf"


def permits_pdf(meet, settings: ParkingSettings, requests: Sequence[ParkingRequest]) -> bytes:
    """One page per allocated request, in the given order."""
    font = japanese_font()
    buffer = BytesIO()
    pdf = Canvas(buffer, pagesize=A4)
    pdf.setTitle(f"駐車許可証 {meet.name}")
    pdf.setAuthor("NIT-SYS")
    qr_forms = _qr_forms(pdf, [r.lot.map_url for r in requests if r.lot and r.lot.map_url])
    for number, request in enumerate(requests, start=1):
        _page(pdf, font, meet, settings, request, qr_forms)
        pdf.showPage()
        progress.tick(f"{number}/{len(requests)}枚")
    pdf.save()
    return buffer.getvalue()


def _fit(text: str, font: str, size: float, width: float) -> float:
    """The largest size ≤ `size` at which `text` fits in `width`."""
    measured = stringWidth(text, font, size)
    return size if measured <= width else max(10, size * width / measured)


def _times(settings: ParkingSettings) -> str:
    entry = settings.entry_time.strftime("%H:%M") + " 以降" if settings.entry_time else ""
    exit_ = settings.exit_time.strftime("%H:%M") + " まで" if settings.exit_time else ""
    return "　".join(
        part
        for part in (f"入庫 {entry}" if entry else "", f"出庫 {exit_}" if exit_ else "")
        if part
    )


def _page(pdf: Canvas, font: str, meet, settings, request: ParkingRequest, qr_forms: dict):
    width, height = A4
    inner = width - 2 * MARGIN
    lot = request.lot
    top = height - MARGIN

    pdf.setFillColor(colors.black)
    pdf.rect(MARGIN, top - 28 * mm, inner, 28 * mm, stroke=0, fill=1)
    pdf.setFillColor(colors.white)
    pdf.setFont(font, 40)
    pdf.drawCentredString(width / 2, top - 20 * mm, "駐 車 許 可 証")
    pdf.setFillColor(colors.black)

    pdf.setFont(font, 14)
    pdf.drawCentredString(width / 2, top - 38 * mm, f"{meet.name}　{jdate(meet.first_day)}")

    number = f"No. {request.permit_number}"
    size = _fit(number, font, 96, inner)
    pdf.setFont(font, size)
    pdf.drawCentredString(width / 2, top - 38 * mm - size * 1.05, number)
    y = top - 38 * mm - size * 1.05 - 12 * mm

    lot_name = lot.name if lot else ""
    size = _fit(lot_name, font, 60, inner)
    pdf.setFont(font, size)
    pdf.drawCentredString(width / 2, y - size * 0.8, lot_name)
    y -= size * 0.8 + 14 * mm

    team = request.organization.name
    size = _fit(team, font, 40, inner)
    pdf.setFont(font, size)
    pdf.drawCentredString(width / 2, y - size * 0.8, team)
    y -= size * 0.8 + 8 * mm
    pdf.setLineWidth(1.5)
    pdf.line(MARGIN, y, width - MARGIN, y)
    y -= 12 * mm

    vehicles = "　".join(
        f"{label} {request.assigned(kind)}台"
        for kind, label in VEHICLE_TYPES
        if request.assigned(kind)
    )
    pdf.setFont(font, 20)
    pdf.drawString(MARGIN, y, f"許可車両: {vehicles}")
    y -= 11 * mm
    times = _times(settings)
    if times:
        pdf.drawString(MARGIN, y, times)
        y -= 11 * mm

    text_width = inner - (QR_SIZE + 6 * mm if lot and lot.map_url else 0)
    pdf.setFont(font, 11)
    detail_top = y
    if lot and lot.address:
        pdf.drawString(MARGIN, y, f"所在地: {lot.address}"[:60])
        y -= 6 * mm
    if lot and lot.map_url:
        pdf.setFont(font, 9)
        for part in _wrap(f"地図: {lot.map_url}", font, 9, text_width):
            pdf.drawString(MARGIN, y, part)
            y -= 5 * mm
        pdf.saveState()
        pdf.translate(width - MARGIN - QR_SIZE, detail_top - QR_SIZE + 5 * mm)
        pdf.doForm(qr_forms[lot.map_url])
        pdf.restoreState()
    y = min(y, detail_top - QR_SIZE) - 6 * mm if lot and lot.map_url else y - 4 * mm

    if settings.rules:
        pdf.setFont(font, 12)
        pdf.drawString(MARGIN, y, "【注意事項】")
        y -= 6.5 * mm
        pdf.setFont(font, 10.5)
        for paragraph in settings.rules.splitlines():
            for part in _wrap(paragraph, font, 10.5, inner):
                if y < MARGIN + 12 * mm:
                    break
                pdf.drawString(MARGIN, y, part)
                y -= 5.5 * mm

    pdf.setFont(font, 9)
    pdf.setFillColor(colors.grey)
    pdf.drawString(
        MARGIN, MARGIN, "この許可証は車両のフロントガラス内側の見やすい位置に掲示してください。"
    )
    pdf.setFillColor(colors.black)


def _wrap(text: str, font: str, size: float, width: float) -> list[str]:
    """Character wrapping (Japanese has no spaces to break at)."""
    lines, current, used = [], "", 0.0
    for char in text:
        char_width = stringWidth(char, font, size)
        if used + char_width > width and current:
            lines.append(current)
            current, used = "", 0.0
        current += char
        used += char_width
    return [*lines, current] if current or not lines else lines


def _qr_forms(pdf: Canvas, urls: Sequence[str]) -> dict[str, str]:
    """Each map link's QR code drawn once as a form XObject, reused on every page.

    The encoder is ReportLab's (`QrCodeWidget`); the modules are drawn as one path, since the
    widget's own drawing makes a shape per module and took ~0.4 s per page.
    """
    forms = {}
    for number, url in enumerate(dict.fromkeys(urls)):
        encoder = QrCodeWidget(url, barLevel="M").qr
        encoder.make()
        count = encoder.getModuleCount()
        box = QR_SIZE / (count + 8)  # a quiet zone of 4 modules on each side
        name = f"qr{number}"
        pdf.beginForm(name)
        path = pdf.beginPath()
        for row, modules in enumerate(encoder.modules):
            for column, dark in enumerate(modules):
                if dark:
                    path.rect((column + 4) * box, QR_SIZE - (row + 5) * box, box, box)
        pdf.drawPath(path, stroke=0, fill=1)
        pdf.endForm()
        forms[url] = name
    return forms
