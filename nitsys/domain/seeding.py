"""Heat seeding (番組編成, SPEC §6): confirmed entries of one race → heats. Pure and deterministic.

Rules
- Seed order is a total order: declared time, then personal best (entries without one after
  those with one), then earlier submission, then kana, then entry id.
- Heat count = ceil(n / capacity). Sizes differ by at most one; when n does not divide evenly
  the *faster* heats take the extra runner (41 at capacity 40 → fastest heat 21, next 20). Slower
  heats get the smaller fields because they spread out and are lapped the most in 5000/10000 m.
- The seed order is cut into contiguous blocks, fastest block first. With ``slow_first`` (the
  NSSU practice) heat 1 is the slowest block and the last heat the fastest; otherwise heat 1 is
  the fastest.
- Position in a heat (腰ナンバー) runs 1..k by seed order: position 1 is the fastest seed.
- Optional limit "at most K runners of one organization per heat": while a heat exceeds it, one
  runner of that organization is swapped with the nearest-time runner of a neighbouring heat.
  When the neighbour cannot take one (it is at the limit too), the nearest heat beyond it that
  can is used, so a large team clustered in time spreads outwards. Only swaps that create no new
  excess are made, so the total excess falls with every swap and the loop ends. An excess is
  left only when no heat can take part in a swap; it is reported, never raised.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import NamedTuple


@dataclass(frozen=True, slots=True)
class SeedEntry:
    """One confirmed entry as the seeding needs it; ``submitted_at`` is an aware datetime."""

    entry_id: int
    declared_time: int  # hundredths of a second
    personal_best: int | None
    submitted_at: datetime
    kana: str
    organization_id: int | None = None  # None (an individual) is never limited


@dataclass(frozen=True, slots=True)
class SeededHeat:
    number: int  # running order: heat 1 runs first
    entry_ids: tuple[int, ...]  # in position order, index 0 is position 1

    @property
    def positions(self) -> tuple[tuple[int, int], ...]:
        """(position, entry_id) pairs, positions 1..k."""
        return tuple(enumerate(self.entry_ids, start=1))


@dataclass(frozen=True, slots=True)
class Swap:
    """Two runners exchanged between neighbouring heats to respect the organization limit."""

    entry_id: int
    from_heat: int
    other_entry_id: int
    other_heat: int


@dataclass(frozen=True, slots=True)
class OrganizationExcess:
    """A heat where an organization still has more runners than the limit after swapping."""

    heat_number: int
    organization_id: int
    count: int
    limit: int
    reason: str  # Japanese, without the organization's name (the service adds it)


@dataclass(frozen=True, slots=True)
class SeedingResult:
    heats: tuple[SeededHeat, ...]  # ordered by heat number
    swaps: tuple[Swap, ...] = ()
    excesses: tuple[OrganizationExcess, ...] = ()


def seed_key(entry: SeedEntry) -> tuple:
    """Sort key of the seed order (fastest first); unique per entry, so the order is total."""
    no_best = entry.personal_best is None
    return (
        entry.declared_time,
        no_best,
        0 if no_best else entry.personal_best,
        entry.submitted_at,
        entry.kana,
        entry.entry_id,
    )


def heat_sizes(entry_count: int, capacity: int) -> list[int]:
    """Sizes of the heats from the fastest to the slowest: ceil(n / capacity) heats, balanced."""
    if capacity < 1:
        raise ValueError("capacity must be at least 1")
    if entry_count == 0:
        return []
    count = -(-entry_count // capacity)
    base, extra = divmod(entry_count, count)
    return [base + 1] * extra + [base] * (count - extra)


def heat_number(block: int, heat_count: int, *, slow_first: bool) -> int:
    """Heat number of the block at 0-based index ``block`` counted from the fastest."""
    return heat_count - block if slow_first else block + 1


def seed_heats(
    entries: Iterable[SeedEntry],
    capacity: int,
    *,
    slow_first: bool = True,
    max_per_organization: int | None = None,
) -> SeedingResult:
    """Seed one race's entries into heats (rules in the module docstring)."""
    ordered = sorted(entries, key=seed_key)
    if len({entry.entry_id for entry in ordered}) != len(ordered):
        raise ValueError("entry ids must be unique")
    blocks = _cut(ordered, heat_sizes(len(ordered), capacity))
    moves: list[_Option] = []
    excesses: list[OrganizationExcess] = []
    if max_per_organization is not None:
        if max_per_organization < 1:
            raise ValueError("max_per_organization must be at least 1")
        moves = _spread_organizations(blocks, max_per_organization)
        excesses = _excesses(blocks, max_per_organization, slow_first=slow_first)

    def number(block: int) -> int:
        return heat_number(block, len(blocks), slow_first=slow_first)

    heats = [
        SeededHeat(number(index), tuple(entry.entry_id for entry in block))
        for index, block in enumerate(blocks)
    ]
    swaps = [
        Swap(move.leaving.entry_id, number(move.block), move.joining.entry_id, number(move.other))
        for move in moves
    ]
    heats.sort(key=lambda heat: heat.number)
    return SeedingResult(tuple(heats), tuple(swaps), tuple(excesses))


def _cut(ordered: list[SeedEntry], sizes: list[int]) -> list[list[SeedEntry]]:
    blocks, start = [], 0
    for size in sizes:
        blocks.append(ordered[start : start + size])
        start += size
    return blocks


class _Option(NamedTuple):
    leaving: SeedEntry  # a runner of the over-represented organization
    block: int
    joining: SeedEntry  # the runner of the other block it is exchanged with
    other: int


class _Candidate(NamedTuple):
    """A possible swap, compared field by field: nearest block, smallest gap, seed order."""

    distance: int  # blocks between the two
    gap: int  # declared-time difference
    leaving: int  # seed rank of the runner leaving the over-full block
    joining: int  # seed rank of the runner coming in
    block: int
    other: int


def _organization_counts(block: list[SeedEntry]) -> Counter:
    return Counter(e.organization_id for e in block if e.organization_id is not None)


def _spread_organizations(blocks: list[list[SeedEntry]], limit: int) -> list[_Option]:
    """Swap runners until no block exceeds ``limit`` or no allowed swap is left (mutates).

    Of all allowed swaps the one to the nearest heat with the smallest declared-time gap is made
    first (ties: seed order), which keeps the result independent of the input order."""
    # The blocks are still in seed order here, so an entry's place in them is its seed rank.
    seeded = [entry for block in blocks for entry in block]
    rank = {entry.entry_id: place for place, entry in enumerate(seeded)}
    made = []
    while (best := _best_swap(blocks, limit, rank)) is not None:
        swap = _Option(seeded[best.leaving], best.block, seeded[best.joining], best.other)
        for index, out, into in (
            (swap.block, swap.leaving, swap.joining),
            (swap.other, swap.joining, swap.leaving),
        ):
            blocks[index].remove(out)
            blocks[index].append(into)
            blocks[index].sort(key=lambda entry: rank[entry.entry_id])
        made.append(swap)
    return made


def _best_swap(
    blocks: list[list[SeedEntry]], limit: int, rank: dict[int, int]
) -> _Candidate | None:
    counts = [_organization_counts(block) for block in blocks]
    candidates = [
        found
        for index in range(len(blocks))
        for organization, count in counts[index].items()
        if count > limit
        for step in (-1, 1)
        if (found := _nearest_swap(blocks, counts, (index, organization, step), limit, rank))
    ]
    return min(candidates, default=None)


def _nearest_swap(
    blocks: list[list[SeedEntry]],
    counts: list[Counter],
    excess: tuple[int, int, int],
    limit: int,
    rank: dict[int, int],
) -> _Candidate | None:
    """Best swap of a runner of the organization out of block ``index`` with the nearest block
    in direction ``step`` that has a runner to swap with."""
    index, organization, step = excess
    leaving = [
        (e.declared_time, rank[e.entry_id])
        for e in blocks[index]
        if e.organization_id == organization
    ]
    other = index + step
    while 0 <= other < len(blocks):
        if counts[other][organization] < limit:
            joining = [
                (e.declared_time, rank[e.entry_id])
                for e in blocks[other]
                if e.organization_id != organization
                and (e.organization_id is None or counts[index][e.organization_id] < limit)
            ]
            if joining:
                gap, a, b = min(
                    (abs(time_a - time_b), a, b) for time_a, a in leaving for time_b, b in joining
                )
                return _Candidate(abs(other - index), gap, a, b, index, other)
        other += step
    return None


def _excesses(
    blocks: list[list[SeedEntry]], limit: int, *, slow_first: bool
) -> list[OrganizationExcess]:
    totals = Counter()
    counts = [_organization_counts(block) for block in blocks]
    for block_counts in counts:
        totals.update(block_counts)
    found = []
    for index, block_counts in enumerate(counts):
        for organization, count in sorted(block_counts.items()):
            if count > limit:
                number = heat_number(index, len(blocks), slow_first=slow_first)
                reason = _excess_reason(totals[organization], len(blocks), limit)
                found.append(OrganizationExcess(number, organization, count, limit, reason))
    found.sort(key=lambda excess: (excess.heat_number, excess.organization_id))
    return found


def _excess_reason(total: int, heat_count: int, limit: int) -> str:
    if total > heat_count * limit:
        return f"出走者{total}名が{heat_count}組×上限{limit}名を超えています"
    return "他の組に入れ替えられる選手がいません"
