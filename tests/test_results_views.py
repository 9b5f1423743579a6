"""Results pages: the import desk (upload → preview → confirm), race results, public lists, CLI."""

from __future__ import annotations

import io
import re

import pytest
from sqlalchemy import func, select

from nitsys.extensions import db
from nitsys.models import ExportLog, HeatResult, ResultImport
from tests import factories
from tests.test_results_import import full_result, lif_bytes, line, make_heat

HTMX = {"HX-Request": "true"}


@pytest.fixture
def heat(app):
    race = factories.make_race()
    return make_heat(race)


def upload(client, heat, files, headers=HTMX):
    return client.post(
        f"/admin/meets/{heat.race.meet_id}/results/preview",
        data={"files": [(io.BytesIO(data), name) for name, data in files]},
        content_type="multipart/form-data",
        headers=headers,
    )


def confirm_fields(html: str) -> dict[str, list[str]]:
    """What the preview's confirm form posts back (the files, in hidden fields)."""
    fields = re.findall(r'<input type="hidden" name="(name|data)" value="([^"]*)">', html)
    return {
        "name": [value for key, value in fields if key == "name"],
        "data": [value for key, value in fields if key == "data"],
    }


def result_count() -> int:
    return db.session.scalar(select(func.count(HeatResult.id)))


def test_official_previews_then_confirms_and_a_double_click_changes_nothing(client, login_as, heat):
    login_as("official")
    preview = upload(client, heat, [("1-1-1.lif", lif_bytes(1, heat, full_result(heat)))])
    html = preview.get_data(as_text=True)
    assert preview.status_code == 200
    assert "男子5000m 第1組" in html
    assert "5組の結果を取り込む" not in html and "1組の結果を取り込む" in html
    assert result_count() == 0  # the preview writes nothing

    def confirm():
        return client.post(
            f"/admin/meets/{heat.race.meet_id}/results/import",
            data=confirm_fields(html),
            content_type="multipart/form-data",
            headers=HTMX,
        )

    first, second = confirm(), confirm()

    assert first.headers["HX-Redirect"] == f"/admin/meets/{heat.race.meet_id}/results"
    assert second.status_code == 204
    assert result_count() == 5
    changes = db.session.scalars(select(ResultImport.changed_count).order_by(ResultImport.id))
    assert changes.all() == [5, 0]
    page = client.get(f"/admin/meets/{heat.race.meet_id}/results").get_data(as_text=True)
    assert "1組の結果を確認しました（変更なし）。" in page
    assert "1 / 1組" in page


def test_preview_shows_problems_and_no_confirm_button(client, login_as, heat):
    login_as("official")
    stray = line(6, heat.slots[0], "15:00.00", user_1=False, bib=4321)
    response = upload(client, heat, [("bad.lif", lif_bytes(1, heat, [*full_result(heat), stray]))])
    html = response.get_data(as_text=True)
    assert "7行目: ゼッケン4321" in html and "はこの組にいません" in html
    assert "取り込めません" in html
    assert "結果を取り込む" not in html


def test_wrong_file_type_is_refused_in_japanese(client, login_as, heat):
    login_as("official")
    response = upload(client, heat, [("photo.jpg", b"\xff\xd8\xff")])
    assert response.status_code == 422
    assert "「photo.jpg」は読み込めません" in response.get_data(as_text=True)


def test_forged_confirm_data_is_refused_and_changes_nothing(client, login_as, heat):
    login_as("official")
    response = client.post(
        f"/admin/meets/{heat.race.meet_id}/results/import",
        data={"name": ["a.lif"], "data": ["!!not base64!!"]},
        headers=HTMX,
    )
    assert response.status_code == 422
    assert "アップロード内容を読み取れませんでした" in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count(ResultImport.id))) == 0


def test_without_htmx_the_upload_answers_the_whole_page(client, login_as, heat):
    login_as("official")
    response = upload(client, heat, [("h.lif", lif_bytes(1, heat, full_result(heat)))], headers={})
    html = response.get_data(as_text=True)
    assert "<h1>結果取込（FinishLynx）</h1>" in html and "1組の結果を取り込む" in html


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("get", "/admin/meets/{meet}/results"),
        ("post", "/admin/meets/{meet}/results/preview"),
        ("post", "/admin/meets/{meet}/results/import"),
        ("get", "/admin/meets/{meet}/results/races/{race}"),
    ],
)
def test_participants_cannot_reach_the_results_desk(client, login_as, heat, method, path):
    login_as("participant")
    url = path.format(meet=heat.race.meet_id, race=heat.race_id)
    assert getattr(client, method)(url).status_code == 403


def test_results_csv_is_for_staff_and_logged(client, login_as, heat):
    factories.make_user(role="staff")
    from nitsys.services import results

    results.import_result_files(
        heat.race.meet_id,
        [("h.lif", lif_bytes(1, heat, full_result(heat)))],
        by=factories.make_user(role="staff"),
    )
    db.session.commit()
    login_as("official")
    url = f"/admin/meets/{heat.race.meet_id}/exports/results"
    assert client.post(url, data={"race_id": heat.race_id}).status_code == 403

    login_as("staff")
    race_page = client.get(f"/admin/meets/{heat.race.meet_id}/results/races/{heat.race_id}")
    assert "結果 CSV をダウンロード" in race_page.get_data(as_text=True)
    response = client.post(url, data={"race_id": heat.race_id, "encoding": "cp932"})
    assert response.status_code == 200
    assert response.data.decode("cp932").startswith("種目,組,順位,ゼッケン")
    assert "results_" in response.headers["Content-Disposition"]
    assert db.session.scalar(select(ExportLog.kind)) == "results_csv"


def test_exports_page_has_the_results_card(client, login_as, heat):
    login_as("staff")
    html = client.get(f"/admin/meets/{heat.race.meet_id}/exports").get_data(as_text=True)
    assert f'href="/admin/meets/{heat.race.meet_id}/results"' in html
    assert f'action="/admin/meets/{heat.race.meet_id}/exports/results"' in html


def import_for(heat):
    from nitsys.services import results

    results.import_result_files(
        heat.race.meet_id,
        [("h.lif", lif_bytes(1, heat, full_result(heat)))],
        by=factories.make_user(role="staff"),
    )
    db.session.commit()


def test_public_results_show_names_and_times_but_no_birth_dates(client, heat):
    waiting = make_heat(heat.race, count=2, number=2)
    import_for(heat)
    athlete = heat.slots[2].entry.athlete
    athlete.birth_date = athlete.birth_date.replace(year=1987, month=7, day=19)
    db.session.commit()

    html = client.get(f"/meets/{heat.race.meet_id}/results/{heat.race_id}").get_data(as_text=True)

    assert athlete.full_name in html and athlete.full_name_kana in html
    assert "14:20.43" in html and "DNF" in html and "DNS" in html and "DQ" in html
    assert "1987" not in html and "7月19日" not in html and "07-19" not in html
    assert athlete.jaaf_id not in html
    assert "第2組" not in html  # no results yet for heat 2
    assert waiting.slots[0].entry.athlete.full_name not in html
    index = client.get(f"/meets/{heat.race.meet_id}/results").get_data(as_text=True)
    assert f"/meets/{heat.race.meet_id}/results/{heat.race_id}" in index


def test_results_of_an_unpublished_meet_are_not_public(client, heat):
    import_for(heat)
    heat.race.meet.is_published = False
    db.session.commit()
    assert client.get(f"/meets/{heat.race.meet_id}/results").status_code == 404
    assert client.get(f"/meets/{heat.race.meet_id}/results/{heat.race_id}").status_code == 404


def test_cli_dry_run_prints_the_preview_and_imports_nothing(app, heat, tmp_path):
    factories.make_user(role="staff")
    path = tmp_path / "1-1-1.lif"
    path.write_bytes(lif_bytes(1, heat, full_result(heat)))
    runner = app.test_cli_runner()

    dry = runner.invoke(args=["results", "import", str(heat.race.meet_id), str(path), "--dry-run"])
    assert dry.exit_code == 0, dry.output
    assert "男子5000m 第1組（1-1-1.lif）: 新規5・変更0・変更なし0・取消0" in dry.output
    assert result_count() == 0

    done = runner.invoke(args=["results", "import", str(heat.race.meet_id), str(path)])
    assert done.exit_code == 0, done.output
    assert "1組・5名の結果を取り込みました（変更5件）。" in done.output
    assert result_count() == 5


def test_checkin_progress_marks_heats_whose_results_are_in(client, login_as, heat):
    make_heat(heat.race, count=2, number=2)
    import_for(heat)
    login_as("official")
    html = client.get(f"/admin/meets/{heat.race.meet_id}/checkin/progress", headers=HTMX)
    assert html.get_data(as_text=True).count("結果取込済み") == 1


def test_another_meets_race_is_not_found(client, login_as, heat):
    other = factories.make_race()
    login_as("official")
    assert (
        client.get(f"/admin/meets/{heat.race.meet_id}/results/races/{other.id}").status_code == 404
    )
    assert client.get(f"/meets/{heat.race.meet_id}/results/{other.id}").status_code == 404
