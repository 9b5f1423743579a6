"""Staff set up meets, races and bank accounts without touching the database (issue 4 item 9)."""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import select

from nitsys.domain.entry_window import EntryWindowState, entry_window_state
from nitsys.domain.errors import RuleViolation
from nitsys.extensions import db
from nitsys.formatting import TOKYO
from nitsys.models import AuditEvent, BankAccount, Meet, Race, RaceGender, Role
from nitsys.services import meets
from tests.factories import make_bank_account, make_meet, make_race, make_user, toast_message

FIRST_DAY = date(2027, 7, 29)
HTMX = {"HX-Request": "true"}


def jst(*args) -> datetime:
    return datetime(*args, tzinfo=TOKYO)


def meet_details(**changes) -> meets.MeetDetails:
    details = meets.MeetDetails(
        name="第330回日本体育大学長距離競技会",
        number=330,
        first_day=FIRST_DAY,
        last_day=FIRST_DAY,
        entry_opens_at=jst(2027, 6, 1, 9, 0),
        entry_closes_at=jst(2027, 7, 20, 23, 59),
        payment_deadline=jst(2027, 7, 24, 23, 59),
    )
    return replace(details, **changes)


def actions() -> list[str]:
    return list(db.session.scalars(select(AuditEvent.action).order_by(AuditEvent.id)))


def last_event() -> AuditEvent:
    return db.session.scalars(select(AuditEvent).order_by(AuditEvent.id.desc())).first()


def refused(action, *args, **kwargs) -> RuleViolation:
    with pytest.raises(RuleViolation) as error:
        action(*args, **kwargs)
    db.session.rollback()
    return error.value


@pytest.fixture
def staff(app):
    return make_user(Role.STAFF)


# --- meets: allowed and refused ------------------------------------------------------------


def test_create_meet_stores_it_and_audits_the_values(staff):
    meet = meets.create_meet(meet_details(venue=""), by=staff)
    db.session.commit()

    assert meet.venue == "日本体育大学横浜・健志台キャンパス陸上競技場"
    assert meet.bib_ranges["general_M"] == [1000, 1999]
    assert meet.entry_closes_at == datetime(2027, 7, 20, 14, 59, tzinfo=UTC)
    event = last_event()
    assert (event.action, event.actor_id, event.meet_id) == ("meet.create", staff.id, meet.id)
    assert event.after["name"] == "第330回日本体育大学長距離競技会"
    assert event.after["fee_per_entry"] == 2000


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"name": "  "}, "name", "大会名を入力してください。"),
        ({"last_day": date(2027, 7, 28)}, "last_day", "最終日は初日と同じか後の日にしてください。"),
        (
            {"entry_closes_at": jst(2027, 6, 1, 9, 0)},
            "entry_closes_at",
            "エントリー締切は受付開始より後にしてください。",
        ),
        (
            {"entry_closes_at": jst(2027, 7, 29, 0, 1)},
            "entry_closes_at",
            "エントリー締切は大会初日より前にしてください。",
        ),
        (
            {"payment_deadline": jst(2027, 5, 31, 0, 0)},
            "payment_deadline",
            "支払期限は受付開始より後にしてください。",
        ),
        (
            {"parking_deadline": jst(2027, 7, 29, 8, 0)},
            "parking_deadline",
            "駐車場申請の締切は大会初日より前にしてください。",
        ),
        ({"fee_per_entry": -1}, "fee_per_entry", "参加費は0円以上にしてください。"),
        (
            {"default_heat_capacity": 0},
            "default_heat_capacity",
            "1組の定員は1人以上にしてください。",
        ),
        (
            {"call_offset_minutes": -5},
            "call_offset_minutes",
            "招集時刻は開始時刻より前（0分以上）にしてください。",
        ),
    ],
)
def test_meet_refusals(staff, changes, field, message):
    error = refused(meets.create_meet, meet_details(**changes), by=staff)
    assert (error.field, error.message) == (field, message)
    assert db.session.scalar(select(Meet.id)) is None
    assert actions() == []


@pytest.mark.parametrize(
    "changes",
    [
        {"fee_per_entry": 0},
        {"last_day": date(2027, 7, 30)},
        {"entry_closes_at": jst(2027, 7, 29, 0, 0)},
        {"payment_deadline": None, "parking_deadline": jst(2027, 7, 28, 23, 59)},
        {"call_offset_minutes": 0},
    ],
)
def test_meet_boundaries_allowed(staff, changes):
    meet = meets.create_meet(meet_details(**changes), by=staff)
    db.session.commit()
    assert meet.id is not None


def test_bank_account_must_be_active(staff):
    inactive = make_bank_account(is_active=False)
    error = refused(meets.create_meet, meet_details(bank_account_id=inactive.id), by=staff)
    assert (error.field, error.message) == ("bank_account_id", "有効な振込先口座を選んでください。")

    active = make_bank_account()
    meet = meets.create_meet(meet_details(bank_account_id=active.id), by=staff)
    assert meet.bank_account is active


def bibs(**changes) -> dict[str, list[int]]:
    ranges = {
        "ncg_M": [1, 499],
        "ncg_F": [500, 999],
        "general_M": [1000, 1999],
        "general_F": [2000, 2999],
        "ncg_X": [3000, 3499],
        "general_X": [3500, 3999],
    }
    ranges.update(changes)
    return ranges


@pytest.mark.parametrize(
    ("ranges", "message"),
    [
        (
            bibs(general_M=[900, 1999]),
            "ゼッケン範囲「NCG女子」(500〜999) と「一般男子」(900〜1999) が重なっています。",
        ),
        (
            bibs(general_X=[3499, 3999]),
            "ゼッケン範囲「NCG混合」(3000〜3499) と「一般混合」(3499〜3999) が重なっています。",
        ),
        (
            bibs(ncg_F=[999, 500]),
            "ゼッケン範囲「NCG女子」(999〜500) は1以上で、開始を終了以下にしてください。",
        ),
        (
            bibs(ncg_M=[0, 499]),
            "ゼッケン範囲「NCG男子」(0〜499) は1以上で、開始を終了以下にしてください。",
        ),
        (
            {k: v for k, v in bibs().items() if k != "ncg_X"},
            "ゼッケン範囲をすべての区分について入力してください。",
        ),
    ],
)
def test_bib_ranges_refused(staff, ranges, message):
    error = refused(meets.create_meet, meet_details(bib_ranges=ranges), by=staff)
    assert (error.field, error.message) == ("bib_ranges", message)


def test_bib_ranges_may_touch_and_be_reordered(staff):
    ranges = bibs(general_M=[1, 499], ncg_M=[1000, 1999], ncg_X=[3000, 3000])
    meet = meets.create_meet(meet_details(bib_ranges=ranges), by=staff)
    assert meet.bib_ranges["ncg_M"] == [1000, 1999]


def test_update_meet_audits_before_and_after(staff):
    meet = meets.create_meet(meet_details(), by=staff)
    meets.update_meet(meet, meet_details(fee_per_entry=1000), by=staff)
    db.session.commit()

    event = last_event()
    assert event.action == "meet.update"
    assert (event.before["fee_per_entry"], event.after["fee_per_entry"]) == (2000, 1000)
    assert db.session.get(Meet, meet.id).fee_per_entry == 1000


def test_update_meet_refuses_days_that_leave_a_race_start_outside(staff):
    meet = meets.create_meet(meet_details(), by=staff)
    race = meets.create_race(
        meet,
        meets.RaceDetails(5000, RaceGender.MALE, first_start_at=jst(2027, 7, 29, 9, 40)),
        by=staff,
    )
    db.session.commit()

    changed = meet_details(
        first_day=date(2027, 7, 30),
        last_day=date(2027, 7, 30),
    )
    error = refused(meets.update_meet, meet, changed, by=staff)
    assert error.message == (
        "種目「男子5000m」の開始時刻 2027/07/29 09:40 が"
        "大会の日程（2027/07/30〜2027/07/30）から外れています。"
    )
    assert db.session.get(Meet, meet.id).first_day == FIRST_DAY
    assert race.first_start_at == jst(2027, 7, 29, 9, 40)


# --- publishing and the entry switch -------------------------------------------------------


def test_publish_needs_an_active_race(staff):
    meet = make_meet(is_published=False)
    error = refused(meets.set_published, meet, True, by=staff)
    assert error.message == "有効な種目が1つもないため公開できません。先に種目を追加してください。"

    make_race(meet)
    meets.set_published(meet, True, by=staff)
    meets.set_published(meet, True, by=staff)  # already published: nothing more to record
    db.session.commit()
    assert meet.is_published
    assert actions() == ["meet.publish"]
    assert (last_event().before, last_event().after) == (
        {"is_published": False},
        {"is_published": True},
    )


def test_open_entries_needs_a_bank_account_when_there_is_a_fee(staff):
    meet = make_meet(entry_open=False)
    make_race(meet)
    error = refused(meets.set_entry_open, meet, True, by=staff)
    assert error.message.startswith("振込先口座が設定されていないため受付を開始できません。")

    meet.fee_per_entry = 0
    meets.set_entry_open(meet, True, by=staff)
    meets.set_entry_open(meet, False, by=staff)
    db.session.commit()
    assert actions() == ["meet.entry_open", "meet.entry_pause"]
    assert not meet.entry_open


# --- entry window state --------------------------------------------------------------------

NOW = datetime(2027, 6, 15, 3, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("published", "switch", "opens", "closes", "state", "label"),
    [
        (False, True, -1, 1, EntryWindowState.HIDDEN, "非公開"),
        (True, True, 1, 2, EntryWindowState.NOT_YET, "受付前"),
        (True, False, 1, 2, EntryWindowState.NOT_YET, "受付前"),
        (True, True, -1, 1, EntryWindowState.OPEN, "受付中"),
        (True, True, 0, 1, EntryWindowState.OPEN, "受付中"),
        (True, False, -1, 1, EntryWindowState.PAUSED, "一時停止"),
        (True, True, -2, 0, EntryWindowState.CLOSED, "締切"),
        (True, False, -2, -1, EntryWindowState.CLOSED, "締切"),
    ],
)
def test_entry_window_state(published, switch, opens, closes, state, label):
    meet = Meet(
        is_published=published,
        entry_open=switch,
        entry_opens_at=NOW + timedelta(days=opens),
        entry_closes_at=NOW + timedelta(days=closes),
    )
    result = entry_window_state(meet, NOW)
    assert (result, result.label) == (state, label)
    assert result.accepts_entries is (state is EntryWindowState.OPEN)


# --- races ---------------------------------------------------------------------------------


@pytest.fixture
def meet(staff):
    meet = meets.create_meet(meet_details(), by=staff)
    db.session.commit()
    return meet


def race_details(**changes) -> meets.RaceDetails:
    return replace(meets.RaceDetails(distance=5000, gender=RaceGender.MALE), **changes)


def test_create_race_defaults_name_capacity_and_parses_the_standard(staff, meet):
    race = meets.create_race(meet, race_details(standard_time="15:30"), by=staff)
    ncg = meets.create_race(
        meet, race_details(is_ncg=True, fallback_race_id=race.id, standard_time="14:20.5"), by=staff
    )
    db.session.commit()

    assert (race.name, race.heat_capacity, race.standard_time) == ("男子5000m", 40, 93000)
    assert (ncg.name, ncg.fallback_race, ncg.standard_time) == ("NCG男子5000m", race, 86050)
    event = last_event()
    assert (event.action, event.meet_id) == ("race.create", meet.id)
    assert event.after["standard_time"] == 86050


def test_race_name_is_unique_in_the_meet(staff, meet):
    meets.create_race(meet, race_details(), by=staff)
    error = refused(meets.create_race, meet, race_details(), by=staff)
    assert (error.field, error.message) == (
        "name",
        "この大会には既に「男子5000m」という種目があります。別の種目名にしてください。",
    )
    other = meets.create_race(meet, race_details(name="男子5000m（B）"), by=staff)
    assert other.name == "男子5000m（B）"


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        (
            {"standard_time": "15:75"},
            "standard_time",
            "参加標準記録: 「15:75」は読み取れません。秒は60未満で、14:30.00 のように入力してください。",
        ),
        (
            {"standard_time": "4:30.00"},
            "standard_time",
            "参加標準記録: 「4:30.00」は 4:30.00 と読めますが、男子5000mのタイムとしてありえない値です。"
            "12:30.00〜30:00.00 の範囲で入力してください。",
        ),
        ({"distance": 4000}, "distance", "距離は 800/1500/3000/5000/10000m から選んでください。"),
        ({"ncg_capacity": 0}, "ncg_capacity", "NCG定員は1人以上にしてください。"),
        ({"heat_capacity": 0}, "heat_capacity", "1組の定員は1人以上にしてください。"),
        (
            {"max_entries": 0},
            "max_entries",
            "エントリー上限は1人以上にするか、空欄（上限なし）にしてください。",
        ),
        (
            {"heat_interval_minutes": -1},
            "heat_interval_minutes",
            "組の間隔は0分以上にしてください。",
        ),
        (
            {"first_start_at": jst(2027, 7, 30, 9, 0)},
            "first_start_at",
            "種目「男子5000m」の開始時刻 2027/07/30 09:00 が"
            "大会の日程（2027/07/29〜2027/07/29）から外れています。",
        ),
    ],
)
def test_race_refusals(staff, meet, changes, field, message):
    error = refused(meets.create_race, meet, race_details(**changes), by=staff)
    assert (error.field, error.message) == (field, message)
    assert db.session.scalar(select(Race.id)) is None


def test_first_start_in_japan_time_on_the_meet_day_is_allowed(staff, meet):
    # 08:30 JST on the meet day is still the day before in UTC.
    race = meets.create_race(meet, race_details(first_start_at=jst(2027, 7, 29, 8, 30)), by=staff)
    assert race.first_start_at == datetime(2027, 7, 28, 23, 30, tzinfo=UTC)


def fallback_error(staff, meet, fallback: Race, gender=RaceGender.MALE) -> str:
    details = race_details(name="NCG", is_ncg=True, gender=gender, fallback_race_id=fallback.id)
    error = refused(meets.create_race, meet, details, by=staff)
    assert error.field == "fallback_race_id"
    return error.message


def test_fallback_must_be_a_general_race_of_the_same_meet_distance_and_gender(staff, meet):
    women = meets.create_race(meet, race_details(gender=RaceGender.FEMALE), by=staff)
    ten = meets.create_race(meet, race_details(distance=10000), by=staff)
    ncg = meets.create_race(meet, race_details(is_ncg=True, gender=RaceGender.FEMALE), by=staff)
    elsewhere = make_race(make_meet())
    db.session.commit()

    assert fallback_error(staff, meet, women) == (
        "「女子5000m」は距離・性別が違います。移動先は同じ距離・性別の一般種目にしてください。"
    )
    assert fallback_error(staff, meet, ten).startswith("「男子10000m」は距離・性別が違います。")
    assert fallback_error(staff, meet, ncg, gender=RaceGender.FEMALE) == (
        "「NCG女子5000m」はNCG種目です。移動先にはNCGではない一般種目を選んでください。"
    )
    assert fallback_error(staff, meet, elsewhere) == (
        "移動先の一般種目をこの大会の種目から選んでください。"
    )
    men = meets.create_race(meet, race_details(), by=staff)
    men.is_active = False
    assert fallback_error(staff, meet, men) == (
        "「男子5000m」は無効になっています。有効な一般種目を選んでください。"
    )


def test_a_general_race_forgets_any_fallback(staff, meet):
    target = meets.create_race(meet, race_details(name="一般"), by=staff)
    race = meets.create_race(meet, race_details(fallback_race_id=target.id), by=staff)
    assert race.fallback_race_id is None


def test_a_fallback_target_keeps_its_distance_gender_and_stays_active(staff, meet):
    general = meets.create_race(meet, race_details(), by=staff)
    meets.create_race(meet, race_details(is_ncg=True, fallback_race_id=general.id), by=staff)
    db.session.commit()

    error = refused(meets.update_race, general, race_details(distance=10000), by=staff)
    assert error.message.startswith("「男子5000m」は「NCG男子5000m」の移動先の一般種目なので")
    error = refused(meets.set_race_active, general, False, by=staff)
    assert error.message.startswith("「男子5000m」は「NCG男子5000m」の移動先の一般種目なので")
    assert db.session.get(Race, general.id).is_active

    meets.update_race(general, race_details(max_entries=1360), by=staff)
    db.session.commit()
    assert general.max_entries == 1360


def test_update_and_deactivate_race_are_audited(staff, meet):
    race = meets.create_race(meet, race_details(), by=staff)
    meets.update_race(race, race_details(standard_time="15:00.00"), by=staff)
    meets.set_race_active(race, False, by=staff)
    db.session.commit()

    assert actions()[-3:] == ["race.create", "race.update", "race.deactivate"]
    update = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "race.update")).one()
    assert (update.before["standard_time"], update.after["standard_time"]) == (None, 90000)
    assert not race.is_active


# --- bank accounts -------------------------------------------------------------------------


def bank_details(**changes) -> meets.BankAccountDetails:
    details = meets.BankAccountDetails(
        bank_name="ゆうちょ銀行",
        branch_name="〇二八店",
        account_number="１２３４５６７",
        account_holder="日本体育大学長距離ブロック",
    )
    return replace(details, **changes)


def test_create_bank_account_normalises_the_number(staff):
    account = meets.create_bank_account(bank_details(), by=staff)
    db.session.commit()
    assert account.account_number == "1234567"
    assert last_event().action == "bank_account.create"


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"account_number": "12a4567"}, "account_number"),
        ({"account_number": "-1234"}, "account_number"),
        ({"bank_name": " "}, "bank_name"),
        ({"account_holder": ""}, "account_holder"),
    ],
)
def test_bank_account_refusals(staff, changes, field):
    error = refused(meets.create_bank_account, bank_details(**changes), by=staff)
    assert error.field == field
    assert db.session.scalar(select(BankAccount.id)) is None


def test_an_account_in_use_by_a_coming_meet_cannot_be_deactivated(staff):
    account = make_bank_account()
    make_meet(bank_account_id=account.id, name="第331回")
    error = refused(meets.update_bank_account, account, bank_details(is_active=False), by=staff)
    assert error.message.startswith("この口座は開催前の大会「第331回」の振込先なので")

    past = date.today() - timedelta(days=30)
    other = make_bank_account()
    make_meet(
        bank_account_id=other.id,
        first_day=past,
        last_day=past,
        entry_opens_at=datetime(2020, 1, 1, tzinfo=UTC),
        entry_closes_at=datetime(2020, 1, 2, tzinfo=UTC),
    )
    meets.update_bank_account(other, bank_details(is_active=False), by=staff)
    db.session.commit()
    assert not other.is_active
    event = last_event()
    assert (event.before["is_active"], event.after["is_active"]) == (True, False)


# --- pages: permissions --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("get", "/admin/meets"),
        ("get", "/admin/meets/new"),
        ("get", "/admin/bank-accounts"),
        ("post", "/admin/meets/new"),
    ],
)
def test_anonymous_goes_to_login(client, method, path):
    response = getattr(client, method)(path)
    assert response.status_code == 302
    assert "/auth/login" in response.headers["Location"]


@pytest.mark.parametrize(
    ("method", "path", "participant", "official"),
    [
        ("get", "/admin/meets", 403, 200),
        ("get", "/admin/meets/{meet}", 403, 200),
        ("get", "/admin/meets/new", 403, 403),
        ("get", "/admin/meets/{meet}/edit", 403, 403),
        ("post", "/admin/meets/{meet}/publish", 403, 403),
        ("post", "/admin/meets/{meet}/entry-open", 403, 403),
        ("get", "/admin/meets/{meet}/races/new", 403, 403),
        ("post", "/admin/meets/{meet}/races", 403, 403),
        ("post", "/admin/meets/{meet}/races/{race}", 403, 403),
        ("post", "/admin/meets/{meet}/races/{race}/active", 403, 403),
        ("get", "/admin/bank-accounts", 403, 403),
        ("post", "/admin/bank-accounts", 403, 403),
    ],
)
def test_only_staff_change_meets(client, login_as, method, path, participant, official):
    race = make_race()
    url = path.format(meet=race.meet_id, race=race.id)
    for role, expected in (("participant", participant), ("official", official)):
        login_as(role)
        assert getattr(client, method)(url).status_code == expected, role
    assert actions() == []


def test_nav_link_for_officials_and_staff_only(client, login_as):
    login_as("participant")
    assert "大会管理" not in client.get("/my/").get_data(as_text=True)
    login_as("official")
    page = client.get("/admin/meets").get_data(as_text=True)
    assert "大会管理" in page
    assert "大会を作成" not in page


def test_race_of_another_meet_is_not_found(client, login_as):
    login_as("staff")
    race = make_race()
    other = make_meet()
    assert client.get(f"/admin/meets/{other.id}/races/{race.id}/edit").status_code == 404


# --- pages: staff set up a meet ------------------------------------------------------------


def meet_form(**changes) -> dict:
    form = {
        "number": "330",
        "name": "第330回日本体育大学長距離競技会",
        "first_day": "2027-07-29",
        "last_day": "2027-07-29",
        "venue": "",
        "entry_opens_at": "2027-06-01T09:00",
        "entry_closes_at": "2027-07-20T23:59",
        "payment_deadline": "2027-07-24T23:59",
        "parking_deadline": "",
        "fee_per_entry": "２０００",
        "bank_account_id": "None",
        "default_heat_capacity": "40",
        "call_offset_minutes": "20",
        "receipt_issuer_name": "",
        "receipt_issuer_address": "",
    }
    for key, (start, end) in bibs().items():
        form[f"bib_{key}_start"], form[f"bib_{key}_end"] = str(start), str(end)
    form.update(changes)
    return form


def test_staff_create_a_meet_in_japan_time(client, login_as):
    login_as("staff")
    assert "2027" not in client.get("/admin/meets/new").get_data(as_text=True)

    response = client.post("/admin/meets/new", data=meet_form())
    meet = db.session.scalars(select(Meet)).one()
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/admin/meets/{meet.id}")
    assert meet.entry_opens_at == datetime(2027, 6, 1, 0, 0, tzinfo=UTC)
    assert meet.fee_per_entry == 2000

    page = client.get(f"/admin/meets/{meet.id}").get_data(as_text=True)
    assert "2027/06/01 09:00 〜 2027/07/20 23:59" in page
    assert "非公開" in page
    edit = client.get(f"/admin/meets/{meet.id}/edit").get_data(as_text=True)
    assert 'value="2027-06-01T09:00"' in edit


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"last_day": "2027-07-28"}, "最終日は初日と同じか後の日にしてください。"),
        ({"fee_per_entry": "-500"}, "参加費は0円以上にしてください。"),
        ({"fee_per_entry": "二千"}, "数字で入力してください。"),
        ({"first_day": "7/29"}, "日付を 2026-07-29 の形で入力してください。"),
        (
            {"bib_general_F_start": "1500"},
            "ゼッケン範囲「一般男子」(1000〜1999) と「一般女子」(1500〜2999) が重なっています。",
        ),
    ],
)
def test_meet_form_shows_the_refusal_in_place(client, login_as, changes, message):
    login_as("staff")
    response = client.post("/admin/meets/new", data=meet_form(**changes))
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    assert db.session.scalar(select(Meet.id)) is None


def test_staff_edit_a_meet(client, login_as):
    staff = login_as("staff")
    meet = meets.create_meet(meet_details(), by=staff)
    account = make_bank_account()
    db.session.commit()

    response = client.post(
        f"/admin/meets/{meet.id}/edit",
        data=meet_form(fee_per_entry="1000", bank_account_id=str(account.id)),
    )
    assert response.status_code == 302
    db.session.expire_all()
    assert (meet.fee_per_entry, meet.bank_account_id) == (1000, account.id)
    assert last_event().action == "meet.update"


def test_publish_and_open_with_htmx(client, login_as):
    login_as("staff")
    meet = make_meet(is_published=False, entry_open=False, fee_per_entry=0)

    refused_response = client.post(
        f"/admin/meets/{meet.id}/publish", data={"published": "1"}, headers=HTMX
    )
    assert refused_response.status_code == 422
    assert "有効な種目が1つもないため公開できません。" in refused_response.get_data(as_text=True)

    make_race(meet)
    response = client.post(f"/admin/meets/{meet.id}/publish", data={"published": "1"}, headers=HTMX)
    assert response.status_code == 200
    assert "大会を公開しました。" in toast_message(response)
    assert 'id="meet-status"' in response.get_data(as_text=True)

    response = client.post(f"/admin/meets/{meet.id}/entry-open", data={"open": "1"}, headers=HTMX)
    assert "受付中" in response.get_data(as_text=True)
    response = client.post(f"/admin/meets/{meet.id}/entry-open", data={"open": "0"})
    assert response.status_code == 302
    db.session.expire_all()
    assert (meet.is_published, meet.entry_open) == (True, False)
    assert actions() == ["meet.publish", "meet.entry_open", "meet.entry_pause"]


# --- pages: races in place -----------------------------------------------------------------


def race_form(prefix: str, **changes) -> dict:
    form = {
        "distance": "5000",
        "gender": "M",
        "name": "",
        "ncg_capacity": "35",
        "fallback_race_id": "None",
        "standard_time": "",
        "max_entries": "",
        "heat_capacity": "",
        "heat_order": "slow_first",
        "first_start_at": "",
        "heat_interval_minutes": "15",
        "display_order": "1",
    }
    form.update(changes)
    return {f"{prefix}-{key}": value for key, value in form.items()}


def test_add_a_race_in_the_table(client, login_as):
    login_as("staff")
    meet = make_meet()

    blank = client.get(f"/admin/meets/{meet.id}/races/new", headers=HTMX)
    assert blank.get_data(as_text=True).lstrip().startswith('<tr id="race-new"')

    bad = client.post(
        f"/admin/meets/{meet.id}/races",
        data=race_form("race-new", standard_time="15:3"),
        headers=HTMX,
    )
    assert bad.status_code == 422
    assert "「15:3」は読み取れません。秒は2桁で" in bad.get_data(as_text=True)

    response = client.post(
        f"/admin/meets/{meet.id}/races",
        data=race_form("race-new", standard_time="１５：３０．００", first_start_at=""),
        headers=HTMX,
    )
    race = db.session.scalars(select(Race)).one()
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert html.lstrip().startswith(f'<tr id="race-{race.id}"')
    assert "男子5000m" in html and "15:30.00" in html
    assert "種目「男子5000m」を保存しました。" in toast_message(response)


def test_edit_a_race_in_place_and_without_javascript(client, login_as):
    login_as("staff")
    meet = make_meet()
    race = make_race(meet, standard_time=93000)

    form_row = client.get(f"/admin/meets/{meet.id}/races/{race.id}/edit", headers=HTMX)
    assert 'value="15:30.00"' in form_row.get_data(as_text=True)
    page = client.get(f"/admin/meets/{meet.id}/races/{race.id}/edit")
    assert "<html" in page.get_data(as_text=True)

    prefix = f"race-{race.id}"
    response = client.post(
        f"/admin/meets/{meet.id}/races/{race.id}",
        data=race_form(prefix, standard_time="15:00", max_entries="1360"),
        headers=HTMX,
    )
    assert response.status_code == 200
    assert "15:00.00" in response.get_data(as_text=True)

    plain = client.post(
        f"/admin/meets/{meet.id}/races/{race.id}", data=race_form(prefix, distance="10000")
    )
    assert plain.status_code == 302
    db.session.expire_all()
    assert (race.name, race.max_entries, race.standard_time) == ("男子10000m", None, None)

    cancel = client.get(f"/admin/meets/{meet.id}/races/{race.id}", headers=HTMX)
    assert "男子10000m" in cancel.get_data(as_text=True)


def test_deactivating_a_fallback_target_shows_why(client, login_as):
    login_as("staff")
    meet = make_meet()
    general = make_race(meet)
    make_race(meet, is_ncg=True, fallback_race=general)

    response = client.post(
        f"/admin/meets/{meet.id}/races/{general.id}/active", data={"active": "0"}, headers=HTMX
    )
    assert response.status_code == 422
    assert "「NCG男子5000m」の移動先の一般種目なので無効にできません" in response.get_data(
        as_text=True
    )


def test_bank_accounts_page(client, login_as):
    login_as("staff")
    response = client.post(
        "/admin/bank-accounts",
        data={
            "bank_name": "ゆうちょ銀行",
            "branch_name": "〇二八店",
            "account_type": "ordinary",
            "account_number": "1234567",
            "account_holder": "日本体育大学長距離ブロック",
            "is_active": "y",
        },
    )
    assert response.status_code == 302
    account = db.session.scalars(select(BankAccount)).one()
    assert "〇二八店" in client.get("/admin/bank-accounts").get_data(as_text=True)

    bad = client.post(
        f"/admin/bank-accounts/{account.id}/edit",
        data={
            "bank_name": "ゆうちょ銀行",
            "branch_name": "〇二八店",
            "account_type": "ordinary",
            "account_number": "12-34a",
            "account_holder": "日本体育大学長距離ブロック",
        },
    )
    assert bad.status_code == 422
    assert "口座番号は数字" in bad.get_data(as_text=True)
    db.session.expire_all()
    assert account.is_active


def test_race_form_posts_with_csrf_protection_on(csrf_app, client, login_as):
    login_as("staff")
    meet = make_meet()
    race = make_race(meet)
    page = client.get(f"/admin/meets/{meet.id}/races/{race.id}/edit").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)

    data = {"csrf_token": token, **race_form(f"race-{race.id}", max_entries="50")}
    response = client.post(f"/admin/meets/{meet.id}/races/{race.id}", data=data)
    assert response.status_code == 302
    assert db.session.get(Race, race.id).max_entries == 50


def test_ncg_capacity_is_needed_only_for_an_ncg_race(client, login_as):
    login_as("staff")
    meet = make_meet()
    plain = client.post(
        f"/admin/meets/{meet.id}/races",
        data=race_form("race-new", ncg_capacity="", first_start_at=""),
        headers=HTMX,
    )
    assert plain.status_code == 200 and "NCG定員" not in toast_message(plain)
    ncg = client.post(
        f"/admin/meets/{meet.id}/races",
        data=race_form(
            "race-new", is_ncg="y", ncg_capacity="", first_start_at="", distance="10000"
        ),
        headers=HTMX,
    )
    assert ncg.status_code == 422
    assert "NCG種目ではNCG定員を入力してください。" in ncg.get_data(as_text=True)


def test_new_race_refused_for_another_field_marks_no_untouched_auto_field(client, login_as):
    """Name, heat capacity, first start and limits left to fill themselves stay unmarked."""
    login_as("staff")
    meet = make_meet()
    page = client.get(f"/admin/meets/{meet.id}/races/new").get_data(as_text=True)
    assert 'aria-invalid="true"' not in page and "field-error" not in page
    for headers in ({}, HTMX):
        bad = client.post(
            f"/admin/meets/{meet.id}/races",
            data=race_form(
                "race-new", distance="10000", gender="F", standard_time="35:3", ncg_capacity=""
            ),
            headers=headers,
        )
        html = bad.get_data(as_text=True)
        assert bad.status_code == 422
        assert html.count('aria-invalid="true"') == 1 and html.count('class="field-error"') == 1
        assert re.search(r'id="race-new-standard_time"[^>]*aria-invalid="true"', html) or re.search(
            r'aria-invalid="true"[^>]*id="race-new-standard_time"', html
        )
        assert 'name="race-new-name" type="text" value=""' in html or (
            re.search(r'name="race-new-name"[^>]*value=""', html)
        )
    assert db.session.scalars(select(Race)).all() == []
