"""Pure helpers of the athlete master: kana, romaji, prefectures, nationalities, import rows."""

from datetime import date, datetime

import pytest

from nitsys.domain import athlete_rows
from nitsys.domain.athlete_rows import (
    JAAF_HEADER,
    TEMPLATE_COLUMNS,
    LayoutError,
    cell_text,
    check_fields,
    parse_date,
    parse_grade,
    parse_table,
)
from nitsys.domain.kana import suggest_romaji, to_katakana
from nitsys.domain.nationalities import parse_nationality
from nitsys.domain.prefectures import parse_prefecture, short_name

TODAY = date(2026, 11, 28)


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("ヤマダ", "ヤマダ"),
        ("やまだ", "ヤマダ"),
        ("ﾔﾏﾀﾞ", "ヤマダ"),
        ("ｼﾞｮｰｼﾞ", "ジョージ"),
        (" ヤマ　ダ ", "ヤマダ"),
        ("ゔぁ", "ヴァ"),
    ],
)
def test_kana_becomes_full_width_katakana_without_spaces(typed, stored):
    assert to_katakana(typed) == stored


@pytest.mark.parametrize(
    ("last", "first", "romaji"),
    [
        ("サトウ", "ユウキ", ("SATO", "Yuki")),
        ("ホンマ", "ショウヘイ", ("HOMMA", "Shohei")),
        ("ハットリ", "シンイチ", ("HATTORI", "Shinichi")),
        ("イノウエ", "リョウ", ("INOUE", "Ryo")),
        ("オオノ", "ジュンペイ", ("ONO", "Jumpei")),
        ("ｽｽﾞｷ", "はなこ", ("SUZUKI", "Hanako")),
    ],
)
def test_romaji_suggestion_is_passport_hepburn(last, first, romaji):
    assert suggest_romaji(last, first) == romaji


@pytest.mark.parametrize(
    ("typed", "code"),
    [
        ("東京", "13"), ("東京都", "13"), ("13", "13"), ("１３", "13"), ("京都府", "26"),
        ("京都", "26"), ("大阪府", "27"), ("北海道", "01"), ("1", "01"), ("神奈川 ", "14"),
        ("48", None), ("東京県", None), ("Tokyo", None),
    ],
)  # fmt: skip
def test_prefecture_by_name_with_or_without_suffix_or_code(typed, code):
    assert parse_prefecture(typed) == code


def test_prefecture_short_names_keep_hokkaido():
    assert [short_name(c) for c in ("01", "13", "26", "47")] == ["北海道", "東京", "京都", "沖縄"]


@pytest.mark.parametrize(
    ("typed", "code"),
    [("", "JPN"), ("jpn", "JPN"), ("KEN", "KEN"), ("ケニア", "KEN"), ("米国", "USA"),
     ("ウガンダ", "UGA"), ("OTHER", None), ("XYZ", None)],
)  # fmt: skip
def test_nationality_from_the_one_list(typed, code):
    assert parse_nationality(typed) == code


@pytest.mark.parametrize(
    ("cell", "text"),
    [(None, ""), (float("nan"), ""), (12345678901.0, "12345678901"), (3.0, "3"), (7, "7"),
     ("  山田 ", "山田"), (datetime(2004, 5, 1, 0, 0), "2004-05-01")],
)  # fmt: skip
def test_cell_text_never_says_nan_or_point_zero(cell, text):
    assert cell_text(cell) == text


@pytest.mark.parametrize(
    ("cell", "expected"),
    [
        (datetime(2004, 5, 1), date(2004, 5, 1)),
        (date(2004, 5, 1), date(2004, 5, 1)),
        (38108, date(2004, 5, 1)),
        ("38108", date(2004, 5, 1)),
        ("2004-05-01", date(2004, 5, 1)),
        ("2004/5/1", date(2004, 5, 1)),
        ("２００４／５／１", date(2004, 5, 1)),
        ("2004年5月1日", date(2004, 5, 1)),
        ("20040501", date(2004, 5, 1)),
        ("2004/05/01 0:00:00", date(2004, 5, 1)),
        ("H16.5.1", date(2004, 5, 1)),
        ("平成16年5月1日", date(2004, 5, 1)),
        ("2004/13/01", None),
        ("2004/02/30", None),
        ("昨日", None),
    ],
)
def test_dates_as_excel_values_or_text(cell, expected):
    assert parse_date(cell) == expected


@pytest.mark.parametrize(
    ("typed", "grade"),
    [("", ""), ("3", "3"), (3.0, "3"), ("3年", "3"), ("３年生", "3"), ("M1", "M1"),
     ("修士2年", "M2"), ("博士1", "D1"), ("大学4年", "4"), ("5", None), ("M3", None)],
)  # fmt: skip
def test_grades(typed, grade):
    assert parse_grade(typed) == grade


GOOD = {
    "last_name": "山田 ", "first_name": "太郎", "last_name_kana": "やまだ",
    "first_name_kana": "ﾀﾛｳ", "gender": "男子", "birth_date": "2004/5/1", "grade": "2",
    "pref": "東京都", "jaaf_id": " 12345678901 ", "nationality": "",
}  # fmt: skip


def test_a_good_row_is_normalised():
    checked = check_fields(GOOD, today=TODAY)
    assert checked.errors == [] and checked.warnings == []
    assert checked.values == {
        "last_name": "山田", "first_name": "太郎", "last_name_kana": "ヤマダ",
        "first_name_kana": "タロウ", "gender": "M", "birth_date": date(2004, 5, 1), "grade": "2",
        "pref_code": "13", "jaaf_id": "12345678901", "nationality": "JPN",
        "last_name_en": "YAMADA", "first_name_en": "Taro",
    }  # fmt: skip


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"last_name": ""}, "last_name", "姓が空です。"),
        ({"last_name_kana": "山田"}, "last_name_kana", "全角カタカナで"),
        ({"gender": "X"}, "gender", "M/F"),
        ({"birth_date": "2020-01-01"}, "birth_date", "6歳"),
        ({"birth_date": "1940-01-01"}, "birth_date", "86歳"),
        ({"birth_date": "そのうち"}, "birth_date", "2004-05-01"),
        ({"pref": "東京県"}, "pref", "都道府県名"),
        ({"jaaf_id": "12-34A"}, "jaaf_id", "数字だけ"),
        ({"nationality": "OTHER"}, "nationality", "一覧にありません"),
        ({"grade": "5"}, "grade", "学年は"),
        ({"pref": ""}, "pref", "登録陸協を選択してください。"),
        ({"gender": ""}, "gender", "性別を選択してください。"),
        ({"last_name": ""}, "last_name", "姓が空です。"),
    ],
)
def test_each_rule_names_its_field(changes, field, message):
    checked = check_fields({**GOOD, **changes}, today=TODAY)
    assert [issue.field for issue in checked.errors] == [field]
    assert message in checked.errors[0].message


def test_short_or_missing_jaaf_id_is_only_a_warning():
    short = check_fields({**GOOD, "jaaf_id": "12345678"}, today=TODAY)
    empty = check_fields({**GOOD, "jaaf_id": ""}, today=TODAY)
    assert not short.errors and "11桁" in short.warnings[0].message
    assert not empty.errors and empty.warnings[0].field == "jaaf_id"


def test_layout_is_detected_from_the_header_and_columns_may_move():
    header = list(TEMPLATE_COLUMNS.values())
    layout, found = athlete_rows.detect_layout(list(reversed(header)))
    assert layout.key == "template" and found["last_name"] == len(header) - 1
    layout, found = athlete_rows.detect_layout(list(JAAF_HEADER))
    assert layout.key == "jaaf" and found["jaaf_id"] == 1 and found["birth_date"] == 18


def test_unknown_header_and_missing_required_columns_are_explained():
    with pytest.raises(LayoutError, match="見出し"):
        athlete_rows.detect_layout(["a", "b", "c"])
    with pytest.raises(LayoutError, match="必須の列がありません: 生年月日"):
        athlete_rows.detect_layout(["姓", "名", "姓カナ", "名カナ", "性別"])


def test_duplicates_inside_the_file_are_errors_on_the_later_row():
    header = list(TEMPLATE_COLUMNS.values())
    row = [GOOD.get(name, "") for name in TEMPLATE_COLUMNS]
    same_person = [*row]
    same_person[8] = "12345678902"
    _, rows = parse_table([header, row, [None] * 12, row, same_person], today=TODAY)
    assert [r.number for r in rows] == [2, 4, 5]
    assert rows[0].checked.errors == []
    assert rows[1].checked.errors[0].message == "JAAF ID が2行目と重複しています。"
    assert "2行目" in rows[2].checked.errors[0].message
