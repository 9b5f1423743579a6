"""NCG selection (NITTAI CHALLENGE GAMES, SPEC §6): who keeps a place in an NCG race. Pure.

Rules
- The pool of one NCG race is its confirmed entries *plus* the entries an earlier selection moved
  out of it into the fallback race (``Entry.original_race_id`` is the NCG race). Selecting from
  this pool makes the selection re-runnable: the answer never depends on where entries are now.
- The top ``capacity`` by declared time stay; everyone tied with the N-th stays too (a tie at
  place 35 keeps both). Everyone else moves to the fallback race.
- ``selection_moves`` turns a selection into the moves from the current placement (nothing to do
  on a re-run); ``reversal_moves`` undoes every earlier move. Services allow both only while no
  heat of either race is locked.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class NcgEntry:
    entry_id: int
    declared_time: int  # hundredths of a second
    in_fallback: bool = False  # moved to the fallback race by an earlier selection


@dataclass(frozen=True, slots=True)
class Selection:
    kept: tuple[int, ...]  # fastest first (declared time, then entry id)
    moved: tuple[int, ...]
    cut_time: int | None  # declared time of the N-th place; None when nobody has to move


@dataclass(frozen=True, slots=True)
class NcgMoves:
    to_fallback: tuple[int, ...]
    back_to_ncg: tuple[int, ...]

    @property
    def is_empty(self) -> bool:
        return not self.to_fallback and not self.back_to_ncg


def select_ncg(entries: Iterable[NcgEntry], capacity: int) -> Selection:
    """The top ``capacity`` by declared time and all tied with the last of them stay."""
    if capacity < 1:
        raise ValueError("capacity must be at least 1")
    ordered = _ordered(entries)
    if len(ordered) <= capacity:
        return Selection(tuple(entry.entry_id for entry in ordered), (), None)
    cut_time = ordered[capacity - 1].declared_time
    kept = tuple(entry.entry_id for entry in ordered if entry.declared_time <= cut_time)
    moved = tuple(entry.entry_id for entry in ordered if entry.declared_time > cut_time)
    return Selection(kept, moved, cut_time)


def selection_moves(entries: Iterable[NcgEntry], capacity: int) -> NcgMoves:
    """Moves that bring the current placement to the selection (empty when already there)."""
    pool = _ordered(entries)
    kept = set(select_ncg(pool, capacity).kept)
    return NcgMoves(
        to_fallback=tuple(e.entry_id for e in pool if not e.in_fallback and e.entry_id not in kept),
        back_to_ncg=tuple(e.entry_id for e in pool if e.in_fallback and e.entry_id in kept),
    )


def reversal_moves(entries: Iterable[NcgEntry]) -> NcgMoves:
    """Undo the selection: every entry moved out of the NCG race goes back."""
    moved_out = tuple(e.entry_id for e in _ordered(entries) if e.in_fallback)
    return NcgMoves(to_fallback=(), back_to_ncg=moved_out)


def _ordered(entries: Iterable[NcgEntry]) -> list[NcgEntry]:
    return sorted(entries, key=lambda entry: (entry.declared_time, entry.entry_id))
