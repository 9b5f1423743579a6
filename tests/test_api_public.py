"""Public API: meets, start lists and results without a token — nothing personal in the
document or in any answer, revalidation by ETag / Last-Modified (304), CORS for GET only."""

from __future__ import annotations

import json
from datetime import UTC, datetime

from nitsys.extensions import db
from nitsys.models import HeatResult
from nitsys.services import heats
from tests.factories import make_confirmed_entries, make_meet, make_race, make_user

FIRST_START = datetime(2026, 12, 5, 1, 0, tzinfo=UTC)
PERSONAL = ("birth", "jaaf", "email", "mail", "phone", "tel", "address", "postal")


def published_race(*, publish=True):
    official = make_user("official")
    meet = make_meet(call_offset_minutes=20)
    race = make_race(meet, heat_capacity=2, first_start_at=FIRST_START, heat_interval_minutes=15)
    entries = make_confirmed_entries(race, [90000, 91000, 92000])
    heats.generate_heats(race.id, by=official)
    heats.assign_bibs(meet.id, by=official)
    for heat in heats.race_heats(race.id):
        heats.lock_heat(heat.id, by=official)
    if publish:
        heats.publish_race(race.id, by=official)
    db.session.commit()
    return meet, race, entries


def _property_names(schema, components, seen=None) -> set[str]:
    """Every property name reachable from `schema` (following $ref)."""
    seen = seen if seen is not None else set()
    names: set[str] = set()
    if isinstance(schema, dict):
        ref = schema.get("$ref")
        if ref and ref.startswith("#/components/schemas/") and ref not in seen:
            seen.add(ref)
            names |= _property_names(components[ref.rsplit("/", 1)[1]], components, seen)
        names |= set(schema.get("properties", {}))
        for value in schema.values():
            names |= _property_names(value, components, seen)
    elif isinstance(schema, list):
        for value in schema:
            names |= _property_names(value, components, seen)
    return names


def _public_operations(document):
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            if not operation["security"]:
                yield path, method, operation


def test_the_document_is_openapi_3_1_and_public_schemas_hold_no_personal_field(client):
    document = client.get("/api/v1/openapi.json").get_json()
    assert document["openapi"] == "3.1.0"
    components = document["components"]["schemas"]
    public = list(_public_operations(document))
    assert {path for path, _m, _o in public} >= {
        "/api/v1/meets",
        "/api/v1/meets/{meet_id}/races/{race_id}/startlist",
        "/api/v1/meets/{meet_id}/races/{race_id}/results",
    }
    for path, _method, operation in public:
        names = _property_names(operation["responses"], components)
        assert names, path
        leaked = {name for name in names if any(word in name.lower() for word in PERSONAL)}
        assert not leaked, (path, leaked)
    # The team roster does carry them (the check above is not vacuous).
    team = document["paths"]["/api/v1/team/athletes"]["get"]["responses"]
    assert {"birth_date", "jaaf_id"} <= _property_names(team, components)


def test_live_public_answers_hold_no_personal_value(client):
    meet, race, entries = published_race()
    athlete = entries[0].athlete
    urls = [
        "/api/v1/meets",
        f"/api/v1/meets/{meet.id}",
        f"/api/v1/meets/{meet.id}/races/{race.id}/startlist",
        f"/api/v1/meets/{meet.id}/races/{race.id}/results",
    ]
    for url in urls:
        response = client.get(url)
        assert response.status_code == 200, url
        text = response.get_data(as_text=True)
        assert athlete.jaaf_id not in text and athlete.birth_date.isoformat() not in text
        keys = json.dumps(response.get_json())
        assert not any(f'"{word}' in keys for word in ("birth", "jaaf", "email", "phone"))


def test_start_list_by_heat_with_bib_names_team_and_times(client):
    meet, race, _entries = published_race()
    body = client.get(f"/api/v1/meets/{meet.id}/races/{race.id}/startlist").get_json()
    assert body["race_name"] == "男子5000m"
    assert [heat["number"] for heat in body["heats"]] == [1, 2]
    runner = body["heats"][1]["runners"][0]
    assert set(runner) == {"position", "bib", "name", "kana", "romaji", "team"}
    assert runner["romaji"] == "YAMADA Taro" and runner["bib"] is not None
    assert body["heats"][1]["start_at"] == "2026-12-05T01:15:00Z"
    assert body["heats"][1]["call_at"] == "2026-12-05T00:55:00Z"


def test_unpublished_heats_and_meets_are_not_shown(client):
    meet, race, _ = published_race(publish=False)
    body = client.get(f"/api/v1/meets/{meet.id}/races/{race.id}/startlist").get_json()
    assert body["heats"] == []
    hidden = make_meet(is_published=False)
    hidden_race = make_race(hidden)
    for url in (
        f"/api/v1/meets/{hidden.id}",
        f"/api/v1/meets/{hidden.id}/races/{hidden_race.id}/startlist",
        f"/api/v1/meets/{meet.id}/races/{hidden_race.id}/results",
        "/api/v1/meets/2147483647",
        "/api/v1/meets/99999999999999999999",
    ):
        response = client.get(url)
        assert response.status_code == 404, url
        assert response.mimetype == "application/problem+json"
    assert [m["id"] for m in client.get("/api/v1/meets").get_json()] == [meet.id]


def test_etag_and_last_modified_revalidate_with_304_until_the_data_changes(client):
    meet, race, entries = published_race()
    url = f"/api/v1/meets/{meet.id}/races/{race.id}/startlist"
    first = client.get(url)
    etag = first.headers["ETag"]
    assert first.headers["Last-Modified"]
    again = client.get(url, headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.data == b""
    since = client.get(url, headers={"If-Modified-Since": first.headers["Last-Modified"]})
    assert since.status_code == 304

    entries[0].athlete.last_name = "改名"
    db.session.commit()
    changed = client.get(url, headers={"If-None-Match": etag})
    assert changed.status_code == 200 and "改名" in changed.get_data(as_text=True)


def test_results_after_import_change_the_etag(client):
    meet, race, _ = published_race()
    url = f"/api/v1/meets/{meet.id}/races/{race.id}/results"
    before = client.get(url)
    assert before.get_json()["heats"] == []
    heat = heats.race_heats(race.id)[0]
    slot = heat.slots[0]
    db.session.add(
        HeatResult(slot_id=slot.id, heat_id=heat.id, status="finished", place=1, time=87000)
    )
    db.session.commit()
    after = client.get(url, headers={"If-None-Match": before.headers["ETag"]})
    assert after.status_code == 200
    row = after.get_json()["heats"][0]["results"][0]
    assert row["time"] == 87000 and row["time_text"] == "14:30.00" and row["place"] == 1


def test_cors_only_for_public_reads(client):
    meet, race, _ = published_race()
    public = client.get("/api/v1/meets", headers={"Origin": "https://example.ac.jp"})
    assert public.headers["Access-Control-Allow-Origin"] == "*"
    assert "ETag" in public.headers["Access-Control-Expose-Headers"]
    preflight = client.options(
        f"/api/v1/meets/{meet.id}/races/{race.id}/startlist",
        headers={"Origin": "https://example.ac.jp", "Access-Control-Request-Method": "GET"},
    )
    assert preflight.headers["Access-Control-Allow-Methods"] == "GET, HEAD"
    team = client.get("/api/v1/team/athletes", headers={"Origin": "https://example.ac.jp"})
    assert "Access-Control-Allow-Origin" not in team.headers


def test_errors_are_problem_details(client):
    response = client.delete("/api/v1/meets")
    assert response.status_code == 405 and "GET" in response.headers["Allow"]
    body = response.get_json()
    assert set(body) >= {"type", "title", "status", "detail", "instance"}
    bad = client.get("/api/v1/meets?when=someday")
    assert bad.status_code == 422
    assert bad.get_json()["errors"][0]["field"] == "when"
    unknown = client.get("/api/v1/meets?colour=red")
    assert unknown.status_code == 422
    assert unknown.get_json()["errors"][0]["message"] == "この項目は受け付けていません。"


def test_the_documentation_page_uses_our_own_assets(client):
    page = client.get("/api/v1/docs")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert "/static/vendor/swagger-ui/swagger-ui-bundle.js" in text
    assert "<script>" not in text and "http" not in text.split("<body>")[0].replace(
        "http-equiv", ""
    )


def test_meet_list_revalidates_by_etag_only(client):
    meet = make_meet()
    first = client.get("/api/v1/meets")
    assert "Last-Modified" not in first.headers  # its entry states move with the clock
    assert client.get("/api/v1/meets", headers={"If-None-Match": first.headers["ETag"]}
                      ).status_code == 304  # fmt: skip
    later = "Fri, 01 Jan 2100 00:00:00 GMT"
    assert client.get("/api/v1/meets", headers={"If-Modified-Since": later}).status_code == 200
    meet.entry_open = False
    db.session.commit()
    changed = client.get("/api/v1/meets", headers={"If-None-Match": first.headers["ETag"]})
    assert changed.status_code == 200
    assert changed.get_json()[0]["entry_state"] == "paused"
