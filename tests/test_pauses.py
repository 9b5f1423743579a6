"""Level-1 feature pauses: each switch stops its feature in every channel, and nothing else."""

from __future__ import annotations

from io import BytesIO

import pytest

from nitsys.extensions import db
from nitsys.models import AuditEvent, Entry, OutboxMessage, OutboxStatus
from nitsys.services import accounts, athletes, entries, outbox, pauses, payments
from tests import factories, ops_fixtures
from tests.api_support import bearer, make_token
from tests.test_payments_service import png_bytes

cli = ops_fixtures.cli

HTMX = {"HX-Request": "true"}


@pytest.fixture(autouse=True)
def forget_pauses(app):
    pauses.forget_cached()
    yield
    pauses.forget_cached()


def paused(feature: str, message: str = "") -> None:
    staff = factories.make_user(role="staff", full_name="事務局 花子")
    pauses.pause(feature, message, by=staff)
    db.session.commit()


@pytest.fixture
def coach(app):
    return factories.make_user(full_name="監督 一郎")


@pytest.fixture
def race(app):
    return factories.make_race()


def person(email="new@example.jp") -> accounts.PersonDetails:
    return accounts.PersonDetails(email, "long-password-1", "新規 太郎", "シンキ タロウ", "090")


ROSTER_CSV = "姓,名,姓カナ,名カナ,性別,生年月日\n山田,太郎,ヤマダ,タロウ,男,2004-05-01\n".encode()


# Each returns the call to try, after setting up what it needs (before any pause).
def try_registration(coach, race):
    return lambda: accounts.register_individual(person())


def try_athlete_import(coach, race):
    return lambda: athletes.preview_import(coach, "roster.csv", ROSTER_CSV)


def try_entry_editing(coach, race):
    athlete = factories.make_athlete(coach)
    return lambda: entries.add_entry(
        coach, meet_id=race.meet_id, athlete_id=athlete.id, race_id=race.id, declared_time="15:00"
    )


def try_slip_upload(coach, race):
    application = factories.make_submitted_entries(coach, race)
    return lambda: payments.upload_slip(
        application.id, by=coach, data=png_bytes(), filename="a.png"
    )


SERVICE_CALLS = {
    "registration": try_registration,
    "athlete_import": try_athlete_import,
    "entry_editing": try_entry_editing,
    "slip_upload": try_slip_upload,
}


@pytest.mark.parametrize("feature", sorted(SERVICE_CALLS))
def test_each_switch_refuses_its_service_with_the_staff_message(app, coach, race, feature):
    attempt = SERVICE_CALLS[feature](coach, race)
    paused(feature, "復旧作業中です。15時再開予定。")
    with pytest.raises(pauses.FeaturePaused) as refused:
        attempt()
    assert refused.value.message == "復旧作業中です。15時再開予定。"
    db.session.rollback()


@pytest.mark.parametrize("feature", sorted(pauses.FEATURES))
def test_a_pause_stops_nothing_else(app, coach, race, feature):
    attempts = {
        other: make(coach, race) for other, make in SERVICE_CALLS.items() if other != feature
    }
    paused(feature)
    for other in pauses.FEATURES:
        if other != feature:
            pauses.ensure_open(other)
    for attempt in attempts.values():
        attempt()  # works
    db.session.rollback()


def test_default_message_when_staff_leave_it_empty(app):
    paused("api")
    with pytest.raises(pauses.FeaturePaused, match="API を一時停止"):
        pauses.ensure_open("api")


def test_registration_page_shows_the_message_and_creates_nobody(client):
    paused("registration", "登録は明朝まで停止中です。")
    response = client.post(
        "/auth/register",
        data={
            "kind": "individual",
            "email": "solo@example.jp",
            "password": "long-password-1",
            "password_confirm": "long-password-1",
            "full_name": "個人 次郎",
            "full_name_kana": "コジン ジロウ",
            "phone": "090-1111-2222",
        },
    )
    assert "登録は明朝まで停止中です。" in response.get_data(as_text=True)
    assert accounts.find_user_by_email("solo@example.jp") is None


def test_slip_upload_over_htmx_is_refused_in_place(client, login_as, coach, race):
    application = factories.make_submitted_entries(coach, race)
    paused("slip_upload", "明細の受付を停止しています。")
    login_as(coach)
    response = client.post(
        f"/my/applications/{application.id}/payment",
        data={"file": (BytesIO(png_bytes()), "slip.png")},
        content_type="multipart/form-data",
        headers=HTMX,
    )
    assert response.status_code == 422
    assert "明細の受付を停止しています。" in response.get_data(as_text=True)
    assert application.slips == []


def test_public_start_lists_and_results_answer_503_with_the_message(client, race):
    url = f"/meets/{race.meet_id}/startlist"
    assert client.get(url).status_code == 200
    paused("public_results", "結果は準備中です。")
    for path in (url, f"/meets/{race.meet_id}/results"):
        response = client.get(path)
        assert response.status_code == 503
        assert "結果は準備中です。" in response.get_data(as_text=True)
        assert "公開を停止" in response.get_data(as_text=True)
    assert client.get("/").status_code == 200  # the home page is not part of it


def test_mail_stays_queued_while_delivery_is_paused(app):
    message = outbox.enqueue("a@example.jp", "mail_test", subject="テスト")
    db.session.commit()
    paused("mail_delivery")
    assert outbox.deliver_due() == (0, 0)
    assert message.status is OutboxStatus.PENDING
    pauses.resume("mail_delivery", by=None)
    db.session.commit()
    assert outbox.deliver_due() == (1, 0)


def test_cli_switches_and_the_cli_channel_respects_them(cli, coach, race):
    attempt = try_registration(coach, race)
    result = cli("pause", "on", "registration", "--message", "登録停止中")
    assert result.exit_code == 0, result.output
    assert "停止中" in cli("pause", "status").output
    with pytest.raises(pauses.FeaturePaused, match="登録停止中"):
        attempt()
    db.session.rollback()
    assert cli("pause", "off", "registration").exit_code == 0
    pauses.forget_cached()
    attempt()
    assert cli("pause", "on", "nothing").exit_code != 0


def test_system_page_shows_who_paused_what_and_the_switch_is_audited(client, login_as):
    staff = login_as("staff")
    response = client.post(
        "/admin/system/pauses/slip_upload",
        data={"paused": "1", "message": "明細確認の不具合のため停止"},
        follow_redirects=True,
    )
    page = response.get_data(as_text=True)
    assert "「振込明細のアップロード」を一時停止しました" in page
    assert "明細確認の不具合のため停止" in page and staff.full_name in page
    client.post("/admin/system/pauses/slip_upload", data={"paused": "0"})
    actions = db.session.scalars(
        db.select(AuditEvent.action).where(AuditEvent.actor_id == staff.id).order_by(AuditEvent.id)
    ).all()
    assert actions == ["feature.pause", "feature.resume"]
    assert client.post("/admin/system/pauses/unknown", data={"paused": "1"}).status_code == 404


def test_officials_cannot_pause(client, login_as):
    login_as("official")
    assert client.post("/admin/system/pauses/api", data={"paused": "1"}).status_code == 403
    assert pauses.paused("api") is None
    assert db.session.scalar(db.select(db.func.count()).select_from(OutboxMessage)) == 0


def test_the_message_is_shown_where_the_feature_would_be(client, login_as, coach, race):
    paused("registration", "登録は明朝まで停止中です。")
    assert "登録は明朝まで停止中です。" in client.get("/auth/register").get_data(as_text=True)
    paused("entry_editing", "エントリー編集を停止中")
    login_as(coach)
    page = client.get(f"/my/meets/{race.meet_id}").get_data(as_text=True)
    assert "エントリー編集を停止中" in page
    assert "登録は明朝まで" not in client.get("/my/athletes/import").get_data(as_text=True)


def test_the_mail_worker_command_sends_nothing_while_paused(cli):
    outbox.enqueue("b@example.jp", "mail_test", subject="テスト")
    db.session.commit()
    assert cli("pause", "on", "mail_delivery").exit_code == 0
    pauses.forget_cached()
    assert cli("mail-worker", "--once").exit_code == 0
    assert db.session.scalar(db.select(OutboxMessage.status)) is OutboxStatus.PENDING
    assert cli("pause", "off", "mail_delivery").exit_code == 0
    pauses.forget_cached()
    assert cli("mail-worker", "--once").exit_code == 0
    assert db.session.scalar(db.select(OutboxMessage.status)) is OutboxStatus.SENT


def test_entry_editor_over_htmx_shows_the_message_and_adds_nothing(client, login_as, coach, race):
    athlete = factories.make_athlete(coach)
    paused("entry_editing", "ただいま入力を止めています。")
    login_as(coach)
    response = client.post(
        f"/my/meets/{race.meet_id}/entry",
        data={"athlete_id": athlete.id, "race_id": race.id, "declared_time": "15:00.00"},
        headers=HTMX,
    )
    assert response.status_code == 422
    assert "ただいま入力を止めています。" in response.get_data(as_text=True)
    assert db.session.scalar(db.select(db.func.count()).select_from(Entry)) == 0


def test_the_api_pause_closes_the_api_and_nothing_else(client, coach):
    headers = bearer(make_token(coach, "read"))
    assert client.get("/api/v1/team/athletes", headers=headers).status_code == 200
    paused("api", "API は点検中です。")
    for path in ("/api/v1/team/athletes", "/api/v1/meets"):
        response = client.get(path, headers=headers)
        assert response.status_code == 503
        assert response.get_json()["detail"] == "API は点検中です。"
    assert client.get("/").status_code == 200


def test_the_api_respects_the_public_results_and_entry_editing_pauses(client, coach, race):
    headers = bearer(make_token(coach, "write"))
    athlete = factories.make_athlete(coach)
    url = f"/api/v1/meets/{race.meet_id}/races/{race.id}/startlist"
    paused("public_results", "結果は準備中です。")
    paused("entry_editing", "エントリーの変更を止めています。")
    response = client.get(url)
    assert response.status_code == 503 and response.get_json()["detail"] == "結果は準備中です。"
    response = client.post(
        f"/api/v1/team/meets/{race.meet_id}/entries",
        json={"athlete_id": athlete.id, "race_id": race.id, "declared_time": "15:00.00"},
        headers=headers,
    )
    assert response.status_code == 503
    assert response.get_json()["detail"] == "エントリーの変更を止めています。"
    assert db.session.query(Entry).count() == 0
