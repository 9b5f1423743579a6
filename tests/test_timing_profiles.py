"""Timing-CSV profiles: staff save them per meet on their page and download with one."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from nitsys.domain.timing_csv import ProfileError
from nitsys.extensions import db
from nitsys.models import AuditEvent, ExportLog, TimingProfileSetting
from nitsys.services import timing_profiles
from tests.factories import make_locked_heats, make_meet, make_user, toast_message
from tests.test_exports_service import build_race

HTMX = {"HX-Request": "true"}


def profile_form(name="NISHI", order=("bib", "name", "name_kana", "organization"), **changes):
    """What staff post from the editor: the ticked columns numbered in `order`."""
    form = {"name": name, "columns": list(order), "header": "ids", "encoding": "cp932"}
    form |= {f"order-{key}": str(number) for number, key in enumerate(order, start=1)}
    form |= {"id-bib": "ZK", "id-name": "N1", "id-name_kana": "N2", "id-organization": "SZ"}
    return form | changes


def saved_profiles():
    return db.session.scalars(select(TimingProfileSetting).order_by(TimingProfileSetting.id)).all()


@pytest.fixture
def staff(login_as):
    return login_as("staff")


@pytest.fixture
def meet(app):
    return make_meet()


def test_staff_create_edit_and_delete_a_profile_on_its_page(client, staff, meet):
    page = f"/admin/meets/{meet.id}/exports/timing-profiles"
    assert "新しい設定" in client.get(page).get_data(as_text=True)

    created = client.post(page, data=profile_form())

    [profile] = saved_profiles()
    assert created.status_code == 303 and created.location.endswith(f"{page}/{profile.id}")
    assert profile.settings["columns"] == ["bib", "name", "name_kana", "organization"]
    assert profile.settings["encoding"] == "cp932" and profile.updated_by_id == staff.id
    edit_page = client.get(f"{page}/{profile.id}").get_data(as_text=True)
    assert "設定「NISHI」の編集" in edit_page and "を保存しました" in edit_page

    edited = client.post(
        f"{page}/{profile.id}",
        data=profile_form(name="NISHI 2", order=("organization", "bib")),
        headers=HTMX,
    )

    assert edited.status_code == 200 and toast_message(edited) == "設定「NISHI 2」を保存しました。"
    assert edited.headers["HX-Push-Url"] == f"{page}/{profile.id}"
    db.session.refresh(profile)
    assert (profile.name, profile.settings["columns"]) == ("NISHI 2", ["organization", "bib"])

    deleted = client.post(f"{page}/{profile.id}/delete", headers=HTMX)

    assert toast_message(deleted) == "設定「NISHI 2」を削除しました。"
    assert saved_profiles() == []
    actions = db.session.scalars(select(AuditEvent.action).order_by(AuditEvent.id)).all()
    assert actions == ["timing_profile.create", "timing_profile.update", "timing_profile.delete"]


def test_columns_follow_the_typed_order_and_blank_numbers_go_last(client, staff, meet):
    form = profile_form(order=("bib", "name", "heat")) | {
        "order-bib": "3",
        "order-name": "",
        "order-heat": "１",  # a full-width digit from a Japanese keyboard
        "id-heat": "k1",
    }

    client.post(f"/admin/meets/{meet.id}/exports/timing-profiles", data=form)

    [profile] = saved_profiles()
    assert profile.settings["columns"] == ["heat", "bib", "name"]
    assert profile.settings["header_ids"]["heat"] == "K1"


def test_a_duplicate_name_is_refused_in_place(client, staff, meet):
    page = f"/admin/meets/{meet.id}/exports/timing-profiles"
    client.post(page, data=profile_form())

    response = client.post(page, data=profile_form(name=" NISHI "), headers=HTMX)

    text = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "この大会には「NISHI」という設定がすでにあります。" in text
    assert 'value=" NISHI "' in text  # the form keeps what was typed
    assert len(saved_profiles()) == 1


def test_the_same_name_in_another_meet_is_fine(client, staff, meet):
    other = make_meet()
    client.post(f"/admin/meets/{meet.id}/exports/timing-profiles", data=profile_form())
    client.post(f"/admin/meets/{other.id}/exports/timing-profiles", data=profile_form())

    assert len(saved_profiles()) == 2


@pytest.mark.parametrize(
    ("typed_id", "message"),
    [
        ("SHO", "項目IDは英大文字で始まる2文字（例: N1, ZK）にしてください: 所属「SHO」"),
        ("1S", "項目IDは英大文字で始まる2文字（例: N1, ZK）にしてください: 所属「1S」"),
        ("", "項目ID（英大文字と数字の2文字）を指定してください: 所属"),
    ],
)
def test_header_ids_must_be_two_letters(client, staff, meet, typed_id, message):
    response = client.post(
        f"/admin/meets/{meet.id}/exports/timing-profiles",
        data=profile_form(**{"id-organization": typed_id}),
    )

    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    assert saved_profiles() == []


def test_a_profile_without_ids_needs_none(client, staff, meet):
    form = profile_form(header="labels") | {"id-organization": ""}

    response = client.post(f"/admin/meets/{meet.id}/exports/timing-profiles", data=form)

    assert response.status_code == 303 and len(saved_profiles()) == 1


def save_nishi(meet_id, staff, **changes):
    settings = {
        "name": "NISHI",
        "columns": ["bib", "name", "name_kana", "organization", "heat", "position"],
        "header_ids": {"organization": "SZ", "heat": "K1", "position": "K2"},
    }
    profile = timing_profiles.save_profile(meet_id, settings | changes, by=staff)
    db.session.commit()
    return profile


def test_the_download_has_the_chosen_columns_in_order_in_cp932_with_crlf(client, staff):
    race, _ = build_race()
    make_locked_heats(race, staff)
    profile = save_nishi(race.meet_id, staff)

    response = client.post(
        f"/admin/meets/{race.meet_id}/exports/timing-csv",
        data={"profile_id": profile.id, "race_id": race.id},
    )

    assert response.status_code == 200
    assert response.content_type == "text/csv; charset=shift_jis"
    assert "timing_2026-12-05_" in response.headers["Content-Disposition"]
    lines = response.data.decode("cp932").split("\r\n")
    assert lines[0] == "ZK,N1,N2,SZ,K1,K2"
    assert lines[-1] == "" and len(lines) == 5  # three runners, a CRLF after each line
    takahashi = next(line for line in lines if "髙橋" in line).split(",")
    assert takahashi[1:4] == ["髙橋 健太", "タカハシ ケンタ", "日体大"]
    assert "\n" not in response.data.decode("cp932").replace("\r\n", "")
    log = db.session.scalar(select(ExportLog))
    assert (log.kind, log.race_id, log.row_count) == ("timing_csv", race.id, 3)
    assert log.parameters == {"profile": "NISHI", "encoding": "cp932"}


def test_another_meets_profile_is_not_found(client, staff):
    race, _ = build_race()
    make_locked_heats(race, staff)
    foreign = save_nishi(make_meet().id, staff)
    base = f"/admin/meets/{race.meet_id}/exports/timing-profiles/{foreign.id}"

    assert client.get(base).status_code == 404
    assert client.post(base, data=profile_form(name="乗っ取り")).status_code == 404
    assert client.post(f"{base}/delete").status_code == 404
    download = client.post(
        f"/admin/meets/{race.meet_id}/exports/timing-csv", data={"profile_id": foreign.id}
    )
    assert download.status_code == 404
    db.session.refresh(foreign)
    assert foreign.name == "NISHI" and db.session.scalar(select(func.count(ExportLog.id))) == 0


def test_a_download_before_the_heats_are_ready_says_why(client, staff):
    race, _ = build_race()
    profile = save_nishi(race.meet_id, staff)

    response = client.post(
        f"/admin/meets/{race.meet_id}/exports/timing-csv",
        data={"profile_id": profile.id},
        follow_redirects=True,
    )

    page = response.get_data(as_text=True)
    assert response.request.path == f"/admin/meets/{race.meet_id}/exports"
    assert "まだ出力できません。" in page and "男子5000m: 組がまだ編成されていません" in page
    assert db.session.scalar(select(func.count(ExportLog.id))) == 0


def test_the_exports_page_loads_the_card_with_the_saved_profiles(client, staff, meet):
    save_nishi(meet.id, staff)
    card_url = f"/admin/meets/{meet.id}/exports/timing-card"

    page = client.get(f"/admin/meets/{meet.id}/exports").get_data(as_text=True)
    card = client.get(card_url, headers=HTMX).get_data(as_text=True)

    assert f'hx-get="{card_url}"' in page
    assert ">NISHI</option>" in card and "タイミングCSVをダウンロード" in card


def test_participants_and_officials_are_refused(client, login_as, meet):
    profile = save_nishi(meet.id, make_user("staff"))
    base = f"/admin/meets/{meet.id}/exports"
    for role in ("participant", "official"):
        login_as(role)
        assert client.get(f"{base}/timing-profiles").status_code == 403
        assert client.get(f"{base}/timing-card").status_code == 403
        assert client.post(f"{base}/timing-profiles", data=profile_form("X")).status_code == 403
        posted = client.post(f"{base}/timing-csv", data={"profile_id": profile.id})
        assert posted.status_code == 403
    assert [p.name for p in saved_profiles()] == ["NISHI"]


def test_the_timing_csv_at_the_terminal(app, tmp_path):
    staff = make_user("staff")
    race, _ = build_race()
    make_locked_heats(race, staff)
    save_nishi(race.meet_id, staff, header="labels", encoding="utf-8-sig")
    runner = app.test_cli_runner()
    path = tmp_path / "timing.csv"

    written = runner.invoke(
        args=["export", "timing-csv", str(race.meet_id), "--profile", "NISHI", "-o", str(path)]
    )
    unknown = runner.invoke(
        args=["export", "timing-csv", str(race.meet_id), "--profile", "SEIKO", "-o", str(path)]
    )

    assert written.exit_code == 0, written.output
    assert (
        path.read_bytes()
        .decode("utf-8-sig")
        .startswith("ゼッケン,氏名,フリガナ,所属,組,腰ナンバー\r\n")
    )
    assert unknown.exit_code == 1 and "タイミングCSV設定「SEIKO」はありません" in unknown.output
    assert db.session.scalar(select(func.count(ExportLog.id))) == 1


def test_two_staff_saving_the_same_name_at_once_get_the_message(app, monkeypatch):
    staff, meet = make_user("staff"), make_meet()
    save_nishi(meet.id, staff)
    # The second save checked before the first was committed: only the database sees the clash.
    monkeypatch.setattr(timing_profiles, "_refuse_taken_name", lambda *_args: None)

    with pytest.raises(ProfileError, match="この大会には「NISHI」という設定がすでにあります"):
        save_nishi(meet.id, staff)


def test_a_name_longer_than_the_column_is_refused(app):
    with pytest.raises(ProfileError, match="60文字以内"):
        save_nishi(make_meet().id, make_user("staff"), name="長" * 61)
