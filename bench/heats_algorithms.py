"""Time the pure programme algorithms on a demo-sized meet: 2,600 entries in 9 races.

Run from the repository root:  .venv/bin/python -m bench.heats_algorithms
Prints the median of several runs in milliseconds; there are no thresholds here.
"""

from __future__ import annotations

import random
import statistics
import time
from datetime import UTC, datetime, timedelta

from nitsys.demo.meets import DEMO_BIB_RANGES
from nitsys.domain.bibs import (
    BibRangeOverflow,
    BibSlot,
    assign_bibs,
    category_key,
    renumber_all,
)
from nitsys.domain.ncg import NcgEntry, select_ncg
from nitsys.domain.seeding import SeedEntry, seed_heats
from nitsys.domain.timetable import race_timetable
from nitsys.models.meets import default_bib_ranges

DEFAULT_RANGES = default_bib_ranges()
# ~2,000 general men do not fit the default 1000–1999: the timed runs use the demo meet's ranges.
RANGES = DEMO_BIB_RANGES
# (name, gender, NCG?, entries, fastest declared time in hundredths); NCG races fall back to the
# general race of the same gender and distance.
RACES = [
    ("NCG男子5000m", "M", True, 120, 82000),
    ("NCG男子10000m", "M", True, 80, 172000),
    ("NCG女子3000m", "F", True, 50, 55000),
    ("NCG女子5000m", "F", True, 50, 95000),
    ("男子5000m", "M", False, 1300, 84000),
    ("男子10000m", "M", False, 450, 176000),
    ("男子1500m", "M", False, 150, 23000),
    ("女子3000m", "F", False, 250, 57000),
    ("女子5000m", "F", False, 150, 98000),
]
FALLBACK = {name: name.removeprefix("NCG") for name, _, is_ncg, _, _ in RACES if is_ncg}
REPEATS = 7


def synthetic_entries(rnd: random.Random) -> dict[str, list[SeedEntry]]:
    """Entries per race; team sizes are skewed like real meets (a few universities send many)."""
    teams = [team for team in range(1, 151) for _ in range(max(1, 40 // team))]
    opened = datetime(2026, 6, 1, tzinfo=UTC)
    entries: dict[str, list[SeedEntry]] = {}
    entry_id = 0
    for name, _, _, count, fastest in RACES:
        entries[name] = []
        for _ in range(count):
            entry_id += 1
            declared = fastest + int(rnd.triangular(0, fastest * 0.35, fastest * 0.12))
            best = None if rnd.random() < 0.3 else declared - rnd.randint(0, 1500)
            submitted = opened + timedelta(minutes=rnd.randint(0, 40000))
            kana = "".join(rnd.choice("アイウエオカキクケコサシスセソ") for _ in range(5))
            entries[name].append(
                SeedEntry(entry_id, declared, best, submitted, kana, rnd.choice(teams))
            )
    return entries


def run_ncg(entries: dict[str, list[SeedEntry]]) -> dict[str, list[SeedEntry]]:
    """Select every NCG race (capacity 35) and move the rest into the fallback races."""
    placed = {name: list(race_entries) for name, race_entries in entries.items()}
    for ncg_race, fallback in FALLBACK.items():
        pool = [NcgEntry(e.entry_id, e.declared_time) for e in entries[ncg_race]]
        moved = set(select_ncg(pool, 35).moved)
        placed[ncg_race] = [e for e in entries[ncg_race] if e.entry_id not in moved]
        placed[fallback] += [e for e in entries[ncg_race] if e.entry_id in moved]
    return placed


def run_seeding(entries: dict[str, list[SeedEntry]], limit: int | None) -> dict:
    return {
        name: seed_heats(race_entries, 40, slow_first=True, max_per_organization=limit)
        for name, race_entries in entries.items()
    }


def bib_slots(programme: dict) -> list[BibSlot]:
    gender = {name: (g, is_ncg) for name, g, is_ncg, _, _ in RACES}
    slots = []
    for rank, (name, result) in enumerate(programme.items()):
        category = category_key(gender[name][1], gender[name][0])
        for heat in result.heats:
            for position, entry_id in heat.positions:
                slots.append(BibSlot(entry_id, category, rank, heat.number, position))
    return slots


def with_bibs(slots: list[BibSlot], changes: dict[int, int | None]) -> list[BibSlot]:
    return [
        BibSlot(s.slot_id, s.category, s.race_rank, s.heat_number, s.position, changes[s.slot_id])
        for s in slots
    ]


def run_timetable(programme: dict) -> int:
    first = datetime(2026, 7, 29, 0, 30, tzinfo=UTC)
    return sum(len(race_timetable(len(r.heats), first, 17)) for r in programme.values())


def median_ms(action) -> float:
    durations = []
    for _ in range(REPEATS):
        started = time.perf_counter()
        action()
        durations.append((time.perf_counter() - started) * 1000)
    return statistics.median(durations)


def main() -> None:
    entries = synthetic_entries(random.Random(325))
    placed = run_ncg(entries)
    programme = run_seeding(placed, None)
    slots = bib_slots(programme)
    numbered = with_bibs(slots, assign_bibs(slots, RANGES))
    limited = run_seeding(placed, 3)
    heat_count = sum(len(result.heats) for result in programme.values())
    print(f"{sum(map(len, entries.values()))} entries, {len(RACES)} races, {heat_count} heats")
    print(
        f"organization limit 3: {sum(len(r.swaps) for r in limited.values())} swaps, "
        f"{sum(len(r.excesses) for r in limited.values())} (heat, team) pairs still over the limit"
    )
    try:
        assign_bibs(slots, DEFAULT_RANGES)
    except BibRangeOverflow as overflow:
        print(f"default bib ranges: {overflow}")
    timings = {
        "NCG selection (4 races)": lambda: run_ncg(entries),
        "seeding, all races": lambda: run_seeding(placed, None),
        "seeding, all races, ≤3 per team": lambda: run_seeding(placed, 3),
        "bibs, first assignment": lambda: assign_bibs(slots, RANGES),
        "bibs, re-run (no change)": lambda: assign_bibs(numbered, RANGES),
        "bibs, renumber all": lambda: renumber_all(numbered, RANGES),
        "timetable, all heats": lambda: run_timetable(programme),
    }
    for label, action in timings.items():
        print(f"{label:36} {median_ms(action):8.2f} ms")


if __name__ == "__main__":
    main()
