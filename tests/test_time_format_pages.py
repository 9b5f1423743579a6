"""Race times look the same on every page: one formatter, with the meet's long-time setting."""

from __future__ import annotations

import re

import pytest
from flask import render_template_string

from nitsys.extensions import db
from nitsys.formatting import race_time
from tests import factories

# Anything a page could print as a race time: m:ss.cc, h:mm:ss.cc, or a minutes figure ≥ 60.
TIME_LIKE = re.compile(r"\b\d{1,3}(?::\d{2}){1,2}\.\d{2}\b")
ONE_FORMAT = re.compile(r"^(?:[1-9]:[0-5]\d:[0-5]\d|[1-5]?\d:[0-5]\d)\.\d{2}$")


@pytest.fixture
def long_meet(app):
    """A meet showing hours, a 10000 m whose standard and declared times are over an hour."""
    meet = factories.make_meet(hours_in_times=True)
    race = factories.make_race(meet, distance=10000, standard_time=450000)  # 75:00.00
    coach = factories.make_user()
    application = factories.make_submitted_entries(coach, race, count=2, declared_time="62:30.00")
    db.session.commit()
    return meet, race, coach, application


def _times(html: str) -> list[str]:
    return TIME_LIKE.findall(html)


def _assert_one_format(html: str, *expected: str) -> None:
    times = _times(html)
    assert times, "no time shown"
    wrong = [t for t in times if not ONE_FORMAT.match(t)]
    assert not wrong, f"times in another format: {wrong}"
    for text in expected:
        assert text in times


def test_coach_pages_show_long_times_in_the_meets_format(client, long_meet):
    meet, _race, coach, application = long_meet
    factories.log_in(client, coach)
    for url in ("/my/entries", f"/my/applications/{application.id}", f"/my/meets/{meet.id}/entry"):
        page = client.get(url)
        assert page.status_code == 200, url
        if _times(page.text):
            _assert_one_format(page.text)
            assert "62:30.00" not in page.text and "75:00.00" not in page.text, url
    _assert_one_format(client.get("/my/entries").text, "1:02:30.00")


def test_official_and_public_pages_show_long_times_in_the_meets_format(client, long_meet):
    meet, _race, _coach, _application = long_meet
    factories.log_in(client, factories.make_user("official"))
    review = client.get(f"/admin/meets/{meet.id}/entry-review").text
    _assert_one_format(review, "1:02:30.00", "1:15:00.00")
    races = client.get(f"/admin/meets/{meet.id}").text
    _assert_one_format(races, "1:15:00.00")
    public = client.get(f"/meets/{meet.id}").text
    _assert_one_format(public, "1:15:00.00")


def test_race_time_filter_follows_the_meet_unless_told(app):
    with app.test_request_context():
        template = "{{ t | race_time }}|{{ t | race_time(hours=False) }}"
        on = factories.make_meet(hours_in_times=True)
        off = factories.make_meet()
        assert render_template_string(template, t=375000, meet=on) == "1:02:30.00|62:30.00"
        assert render_template_string(template, t=375000, meet=off) == "62:30.00|62:30.00"
        assert render_template_string(template, t=375000) == "62:30.00|62:30.00"
        assert render_template_string("{{ none | race_time }}", none=None) == ""
    assert callable(race_time)


def test_fragments_swapped_in_show_the_meets_format(client, long_meet):
    """A row swapped in by HTMX reads like the page around it (the fragment knows the meet)."""
    _meet, race, _coach, application = long_meet
    factories.log_in(client, factories.make_user("official"))
    entry = application.entries[0]
    row = client.post(f"/admin/entries/{entry.id}/verify", headers={"HX-Request": "true"})
    assert row.status_code == 200
    _assert_one_format(row.text, "1:02:30.00", "1:15:00.00")
    heat = factories.make_heat_with_slots(race, application.entries, locked=False)
    rows = client.get(f"/admin/programme/heats/{heat.id}", headers={"HX-Request": "true"})
    assert rows.status_code == 200
    _assert_one_format(rows.text, "1:02:30.00")
