"""Shared building blocks for the A4 PDFs (programme, roll call, result sheets, emergency list).

Every document gets the same frame: the title at the top of the first page, and on every page a
footer with the title, 出力日時 in Asia/Tokyo and "page / pages". All text — footer included —
is drawn in :func:`nitsys.reports.fonts.japanese_font`, so no Japanese falls back to Helvetica.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from io import BytesIO

from reportlab.lib import colors
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import Flowable, Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from nitsys import progress
from nitsys.formatting import jst
from nitsys.reports.fonts import japanese_font

HEADER_GREY = colors.HexColor("#4A4A4A")
FOOTER_SIZE = 8


@dataclass(frozen=True)
class Styles:
    font: str
    title: ParagraphStyle
    subtitle: ParagraphStyle
    heading: ParagraphStyle
    body: ParagraphStyle


def styles() -> Styles:
    """Paragraph styles in the Japanese font (title 16 pt, heading 13 pt, body 10 pt)."""
    font = japanese_font()
    body = ParagraphStyle("body", fontName=font, fontSize=10, leading=14)
    return Styles(
        font=font,
        title=ParagraphStyle("title", parent=body, fontSize=16, leading=22, spaceAfter=2 * mm),
        subtitle=ParagraphStyle("subtitle", parent=body, spaceAfter=4 * mm),
        heading=ParagraphStyle(
            "heading", parent=body, fontSize=13, leading=18, spaceBefore=4 * mm, spaceAfter=2 * mm
        ),
        body=body,
    )


def data_table(
    rows: Sequence[Sequence[object]],
    widths_mm: Sequence[float],
    *,
    right_columns: Sequence[int] = (),
    font_size: float = 10,
) -> Table:
    """A gridded table; row 0 is a grey header repeated on every page it spills onto."""
    font = japanese_font()
    widths = [w * mm for w in widths_mm]
    cells = [
        [fitted(cell, font, font_size, width) for cell, width in zip(row, widths, strict=False)]
        for row in rows
    ]
    table = Table(cells, colWidths=widths, repeatRows=1)
    commands = [
        ("FONTNAME", (0, 0), (-1, -1), font),
        ("FONTSIZE", (0, 0), (-1, -1), font_size),
        ("BACKGROUND", (0, 0), (-1, 0), HEADER_GREY),
        ("TEXTCOLOR", (0, 0), (-1, 0), colors.white),
        ("GRID", (0, 0), (-1, -1), 0.4, colors.grey),
        ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
    ]
    commands += [("ALIGN", (column, 1), (column, -1), "RIGHT") for column in right_columns]
    table.setStyle(TableStyle(commands))
    return table


# platypus Table's default left and right cell padding (points).
TABLE_CELL_PADDING = 6


class FittedText(Flowable):
    """One line of table-cell text drawn narrower so it stays inside its column."""

    def __init__(self, text: str, font: str, size: float, room: float, *, right: bool = False):
        super().__init__()
        self.text, self.font, self.size, self.room, self.right = text, font, size, room, right
        self.natural = stringWidth(text, font, size)

    def wrap(self, availWidth, availHeight):
        self.width = min(self.room, availWidth)
        self.height = self.size * 1.2
        return self.width, self.height

    def draw(self):
        text = self.canv.beginText()
        text.setFont(self.font, self.size)
        text.setHorizScale(100 * min(1.0, self.width / self.natural))
        text.setTextOrigin(0, self.size * 0.2)
        text.textOut(self.text)
        self.canv.drawText(text)


def fitted(cell: object, font: str, size: float, column_width: float):
    """A table cell's text as is when it fits its column, else as `FittedText`."""
    text = "" if cell is None else str(cell)
    room = column_width - 2 * TABLE_CELL_PADDING
    if not text or stringWidth(text, font, size) <= room:
        return text
    return FittedText(text, font, size, room)


def pdf_document(
    story: Sequence[Flowable],
    *,
    title: str,
    subtitle: str = "",
    wide: bool = False,
    margin_mm: float = 15,
    printed_at: datetime | None = None,
) -> bytes:
    """Build the PDF: title (and subtitle) first, then `story`; A4 portrait or landscape."""
    style = styles()
    printed = jst(printed_at or datetime.now(UTC))
    buffer = BytesIO()
    document = SimpleDocTemplate(
        buffer,
        pagesize=landscape(A4) if wide else A4,
        leftMargin=margin_mm * mm,
        rightMargin=margin_mm * mm,
        topMargin=margin_mm * mm,
        bottomMargin=(margin_mm + 5) * mm,
        title=title,
        author="NIT-SYS",
    )
    heading = [Paragraph(title, style.title)]
    if subtitle:
        heading.append(Paragraph(subtitle, style.subtitle))
    footer = _footer_canvas(style.font, title, f"出力日時: {printed}", margin_mm * mm)
    document.build([*heading, Spacer(1, 2 * mm), *story], canvasmaker=footer)
    return buffer.getvalue()


def _footer_canvas(font: str, title: str, printed: str, margin: float) -> type[Canvas]:
    """A canvas that holds pages back until the end so each footer can say "n / total"."""

    class FooterCanvas(Canvas):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            self._held_pages: list[dict] = []

        def showPage(self):
            self._held_pages.append(dict(self.__dict__))
            progress.tick(f"{len(self._held_pages)}ページ")
            self._startPage()

        def save(self):
            total = len(self._held_pages)
            for number, page in enumerate(self._held_pages, start=1):
                self.__dict__.update(page)
                self._draw_footer(number, total)
                super().showPage()
                progress.tick(f"仕上げ {number}/{total}ページ")
            super().save()

        def _draw_footer(self, number: int, total: int) -> None:
            width, _ = self._pagesize
            y = margin / 2 + 2 * mm
            self.setFont(font, FOOTER_SIZE)
            self.drawString(margin, y, printed)
            self.drawCentredString(width / 2, y, title)
            self.drawRightString(width - margin, y, f"{number} / {total}")

    return FooterCanvas
