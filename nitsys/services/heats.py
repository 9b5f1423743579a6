"""The programme (番組編成, SPEC §6): NCG selection, heats, manual edits, locks, bibs, timetable.

The algorithms are pure (`nitsys.domain.seeding/ncg/bibs/timetable`); this module loads their
input, applies their answer to the database and audits it. Every action that two officials
could run at once takes a row lock on the race (heat edits) or the meet (NCG, bibs) first.
A locked (確定) heat is never changed by generation or edits; only staff unlock it.
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy import bindparam, delete, func, or_, select
from sqlalchemy.orm import joinedload, selectinload

from nitsys.domain import bibs as bib_rules
from nitsys.domain.errors import NotFound, RuleViolation
from nitsys.domain.ncg import NcgEntry, NcgMoves, reversal_moves, selection_moves
from nitsys.domain.seeding import OrganizationExcess, SeedEntry, seed_heats
from nitsys.domain.timetable import HeatTimes, race_timetable
from nitsys.extensions import db
from nitsys.models import (
    Application,
    Athlete,
    Entry,
    EntryStatus,
    Heat,
    HeatOrder,
    HeatResult,
    HeatSlot,
    Meet,
    Organization,
    Race,
    Role,
    User,
)
from nitsys.models.accounts import team_label
from nitsys.models.base import utcnow
from nitsys.services import audit, outbox, runner_search
from nitsys.services import entries as entry_service

# Entries that still run and so need a bib; a slot marked DNS does not.
RUNNING_STATUSES = (EntryStatus.CONFIRMED, EntryStatus.FINISHED)


@dataclass(frozen=True)
class NcgResult:
    race: Race
    kept: int
    to_fallback: int
    back_to_ncg: int

    @property
    def message(self) -> str:
        if self.back_to_ncg:
            return f"{self.race.name}: NCGへ戻す {self.back_to_ncg}名"
        return f"{self.race.name}: NCG {self.kept}名、一般種目へ移動 {self.to_fallback}名"


@dataclass(frozen=True)
class GenerationResult:
    race: Race
    heat_count: int
    runner_count: int
    changed: bool
    excesses: tuple[OrganizationExcess, ...] = ()

    @property
    def message(self) -> str:
        state = "" if self.changed else "（変更なし）"
        return f"{self.race.name}: {self.heat_count}組・{self.runner_count}名{state}"


@dataclass
class MeetGeneration:
    results: list[GenerationResult] = field(default_factory=list)
    skipped: list[Race] = field(default_factory=list)  # races with a locked heat

    @property
    def message(self) -> str:
        heats = sum(result.heat_count for result in self.results)
        text = f"全{len(self.results)}種目、計{heats}組を編成しました。"
        if self.skipped:
            names = "、".join(race.name for race in self.skipped)
            text += f"確定済みの組がある種目は変更していません: {names}"
        return text


# ---------------------------------------------------------------------------------------------
# Loading and locking


def _race_for_update(race_id: int) -> Race:
    race = db.session.scalar(select(Race).where(Race.id == race_id).with_for_update())
    if race is None:
        raise NotFound("種目が見つかりません。")
    return race


def _meet_for_update(meet_id: int) -> Meet:
    meet = db.session.scalar(select(Meet).where(Meet.id == meet_id).with_for_update())
    if meet is None:
        raise NotFound("大会が見つかりません。")
    return meet


def _heat(heat_id: int) -> Heat:
    heat = db.session.get(Heat, heat_id)
    if heat is None:
        raise NotFound("組が見つかりません。")
    return heat


def _slot(slot_id: int) -> HeatSlot:
    slot = db.session.get(HeatSlot, slot_id)
    if slot is None:
        raise NotFound("選手の割り当てが見つかりません。")
    return slot


def has_locked_heat(race_id: int) -> bool:
    found = db.session.scalar(select(Heat.id).where(Heat.race_id == race_id, Heat.locked).limit(1))
    return found is not None


def _refuse_if_locked(race: Race) -> None:
    if has_locked_heat(race.id):
        raise RuleViolation(
            f"{race.name}には確定済みの組があります。管理者が確定を解除してから行ってください。"
        )


def _refuse_locked_heat(heat: Heat) -> None:
    if heat.locked:
        raise RuleViolation(f"{heat.race.name} 第{heat.number}組は確定済みのため変更できません。")


def race_heats(race_id: int) -> list[Heat]:
    return list(
        db.session.scalars(select(Heat).where(Heat.race_id == race_id).order_by(Heat.number))
    )


# ---------------------------------------------------------------------------------------------
# NCG selection


def run_ncg_selection(meet_id: int, *, by: User) -> list[NcgResult]:
    """Select every active NCG race of the meet; a re-run moves nobody."""
    return _ncg_for_meet(meet_id, by, undo=False)


def undo_ncg_selection(meet_id: int, *, by: User) -> list[NcgResult]:
    """Bring everyone an NCG selection moved back to their NCG race."""
    return _ncg_for_meet(meet_id, by, undo=True)


def _ncg_for_meet(meet_id: int, by: User, *, undo: bool) -> list[NcgResult]:
    meet = _meet_for_update(meet_id)
    races = [race for race in meet.races if race.is_active and race.is_ncg]
    if not races:
        raise RuleViolation("この大会にはNCG種目がありません。")
    return [_ncg_for_race(race, by, undo=undo) for race in races]


def _ncg_for_race(race: Race, by: User, *, undo: bool) -> NcgResult:
    fallback = race.fallback_race
    if fallback is None or fallback.meet_id != race.meet_id:
        raise RuleViolation(f"{race.name}の移動先一般種目が設定されていません。")
    _refuse_if_locked(race)
    _refuse_if_locked(fallback)
    pool = db.session.scalars(
        select(Entry)
        .where(
            Entry.status == EntryStatus.CONFIRMED,
            or_(
                Entry.race_id == race.id,
                (Entry.race_id == fallback.id) & (Entry.original_race_id == race.id),
            ),
        )
        .options(selectinload(Entry.athlete))  # named in the notification mails
    ).all()
    pool_entries = [NcgEntry(e.id, e.declared_time, e.race_id == fallback.id) for e in pool]
    moves = (
        reversal_moves(pool_entries) if undo else selection_moves(pool_entries, race.ncg_capacity)
    )
    if not moves.is_empty:
        _apply_ncg_moves({entry.id: entry for entry in pool}, moves, race, fallback)
        audit.record(
            by,
            "ncg.undo" if undo else "ncg.select",
            race,
            meet_id=race.meet_id,
            after={
                "to_fallback": len(moves.to_fallback),
                "back_to_ncg": len(moves.back_to_ncg),
                "fallback_race_id": fallback.id,
            },
        )
    kept = sum(1 for e in pool if e.race_id == race.id)
    return NcgResult(race, kept, len(moves.to_fallback), len(moves.back_to_ncg))


def _apply_ncg_moves(entries: dict[int, Entry], moves: NcgMoves, race: Race, fallback: Race):
    _refuse_double_entries([entries[i] for i in moves.to_fallback], fallback)
    moved = [*moves.to_fallback, *moves.back_to_ncg]
    # Their heat places belong to the race they left; generation gives them new ones.
    db.session.execute(delete(HeatSlot).where(HeatSlot.entry_id.in_(moved)))
    for entry_id in moves.to_fallback:
        entries[entry_id].race_id, entries[entry_id].original_race_id = fallback.id, race.id
    for entry_id in moves.back_to_ncg:
        entries[entry_id].race_id, entries[entry_id].original_race_id = race.id, None
    db.session.flush()
    _notify_ncg(entries, moves.to_fallback, race, fallback, "fallback")
    _notify_ncg(entries, moves.back_to_ncg, race, fallback, "back")


def _refuse_double_entries(leaving: list[Entry], fallback: Race) -> None:
    athlete_ids = [entry.athlete_id for entry in leaving]
    clash = db.session.scalar(
        select(Athlete)
        .join(Entry, Entry.athlete_id == Athlete.id)
        .where(
            Entry.race_id == fallback.id,
            Entry.athlete_id.in_(athlete_ids),
            Entry.status != EntryStatus.WITHDRAWN,
        )
        .limit(1)
    )
    if clash is not None:
        raise RuleViolation(
            f"{clash.full_name}さんは{fallback.name}にもエントリーしているため移動できません。"
        )


def _notify_ncg(entries, entry_ids, race: Race, fallback: Race, direction: str) -> None:
    by_application: dict[int, list[Entry]] = defaultdict(list)
    for entry_id in entry_ids:
        by_application[entries[entry_id].application_id].append(entries[entry_id])
    for application_id, moved in by_application.items():
        application = db.session.get(Application, application_id)
        recipient = entry_service.contact_for(application)
        ids = ",".join(str(entry.id) for entry in sorted(moved, key=lambda e: e.id))
        digest = hashlib.sha1(ids.encode()).hexdigest()[:16]
        outbox.enqueue(
            recipient.email,
            "ncg_moved",
            subject=f"NCG選考結果のお知らせ（{race.name}）",
            dedupe_key=f"ncg.{direction}:{race.id}:{application_id}:{digest}",
            name=recipient.full_name,
            meet=race.meet,
            race=race,
            fallback=fallback,
            entries=moved,
            back=direction == "back",
        )


# ---------------------------------------------------------------------------------------------
# Heat generation


def generate_heats(race_id: int, *, by: User) -> GenerationResult:
    """Seed the race's confirmed entries into heats; the same entries give the same heats."""
    race = _race_for_update(race_id)
    _refuse_if_locked(race)
    result = _generate(race, _seed_entries([race.id]).get(race.id, []))
    _audit_generation(by, [result])
    return result


def generate_meet_heats(meet_id: int, *, by: User) -> MeetGeneration:
    """Every active race of the meet in one transaction; races with a locked heat are skipped."""
    meet = _meet_for_update(meet_id)
    outcome = MeetGeneration()
    races = [race for race in meet.races if race.is_active]
    entries = _seed_entries([race.id for race in races])
    for race in races:
        if has_locked_heat(race.id):
            outcome.skipped.append(race)
        else:
            outcome.results.append(_generate(race, entries.get(race.id, [])))
    _audit_generation(by, outcome.results)
    return outcome


def _audit_generation(by: User, results: list[GenerationResult]) -> None:
    for result in results:
        if result.changed:
            audit.record(
                by,
                "heats.generate",
                result.race,
                meet_id=result.race.meet_id,
                after={"heats": result.heat_count, "runners": result.runner_count},
            )


def _seed_entries(race_ids: list[int]) -> dict[int, list[SeedEntry]]:
    """Confirmed entries of the races as the seeding needs them, by race id (two queries)."""
    rows = db.session.execute(
        select(
            Entry.id,
            Entry.race_id,
            Entry.declared_time,
            Entry.personal_best,
            Entry.application_id,
            Athlete.last_name_kana,
            Athlete.first_name_kana,
        )
        .join(Athlete, Athlete.id == Entry.athlete_id)
        .where(Entry.race_id.in_(race_ids), Entry.status == EntryStatus.CONFIRMED)
    ).all()
    # Entries share their application's submission time and team: read those once each.
    applications = {
        row.id: row
        for row in db.session.execute(
            select(Application.id, Application.submitted_at, Application.created_at,
                   Application.organization_id)
            .where(Application.id.in_({row.application_id for row in rows}))
        )
    }  # fmt: skip
    by_race: dict[int, list[SeedEntry]] = defaultdict(list)
    for row in rows:
        application = applications[row.application_id]
        by_race[row.race_id].append(
            SeedEntry(
                entry_id=row.id,
                declared_time=row.declared_time,
                personal_best=row.personal_best,
                submitted_at=application.submitted_at or application.created_at,
                kana=f"{row.last_name_kana} {row.first_name_kana}",
                organization_id=application.organization_id,
            )
        )
    return by_race


def _generate(race: Race, entries: list[SeedEntry]) -> GenerationResult:
    seeding = seed_heats(
        entries, race.heat_capacity, slow_first=race.heat_order is HeatOrder.SLOW_FIRST
    )
    target = {
        entry_id: (heat.number, position)
        for heat in seeding.heats
        for position, entry_id in heat.positions
    }
    heats = {heat.number: heat for heat in race_heats(race.id)}
    # Plain rows, not ORM objects: a whole meet is ~2,600 slots.
    slots = db.session.execute(
        select(HeatSlot.id, HeatSlot.entry_id, HeatSlot.heat_id, HeatSlot.position)
        .join(Heat, Heat.id == HeatSlot.heat_id)
        .where(or_(Heat.race_id == race.id, HeatSlot.entry_id.in_(target)))
    ).all()
    heat_numbers = {heat.id: heat.number for heat in heats.values()}
    placed = {slot.entry_id for slot in slots}
    stale = [slot.id for slot in slots if slot.entry_id not in target]
    misplaced = [
        slot
        for slot in slots
        if slot.entry_id in target
        and (heat_numbers.get(slot.heat_id), slot.position) != target[slot.entry_id]
    ]
    missing = [entry_id for entry_id in target if entry_id not in placed]
    surplus = [heat for number, heat in heats.items() if number > len(seeding.heats)]
    changed = bool(stale or misplaced or missing or surplus)
    if changed:
        _apply_seeding(race, heats, target, (stale, misplaced, missing), surplus)
    return GenerationResult(race, len(seeding.heats), len(target), changed, seeding.excesses)


def _apply_seeding(race, heats, target, changes, surplus) -> None:
    """Bulk statements: delete stale slots, move misplaced ones (parked first), insert new ones."""
    stale, misplaced, missing = changes
    if stale:
        db.session.execute(delete(HeatSlot).where(HeatSlot.id.in_(stale)))
    for number in sorted({number for number, _ in target.values()} - set(heats)):
        heats[number] = Heat(race_id=race.id, number=number)
        db.session.add(heats[number])
    db.session.flush()
    if misplaced:
        _update_slots([{"slot_id": slot.id, "position": -slot.id} for slot in misplaced])
        _update_slots(
            [
                {
                    "slot_id": slot.id,
                    "heat_id": heats[target[slot.entry_id][0]].id,
                    "position": target[slot.entry_id][1],
                }
                for slot in misplaced
            ]
        )
    if missing:
        now = utcnow()
        db.session.execute(
            HeatSlot.__table__.insert(),
            [
                {
                    "heat_id": heats[target[entry_id][0]].id,
                    "entry_id": entry_id,
                    "meet_id": race.meet_id,
                    "position": target[entry_id][1],
                    "created_at": now,
                    "updated_at": now,
                }
                for entry_id in missing
            ],
        )
    if surplus:
        db.session.execute(delete(Heat).where(Heat.id.in_([heat.id for heat in surplus])))
    # The bulk statements bypassed the session's objects: reload them when next used.
    db.session.expire_all()


def _park(slots: list[HeatSlot]) -> None:
    """Give the slots positions nobody holds (−id), so renumbering never collides mid-flush."""
    for slot in slots:
        slot.position = -slot.id
    db.session.flush()


# ---------------------------------------------------------------------------------------------
# Manual edits


def move_slot(
    slot_id: int,
    to_heat_id: int | None,
    position: int | None = None,
    *,
    by: User,
    to_number: int | None = None,
):
    """Move a runner to `position` (default: last) of a heat of the same race; renumber both.

    The heat is given by id, or by its number in the runner's race (`to_number`)."""
    slot = _slot(slot_id)
    _race_for_update(slot.heat.race_id)
    db.session.refresh(slot)  # another official may have moved it while we waited for the lock
    source = slot.heat
    target = _heat(to_heat_id) if to_heat_id is not None else _numbered(source.race, to_number)
    if target.race_id != source.race_id:
        raise RuleViolation("別の種目の組には移動できません。")
    _refuse_locked_heat(source)
    _refuse_locked_heat(target)
    before = {"heat": source.number, "position": slot.position}
    orders = {source.id: [s for s in source.slots if s.id != slot.id]}
    into = orders.setdefault(target.id, [s for s in target.slots if s.id != slot.id])
    index = len(into) if position is None else max(0, min(position - 1, len(into)))
    into.insert(index, slot)
    _renumber(orders)
    audit.record(
        by,
        "heats.move",
        slot,
        meet_id=slot.meet_id,
        before=before,
        after={"heat": target.number, "position": slot.position, "entry_id": slot.entry_id},
    )
    return _affected(source, target)


def _numbered(race: Race, number: int | None) -> Heat:
    heat = db.session.scalar(select(Heat).where(Heat.race_id == race.id, Heat.number == number))
    if heat is None:
        raise RuleViolation(f"{race.name}に第{number}組はありません。")
    return heat


def move_up(slot_id: int, *, by: User):
    slot = _slot(slot_id)
    return move_slot(slot.id, slot.heat_id, max(1, slot.position - 1), by=by)


def move_down(slot_id: int, *, by: User):
    slot = _slot(slot_id)
    return move_slot(slot.id, slot.heat_id, slot.position + 1, by=by)


def swap_slots(slot_id: int, other_id: int, *, by: User):
    """Exchange two runners of the same race (heat and position)."""
    slot, other = _slot(slot_id), _slot(other_id)
    _race_for_update(slot.heat.race_id)
    db.session.refresh(slot)
    db.session.refresh(other)
    if slot.heat.race_id != other.heat.race_id:
        raise RuleViolation("別の種目の選手とは入れ替えられません。")
    _refuse_locked_heat(slot.heat)
    _refuse_locked_heat(other.heat)
    places = [(slot.heat_id, slot.position), (other.heat_id, other.position)]
    _park([slot, other])
    (slot.heat_id, slot.position), (other.heat_id, other.position) = places[1], places[0]
    db.session.flush()
    db.session.expire(slot, ["heat"])
    db.session.expire(other, ["heat"])
    audit.record(
        by,
        "heats.swap",
        slot,
        meet_id=slot.meet_id,
        after={"entry_ids": [slot.entry_id, other.entry_id], "places": places},
    )
    return _affected(_heat(places[0][0]), _heat(places[1][0]))


def _renumber(orders: dict[int, list[HeatSlot]]) -> None:
    _park([slot for slots in orders.values() for slot in slots])
    for heat_id, slots in orders.items():
        for position, slot in enumerate(slots, start=1):
            slot.heat_id, slot.position = heat_id, position
    db.session.flush()
    for heat_id in orders:
        db.session.expire(_heat(heat_id), ["slots"])
    for slots in orders.values():
        for slot in slots:
            db.session.expire(slot, ["heat"])


def _affected(*heats: Heat) -> list[Heat]:
    return list({heat.id: heat for heat in heats}.values())


# ---------------------------------------------------------------------------------------------
# Locks, publication, timetable


def lock_heat(heat_id: int, *, by: User) -> Heat:
    heat = _heat(heat_id)
    _race_for_update(heat.race_id)
    if not heat.locked:
        heat.locked, heat.locked_at, heat.locked_by_id = True, utcnow(), by.id
        audit.record(by, "heats.lock", heat, meet_id=heat.race.meet_id)
    return heat


def unlock_heat(heat_id: int, *, by: User) -> Heat:
    """Staff only: the heat becomes editable again and is withdrawn from publication."""
    if not by.has_role(Role.STAFF):
        raise RuleViolation("組の確定を解除できるのは管理者のみです。")
    heat = _heat(heat_id)
    _race_for_update(heat.race_id)
    if db.session.scalar(select(HeatResult.id).where(HeatResult.heat_id == heat.id).limit(1)):
        raise RuleViolation(
            f"{heat.race.name} 第{heat.number}組は結果が取り込まれているため、確定を解除できません。"
        )
    if heat.locked:
        before = audit.snapshot(heat, "locked_at", "locked_by_id", "published_at")
        heat.locked, heat.locked_at, heat.locked_by_id, heat.published_at = False, None, None, None
        audit.record(by, "heats.unlock", heat, meet_id=heat.race.meet_id, before=before)
    return heat


def publish_race(race_id: int, *, by: User) -> int:
    """Publish the race's locked heats to teams and the public; returns how many were new."""
    race = _race_for_update(race_id)
    heats = [heat for heat in race_heats(race.id) if heat.locked and not heat.is_published]
    if not heats and not has_locked_heat(race.id):
        raise RuleViolation(f"{race.name}には確定済みの組がありません。先に組を確定してください。")
    now = utcnow()
    for heat in heats:
        heat.published_at = now
    if heats:
        audit.record(by, "heats.publish", race, meet_id=race.meet_id, after={"heats": len(heats)})
    return len(heats)


def set_heat_start(heat_id: int, start_at: datetime | None, *, by: User) -> Heat:
    """Override one heat's start time (None: back to the race's formula time)."""
    heat = _heat(heat_id)
    _race_for_update(heat.race_id)
    _refuse_locked_heat(heat)
    before = audit.snapshot(heat, "start_at")
    heat.start_at = start_at
    audit.record(
        by,
        "heats.set_start",
        heat,
        meet_id=heat.race.meet_id,
        before=before,
        after=audit.snapshot(heat, "start_at"),
    )
    return heat


def heat_times(
    race: Race, heats: list[Heat], *, call_offset_minutes: int | None = None
) -> dict[int, HeatTimes]:
    """Start and call time of each heat, by heat id. Pass the meet's call offset when the
    race's meet is not loaded, to save that query."""
    if call_offset_minutes is None:
        call_offset_minutes = race.meet.call_offset_minutes
    count = max((heat.number for heat in heats), default=0)
    overrides = {heat.number: heat.start_at for heat in heats if heat.start_at is not None}
    times = race_timetable(
        count,
        race.first_start_at,
        race.heat_interval_minutes,
        overrides=overrides,
        call_offset_minutes=call_offset_minutes,
    )
    return {heat.id: times[heat.number - 1] for heat in heats}


# ---------------------------------------------------------------------------------------------
# Bibs


def assign_bibs(meet_id: int, *, by: User) -> int:
    """Give a bib to every runner without one; numbers already given never change."""
    return _number_bibs(meet_id, by, renumber=False)


def renumber_all_bibs(meet_id: int, *, by: User, confirm: bool = False) -> int:
    """Number every runner afresh from the start of the ranges (an explicit, confirmed action)."""
    if not confirm:
        raise RuleViolation("全件振り直しは確認のうえ実行してください。")
    return _number_bibs(meet_id, by, renumber=True)


def _number_bibs(meet_id: int, by: User, *, renumber: bool) -> int:
    meet = _meet_for_update(meet_id)
    if renumber and _meet_has_locked_heat(meet.id):
        raise RuleViolation("確定済みの組があるため、ゼッケンの全件振り直しはできません。")
    slots = _bib_slots(meet)
    numbering = bib_rules.renumber_all if renumber else bib_rules.assign_bibs
    try:
        plan = numbering(slots, meet.bib_ranges or {})
    except bib_rules.BibRangeOverflow as overflow:
        raise RuleViolation(str(overflow)) from overflow
    if plan:
        if renumber:
            _write_bibs(dict.fromkeys(plan))
        _write_bibs(plan)
        audit.record(
            by,
            "bibs.renumber_all" if renumber else "bibs.assign",
            object_type="meets",
            object_id=meet.id,
            meet_id=meet.id,
            after={"changed": len(plan)},
        )
    return len(plan)


def _meet_has_locked_heat(meet_id: int) -> bool:
    found = db.session.scalar(
        select(Heat.id).join(Race).where(Race.meet_id == meet_id, Heat.locked).limit(1)
    )
    return found is not None


def _bib_slots(meet: Meet) -> list[bib_rules.BibSlot]:
    rank = {race.id: index for index, race in enumerate(meet.races)}
    rows = db.session.execute(
        select(
            HeatSlot.id,
            HeatSlot.bib,
            HeatSlot.position,
            HeatSlot.dns,
            Heat.number,
            Heat.race_id,
            Race.is_ncg,
            Race.gender,
            Entry.status,
        )
        .join(Heat, Heat.id == HeatSlot.heat_id)
        .join(Race, Race.id == Heat.race_id)
        .join(Entry, Entry.id == HeatSlot.entry_id)
        .where(HeatSlot.meet_id == meet.id)
    ).all()
    return [
        bib_rules.BibSlot(
            slot_id=row.id,
            category=bib_rules.category_key(row.is_ncg, row.gender.value),
            race_rank=rank[row.race_id],
            heat_number=row.number,
            position=row.position,
            bib=row.bib,
            needs_bib=row.status in RUNNING_STATUSES and not row.dns,
        )
        for row in rows
    ]


def _write_bibs(plan: dict[int, int | None]) -> None:
    _update_slots([{"slot_id": slot_id, "bib": bib} for slot_id, bib in plan.items()])


def _update_slots(rows: list[dict]) -> None:
    """One executemany UPDATE of heat_slots by id (Core: the ORM's bulk path is much slower);
    every row carries `slot_id` and the same set of columns."""
    table = HeatSlot.__table__
    columns = {name: bindparam(name) for name in rows[0] if name != "slot_id"}
    db.session.execute(
        table.update().where(table.c.id == bindparam("slot_id")).values(**columns), rows
    )


# ---------------------------------------------------------------------------------------------
# Reading the programme


def race_summaries(meet: Meet) -> list[dict]:
    """Per race: confirmed entries, heats, locked and published heats."""
    confirmed = dict(
        db.session.execute(
            select(Entry.race_id, func.count(Entry.id))
            .join(Race, Race.id == Entry.race_id)
            .where(Race.meet_id == meet.id, Entry.status == EntryStatus.CONFIRMED)
            .group_by(Entry.race_id)
        ).all()
    )
    heat_rows = db.session.execute(
        select(Heat.race_id, Heat.locked, Heat.published_at)
        .join(Race, Race.id == Heat.race_id)
        .where(Race.meet_id == meet.id)
    ).all()
    counts: dict[int, list[int]] = defaultdict(lambda: [0, 0, 0])
    for row in heat_rows:
        counts[row.race_id][0] += 1
        counts[row.race_id][1] += row.locked
        counts[row.race_id][2] += row.published_at is not None
    return [
        {
            "race": race,
            "entries": confirmed.get(race.id, 0),
            "heats": counts[race.id][0],
            "locked": counts[race.id][1],
            "published": counts[race.id][2],
        }
        for race in meet.races
        if race.is_active
    ]


def heat_count(race_id: int) -> int:
    return db.session.scalar(select(func.count(Heat.id)).where(Heat.race_id == race_id)) or 0


def slot_counts(heat_ids: list[int]) -> dict[int, int]:
    """Runners per heat, by heat id."""
    rows = db.session.execute(
        select(HeatSlot.heat_id, func.count(HeatSlot.id))
        .where(HeatSlot.heat_id.in_(heat_ids))
        .group_by(HeatSlot.heat_id)
    ).all()
    return dict(rows)


@dataclass(frozen=True)
class RunnerLine:
    """One runner of a heat as the builder lists it: plain columns, no ORM objects to build
    (a heat partial of 40 and a whole race of 900 stay fast)."""

    slot_id: int
    position: int
    bib: int | None
    name: str
    kana: str
    team: str
    declared_time: int | None


def _runner_lines(where) -> list[tuple[int, RunnerLine]]:
    """(heat id, line) of the slots matching `where`, by heat number and position; one query."""
    rows = db.session.execute(
        select(
            HeatSlot.heat_id,
            HeatSlot.id,
            HeatSlot.position,
            HeatSlot.bib,
            Athlete.last_name,
            Athlete.first_name,
            Athlete.last_name_kana,
            Athlete.first_name_kana,
            team_label().label("team"),
            Entry.declared_time,
        )
        .join(Heat, Heat.id == HeatSlot.heat_id)
        .join(Entry, Entry.id == HeatSlot.entry_id)
        .join(Athlete, Athlete.id == Entry.athlete_id)
        .outerjoin(Organization, Organization.id == Athlete.organization_id)
        .where(where)
        .order_by(Heat.number, HeatSlot.position)
    ).all()
    return [
        (
            row.heat_id,
            RunnerLine(
                slot_id=row.id,
                position=row.position,
                bib=row.bib,
                name=f"{row.last_name} {row.first_name}",
                kana=f"{row.last_name_kana} {row.first_name_kana}",
                team=row.team,
                declared_time=row.declared_time,
            ),
        )
        for row in rows
    ]


def heat_lines(heat_id: int) -> list[RunnerLine]:
    """A heat's runners in position order (the builder's opened heat)."""
    return [line for _, line in _runner_lines(HeatSlot.heat_id == heat_id)]


def race_runners(race_id: int) -> dict[int, list[RunnerLine]]:
    """Every runner of every heat of a race, by heat id, in position order — one query (the
    printable "all runners" view of a race with 20+ heats)."""
    by_heat: dict[int, list[RunnerLine]] = defaultdict(list)
    for heat_id, line in _runner_lines(Heat.race_id == race_id):
        by_heat[heat_id].append(line)
    return by_heat


def heat_rows(heat_id: int) -> list[HeatSlot]:
    """A heat's slots with entry, athlete and organization loaded, in position order."""
    return list(
        db.session.scalars(
            select(HeatSlot)
            .where(HeatSlot.heat_id == heat_id)
            .options(
                joinedload(HeatSlot.entry)
                .joinedload(Entry.athlete)
                .joinedload(Athlete.organization)
            )
            .order_by(HeatSlot.position)
        )
    )


# ---------------------------------------------------------------------------------------------
# Publication: what teams and the public see (published heats only)


@dataclass(frozen=True)
class StartRow:
    """One runner of a published heat; no birth date or JAAF ID ever goes in here."""

    meet_id: int
    meet_name: str
    race_id: int
    race_name: str
    heat_number: int
    position: int
    bib: int | None
    name: str
    kana: str
    team: str
    start: datetime | None
    call: datetime | None
    name_en: str = ""  # romaji, shown on the English pages where present


def published_rows(
    meet_id: int | None = None,
    *,
    race_id: int | None = None,
    from_day: date | None = None,
    search: str = "",
    owner: User | None = None,
) -> list[StartRow]:
    """Runners of the meet's published heats in race, heat and position order.

    `search` finds a runner by name, kana, team or bib ("find my heat"); `owner` keeps the
    participant's own athletes (their dashboard and team sheet); `from_day` keeps meets not
    over before that day."""
    query = (
        select(
            HeatSlot.position,
            HeatSlot.bib,
            Heat,
            Race,
            Meet.name.label("meet_name"),
            Athlete.full_name.label("name"),
            Athlete.full_name_kana.label("kana"),
            Athlete.full_name_en.label("name_en"),
            team_label().label("team"),
        )
        .join(Heat, Heat.id == HeatSlot.heat_id)
        .join(Race, Race.id == Heat.race_id)
        .join(Entry, Entry.id == HeatSlot.entry_id)
        .join(Athlete, Athlete.id == Entry.athlete_id)
        .outerjoin(Organization, Organization.id == Athlete.organization_id)
        .join(Meet, Meet.id == Race.meet_id)
        .where(Heat.published_at.is_not(None))
        .order_by(Meet.first_day, Race.display_order, Race.id, Heat.number, HeatSlot.position)
    )
    if meet_id is not None:
        query = query.where(Race.meet_id == meet_id)
    if from_day is not None:
        query = query.where(Meet.last_day >= from_day)
    if race_id is not None:
        query = query.where(Race.id == race_id)
    if owner is not None:
        query = query.join(Application, Application.id == Entry.application_id).where(
            Application.owned_by(owner)
        )
    if search.strip():
        query = query.where(_search_filter(runner_search.cleaned(search)))
    rows = db.session.execute(query).all()
    return _with_times(rows)


def _search_filter(text: str):
    bib = runner_search.typed_bib(text)
    if bib is not None:
        return HeatSlot.bib == bib
    names, _exact = runner_search.name_terms(text)
    return or_(names, runner_search.team_match(text))


def _with_times(rows) -> list[StartRow]:
    heats_by_race: dict[int, dict[int, Heat]] = defaultdict(dict)
    races: dict[int, Race] = {}
    for row in rows:
        heats_by_race[row.Race.id][row.Heat.id] = row.Heat
        races[row.Race.id] = row.Race
    times = {}
    for race_id, race_heats_ in heats_by_race.items():
        times.update(heat_times(races[race_id], list(race_heats_.values())))
    return [
        StartRow(
            meet_id=row.Race.meet_id,
            meet_name=row.meet_name,
            race_id=row.Race.id,
            race_name=row.Race.name,
            heat_number=row.Heat.number,
            position=row.position,
            bib=row.bib,
            name=row.name,
            kana=row.kana,
            team=row.team,
            start=times[row.Heat.id].start,
            call=times[row.Heat.id].call,
            name_en=row.name_en,
        )
        for row in rows
    ]


def published_races(meet_id: int) -> list[Race]:
    """Races of the meet with at least one published heat."""
    return list(
        db.session.scalars(
            select(Race)
            .where(
                Race.meet_id == meet_id,
                Race.id.in_(select(Heat.race_id).where(Heat.published_at.is_not(None))),
            )
            .order_by(Race.display_order, Race.id)
        )
    )
