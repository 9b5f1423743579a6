"""Timetable (SPEC §6): heat start and call times. Pure; every datetime is timezone-aware.

Rules
- Start of heat i = the race's first start + (i − 1) × the race's interval.
- A per-heat override replaces that heat's start only; the heats after it keep their formula
  times (an official moving one heat does not silently move the rest).
- Call time (招集) = start − the meet's call offset (default 20 minutes).
- A race without a first start has no times, except for heats with an override.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta

DEFAULT_CALL_OFFSET_MINUTES = 20


@dataclass(frozen=True, slots=True)
class HeatTimes:
    heat_number: int
    start: datetime | None
    call: datetime | None


def heat_start(first_start: datetime, heat_number: int, interval_minutes: int) -> datetime:
    """Formula start of a heat (heat numbers start at 1)."""
    _require_aware(first_start)
    if heat_number < 1 or interval_minutes < 0:
        raise ValueError("heat_number must be ≥ 1 and interval_minutes ≥ 0")
    return first_start + timedelta(minutes=interval_minutes * (heat_number - 1))


def call_time(start: datetime, offset_minutes: int = DEFAULT_CALL_OFFSET_MINUTES) -> datetime:
    """Call (招集) time of a heat starting at ``start``."""
    _require_aware(start)
    if offset_minutes < 0:
        raise ValueError("offset_minutes must be ≥ 0")
    return start - timedelta(minutes=offset_minutes)


def race_timetable(
    heat_count: int,
    first_start: datetime | None,
    interval_minutes: int,
    *,
    overrides: Mapping[int, datetime] | None = None,
    call_offset_minutes: int = DEFAULT_CALL_OFFSET_MINUTES,
) -> tuple[HeatTimes, ...]:
    """Start and call time of heats 1..heat_count of one race."""
    overrides = overrides or {}
    times = []
    for number in range(1, heat_count + 1):
        start = overrides.get(number)
        if start is None and first_start is not None:
            start = heat_start(first_start, number, interval_minutes)
        call = None if start is None else call_time(start, call_offset_minutes)
        times.append(HeatTimes(number, start, call))
    return tuple(times)


def _require_aware(moment: datetime) -> None:
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError("datetimes must be timezone-aware")
