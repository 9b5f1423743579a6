"""Officials and staff land on a home of their own: today's work counted per meet, from one fixed
set of queries however many meets there are; participants keep their dashboard."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from nitsys.extensions import db
from nitsys.models import EntryReview, OutboxMessage, OutboxStatus
from nitsys.services import payments
from tests import factories
from tests.test_payment_queries import count_queries
from tests.test_payments_service import png_bytes


def log_in_by_form(client, user):
    return client.post("/auth/login", data={"email": user.email, "password": factories.PASSWORD})


def under_review(race):
    coach = factories.make_user()
    application = factories.make_submitted_entries(coach, race, count=2)
    payments.upload_slip(application.id, by=coach, data=png_bytes(), filename="slip.png")
    db.session.commit()
    return application


def test_officials_and_staff_land_on_their_home_and_participants_on_the_dashboard(client, app):
    official = factories.make_user("official")
    assert log_in_by_form(client, official).headers["Location"] == "/admin/"
    assert client.get("/auth/login").headers["Location"] == "/admin/"
    client.post("/auth/logout")
    coach = factories.make_user()
    assert log_in_by_form(client, coach).headers["Location"] == "/my/"
    assert client.get("/admin/").status_code == 403


def test_the_home_counts_payments_and_entries_to_check_per_meet(client, login_as):
    race = factories.make_race()
    under_review(race)
    checked = under_review(race)
    entry = checked.entries[0]
    db.session.add(EntryReview(entry=entry, verified_at=datetime.now(UTC)))
    other = factories.make_race()  # another meet: nothing waiting
    db.session.commit()
    login_as("official")

    html = client.get("/admin/").get_data(as_text=True)
    assert 'data-home-count="payments"' in html
    cards = html.split('class="home-meet"')
    mine = next(card for card in cards if f'data-meet="{race.meet_id}"' in card)
    assert "確認待ちの入金 <strong>2</strong>件" in mine
    assert "エントリー確認 <strong>3</strong>件" in mine
    theirs = next(card for card in cards if f'data-meet="{other.meet_id}"' in card)
    assert "確認待ちの入金 <strong>0</strong>件" in theirs
    assert "メール送信失敗" not in html  # staff only


def test_a_meet_held_today_offers_the_meet_day_desks(client, login_as):
    today = (datetime.now(UTC) + timedelta(hours=9)).date()
    race = factories.make_race(factories.make_meet(first_day=today, last_day=today))
    login_as("official")
    html = client.get("/admin/").get_data(as_text=True)
    assert "本日の大会" in html
    assert f"/admin/meets/{race.meet_id}/checkin" in html


def test_staff_see_outbox_failures_backup_and_maintenance(client, login_as):
    db.session.add(
        OutboxMessage(
            to_address="a@example.jp",
            subject="件名",
            body_text="本文",
            status=OutboxStatus.FAILED,
        )
    )
    db.session.commit()
    login_as("staff")
    html = client.get("/admin/").get_data(as_text=True)
    failed = html.split('data-home-count="outbox-failed"')[1]
    assert "<strong>1</strong>件" in failed.split("</a>")[0]
    assert "最新バックアップ" in html and "通常運用" in html


def test_the_home_runs_the_same_queries_for_one_meet_or_ten(client, login_as):
    login_as("staff")
    under_review(factories.make_race())
    one = count_queries(client, "/admin/")
    for _ in range(9):
        under_review(factories.make_race())
    assert count_queries(client, "/admin/") == one <= 6


def test_a_paid_entry_of_a_meet_that_is_over_points_to_the_results(client, login_as):
    today = (datetime.now(UTC) + timedelta(hours=9)).date()
    past = factories.make_meet(
        first_day=today - timedelta(days=3), last_day=today - timedelta(days=3)
    )
    coach = login_as("participant")
    factories.make_confirmed_entries(factories.make_race(past), [90000], coach=coach)
    upcoming = factories.make_race()
    factories.make_confirmed_entries(upcoming, [90000], coach=coach)
    page = client.get("/my/").get_data(as_text=True)
    assert f'<a href="/meets/{past.id}/results">結果を見る</a>' in page
    assert page.count("結果を見る") == 1  # not for the meet still to come
    assert "公開をお待ちください" in page
