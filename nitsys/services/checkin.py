"""Day-of check-in (受付・点呼, SPEC §7): desk search, the call-room roster, DNS, live progress.

Only runners of locked (確定) heats are on the desk. Every change names its target state
(`set_checked_in(slot, True)`), so two desks tapping the same runner at once end in the state
both asked for instead of flipping each other; the slot row is locked first and a request for
the state the slot already has changes nothing and writes no audit row.

State rules (defect 33):
- a DNS runner is never checked in: marking DNS clears the check-in;
- checking in a DNS runner is refused — the desk undoes the DNS explicitly first, so a mistaken
  tap on a DNS card cannot silently bring a runner back;
- DNS sets the entry to `dns`, undoing it sets the entry back to `confirmed`.
Unpaid, withdrawn or rejected runners cannot be checked in or marked DNS: the server refuses
and names the trouble desk (トラブルデスク). Undoing a check-in is always allowed.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import case, func, or_, select

from nitsys.domain.errors import NotFound, RuleViolation
from nitsys.domain.timetable import HeatTimes, call_time, heat_start
from nitsys.extensions import db
from nitsys.models import (
    Application,
    ApplicationStatus,
    Athlete,
    Entry,
    EntryStatus,
    Heat,
    HeatResult,
    HeatSlot,
    Meet,
    Organization,
    Race,
    User,
)
from nitsys.models.accounts import team_label
from nitsys.models.base import utcnow
from nitsys.services import audit, runner_search

SEARCH_LIMIT = 50
NEAR_CALL = timedelta(minutes=30)
TROUBLE_DESK = "トラブルデスク（会計）へ案内してください。"
_AUDITED = ("checked_in", "checked_in_at", "checked_in_by_id", "dns")


@dataclass(frozen=True)
class DeskCard:
    """One runner as the desk sees it (search card and call-room row)."""

    slot_id: int
    entry_id: int
    meet_id: int
    bib: int | None
    position: int
    name: str
    kana: str
    romaji: str
    team: str
    race_name: str
    heat_id: int
    heat_number: int
    start: datetime | None
    call: datetime | None
    paid: bool
    payment_label: str
    entry_status: EntryStatus
    checked_in: bool
    checked_in_at: datetime | None
    dns: bool

    @property
    def on_desk(self) -> bool:
        """Whether the desk may check this runner in (else: the trouble desk)."""
        return self.paid and self.entry_status in (EntryStatus.CONFIRMED, EntryStatus.DNS)

    @property
    def state_label(self) -> str:
        if self.dns:
            return "欠場（DNS）"
        return "点呼済み" if self.checked_in else "未点呼"


# ---------------------------------------------------------------------------------------------
# Changing a runner's state


def set_checked_in(slot_id: int, checked_in: bool, *, by: User) -> bool:
    """Put the runner in the named check-in state; True when something changed."""
    locked = _locked_slot(slot_id)
    slot = locked.slot
    if slot.checked_in == checked_in:
        return False
    if checked_in:
        _refuse_off_desk(locked)
        if slot.dns:
            raise RuleViolation(
                "欠場（DNS）の選手です。点呼するには先に「DNS取消」を押してください。"
            )
    before = audit.snapshot(slot, *_AUDITED)
    slot.checked_in = checked_in
    slot.checked_in_at = utcnow() if checked_in else None
    slot.checked_in_by_id = by.id if checked_in else None
    _audit(by, "checkin.set_checked_in", slot, before)
    return True


def set_dns(slot_id: int, dns: bool, *, by: User) -> bool:
    """Mark the runner DNS (clearing any check-in) or undo it; True when something changed."""
    locked = _locked_slot(slot_id)
    slot, entry = locked.slot, locked.entry
    if slot.dns == dns:
        return False
    _refuse_off_desk(locked)
    before = audit.snapshot(slot, *_AUDITED)
    slot.dns = dns
    if dns:
        slot.checked_in, slot.checked_in_at, slot.checked_in_by_id = False, None, None
    entry.status = EntryStatus.DNS if dns else EntryStatus.CONFIRMED
    _audit(by, "checkin.set_dns", slot, before)
    return True


@dataclass(frozen=True)
class _Locked:
    slot: HeatSlot
    entry: Entry
    paid: bool


def _locked_slot(slot_id: int) -> _Locked:
    """The slot and its entry, row-locked and fresh from the database, and the payment state."""
    row = db.session.execute(
        select(HeatSlot, Entry, Heat.locked, Application.status.label("payment"))
        .join(Entry, Entry.id == HeatSlot.entry_id)
        .join(Application, Application.id == Entry.application_id)
        .join(Heat, Heat.id == HeatSlot.heat_id)
        .where(HeatSlot.id == slot_id)
        .with_for_update(of=[HeatSlot, Entry])
        .execution_options(populate_existing=True)
    ).first()
    if row is None:
        raise NotFound("選手の割り当てが見つかりません。")
    if not row.locked:
        raise RuleViolation(
            "この組はまだ確定していません。番組編成で確定してから点呼してください。"
        )
    return _Locked(row.HeatSlot, row.Entry, row.payment is ApplicationStatus.PAID)


def _refuse_off_desk(locked: _Locked) -> None:
    status = locked.entry.status
    if status is EntryStatus.WITHDRAWN:
        raise RuleViolation(f"欠場連絡済みの選手です。{TROUBLE_DESK}")
    if status is EntryStatus.REJECTED:
        raise RuleViolation(f"エントリーが却下されています。{TROUBLE_DESK}")
    if not locked.paid:
        raise RuleViolation(f"入金が確認できていません。{TROUBLE_DESK}")
    if status not in (EntryStatus.CONFIRMED, EntryStatus.DNS):
        raise RuleViolation(f"エントリーが確定していません。{TROUBLE_DESK}")


def _audit(by: User, action: str, slot: HeatSlot, before: dict) -> None:
    audit.record(
        by,
        action,
        slot,
        meet_id=slot.meet_id,
        before=before,
        after=audit.snapshot(slot, *_AUDITED),
    )


# ---------------------------------------------------------------------------------------------
# Reading: desk cards


def search(meet_id: int, text: str) -> list[DeskCard]:
    """Runners of the meet's locked heats matching `text`; exact bib or full name first."""
    text = runner_search.cleaned(text)
    if not text:
        return []
    match, exact = _search_terms(text)
    return _cards(
        (Race.meet_id == meet_id, match),
        order=(case((exact, 0), else_=1),),
        limit=SEARCH_LIMIT,
    )


def card(slot_id: int) -> DeskCard:
    cards = _cards((HeatSlot.id == slot_id,))
    if not cards:
        raise NotFound("選手の割り当てが見つかりません。")
    return cards[0]


def heat_roster(heat_id: int) -> list[DeskCard]:
    """The call-room roster of a locked heat, in position (腰ナンバー) order."""
    return _cards((HeatSlot.heat_id == heat_id,))


def _search_terms(text: str):
    """The match condition and the "exact hit" condition used for ranking."""
    bib = runner_search.typed_bib(text)
    if bib is not None:
        hit = HeatSlot.bib == bib
        return hit, hit
    names, exact = runner_search.name_terms(text)
    return or_(names, runner_search.team_match(text)), exact


# Columns of a heat's timetable (the ORM entities would cost more to build than the query).
_TIMETABLE = (
    Heat.id.label("heat_id"),
    Heat.number.label("heat_number"),
    Heat.start_at,
    Race.first_start_at,
    Race.heat_interval_minutes,
    Meet.call_offset_minutes,
)


def _heat_times(row) -> HeatTimes:
    """Start and call time of the row's heat (SPEC §6 rules, `nitsys.domain.timetable`)."""
    start = row.start_at
    if start is None and row.first_start_at is not None:
        start = heat_start(row.first_start_at, row.heat_number, row.heat_interval_minutes)
    call = None if start is None else call_time(start, row.call_offset_minutes)
    return HeatTimes(row.heat_number, start, call)


def _cards(where, *, order=(), limit: int | None = None) -> list[DeskCard]:
    """Desk cards of locked-heat slots matching `where` — one query, no lazy loads."""
    query = (
        select(
            *_TIMETABLE,
            HeatSlot.id.label("slot_id"),
            HeatSlot.entry_id,
            HeatSlot.meet_id,
            HeatSlot.bib,
            HeatSlot.position,
            HeatSlot.checked_in,
            HeatSlot.checked_in_at,
            HeatSlot.dns,
            Race.name.label("race_name"),
            Athlete.last_name,
            Athlete.first_name,
            Athlete.last_name_kana,
            Athlete.first_name_kana,
            Athlete.last_name_en,
            Athlete.first_name_en,
            Entry.status.label("entry_status"),
            Application.status.label("payment"),
            team_label().label("team"),
        )
        .join(Heat, Heat.id == HeatSlot.heat_id)
        .join(Race, Race.id == Heat.race_id)
        .join(Meet, Meet.id == Race.meet_id)
        .join(Entry, Entry.id == HeatSlot.entry_id)
        .join(Application, Application.id == Entry.application_id)
        .join(Athlete, Athlete.id == Entry.athlete_id)
        .outerjoin(Organization, Organization.id == Athlete.organization_id)
        .where(Heat.locked, *where)
        .order_by(*order, Race.display_order, Race.id, Heat.number, HeatSlot.position)
        .limit(limit)
    )
    return [_card(row) for row in db.session.execute(query)]


def _card(row) -> DeskCard:
    times = _heat_times(row)
    return DeskCard(
        slot_id=row.slot_id,
        entry_id=row.entry_id,
        meet_id=row.meet_id,
        bib=row.bib,
        position=row.position,
        name=f"{row.last_name} {row.first_name}",
        kana=f"{row.last_name_kana} {row.first_name_kana}",
        romaji=f"{row.last_name_en} {row.first_name_en}".strip(),
        team=row.team,
        race_name=row.race_name,
        heat_id=row.heat_id,
        heat_number=row.heat_number,
        start=times.start,
        call=times.call,
        paid=row.payment is ApplicationStatus.PAID,
        payment_label=row.payment.label,
        entry_status=row.entry_status,
        checked_in=row.checked_in,
        checked_in_at=row.checked_in_at,
        dns=row.dns,
    )


# ---------------------------------------------------------------------------------------------
# Reading: call room neighbours and live progress


def neighbour_heats(heat: Heat) -> tuple[int | None, int | None]:
    """Ids of the previous and next locked heat of the meet, in programme order."""
    ids = list(
        db.session.scalars(
            select(Heat.id)
            .join(Race, Race.id == Heat.race_id)
            .where(Race.meet_id == heat.race.meet_id, Heat.locked)
            .order_by(Race.display_order, Race.id, Heat.number)
        )
    )
    index = ids.index(heat.id) if heat.id in ids else -1
    if index < 0:
        return None, None
    previous = ids[index - 1] if index > 0 else None
    following = ids[index + 1] if index + 1 < len(ids) else None
    return previous, following


@dataclass
class HeatProgress:
    heat_id: int
    number: int
    start: datetime | None
    call: datetime | None
    total: int
    checked_in: int
    dns: int
    waiting_names: list[str]
    results: int = 0  # results imported from FinishLynx

    @property
    def waiting(self) -> int:
        # DNS runners are never checked in, so nobody is subtracted twice (defect 33).
        return self.total - self.checked_in - self.dns


@dataclass
class RaceProgress:
    name: str
    heats: list[HeatProgress]

    @property
    def total(self) -> int:
        return sum(heat.total for heat in self.heats)

    @property
    def checked_in(self) -> int:
        return sum(heat.checked_in for heat in self.heats)

    @property
    def dns(self) -> int:
        return sum(heat.dns for heat in self.heats)


def progress(meet_id: int, *, now: datetime | None = None) -> list[RaceProgress]:
    """Per race and locked heat: checked in / waiting / DNS, and who is still missing in
    heats whose call time is within `NEAR_CALL` — two queries whatever the number of heats."""
    now = now or utcnow()
    rows = db.session.execute(
        select(
            *_TIMETABLE,
            Race.id.label("race_id"),
            Race.name.label("race_name"),
            func.count(HeatSlot.id).label("total"),
            func.coalesce(func.sum(case((HeatSlot.checked_in, 1), else_=0)), 0).label("checked"),
            func.coalesce(func.sum(case((HeatSlot.dns, 1), else_=0)), 0).label("dns"),
            func.count(HeatResult.id).label("results"),
        )
        .join(Race, Race.id == Heat.race_id)
        .join(Meet, Meet.id == Race.meet_id)
        .outerjoin(HeatSlot, HeatSlot.heat_id == Heat.id)
        .outerjoin(HeatResult, HeatResult.slot_id == HeatSlot.id)
        .where(Race.meet_id == meet_id, Heat.locked)
        .group_by(Heat.id, Race.id, Meet.id)
        .order_by(Race.display_order, Race.id, Heat.number)
    ).all()
    heats = [_heat_progress(row) for row in rows]
    near = [heat for heat in heats if heat.waiting and heat.call and heat.call - NEAR_CALL <= now]
    missing = _waiting_names([heat.heat_id for heat in near])
    races: dict[int, RaceProgress] = {}
    for row, heat in zip(rows, heats, strict=True):
        heat.waiting_names = missing.get(heat.heat_id, [])
        races.setdefault(row.race_id, RaceProgress(row.race_name, [])).heats.append(heat)
    return list(races.values())


def _heat_progress(row) -> HeatProgress:
    times = _heat_times(row)
    return HeatProgress(
        heat_id=row.heat_id,
        number=row.heat_number,
        start=times.start,
        call=times.call,
        total=row.total,
        checked_in=row.checked,
        dns=row.dns,
        waiting_names=[],
        results=row.results,
    )


def _waiting_names(heat_ids: list[int]) -> dict[int, list[str]]:
    """Names (with bib) of runners neither checked in nor DNS, per heat — one query."""
    if not heat_ids:
        return {}
    rows = db.session.execute(
        select(HeatSlot.heat_id, HeatSlot.bib, Athlete.last_name, Athlete.first_name)
        .join(Entry, Entry.id == HeatSlot.entry_id)
        .join(Athlete, Athlete.id == Entry.athlete_id)
        .where(HeatSlot.heat_id.in_(heat_ids), ~HeatSlot.checked_in, ~HeatSlot.dns)
        .order_by(HeatSlot.heat_id, HeatSlot.position)
    ).all()
    names: dict[int, list[str]] = defaultdict(list)
    for row in rows:
        bib = f"{row.bib} " if row.bib else ""
        names[row.heat_id].append(f"{bib}{row.last_name} {row.first_name}")
    return names
