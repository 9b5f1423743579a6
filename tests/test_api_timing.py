"""Timing API: the Lynx-ready start list of a heat and a `.lif` upload through the results
import (idempotent, all-or-nothing), for tokens with the `timing` scope only."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from nitsys.extensions import db
from nitsys.models import HeatResult
from nitsys.services import heats
from tests import factories
from tests.api_support import bearer, make_token
from tests.test_results_import import full_result, lif_bytes

API = "/api/v1/timing"


@pytest.fixture
def timing(app):
    return bearer(make_token(factories.make_user(role="staff"), "timing"))


def ready_race(runners=5):
    official = factories.make_user("official")
    race = factories.make_race()
    factories.make_confirmed_entries(race, [90000 + i * 100 for i in range(runners)])
    factories.make_locked_heats(race, official)
    return race


def test_heat_start_list_has_the_lynx_fields(client, timing):
    race = ready_race()
    response = client.get(
        f"{API}/meets/{race.meet_id}/races/{race.id}/heats/1/startlist", headers=timing
    )
    assert response.status_code == 200, response.text
    body = response.get_json()
    assert body["event"] == 1 and body["round"] == 1 and body["heat"] == 1
    runner = body["runners"][0]
    assert runner["lane"] == 1 and runner["bib"] and runner["slot_id"]
    assert runner["last_name_romaji"] == "YAMADA" and runner["first_name_romaji"] == "Taro"
    assert "jaaf_id" not in runner and "birth_date" not in runner


def test_not_ready_heats_are_409_and_missing_heat_404(client, timing):
    race = factories.make_race()
    factories.make_confirmed_entries(race, [90000])
    heats.generate_heats(race.id, by=factories.make_user("official"))
    db.session.commit()
    url = f"{API}/meets/{race.meet_id}/races/{race.id}/heats/1/startlist"
    response = client.get(url, headers=timing)
    assert response.status_code == 409 and race.name in response.get_json()["detail"]
    ready = ready_race()
    missing = f"{API}/meets/{ready.meet_id}/races/{ready.id}/heats/9/startlist"
    assert client.get(missing, headers=timing).status_code == 404
    other_meet = f"{API}/meets/{race.meet_id}/races/{ready.id}/heats/1/startlist"
    assert client.get(other_meet, headers=timing).status_code == 404


def test_lif_upload_imports_once_and_again_changes_nothing(client, timing):
    race = ready_race()
    heat = heats.race_heats(race.id)[0]
    data = lif_bytes(1, heat, full_result(heat))
    url = f"{API}/meets/{race.meet_id}/results?filename=001-1-01.lif"
    headers = {**timing, "Content-Type": "application/octet-stream"}
    first = client.post(url, data=data, headers=headers)
    assert first.status_code == 200, first.text
    assert first.get_json()["results"] == 5 and first.get_json()["changed"] == 5
    again = client.post(url, data=data, headers=headers)
    assert again.status_code == 200 and again.get_json()["changed"] == 0
    assert db.session.scalar(select(func.count()).select_from(HeatResult)) == 5


def test_a_broken_file_is_refused_and_nothing_written(client, timing):
    race = ready_race()
    url = f"{API}/meets/{race.meet_id}/results?filename=x.lif"
    headers = {**timing, "Content-Type": "application/octet-stream"}
    response = client.post(url, data=b"\x00\xffnot a lif", headers=headers)
    assert response.status_code == 422
    assert "取り込めません" in response.get_json()["detail"]
    assert db.session.scalar(select(func.count()).select_from(HeatResult)) == 0
    wrong_type = client.post(url, data=b"x", headers={**timing, "Content-Type": "text/plain"})
    assert wrong_type.status_code == 415


def test_team_tokens_cannot_use_timing(client):
    race = ready_race()
    team = bearer(make_token(factories.make_user(), "read", "write"))
    url = f"{API}/meets/{race.meet_id}/races/{race.id}/heats/1/startlist"
    assert client.get(url, headers=team).status_code == 403
    assert client.get(url).status_code == 401
