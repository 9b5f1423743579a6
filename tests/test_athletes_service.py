"""Athlete master rules (SPEC §2): one rule check for the form and the import, per owner."""

import pytest
from sqlalchemy import select

from nitsys.domain.errors import NotFound, RuleViolation
from nitsys.extensions import db
from nitsys.models import Athlete, AuditEvent, Gender
from nitsys.services import athletes
from nitsys.services.athletes import AthleteInvalid
from tests.factories import athlete_fields, make_athlete, make_user


def create(user, **changes):
    athlete, _warnings = athletes.create_athlete(user, athlete_fields(**changes))
    db.session.commit()
    return athlete


def test_create_normalises_kana_prefecture_and_suggests_romaji(app):
    coach = make_user()
    athlete, warnings = athletes.create_athlete(
        coach,
        athlete_fields(last_name="本間 ", first_name="翔平", last_name_kana="ほんま",
                       first_name_kana="ｼｮｳﾍｲ", pref="東京都", jaaf_id="１２３４５６７８９０１"),
    )  # fmt: skip
    db.session.commit()
    assert warnings == []
    assert (athlete.last_name, athlete.last_name_kana, athlete.first_name_kana) == (
        "本間", "ホンマ", "ショウヘイ",
    )  # fmt: skip
    assert (athlete.last_name_en, athlete.first_name_en) == ("HOMMA", "Shohei")
    assert (athlete.pref_code, athlete.jaaf_id, athlete.nationality) == ("13", "12345678901", "JPN")
    assert athlete.organization_id == coach.organization_id and athlete.owner_user_id is None


def test_individual_owns_own_athletes(app):
    parent = make_user(individual=True)
    athlete = create(parent)
    assert athlete.owner_user_id == parent.id and athlete.organization_id is None


def test_typed_romaji_wins_over_the_suggestion(app):
    athlete = create(make_user(), last_name_en="satoh", first_name_en="YU")
    assert (athlete.last_name_en, athlete.first_name_en) == ("SATOH", "Yu")


def test_errors_are_reported_per_field_and_nothing_is_saved(app):
    coach = make_user()
    with pytest.raises(AthleteInvalid) as caught:
        athletes.create_athlete(
            coach, athlete_fields(last_name="", last_name_kana="Sato", birth_date="2023-01-01")
        )
    assert set(caught.value.errors) == {"last_name", "last_name_kana", "birth_date"}
    db.session.rollback()
    assert db.session.scalar(select(Athlete.id)) is None


def test_same_jaaf_id_or_same_person_is_refused_within_the_owner(app):
    coach = make_user()
    first = create(coach, jaaf_id="12345678901")
    with pytest.raises(AthleteInvalid) as same_id:
        athletes.create_athlete(coach, athlete_fields(jaaf_id="12345678901"))
    assert same_id.value.errors == {
        "jaaf_id": f"JAAF ID 12345678901 の選手は既に登録されています（{first.full_name}）。"
    }
    with pytest.raises(AthleteInvalid) as same_person:
        athletes.create_athlete(
            coach, athlete_fields(last_name="佐藤", first_name=first.first_name, jaaf_id="")
        )
    assert "同じ氏名・生年月日" in same_person.value.errors["last_name"]


def test_another_team_may_have_the_same_jaaf_id(app):
    create(make_user(), jaaf_id="12345678901")
    assert create(make_user(), jaaf_id="12345678901").jaaf_id == "12345678901"


def test_edit_keeps_own_jaaf_id_and_records_before_and_after(app):
    coach = make_user()
    athlete = create(coach, jaaf_id="12345678901")
    updated, _ = athletes.update_athlete(
        coach, athlete.id, athlete_fields(first_name=athlete.first_name, jaaf_id="12345678901",
                                          grade="2")
    )  # fmt: skip
    db.session.commit()
    assert updated.grade == "2"
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "athlete.update"))
    assert (event.before["grade"], event.after["grade"]) == ("1", "2")


def test_saving_without_change_writes_no_audit_event(app):
    coach = make_user()
    athlete = create(coach)
    fields = athlete_fields(first_name=athlete.first_name, jaaf_id=athlete.jaaf_id)
    athletes.update_athlete(coach, athlete.id, fields)
    db.session.commit()
    actions = db.session.scalars(select(AuditEvent.action)).all()
    assert actions == ["athlete.create"]


def test_another_teams_athlete_is_not_found(app):
    theirs = make_athlete(make_user())
    coach = make_user()
    with pytest.raises(NotFound):
        athletes.update_athlete(coach, theirs.id, athlete_fields())
    with pytest.raises(NotFound):
        athletes.deactivate_athlete(coach, theirs.id)
    with pytest.raises(NotFound):
        athletes.reactivate_athlete(coach, theirs.id)


def test_deactivate_and_undo(app):
    coach = make_user()
    athlete = create(coach)
    athletes.deactivate_athlete(coach, athlete.id)
    db.session.commit()
    assert athletes.search_athletes(coach) == []
    assert athletes.search_athletes(coach, active=False) == [athlete]
    athletes.reactivate_athlete(coach, athlete.id)
    db.session.commit()
    assert athletes.search_athletes(coach) == [athlete]
    actions = db.session.scalars(select(AuditEvent.action).order_by(AuditEvent.id)).all()
    assert actions == ["athlete.create", "athlete.deactivate", "athlete.reactivate"]


def test_undo_is_refused_when_the_jaaf_id_was_registered_again(app):
    coach = make_user()
    old = create(coach, jaaf_id="12345678901")
    athletes.deactivate_athlete(coach, old.id)
    create(coach, jaaf_id="12345678901", first_name="別人")
    with pytest.raises(RuleViolation, match="元に戻せません"):
        athletes.reactivate_athlete(coach, old.id)


def test_inactive_athlete_cannot_be_edited(app):
    coach = make_user()
    athlete = create(coach)
    athletes.deactivate_athlete(coach, athlete.id)
    with pytest.raises(RuleViolation, match="元に戻す"):
        athletes.update_athlete(coach, athlete.id, athlete_fields())


@pytest.mark.parametrize(
    "query",
    ["山田太郎", "山田 太郎", "山田　太郎", "太郎", "やまだ", "ﾔﾏﾀﾞﾀﾛｳ", "ヤマダ タロウ", "yamada",
     "Taro Yamada", "1234567", "１２３４５"],
)  # fmt: skip
def test_search_by_kanji_kana_romaji_or_jaaf_id(app, query):
    coach = make_user()
    yamada = make_athlete(coach, first_name="太郎", jaaf_id="12345678901")
    make_athlete(coach, last_name="鈴木", first_name="一郎", last_name_kana="スズキ",
                 first_name_kana="イチロウ", last_name_en="SUZUKI", first_name_en="Ichiro",
                 jaaf_id="99999999999")  # fmt: skip
    make_athlete(make_user(), first_name="太郎", jaaf_id="12345678902")  # another team's
    assert athletes.search_athletes(coach, query=query) == [yamada]


def test_filters_and_sort(app):
    coach = make_user()
    a = make_athlete(coach, last_name_kana="アオキ", grade="1", gender=Gender.FEMALE)
    b = make_athlete(coach, last_name_kana="ワタナベ", grade="4")
    c = make_athlete(coach, last_name_kana="カトウ", grade="")
    assert athletes.search_athletes(coach) == [a, c, b]
    assert athletes.search_athletes(coach, sort="grade") == [b, a, c]
    assert athletes.search_athletes(coach, gender="F") == [a]
    assert athletes.search_athletes(coach, grade="") == [c]
