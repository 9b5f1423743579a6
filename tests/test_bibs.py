"""Bib numbers (nitsys.domain.bibs): order, stability, ranges and all-or-nothing overflow."""

from dataclasses import replace

import pytest
from hypothesis import given
from hypothesis import strategies as st

from nitsys.domain.bibs import (
    BibRangeOverflow,
    BibSlot,
    assign_bibs,
    category_key,
    category_label,
    range_problems,
    renumber_all,
)

RANGES = {
    "ncg_M": [1, 499],
    "ncg_F": [500, 999],
    "general_M": [1000, 1999],
    "general_F": [2000, 2999],
    "ncg_X": [3000, 3499],
    "general_X": [3500, 3999],
}


def slot(slot_id, *, category="general_M", race=1, heat=1, position=None, bib=None, needs=True):
    return BibSlot(slot_id, category, race, heat, position or slot_id, bib, needs)


def apply(slots, changes):
    return [replace(s, bib=changes.get(s.slot_id, s.bib)) for s in slots]


@pytest.mark.parametrize(
    ("is_ncg", "gender", "key", "label"),
    [
        (True, "M", "ncg_M", "NCG男子"),
        (True, "F", "ncg_F", "NCG女子"),
        (False, "M", "general_M", "一般男子"),
        (False, "F", "general_F", "一般女子"),
        (False, "X", "general_X", "一般混合"),
    ],
)
def test_category_keys_and_japanese_labels(is_ncg, gender, key, label):
    assert category_key(is_ncg, gender) == key
    assert category_label(key) == label


def test_bibs_follow_race_order_then_heat_running_order_then_position():
    slots = [
        slot(1, race=2, heat=1, position=1),
        slot(2, race=1, heat=2, position=1),
        slot(3, race=1, heat=1, position=2),
        slot(4, race=1, heat=1, position=1),
        slot(5, category="ncg_F", race=0),
    ]

    assert assign_bibs(slots, RANGES) == {4: 1000, 3: 1001, 2: 1002, 1: 1003, 5: 500}


def test_a_withdrawn_slot_gets_no_bib():
    slots = [slot(1), slot(2, needs=False), slot(3)]

    assert assign_bibs(slots, RANGES) == {1: 1000, 3: 1001}


def test_a_re_run_changes_nothing_and_only_fills_gaps():
    slots = [slot(i) for i in range(1, 6)]
    numbered = apply(slots, assign_bibs(slots, RANGES))
    assert assign_bibs(numbered, RANGES) == {}

    # Runner 2 withdrew after numbering (keeps 1001), runner 6 was confirmed late in heat 1.
    numbered[1] = replace(numbered[1], needs_bib=False)
    numbered.append(slot(6, position=1))

    assert assign_bibs(numbered, RANGES) == {6: 1005}


def test_numbers_held_elsewhere_in_the_meet_are_skipped():
    slots = [slot(1), slot(2), slot(3)]

    assert assign_bibs(slots, RANGES, taken=[1000, 1002]) == {1: 1001, 2: 1003, 3: 1004}


def test_a_range_overflow_names_the_category_and_assigns_nothing():
    ranges = {**RANGES, "general_M": [1000, 1002]}
    slots = [slot(1, category="ncg_M"), *(slot(i) for i in range(2, 6))]

    with pytest.raises(BibRangeOverflow) as raised:
        assign_bibs(slots, ranges)

    (shortage,) = raised.value.shortages
    assert (shortage.category, shortage.needed, shortage.available) == ("general_M", 4, 3)
    assert (
        str(raised.value) == "一般男子のゼッケンが足りません: 必要 4件、空き 3件（範囲 1000〜1002）"
    )


def test_a_category_without_a_range_is_refused():
    with pytest.raises(BibRangeOverflow, match="一般混合のゼッケン範囲が設定されていません"):
        assign_bibs([slot(1, category="general_X")], {"general_M": [1000, 1999]})


def test_renumber_all_starts_each_range_afresh_and_clears_withdrawn_slots():
    slots = [slot(1, bib=1007), slot(2, bib=1003, needs=False), slot(3, bib=1001)]

    assert renumber_all(slots, RANGES) == {1: 1000, 2: None}


def test_renumber_all_that_overflows_raises():
    slots = [slot(1, bib=1000), slot(2, bib=1001)]

    with pytest.raises(BibRangeOverflow):
        renumber_all(slots, {"general_M": [1000, 1000]})


@pytest.mark.parametrize(
    ("ranges", "problems"),
    [
        (RANGES, []),
        (
            {"general_M": [1000, 1999], "general_F": [1500, 2999]},
            ["一般男子と一般女子の範囲が重なっています"],
        ),
        ({"ncg_M": [500, 1]}, ["NCG男子の範囲が正しくありません: [500, 1]"]),
        ({"ncg_M": [0, 10]}, ["NCG男子の範囲が正しくありません: [0, 10]"]),
        (
            {"ncg_M": [1, 999], "ncg_F": [10, 20], "ncg_X": [30, 40]},
            ["NCG男子とNCG女子の範囲が重なっています", "NCG男子とNCG混合の範囲が重なっています"],
        ),
    ],
)
def test_range_problems(ranges, problems):
    assert range_problems(ranges) == problems


SMALL_RANGES = {"general_M": [1, 60], "general_F": [61, 120]}


def to_slots(rows):
    """Slots 1..n; a bib already held by an earlier slot is dropped (bibs are unique)."""
    slots, held = [], set()
    for slot_id, (category, race, heat, position, offset, needs_bib) in enumerate(rows, start=1):
        bib = None if offset is None else SMALL_RANGES[category][0] + offset
        bib = None if bib in held else bib
        held.add(bib)
        slots.append(BibSlot(slot_id, category, race, heat, position, bib, needs_bib))
    return slots


bib_slots = st.lists(
    st.tuples(
        st.sampled_from(sorted(SMALL_RANGES)),
        st.integers(0, 3),
        st.integers(1, 3),
        st.integers(1, 40),
        st.none() | st.integers(0, 59),
        st.booleans(),
    ),
    max_size=50,
).map(to_slots)


@given(bib_slots)
def test_bibs_are_unique_in_range_stable_and_complete(slots):
    changes = assign_bibs(slots, SMALL_RANGES)
    after = apply(slots, changes)

    bibs = [s.bib for s in after if s.bib is not None]
    assert len(bibs) == len(set(bibs))
    for before, now in zip(slots, after, strict=True):
        if before.bib is not None:
            assert now.bib == before.bib
        elif before.needs_bib:
            low, high = SMALL_RANGES[now.category]
            assert low <= now.bib <= high
        else:
            assert now.bib is None
    assert assign_bibs(after, SMALL_RANGES) == {}


@given(bib_slots)
def test_renumber_all_gives_unique_in_range_bibs_only_to_slots_that_need_one(slots):
    after = apply(slots, renumber_all(slots, SMALL_RANGES))

    bibs = [s.bib for s in after if s.bib is not None]
    assert len(bibs) == len(set(bibs))
    for s in after:
        low, high = SMALL_RANGES[s.category]
        assert (low <= s.bib <= high) if s.needs_bib else s.bib is None
    assert renumber_all(after, SMALL_RANGES) == {}
