"""Bib numbers (ゼッケン, SPEC §6): numbers per meet from category ranges. Pure.

Rules
- A category is "ncg_" or "general_" + the race gender code (M/F/X); its range comes from the
  meet's ``bib_ranges`` setting, ``{"general_M": [1000, 1999], …}``, both ends inclusive.
- Slots are numbered in race order, heat running order, position (``BibSlot.order``), each taking
  the lowest number of its range that is free in the whole meet.
- ``assign_bibs`` is stable: it numbers only slots that need a bib and have none; numbers already
  held (by any slot, or listed in ``taken``) are never given again, even to a slot that no longer
  needs one (DNS, withdrawn) and keeps its number.
- ``renumber_all`` numbers every slot that needs a bib from the start of its range and clears the
  bib of slots that do not; only ``taken`` (numbers held outside ``slots``) is avoided.
- All or nothing: when any category lacks numbers, ``BibRangeOverflow`` names every short
  category with the count needed and available, and no plan is returned.
Both functions return only the changes: ``{slot_id: new bib or None}``; a re-run returns ``{}``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from itertools import combinations, islice

GENDER_LABELS = {"M": "男子", "F": "女子", "X": "混合"}
KIND_LABELS = {"ncg": "NCG", "general": "一般"}


@dataclass(frozen=True, slots=True)
class BibSlot:
    """One heat assignment as bib numbering needs it."""

    slot_id: int
    category: str  # category_key(...)
    race_rank: int  # the race's place in the meet's race order
    heat_number: int  # running order within the race
    position: int  # 腰ナンバー within the heat
    bib: int | None = None
    needs_bib: bool = True  # False for DNS / withdrawn

    @property
    def order(self) -> tuple[int, int, int, int]:
        return (self.race_rank, self.heat_number, self.position, self.slot_id)


@dataclass(frozen=True, slots=True)
class Shortage:
    category: str
    needed: int
    available: int
    bounds: tuple[int, int] | None  # None: the meet has no range for the category

    @property
    def message(self) -> str:
        label = category_label(self.category)
        if self.bounds is None:
            return f"{label}のゼッケン範囲が設定されていません（必要 {self.needed}件）"
        low, high = self.bounds
        return (
            f"{label}のゼッケンが足りません: 必要 {self.needed}件、"
            f"空き {self.available}件（範囲 {low}〜{high}）"
        )


class BibRangeOverflow(Exception):
    """Some category's range is too small; nothing may be assigned."""

    def __init__(self, shortages: Iterable[Shortage]):
        self.shortages = tuple(shortages)
        super().__init__("。".join(shortage.message for shortage in self.shortages))


def category_key(is_ncg: bool, gender_code: str) -> str:
    """The ``bib_ranges`` key of a race: ``category_key(False, "M") == "general_M"``."""
    return f"{'ncg' if is_ncg else 'general'}_{gender_code}"


def category_label(category: str) -> str:
    """Japanese label of a category: "general_M" → 一般男子, "ncg_F" → NCG女子."""
    kind, _, gender = category.partition("_")
    if kind not in KIND_LABELS or gender not in GENDER_LABELS:
        return category
    return KIND_LABELS[kind] + GENDER_LABELS[gender]


def range_problems(ranges: Mapping[str, Sequence[int]]) -> list[str]:
    """Japanese problems of a ``bib_ranges`` setting (bad bounds, overlaps); empty when fine."""
    problems, valid = [], []
    for category, bounds in ranges.items():
        if len(bounds) != 2 or not 1 <= bounds[0] <= bounds[1]:
            problems.append(f"{category_label(category)}の範囲が正しくありません: {list(bounds)}")
        else:
            valid.append((bounds[0], bounds[1], category))
    valid.sort()
    for (_, high, first), (low, _, second) in combinations(valid, 2):
        if low <= high:
            problems.append(
                f"{category_label(first)}と{category_label(second)}の範囲が重なっています"
            )
    return problems


def assign_bibs(
    slots: Iterable[BibSlot], ranges: Mapping[str, Sequence[int]], *, taken: Iterable[int] = ()
) -> dict[int, int]:
    """Number the slots that need a bib and have none; keep every existing number."""
    slots = list(slots)
    used = set(taken) | {slot.bib for slot in slots if slot.bib is not None}
    waiting = [slot for slot in slots if slot.needs_bib and slot.bib is None]
    return _allocate(waiting, ranges, used)


def renumber_all(
    slots: Iterable[BibSlot], ranges: Mapping[str, Sequence[int]], *, taken: Iterable[int] = ()
) -> dict[int, int | None]:
    """Number every slot that needs a bib afresh and clear the others; return the changes."""
    slots = list(slots)
    plan = _allocate([slot for slot in slots if slot.needs_bib], ranges, set(taken))
    return {
        slot.slot_id: plan.get(slot.slot_id) for slot in slots if plan.get(slot.slot_id) != slot.bib
    }


def _allocate(
    waiting: list[BibSlot], ranges: Mapping[str, Sequence[int]], used: set[int]
) -> dict[int, int]:
    by_category: dict[str, list[BibSlot]] = {}
    for slot in sorted(waiting, key=lambda slot: slot.order):
        by_category.setdefault(slot.category, []).append(slot)
    used = set(used)
    plan, shortages = {}, []
    for category, category_slots in by_category.items():
        bounds = _bounds(ranges, category)
        available = _free_count(bounds, used)
        if available < len(category_slots):
            shortages.append(Shortage(category, len(category_slots), available, bounds))
            continue
        numbers = list(islice(_free_numbers(bounds, used), len(category_slots)))
        plan.update(zip((slot.slot_id for slot in category_slots), numbers, strict=True))
        used.update(numbers)
    if shortages:
        raise BibRangeOverflow(shortages)
    return plan


def _bounds(ranges: Mapping[str, Sequence[int]], category: str) -> tuple[int, int] | None:
    bounds = ranges.get(category)
    return None if bounds is None else (int(bounds[0]), int(bounds[1]))


def _free_count(bounds: tuple[int, int] | None, used: set[int]) -> int:
    if bounds is None:
        return 0
    low, high = bounds
    return max(0, high - low + 1 - sum(1 for number in used if low <= number <= high))


def _free_numbers(bounds: tuple[int, int], used: set[int]) -> Iterable[int]:
    low, high = bounds
    return (number for number in range(low, high + 1) if number not in used)
