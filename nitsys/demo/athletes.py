"""Step: ~3,000 athletes, sized and aged by the kind of organization they run for."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import insert

from nitsys.demo.context import DemoContext
from nitsys.demo.names import (
    FEMALE_GIVEN_NAMES,
    KENYAN_FEMALE_GIVEN_NAMES,
    KENYAN_MALE_GIVEN_NAMES,
    KENYAN_SURNAMES,
    MALE_GIVEN_NAMES,
    SURNAMES,
)
from nitsys.extensions import db
from nitsys.models import Athlete, Gender, OrganizationType


@dataclass(frozen=True)
class Squad:
    """How big a team of this kind is, who is in it and how old they are."""

    size: tuple[int, int]
    grades: tuple[str, ...]  # empty: no school year; the age range applies instead
    age_on_april_first: int = 0  # of a first-year student
    ages: tuple[int, int] = (0, 0)
    kenyan_share: float = 0.0  # chance the team has Kenyan members


SQUADS = {
    OrganizationType.UNIVERSITY: Squad((20, 44), ("1", "2", "3", "4"), 18, kenyan_share=0.15),
    OrganizationType.HIGH_SCHOOL: Squad((8, 20), ("1", "2", "3"), 15),
    OrganizationType.CORPORATE: Squad((5, 15), (), ages=(22, 35), kenyan_share=0.5),
    OrganizationType.CLUB: Squad((3, 12), (), ages=(18, 45)),
}
INDIVIDUAL = Squad((1, 2), (), ages=(20, 40))
# Share of men in a team: many teams are men only, some women only.
MALE_SHARES = (1.0, 1.0, 0.8, 0.65, 0.5, 0.0)
HOME_PREFECTURE_SHARE = 0.75


def years_before(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February
        return day.replace(year=day.year - years, day=28)


def _between(rng: random.Random, first: date, last: date) -> date:
    return first + timedelta(days=rng.randint(0, (last - first).days))


def birth_and_grade(rng: random.Random, squad: Squad, meet_day: date) -> tuple[date, str]:
    """A birth date that fits the school year (Japanese years start on 1 April)."""
    if not squad.grades:
        youngest, oldest = squad.ages
        first = years_before(meet_day, oldest + 1) + timedelta(days=1)
        return _between(rng, first, years_before(meet_day, youngest)), ""
    grade = rng.choice(squad.grades)
    school_year = meet_day.year if meet_day.month >= 4 else meet_day.year - 1
    age = squad.age_on_april_first + int(grade) - 1
    first = date(school_year - age - 1, 4, 2)
    return _between(rng, first, date(school_year - age, 4, 1)), grade


def _name(rng: random.Random, female: bool, kenyan: bool) -> dict:
    if kenyan:
        surname, surname_en = rng.choice(KENYAN_SURNAMES)
        given = KENYAN_FEMALE_GIVEN_NAMES if female else KENYAN_MALE_GIVEN_NAMES
        given_name, given_en = rng.choice(given)
        return {
            "last_name": surname, "first_name": given_name,
            "last_name_kana": surname, "first_name_kana": given_name,
            "last_name_en": surname_en, "first_name_en": given_en,
        }  # fmt: skip
    surname = rng.choice(SURNAMES)
    given = rng.choice(FEMALE_GIVEN_NAMES if female else MALE_GIVEN_NAMES)
    return {
        "last_name": surname[0], "first_name": given[0],
        "last_name_kana": surname[1], "first_name_kana": given[1],
        "last_name_en": surname[2], "first_name_en": given[2],
    }  # fmt: skip


class JaafIds:
    """11-digit registration numbers, never repeated in the demo data."""

    def __init__(self, rng: random.Random):
        self.rng = rng
        self.used: set[str] = set()

    def next(self) -> str:
        while True:
            candidate = str(self.rng.randrange(10**10, 10**11))
            if candidate not in self.used:
                self.used.add(candidate)
                return candidate


def squad_rows(rng, squad: Squad, meet_day: date, home_pref: str, jaaf_ids, owner: dict):
    size = rng.randint(*squad.size)
    kenyans = rng.randint(1, 2) if rng.random() < squad.kenyan_share else 0
    male_share = rng.choice(MALE_SHARES)
    rows = []
    for index in range(size):
        female = rng.random() >= male_share
        kenyan = index >= size - kenyans
        birth_date, grade = birth_and_grade(rng, squad, meet_day)
        pref = home_pref if rng.random() < HOME_PREFECTURE_SHARE else f"{rng.randint(1, 47):02d}"
        rows.append({
            **owner,
            **_name(rng, female, kenyan),
            "gender": Gender.FEMALE if female else Gender.MALE,
            "birth_date": birth_date,
            "grade": grade,
            "pref_code": pref,
            "jaaf_id": jaaf_ids.next(),
            "nationality": "KEN" if kenyan else "JPN",
        })  # fmt: skip
    return rows


def create_athletes(rng: random.Random, context: DemoContext) -> None:
    """Every team's squad, then one or two athletes per individual participant."""
    meet_day = context.meet_day
    jaaf_ids = JaafIds(rng)
    rows = []
    for organization in context.organizations:
        owner = {"organization_id": organization.id, "owner_user_id": None}
        home = context.organization_prefectures[organization.id]
        rows += squad_rows(rng, SQUADS[organization.org_type], meet_day, home, jaaf_ids, owner)
    for user in context.individuals:
        owner = {"organization_id": None, "owner_user_id": user.id}
        home = f"{rng.randint(1, 47):02d}"
        rows += squad_rows(rng, INDIVIDUAL, meet_day, home, jaaf_ids, owner)
    db.session.execute(insert(Athlete), rows)
