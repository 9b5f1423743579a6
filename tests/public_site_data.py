"""A small public site for the page tests: an upcoming meet with published heats and a past
meet with results, notices of each kind. Built with the factories (not the whole demo)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from nitsys.domain.lynx import ResultStatus
from nitsys.extensions import db
from nitsys.models import HeatResult, Meet, Notice, NoticeCategory, Race, RaceGender
from tests import factories


@dataclass
class PublicSite:
    upcoming: Meet
    past: Meet
    upcoming_race: Race
    past_race: Race
    runner_kanji: str
    runner_romaji: str
    team_names: list[str]
    data_strings: list[str]  # names, teams, meets, venue, notices: data, not UI text


def build_public_site() -> PublicSite:
    now = datetime.now(UTC)
    upcoming = factories.make_meet(name="第901回日本体育大学長距離競技会")
    past_day = (now - timedelta(days=30)).date()
    past = factories.make_meet(
        name="第900回日本体育大学長距離競技会",
        first_day=past_day,
        last_day=past_day,
        entry_opens_at=now - timedelta(days=80),
        entry_closes_at=now - timedelta(days=50),
        payment_deadline=None,
    )
    team = factories.make_organization(name="健志台実業団", short_name="健志台AC")
    coach = factories.make_user(organization=team)
    made = []
    for meet, start in ((upcoming, upcoming.first_day), (past, past.first_day)):
        race = factories.make_race(
            meet,
            gender=RaceGender.MALE,
            standard_time=15 * 60 * 100,
            max_entries=30,
            first_start_at=datetime.combine(start, datetime.min.time(), UTC) + timedelta(hours=1),
        )
        entries = factories.make_confirmed_entries(race, [84000, 85000, 86000], coach=coach)
        heat = factories.make_heat_with_slots(race, entries)
        heat.published_at = now - timedelta(days=1)
        made.append((race, heat))
    past_race, past_heat = made[1]
    for place, slot in enumerate(past_heat.slots, start=1):
        db.session.add(
            HeatResult(
                slot_id=slot.id,
                heat_id=past_heat.id,
                status=ResultStatus.FINISHED,
                place=place,
                time=84000 + place * 100,
            )
        )
    # One runner with a romaji name (the factories give every athlete "YAMADA Taro").
    athlete = made[0][1].slots[0].entry.athlete
    notices = [
        Notice(title="第901回 タイムテーブル変更", body="男子5000mの開始を変更します。",
               category=NoticeCategory.IMPORTANT, meet_id=upcoming.id,
               publish_at=now - timedelta(hours=2)),
        Notice(title="雷注意報のお知らせ", body="天候に注意してください。",
               category=NoticeCategory.URGENT, publish_at=now - timedelta(hours=1)),
        Notice(title="第900回 結果を掲載しました", body="結果をご覧ください。",
               meet_id=past.id, publish_at=now - timedelta(days=29)),
    ]  # fmt: skip
    db.session.add_all(notices)
    db.session.commit()
    athletes = [slot.entry.athlete for _, heat in made for slot in heat.slots]
    data = [upcoming.name, past.name, upcoming.venue, team.name, team.short_name]
    for a in athletes:
        data += [a.full_name, a.full_name_kana, a.last_name, a.first_name]
    for n in notices:
        data += [n.title, n.body]
    return PublicSite(
        upcoming=upcoming,
        past=past,
        upcoming_race=made[0][0],
        past_race=past_race,
        runner_kanji=athlete.full_name,
        runner_romaji=athlete.full_name_en,
        team_names=[team.name, team.short_name],
        data_strings=sorted(set(data), key=len, reverse=True),
    )
