"""Every rule of SPEC §4, allowed and refused, through each channel with the same message:
the service, the entry form (HTMX and plain POST) and the Excel import."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from io import BytesIO

import pytest
from openpyxl import Workbook
from sqlalchemy import func, select

from nitsys.domain.errors import RuleViolation
from nitsys.extensions import db
from nitsys.models import Entry, Gender, RaceGender
from nitsys.services import entries
from tests import factories

NOW = datetime.now(UTC)


def _setup(coach, *, meet=None, race=None, gender=Gender.MALE, time="15:00.00", **athlete):
    meet = meet or factories.make_meet()
    race = race or factories.make_race(meet)
    return {
        "meet": meet,
        "race": race,
        "time": time,
        "athlete": factories.make_athlete(coach, gender=gender, **athlete),
    }


def ok_plain(coach):
    return _setup(coach)


def ok_mixed_race_takes_women(coach):
    meet = factories.make_meet()
    return _setup(
        coach,
        meet=meet,
        gender=Gender.FEMALE,
        race=factories.make_race(meet, gender=RaceGender.MIXED),
    )


def ok_standard_equal_passes(coach):
    meet = factories.make_meet()
    return _setup(
        coach, meet=meet, time="15:30.00", race=factories.make_race(meet, standard_time=93000)
    )


def ok_ncg_alone(coach):
    meet = factories.make_meet()
    general = factories.make_race(meet)
    ncg = factories.make_race(meet, is_ncg=True, fallback_race=general, standard_time=93000)
    return _setup(coach, meet=meet, race=ncg)


def closed_window(coach):
    return _setup(
        coach,
        meet=factories.make_meet(
            entry_opens_at=NOW - timedelta(days=9), entry_closes_at=NOW - timedelta(days=1)
        ),
    )


def paused_window(coach):
    return _setup(coach, meet=factories.make_meet(entry_open=False))


def window_not_yet_open(coach):
    return _setup(
        coach,
        meet=factories.make_meet(
            entry_opens_at=NOW + timedelta(days=1), entry_closes_at=NOW + timedelta(days=9)
        ),
    )


def gender_mismatch(coach):
    return _setup(coach, gender=Gender.FEMALE)


def standard_not_met(coach):
    meet = factories.make_meet()
    return _setup(
        coach, meet=meet, time="15:30.01", race=factories.make_race(meet, standard_time=93000)
    )


def duplicate(coach):
    case = _setup(coach)
    entries.add_entry(
        coach,
        meet_id=case["meet"].id,
        athlete_id=case["athlete"].id,
        race_id=case["race"].id,
        declared_time="15:10.00",
    )
    entries.submit_application(entries.find_draft(coach, case["meet"].id).id, by=coach)
    db.session.commit()
    return case


def ncg_after_fallback(coach):
    meet = factories.make_meet()
    general = factories.make_race(meet)
    ncg = factories.make_race(meet, is_ncg=True, fallback_race=general)
    case = _setup(coach, meet=meet, race=ncg)
    entries.add_entry(
        coach,
        meet_id=meet.id,
        athlete_id=case["athlete"].id,
        race_id=general.id,
        declared_time="15:10.00",
    )
    db.session.commit()
    return case


def fallback_after_ncg(coach):
    meet = factories.make_meet()
    general = factories.make_race(meet)
    ncg = factories.make_race(meet, is_ncg=True, fallback_race=general)
    case = _setup(coach, meet=meet, race=general)
    entries.add_entry(
        coach,
        meet_id=meet.id,
        athlete_id=case["athlete"].id,
        race_id=ncg.id,
        declared_time="15:10.00",
    )
    db.session.commit()
    return case


def inactive_athlete(coach):
    return _setup(coach, is_active=False)


def full_race(coach):
    meet = factories.make_meet()
    race = factories.make_race(meet, max_entries=2)
    factories.make_submitted_entries(factories.make_user(), race, 2)
    return _setup(coach, meet=meet, race=race)


def unreadable_time(coach):
    return _setup(coach, time="14:75.00")


def implausible_time(coach):
    return _setup(coach, time="4:30.00")


def empty_time(coach):
    return _setup(coach, time="")


ALLOWED = [ok_plain, ok_mixed_race_takes_women, ok_standard_equal_passes, ok_ncg_alone]
REFUSED = {
    closed_window: "締切",
    paused_window: "一時停止",
    window_not_yet_open: "受付前",
    gender_mismatch: "性別が種目と一致しません",
    standard_not_met: "参加標準記録 15:30.00 を超えています",
    duplicate: "既に男子5000mにエントリーしています",
    ncg_after_fallback: "NCG種目とその一般種目の重複",
    fallback_after_ncg: "NCG種目とその一般種目の重複",
    inactive_athlete: "無効になっています",
    full_race: "定員（2名）に達しています",
    unreadable_time: "秒は60未満",
    implausible_time: "ありえない値です",
    empty_time: "申告タイムを入力してください",
}


def service_message(coach, case) -> str | None:
    """The message of the one rule function (nothing is kept)."""
    try:
        entries.add_entry(
            coach,
            meet_id=case["meet"].id,
            athlete_id=case["athlete"].id,
            race_id=case["race"].id,
            declared_time=case["time"],
        )
    except RuleViolation as error:
        return error.message
    finally:
        db.session.rollback()
    return None


def via_form(client, case, *, htmx: bool):
    headers = {"HX-Request": "true"} if htmx else {}
    return client.post(
        f"/my/meets/{case['meet'].id}/entry",
        data={
            "race_id": case["race"].id,
            "athlete_id": case["athlete"].id,
            "declared_time": case["time"],
            "personal_best": "",
        },
        headers=headers,
    )


def workbook(
    rows, header=("JAAF ID", "姓", "名", "種目コード", "申告タイム", "自己ベスト")
) -> bytes:
    book = Workbook()
    book.active.append(list(header))
    for row in rows:
        book.active.append(list(row))
    buffer = BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def upload(client, meet, data: bytes):
    return client.post(
        f"/my/meets/{meet.id}/import",
        data={"file": (BytesIO(data), "entries.xlsx")},
        content_type="multipart/form-data",
    )


def via_import(client, case):
    athlete = case["athlete"]
    data = workbook(
        [
            (
                athlete.jaaf_id,
                athlete.last_name,
                athlete.first_name,
                case["race"].code,
                case["time"],
                "",
            )
        ]
    )
    return upload(client, case["meet"], data)


def entry_count() -> int:
    return db.session.scalar(select(func.count()).select_from(Entry))


@pytest.fixture
def coach(app, login_as):
    return login_as()


@pytest.mark.parametrize("scenario", ALLOWED, ids=lambda f: f.__name__)
def test_allowed_in_every_channel(coach, client, scenario):
    case = scenario(coach)
    before = entry_count()
    assert service_message(coach, case) is None

    response = via_import(client, case)
    assert response.status_code == 200
    assert "取り込み可能 <strong>1</strong>行" in response.text
    assert entry_count() == before, "the preview writes nothing"

    response = via_form(client, case, htmx=True)
    assert response.status_code == 200, response.text
    assert entry_count() == before + 1


@pytest.mark.parametrize("scenario", list(REFUSED), ids=lambda f: f.__name__)
def test_refused_in_every_channel_with_the_same_message(coach, client, scenario):
    case = scenario(coach)
    before = entry_count()
    message = service_message(coach, case)
    assert message is not None and REFUSED[scenario] in message

    for htmx in (True, False):
        response = via_form(client, case, htmx=htmx)
        assert response.status_code == 422
        assert message in response.text

    response = via_import(client, case)
    if response.status_code == 422:  # the window is checked for the whole file
        assert message in response.text
    else:
        assert f'<span class="field-error">{message}</span>' in response.text
    assert entry_count() == before


def test_unpublished_meet_is_refused_by_the_service_and_invisible_to_pages(coach, client):
    case = _setup(coach, meet=factories.make_meet(is_published=False))
    assert service_message(coach, case) == "この大会は公開されていません。"
    assert via_form(client, case, htmx=True).status_code == 404
    assert via_import(client, case).status_code == 404


def test_another_teams_athlete_is_refused_and_never_matched_by_the_import(coach, client):
    other_team = factories.make_user()
    case = _setup(other_team)
    assert "無効になっています" in service_message(coach, case)
    response = via_form(client, case, htmx=True)
    assert response.status_code == 422 and "無効になっています" in response.text
    response = via_import(client, case)
    assert f"JAAF ID「{case['athlete'].jaaf_id}」の選手が選手マスタにいません" in response.text
