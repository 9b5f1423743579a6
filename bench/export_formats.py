"""Speed of the pure export writers on a full-size synthetic meet (no database).

Run: .venv/bin/python -m bench.export_formats
Data: 2,380 start slots — men's 5000 m 34 heats × 40 (the SPEC's largest race), women's 3000 m
17 × 40, and two smaller races of 20 per heat — with Japanese names, so the CP932 / UTF-16
encoders do real work. The figure printed is the best of 20 runs.
Targets from issue 8 (which include the database query the next session adds): start-list CSV
for the men's 5000 m < 25 ms, the Lynx zip for the meet < 300 ms.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

from nitsys.domain.lynx import LynxEncoding, lynx_files, lynx_zip, read_lif
from nitsys.domain.startlist import StartListRow, start_list_csv
from nitsys.domain.timing_csv import HeaderStyle, TimingProfile, timing_csv
from nitsys.reports.csv_files import CsvEncoding, csv_text

RACES = [("男子5000m", "M5000", 5000, 34), ("女子5000m", "F5000", 5000, 9),
         ("男子10000m", "M10000", 10000, 8), ("女子3000m", "F3000", 3000, 17)]  # fmt: skip
FIRST_START = datetime(2026, 5, 16, 0, 40, tzinfo=UTC)


def meet_rows() -> list[StartListRow]:
    rows, bib, start = [], 1, FIRST_START
    for number, (name, code, distance, heats) in enumerate(RACES, start=1):
        for heat in range(1, heats + 1):
            for position in range(1, 41 if heats > 9 else 21):
                rows.append(StartListRow(
                    meet_name="第325回日本体育大学長距離競技会", race_name=name, race_code=code,
                    race_number=number, distance=distance, heat_number=heat, position=position,
                    bib=bib, last_name="髙橋", first_name=f"健太{bib}", last_name_kana="タカハシ",
                    first_name_kana="ケンタ", last_name_romaji="TAKAHASHI", first_name_romaji="Kenta",
                    organization="日本体育大学", declared_time=84_000 + bib, jaaf_id=f"{bib:011d}",
                    slot_id=bib, start_at=start,
                ))  # fmt: skip
                bib += 1
            start += timedelta(minutes=17)
    return rows


def timed(label: str, function, repeat: int = 20) -> None:
    best = min(_once(function) for _ in range(repeat))
    print(f"{label:<48} {best * 1000:8.1f} ms (best of {repeat})")


def _once(function) -> float:
    began = time.perf_counter()
    function()
    return time.perf_counter() - began


def main() -> None:
    rows = meet_rows()
    men_5000 = [r for r in rows if r.race_number == 1]
    heat = [r for r in men_5000 if r.heat_number == 1]
    lif = csv_text([[1, 1, 1, "男子5000m", "", "", "", "", "", 5000, "09:40:00.000"]] + [
        [r.position, r.bib, r.position, r.last_name, r.first_name, r.organization,
         f"14:{r.position:02d}.123", r.jaaf_id, "", "", "", "", r.slot_id] for r in heat
    ]).encode("cp932")  # fmt: skip
    profile = TimingProfile(
        name="bench",
        columns=("bib", "name", "name_kana", "organization"),
        header=HeaderStyle.LABELS,
    )
    print(f"meet: {len(rows)} slots; men's 5000 m: {len(men_5000)} slots")
    timed("start-list CSV, men's 5000 m, UTF-8 BOM", lambda: start_list_csv(men_5000))
    timed(
        "start-list CSV, men's 5000 m, CP932", lambda: start_list_csv(men_5000, CsvEncoding.CP932)
    )
    timed("start-list CSV, whole meet, UTF-8 BOM", lambda: start_list_csv(rows))
    timed("timing CSV, whole meet, CP932", lambda: timing_csv(rows, profile))
    for encoding in LynxEncoding:
        timed(f"Lynx files, whole meet, {encoding.name}", lambda e=encoding: lynx_files(rows, e))
    timed("Lynx zip, whole meet, UNICODE", lambda: lynx_zip(rows, LynxEncoding.UNICODE))
    timed(".lif read, one heat of 40", lambda: read_lif(lif))


if __name__ == "__main__":
    main()
