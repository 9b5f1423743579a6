"""Timetable (nitsys.domain.timetable): heat starts, overrides and call times."""

from datetime import UTC, datetime, timedelta, timezone

import pytest

from nitsys.domain.timetable import HeatTimes, call_time, heat_start, race_timetable

JST = timezone(timedelta(hours=9))
FIRST = datetime(2026, 7, 29, 9, 40, tzinfo=JST)


@pytest.mark.parametrize(
    ("heat", "interval", "start"),
    [
        (1, 17, datetime(2026, 7, 29, 9, 40, tzinfo=JST)),
        (2, 17, datetime(2026, 7, 29, 9, 57, tzinfo=JST)),
        (35, 17, datetime(2026, 7, 29, 19, 18, tzinfo=JST)),
        (3, 0, datetime(2026, 7, 29, 9, 40, tzinfo=JST)),
    ],
)
def test_heat_start_is_first_start_plus_interval_per_earlier_heat(heat, interval, start):
    assert heat_start(FIRST, heat, interval) == start


def test_call_time_is_20_minutes_before_the_start_unless_the_meet_says_otherwise():
    assert call_time(FIRST) == datetime(2026, 7, 29, 9, 20, tzinfo=JST)
    assert call_time(FIRST, 30) == datetime(2026, 7, 29, 9, 10, tzinfo=JST)


def test_an_override_moves_only_its_own_heat():
    moved = datetime(2026, 7, 29, 10, 30, tzinfo=JST)

    times = race_timetable(3, FIRST, 15, overrides={2: moved}, call_offset_minutes=25)

    assert times == (
        HeatTimes(1, FIRST, FIRST - timedelta(minutes=25)),
        HeatTimes(2, moved, moved - timedelta(minutes=25)),
        HeatTimes(3, FIRST + timedelta(minutes=30), FIRST + timedelta(minutes=5)),
    )


def test_a_race_without_a_first_start_has_times_only_where_overridden():
    moved = datetime(2026, 7, 29, 1, 30, tzinfo=UTC)

    times = race_timetable(2, None, 15, overrides={2: moved})

    assert times == (HeatTimes(1, None, None), HeatTimes(2, moved, moved - timedelta(minutes=20)))


def test_times_are_the_same_instant_in_any_zone():
    in_utc = FIRST.astimezone(UTC)

    assert race_timetable(2, in_utc, 10) == race_timetable(2, FIRST, 10)


@pytest.mark.parametrize(
    "call",
    [
        lambda: heat_start(datetime(2026, 7, 29, 9, 40), 1, 15),
        lambda: call_time(datetime(2026, 7, 29, 9, 40)),
        lambda: heat_start(FIRST, 0, 15),
        lambda: heat_start(FIRST, 1, -5),
        lambda: call_time(FIRST, -1),
    ],
    ids=["naive start", "naive call", "heat 0", "negative interval", "negative offset"],
)
def test_invalid_input_is_refused(call):
    with pytest.raises(ValueError):
        call()
