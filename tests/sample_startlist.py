"""A small meet day as start-list rows, shared by the export tests and their golden files.

Chosen to exercise the awkward cases: the women's race runs first although its event number
is higher, an affiliation with a comma, a name with a quote mark, romaji with a macron, a
full-width ASCII short name, CP932's IBM-extension kanji (髙, 﨑) and a runner without JAAF ID.
"""

from __future__ import annotations

from datetime import UTC, datetime

from nitsys.domain.startlist import StartListRow

MEET = "第325回日本体育大学長距離競技会"


def _at(hour: int, minute: int) -> datetime:
    return datetime(2026, 5, 16, hour - 9, minute, tzinfo=UTC)  # JST hour → UTC


def _men(heat: int, position: int, bib: int, **names) -> StartListRow:
    return StartListRow(
        meet_name=MEET,
        race_name="男子5000m",
        race_code="M5000",
        race_number=1,
        distance=5000,
        heat_number=heat,
        position=position,
        bib=bib,
        start_at=_at(10, 0 if heat == 1 else 20),
        slot_id=100 + bib,
        **names,
    )


def _women(position: int, bib: int, **names) -> StartListRow:
    return StartListRow(
        meet_name=MEET,
        race_name="女子3000m",
        race_code="F3000",
        race_number=2,
        distance=3000,
        heat_number=1,
        position=position,
        bib=bib,
        start_at=_at(9, 40),
        slot_id=200 + bib,
        **names,
    )


def rows() -> list[StartListRow]:
    """In no particular order, as a query might return them."""
    return [
        _men(2, 1, 1003, last_name="髙橋", first_name="健太", last_name_kana="タカハシ",
             first_name_kana="ケンタ", last_name_romaji="Takahashi", first_name_romaji="Kenta",
             organization="日体大", declared_time=83_950, jaaf_id="00123456789"),
        _men(1, 2, 1002, last_name="山﨑", first_name="翔", last_name_kana="ヤマザキ",
             first_name_kana="ショウ", last_name_romaji="YAMAZAKI", first_name_romaji="Sho",
             organization="ＮＳＳＵ", declared_time=86_012, jaaf_id="00123456780"),
        _women(1, 2001, last_name="大野", first_name="花子", last_name_kana="オオノ",
               first_name_kana="ハナコ", last_name_romaji="Ōno", first_name_romaji="Hanako",
               organization="横浜AC, 陸上部", declared_time=58_500, jaaf_id="00987654321"),
        _men(1, 1, 1001, last_name="佐藤", first_name="優希", last_name_kana="サトウ",
             first_name_kana="ユウキ", last_name_romaji="SATO", first_name_romaji="Yuki",
             organization="日体大", declared_time=87_000, jaaf_id=""),
        _women(2, 2002, last_name='O"Brien', first_name="Mary", last_name_kana="オブライエン",
               first_name_kana="メアリー", last_name_romaji='O"Brien', first_name_romaji="Mary",
               organization="日体大", declared_time=61_234, jaaf_id="00987654322"),
    ]  # fmt: skip
