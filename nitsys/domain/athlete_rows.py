"""One athlete's fields, from a form or an import row, checked and normalised (no I/O).

`check_fields` is the single rule function for field values; the service adds the rules that
need the database (duplicates within the owner). Import files come in two layouts, told apart
by their header row: our template and the JAAF NANS21V 23-column export.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from nitsys.domain import dates, nationalities, prefectures
from nitsys.domain.kana import (
    given_name_romaji,
    is_katakana_name,
    suggest_romaji,
    surname_romaji,
    to_katakana,
)

MIN_AGE, MAX_AGE = 10, 80
JAAF_ID_LENGTH = 11
NAME_MAX = 50
GRADES = {
    "": "---",
    "1": "1年",
    "2": "2年",
    "3": "3年",
    "4": "4年",
    "M1": "修士1年",
    "M2": "修士2年",
    "D1": "博士1年",
    "D2": "博士2年",
    "D3": "博士3年",
}
GENDERS = {"M": "男子", "F": "女子"}
_GENDER_WORDS = {
    "M": "M",
    "男": "M",
    "男子": "M",
    "男性": "M",
    "F": "F",
    "女": "F",
    "女子": "F",
    "女性": "F",
}
_GRADE_PREFIXES = ("大学院", "大学", "学部", "高校", "大", "高")
_ERAS = {"S": 1925, "昭和": 1925, "H": 1988, "平成": 1988, "R": 2018, "令和": 2018}
_DATE_TEXT = re.compile(
    r"^(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})日?(?:[ T]\d{1,2}:\d{2}(?::\d{2})?)?$"
)
_ERA_TEXT = re.compile(r"^(S|H|R|昭和|平成|令和)(\d{1,2})[-/.年](\d{1,2})[-/.月](\d{1,2})日?$")
_EXCEL_EPOCH = date(1899, 12, 30)

# Our template: field → header. The order is the column order of template and export.
TEMPLATE_COLUMNS = {
    "last_name": "姓",
    "first_name": "名",
    "last_name_kana": "姓カナ",
    "first_name_kana": "名カナ",
    "gender": "性別",
    "birth_date": "生年月日",
    "grade": "学年",
    "pref": "登録陸協",
    "jaaf_id": "JAAF ID",
    "nationality": "国籍",
    "last_name_en": "姓ローマ字",
    "first_name_en": "名ローマ字",
}
LABELS = TEMPLATE_COLUMNS
JAAF_HEADER = (
    "年度",
    "JAAF ID",
    "氏名（姓）",
    "氏名（名）",
    "登録番号（ナンバー）",
    "ﾌﾘｶﾞﾅ（姓）",
    "ﾌﾘｶﾞﾅ（名）",
    "英字（姓）",
    "英字（名）",
    "国籍",
    "性別",
    "登録都道府県番号",
    "登録都道府県名",
    "団体UID",
    "団体ID",
    "団体名",
    "団体名略称1",
    "団体名略称2",
    "生年月日",
    "旧団体コード",
    "備考",
    "学年",
    "団体区分",
)
JAAF_COLUMNS = {
    "last_name": "氏名（姓）",
    "first_name": "氏名（名）",
    "last_name_kana": "ﾌﾘｶﾞﾅ（姓）",
    "first_name_kana": "ﾌﾘｶﾞﾅ（名）",
    "gender": "性別",
    "birth_date": "生年月日",
    "grade": "学年",
    "pref": "登録都道府県番号",
    "pref_name": "登録都道府県名",
    "jaaf_id": "JAAF ID",
    "nationality": "国籍",
    "last_name_en": "英字（姓）",
    "first_name_en": "英字（名）",
}
REQUIRED_FIELDS = (
    "last_name",
    "first_name",
    "last_name_kana",
    "first_name_kana",
    "gender",
    "birth_date",
)


@dataclass(frozen=True)
class Layout:
    key: str
    label: str
    columns: dict[str, str]


TEMPLATE = Layout("template", "NIT-SYS 様式", TEMPLATE_COLUMNS)
JAAF = Layout("jaaf", "JAAF NANS21V 形式（23列）", JAAF_COLUMNS)
LAYOUTS = {layout.key: layout for layout in (TEMPLATE, JAAF)}


@dataclass(frozen=True)
class Issue:
    field: str
    column: str
    value: str
    message: str


@dataclass
class Checked:
    values: dict[str, Any]
    errors: list[Issue] = field(default_factory=list)
    warnings: list[Issue] = field(default_factory=list)

    def error_for(self, name: str) -> str | None:
        return next((issue.message for issue in self.errors if issue.field == name), None)


@dataclass
class ParsedRow:
    number: int
    checked: Checked


class LayoutError(ValueError):
    """The file's header row is not one of the two layouts (message in Japanese)."""


# ---------------------------------------------------------------------------------- cells


def cell_text(value: Any) -> str:
    """What a cell says as text: blank is "", 12345.0 is "12345", dates are YYYY-MM-DD."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, float):
        if value != value:  # NaN
            return ""
        return str(int(value)) if value.is_integer() else str(value)
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date | int):
        return str(value)
    return str(value).strip()


def _nfkc(value: Any) -> str:
    return unicodedata.normalize("NFKC", cell_text(value)).strip()


def _name_part(value: Any) -> str:
    # No NFKC here: it would rewrite compatibility kanji such as 﨑 in people's names.
    return re.sub(r"\s+", "", cell_text(value))


def parse_date(value: Any) -> date | None:
    """Excel dates/serials, or text YYYY-MM-DD, YYYY/M/D, YYYY年M月D日, YYYYMMDD, H16.5.1."""
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool):
        return _excel_serial(value)
    text = _nfkc(value).upper()
    if re.fullmatch(r"\d{8}", text):
        return _safe_date(int(text[:4]), int(text[4:6]), int(text[6:]))
    if re.fullmatch(r"\d{5}(\.0+)?", text):
        return _excel_serial(float(text))
    if match := _DATE_TEXT.match(text):
        return _safe_date(*(int(part) for part in match.groups()))
    if match := _ERA_TEXT.match(text):
        era, year, month, day = match.groups()
        return _safe_date(_ERAS[era] + int(year), int(month), int(day))
    return None


def _missing_day(value: Any) -> str | None:
    """The "no such day" message for a date-shaped value (era years too), else None."""
    text = _nfkc(value).upper()
    if match := _ERA_TEXT.match(text):
        era, year, month, day = match.groups()
        return dates.missing_day_of(_ERAS[era] + int(year), int(month), int(day))
    return dates.missing_day(text)


def _excel_serial(number: float) -> date | None:
    if not 1 <= number < 2958466:
        return None
    return _EXCEL_EPOCH + timedelta(days=int(number))


def _safe_date(year: int, month: int, day: int) -> date | None:
    try:
        return date(year, month, day)
    except ValueError:
        return None


def age_on(birth_date: date, today: date) -> int:
    return (
        today.year
        - birth_date.year
        - ((today.month, today.day) < (birth_date.month, birth_date.day))
    )


def parse_grade(value: Any) -> str | None:
    text = _nfkc(value).upper().replace(" ", "")
    text = text.removesuffix("年生").removesuffix("年")
    text = text.replace("修士", "M").replace("博士", "D")
    for prefix in _GRADE_PREFIXES:
        text = text.removeprefix(prefix)
    return text if text in GRADES else None


def parse_jaaf_id(value: Any) -> str:
    return re.sub(r"[\s\-]", "", _nfkc(value))


# ---------------------------------------------------------------------------------- rules


def check_fields(
    raw: Mapping[str, Any], *, today: date, columns: Mapping[str, str] = LABELS
) -> Checked:
    """Normalise one athlete's fields; every problem becomes an Issue on its column."""
    checked = Checked(values={})
    values = checked.values

    def problem(name: str, message: str, *, warning: bool = False) -> None:
        issue = Issue(
            name, columns.get(name, LABELS.get(name, name)), cell_text(raw.get(name)), message
        )
        (checked.warnings if warning else checked.errors).append(issue)

    for name in REQUIRED_FIELDS:
        if not cell_text(raw.get(name)):
            verb = "を選択してください" if name in CHOSEN_FIELDS else "が空です"
            problem(name, f"{LABELS[name]}{verb}。")

    for name in ("last_name", "first_name"):
        values[name] = _name_part(raw.get(name))
        if len(values[name]) > NAME_MAX:
            problem(name, f"{LABELS[name]}は{NAME_MAX}文字以内で入力してください。")
    for name in ("last_name_kana", "first_name_kana"):
        values[name] = to_katakana(cell_text(raw.get(name)))
        if values[name] and not is_katakana_name(values[name]):
            problem(
                name, f"{LABELS[name]}は全角カタカナで入力してください（ひらがな・半角カナも可）。"
            )
        elif len(values[name]) > NAME_MAX:
            problem(name, f"{LABELS[name]}は{NAME_MAX}文字以内で入力してください。")

    gender_text = _nfkc(raw.get("gender"))
    values["gender"] = _GENDER_WORDS.get(gender_text.upper(), "")
    if gender_text and not values["gender"]:
        problem("gender", "性別は M/F または 男/女 で入力してください。")

    values["birth_date"] = _check_birth_date(raw.get("birth_date"), today, problem)

    values["grade"] = parse_grade(raw.get("grade"))
    if values["grade"] is None:
        problem("grade", "学年は 1〜4、M1・M2、D1〜D3 のいずれかで入力してください（空欄可）。")

    values["pref_code"] = _check_prefecture(raw, problem)

    values["jaaf_id"] = parse_jaaf_id(raw.get("jaaf_id"))
    if values["jaaf_id"] and not values["jaaf_id"].isdigit():
        problem("jaaf_id", "JAAF ID は数字だけで入力してください。")
    elif values["jaaf_id"] and len(values["jaaf_id"]) != JAAF_ID_LENGTH:
        problem(
            "jaaf_id",
            f"JAAF ID は通常{JAAF_ID_LENGTH}桁です（{len(values['jaaf_id'])}桁）。"
            "登録証を確認してください。",
            warning=True,
        )
    elif not values["jaaf_id"]:
        problem("jaaf_id", "JAAF ID が未入力です。分かり次第入力してください。", warning=True)

    values["nationality"] = nationalities.parse_nationality(cell_text(raw.get("nationality")))
    if values["nationality"] is None:
        problem("nationality", "国籍が一覧にありません（例: JPN、KEN、日本、ケニア）。")

    _romaji(raw, values, problem)
    return checked


def _check_birth_date(value: Any, today: date, problem) -> date | None:
    if not cell_text(value):
        return None
    birth_date = parse_date(value)
    if birth_date is None:
        problem(
            "birth_date",
            _missing_day(value) or "生年月日は 2004-05-01 や 2004/5/1 の形で入力してください。",
        )
        return None
    age = age_on(birth_date, today)
    if not MIN_AGE <= age <= MAX_AGE:
        problem(
            "birth_date",
            f"生年月日を確認してください（{age}歳になります。"
            f"{MIN_AGE}〜{MAX_AGE}歳の範囲で入力してください）。",
        )
        return None
    return birth_date


# Fields the form offers as a list (the import's template too): an empty one is "not chosen".
CHOSEN_FIELDS = ("gender", "pref")


def _check_prefecture(raw: Mapping[str, Any], problem) -> str:
    text = cell_text(raw.get("pref")) or cell_text(raw.get("pref_name"))
    if not text:
        problem("pref", "登録陸協を選択してください。")
        return ""
    code = prefectures.parse_prefecture(text)
    if code is None:
        problem("pref", "登録陸協は都道府県名（東京・東京都）または番号（13）で入力してください。")
    return code or ""


def _romaji(raw: Mapping[str, Any], values: dict, problem) -> None:
    suggested = suggest_romaji(values["last_name_kana"], values["first_name_kana"])
    values["last_name_en"] = surname_romaji(cell_text(raw.get("last_name_en"))) or suggested[0]
    values["first_name_en"] = given_name_romaji(cell_text(raw.get("first_name_en"))) or suggested[1]
    for name in ("last_name_en", "first_name_en"):
        if not re.fullmatch(r"[A-Za-z' \-]*", values[name]) or len(values[name]) > NAME_MAX:
            problem(name, f"{LABELS[name]}は半角英字で入力してください。")


# ---------------------------------------------------------------------------------- files


def _header_key(text: Any) -> str:
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", cell_text(text))).upper()


def detect_layout(header: Sequence[Any]) -> tuple[Layout, dict[str, int]]:
    """The layout of a header row and the column index of each field it has."""
    positions = {_header_key(cell): index for index, cell in reversed(list(enumerate(header)))}
    layout = JAAF if _header_key("氏名（姓）") in positions else TEMPLATE
    found = {
        name: positions[_header_key(title)]
        for name, title in layout.columns.items()
        if _header_key(title) in positions
    }
    missing = [layout.columns[name] for name in REQUIRED_FIELDS if name not in found]
    if len(missing) == len(REQUIRED_FIELDS):
        raise LayoutError(
            "1行目に見出し（姓・名・姓カナ… または JAAF の 氏名（姓）…）が見つかりません。"
            "テンプレートの見出し行を消さずに入力してください。"
        )
    if missing:
        raise LayoutError(f"必須の列がありません: {'、'.join(missing)}")
    return layout, found


def parse_table(table: Sequence[Sequence[Any]], *, today: date) -> tuple[Layout, list[ParsedRow]]:
    """Every non-blank row after the header, checked; duplicates inside the file are errors."""
    if not table:
        raise LayoutError("ファイルにデータがありません。")
    layout, found = detect_layout(table[0])
    rows = []
    for number, cells in enumerate(table[1:], start=2):
        raw = {name: cells[index] if index < len(cells) else None for name, index in found.items()}
        if not any(cell_text(value) for value in raw.values()):
            continue
        rows.append(ParsedRow(number, check_fields(raw, today=today, columns=layout.columns)))
    _mark_duplicates_in_file(rows, layout)
    return layout, rows


def identity_key(values: Mapping[str, Any]) -> tuple[str, str]:
    """Same person if same full name (spaces ignored) and same birth date."""
    return (f"{values['last_name']}{values['first_name']}", str(values["birth_date"]))


def _mark_duplicates_in_file(rows: list[ParsedRow], layout: Layout) -> None:
    first_by_id: dict[str, int] = {}
    first_by_person: dict[tuple[str, str], int] = {}
    for row in rows:
        checked = row.checked
        if checked.errors:
            continue
        jaaf_id = checked.values["jaaf_id"]
        if jaaf_id and jaaf_id in first_by_id:
            checked.errors.append(
                Issue(
                    "jaaf_id",
                    layout.columns["jaaf_id"],
                    jaaf_id,
                    f"JAAF ID が{first_by_id[jaaf_id]}行目と重複しています。",
                )
            )
            continue
        person = identity_key(checked.values)
        if person in first_by_person:
            checked.errors.append(
                Issue(
                    "last_name",
                    layout.columns["last_name"],
                    person[0],
                    f"同じ氏名・生年月日の選手が{first_by_person[person]}行目にあります。",
                )
            )
            continue
        if jaaf_id:
            first_by_id[jaaf_id] = row.number
        first_by_person[person] = row.number
