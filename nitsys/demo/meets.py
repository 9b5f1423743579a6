"""Step: the upcoming 325th meet with the real race set, its bank account, and a past meet."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from nitsys.demo.context import DemoContext
from nitsys.extensions import db
from nitsys.formatting import TOKYO
from nitsys.models import AccountType, BankAccount, Meet, Race, RaceGender

HEAT_CAPACITY = 40
NCG_CAPACITY = 35
FEE = 1000
MEET_NAME = "第{number}回日本体育大学長距離競技会"


def mmss(minutes: int, seconds: int) -> int:
    """A race time in hundredths of a second."""
    return (minutes * 60 + seconds) * 100


@dataclass(frozen=True)
class RaceSpec:
    """One race of the 325th meet's timetable; max entries = heats × heat capacity."""

    gender: RaceGender
    distance: int
    is_ncg: bool
    first_start: time
    heats: int
    interval_minutes: int
    standard_time: int


M, F = RaceGender.MALE, RaceGender.FEMALE
# Listed in timetable order; general races come first so NCG ones can fall back to them.
RACE_SPECS = (
    RaceSpec(M, 10000, False, time(7, 30), 14, 33, mmss(31, 0)),
    RaceSpec(M, 5000, False, time(9, 40), 34, 17, mmss(15, 30)),
    RaceSpec(F, 3000, False, time(12, 0), 7, 13, mmss(11, 0)),
    RaceSpec(F, 5000, False, time(13, 29), 5, 19, mmss(18, 30)),
    RaceSpec(F, 3000, True, time(15, 6), 1, 12, mmss(9, 50)),
    RaceSpec(F, 5000, True, time(15, 18), 2, 18, mmss(16, 40)),
    RaceSpec(M, 10000, True, time(19, 8), 2, 32, mmss(29, 40)),
    RaceSpec(M, 5000, True, time(19, 45), 1, 15, mmss(14, 20)),
)


def _jst(day: date, at: time) -> datetime:
    return datetime.combine(day, at, tzinfo=TOKYO)


def _end_of(day: date) -> datetime:
    return _jst(day, time(23, 59))


def create_races(meet: Meet) -> dict[str, Race]:
    races: dict[str, Race] = {}
    for order, spec in enumerate(RACE_SPECS, start=1):
        fallback = races[f"{spec.gender.value}{spec.distance}"] if spec.is_ncg else None
        race = Race(
            meet=meet,
            distance=spec.distance,
            gender=spec.gender,
            name=Race.default_name(spec.gender, spec.distance, spec.is_ncg),
            is_ncg=spec.is_ncg,
            ncg_capacity=NCG_CAPACITY,
            fallback_race=fallback,
            standard_time=spec.standard_time,
            max_entries=spec.heats * HEAT_CAPACITY,
            heat_capacity=HEAT_CAPACITY,
            first_start_at=_jst(meet.first_day, spec.first_start),
            heat_interval_minutes=spec.interval_minutes,
            display_order=order,
        )
        races[race.code] = race
    db.session.add_all(races.values())
    return races


# The 325th race set has about 2,000 general men (5000 m + 10000 m + NCG overflow): more than
# the default 1000–1999 range holds, so the demo meet widens it as an office would.
DEMO_BIB_RANGES = {
    "ncg_M": [1, 499],
    "ncg_F": [500, 999],
    "general_M": [1000, 3999],
    "general_F": [4000, 4999],
    "ncg_X": [5000, 5499],
    "general_X": [5500, 5999],
}


def _meet(number: int, day: date, opens: datetime, closes_on: date, **fields) -> Meet:
    return Meet(
        number=number,
        name=MEET_NAME.format(number=number),
        first_day=day,
        last_day=day,
        entry_opens_at=opens,
        entry_closes_at=_end_of(closes_on),
        payment_deadline=_end_of(closes_on + timedelta(days=7)),
        parking_deadline=_end_of(closes_on + timedelta(days=10)),
        fee_per_entry=FEE,
        default_heat_capacity=HEAT_CAPACITY,
        bib_ranges=DEMO_BIB_RANGES,
        is_published=True,
        **fields,
    )


def create_meets(_rng: random.Random, context: DemoContext) -> None:
    """The 325th meet takes entries now (opened 10 days ago, closes in 20); the 324th is over."""
    context.bank_account = BankAccount(
        bank_name="ゆうちょ銀行",
        branch_name="〇二八店",
        account_type=AccountType.ORDINARY,
        account_number="1234567",
        account_holder="日本体育大学長距離ブロック",
    )
    context.meet = _meet(
        325,
        context.meet_day,
        context.now - timedelta(days=10),
        context.today + timedelta(days=20),
        entry_open=True,
        bank_account=context.bank_account,
        description="横浜・健志台キャンパスで行う長距離記録会です。NCG種目は標準記録の突破者のみ。",
    )
    past_day = context.today - timedelta(days=50)
    context.past_meet = _meet(
        324,
        past_day,
        _jst(past_day - timedelta(days=40), time(0, 0)),
        past_day - timedelta(days=14),
        entry_open=False,
        bank_account=context.bank_account,
    )
    db.session.add_all([context.bank_account, context.meet, context.past_meet])
    context.races = create_races(context.meet)
    create_races(context.past_meet)
    db.session.flush()
