"""Team API: the roster and entries of the token's team through the same services (the same
rules and messages as the forms); another team's ids are 404 on every object endpoint."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from nitsys.extensions import db
from nitsys.models import Athlete, Entry
from nitsys.services import heats
from tests import factories
from tests.api_support import bearer, make_token
from tests.test_entry_rules import ALLOWED, REFUSED, service_message

API = "/api/v1"


@pytest.fixture
def coach(app):
    return factories.make_user()


@pytest.fixture
def writer(coach):
    return bearer(make_token(coach, "read", "write"))


def add_via_api(client, headers, case):
    return client.post(
        f"{API}/team/meets/{case['meet'].id}/entries",
        json={
            "athlete_id": case["athlete"].id,
            "race_id": case["race"].id,
            "declared_time": case["time"],
        },
        headers=headers,
    )


def entry_count() -> int:
    return db.session.scalar(select(func.count()).select_from(Entry))


@pytest.mark.parametrize("scenario", ALLOWED, ids=lambda f: f.__name__)
def test_entries_the_form_allows_are_added_through_the_api(coach, client, writer, scenario):
    case = scenario(coach)
    before = entry_count()
    response = add_via_api(client, writer, case)
    assert response.status_code == 201, response.text
    body = response.get_json()
    assert body["status"] == "draft" and body["athlete_id"] == case["athlete"].id
    assert entry_count() == before + 1


@pytest.mark.parametrize("scenario", list(REFUSED), ids=lambda f: f.__name__)
def test_entries_the_form_refuses_are_refused_with_the_same_message(
    coach, client, writer, scenario
):
    case = scenario(coach)
    before = entry_count()
    message = service_message(coach, case)
    response = add_via_api(client, writer, case)
    assert response.status_code == 422
    assert response.mimetype == "application/problem+json"
    assert response.get_json()["detail"] == message
    assert REFUSED[scenario] in message
    assert entry_count() == before


def test_athlete_form_rules_apply_field_by_field(coach, client, writer):
    response = client.post(
        f"{API}/team/athletes",
        json=factories.athlete_fields(
            last_name_kana="Yamada", birth_date="1900-01-01", pref="火星"
        ),
        headers=writer,
    )
    assert response.status_code == 422
    errors = {e["field"]: e["message"] for e in response.get_json()["errors"]}
    assert "全角カタカナ" in errors["last_name_kana"]
    assert "生年月日を確認してください" in errors["birth_date"]
    assert "都道府県名" in errors["pref"]
    assert db.session.scalar(select(func.count()).select_from(Athlete)) == 0


def test_athlete_created_updated_and_duplicate_refused_as_in_the_form(coach, client, writer):
    fields = factories.athlete_fields(last_name_kana="さとう")
    created = client.post(f"{API}/team/athletes", json=fields, headers=writer)
    assert created.status_code == 201, created.text
    athlete = created.get_json()["athlete"]
    assert athlete["last_name_kana"] == "サトウ" and athlete["pref_code"] == "14"
    assert athlete["last_name_en"] == "SATO"  # the form's romaji suggestion

    again = client.post(f"{API}/team/athletes", json=fields, headers=writer)
    assert again.status_code == 422
    assert "既に登録されています" in again.get_json()["detail"]

    fields["grade"] = "3"
    updated = client.put(f"{API}/team/athletes/{athlete['id']}", json=fields, headers=writer)
    assert updated.status_code == 200 and updated.get_json()["athlete"]["grade"] == "3"


def test_unknown_fields_and_wrong_types_are_refused(coach, client, writer):
    fields = factories.athlete_fields(is_admin=True)
    response = client.post(f"{API}/team/athletes", json=fields, headers=writer)
    assert response.status_code == 422
    assert response.get_json()["errors"] == [
        {"field": "is_admin", "message": "この項目は受け付けていません。"}
    ]
    wrong = client.post(f"{API}/team/athletes", json={**factories.athlete_fields(), "grade": 3},
                        headers=writer)  # fmt: skip
    assert wrong.status_code == 422
    not_json = client.post(f"{API}/team/athletes", data="x", headers=writer)
    assert not_json.status_code == 415
    broken = client.post(
        f"{API}/team/athletes", data="{", headers={**writer, "Content-Type": "application/json"}
    )
    assert broken.status_code == 400


def test_too_large_body_is_413(coach, client, writer, app):
    app.config["API_MAX_BODY_BYTES"] = 1024
    try:
        response = client.post(
            f"{API}/team/athletes",
            json=factories.athlete_fields(last_name="あ" * 2000),
            headers=writer,
        )
    finally:
        app.config.pop("API_MAX_BODY_BYTES")
    assert response.status_code == 413
    assert response.mimetype == "application/problem+json"


def test_draft_entries_are_listed_removed_and_submitted(coach, client, writer):
    meet = factories.make_meet()
    race = factories.make_race(meet)
    first, second = (factories.make_athlete(coach) for _ in range(2))
    ids = []
    for athlete in (first, second):
        case = {"meet": meet, "race": race, "athlete": athlete, "time": "15:00.00"}
        ids.append(add_via_api(client, writer, case).get_json()["id"])
    listed = client.get(f"{API}/team/meets/{meet.id}/entries", headers=writer).get_json()
    assert [e["id"] for e in listed] and {e["declared_time_text"] for e in listed} == {"15:00.00"}

    assert client.delete(f"{API}/team/entries/{ids[1]}", headers=writer).status_code == 204
    applications = client.get(f"{API}/team/applications", headers=writer).get_json()
    assert [a["status"] for a in applications] == ["draft"]

    submitted = client.post(f"{API}/team/applications/{applications[0]['id']}/submit",
                            headers=writer)  # fmt: skip
    assert submitted.status_code == 200, submitted.text
    body = submitted.get_json()
    assert body["status"] == "awaiting_payment" and body["entry_count"] == 1
    assert body["total_amount"] == meet.fee_per_entry
    refused = client.delete(f"{API}/team/entries/{ids[0]}", headers=writer)
    assert refused.status_code == 422 and "提出済み" in refused.get_json()["detail"]


def test_heat_and_bib_appear_once_published(coach, client, writer):
    official = factories.make_user("official")
    race = factories.make_race()
    factories.make_confirmed_entries(race, [90000], coach=coach)
    factories.make_locked_heats(race, official)
    url = f"{API}/team/meets/{race.meet_id}/entries"
    assert client.get(url, headers=writer).get_json()[0]["heat"] is None
    heats.publish_race(race.id, by=official)
    db.session.commit()
    heat = client.get(url, headers=writer).get_json()[0]["heat"]
    assert heat["heat_number"] == 1 and heat["position"] == 1 and heat["bib"] is not None


def test_another_teams_objects_are_404_on_every_object_endpoint(coach, client, writer):
    other = factories.make_user()
    race = factories.make_race()
    theirs = factories.make_athlete(other)
    application = factories.make_submitted_entries(other, race)
    entry = application.entries[0]
    draft = factories.make_athlete(other)
    from nitsys.services import entries

    draft_entry = entries.add_entry(other, meet_id=race.meet_id, athlete_id=draft.id,
                                    race_id=race.id, declared_time="15:00.00")  # fmt: skip
    db.session.commit()
    hidden_meet = factories.make_meet(is_published=False)
    athlete_body = factories.athlete_fields()
    calls = [
        ("get", f"{API}/team/athletes/{theirs.id}", None),
        ("put", f"{API}/team/athletes/{theirs.id}", athlete_body),
        ("get", f"{API}/team/applications/{application.id}", None),
        ("post", f"{API}/team/applications/{draft_entry.application_id}/submit", None),
        ("delete", f"{API}/team/entries/{entry.id}", None),
        ("delete", f"{API}/team/entries/{draft_entry.id}", None),
        ("get", f"{API}/team/meets/{hidden_meet.id}/entries", None),
        ("post", f"{API}/team/meets/{hidden_meet.id}/entries",
         {"athlete_id": theirs.id, "race_id": race.id, "declared_time": "15:00.00"}),
    ]  # fmt: skip
    for method, url, body in calls:
        response = getattr(client, method)(url, json=body, headers=writer)
        assert response.status_code == 404, (method, url, response.text)
        assert response.mimetype == "application/problem+json"
    # Their athlete in our entry is the form's refusal (not found in our roster), not a leak.
    refused = client.post(
        f"{API}/team/meets/{race.meet_id}/entries",
        json={"athlete_id": theirs.id, "race_id": race.id, "declared_time": "15:00.00"},
        headers=writer,
    )
    assert refused.status_code == 422 and "選手マスタに登録されていない" in refused.text
    assert client.get(f"{API}/team/athletes", headers=writer).get_json() == []
    assert client.get(f"{API}/team/meets/{race.meet_id}/entries", headers=writer).get_json() == []
    assert db.session.get(Entry, draft_entry.id) is not None


def test_writes_are_audited_as_the_tokens_user(coach, client, writer):
    from nitsys.models import AuditEvent

    client.post(f"{API}/team/athletes", json=factories.athlete_fields(), headers=writer)
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "athlete.create"))
    assert event.actor_id == coach.id


def test_control_characters_are_refused_before_any_service(coach, client, writer):
    meet = factories.make_meet()
    race = factories.make_race(meet)
    athlete = factories.make_athlete(coach)
    response = client.post(
        f"{API}/team/meets/{meet.id}/entries",
        json={"athlete_id": athlete.id, "race_id": race.id, "declared_time": "15:00.00",
              "note": "a\x00b"},
        headers=writer,
    )  # fmt: skip
    assert response.status_code == 422
    assert response.get_json()["errors"] == [
        {"field": "note", "message": "制御文字（NUL など）は使えません。"}
    ]
    search = client.get(f"{API}/team/athletes?q=%00", headers=writer)
    assert search.status_code == 422
    assert entry_count() == 0


def test_rate_limit_per_token_answers_429_with_retry_after(coach, client, writer, app):
    app.config["API_RATE_LIMIT_PER_TOKEN"] = "2 per minute"
    try:
        statuses = [client.get(f"{API}/team/athletes", headers=writer) for _ in range(3)]
    finally:
        app.config.pop("API_RATE_LIMIT_PER_TOKEN")
    assert [r.status_code for r in statuses] == [200, 200, 429]
    limited = statuses[-1]
    assert limited.mimetype == "application/problem+json"
    assert int(limited.headers["Retry-After"]) > 0
    # Another token (another coach) is not held back by this one's limit.
    other = bearer(make_token(factories.make_user(), "read"))
    assert client.get(f"{API}/team/athletes", headers=other).status_code == 200


def test_rate_limit_per_ip_holds_without_a_token(client, app):
    app.config["API_RATE_LIMIT_PER_IP"] = "2 per minute"
    try:
        statuses = [client.get(f"{API}/meets").status_code for _ in range(3)]
    finally:
        app.config.pop("API_RATE_LIMIT_PER_IP")
    assert statuses == [200, 200, 429]


def test_an_unexpected_error_is_a_problem_without_details(client, app, monkeypatch):
    from nitsys.services import public_api

    def broken(_when):
        raise RuntimeError("secret internals")

    monkeypatch.setattr(public_api, "published_meets", broken)
    monkeypatch.setitem(app.config, "PROPAGATE_EXCEPTIONS", False)
    response = client.get(f"{API}/meets")
    assert response.status_code == 500
    assert response.mimetype == "application/problem+json"
    assert "secret internals" not in response.text


def test_maintenance_answers_503_problem(client):
    from nitsys.services import maintenance

    maintenance.turn_on(message="点検中です。", by=None)
    db.session.commit()
    try:
        response = client.get(f"{API}/meets")
    finally:
        maintenance.turn_off(by=None)
        db.session.commit()
    assert response.status_code == 503
    assert response.get_json()["detail"] == "点検中です。"
    assert response.headers["Retry-After"]


def test_an_id_beyond_the_database_range_is_404_for_every_method_of_the_path(client, writer):
    url = f"{API}/team/athletes/{2**31}"
    assert client.get(url, headers=writer).status_code == 404
    response = client.put(url, json={}, headers=writer)
    assert response.status_code == 404  # not 405: the PUT route must not fall through
    assert response.get_json()["status"] == 404
