"""`flask seed-demo`: a deterministic data set shaped like the 325th meet."""

from __future__ import annotations

import random
import re
from collections import Counter
from datetime import UTC, date, datetime

import pytest
from sqlalchemy import func, select

from nitsys.demo import DEFAULT_SEED, seed_demo
from nitsys.demo.athletes import SQUADS, JaafIds, squad_rows
from nitsys.demo.context import DEMO_PASSWORD
from nitsys.extensions import db
from nitsys.formatting import jst
from nitsys.models import (
    Athlete,
    AuditEvent,
    Meet,
    Organization,
    OrganizationType,
    Race,
    Role,
    User,
)
from nitsys.services import accounts
from tests.conftest import empty_all_tables

KATAKANA = re.compile(r"^[ァ-ヴー]+$")
ROMAJI_SURNAME = re.compile(r"^[A-Z]+$")
ROMAJI_GIVEN = re.compile(r"^[A-Z][a-z]+$")
AGES = {
    OrganizationType.UNIVERSITY: (18, 22),
    OrganizationType.HIGH_SCHOOL: (15, 18),
    OrganizationType.CORPORATE: (22, 35),
}


@pytest.fixture
def seeded(app):
    summary = seed_demo(DEFAULT_SEED)
    db.session.commit()
    return summary


def age_on(birth: date, day: date) -> int:
    return day.year - birth.year - ((day.month, day.day) < (birth.month, birth.day))


def athlete_names() -> list[tuple]:
    return db.session.execute(
        select(Athlete.last_name, Athlete.first_name, Athlete.first_name_kana,
               Athlete.birth_date, Athlete.jaaf_id).order_by(Athlete.id)
    ).all()  # fmt: skip


def test_the_upcoming_meet_has_the_325th_race_set_and_takes_entries(seeded):
    events = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "demo.seed")).all()
    assert [event.after["athletes"] for event in events] == [seeded.counts["athletes"]]

    meet = db.session.scalars(select(Meet).where(Meet.number == 325)).one()
    now = datetime.now(UTC)
    assert meet.name == "第325回日本体育大学長距離競技会"
    assert meet.is_published and meet.entry_open
    assert meet.entry_opens_at < now < meet.entry_closes_at < meet.payment_deadline
    assert meet.payment_deadline.date() < meet.first_day
    assert meet.fee_per_entry == 1000
    assert "日本体育大学長距離ブロック" in str(meet.bank_account)

    races = {race.code: race for race in meet.races}
    assert set(races) == {"M5000", "M10000", "F3000", "F5000",
                          "NCG_M5000", "NCG_M10000", "NCG_F3000", "NCG_F5000"}  # fmt: skip
    assert races["M5000"].standard_time == 93000  # 15:30.00
    assert races["NCG_M5000"].standard_time == 86000  # 14:20.00
    assert races["M5000"].max_entries == 34 * 40
    assert jst(races["M10000"].first_start_at) == f"{meet.first_day:%Y/%m/%d} 07:30"
    for code, race in races.items():
        if race.is_ncg:
            assert race.fallback_race is races[code.removeprefix("NCG_")]
            assert race.ncg_capacity == 35
            assert race.standard_time < race.fallback_race.standard_time
        else:
            assert race.fallback_race is None

    past = db.session.scalars(select(Meet).where(Meet.number == 324)).one()
    assert past.first_day < now.date() and not past.entry_open


def test_organizations_users_and_athletes_look_like_a_real_meet(seeded):
    organizations = db.session.scalars(select(Organization)).all()
    assert 140 <= len(organizations) <= 160
    kinds = Counter(o.org_type for o in organizations)
    assert set(kinds) == {OrganizationType.UNIVERSITY, OrganizationType.HIGH_SCHOOL,
                          OrganizationType.CORPORATE, OrganizationType.CLUB}  # fmt: skip
    assert all(KATAKANA.match(o.name_kana) for o in organizations)
    assert all(o.short_name and len(o.short_name) < len(o.name) for o in organizations)

    members = Counter(db.session.scalars(select(User.organization_id)).all())
    assert all(1 <= members[o.id] <= 2 for o in organizations)
    individuals = members[None] - 2  # minus the staff and the official accounts
    assert 3 <= individuals <= 10

    athletes = db.session.scalars(select(Athlete)).all()
    assert 2700 <= len(athletes) <= 3300
    meet_day = db.session.scalars(select(Meet.first_day).where(Meet.entry_open)).one()
    for athlete in athletes:
        assert KATAKANA.match(athlete.last_name_kana) and KATAKANA.match(athlete.first_name_kana)
        assert ROMAJI_SURNAME.match(athlete.last_name_en)
        assert ROMAJI_GIVEN.match(athlete.first_name_en)
        assert 1 <= int(athlete.pref_code) <= 47 and len(athlete.pref_code) == 2
        assert re.fullmatch(r"\d{11}", athlete.jaaf_id)
        if athlete.organization is not None and athlete.organization.org_type in AGES:
            low, high = AGES[athlete.organization.org_type]
            assert low <= age_on(athlete.birth_date, meet_day) <= high, athlete
    nationalities = Counter(a.nationality for a in athletes)
    assert set(nationalities) == {"JPN", "KEN"} and nationalities["KEN"] < 60
    assert Counter(a.gender for a in athletes).most_common()[-1][1] > 500  # both genders
    assert len({a.full_name for a in athletes}) > 2000  # plausible variety


def test_the_same_seed_gives_the_same_data(app):
    seed_demo(DEFAULT_SEED)
    db.session.commit()
    first = athlete_names()
    empty_all_tables()
    seed_demo(DEFAULT_SEED)
    db.session.commit()
    assert athlete_names() == first


def test_another_seed_gives_other_athletes():
    def squad(seed: int) -> list[dict]:
        rng = random.Random(seed)
        return squad_rows(rng, SQUADS[OrganizationType.UNIVERSITY], date(2026, 7, 29), "13",
                          JaafIds(rng), {"organization_id": 1, "owner_user_id": None})  # fmt: skip

    assert squad(325) == squad(325)
    assert [row["last_name"] for row in squad(325)] != [row["last_name"] for row in squad(326)]


def test_cli_seeds_an_empty_database_once(app):
    runner = app.test_cli_runner()

    result = runner.invoke(args=["seed-demo"])
    assert result.exit_code == 0, result.output
    assert "staff@demo.nitsys.jp" in result.output
    assert DEMO_PASSWORD in result.output
    counted = [line.strip() for line in result.output.splitlines() if line.startswith("  ")]
    assert "結果: 420" in counted and "自己ベスト: 406" in counted
    assert not [line for line in counted if line[:1].isascii() and "@" not in line]  # all Japanese
    assert accounts.authenticate("staff@demo.nitsys.jp", DEMO_PASSWORD).role is Role.STAFF
    assert accounts.authenticate("official@demo.nitsys.jp", DEMO_PASSWORD).role is Role.OFFICIAL
    coach = accounts.authenticate("coach001@demo.nitsys.jp", DEMO_PASSWORD)
    assert coach.role is Role.PARTICIPANT and coach.organization.name in result.output
    assert accounts.authenticate("coach001@demo.nitsys.jp", "wrong-password") is None
    athletes = db.session.scalar(select(func.count(Athlete.id)))

    refused = runner.invoke(args=["seed-demo"])
    assert refused.exit_code == 1
    assert "既にユーザーがいる" in refused.output

    skipped = runner.invoke(args=["seed-demo", "--if-empty"])
    assert skipped.exit_code == 0
    assert "投入済み" in skipped.output
    assert "staff@demo.nitsys.jp" in skipped.output  # a newcomer who missed them sees logins
    assert db.session.scalar(select(func.count(Athlete.id))) == athletes
    assert db.session.scalar(select(func.count(Race.id))) == 16


def test_demo_has_a_team_registered_twice_for_the_merge_page(seeded):
    from nitsys.models import TeamNote
    from nitsys.services import team_merge

    duplicate = db.session.scalar(
        select(Organization).where(
            Organization.representative_email == "coach-duplicate@demo.nitsys.jp"
        )
    )
    original = db.session.scalar(
        select(Organization).where(Organization.name == duplicate.name.removesuffix("陸上競技部"))
    )
    preview = team_merge.plan(original.id, duplicate.id)
    assert [c.kind for c in preview.conflicts] == ["同じ選手", "同じ選手"]
    assert db.session.scalar(select(func.count(TeamNote.id))) == 3
