"""Forms of the participant's entry pages (parsing and rendering only; rules live in services)."""

from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import IntegerField, StringField
from wtforms.validators import Optional


class EntryRowForm(FlaskForm):
    race_id = IntegerField("種目", validators=[Optional()])
    athlete_id = IntegerField("選手", validators=[Optional()])
    declared_time = StringField("申告タイム")
    personal_best = StringField("自己ベスト")
    note = StringField("備考")


class EntryTimesForm(FlaskForm):
    declared_time = StringField("申告タイム")
    personal_best = StringField("自己ベスト")
    note = StringField("備考")


class WithdrawalForm(FlaskForm):
    reason = StringField("欠場の理由")


class EntryImportForm(FlaskForm):
    file = FileField(
        "Excelファイル（.xlsx）", validators=[FileRequired("ファイルを選んでください。")]
    )
