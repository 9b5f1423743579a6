"""Step: ~2,600 entries of the upcoming meet in submitted applications, one per owner.

Each race is filled to ~97 % of its max entries (NCG races ~90 %) with athletes of the right
gender, never one athlete in both an NCG race and its fallback. Declared times lie between
90 % (NCG 95 %) of the race's standard and the standard itself. About 70 % of the
applications are paid (their entries confirmed); the rest await payment.

`pick_entrants` and `submit_applications` also give the past meet its field (demo/results.py).
"""

from __future__ import annotations

import random
from collections import defaultdict
from collections.abc import Callable

from sqlalchemy import insert, select

from nitsys.demo.context import DemoContext
from nitsys.extensions import db
from nitsys.models import (
    Application,
    ApplicationStatus,
    Athlete,
    Entry,
    EntryStatus,
    Meet,
    Race,
    RaceGender,
)

GENERAL_FILL = 0.97
NCG_FILL = 0.90
PAID_SHARE = 0.7
NO_PERSONAL_BEST_SHARE = 0.2


def _fill(race: Race) -> int:
    return int(race.max_entries * (NCG_FILL if race.is_ncg else GENERAL_FILL))


def leaving_room_for_ncg(races: dict[str, Race]) -> Callable[[Race], int]:
    """`_fill`, less what the NCG selection may move into a general race later (entries over
    the NCG capacity), so no race ever holds more than its max entries (SPEC §4)."""
    overflow: dict[int, int] = defaultdict(int)
    for race in races.values():
        if race.is_ncg and race.fallback_race_id:
            overflow[race.fallback_race_id] += max(_fill(race) - race.ncg_capacity, 0)

    def count(race: Race) -> int:
        if race.is_ncg:
            return _fill(race)
        return max(min(_fill(race), race.max_entries - overflow[race.id]), 0)

    return count


def _declared_time(rng: random.Random, race: Race) -> int:
    slowest = race.standard_time
    fastest = int(slowest * (0.95 if race.is_ncg else 0.90))
    return int(rng.triangular(fastest, slowest, int(slowest * 0.97)))


def pick_entrants(
    rng: random.Random, races: dict[str, Race], athletes, count: Callable[[Race], int] = _fill
) -> list[tuple]:
    """(athlete, race) pairs, race by race in code order: `count(race)` athletes of its gender
    each, never one athlete in both an NCG race and its fallback."""
    by_gender = defaultdict(list)
    for athlete in athletes:
        by_gender[athlete.gender.value].append(athlete)
    in_race: dict[int, set[int]] = defaultdict(set)
    pairs = []
    for code in sorted(races):
        race = races[code]
        pool = (
            by_gender["M"] + by_gender["F"]
            if race.gender is RaceGender.MIXED
            else (by_gender[race.gender.value])
        )
        linked = race.fallback_race_id if race.is_ncg else None
        linked_ids = {r.id for r in races.values() if r.fallback_race_id == race.id}
        if linked:
            linked_ids.add(linked)
        taken = set().union(*(in_race[i] for i in linked_ids)) if linked_ids else set()
        candidates = [athlete for athlete in pool if athlete.id not in taken]
        for athlete in rng.sample(candidates, min(count(race), len(candidates))):
            in_race[race.id].add(athlete.id)
            pairs.append((athlete, race))
    return pairs


def _owner_key(athlete) -> tuple[int | None, int | None]:
    return athlete.organization_id, athlete.owner_user_id


def active_athletes() -> list:
    """Every active athlete as the picking needs them (plain rows, by id)."""
    return db.session.execute(
        select(Athlete.id, Athlete.gender, Athlete.organization_id, Athlete.owner_user_id)
        .where(Athlete.is_active)
        .order_by(Athlete.id)
    ).all()


def create_entries(rng: random.Random, context: DemoContext) -> None:
    pairs = pick_entrants(
        rng, context.races, active_athletes(), count=leaving_room_for_ncg(context.races)
    )
    submit_applications(rng, context, context.meet, pairs, PAID_SHARE)


def submit_applications(
    rng: random.Random, context: DemoContext, meet: Meet, pairs: list[tuple], paid_share: float
) -> list[Application]:
    """One submitted application per owner holding their (athlete, race) pairs, submitted
    while entries were open; `paid_share` of them paid (entries confirmed)."""
    by_owner = defaultdict(list)
    for athlete, race in pairs:
        by_owner[_owner_key(athlete)].append((athlete, race))
    submitters = {(coach.organization_id, None): coach for coach in context.coaches}
    submitters.update({(None, user.id): user for user in context.individuals})
    until = min(context.now, meet.entry_closes_at)

    applications = []
    for seq, owner in enumerate(sorted(by_owner, key=lambda key: (key[0] or 0, key[1] or 0)), 1):
        paid = rng.random() < paid_share
        user = submitters[owner]
        count = len(by_owner[owner])
        submitted_at = until - (until - meet.entry_opens_at) * rng.random()
        applications.append(Application(
            meet=meet, seq=seq, number=f"{meet.number}-{seq:04d}",
            organization_id=owner[0], owner_user_id=owner[1],
            status=ApplicationStatus.PAID if paid else ApplicationStatus.AWAITING_PAYMENT,
            created_by_id=user.id, submitted_by_id=user.id, submitted_at=submitted_at,
            unit_fee=meet.fee_per_entry, entry_count=count,
            total_amount=meet.fee_per_entry * count,
        ))  # fmt: skip
    db.session.add_all(applications)
    db.session.flush()

    rows = []
    for application in applications:
        owner = (application.organization_id, application.owner_user_id)
        status = (
            EntryStatus.CONFIRMED
            if application.status is ApplicationStatus.PAID
            else (EntryStatus.SUBMITTED)
        )
        for athlete, race in by_owner[owner]:
            declared = _declared_time(rng, race)
            best = None
            if rng.random() >= NO_PERSONAL_BEST_SHARE:
                best = declared - rng.randint(0, 1500)
            rows.append({
                "application_id": application.id, "athlete_id": athlete.id, "race_id": race.id,
                "declared_time": declared, "personal_best": best, "status": status,
            })  # fmt: skip
    db.session.execute(insert(Entry), rows)
    return applications
