"""The meet office's PDFs (SPEC §8): roll-call sheets, programme, result recording sheets and
the emergency all-data list, built from start-list rows.

Each heat (or team) is one :class:`PlainTable`: the men's 5000 m programme (~1,300 runners)
has to build in well under 150 ms, which platypus tables cannot do.
Result sheets leave 順位 and 記録 blank for the hand — nothing is ever made up to fill them.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import lru_cache
from itertools import groupby

from reportlab.platypus import Flowable, KeepTogether, PageBreak, Paragraph

from nitsys.domain.startlist import StartListRow
from nitsys.domain.times import format_time
from nitsys.formatting import jst
from nitsys.reports.pdf_layout import pdf_document, styles
from nitsys.reports.plain_table import PlainLine, PlainTable

NO_TEAM = "（所属なし）"


@dataclass(frozen=True, slots=True)
class RunnerState:
    """What the emergency list adds to a start-list row: payment and check-in at the desk."""

    paid: bool
    checked_in: bool
    absent: bool  # DNS at the desk or withdrawal notice
    organization_kana: str = ""

    @property
    def payment_label(self) -> str:
        return "入金確認済み" if self.paid else "未確認"

    @property
    def check_in_label(self) -> str:
        if self.absent:
            return "欠場"
        return "点呼済み" if self.checked_in else "未点呼"


@dataclass(frozen=True)
class Layout:
    """One table per heat: the header, each row's cells, the widths and the row height."""

    header: Sequence[str]
    cells: Callable[[StartListRow], list[object]]
    widths_mm: Sequence[float]
    row_height_mm: float  # sheets filled in by hand get taller rows; 40 runners fit a page
    font_size: float = 9


@lru_cache(maxsize=512)  # a few dozen heat start times, each on many lines
def _tokyo(moment: datetime | None, pattern: str) -> str:
    return jst(moment, pattern)


def _runner(row: StartListRow, hours: bool) -> list[object]:
    """腰No, ゼッケン, 氏名, フリガナ, 所属, 申告記録: the programme's and roll call's core."""
    return [
        row.position,
        row.bib,
        row.full_name,
        row.full_name_kana,
        row.organization,
        format_time(row.declared_time, hours=hours),
    ]


def programme_layout(hours: bool) -> Layout:
    return Layout(
        header=("腰No", "ゼッケン", "氏名", "フリガナ", "所属", "申告記録"),
        cells=lambda row: _runner(row, hours),
        widths_mm=(12, 16, 38, 40, 50, 24),
        row_height_mm=5,
        font_size=8.5,
    )


def roll_call_layout(hours: bool) -> Layout:
    return Layout(
        header=("腰No", "ゼッケン", "氏名", "フリガナ", "所属", "申告記録", "点呼", "備考"),
        cells=lambda row: [*_runner(row, hours), "", ""],
        widths_mm=(10, 14, 30, 38, 32, 18, 12, 26),
        row_height_mm=5.4,
    )


RESULT_SHEET_LAYOUT = Layout(
    header=("腰No", "ゼッケン", "氏名", "所属", "順位", "記録", "備考"),
    cells=lambda row: [row.position, row.bib, row.full_name, row.organization, "", "", ""],
    widths_mm=(12, 16, 40, 46, 16, 26, 24),
    row_height_mm=5.4,
    font_size=10,
)


# --- documents ------------------------------------------------------------------------------


def programme_pdf(
    rows: Sequence[StartListRow], *, title: str, hours: bool = False, printed_at=None
) -> bytes:
    """プログラム: per race a heading, per heat "第N組 HH:MM" and its runners, heats kept whole."""
    style = styles()
    layout = programme_layout(hours)
    story: list[Flowable] = []
    for number, race_rows in enumerate(_by_race(rows)):
        if number:
            story.append(PageBreak())
        story.append(Paragraph(_race_heading(race_rows[0]), style.heading))
        for heat_rows in _by_heat(race_rows):
            heading = PlainLine(_heat_heading(heat_rows[0]))
            story.append(KeepTogether([heading, _heat_table(heat_rows, layout)]))
    return pdf_document(story, title=title, printed_at=printed_at)


def roll_call_pdf(
    rows: Sequence[StartListRow],
    *,
    title: str,
    call_offset_minutes: int | None = None,
    hours: bool = False,
    printed_at=None,
) -> bytes:
    """点呼表: one page per heat with start and call time, a blank 点呼 box and 備考 per runner."""
    return _sheet_per_heat(
        rows, roll_call_layout(hours), title, call_offset_minutes, printed_at=printed_at
    )


def result_sheets_pdf(rows: Sequence[StartListRow], *, title: str, printed_at=None) -> bytes:
    """記録用紙: one page per heat, 順位 and 記録 left blank to be written by hand."""
    return _sheet_per_heat(rows, RESULT_SHEET_LAYOUT, title, None, printed_at=printed_at)


def emergency_pdf(
    rows: Iterable[StartListRow],
    states: Mapping[int, RunnerState],
    *,
    title: str,
    printed_at=None,
) -> bytes:
    """緊急用全データ (landscape): every runner with payment and check-in state, team by team
    in the order of the teams' kana, each team by bib."""
    story: list[Flowable] = []
    for team, team_rows in _by_team(rows, states):
        story.append(PlainLine(f"{team}（{len(team_rows)}名）", space_before_mm=2))
        lines = [_emergency_cells(row, states[row.slot_id]) for row in team_rows]
        story.append(PlainTable([EMERGENCY_HEADER, *lines], EMERGENCY_WIDTHS, font_size=8.5))
    return pdf_document(story, title=title, wide=True, margin_mm=10, printed_at=printed_at)


EMERGENCY_HEADER = (
    "ゼッケン", "種目", "組", "腰No", "スタート", "氏名", "フリガナ", "所属", "入金", "点呼",
)  # fmt: skip
EMERGENCY_WIDTHS = (16, 30, 10, 12, 22, 38, 42, 46, 28, 20)


def _emergency_cells(row: StartListRow, state: RunnerState) -> list[object]:
    return [
        row.bib,
        row.race_name,
        row.heat_number,
        row.position,
        _tokyo(row.start_at, "%m/%d %H:%M"),
        row.full_name,
        row.full_name_kana,
        row.organization,
        state.payment_label,
        state.check_in_label,
    ]


# --- pieces ---------------------------------------------------------------------------------


def _sheet_per_heat(rows, layout: Layout, title: str, call_offset, *, printed_at) -> bytes:
    style = styles()
    story: list[Flowable] = []
    for number, heat_rows in enumerate(_by_heat(rows)):
        if number:
            story.append(PageBreak())
        first = heat_rows[0]
        story.append(Paragraph(_race_heading(first), style.heading))
        story.append(PlainLine(_heat_heading(first, call_offset)))
        story.append(_heat_table(heat_rows, layout))
    return pdf_document(story, title=title, printed_at=printed_at)


def _heat_table(heat_rows: Sequence[StartListRow], layout: Layout) -> PlainTable:
    return PlainTable(
        [layout.header, *(layout.cells(row) for row in heat_rows)],
        layout.widths_mm,
        row_height_mm=layout.row_height_mm,
        font_size=layout.font_size,
    )


def _race_heading(row: StartListRow) -> str:
    day = jst(row.start_at, "%Y/%m/%d") if row.start_at else ""
    return f"{row.race_name}　{day}".strip()


def _heat_heading(row: StartListRow, call_offset_minutes: int | None = None) -> str:
    """ "第3組　スタート 10:40" (and "招集 10:20" on the roll call); "第3組" without a timetable."""
    parts = [f"第{row.heat_number}組"]
    if row.start_at:
        parts.append(f"スタート {_tokyo(row.start_at, '%H:%M')}")
        if call_offset_minutes is not None:
            call = row.start_at - timedelta(minutes=call_offset_minutes)
            parts.append(f"招集 {_tokyo(call, '%H:%M')}")
    return "　".join(parts)


def _by_race(rows: Iterable[StartListRow]) -> list[list[StartListRow]]:
    return [list(group) for _, group in groupby(rows, key=lambda r: r.race_number)]


def _by_heat(rows: Iterable[StartListRow]) -> list[list[StartListRow]]:
    return [list(group) for _, group in groupby(rows, key=lambda r: (r.race_number, r.heat_number))]


def _by_team(rows: Iterable[StartListRow], states: Mapping[int, RunnerState]):
    """(team name, its rows by bib), teams in kana order; runners without a team last."""

    def team_key(row: StartListRow):
        kana = states[row.slot_id].organization_kana
        return (not row.organization, kana, row.organization)

    ordered = sorted(rows, key=lambda row: (*team_key(row), row.bib or 0))
    for key, group in groupby(ordered, key=team_key):
        yield key[2] or NO_TEAM, list(group)
