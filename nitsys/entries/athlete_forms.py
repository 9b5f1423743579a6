"""Athlete forms. They only carry values and show messages; the rules are in the service."""

from __future__ import annotations

from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import RadioField, SelectChoice, SelectField, StringField
from wtforms.validators import InputRequired

from nitsys.domain import nationalities, prefectures
from nitsys.domain.athlete_rows import GENDERS, GRADES
from nitsys.models import Athlete

# Marks the label as required (＊). The forms are never validated by WTForms: the service
# checks every field, so the form and the import follow the same rules.
REQUIRED = [InputRequired()]


def _select(
    label: str,
    choices: list[tuple[str, str]],
    blank: str | None = "選択してください",
    validators=None,
):
    options = ([("", blank)] if blank else []) + choices
    return SelectField(
        label,
        choices=[SelectChoice(value, text) for value, text in options],
        validate_choice=False,
        default="",
        validators=validators,
    )


class AthleteForm(FlaskForm):
    """One athlete; `prefix` keeps the ids unique when several rows are open in the table."""

    last_name = StringField("姓", validators=REQUIRED)
    first_name = StringField("名", validators=REQUIRED)
    last_name_kana = StringField("姓カナ", validators=REQUIRED)
    first_name_kana = StringField("名カナ", validators=REQUIRED)
    last_name_en = StringField("姓ローマ字")
    first_name_en = StringField("名ローマ字")
    gender = _select("性別", list(GENDERS.items()), validators=REQUIRED)
    birth_date = StringField("生年月日", validators=REQUIRED)
    grade = _select("学年", [(k, v) for k, v in GRADES.items() if k], blank="なし")
    pref = _select("登録陸協", prefectures.choices(), validators=REQUIRED)
    jaaf_id = StringField("JAAF ID")
    nationality = _select("国籍", nationalities.choices(), blank=None)

    FIELD_NAMES = (
        "last_name", "first_name", "last_name_kana", "first_name_kana", "gender", "birth_date",
        "grade", "pref", "jaaf_id", "nationality", "last_name_en", "first_name_en",
    )  # fmt: skip

    @property
    def key(self) -> str:
        """`new` or `a<id>`: names the row's elements."""
        return self._prefix.rstrip("-")

    @classmethod
    def for_athlete(cls, athlete: Athlete, **kwargs) -> AthleteForm:
        data = {name: getattr(athlete, name, "") for name in cls.FIELD_NAMES}
        data.update(
            gender=athlete.gender.value,
            pref=athlete.pref_code,
            birth_date=athlete.birth_date.isoformat(),
        )
        return cls(formdata=None, data=data, **kwargs)

    def raw(self) -> dict[str, str]:
        return {name: self[name].data or "" for name in self.FIELD_NAMES}

    def show_errors(self, errors: dict[str, str]) -> None:
        for name, message in errors.items():
            target = "pref" if name == "pref_code" else name
            if target in self:
                self[target].errors = [message]


class ImportUploadForm(FlaskForm):
    file = FileField("ファイル（.xlsx または .csv、5MB まで）")


class ImportConfirmForm(FlaskForm):
    mode = RadioField(
        "登録済みの選手（同じ JAAF ID）",
        choices=[
            ("skip", "スキップする（登録内容はそのまま）"),
            ("update", "ファイルの内容で更新する"),
        ],
        default="skip",
    )
