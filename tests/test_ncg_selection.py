"""NCG selection (nitsys.domain.ncg): the top N stay, ties at the cut stay, re-runs are stable."""

from dataclasses import replace

import pytest
from hypothesis import given
from hypothesis import strategies as st

from nitsys.domain.ncg import NcgEntry, reversal_moves, select_ncg, selection_moves


def field(times):
    """Entries with ids 1..n and the given declared times."""
    return [NcgEntry(i, time) for i, time in enumerate(times, start=1)]


def apply(entries, moves):
    """The entries as the service leaves them after carrying out ``moves``."""
    out, back = set(moves.to_fallback), set(moves.back_to_ncg)
    return [
        replace(e, in_fallback=(e.in_fallback or e.entry_id in out) and e.entry_id not in back)
        for e in entries
    ]


def test_the_top_35_stay_and_the_rest_move():
    entries = field(range(90000, 90040))

    selection = select_ncg(entries, 35)

    assert selection.kept == tuple(range(1, 36))
    assert selection.moved == (36, 37, 38, 39, 40)
    assert selection.cut_time == 90034


def test_a_tie_at_place_35_keeps_both():
    times = [*range(90000, 90034), 90100, 90100, 90200, 90300]

    selection = select_ncg(field(times), 35)

    assert selection.kept == tuple(range(1, 37))
    assert selection.moved == (37, 38)


@pytest.mark.parametrize(
    ("times", "kept", "moved"),
    [
        ([100, 200, 200, 200, 300], (1, 2, 3, 4), (5,)),  # tie from place 2 to 4, capacity 3
        ([100, 200, 300, 300], (1, 2, 3, 4), ()),  # tie at places 3 and 4 keeps everyone
        ([100, 200], (1, 2), ()),  # fewer entries than places
        ([300, 100, 200, 400], (2, 3, 1), (4,)),  # input order does not matter
    ],
)
def test_ties_at_the_cut_with_capacity_3(times, kept, moved):
    selection = select_ncg(field(times), 3)

    assert (selection.kept, selection.moved) == (kept, moved)


def test_a_re_run_moves_nobody_and_a_reversal_brings_everyone_back():
    entries = field([100, 200, 300, 400, 500])

    first = selection_moves(entries, 3)
    after = apply(entries, first)

    assert first.to_fallback == (4, 5)
    assert selection_moves(after, 3).is_empty
    undo = reversal_moves(after)
    assert undo.back_to_ncg == (4, 5)
    assert apply(after, undo) == entries


def test_a_withdrawal_among_the_kept_brings_the_fastest_moved_runner_back():
    after_first_run = [
        replace(e, in_fallback=e.entry_id > 3) for e in field([100, 200, 300, 400, 500])
    ]
    without_runner_2 = [e for e in after_first_run if e.entry_id != 2]

    moves = selection_moves(without_runner_2, 3)

    assert moves.back_to_ncg == (4,)
    assert moves.to_fallback == ()


def test_capacity_must_be_positive():
    with pytest.raises(ValueError):
        select_ncg(field([100]), 0)


ncg_pools = st.lists(
    st.builds(
        NcgEntry,
        entry_id=st.integers(min_value=1, max_value=10_000),
        declared_time=st.integers(min_value=90000, max_value=90010),
        in_fallback=st.booleans(),
    ),
    max_size=60,
    unique_by=lambda e: e.entry_id,
)
ncg_capacities = st.integers(min_value=1, max_value=40)


@given(ncg_pools, ncg_capacities)
def test_selection_keeps_the_fastest_and_only_ties_beyond_capacity(entries, capacity):
    selection = select_ncg(entries, capacity)
    time = {e.entry_id: e.declared_time for e in entries}

    assert sorted(selection.kept + selection.moved) == sorted(time)
    assert len(selection.kept) >= min(capacity, len(entries))
    if selection.moved:
        assert max(time[i] for i in selection.kept) < min(time[i] for i in selection.moved)
    extra = selection.kept[capacity:]
    assert all(time[i] == selection.cut_time for i in extra)


@given(ncg_pools, ncg_capacities)
def test_selection_ignores_where_entries_are_now_and_a_re_run_is_empty(entries, capacity):
    all_in_ncg = [replace(e, in_fallback=False) for e in entries]

    assert select_ncg(entries, capacity) == select_ncg(all_in_ncg, capacity)
    after = apply(entries, selection_moves(entries, capacity))
    assert selection_moves(after, capacity).is_empty
    moved = {e.entry_id for e in after if e.in_fallback}
    assert moved == set(select_ncg(entries, capacity).moved)
