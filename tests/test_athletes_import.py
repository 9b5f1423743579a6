"""Bulk athlete import (SPEC §2, reference §4.1): files, preview, confirm, round trip."""

import csv
import io
from datetime import date, datetime, timedelta

import pytest
from openpyxl import Workbook, load_workbook
from sqlalchemy import func, select

from nitsys.domain.athlete_rows import JAAF_HEADER, TEMPLATE_COLUMNS
from nitsys.domain.errors import NotFound, RuleViolation
from nitsys.extensions import db
from nitsys.models import Athlete, AthleteImport, AuditEvent
from nitsys.models.base import utcnow
from nitsys.reports import athlete_files
from nitsys.services import athletes
from tests.factories import athlete_fields, make_athlete, make_user


def jaaf_row(
    jaaf_id, last, first, kana_last, kana_first, gender, pref_no, pref_name, birth, grade=""
):
    return ["2026", jaaf_id, last, first, "101", kana_last, kana_first, "", "", "JPN", gender,
            pref_no, pref_name, "U1", "D1", "日体大", "日体大", "NSSU", birth, "", "", grade,
            "大学"]  # fmt: skip


def nans21v_cp932() -> bytes:
    rows = [
        list(JAAF_HEADER),
        jaaf_row("12345678901", "青山", "一郎", "ｱｵﾔﾏ", "ｲﾁﾛｳ", "男子", "13", "東京都", "2005/04/01", "3"),
        jaaf_row("12345678902 ", "髙橋", "花子", "ﾀｶﾊｼ", "ﾊﾅｺ", "女子", "26", "京都府", "２００６/０１/１５", "1"),
        jaaf_row("12345678903", "石井", "健", "ｲｼｲ", "ｹﾝ", "不明", "14", "神奈川県", "2005/13/40"),
        jaaf_row("12345678901", "青山", "二郎", "ｱｵﾔﾏ", "ｼﾞﾛｳ", "男子", "13", "東京都", "2005/04/02"),
        [""] * 23,
        jaaf_row("12345678905", "小林", "幼", "ｺﾊﾞﾔｼ", "ﾖｳ", "男子", "13", "東京都", "2021/01/01"),
        jaaf_row("12345678", "北野", "大地", "ｷﾀﾉ", "ﾀﾞｲﾁ", "男子", "1", "北海道", "2004/07/07", "M1"),
    ]  # fmt: skip
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\r\n").writerows(rows)
    return buffer.getvalue().encode("cp932")


def issues(row):
    return [(issue.column, issue.message) for issue in row.errors]


def test_nans21v_csv_in_cp932_shows_exactly_which_rows_import(app):
    coach = make_user()
    staged = athletes.preview_import(coach, "NANS21V選手.csv", nans21v_cp932())
    db.session.commit()
    rows = {row.number: row for row in athletes.classify(coach, staged)}
    assert staged.layout == "jaaf"
    assert sorted(rows) == [2, 3, 4, 5, 7, 8]  # row 6 is blank
    assert {n for n, row in rows.items() if row.status == "new"} == {2, 3, 8}
    assert issues(rows[4]) == [
        ("性別", "性別は M/F または 男/女 で入力してください。"),
        # A date that does not exist is said so, not sent back to a format (issue 13, item 11).
        ("生年月日", "2005年13月40日という日付はありません。日付を確認してください。"),
    ]
    assert issues(rows[5]) == [("JAAF ID", "JAAF ID が2行目と重複しています。")]
    assert issues(rows[7])[0][0] == "生年月日" and "5歳" in issues(rows[7])[0][1]
    assert [w.message for w in rows[8].warnings] == [
        "JAAF ID は通常11桁です（8桁）。登録証を確認してください。"
    ]
    assert db.session.scalar(select(func.count(Athlete.id))) == 0  # nothing before confirm

    counts = athletes.confirm_import(coach, staged.id, update_existing=False)
    db.session.commit()
    assert (counts.created, counts.errors) == (3, 3)
    imported = {a.jaaf_id: a for a in db.session.scalars(select(Athlete))}
    assert set(imported) == {"12345678901", "12345678902", "12345678"}
    takahashi = imported["12345678902"]
    assert (takahashi.last_name, takahashi.last_name_kana, takahashi.gender.value) == (
        "髙橋", "タカハシ", "F",
    )  # fmt: skip
    assert (takahashi.pref_code, takahashi.birth_date, takahashi.grade) == (
        "26", date(2006, 1, 15), "1",
    )  # fmt: skip
    assert (takahashi.last_name_en, takahashi.first_name_en) == ("TAKAHASHI", "Hanako")
    assert imported["12345678"].grade == "M1" and imported["12345678"].pref_code == "01"
    assert db.session.scalar(select(func.count(AthleteImport.id))) == 0
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "athlete.import"))
    assert (event.after["created"], event.after["errors"], event.after["layout"]) == (3, 3, "jaaf")


def template_xlsx(rows) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "選手一覧"
    sheet.append(list(TEMPLATE_COLUMNS.values()))
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def test_xlsx_with_numeric_ids_blank_cells_and_excel_dates(app):
    coach = make_user()
    data = template_xlsx([
        ["山田 ", "太郎", "ヤマダ", "タロウ", "M", datetime(2004, 5, 1), 3.0, "東京", 12345678901,
         None, None, None],
        ["鈴木", "花子", "すずき", "はなこ", "女", 38900, None, "神奈川県", 12345678902.0, "日本",
         "", ""],
        ["佐藤", None, "サトウ", None, "男", "2004年5月1日", "2", "大阪", None, None, None, None],
        [None] * 12,
        ["田中", "一", "タナカ", "ハジメ", "男子", "2003/3/3", 5, "沖縄", "12A45", "OTHER", None,
         None],
    ])  # fmt: skip
    staged = athletes.preview_import(coach, "roster.xlsx", data)
    rows = {row.number: row for row in athletes.classify(coach, staged)}
    assert staged.layout == "template" and sorted(rows) == [2, 3, 4, 6]
    yamada, suzuki = rows[2].values, rows[3].values
    assert (yamada["last_name"], yamada["jaaf_id"], yamada["grade"]) == ("山田", "12345678901", "3")
    assert (yamada["nationality"], yamada["last_name_en"], yamada["first_name_en"]) == (
        "JPN", "YAMADA", "Taro",
    )  # fmt: skip
    assert (suzuki["jaaf_id"], suzuki["birth_date"], suzuki["grade"]) == (
        "12345678902", date(2006, 7, 2), "",
    )  # fmt: skip
    assert not rows[2].errors and not rows[3].errors
    assert issues(rows[4]) == [("名", "名が空です。"), ("名カナ", "名カナが空です。")]
    assert [column for column, _ in issues(rows[6])] == ["学年", "JAAF ID", "国籍"]
    assert "nan" not in str(staged.rows)

    counts = athletes.confirm_import(coach, staged.id, update_existing=False)
    db.session.commit()
    assert (counts.created, counts.errors) == (2, 2)


def roster_of(coach):
    return [
        {name: getattr(a, name) for name in (*athletes.FIELDS, "updated_at", "is_active")}
        for a in athletes.search_athletes(coach)
    ]


@pytest.mark.parametrize("fmt", ["xlsx", "csv"])
def test_round_trip_export_then_import_with_update_changes_nothing(app, fmt):
    coach = make_user()
    for fields in (
        athlete_fields(grade="", pref="北海道", nationality="KEN", last_name_kana="キプチョゲ"),
        athlete_fields(pref="京都府", jaaf_id="", gender="F", birth_date="2001-12-31"),
        athlete_fields(grade="M2", last_name_en="OHNO", first_name_en="Kei"),
    ):
        athletes.create_athlete(coach, fields)
    db.session.commit()
    before = roster_of(coach)
    write = athlete_files.roster_xlsx if fmt == "xlsx" else athlete_files.roster_csv
    data = write(athletes.search_athletes(coach))

    staged = athletes.preview_import(coach, f"export.{fmt}", data)
    rows = athletes.classify(coach, staged)
    assert [(row.status, row.changes) for row in rows] == [("existing", [])] * 3
    counts = athletes.confirm_import(coach, staged.id, update_existing=True)
    db.session.commit()
    assert counts.as_dict() == {"created": 0, "updated": 0, "unchanged": 3, "skipped": 0,
                                "errors": 0}  # fmt: skip
    assert roster_of(coach) == before


def test_update_or_skip_existing_athletes(app):
    coach = make_user()
    athlete, _ = athletes.create_athlete(coach, athlete_fields(jaaf_id="12345678901", grade="1"))
    db.session.commit()
    row = [athlete.last_name, athlete.first_name, "サトウ", "ユウ", "M", "2005-04-02", "2",
           "神奈川", "12345678901", "JPN", "", ""]  # fmt: skip
    data = template_xlsx([row])

    staged = athletes.preview_import(coach, "a.xlsx", data)
    assert athletes.classify(coach, staged)[0].changes == ["学年"]
    assert athletes.confirm_import(coach, staged.id, update_existing=False).skipped == 1
    assert athlete.grade == "1"

    staged = athletes.preview_import(coach, "a.xlsx", data)
    assert athletes.confirm_import(coach, staged.id, update_existing=True).updated == 1
    db.session.commit()
    assert athlete.grade == "2"
    assert db.session.scalar(select(func.count(Athlete.id))) == 1  # updated, not duplicated


def test_import_never_matches_another_teams_athletes(app):
    theirs = make_athlete(make_user(), jaaf_id="12345678901", grade="1")
    coach = make_user()
    row = ["山田", "次郎", "ヤマダ", "ジロウ", "M", "2004-05-01", "3", "東京", "12345678901", "", "",
           ""]  # fmt: skip
    staged = athletes.preview_import(coach, "a.xlsx", template_xlsx([row]))
    assert athletes.classify(coach, staged)[0].status == "new"
    athletes.confirm_import(coach, staged.id, update_existing=True)
    db.session.commit()
    assert (theirs.first_name, theirs.grade) != ("次郎", "3")
    assert len(athletes.search_athletes(coach)) == 1


def test_staged_import_belongs_to_its_owner_and_expires(app):
    coach = make_user()
    staged = athletes.preview_import(coach, "a.csv", nans21v_cp932())
    db.session.commit()
    with pytest.raises(NotFound):
        athletes.confirm_import(make_user(), staged.id, update_existing=False)
    teammate = make_user(organization=coach.organization)
    assert athletes.get_import(teammate, staged.id) is staged
    staged.expires_at = utcnow() - timedelta(minutes=1)
    db.session.commit()
    with pytest.raises(RuleViolation, match="有効期限"):
        athletes.confirm_import(coach, staged.id, update_existing=False)
    assert db.session.scalar(select(func.count(Athlete.id))) == 0


@pytest.mark.parametrize(
    ("filename", "data", "message"),
    [
        ("a.csv", b"", "ファイルが空です"),
        ("a.xls", b"\xd0\xcf\x11\xe0" + b"\0" * 100, "古い形式（.xls）"),
        ("a.pdf", b"%PDF-1.4 ...", "Excel（.xlsx）または CSV"),
        ("a.xlsx", b"PK\x03\x04broken", "Excel ファイルとして読み込めません"),
        ("a.csv", b"\x81\x20\x81\x20\xff\xfe", "文字コードを判別できません"),
        ("a.csv", b"x" * (5 * 1024 * 1024 + 1), "5MB以下"),
        ("a.csv", "氏名,年齢\n山田,20\n".encode(), "見出し"),
        ("a.csv", "姓,名,姓カナ,名カナ,性別,生年月日\n".encode(), "取り込む行がありません"),
    ],
)
def test_unreadable_files_get_a_clear_japanese_message(app, filename, data, message):
    with pytest.raises(RuleViolation, match=message):
        athletes.preview_import(make_user(), filename, data)


def test_csv_encodings_are_detected():
    text = "姓,名\n髙橋,ﾀﾛｳ\n"
    for data in (
        text.encode("utf-8"),
        b"\xef\xbb\xbf" + text.encode("utf-8"),
        text.encode("cp932"),
    ):
        assert athlete_files.decode_text(data) == text


def test_template_has_an_empty_data_sheet_and_instructions():
    workbook = load_workbook(io.BytesIO(athlete_files.template_xlsx()))
    assert workbook.sheetnames == ["選手一覧", "入力説明"]
    assert [c.value for c in workbook["選手一覧"][1]] == list(TEMPLATE_COLUMNS.values())
    assert workbook["選手一覧"].max_row == 1  # no sample rows to import by mistake
    assert "JAAF NANS21V" in str(list(workbook["入力説明"].values))


def test_matching_by_name_and_birth_date_keeps_a_known_id_and_refuses_a_different_one(app):
    coach = make_user()
    athlete, _ = athletes.create_athlete(coach, athlete_fields(jaaf_id="12345678901", grade="1"))
    db.session.commit()

    def preview(jaaf_id):
        row = [athlete.last_name, athlete.first_name, "サトウ", "ユウ", "M", "2005-04-02", "3",
               "神奈川", jaaf_id, "JPN", "", ""]  # fmt: skip
        staged = athletes.preview_import(coach, "a.xlsx", template_xlsx([row]))
        return athletes.classify(coach, staged)[0]

    kept = preview(None)
    assert (kept.status, kept.changes, kept.values["jaaf_id"]) == (
        "existing",
        ["学年"],
        "12345678901",
    )
    different = preview("12345678999")
    assert [(i.column, i.message) for i in different.errors] == [
        ("JAAF ID", "同じ氏名・生年月日の選手が別の JAAF ID 12345678901 で登録されています。")
    ]
