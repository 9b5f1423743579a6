"""Importing FinishLynx `.lif` results: the right slots, idempotent, all-or-nothing, PBs."""

from __future__ import annotations

import io
import zipfile
from datetime import time as time_of_day
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from nitsys.domain import lynx
from nitsys.domain.errors import RuleViolation
from nitsys.domain.lynx import LynxEncoding, ResultStatus
from nitsys.domain.result_files import ResultUploadError
from nitsys.extensions import db
from nitsys.models import AuditEvent, ExportLog, HeatResult, PersonalBest, ResultImport
from nitsys.services import heats, results
from tests import factories

UTF16_BOM = LynxEncoding.UNICODE  # what Lynx writes with its "Unicode" code set


def lif_bytes(race_number, heat, lines, *, encoding="utf-8") -> bytes:
    """A `.lif` as FinishLynx writes it, for a men's 5000 m heat: header, then `lines`."""
    header = lynx.lif_header(
        race_number, 1, heat.number, "男子5000m", 5000, wind="+0.3", start=time_of_day(10, 20)
    )
    return lynx.lif_bytes(header, lines, encoding)


def line(place, slot, time="", *, user_1=True, bib=None) -> list:
    """A result line for the slot's runner; User 1 (our slot id) unless `user_1` is False."""
    athlete = slot.entry.athlete
    return lynx.lif_line(
        place, bib or slot.bib, slot.position, athlete.last_name, athlete.first_name, "日体大",
        time, slot_id=slot.id if user_1 else None,
    )  # fmt: skip


def zipped(files: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in files.items():
            archive.writestr(name, data)
    return buffer.getvalue()


@pytest.fixture
def staff(app):
    return factories.make_user(role="staff")


@pytest.fixture
def race(app):
    return factories.make_race()


def make_heat(race, count=5, number=1, **options):
    entries = factories.make_confirmed_entries(race, [90000 + i * 100 for i in range(count)])
    return factories.make_heat_with_slots(race, entries, number=number, **options)


def full_result(heat) -> list[str]:
    """1st and 2nd, then DNF, DNS, DQ, for the heat's five runners."""
    s = heat.slots
    return [
        line(1, s[2], "14:20.421"),
        line(2, s[0], "14:31.50"),
        line("DNF", s[1]),
        line("DNS", s[3]),
        line("DQ R163.3", s[4], "14:40.00"),
    ]


def stored(heat) -> dict[int, tuple]:
    rows = db.session.scalars(select(HeatResult).where(HeatResult.heat_id == heat.id))
    return {r.slot_id: (r.status, r.place, r.time, r.import_id, r.updated_at) for r in rows}


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def test_results_land_in_the_right_slots(race, staff):
    heat = make_heat(race)
    data = lif_bytes(1, heat, full_result(heat), encoding=UTF16_BOM)

    summary = results.import_result_files(race.meet_id, [("1-1-1.lif", data)], by=staff)
    db.session.commit()

    s = heat.slots
    assert {slot_id: value[:3] for slot_id, value in stored(heat).items()} == {
        s[2].id: (ResultStatus.FINISHED, 1, 86043),  # 14:20.421 rounded up
        s[0].id: (ResultStatus.FINISHED, 2, 87150),
        s[1].id: (ResultStatus.DNF, None, None),
        s[3].id: (ResultStatus.DNS, None, None),
        s[4].id: (ResultStatus.DQ, None, None),
    }
    assert summary.changed_count == 5
    record = db.session.scalars(select(ResultImport)).one()
    assert (record.filename, record.wind, record.result_count, record.changed_count) == (
        "1-1-1.lif",
        "+0.3",
        5,
        5,
    )
    event = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "results.import"))
    assert event.one().after["new"] == 5


def test_importing_the_same_file_twice_changes_nothing(race, staff):
    heat = make_heat(race)
    files = [("heat.lif", lif_bytes(1, heat, full_result(heat)))]
    results.import_result_files(race.meet_id, files, by=staff)
    db.session.commit()
    before = stored(heat)
    best_before = db.session.scalars(select(PersonalBest.time, PersonalBest.updated_at)).all()

    preview = results.preview_result_files(race.meet_id, files)
    assert (preview.heats[0].new, preview.heats[0].changed, preview.heats[0].unchanged) == (0, 0, 5)
    summary = results.import_result_files(race.meet_id, files, by=staff)
    db.session.commit()

    assert summary.changed_count == 0
    assert "変更なし" in summary.message
    assert stored(heat) == before
    assert db.session.scalars(select(PersonalBest.time, PersonalBest.updated_at)).all() == (
        best_before
    )
    assert [r.changed_count for r in db.session.scalars(select(ResultImport).order_by("id"))] == [
        5,
        0,
    ]


def test_a_runner_of_another_heat_refuses_the_whole_upload(race, staff):
    first, second = make_heat(race, number=1), make_heat(race, number=2)
    stray = second.slots[0]
    lines = [*full_result(first), line(6, stray, "15:00.00", user_1=False)]
    files = [("heat1.lif", lif_bytes(1, first, lines))]

    preview = results.preview_result_files(race.meet_id, files)
    assert preview.blocking
    assert f"7行目: ゼッケン{stray.bib}" in preview.problems[0]
    assert "はこの組にいません。男子5000m 第2組の選手です。" in preview.problems[0]

    with pytest.raises(results.ResultImportRefused, match="何も取り込んでいません"):
        results.import_result_files(race.meet_id, files, by=staff)
    db.session.rollback()
    assert (count(HeatResult), count(ResultImport), count(PersonalBest)) == (0, 0, 0)


def test_user_1_finds_the_slot_when_the_bib_was_changed_on_the_lynx_pc(race, staff):
    heat = make_heat(race, count=2)
    first, second = heat.slots
    lines = [line(1, first, "14:00.00", bib=9999), line(2, second, "14:10.00", user_1=False)]

    results.import_result_files(race.meet_id, [("h.lif", lif_bytes(1, heat, lines))], by=staff)

    assert {k: v[1] for k, v in stored(heat).items()} == {first.id: 1, second.id: 2}


def test_a_zip_of_two_heats_imports_both(race, staff):
    first, second = make_heat(race, number=1), make_heat(race, count=2, number=2)
    two = [line(1, second.slots[1], "14:00.00"), line(2, second.slots[0], "14:05.00")]
    archive = zipped(
        {
            "男子5000m-1.lif": lif_bytes(1, first, full_result(first), encoding="cp932"),
            "男子5000m-2.lif": lif_bytes(1, second, two, encoding="cp932"),
        }
    )

    summary = results.import_result_files(race.meet_id, [("results.zip", archive)], by=staff)

    assert [heat.label for heat in summary.heats] == ["男子5000m 第1組", "男子5000m 第2組"]
    assert (len(stored(first)), len(stored(second))) == (5, 2)
    assert summary.message == "2組・7名の結果を取り込みました（変更7件）。"


def test_slots_left_out_of_a_corrected_file_lose_their_result(race, staff):
    heat = make_heat(race, count=3)
    a, b, c = heat.slots
    whole = [line(1, a, "14:00.00"), line(2, b, "14:10.00"), line(3, c, "14:20.00")]
    results.import_result_files(race.meet_id, [("h.lif", lif_bytes(1, heat, whole))], by=staff)
    corrected = [("h.lif", lif_bytes(1, heat, [line(1, a, "14:00.00"), line(2, c, "14:20.00")]))]

    preview = results.preview_result_files(race.meet_id, corrected)
    heat_preview = preview.heats[0]
    assert not preview.blocking
    assert heat_preview.missing == [
        f"ゼッケン{b.bib} {b.entry.athlete.full_name}（前回の結果を取り消します）"
    ]
    assert (heat_preview.unchanged, heat_preview.changed, len(heat_preview.removed)) == (1, 1, 1)
    results.import_result_files(race.meet_id, corrected, by=staff)

    assert {k: v[1] for k, v in stored(heat).items()} == {a.id: 1, c.id: 2}
    listed = results.heat_results(heat.id)
    assert [(r.bib, r.place, r.code) for r in listed] == [
        (a.bib, 1, ""),
        (c.bib, 2, ""),
        (b.bib, None, ""),
    ]


@pytest.mark.parametrize(
    ("files", "message"),
    [
        ([("notes.txt", b"hello")], "「notes.txt」は読み込めません"),
        ([("results.zip", b"not a zip")], "zip として開けません"),
        ([("a.zip", zipped({"day1/1.lif": b"1,1,1\r\n"}))], "フォルダー（1.lif）"),
        ([("a.zip", zipped({"inner.zip": b"x"}))], "a.zip 内の inner.zip"),
        ([("a.zip", zipped({"big.lif": b"0" * (6 * 1024 * 1024)}))], "ファイルが大きすぎます"),
        ([("a.lif", b"0" * (6 * 1024 * 1024))], "ファイルが大きすぎます"),
        ([("a.lif", b"0" * (300 * 1024))], "「a.lif」は結果ファイルとしては大きすぎます"),
        ([], "選んでください"),
    ],
    ids=["text", "broken-zip", "nested", "zip-in-zip", "zip-bomb", "oversize", "big-file", "none"],
)
def test_files_we_do_not_read_are_refused(race, staff, files, message):
    with pytest.raises(ResultUploadError, match=message):
        results.import_result_files(race.meet_id, files, by=staff)
    assert count(ResultImport) == 0


def test_garbage_and_misplaced_files_are_problems_of_the_preview(race, staff):
    heat = make_heat(race, count=2)
    unlocked = make_heat(race, count=1, number=2, locked=False)
    good = lif_bytes(1, heat, [line(1, heat.slots[0], "14:00.00")])
    files = [
        ("garbage.lif", "これは結果ではありません\r\n".encode("cp932")),
        ("a.lif", good),
        ("b.lif", good),
        ("other.lif", lif_bytes(7, heat, [line(1, heat.slots[0], "14:00.00")])),
        ("open.lif", lif_bytes(1, unlocked, [line(1, unlocked.slots[0], "14:00.00")])),
    ]

    third = make_heat(race, count=1, number=3)
    files.append(("zero.lif", lif_bytes(1, third, [line(0, third.slots[0], "0.00")])))

    problems = results.preview_result_files(race.meet_id, files).problems

    assert problems[0].startswith("garbage.lif: 1行目: 種目番号「これは結果ではありません」")
    assert "a.lif: 男子5000m 第1組のファイルが複数あります（a.lif、b.lif）" in problems[1]
    assert problems[3].startswith("other.lif: 種目番号7・ラウンド1・第1組はこの大会にありません")
    assert problems[4] == "open.lif: 男子5000m 第2組はまだ確定していない組です。"
    assert problems[5] == "zero.lif: 2行目: 順位・記録に0は使えません。"
    with pytest.raises(results.ResultImportRefused):
        results.import_result_files(race.meet_id, files, by=staff)


def test_personal_best_improves_and_is_not_worsened_by_a_re_import(race, staff):
    heat = make_heat(race, count=1)
    slot = heat.slots[0]
    athlete = slot.entry.athlete
    first_file = [("h.lif", lif_bytes(1, heat, [line(1, slot, "15:00.00")]))]
    results.import_result_files(race.meet_id, first_file, by=staff)
    db.session.commit()
    best = db.session.scalars(select(PersonalBest)).one()
    assert (best.athlete_id, best.distance, best.time) == (athlete.id, 5000, 90000)
    assert best.achieved_on == race.meet.first_day

    later = factories.make_race(
        factories.make_meet(first_day=race.meet.first_day + timedelta(days=30),
                            last_day=race.meet.first_day + timedelta(days=30))
    )  # fmt: skip
    entry = factories.make_confirmed_entries(later, [90000])[0]
    entry.athlete_id = athlete.id
    later_heat = factories.make_heat_with_slots(later, [entry])
    better = [line(1, later_heat.slots[0], "14:50.00")]
    results.import_result_files(
        later.meet_id, [("l.lif", lif_bytes(1, later_heat, better))], by=staff
    )
    results.import_result_files(race.meet_id, first_file, by=staff)
    db.session.commit()

    best = db.session.scalars(select(PersonalBest)).one()
    assert (best.time, best.achieved_on) == (89000, later.meet.first_day)

    results.import_result_files(
        later.meet_id, [("l.lif", lif_bytes(1, later_heat, [line("DNF", later_heat.slots[0])]))],
        by=staff,
    )  # fmt: skip
    assert db.session.scalars(select(PersonalBest.time)).one() == 90000


def test_race_results_rank_the_heats_together(race, staff):
    first, second = make_heat(race, count=2, number=1), make_heat(race, count=2, number=2)
    full = make_heat(race, number=3)
    one = [line(1, first.slots[0], "14:10.00"), line("DNS", first.slots[1])]
    two = [line(1, second.slots[1], "14:05.00"), line(2, second.slots[0], "14:10.00")]
    files = [
        ("1.lif", lif_bytes(1, first, one)),
        ("2.lif", lif_bytes(1, second, two)),
        ("3.lif", lif_bytes(1, full, full_result(full))),
    ]
    results.import_result_files(race.meet_id, files, by=staff)

    race_results = results.race_results(race)

    assert [(line.rank, line.heat_number, line.place) for line in race_results.ranking] == [
        (1, 2, 1),
        (2, 1, 1),
        (2, 2, 2),
        (4, 3, 1),
        (5, 3, 2),
    ]
    assert [line.code for line in race_results.heats[0].lines] == ["", "DNS"]
    in_place_order = results.heat_results(full.id)
    assert [r.code for r in in_place_order] == ["", "", "DNF", "DQ", "DNS"]


def test_results_csv_lists_every_result_and_is_logged(race, staff):
    heat = make_heat(race)
    with pytest.raises(results.exports.ExportNotReady, match="まだ取り込まれていません"):
        results.export_results_csv(race.meet_id, by=staff)
    results.import_result_files(
        race.meet_id, [("h.lif", lif_bytes(1, heat, full_result(heat)))], by=staff
    )

    file = results.export_results_csv(race.meet_id, by=staff, race_id=race.id)

    text = file.data.decode("utf-8-sig").splitlines()
    assert text[0] == "種目,組,順位,ゼッケン,氏名,フリガナ,所属,記録,状態"
    winner = heat.slots[2]
    assert text[1] == (
        f"男子5000m,1,1,{winner.bib},{winner.entry.athlete.full_name},"
        f"{winner.entry.athlete.full_name_kana},{winner.entry.athlete.organization.short_name},"
        "14:20.43,"
    )
    assert [row.rsplit(",", 1)[1] for row in text[3:]] == ["DNF", "DQ", "DNS"]
    log = db.session.scalars(select(ExportLog)).one()
    assert (log.kind, log.row_count, log.filename) == (
        "results_csv",
        5,
        f"results_{race.meet.first_day.isoformat()}_男子5000m.csv",
    )


def test_a_simultaneous_import_of_the_same_heat_asks_to_retry(race, staff, monkeypatch):
    """The second desk did not see the first desk's rows (no row lock on this database):
    the unique slot refuses the duplicates and the official is told to try again."""
    heat = make_heat(race)
    files = [("h.lif", lif_bytes(1, heat, full_result(heat)))]
    results.import_result_files(race.meet_id, files, by=staff)
    db.session.commit()
    monkeypatch.setattr(results, "_results", lambda heat_ids: {})

    with pytest.raises(results.ResultImportConflict, match="もう一度取り込んでください"):
        results.import_result_files(race.meet_id, files, by=staff)
    db.session.rollback()
    assert count(HeatResult) == 5 and count(ResultImport) == 1


def test_desks_importing_the_same_heat_at_once_write_it_once(app, race, staff):
    """PostgreSQL: the heat row lock makes the later desks wait and find nothing to change."""
    if db.engine.dialect.name != "postgresql":
        pytest.skip("row locks need PostgreSQL (TEST_DATABASE_URL)")
    from nitsys.models import User
    from tests.test_checkin_concurrency import at_once

    heat = make_heat(race)
    files = [("h.lif", lif_bytes(1, heat, full_result(heat)))]
    meet_id, desks = race.meet_id, [factories.make_user(role="official").id for _ in range(4)]

    def desk(user_id):
        return lambda: results.import_result_files(meet_id, files, by=db.session.get(User, user_id))

    assert at_once(app, [desk(user_id) for user_id in desks]) == []
    changes = db.session.scalars(select(ResultImport.changed_count)).all()
    assert sorted(changes) == [0, 0, 0, 5]
    assert count(HeatResult) == 5 and count(PersonalBest) == 2


def test_a_heat_with_results_cannot_be_unlocked(race, staff):
    heat = make_heat(race)
    results.import_result_files(
        race.meet_id, [("1-1-1.lif", lif_bytes(1, heat, full_result(heat)))], by=staff
    )
    db.session.commit()

    with pytest.raises(RuleViolation, match="結果が取り込まれているため、確定を解除できません"):
        heats.unlock_heat(heat.id, by=staff)
    assert heat.locked
