"""Heat seeding (nitsys.domain.seeding): table tests for the named cases, properties for the rest."""

import random
from collections import Counter
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from nitsys.domain.seeding import SeedEntry, heat_sizes, seed_heats, seed_key

SUBMITTED = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)


def entry(entry_id, time, *, best=None, submitted=SUBMITTED, kana="あ", org=None):
    return SeedEntry(entry_id, time, best, submitted, kana, org)


def field(count, *, first_time=90000, org=None):
    """``count`` entries with ids 1..count, entry 1 fastest, one second apart."""
    return [entry(i, first_time + 100 * (i - 1), org=org) for i in range(1, count + 1)]


@pytest.mark.parametrize(
    ("entries", "capacity", "sizes"),
    [
        (0, 40, []),
        (1, 40, [1]),
        (40, 40, [40]),
        (41, 40, [21, 20]),
        (79, 40, [40, 39]),
        (81, 40, [27, 27, 27]),
        (82, 40, [28, 27, 27]),
        (1400, 40, [40] * 35),
    ],
)
def test_heat_sizes_are_balanced_with_the_extra_runner_in_the_faster_heats(
    entries, capacity, sizes
):
    assert heat_sizes(entries, capacity) == sizes


def test_41_runners_at_capacity_40_make_heats_of_21_and_20_not_40_and_1():
    result = seed_heats(field(41), 40)

    assert [len(heat.entry_ids) for heat in result.heats] == [20, 21]
    assert [heat.number for heat in result.heats] == [1, 2]


def test_slow_first_puts_the_fastest_runners_in_the_last_heat():
    heat_1, heat_2, heat_3 = seed_heats(field(9), 3, slow_first=True).heats

    assert heat_1.entry_ids == (7, 8, 9)
    assert heat_3.entry_ids == (1, 2, 3)
    assert heat_2.positions == ((1, 4), (2, 5), (3, 6))


def test_fast_first_puts_the_fastest_runners_in_heat_1():
    heat_1, _, heat_3 = seed_heats(field(9), 3, slow_first=False).heats

    assert heat_1.entry_ids == (1, 2, 3)
    assert heat_3.entry_ids == (7, 8, 9)


LATER = SUBMITTED + timedelta(days=1)


# In each case the slower entry would win every later tie-break, so only the named rule decides.
@pytest.mark.parametrize(
    ("faster", "slower"),
    [
        (
            entry(2, 90000, submitted=LATER, kana="ん"),
            entry(1, 90100, best=80000, kana="あ"),
        ),
        (
            entry(2, 90000, best=89000, submitted=LATER, kana="ん"),
            entry(1, 90000, best=89500, kana="あ"),
        ),
        (
            entry(2, 90000, best=99999, submitted=LATER, kana="ん"),
            entry(1, 90000, best=None, kana="あ"),
        ),
        (entry(2, 90000, kana="ん"), entry(1, 90000, submitted=LATER, kana="あ")),
        (entry(2, 90000, kana="あおき"), entry(1, 90000, kana="いとう")),
        (entry(1, 90000), entry(2, 90000)),
    ],
    ids=["time", "personal best", "no best last", "earlier submission", "kana", "entry id"],
)
def test_ties_are_broken_by_best_then_submission_then_kana_then_id(faster, slower):
    (heat,) = seed_heats([slower, faster], 40).heats

    assert heat.entry_ids == (faster.entry_id, slower.entry_id)


def test_organization_limit_swaps_with_the_nearest_time_runner_of_the_next_heat():
    # Fastest block 1-4 holds three runners of team 7; the limit is two per heat.
    runners = [entry(i, 90000 + 100 * i, org=7 if i in (1, 2, 4) else i) for i in range(1, 9)]

    result = seed_heats(runners, 4, max_per_organization=2)

    slow_heat, fast_heat = result.heats
    assert fast_heat.entry_ids == (1, 2, 3, 5)
    assert slow_heat.entry_ids == (4, 6, 7, 8)
    assert [(s.entry_id, s.from_heat, s.other_entry_id, s.other_heat) for s in result.swaps] == [
        (4, 2, 5, 1)
    ]
    assert result.excesses == ()


def test_organization_limit_reports_a_team_too_large_for_the_heats():
    runners = [entry(i, 90000 + 100 * i, org=7 if i <= 5 else None) for i in range(1, 7)]

    result = seed_heats(runners, 3, max_per_organization=2)

    assert [(e.heat_number, e.organization_id, e.count, e.limit) for e in result.excesses] == [
        (2, 7, 3, 2)
    ]
    assert result.excesses[0].reason == "出走者5名が2組×上限2名を超えています"
    assert sorted(i for heat in result.heats for i in heat.entry_ids) == list(range(1, 7))


def test_a_team_clustered_in_time_spreads_beyond_the_neighbouring_heat():
    # Blocks (fastest first): [7, 7] [7, -] [-, -]; the middle heat already has its one runner of 7.
    runners = [entry(i, 90000 + 100 * i, org=7 if i <= 3 else None) for i in range(1, 7)]

    result = seed_heats(runners, 2, max_per_organization=1)

    assert [heat.entry_ids for heat in result.heats] == [(2, 6), (3, 4), (1, 5)]
    assert [(s.entry_id, s.from_heat, s.other_entry_id, s.other_heat) for s in result.swaps] == [
        (2, 3, 5, 1)
    ]
    assert result.excesses == ()


def test_organization_limit_reports_a_heat_no_swap_can_fix():
    # Fastest block [7, 7, 7, 8, 8], slower block [8] * 5, at most 2 per team.
    runners = [entry(i, 90000 + 100 * i, org=7 if i <= 3 else 8) for i in range(1, 11)]

    result = seed_heats(runners, 5, max_per_organization=2)

    assert [(e.heat_number, e.organization_id, e.count, e.reason) for e in result.excesses] == [
        (1, 8, 5, "出走者7名が2組×上限2名を超えています"),
        (2, 7, 3, "他の組に入れ替えられる選手がいません"),
    ]
    assert result.swaps == ()


def test_invalid_arguments_are_refused():
    with pytest.raises(ValueError):
        seed_heats(field(3), 0)
    with pytest.raises(ValueError):
        seed_heats(field(3), 2, max_per_organization=0)
    with pytest.raises(ValueError):
        seed_heats([entry(1, 90000), entry(1, 91000)], 40)


# Properties ---------------------------------------------------------------------------------

TIMES = st.integers(min_value=90000, max_value=90006)  # narrow, so ties are common
SUBMISSIONS = st.sampled_from([SUBMITTED + timedelta(minutes=m) for m in range(3)])

seed_entries = st.lists(
    st.builds(
        SeedEntry,
        entry_id=st.integers(min_value=1, max_value=10_000),
        declared_time=TIMES,
        personal_best=st.none() | TIMES,
        submitted_at=SUBMISSIONS,
        kana=st.sampled_from(["あ", "い", "う"]),
        organization_id=st.none() | st.integers(min_value=1, max_value=4),
    ),
    max_size=70,
    unique_by=lambda e: e.entry_id,
)
capacities = st.integers(min_value=1, max_value=12)


def fastest_first(result, slow_first):
    """The heats' entry ids from the fastest heat to the slowest, in position order."""
    heats = reversed(result.heats) if slow_first else result.heats
    return [entry_id for heat in heats for entry_id in heat.entry_ids]


def assert_placed_once_in_balanced_heats(result, entries, capacity):
    placed = [entry_id for heat in result.heats for entry_id in heat.entry_ids]
    assert sorted(placed) == sorted(e.entry_id for e in entries)
    sizes = [len(heat.entry_ids) for heat in result.heats]
    assert len(sizes) == -(-len(entries) // capacity)
    assert not sizes or (max(sizes) - min(sizes) <= 1 and max(sizes) <= capacity)
    assert [heat.number for heat in result.heats] == list(range(1, len(sizes) + 1))


@given(seed_entries, capacities, st.booleans())
def test_every_entry_is_placed_once_in_balanced_heats_in_seed_order(entries, capacity, slow_first):
    result = seed_heats(entries, capacity, slow_first=slow_first)

    assert_placed_once_in_balanced_heats(result, entries, capacity)
    by_id = {e.entry_id: e for e in entries}
    expected = [e.entry_id for e in sorted(entries, key=seed_key)]
    assert fastest_first(result, slow_first) == expected
    for heat in result.heats:
        assert [position for position, _ in heat.positions] == list(
            range(1, len(heat.entry_ids) + 1)
        )
        seeds = [seed_key(by_id[entry_id]) for _, entry_id in heat.positions]
        assert seeds == sorted(seeds)


@given(
    seed_entries,
    capacities,
    st.booleans(),
    st.none() | st.integers(min_value=1, max_value=4),
    st.randoms(),
)
def test_seeding_does_not_depend_on_input_order(entries, capacity, slow_first, limit, rnd):
    shuffled = list(entries)
    rnd.shuffle(shuffled)

    first = seed_heats(entries, capacity, slow_first=slow_first, max_per_organization=limit)
    again = seed_heats(shuffled, capacity, slow_first=slow_first, max_per_organization=limit)

    assert again == first


@given(seed_entries, capacities, st.booleans(), st.integers(min_value=1, max_value=4))
def test_organization_limit_keeps_sizes_and_reports_exactly_what_remains(
    entries, capacity, slow_first, limit
):
    result = seed_heats(entries, capacity, slow_first=slow_first, max_per_organization=limit)

    assert_placed_once_in_balanced_heats(result, entries, capacity)
    unlimited = seed_heats(entries, capacity, slow_first=slow_first)
    assert [len(h.entry_ids) for h in result.heats] == [len(h.entry_ids) for h in unlimited.heats]
    organization = {e.entry_id: e.organization_id for e in entries}
    still_over = set()
    for heat in result.heats:
        counts = Counter(organization[i] for i in heat.entry_ids if organization[i] is not None)
        still_over |= {(heat.number, org) for org, count in counts.items() if count > limit}
    assert {(e.heat_number, e.organization_id) for e in result.excesses} == still_over
    teams = {heat.number: [organization[i] for i in heat.entry_ids] for heat in result.heats}
    for excess in result.excesses:
        assert not swap_possible(teams, excess.heat_number, excess.organization_id, limit)


def swap_possible(teams, heat, team, limit):
    """Could one runner of ``team`` leave ``heat`` in a swap that creates no new excess?"""
    here = Counter(teams[heat])
    for other, runners in teams.items():
        if other == heat or Counter(runners)[team] >= limit:
            continue
        if any(t != team and (t is None or here[t] < limit) for t in runners):
            return True
    return False


def test_a_random_large_race_is_seeded_the_same_twice():
    rnd = random.Random(5000)
    entries = [entry(i, rnd.randint(85000, 110000), org=rnd.randint(1, 60)) for i in range(1, 1401)]

    first = seed_heats(entries, 40, max_per_organization=3)

    assert seed_heats(list(reversed(entries)), 40, max_per_organization=3) == first
    assert len(first.heats) == 35
    assert first.excesses == ()
