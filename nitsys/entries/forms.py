"""Forms of the participant's entry pages (parsing and rendering only; rules live in services)."""

from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import StringField
from wtforms.validators import Optional

from nitsys.request_input import DbIntegerField


class EntryRowForm(FlaskForm):
    race_id = DbIntegerField("種目", validators=[Optional()])
    athlete_id = DbIntegerField("選手", validators=[Optional()])
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
