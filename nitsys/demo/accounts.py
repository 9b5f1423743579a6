"""Steps: the office accounts, ~150 organizations with their coaches, a few individuals."""

from __future__ import annotations

import itertools
import random
from dataclasses import dataclass

from nitsys.demo.context import DemoContext, demo_email
from nitsys.demo.names import FEMALE_GIVEN_NAMES, MALE_GIVEN_NAMES, PLACES, SURNAMES
from nitsys.extensions import db
from nitsys.models import Organization, OrganizationType, Role, User


@dataclass(frozen=True)
class OrganizationKind:
    """Names are place + variant + tail, e.g. 横浜 + 体育 + 大学, short name 横浜体大."""

    org_type: OrganizationType
    count: int
    tail: str
    tail_kana: str
    variants: tuple[tuple[str, str, str], ...]  # (kanji, katakana, short-name suffix)


ORGANIZATION_KINDS = (
    OrganizationKind(
        OrganizationType.UNIVERSITY,
        60,
        "大学",
        "ダイガク",
        (
            ("", "", "大"),
            ("学院", "ガクイン", "学院大"),
            ("工業", "コウギョウ", "工大"),
            ("国際", "コクサイ", "国際大"),
            ("経済", "ケイザイ", "経大"),
            ("体育", "タイイク", "体大"),
            ("産業", "サンギョウ", "産大"),
            ("文化", "ブンカ", "文化大"),
        ),
    ),
    OrganizationKind(
        OrganizationType.HIGH_SCHOOL,
        50,
        "高等学校",
        "コウトウガッコウ",
        (
            ("", "", "高"),
            ("東", "ヒガシ", "東高"),
            ("西", "ニシ", "西高"),
            ("南", "ミナミ", "南高"),
            ("北", "キタ", "北高"),
            ("中央", "チュウオウ", "中央高"),
            ("学園", "ガクエン", "学園高"),
            ("工業", "コウギョウ", "工高"),
            ("商業", "ショウギョウ", "商高"),
        ),
    ),
    OrganizationKind(
        OrganizationType.CORPORATE,
        25,
        "陸上競技部",
        "リクジョウキョウギブ",
        (
            ("電機", "デンキ", "電機"),
            ("製薬", "セイヤク", "製薬"),
            ("物流", "ブツリュウ", "物流"),
            ("自動車", "ジドウシャ", "自動車"),
            ("ガス", "ガス", "ガス"),
            ("建設", "ケンセツ", "建設"),
            ("化学", "カガク", "化学"),
            ("精工", "セイコウ", "精工"),
        ),
    ),
    OrganizationKind(
        OrganizationType.CLUB,
        15,
        "",
        "",
        (
            ("ランニングクラブ", "ランニングクラブ", "RC"),
            ("アスリートクラブ", "アスリートクラブ", "AC"),
            ("トラッククラブ", "トラッククラブ", "TC"),
        ),
    ),
)
INDIVIDUAL_COUNT = 6
SECOND_COACH_SHARE = 0.3


def random_person(rng: random.Random, *, female: bool | None = None):
    """((姓, セイ, SEI), (名, メイ, Mei)) — the gender is drawn when not given."""
    if female is None:
        female = rng.random() < 0.3
    given = FEMALE_GIVEN_NAMES if female else MALE_GIVEN_NAMES
    return rng.choice(SURNAMES), rng.choice(given)


def _mobile(rng: random.Random) -> str:
    return (
        f"{rng.choice(('070', '080', '090'))}-{rng.randint(1000, 9999)}-{rng.randint(1000, 9999)}"
    )


def _user(context: DemoContext, rng: random.Random, email: str, **fields) -> User:
    surname, given = random_person(rng)
    values = {
        "email": email,
        "password_hash": context.password_hash,
        "full_name": f"{surname[0]} {given[0]}",
        "full_name_kana": f"{surname[1]} {given[1]}",
        "phone": _mobile(rng),
        **fields,
    }
    return User(**values)


def create_office_accounts(rng: random.Random, context: DemoContext) -> None:
    context.staff = _user(context, rng, demo_email("staff"), role=Role.STAFF)
    context.official = _user(context, rng, demo_email("official"), role=Role.OFFICIAL)
    db.session.add_all([context.staff, context.official])


def _organization(rng: random.Random, kind: OrganizationKind, place, variant) -> Organization:
    city, city_kana, pref_code, prefecture = place
    middle, middle_kana, short_suffix = variant
    return Organization(
        name=f"{city}{middle}{kind.tail}",
        name_kana=f"{city_kana}{middle_kana}{kind.tail_kana}",
        short_name=f"{city}{short_suffix}",
        org_type=kind.org_type,
        representative_name="",  # the first coach, filled in below
        representative_email="",
        representative_phone=(
            f"0{rng.randint(10, 99)}-{rng.randint(100, 999)}-{rng.randint(1000, 9999)}"
        ),
        postal_code=f"{rng.randint(100, 999)}-{rng.randint(0, 9999):04d}",
        prefecture=pref_code,
        address=f"{prefecture}{city}市{rng.randint(1, 9)}-{rng.randint(1, 30)}-{rng.randint(1, 20)}",
        jaaf_code=f"{rng.randint(10000, 99999)}",
    )


def create_organizations(rng: random.Random, context: DemoContext) -> None:
    """The teams, each with one or two coach accounts (coach001@…, coach002@…, …)."""
    prefectures = []
    for kind in ORGANIZATION_KINDS:
        combinations = list(itertools.product(PLACES, kind.variants))
        for place, variant in rng.sample(combinations, kind.count):
            context.organizations.append(_organization(rng, kind, place, variant))
            prefectures.append(place[2])
    db.session.add_all(context.organizations)
    db.session.flush()
    for organization, pref_code in zip(context.organizations, prefectures, strict=True):
        context.organization_prefectures[organization.id] = pref_code
    for organization in context.organizations:
        coach_count = 2 if rng.random() < SECOND_COACH_SHARE else 1
        for _ in range(coach_count):
            email = demo_email(f"coach{len(context.coaches) + 1:03d}")
            coach = _user(context, rng, email, organization_id=organization.id)
            context.coaches.append(coach)
        first = context.coaches[-coach_count]
        organization.representative_name = first.full_name
        organization.representative_email = first.email
    db.session.add_all(context.coaches)


def create_individuals(rng: random.Random, context: DemoContext) -> None:
    """Participants entering alone (runner01@…), filed under an affiliation they type."""
    for n in range(1, INDIVIDUAL_COUNT + 1):
        city = rng.choice(PLACES)[0]
        affiliation = rng.choice(("無所属", f"{city}走友会", f"チーム{city}"))
        user = _user(context, rng, demo_email(f"runner{n:02d}"), affiliation_name=affiliation)
        context.individuals.append(user)
    db.session.add_all(context.individuals)
    db.session.flush()
