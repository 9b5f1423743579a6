"""One-line builders of realistic objects (CTFd `gen_*` style). Each commits."""

from __future__ import annotations

import itertools
import json
from datetime import UTC, date, datetime, timedelta

from nitsys.extensions import db
from nitsys.models import (
    Athlete,
    BankAccount,
    Gender,
    Meet,
    Organization,
    OrganizationType,
    Race,
    RaceGender,
    Role,
    User,
)

PASSWORD = "correct-horse-42"
_counter = itertools.count(1)


def _n() -> int:
    return next(_counter)


def save(obj):
    db.session.add(obj)
    db.session.commit()
    return obj


def make_organization(**fields) -> Organization:
    n = _n()
    values = {
        "name": f"テスト大学{n}",
        "name_kana": f"テストダイガク{n}",
        "short_name": f"テスト{n}",
        "org_type": OrganizationType.UNIVERSITY,
        "representative_name": "代表 太郎",
        "representative_email": f"rep{n}@example.jp",
        "representative_phone": "03-1234-5678",
    }
    values.update(fields)
    return save(Organization(**values))


def make_user(
    role: str | Role = Role.PARTICIPANT,
    *,
    organization=None,
    individual=False,
    password: str = PASSWORD,
    **fields,
) -> User:
    """A participant belongs to a new team unless `individual=True` or a team is given."""
    role = Role(role)
    if organization is None and role is Role.PARTICIPANT and not individual:
        organization = make_organization()
    n = _n()
    values = {
        "email": f"user{n}@example.jp",
        "full_name": f"利用者 {n}",
        "full_name_kana": "リヨウシャ",
        "phone": "090-0000-0000",
        "role": role,
        "organization": organization,
    }
    values.update(fields)
    user = User(**values)
    user.set_password(password)
    return save(user)


def make_athlete(owner: User | Organization | None = None, **fields) -> Athlete:
    if owner is None:
        owner = make_organization()
    if isinstance(owner, User):
        ownership = (
            {"organization": owner.organization}
            if owner.organization is not None
            else {"owner_user": owner}
        )
    else:
        ownership = {"organization": owner}
    n = _n()
    values = {
        "last_name": "山田",
        "first_name": f"太郎{n}",
        "last_name_kana": "ヤマダ",
        "first_name_kana": "タロウ",
        "last_name_en": "YAMADA",
        "first_name_en": "Taro",
        "gender": Gender.MALE,
        "birth_date": date(2004, 5, 1),
        "grade": "2",
        "pref_code": "13",
        "jaaf_id": f"{10000000000 + n}",
        **ownership,
    }
    values.update(fields)
    return save(Athlete(**values))


def make_bank_account(**fields) -> BankAccount:
    values = {
        "bank_name": "ゆうちょ銀行",
        "branch_name": "〇二八店",
        "account_number": "1234567",
        "account_holder": "日本体育大学長距離ブロック",
    }
    values.update(fields)
    return save(BankAccount(**values))


def make_meet(**fields) -> Meet:
    """A published meet taking entries now, first day 30 days ahead."""
    now = datetime.now(UTC)
    first_day = (now + timedelta(days=30)).date()
    n = _n()
    values = {
        "number": 300 + n,
        "name": f"第{300 + n}回日本体育大学長距離競技会",
        "first_day": first_day,
        "last_day": first_day,
        "entry_opens_at": now - timedelta(days=7),
        "entry_closes_at": now + timedelta(days=14),
        "payment_deadline": now + timedelta(days=20),
        "fee_per_entry": 2000,
        "is_published": True,
        "entry_open": True,
    }
    values.update(fields)
    return save(Meet(**values))


def make_race(
    meet: Meet | None = None,
    *,
    distance: int = 5000,
    gender: RaceGender = RaceGender.MALE,
    is_ncg: bool = False,
    **fields,
) -> Race:
    meet = meet or make_meet()
    values = {
        "meet": meet,
        "distance": distance,
        "gender": gender,
        "is_ncg": is_ncg,
        "name": Race.default_name(gender, distance, is_ncg),
        "heat_capacity": meet.default_heat_capacity,
    }
    values.update(fields)
    return save(Race(**values))


def log_in(client, user: User) -> None:
    """Put `user` in the test client's session as a real login would."""
    now = datetime.now(UTC).timestamp()
    with client.session_transaction() as session:
        session["_user_id"] = user.get_id()
        session["_fresh"] = True
        session["login_at"] = now
        session["seen_at"] = now


def make_submitted_entries(
    user: User, race: Race, count: int = 1, *, declared_time: str = "15:00.00"
):
    """`count` new athletes of `user`'s team entered in `race` and submitted as one application."""
    from nitsys.models import Gender as AthleteGender
    from nitsys.services import entries as entry_service

    gender = AthleteGender.FEMALE if race.gender is RaceGender.FEMALE else AthleteGender.MALE
    added = []
    for _ in range(count):
        athlete = make_athlete(user, gender=gender)
        added.append(
            entry_service.add_entry(
                user,
                meet_id=race.meet_id,
                athlete_id=athlete.id,
                race_id=race.id,
                declared_time=declared_time,
            )
        )
    application = entry_service.submit_application(added[0].application_id, by=user)
    db.session.commit()
    return application


def athlete_fields(**changes) -> dict:
    """What a coach types into the athlete form (raw text, as the service receives it)."""
    n = _n()
    values = {
        "last_name": "佐藤",
        "first_name": f"優{n}",
        "last_name_kana": "サトウ",
        "first_name_kana": "ユウ",
        "gender": "M",
        "birth_date": "2005-04-02",
        "grade": "1",
        "pref": "神奈川",
        "jaaf_id": f"{20000000000 + n}",
        "nationality": "JPN",
        "last_name_en": "",
        "first_name_en": "",
    }
    values.update(changes)
    return values


def make_confirmed_entries(race: Race, times, *, coach: User | None = None, **entry_fields):
    """Paid entries of `coach`'s team (a new team by default) in `race`, one per declared time
    (hundredths of a second), as the payments review leaves them: confirmed."""
    from nitsys.models import Application, ApplicationStatus, Entry, EntryStatus

    coach = coach or make_user()
    now = datetime.now(UTC)
    seq = _n()
    times = list(times)
    application = save(
        Application(
            meet_id=race.meet_id,
            seq=seq,
            number=f"{race.meet.number}-{seq:04d}",
            status=ApplicationStatus.PAID,
            created_by_id=coach.id,
            submitted_by_id=coach.id,
            submitted_at=now,
            unit_fee=race.meet.fee_per_entry,
            entry_count=len(times),
            total_amount=race.meet.fee_per_entry * len(times),
            **Application.ownership_for(coach),
        )
    )
    gender = Gender.FEMALE if race.gender is RaceGender.FEMALE else Gender.MALE
    owner = coach.organization or coach
    entries = [
        Entry(
            application_id=application.id,
            athlete_id=make_athlete(owner, gender=gender).id,
            race_id=race.id,
            declared_time=time,
            status=EntryStatus.CONFIRMED,
            **entry_fields,
        )
        for time in times
    ]
    db.session.add_all(entries)
    db.session.commit()
    return entries


def toast_message(response) -> str:
    """The toast text an HTMX response asks the page to show (HX-Trigger is ASCII JSON)."""
    return json.loads(response.headers["HX-Trigger"])["toast"]["message"]


def make_locked_heats(race: Race, by: User) -> list:
    """Heats for `race` as the programme builder leaves them before the meet: generated, every
    runner with a bib, every heat locked (ready for the exports)."""
    from nitsys.services import heats

    heats.generate_heats(race.id, by=by)
    heats.assign_bibs(race.meet_id, by=by)
    race_heats = heats.race_heats(race.id)
    for heat in race_heats:
        heats.lock_heat(heat.id, by=by)
    db.session.commit()
    return race_heats


def make_heat_with_slots(race: Race, entries, *, number: int = 1, locked: bool = True, bib=None):
    """A heat of `race` holding `entries` at positions 1..n, bibs from `bib` (default: a fresh
    range), locked (確定) unless told otherwise — built directly, without the generator."""
    from nitsys.models import Heat, HeatSlot

    now = datetime.now(UTC)
    heat = save(
        Heat(race_id=race.id, number=number, locked=locked, locked_at=now if locked else None)
    )
    first_bib = bib if bib is not None else 1000 + _n() * 100
    db.session.add_all(
        HeatSlot(
            heat_id=heat.id,
            entry_id=entry.id,
            meet_id=race.meet_id,
            position=position,
            bib=first_bib + position - 1,
        )
        for position, entry in enumerate(entries, start=1)
    )
    db.session.commit()
    return heat
