"""One start-list line as plain data, and the columns every start-list export chooses from.

The service that reads heats and bibs builds :class:`StartListRow` objects; the start-list CSV
(SPEC §8), the configurable timing CSV and the FinishLynx files are all written from them, so
a value is formatted in exactly one place (:data:`COLUMNS`).
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from functools import cache, lru_cache

from nitsys.domain.times import format_time
from nitsys.formatting import jst
from nitsys.reports.csv_files import CsvEncoding, write_csv


@dataclass(slots=True)  # not frozen: a frozen dataclass is twice as slow to build, per line
class StartListRow:
    meet_name: str
    race_name: str  # 男子5000m
    race_code: str  # M5000, NCG_M5000: the ASCII event name for single-byte timing files
    race_number: int  # stable number of the race in the meet; the Lynx event number
    distance: int  # metres
    heat_number: int  # running order within the race (1 runs first)
    position: int  # 腰ナンバー
    bib: int | None  # ゼッケン
    last_name: str
    first_name: str
    last_name_kana: str = ""
    first_name_kana: str = ""
    last_name_romaji: str = ""  # "SATO" or "Sato"; always written upper-case, ASCII-folded
    first_name_romaji: str = ""
    organization: str = ""  # short name (略称)
    declared_time: int | None = None  # hundredths
    jaaf_id: str = ""
    slot_id: int | None = None  # our heat-slot id, carried through timing files and back
    start_at: datetime | None = None  # aware; shown in Asia/Tokyo
    round_number: int = 1

    @property
    def full_name(self) -> str:
        return _join(self.last_name, self.first_name)

    @property
    def full_name_kana(self) -> str:
        return _join(self.last_name_kana, self.first_name_kana)

    @property
    def last_name_romaji_ascii(self) -> str:
        """Upper-case and plain ASCII, as on a scoreboard: "Ōno" → "ONO"."""
        return ascii_fold(self.last_name_romaji).upper()

    @property
    def first_name_romaji_ascii(self) -> str:
        return ascii_fold(self.first_name_romaji)

    @property
    def full_name_romaji(self) -> str:
        """Surname first, upper-case: "SATO Yuki"."""
        return _join(self.last_name_romaji_ascii, self.first_name_romaji_ascii)

    @property
    def heat_key(self) -> tuple[int, int, int]:
        """(event, round, heat) — the identity of a heat in every timing file."""
        return self.race_number, self.round_number, self.heat_number

    def describe(self) -> str:
        """How error messages point at a line: "男子5000m 3組 12番 山田 太郎"."""
        return f"{self.race_name} {self.heat_number}組 {self.position}番 {self.full_name}"


def _join(last: str, first: str) -> str:
    return f"{last} {first}".strip()


@lru_cache(maxsize=4096)  # the same team names and surnames come back on many lines
def ascii_fold(text: str) -> str:
    """Full-width letters to half-width, accents dropped: "Ōno" → "Ono", "ＮＳＳＵ" → "NSSU".

    Characters without an ASCII form (kanji) stay as they are; callers decide what to do.
    """
    if text.isascii():
        return text
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c))


@cache  # a few dozen heat start times, each on thousands of lines
def _tokyo(moment: datetime | None, pattern: str) -> str:
    return jst(moment, pattern)


@dataclass(frozen=True, slots=True)
class Column:
    key: str
    label: str  # Japanese header
    # (row, hours) → cell; `hours` is the meet setting for showing 1:02:30.00.
    value: Callable[[StartListRow, bool], object]


_COLUMN_LIST = (
    Column("meet", "大会", lambda r, h: r.meet_name),
    Column("race", "種目", lambda r, h: r.race_name),
    Column("race_code", "種目コード", lambda r, h: r.race_code),
    Column("event_number", "種目番号", lambda r, h: r.race_number),
    Column("round", "ラウンド", lambda r, h: r.round_number),
    Column("distance", "距離", lambda r, h: r.distance),
    Column("heat", "組", lambda r, h: r.heat_number),
    Column("start_date", "日付", lambda r, h: _tokyo(r.start_at, "%Y/%m/%d")),
    Column("start_time", "スタート時刻", lambda r, h: _tokyo(r.start_at, "%H:%M")),
    Column("position", "腰ナンバー", lambda r, h: r.position),
    Column("bib", "ゼッケン", lambda r, h: r.bib),
    Column("name", "氏名", lambda r, h: r.full_name),
    Column("last_name", "姓", lambda r, h: r.last_name),
    Column("first_name", "名", lambda r, h: r.first_name),
    Column("name_kana", "フリガナ", lambda r, h: r.full_name_kana),
    Column("last_name_kana", "セイ", lambda r, h: r.last_name_kana),
    Column("first_name_kana", "メイ", lambda r, h: r.first_name_kana),
    Column("name_romaji", "ローマ字", lambda r, h: r.full_name_romaji),
    Column("last_name_romaji", "姓（ローマ字）", lambda r, h: r.last_name_romaji_ascii),
    Column("first_name_romaji", "名（ローマ字）", lambda r, h: r.first_name_romaji_ascii),
    Column("organization", "所属", lambda r, h: r.organization),
    Column("declared_time", "申告タイム", lambda r, h: format_time(r.declared_time, hours=h)),
    Column("jaaf_id", "JAAF ID", lambda r, h: r.jaaf_id),
    Column("slot_id", "管理ID", lambda r, h: r.slot_id),
)
COLUMNS: dict[str, Column] = {column.key: column for column in _COLUMN_LIST}

# SPEC §8: meet, race, heat, start time, position, bib, names (kanji, kana, romaji),
# organization short name, declared time, JAAF ID.
START_LIST_COLUMNS = (
    "meet",
    "race",
    "heat",
    "start_time",
    "position",
    "bib",
    "name",
    "name_kana",
    "name_romaji",
    "organization",
    "declared_time",
    "jaaf_id",
)


def running_order(rows: Iterable[StartListRow]) -> list[StartListRow]:
    """Rows by race, round, heat and position — the order every start list is printed in."""
    return sorted(rows, key=lambda r: (r.race_number, r.round_number, r.heat_number, r.position))


def table(
    rows: Iterable[StartListRow], keys: Iterable[str], *, hours: bool = False
) -> list[list[object]]:
    """The cells of `keys` for each row, in running order (no header)."""
    columns = [COLUMNS[key] for key in keys]
    return [[column.value(row, hours) for column in columns] for row in running_order(rows)]


def start_list_csv(
    rows: Iterable[StartListRow],
    encoding: CsvEncoding = CsvEncoding.UTF8_BOM,
    *,
    hours: bool = False,
) -> bytes:
    """The start-list CSV of SPEC §8: Japanese header, one line per runner in running order."""
    header = [COLUMNS[key].label for key in START_LIST_COLUMNS]
    return write_csv([header, *table(rows, START_LIST_COLUMNS, hours=hours)], encoding)
