"""Staff forms for meets, races and bank accounts: parsing and rendering only.

Every rule (date order, fee, NCG fallback, standard time, bib ranges) lives in
`nitsys.services.meets`; a refused rule comes back as a `RuleViolation` that `attach_error`
puts next to its field. Datetimes are typed in Japan time and handed on as aware datetimes.
"""

from __future__ import annotations

import unicodedata
from datetime import datetime

from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateField,
    DateTimeLocalField,
    IntegerField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import InputRequired, Length, Optional, StopValidation

from nitsys.domain.dates import missing_day
from nitsys.domain.errors import RuleViolation
from nitsys.domain.numbers import fits_db_int
from nitsys.formatting import TOKYO, to_tokyo
from nitsys.models import AccountType, BankAccount, HeatOrder, Meet, Race, RaceGender
from nitsys.models.meets import DISTANCES
from nitsys.services.meets import (
    BIB_CATEGORY_LABELS,
    BankAccountDetails,
    MeetDetails,
    RaceDetails,
    new_meet_values,
    standard_time_text,
)

REQUIRED = "入力してください。"
DATETIME_FORMATS = ["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M:%S"]


class NumberField(IntegerField):
    """An integer typed with half- or full-width digits; blank is None."""

    def process_formdata(self, valuelist):
        text = unicodedata.normalize("NFKC", valuelist[0] if valuelist else "")
        text = text.strip().replace(",", "")
        self.data = None
        if text:
            try:
                self.data = int(text)
            except ValueError:
                raise ValueError("数字で入力してください。") from None
            if not fits_db_int(self.data):
                self.data = None
                raise ValueError("数値が大きすぎます。")


class JapanDateField(DateField):
    def process_formdata(self, valuelist):
        try:
            super().process_formdata(valuelist)
        except ValueError:
            typed = valuelist[0] if valuelist else ""
            raise ValueError(
                missing_day(typed) or "日付を 2026-07-29 の形で入力してください。"
            ) from None


class JapanDateTimeField(DateTimeLocalField):
    """Typed in Japan time; `aware` is the same moment as an aware datetime."""

    def __init__(self, label, validators=None, **kwargs):
        super().__init__(label, validators, format=DATETIME_FORMATS, **kwargs)

    def process_formdata(self, valuelist):
        try:
            super().process_formdata(valuelist)
        except ValueError:
            typed = " ".join(valuelist or [])
            raise ValueError(
                missing_day(typed) or "日時を 2026-07-29 09:00 の形で入力してください。"
            ) from None

    @property
    def aware(self) -> datetime | None:
        return self.data.replace(tzinfo=TOKYO) if self.data else None


def japan_time(value: datetime | None) -> datetime | None:
    """A stored (UTC) datetime as the naive Japan time the form fields show."""
    return to_tokyo(value).replace(tzinfo=None) if value else None


def optional_id(value):
    return int(value) if value not in (None, "", "None") else None


def attach_error(form: FlaskForm, error: RuleViolation) -> None:
    """Show a refused rule next to its field, or above the form."""
    if error.field and error.field in form:
        form[error.field].errors = [*form[error.field].errors, error.message]
    else:
        form.form_errors.append(error.message)


# --- meet ----------------------------------------------------------------------------------


class MeetForm(FlaskForm):
    number = NumberField("回（第◯回）", validators=[Optional()])
    name = StringField("大会名", validators=[InputRequired(REQUIRED), Length(max=200)])
    description = TextAreaField("大会説明", validators=[Optional()])
    first_day = JapanDateField("開催日（初日）", validators=[InputRequired(REQUIRED)])
    last_day = JapanDateField("開催日（最終日）", validators=[InputRequired(REQUIRED)])
    venue = StringField("会場", validators=[Length(max=200)])
    entry_opens_at = JapanDateTimeField("エントリー受付開始", [InputRequired(REQUIRED)])
    entry_closes_at = JapanDateTimeField("エントリー締切", [InputRequired(REQUIRED)])
    payment_deadline = JapanDateTimeField("支払期限", [Optional()])
    parking_deadline = JapanDateTimeField("駐車場申請の締切", [Optional()])
    fee_per_entry = NumberField("参加費（1エントリー・円）", validators=[InputRequired(REQUIRED)])
    bank_account_id = SelectField("振込先口座", coerce=optional_id, validate_choice=True)
    default_heat_capacity = NumberField("1組の定員（既定値）", [InputRequired(REQUIRED)])
    call_offset_minutes = NumberField("招集（開始の何分前）", [InputRequired(REQUIRED)])
    hours_in_times = BooleanField("1時間以上のタイムを 1:02:30.00 と表示する")
    receipt_issuer_name = StringField("領収書の発行者名", validators=[Length(max=100)])
    receipt_issuer_address = StringField("領収書の発行者住所", validators=[Length(max=300)])

    def bib_fields(self):
        """(category label, start field, end field) for each bib category."""
        return [
            (label, self[f"bib_{key}_start"], self[f"bib_{key}_end"])
            for key, label in BIB_CATEGORY_LABELS.items()
        ]

    def details(self) -> MeetDetails:
        return MeetDetails(
            name=self.name.data or "",
            number=self.number.data,
            description=self.description.data or "",
            first_day=self.first_day.data,
            last_day=self.last_day.data,
            venue=self.venue.data or "",
            entry_opens_at=self.entry_opens_at.aware,
            entry_closes_at=self.entry_closes_at.aware,
            payment_deadline=self.payment_deadline.aware,
            parking_deadline=self.parking_deadline.aware,
            fee_per_entry=self.fee_per_entry.data,
            bank_account_id=self.bank_account_id.data,
            default_heat_capacity=self.default_heat_capacity.data,
            call_offset_minutes=self.call_offset_minutes.data,
            hours_in_times=self.hours_in_times.data,
            receipt_issuer_name=self.receipt_issuer_name.data or "",
            receipt_issuer_address=self.receipt_issuer_address.data or "",
            bib_ranges={
                key: [self[f"bib_{key}_start"].data, self[f"bib_{key}_end"].data]
                for key in BIB_CATEGORY_LABELS
            },
        )


for _key, _label in BIB_CATEGORY_LABELS.items():
    setattr(MeetForm, f"bib_{_key}_start", NumberField(f"{_label} 開始", [InputRequired(REQUIRED)]))
    setattr(MeetForm, f"bib_{_key}_end", NumberField(f"{_label} 終了", [InputRequired(REQUIRED)]))


def meet_form_data(meet: Meet | None) -> dict:
    """Initial values: an existing meet's, or the model defaults for a new one."""
    if meet is None:
        data = new_meet_values()
    else:
        data = {name: getattr(meet, name) for name in MeetDetails.__dataclass_fields__}
    for name in ("entry_opens_at", "entry_closes_at", "payment_deadline", "parking_deadline"):
        data[name] = japan_time(data[name])
    for key, (start, end) in (data.pop("bib_ranges") or {}).items():
        data[f"bib_{key}_start"], data[f"bib_{key}_end"] = start, end
    return data


def bank_account_choices(accounts: list[BankAccount]) -> list[tuple]:
    return [(None, "（未設定）")] + [(account.id, str(account)) for account in accounts]


# --- race ----------------------------------------------------------------------------------


def _needed_for_ncg(form, field) -> None:
    """NCG定員 matters only for an NCG race: left empty otherwise, the default is kept."""
    if form.is_ncg.data and field.data is None and not field.errors:
        raise StopValidation("NCG種目ではNCG定員を入力してください。")


class RaceForm(FlaskForm):
    distance = SelectField(
        "距離", coerce=int, choices=[(d, f"{d}m") for d in DISTANCES], default=5000
    )
    gender = SelectField("性別区分", coerce=RaceGender, choices=RaceGender.choices())
    name = StringField("種目名（空欄なら自動）", validators=[Length(max=100)])
    is_ncg = BooleanField("NCG種目")
    ncg_capacity = NumberField(
        "NCG定員（NCG種目のとき必須）", [_needed_for_ncg, Optional()], default=35
    )
    fallback_race_id = SelectField("NCG溢れの移動先（一般種目）", coerce=optional_id)
    standard_time = StringField("参加標準記録", validators=[Length(max=20)])
    max_entries = NumberField("エントリー上限（空欄は上限なし）", [Optional()])
    heat_capacity = NumberField("1組の定員（空欄は大会の既定値）", [Optional()])
    heat_order = SelectField("組の順番", coerce=HeatOrder, choices=HeatOrder.choices())
    first_start_at = JapanDateTimeField("第1組の開始", [Optional()])
    heat_interval_minutes = NumberField("組の間隔（分）", [InputRequired(REQUIRED)], default=15)
    display_order = NumberField("表示順", [InputRequired(REQUIRED)], default=0)

    def details(self) -> RaceDetails:
        return RaceDetails(
            distance=self.distance.data,
            gender=self.gender.data,
            name=self.name.data or "",
            is_ncg=self.is_ncg.data,
            ncg_capacity=(
                self.ncg_capacity.default
                if self.ncg_capacity.data is None
                else self.ncg_capacity.data
            ),
            fallback_race_id=self.fallback_race_id.data,
            standard_time=self.standard_time.data or "",
            max_entries=self.max_entries.data,
            heat_capacity=self.heat_capacity.data,
            heat_order=self.heat_order.data,
            first_start_at=self.first_start_at.aware,
            heat_interval_minutes=self.heat_interval_minutes.data,
            display_order=self.display_order.data,
        )


def new_race_data(meet: Meet) -> dict:
    """A new race is listed after the others."""
    return {"display_order": max((r.display_order for r in meet.races), default=0) + 1}


def race_form_data(race: Race) -> dict:
    data = {name: getattr(race, name) for name in RaceDetails.__dataclass_fields__}
    data["standard_time"] = standard_time_text(race)
    data["first_start_at"] = japan_time(race.first_start_at)
    return data


def fallback_choices(meet: Meet, race: Race | None) -> list[tuple]:
    """General races of the meet; the service checks distance and gender."""
    races = [r for r in meet.races if not r.is_ncg and r is not race]
    return [(None, "（なし）")] + [(r.id, r.name) for r in races]


# --- bank account --------------------------------------------------------------------------


class BankAccountForm(FlaskForm):
    bank_name = StringField("金融機関名", validators=[InputRequired(REQUIRED), Length(max=100)])
    branch_name = StringField("支店名", validators=[InputRequired(REQUIRED), Length(max=100)])
    account_type = SelectField("種別", coerce=AccountType, choices=AccountType.choices())
    account_number = StringField("口座番号", validators=[InputRequired(REQUIRED), Length(max=20)])
    account_holder = StringField("口座名義", validators=[InputRequired(REQUIRED), Length(max=100)])
    is_active = BooleanField("有効（大会の振込先に選べる）", default=True)

    def details(self) -> BankAccountDetails:
        return BankAccountDetails(
            bank_name=self.bank_name.data,
            branch_name=self.branch_name.data,
            account_type=self.account_type.data,
            account_number=self.account_number.data,
            account_holder=self.account_holder.data,
            is_active=self.is_active.data,
        )
