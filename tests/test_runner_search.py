"""One search box, three desks: check-in, the public "find my heat" and the trouble desk find a
runner the same way, and a number too long to be a bib finds nothing instead of failing."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from nitsys.extensions import db
from nitsys.models import HeatSlot
from nitsys.services import checkin, heats, payments
from tests import factories
from tests.test_heats_publication import published_race

TOO_LONG = "9" * 20  # overflowed the bib column (500 at every desk) before


@pytest.fixture
def field(app):
    """A published, locked race with a runner whose kana is distinctive, and an unpaid one."""
    meet, race, mine, _ = published_race(factories.make_user("official"), factories.make_user())
    runner = mine[0].athlete
    runner.last_name_kana, runner.first_name_kana = "サクラギ", "ハナコ"
    coach = factories.make_user()
    unpaid = factories.make_submitted_entries(coach, race)
    unpaid.entries[0].athlete.last_name_kana = "サクラギ"
    return meet, runner, unpaid


def test_hiragana_finds_the_runner_at_every_desk(field):
    meet, runner, unpaid = field
    assert [card.name for card in checkin.search(meet.id, "さくらぎ はなこ")] == [runner.full_name]
    assert [row.name for row in heats.published_rows(meet.id, search="さくらぎはなこ")] == [
        runner.full_name
    ]
    assert payments.force_candidates(meet.id, "さくらぎ") == [unpaid]


def test_a_full_width_bib_finds_its_runner(field):
    meet, runner, _ = field
    bib = str(next(slot.bib for slot in _slots(meet.id) if slot.entry.athlete_id == runner.id))
    full_width = bib.translate(str.maketrans("0123456789", "０１２３４５６７８９"))
    assert [card.name for card in checkin.search(meet.id, full_width)] == [runner.full_name]
    assert [row.name for row in heats.published_rows(meet.id, search=full_width)] == [
        runner.full_name
    ]


def test_a_number_too_long_for_a_bib_finds_nothing(field):
    meet, _, _ = field
    assert checkin.search(meet.id, TOO_LONG) == []
    assert heats.published_rows(meet.id, search=TOO_LONG) == []
    assert payments.force_candidates(meet.id, TOO_LONG) == []


def _slots(meet_id: int) -> list[HeatSlot]:
    return db.session.scalars(select(HeatSlot).where(HeatSlot.meet_id == meet_id)).all()


@pytest.fixture
def yamada(app):
    """山田 of one team, and 松本 of 郡山大学 (read コオリヤマダイガク, "koriyamadai")."""
    meet, _race, mine, others = published_race(
        factories.make_user("official"), factories.make_user()
    )
    runner = mine[0].athlete
    runner.last_name, runner.first_name = "山田", "太郎"
    runner.last_name_kana, runner.first_name_kana = "ヤマダ", "タロウ"
    runner.last_name_en, runner.first_name_en = "YAMADA", "Taro"
    teammate = mine[1].athlete  # the factories' runners are all 山田; this one is not
    teammate.last_name, teammate.last_name_kana, teammate.last_name_en = "佐藤", "サトウ", "SATO"
    other = others[0].athlete
    other.last_name, other.first_name = "松本", "健"
    other.last_name_kana, other.first_name_kana = "マツモト", "ケン"
    other.last_name_en, other.first_name_en = "MATSUMOTO", "Ken"
    other.organization.name, other.organization.short_name = "郡山大学", "郡山大"
    other.organization.name_kana = "コオリヤマダイガク"
    db.session.commit()
    return meet, runner, other


@pytest.mark.parametrize("typed", ["やまだ", "ヤマダ", "yamada", "Yamada Taro", "taro yamada"])
def test_kana_and_romaji_match_names_not_the_inside_of_words(yamada, typed):
    meet, runner, _ = yamada
    assert [card.name for card in checkin.search(meet.id, typed)] == [runner.full_name]
    assert [row.name for row in heats.published_rows(meet.id, search=typed)] == [runner.full_name]


def test_a_team_is_found_by_the_start_of_its_kana_and_by_its_name(yamada):
    meet, _, other = yamada
    for typed in ("こおりやま", "郡山"):
        assert [card.name for card in checkin.search(meet.id, typed)] == [other.full_name]
