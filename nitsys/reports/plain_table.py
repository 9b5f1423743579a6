"""A gridded table of short, single-line strings, drawn as one text object, and a plain heading.

It looks like :func:`nitsys.reports.pdf_layout.data_table` (grey header repeated after a page
break, thin grid, Japanese font) but skips what platypus ``Table`` does for every cell (style
lookup, a text object, measuring for wrapping): on the men's 5000 m programme that machinery
alone took over 300 ms, about four times what this whole table costs. Cells never wrap, so
every row has the same height and a page holds a known number of rows; a cell too long for its
column (a long katakana name) is drawn narrower instead of running into the next column.
"""

from __future__ import annotations

from collections.abc import Sequence
from weakref import WeakKeyDictionary

from reportlab.lib import colors
from reportlab.lib.units import mm
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.platypus import Flowable

from nitsys.reports.fonts import japanese_font
from nitsys.reports.pdf_layout import HEADER_GREY

CELL_PADDING = 1.5 * mm
LINE_WIDTH = 0.4


class PlainLine(Flowable):
    """One line of text: a heading repeated per heat or team, without Paragraph's markup parser."""

    def __init__(self, text: str, *, font_size: float = 10, space_before_mm: float = 1):
        super().__init__()
        self.text = text
        self.font_size = font_size
        self.font = japanese_font()
        self.spaceBefore = space_before_mm * mm
        self.spaceAfter = 1 * mm

    def wrap(self, availWidth, availHeight):
        self.width = availWidth
        self.height = self.font_size * 1.3
        return self.width, self.height

    def draw(self):
        self.canv.setFont(self.font, self.font_size)
        self.canv.drawString(0, self.font_size * 0.3, self.text)


class PlainTable(Flowable):
    """`rows[0]` is the header; `right_columns` are right-aligned (numbers)."""

    def __init__(
        self,
        rows: Sequence[Sequence[object]],
        widths_mm: Sequence[float],
        *,
        row_height_mm: float = 5,
        font_size: float = 9,
        right_columns: Sequence[int] = (),
    ):
        super().__init__()
        self.rows = [["" if cell is None else str(cell) for cell in row] for row in rows]
        self.column_widths = [width * mm for width in widths_mm]
        self.row_height = row_height_mm * mm
        self.font_size = font_size
        self.right_columns = frozenset(right_columns)
        self.font = japanese_font()
        self.width = sum(self.column_widths)
        self.height = self.row_height * len(self.rows)
        self.spaceAfter = 3 * mm

    def wrap(self, availWidth, availHeight):
        return self.width, self.height

    def split(self, availWidth, availHeight):
        fits = int(availHeight // self.row_height)
        if fits < 2 or fits >= len(self.rows):
            return []
        header, body = self.rows[0], self.rows[1:]
        return [self._with([header, *body[: fits - 1]]), self._with([header, *body[fits - 1 :]])]

    def _with(self, rows) -> PlainTable:
        part = PlainTable.__new__(PlainTable)
        part.__dict__.update(self.__dict__)
        part.rows = rows
        part.height = self.row_height * len(rows)
        return part

    def draw(self):
        canvas = self.canv
        top = self.height
        canvas.setFillColor(HEADER_GREY)
        canvas.rect(0, top - self.row_height, self.width, self.row_height, stroke=0, fill=1)
        canvas.setStrokeColor(colors.grey)
        canvas.setLineWidth(LINE_WIDTH)
        edges = [0.0]
        for width in self.column_widths:
            edges.append(edges[-1] + width)
        canvas.grid(edges, [top - n * self.row_height for n in range(len(self.rows) + 1)])
        canvas.drawText(self._text(edges))

    def _text(self, edges: list[float]):
        text = self.canv.beginText()
        text.setFont(self.font, self.font_size)
        shown = _CellCode(text, _formatted_cells.setdefault(self.canv, {}))
        # Baseline a little below the middle of the row: CJK glyphs sit high in the em box.
        baseline = (self.row_height - self.font_size * 0.7) / 2
        lefts = [f"{edge + CELL_PADDING:.2f}" for edge in edges]
        for number, row in enumerate(self.rows):
            if number < 2:  # the header in white, the rest in black
                text.setFillColor(colors.black if number else colors.white)
            y = f"{self.height - (number + 1) * self.row_height + baseline:.2f}"
            for column, cell in enumerate(row):
                if not cell:
                    continue
                room = self.column_widths[column] - 2 * CELL_PADDING
                width = stringWidth(cell, self.font, self.font_size)
                scale = fitting_scale(width, room)
                if column in self.right_columns and number:
                    x = f"{edges[column + 1] - CELL_PADDING - width * scale:.2f}"
                    shown.at(x, y, cell, scale)
                else:
                    shown.at(lefts[column], y, cell, scale)
        return text


def fitting_scale(width: float, room: float) -> float:
    """1, or the horizontal scale that makes text of `width` fit in `room` (points)."""
    return 1.0 if width <= room or width <= 0 else max(room, 1.0) / width


# Per canvas (document): cell text → its PDF operators. Team names, race names, states and
# start times repeat on most lines, and formatting a string for an embedded subset font walks
# it character by character.
_formatted_cells: WeakKeyDictionary = WeakKeyDictionary()


class _CellCode:
    """Shows a cell at (x, y) in a text object, formatting each distinct cell once.

    Relies on ReportLab's text object internals (pinned in requirements.txt): `_formatText`
    gives the operators of a string and, for an embedded TrueType font, switches font subsets
    as needed, leaving `_curSubset` at the last one; its output depends only on the string,
    the font and size, and the subset selected before it. The tests read every PDF back.
    """

    def __init__(self, text, cache: dict):
        self.text = text
        self.cache = cache
        self.size = (text._fontname, text._fontsize)

    def at(self, x: str, y: str, cell: str, scale: float = 1.0) -> None:
        """Show `cell` with its origin at (x, y), both already written as PDF numbers, scaled
        horizontally by `scale` (the text matrix; 1 is natural width)."""
        text = self.text
        key = (cell, text._curSubset, self.size)
        found = self.cache.get(key)
        if found is None:
            found = self.cache[key] = (text._formatText(cell), text._curSubset)
        text._code.append(f"{scale:.4g} 0 0 1 {x} {y} Tm {found[0]}")
        text._curSubset = found[1]
