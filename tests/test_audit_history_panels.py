"""The 履歴 panel inline on the heat card, the users page and an athlete's entries: loaded
lazily like the other object pages, showing each change before → after."""

import re

from nitsys.extensions import db
from nitsys.services import entry_review
from tests import factories


def _heat(coach):
    race = factories.make_race()
    application = factories.make_submitted_entries(coach, race, count=2)
    return race, factories.make_heat_with_slots(race, application.entries, locked=False)


def test_heat_card_has_its_history_panel_with_the_start_time_change(client, login_as):
    coach = factories.make_user()
    race, heat = _heat(coach)
    login_as("official")  # officials build heats, so they read the heat's history
    for start in ("2026-05-03T10:00", "2026-05-03T10:30"):
        client.post(f"/admin/programme/heats/{heat.id}/start", data={"start_at": start})
    page = client.get(f"/admin/programme/races/{race.id}").get_data(as_text=True)
    url = f"/admin/audit/history/heats/{heat.id}?panel=history-heat-{heat.id}"
    assert f'hx-get="{url}"' in page
    assert 'hx-trigger="toggle once from:closest details"' in page  # loaded when opened
    panel = client.get(url).get_data(as_text=True)
    assert f'id="history-heat-{heat.id}"' in panel
    assert "heats.set_start" in panel
    # before → after (the earlier time is read back from the database in UTC)
    assert re.search(
        r"<del>2026-05-03 (01:00:00\+00:00|10:00:00\+09:00)</del> → "
        r"<ins>2026-05-03 10:30:00\+09:00</ins>",
        panel,
    )


def test_users_page_rows_have_their_history_panel_with_the_role_change(client, login_as):
    person = factories.make_user(full_name="役員 候補")
    login_as("staff")
    client.post(f"/admin/users/{person.id}/role", data={"role": "official", "reason": "担当"})
    page = client.get("/admin/users?q=役員").get_data(as_text=True)
    url = f"/admin/audit/history/users/{person.id}?panel=history-user-{person.id}"
    assert f'hx-get="{url}"' in page and '<details class="history-toggle">' in page
    panel = client.get(url).get_data(as_text=True)
    assert "user.role_change" in panel
    assert "<del>participant</del> → <ins>official</ins>" in panel
    login_as("official")  # the users page is staff only, and so is a person's history
    assert client.get(url).status_code == 403


def test_athlete_entries_have_their_history_panel_with_the_rejection(client, login_as):
    coach = factories.make_user()
    race = factories.make_race()
    (entry,) = factories.make_submitted_entries(coach, race).entries
    staff = factories.make_user(role="staff")
    entry_review.reject_entry(entry.id, by=staff, reason="記録証が不鮮明")
    db.session.commit()
    login_as("official")
    page = client.get(f"/admin/athletes/{entry.athlete_id}").get_data(as_text=True)
    url = f"/admin/audit/history/entries/{entry.id}?panel=history-entry-{entry.id}"
    assert f'hx-get="{url}"' in page
    panel = client.get(url).get_data(as_text=True)
    assert "entry.reject" in panel
    assert "→ <ins>rejected</ins>" in panel and "<del>" in panel
    assert "記録証が不鮮明" in panel
    assert "監査ログですべて見る" not in panel  # the audit log itself is staff only


def test_a_forged_panel_id_falls_back_to_the_page_panel(client, login_as):
    login_as("staff")
    panel = client.get('/admin/audit/history/heats/1?panel="><script>').get_data(as_text=True)
    assert 'id="history"' in panel and "<script>" not in panel


def test_entry_review_row_has_its_history_panel_with_the_time_correction(client, login_as):
    coach = factories.make_user()
    race = factories.make_race()
    (entry,) = factories.make_submitted_entries(coach, race, declared_time="15:00.00").entries
    login_as("official")
    response = client.post(
        f"/admin/entries/{entry.id}/correct-time", data={"declared_time": "14:50.00"}
    )
    assert response.status_code in (200, 302)
    page = client.get(f"/admin/meets/{race.meet_id}/entry-review").get_data(as_text=True)
    url = f"/admin/audit/history/entries/{entry.id}?panel=history-entry-{entry.id}"
    assert f'hx-get="{url}"' in page
    panel = client.get(url).get_data(as_text=True)
    assert "entry.correct_time" in panel
    assert re.search(r"<del>[^<]+</del> → <ins>[^<]+</ins>", panel)
