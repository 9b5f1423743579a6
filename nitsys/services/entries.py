"""Entries and applications (SPEC §4): one rule function for every channel, draft, submit,
withdrawal notice, capacity.

Every channel (the entry form, the Excel import, later the API and the official's late entry)
goes through `add_entry`, which calls `check_entry`; the messages are therefore the same
everywhere. Capacity (submitted + confirmed ≤ max entries) is enforced at submission under
row locks on the races involved.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select

from nitsys.domain.entry_window import entry_window_state
from nitsys.domain.errors import NotFound, RuleViolation
from nitsys.domain.times import TimeParseError, format_time, parse_time
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
    User,
)
from nitsys.models.base import utcnow
from nitsys.models.entries import CAPACITY_STATUSES, WITHDRAWABLE_STATUSES
from nitsys.services import audit, outbox, pauses
from nitsys.services.conflicts import refused_on_conflict

ENTRY_FIELDS = ("athlete_id", "race_id", "declared_time", "personal_best", "note", "status")


# ---------------------------------------------------------------------------------------------
# Reading input


def read_time(value, race: Race, *, field: str = "declared_time", label: str = "申告タイム") -> int:
    """A typed text or spreadsheet cell as hundredths, judged for the race's distance."""
    if value is None or (isinstance(value, str) and not value.strip()):
        raise RuleViolation(f"{label}を入力してください。", field=field)
    try:
        return parse_time(value, distance=race.distance, gender=race.gender.value)
    except TimeParseError as error:
        raise RuleViolation(f"{label}: {error}", field=field) from error


def read_optional_time(value, race: Race) -> int | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    return read_time(value, race, field="personal_best", label="自己ベスト")


# ---------------------------------------------------------------------------------------------
# The rules (one place)


def ownership_of(by: User, athlete: Athlete, chosen: dict | None = None) -> dict:
    """Whose application an entry goes into: the participant's own, or (official's late entry)
    the team the official chose, else the athlete's owner."""
    if by.is_official:
        return chosen or {
            "organization_id": athlete.organization_id,
            "owner_user_id": athlete.owner_user_id,
        }
    return Application.ownership_for(by)


def check_window(
    meet: Meet, by: User, *, now: datetime | None = None, override: bool = False
) -> bool:
    """Refuse outside the entry window; True when an official's override was used."""
    pauses.ensure_open("entry_editing")
    if not meet.is_published:
        raise RuleViolation("この大会は公開されていません。")
    state = entry_window_state(meet, now or utcnow())
    if state.accepts_entries:
        return False
    if override and by.is_official:
        return True
    raise RuleViolation(f"この大会は現在エントリーを受け付けていません（{state.label}）。")


def check_entry(
    *,
    by: User,
    athlete: Athlete,
    race: Race,
    declared_time: int,
    exclude_entry_id: int | None = None,
    owner: dict | None = None,
) -> None:
    """Every per-entry rule of SPEC §4 except the window and capacity at submission."""
    owner = ownership_of(by, athlete, owner)
    if (
        not athlete.is_active
        or athlete.organization_id != owner["organization_id"]
        or athlete.owner_user_id != owner["owner_user_id"]
    ):
        raise RuleViolation(
            "この選手は選手マスタに登録されていないか、無効になっています。", field="athlete_id"
        )
    if not race.is_active:
        raise RuleViolation(f"{race.name}は現在エントリーを受け付けていません。", field="race_id")
    if race.gender is not RaceGender.MIXED and athlete.gender.value != race.gender.value:
        raise RuleViolation(
            f"{athlete.full_name}（{athlete.gender.label}）は{race.name}にエントリーできません"
            "（性別が種目と一致しません）。",
            field="athlete_id",
        )
    check_standard(race, declared_time)
    _check_not_entered(athlete, race, exclude_entry_id)


def check_standard(race: Race, declared_time: int) -> None:
    """Standard time met where the race has one (equal passes)."""
    if race.standard_time is not None and declared_time > race.standard_time:
        raise RuleViolation(
            f"申告タイム {format_time(declared_time, hours=race.meet.hours_in_times)} が{race.name}の参加標準記録 "
            f"{format_time(race.standard_time, hours=race.meet.hours_in_times)} を超えています。",
            field="declared_time",
        )


def validate_time(value, race: Race, *, field: str = "declared_time") -> int:
    """What the form checks as a time is typed: readable, plausible, within the standard."""
    if field == "personal_best":
        return read_optional_time(value, race)
    declared = read_time(value, race)
    check_standard(race, declared)
    return declared


def _check_not_entered(athlete: Athlete, race: Race, exclude_entry_id: int | None) -> None:
    """No duplicate in the race, and never in both an NCG race and its fallback race."""
    linked = _linked_race_ids(race)
    query = select(Entry.race_id).where(
        Entry.athlete_id == athlete.id,
        Entry.race_id.in_([race.id, *linked]),
        Entry.status != EntryStatus.WITHDRAWN,
    )
    if exclude_entry_id is not None:
        query = query.where(Entry.id != exclude_entry_id)
    taken = set(db.session.scalars(query))
    if race.id in taken:
        raise RuleViolation(
            f"{athlete.full_name}は既に{race.name}にエントリーしています。", field="athlete_id"
        )
    if taken:
        other = db.session.get(Race, taken.pop())
        raise RuleViolation(
            f"{athlete.full_name}は{other.name}にエントリー済みのため、{race.name}には"
            "エントリーできません（NCG種目とその一般種目の重複）。",
            field="race_id",
        )


def entered_athlete_ids(race: Race) -> set[int]:
    """Athletes already in `race` or a race linked to it (NCG and its fallback): the ones
    `add_entry` would refuse, for the entry form to show as エントリー済 instead of offering."""
    return set(
        db.session.scalars(
            select(Entry.athlete_id).where(
                Entry.race_id.in_([race.id, *_linked_race_ids(race)]),
                Entry.status != EntryStatus.WITHDRAWN,
            )
        )
    )


def _linked_race_ids(race: Race) -> list[int]:
    """The fallback race of an NCG race, or the NCG races falling back to a general race."""
    if race.is_ncg:
        return [race.fallback_race_id] if race.fallback_race_id else []
    return list(db.session.scalars(select(Race.id).where(Race.fallback_race_id == race.id)))


# ---------------------------------------------------------------------------------------------
# Capacity


def taken_slots(race_ids) -> dict[int, int]:
    """Submitted + confirmed entries per race, in one grouped query."""
    rows = db.session.execute(
        select(Entry.race_id, func.count())
        .where(Entry.race_id.in_(list(race_ids)), Entry.status.in_(CAPACITY_STATUSES))
        .group_by(Entry.race_id)
    )
    return dict(rows.all())


def remaining_capacity(races) -> dict[int, int | None]:
    """Free slots per race id (None: no limit)."""
    races = list(races)
    taken = taken_slots(race.id for race in races)
    return {
        race.id: None
        if race.max_entries is None
        else max(race.max_entries - taken.get(race.id, 0), 0)
        for race in races
    }


def _full_message(race: Race) -> str:
    return f"{race.name}は定員（{race.max_entries}名）に達しています。"


def _check_not_full(race: Race) -> None:
    """Early warning while drafting; the binding check is at submission."""
    if race.max_entries is not None and remaining_capacity([race])[race.id] <= 0:
        raise RuleViolation(_full_message(race), field="race_id")


# ---------------------------------------------------------------------------------------------
# The draft


def find_draft(by: User, meet_id: int) -> Application | None:
    return db.session.scalar(
        select(Application).where(
            Application.owned_by(by),
            Application.meet_id == meet_id,
            Application.status == ApplicationStatus.DRAFT,
        )
    )


def _draft_for(by: User, meet: Meet, ownership: dict) -> Application:
    draft = _existing_draft(meet, ownership)
    if draft is not None:
        return draft
    # The meet row lock serialises the per-meet serial number.
    db.session.execute(select(Meet.id).where(Meet.id == meet.id).with_for_update())
    seq = (
        db.session.scalar(select(func.max(Application.seq)).where(Application.meet_id == meet.id))
        or 0
    ) + 1
    draft = Application(
        meet=meet,
        seq=seq,
        number=f"{meet.number or meet.id}-{seq:04d}",
        created_by_id=by.id,
        **ownership,
    )
    retry = RuleViolation("ほかの操作と重なりました。もう一度「追加」を押してください。")
    with refused_on_conflict(retry):  # a teammate opened the team's draft a moment ago
        db.session.add(draft)
    audit.record(by, "application.create", draft, meet_id=meet.id, after={"number": draft.number})
    return draft


def _existing_draft(meet: Meet, ownership: dict) -> Application | None:
    return db.session.scalar(
        select(Application).where(
            Application.meet_id == meet.id,
            Application.status == ApplicationStatus.DRAFT,
            Application.organization_id == ownership["organization_id"],
            Application.owner_user_id == ownership["owner_user_id"],
        )
    )


def _get(model, object_id) -> object:
    obj = db.session.get(model, object_id) if object_id else None
    if obj is None:
        raise NotFound()
    return obj


def _owned_entry(entry_id: int, by: User) -> Entry:
    entry = _get(Entry, entry_id)
    if not by.is_official and not entry.application.is_owned_by(by):
        raise NotFound()
    return entry


def add_entry(
    by: User,
    *,
    meet_id: int,
    athlete_id: int,
    race_id: int,
    declared_time,
    personal_best=None,
    note: str = "",
    override_window: bool = False,
    owner: dict | None = None,
) -> Entry:
    """Add one athlete × race to the owner's draft (created on first add).

    Times are raw input (text or spreadsheet cell) read by the one time parser. `owner` (an
    official's late entry only; ignored for participants) is the team whose roster must hold
    the athlete.
    """
    meet = _get(Meet, meet_id)
    race = db.session.get(Race, race_id) if race_id else None
    if race is None or race.meet_id != meet.id:
        raise RuleViolation("種目を選んでください。", field="race_id")
    athlete = db.session.get(Athlete, athlete_id) if athlete_id else None
    if athlete is None:
        raise RuleViolation("選手を選んでください。", field="athlete_id")
    overridden = check_window(meet, by, override=override_window)
    declared = read_time(declared_time, race)
    best = read_optional_time(personal_best, race)
    ownership = ownership_of(by, athlete, owner)
    check_entry(by=by, athlete=athlete, race=race, declared_time=declared, owner=ownership)
    _check_not_full(race)
    draft = _draft_for(by, meet, ownership)
    taken = RuleViolation(
        f"{athlete.full_name}さんは{race.name}に既にエントリーされています"
        "（同じ団体の別の方が今追加しました）。",
        field="athlete_id",
    )
    with refused_on_conflict(taken):
        entry = Entry(
            application=draft,
            athlete=athlete,
            race=race,
            declared_time=declared,
            personal_best=best,
            note=(note or "").strip()[:200],
        )
        db.session.add(entry)
    after = audit.snapshot(entry, *ENTRY_FIELDS)
    if overridden:
        audit.record(by, "entry.window_override", entry, meet_id=meet.id, after=after)
    audit.record(by, "entry.add", entry, meet_id=meet.id, after=after)
    return entry


def update_entry(
    by: User, entry_id: int, *, declared_time, personal_best=None, note: str = ""
) -> Entry:
    entry = _owned_entry(entry_id, by)
    _require_draft(entry)
    check_window(entry.race.meet, by)
    declared = read_time(declared_time, entry.race)
    best = read_optional_time(personal_best, entry.race)
    check_entry(
        by=by,
        athlete=entry.athlete,
        race=entry.race,
        declared_time=declared,
        exclude_entry_id=entry.id,
    )
    before = audit.snapshot(entry, *ENTRY_FIELDS)
    entry.declared_time = declared
    entry.personal_best = best
    entry.note = (note or "").strip()[:200]
    after = audit.snapshot(entry, *ENTRY_FIELDS)
    if after != before:
        audit.record(
            by, "entry.update", entry, meet_id=entry.race.meet_id, before=before, after=after
        )
    return entry


def remove_entry(by: User, entry_id: int) -> Application:
    """Delete a draft row (submitted entries are withdrawn instead, never deleted)."""
    pauses.ensure_open("entry_editing")
    entry = _owned_entry(entry_id, by)
    _require_draft(entry)
    application = entry.application
    audit.record(
        by,
        "entry.remove",
        entry,
        meet_id=application.meet_id,
        before=audit.snapshot(entry, *ENTRY_FIELDS),
    )
    db.session.delete(entry)
    db.session.flush()
    db.session.expire(application, ["entries"])
    return application


def _require_draft(entry: Entry) -> None:
    if entry.status is not EntryStatus.DRAFT:
        raise RuleViolation(
            "提出済みのエントリーは変更・削除できません。出場しない場合は欠場連絡をしてください。"
        )


# ---------------------------------------------------------------------------------------------
# Submission


def submit_application(
    application_id: int, *, by: User, override_window: bool = False
) -> Application:
    """Freeze the draft: entries → submitted, fee snapshot, payment reference, email.

    `override_window`: an official's late entry after the window (audited).
    """
    application = db.session.scalar(
        select(Application).where(Application.id == application_id).with_for_update()
    )
    if application is None or not (by.is_official or application.is_owned_by(by)):
        raise NotFound()
    if not application.is_draft:
        raise RuleViolation(
            f"申込 {application.number} は既に提出されています（{application.status.label}）。"
        )
    entries = list(application.entries)
    if not entries:
        raise RuleViolation("エントリーがありません。選手と種目を追加してから提出してください。")
    meet = application.meet
    if check_window(meet, by, override=override_window):
        audit.record(by, "application.window_override", application, meet_id=meet.id)
    races = _lock_races({entry.race_id for entry in entries})
    owner = {
        "organization_id": application.organization_id,
        "owner_user_id": application.owner_user_id,
    }
    for entry in entries:
        check_entry(
            by=by,
            athlete=entry.athlete,
            race=races[entry.race_id],
            declared_time=entry.declared_time,
            exclude_entry_id=entry.id,
            owner=owner,
        )
    _check_capacity(races, Counter(entry.race_id for entry in entries))
    for entry in entries:
        entry.status = EntryStatus.SUBMITTED
    _freeze(application, by, count=len(entries))
    audit.record(
        by,
        "application.submit",
        application,
        meet_id=meet.id,
        after=audit.snapshot(
            application, "number", "status", "unit_fee", "entry_count", "total_amount"
        ),
    )
    _mail_submitted(application)
    return application


def _lock_races(race_ids: set[int]) -> dict[int, Race]:
    """SELECT … FOR UPDATE in id order, so concurrent submissions queue instead of deadlocking."""
    races = db.session.scalars(
        select(Race).where(Race.id.in_(sorted(race_ids))).order_by(Race.id).with_for_update()
    ).all()
    return {race.id: race for race in races}


def _check_capacity(races: dict[int, Race], wanted: Counter) -> None:
    taken = taken_slots(races)
    for race_id, count in sorted(wanted.items()):
        race = races[race_id]
        if race.max_entries is None:
            continue
        free = race.max_entries - taken.get(race_id, 0)
        if count > free:
            if free <= 0:
                raise RuleViolation(_full_message(race))
            raise RuleViolation(
                f"{race.name}の残りは{free}名分です（この申込では{count}名）。"
                "エントリーを減らしてから提出してください。"
            )


def _freeze(application: Application, by: User, *, count: int) -> None:
    application.unit_fee = application.meet.fee_per_entry
    application.entry_count = count
    application.total_amount = application.unit_fee * count
    application.submitted_at = utcnow()
    application.submitted_by_id = by.id
    application.status = ApplicationStatus.AWAITING_PAYMENT


@dataclass(frozen=True)
class Contact:
    email: str
    full_name: str


def contact_for(application: Application) -> Contact:
    """Who is mailed about an application: the team member who submitted (or created) it; when
    an official did both (late entry), the owner — the individual, or the team's representative."""
    for user in (application.submitted_by, application.created_by):
        if user is not None and not user.is_official:
            return Contact(user.email, user.full_name)
    if application.owner_user is not None:
        return Contact(application.owner_user.email, application.owner_user.full_name)
    team = application.organization
    return Contact(team.representative_email, team.representative_name)


def _mail_submitted(application: Application) -> None:
    contact = contact_for(application)
    outbox.enqueue(
        contact.email,
        "application_submitted",
        subject=f"エントリー申込を受け付けました（申込番号 {application.number}）",
        dedupe_key=f"application-submitted-{application.id}",
        application=application,
        meet=application.meet,
        bank_account=application.meet.bank_account,
        user=contact,
    )


# ---------------------------------------------------------------------------------------------
# After submission


def request_withdrawal(by: User, entry_id: int, reason: str) -> Entry:
    """欠場連絡: the entry leaves the start list; nothing is deleted and fees are not refunded."""
    entry = _owned_entry(entry_id, by)
    if entry.status not in WITHDRAWABLE_STATUSES:
        if entry.status is EntryStatus.DRAFT:
            raise RuleViolation("下書きのエントリーは欠場連絡ではなく削除してください。")
        raise RuleViolation(f"このエントリーは既に{entry.status.label}です。")
    reason = (reason or "").strip()
    if not reason:
        raise RuleViolation("欠場の理由を入力してください。", field="reason")
    before = audit.snapshot(entry, "status")
    entry.status = EntryStatus.WITHDRAWN
    entry.withdrawal_requested_at = utcnow()
    entry.withdrawal_requested_by_id = by.id
    entry.withdrawal_reason = reason[:200]
    audit.record(
        by,
        "entry.withdraw",
        entry,
        meet_id=entry.race.meet_id,
        before=before,
        after={"status": entry.status.value, "reason": entry.withdrawal_reason},
    )
    return entry
