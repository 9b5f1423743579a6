"""Staff set up meets, their races and the bank accounts fees are paid into (SPEC §2)."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import asdict, dataclass, field
from datetime import date, datetime, time
from itertools import pairwise

from sqlalchemy import select

from nitsys.domain.errors import RuleViolation
from nitsys.domain.times import TimeParseError, format_time, parse_time
from nitsys.extensions import db
from nitsys.formatting import TOKYO, to_tokyo
from nitsys.models import AccountType, BankAccount, HeatOrder, Meet, Race, RaceGender, User
from nitsys.models.base import utcnow
from nitsys.models.meets import DISTANCES, default_bib_ranges
from nitsys.services import audit

BIB_CATEGORY_LABELS = {
    "ncg_M": "NCG男子",
    "ncg_F": "NCG女子",
    "general_M": "一般男子",
    "general_F": "一般女子",
    "ncg_X": "NCG混合",
    "general_X": "一般混合",
}
ACCOUNT_NUMBER = re.compile(r"[0-9][0-9-]{0,19}")


# --- meets ---------------------------------------------------------------------------------


@dataclass
class MeetDetails:
    """Everything staff type on the meet form; datetimes are aware."""

    name: str
    first_day: date
    last_day: date
    entry_opens_at: datetime
    entry_closes_at: datetime
    number: int | None = None
    description: str = ""
    venue: str = ""
    payment_deadline: datetime | None = None
    parking_deadline: datetime | None = None
    fee_per_entry: int = 2000
    bank_account_id: int | None = None
    default_heat_capacity: int = 40
    call_offset_minutes: int = 20
    hours_in_times: bool = False
    receipt_issuer_name: str = ""
    receipt_issuer_address: str = ""
    bib_ranges: dict[str, list[int]] = field(default_factory=default_bib_ranges)


MEET_FIELDS = tuple(MeetDetails.__dataclass_fields__)


def create_meet(details: MeetDetails, *, by: User) -> Meet:
    meet = Meet()
    _apply_meet(meet, details)
    db.session.add(meet)
    db.session.flush()
    audit.record(by, "meet.create", meet, after=_meet_snapshot(meet), meet_id=meet.id)
    return meet


def update_meet(meet: Meet, details: MeetDetails, *, by: User) -> Meet:
    before = _meet_snapshot(meet)
    _apply_meet(meet, details)
    _check_race_starts_inside_days(meet)
    audit.record(
        by, "meet.update", meet, before=before, after=_meet_snapshot(meet), meet_id=meet.id
    )
    return meet


def set_published(meet: Meet, published: bool, *, by: User) -> Meet:
    if published and not _active_races(meet):
        raise RuleViolation("有効な種目が1つもないため公開できません。先に種目を追加してください。")
    return _switch(
        meet, "is_published", published, "meet.publish" if published else "meet.unpublish", by
    )


def set_entry_open(meet: Meet, open_: bool, *, by: User) -> Meet:
    """Open or pause entries; the switch only takes effect inside the entry window."""
    if open_ and not _active_races(meet):
        raise RuleViolation("有効な種目が1つもないため受付を開始できません。")
    if open_ and meet.fee_per_entry > 0 and meet.bank_account_id is None:
        raise RuleViolation(
            "振込先口座が設定されていないため受付を開始できません。大会設定で口座を選んでください。"
        )
    return _switch(
        meet, "entry_open", open_, "meet.entry_open" if open_ else "meet.entry_pause", by
    )


def _switch(meet: Meet, attribute: str, value: bool, action: str, by: User) -> Meet:
    if getattr(meet, attribute) == value:
        return meet
    before = {attribute: getattr(meet, attribute)}
    setattr(meet, attribute, value)
    audit.record(by, action, meet, before=before, after={attribute: value}, meet_id=meet.id)
    return meet


def _meet_snapshot(meet: Meet) -> dict:
    return audit.snapshot(meet, *MEET_FIELDS, "is_published", "entry_open")


def _apply_meet(meet: Meet, details: MeetDetails) -> None:
    values = asdict(details)
    for name in ("name", "venue", "receipt_issuer_name", "receipt_issuer_address"):
        # A blank text takes the column default (the Kenshidai stadium, the club as issuer).
        values[name] = values[name].strip() or _column_default(name) or ""
    _check_meet(MeetDetails(**values), current_account_id=meet.bank_account_id)
    for name, value in values.items():
        setattr(meet, name, value)


def _column_default(name: str):
    default = Meet.__table__.c[name].default
    return default.arg if default is not None and default.is_scalar else None


def new_meet_values() -> dict:
    """What the form for a new meet starts with: the model's defaults, nothing else."""
    values = {name: _column_default(name) for name in MEET_FIELDS}
    values["bib_ranges"] = default_bib_ranges()
    return values


def _check_meet(details: MeetDetails, *, current_account_id: int | None) -> None:
    if not details.name:
        raise RuleViolation("大会名を入力してください。", field="name")
    if details.last_day < details.first_day:
        raise RuleViolation("最終日は初日と同じか後の日にしてください。", field="last_day")
    if details.entry_closes_at <= details.entry_opens_at:
        raise RuleViolation(
            "エントリー締切は受付開始より後にしてください。", field="entry_closes_at"
        )
    if details.entry_closes_at > _start_of(details.first_day):
        raise RuleViolation(
            "エントリー締切は大会初日より前にしてください。", field="entry_closes_at"
        )
    if details.payment_deadline and details.payment_deadline <= details.entry_opens_at:
        raise RuleViolation("支払期限は受付開始より後にしてください。", field="payment_deadline")
    if details.parking_deadline and details.parking_deadline > _start_of(details.first_day):
        raise RuleViolation(
            "駐車場申請の締切は大会初日より前にしてください。", field="parking_deadline"
        )
    if details.fee_per_entry < 0:
        raise RuleViolation("参加費は0円以上にしてください。", field="fee_per_entry")
    if details.default_heat_capacity < 1:
        raise RuleViolation("1組の定員は1人以上にしてください。", field="default_heat_capacity")
    if details.call_offset_minutes < 0:
        raise RuleViolation(
            "招集時刻は開始時刻より前（0分以上）にしてください。", field="call_offset_minutes"
        )
    if details.bank_account_id != current_account_id and details.bank_account_id is not None:
        account = db.session.get(BankAccount, details.bank_account_id)
        if account is None or not account.is_active:
            raise RuleViolation("有効な振込先口座を選んでください。", field="bank_account_id")
    check_bib_ranges(details.bib_ranges)


def check_bib_ranges(ranges: dict[str, list[int]]) -> None:
    """Every category has a range start ≤ end within 1..99999, and no two ranges overlap."""
    if set(ranges) != set(BIB_CATEGORY_LABELS):
        raise RuleViolation(
            "ゼッケン範囲をすべての区分について入力してください。", field="bib_ranges"
        )
    for key, (start, end) in ranges.items():
        if not 1 <= start <= end <= 99999:
            raise RuleViolation(
                f"ゼッケン範囲「{BIB_CATEGORY_LABELS[key]}」({start}〜{end}) は"
                "1以上で、開始を終了以下にしてください。",
                field="bib_ranges",
            )
    ordered = sorted(ranges.items(), key=lambda item: item[1][0])
    for (key_a, (start_a, end_a)), (key_b, (start_b, end_b)) in pairwise(ordered):
        if start_b <= end_a:
            raise RuleViolation(
                f"ゼッケン範囲「{BIB_CATEGORY_LABELS[key_a]}」({start_a}〜{end_a}) と"
                f"「{BIB_CATEGORY_LABELS[key_b]}」({start_b}〜{end_b}) が重なっています。",
                field="bib_ranges",
            )


def _start_of(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=TOKYO)


def _active_races(meet: Meet) -> list[Race]:
    return [race for race in meet.races if race.is_active]


def _check_race_starts_inside_days(meet: Meet) -> None:
    for race in meet.races:
        _check_start_inside_days(meet, race.first_start_at, race.name)


def _check_start_inside_days(meet: Meet, start: datetime | None, race_name: str) -> None:
    if start is not None and not meet.first_day <= to_tokyo(start).date() <= meet.last_day:
        raise RuleViolation(
            f"種目「{race_name}」の開始時刻 {to_tokyo(start):%Y/%m/%d %H:%M} が"
            f"大会の日程（{meet.first_day:%Y/%m/%d}〜{meet.last_day:%Y/%m/%d}）から外れています。",
            field="first_start_at",
        )


# --- races ---------------------------------------------------------------------------------


@dataclass
class RaceDetails:
    """The race form. `standard_time` is text for the one time parser; "" means none.
    An empty `name` becomes the default (男子5000m, NCG女子3000m); `heat_capacity=None` takes
    the meet's default."""

    distance: int
    gender: RaceGender
    name: str = ""
    is_ncg: bool = False
    ncg_capacity: int = 35
    fallback_race_id: int | None = None
    standard_time: str = ""
    max_entries: int | None = None
    heat_capacity: int | None = None
    heat_order: HeatOrder = HeatOrder.SLOW_FIRST
    first_start_at: datetime | None = None
    heat_interval_minutes: int = 15
    display_order: int = 0


RACE_FIELDS = (*RaceDetails.__dataclass_fields__, "is_active")


def create_race(meet: Meet, details: RaceDetails, *, by: User) -> Race:
    race = Race()
    _apply_race(meet, race, details)
    race.meet = meet
    db.session.add(race)
    db.session.flush()
    audit.record(by, "race.create", race, after=_race_snapshot(race), meet_id=meet.id)
    return race


def update_race(race: Race, details: RaceDetails, *, by: User) -> Race:
    before = _race_snapshot(race)
    _check_still_fits_its_ncg_races(race, details)
    _apply_race(race.meet, race, details)
    audit.record(
        by, "race.update", race, before=before, after=_race_snapshot(race), meet_id=race.meet_id
    )
    return race


def set_race_active(race: Race, active: bool, *, by: User) -> Race:
    """Deactivate (hide from entry forms and generators) or reactivate a race."""
    if not active:
        sources = [r for r in _ncg_races_falling_back_to(race) if r.is_active]
        if sources:
            raise RuleViolation(
                f"「{race.name}」は「{sources[0].name}」の移動先の一般種目なので無効にできません。"
                "先にNCG種目の移動先を変更してください。"
            )
    if race.is_active == active:
        return race
    race.is_active = active
    action = "race.activate" if active else "race.deactivate"
    audit.record(
        by,
        action,
        race,
        before={"is_active": not active},
        after={"is_active": active},
        meet_id=race.meet_id,
    )
    return race


def _race_snapshot(race: Race) -> dict:
    return audit.snapshot(race, *RACE_FIELDS)


def _apply_race(meet: Meet, race: Race, details: RaceDetails) -> None:
    name = details.name.strip() or Race.default_name(
        details.gender, details.distance, details.is_ncg
    )
    _check_race(meet, race, details, name)
    standard = _parse_standard(details)
    values = asdict(details)
    values.update(
        name=name,
        standard_time=standard,
        heat_capacity=details.heat_capacity or meet.default_heat_capacity,
        fallback_race_id=details.fallback_race_id if details.is_ncg else None,
    )
    for attribute, value in values.items():
        setattr(race, attribute, value)


def _check_race(meet: Meet, race: Race, details: RaceDetails, name: str) -> None:
    if details.distance not in DISTANCES:
        raise RuleViolation(
            "距離は 800/1500/3000/5000/10000m から選んでください。", field="distance"
        )
    if _name_taken(meet, race, name):
        raise RuleViolation(
            f"この大会には既に「{name}」という種目があります。別の種目名にしてください。",
            field="name",
        )
    for attribute, label in (("ncg_capacity", "NCG定員"), ("heat_capacity", "1組の定員")):
        value = getattr(details, attribute)
        if value is not None and value < 1:
            raise RuleViolation(f"{label}は1人以上にしてください。", field=attribute)
    if details.max_entries is not None and details.max_entries < 1:
        raise RuleViolation(
            "エントリー上限は1人以上にするか、空欄（上限なし）にしてください。", field="max_entries"
        )
    if details.heat_interval_minutes < 0:
        raise RuleViolation("組の間隔は0分以上にしてください。", field="heat_interval_minutes")
    _check_start_inside_days(meet, details.first_start_at, name)
    if details.is_ncg and details.fallback_race_id is not None:
        _check_fallback(meet, race, details)


def _name_taken(meet: Meet, race: Race, name: str) -> bool:
    statement = select(Race.id).where(Race.meet_id == meet.id, Race.name == name)
    if race.id is not None:
        statement = statement.where(Race.id != race.id)
    return db.session.scalar(statement.limit(1)) is not None


def _check_fallback(meet: Meet, race: Race, details: RaceDetails) -> None:
    fallback = db.session.get(Race, details.fallback_race_id)
    if fallback is None or fallback.meet_id != meet.id or fallback is race:
        raise RuleViolation(
            "移動先の一般種目をこの大会の種目から選んでください。", field="fallback_race_id"
        )
    if fallback.is_ncg:
        raise RuleViolation(
            f"「{fallback.name}」はNCG種目です。移動先にはNCGではない一般種目を選んでください。",
            field="fallback_race_id",
        )
    if fallback.gender != details.gender or fallback.distance != details.distance:
        raise RuleViolation(
            f"「{fallback.name}」は距離・性別が違います。移動先は同じ距離・性別の一般種目にしてください。",
            field="fallback_race_id",
        )
    if not fallback.is_active:
        raise RuleViolation(
            f"「{fallback.name}」は無効になっています。有効な一般種目を選んでください。",
            field="fallback_race_id",
        )


def _check_still_fits_its_ncg_races(race: Race, details: RaceDetails) -> None:
    changed = details.is_ncg or details.gender != race.gender or details.distance != race.distance
    sources = _ncg_races_falling_back_to(race) if changed else []
    if sources:
        raise RuleViolation(
            f"「{race.name}」は「{sources[0].name}」の移動先の一般種目なので、"
            "距離・性別・NCGは変更できません。先にNCG種目の移動先を変更してください。"
        )


def _ncg_races_falling_back_to(race: Race) -> list[Race]:
    if race.id is None:
        return []
    return list(db.session.scalars(select(Race).where(Race.fallback_race_id == race.id)))


def _parse_standard(details: RaceDetails) -> int | None:
    if not details.standard_time.strip():
        return None
    try:
        return parse_time(details.standard_time, distance=details.distance, gender=details.gender)
    except TimeParseError as error:
        raise RuleViolation(f"参加標準記録: {error}", field="standard_time") from None


def standard_time_text(race: Race) -> str:
    """The standard time as the race form shows it (read back by the same parser)."""
    return format_time(race.standard_time, hours=True)


# --- bank accounts -------------------------------------------------------------------------


@dataclass
class BankAccountDetails:
    bank_name: str
    branch_name: str
    account_number: str
    account_holder: str
    account_type: AccountType = AccountType.ORDINARY
    is_active: bool = True


BANK_FIELDS = tuple(BankAccountDetails.__dataclass_fields__)


def create_bank_account(details: BankAccountDetails, *, by: User) -> BankAccount:
    account = BankAccount()
    _apply_bank_account(account, details)
    db.session.add(account)
    db.session.flush()
    audit.record(by, "bank_account.create", account, after=audit.snapshot(account, *BANK_FIELDS))
    return account


def update_bank_account(
    account: BankAccount, details: BankAccountDetails, *, by: User
) -> BankAccount:
    before = audit.snapshot(account, *BANK_FIELDS)
    if account.is_active and not details.is_active:
        _check_not_in_use(account)
    _apply_bank_account(account, details)
    audit.record(
        by,
        "bank_account.update",
        account,
        before=before,
        after=audit.snapshot(account, *BANK_FIELDS),
    )
    return account


def _apply_bank_account(account: BankAccount, details: BankAccountDetails) -> None:
    values = asdict(details)
    for name in ("bank_name", "branch_name", "account_holder"):
        values[name] = values[name].strip()
        if not values[name]:
            raise RuleViolation("入力してください。", field=name)
    number = unicodedata.normalize("NFKC", details.account_number).strip().replace("ー", "-")
    if not ACCOUNT_NUMBER.fullmatch(number):
        raise RuleViolation(
            "口座番号は数字（記号番号はハイフン区切り）で20文字以内にしてください。",
            field="account_number",
        )
    values["account_number"] = number
    for name, value in values.items():
        setattr(account, name, value)


def _check_not_in_use(account: BankAccount) -> None:
    today = to_tokyo(utcnow()).date()
    meet = db.session.scalar(
        select(Meet)
        .where(Meet.bank_account_id == account.id, Meet.last_day >= today)
        .order_by(Meet.first_day)
        .limit(1)
    )
    if meet is not None:
        raise RuleViolation(
            f"この口座は開催前の大会「{meet.name}」の振込先なので無効にできません。"
            "先に大会の振込先を変更してください。",
            field="is_active",
        )
