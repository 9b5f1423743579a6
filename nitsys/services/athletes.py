"""The athlete master (SPEC §2): add, edit, deactivate/undo, search, and bulk import.

Field rules live in `domain.athlete_rows.check_fields`; this module adds the rules that need
the database (duplicates within the owner) for the form and the import alike.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import delete, func, insert, or_, select
from sqlalchemy.exc import IntegrityError

from nitsys.domain.athlete_rows import (
    LABELS,
    Checked,
    Issue,
    LayoutError,
    check_fields,
    identity_key,
    parse_table,
)
from nitsys.domain.errors import NotFound, RuleViolation
from nitsys.domain.kana import to_katakana
from nitsys.extensions import db
from nitsys.formatting import TOKYO
from nitsys.models import Athlete, AthleteImport, Gender, User
from nitsys.models.base import utcnow
from nitsys.reports.athlete_files import FileProblem, read_table
from nitsys.services import audit, outbox, pauses

IMPORT_LIFETIME = timedelta(hours=1)
FIELDS = (
    "last_name", "first_name", "last_name_kana", "first_name_kana", "last_name_en",
    "first_name_en", "gender", "birth_date", "grade", "pref_code", "jaaf_id", "nationality",
)  # fmt: skip
FIELD_LABELS = {**LABELS, "pref_code": LABELS["pref"]}
SORTS = {
    "kana": ("フリガナ順", (Athlete.last_name_kana, Athlete.first_name_kana)),
    "grade": ("学年順", (Athlete.grade.desc(), Athlete.last_name_kana, Athlete.first_name_kana)),
    "birth": ("生年月日順", (Athlete.birth_date, Athlete.last_name_kana)),
    "jaaf": ("JAAF ID順", (Athlete.jaaf_id,)),
    "new": ("登録の新しい順", (Athlete.created_at.desc(), Athlete.id.desc())),
}


class AthleteInvalid(RuleViolation):
    """The form's fields break rules; `errors` maps each field to its message."""

    def __init__(self, checked: Checked):
        super().__init__(checked.errors[0].message, field=checked.errors[0].field)
        self.errors = {issue.field: issue.message for issue in reversed(checked.errors)}
        self.checked = checked


def today() -> date:
    return datetime.now(TOKYO).date()


# ---------------------------------------------------------------------------------- lookups


def get_owned(by: User, athlete_id: int) -> Athlete:
    """The athlete if it belongs to `by`'s team (or to `by`); another team's is NotFound."""
    athlete = db.session.scalar(
        select(Athlete).where(Athlete.id == athlete_id, Athlete.owned_by(by))
    )
    if athlete is None:
        raise NotFound()
    return athlete


def search_tokens(query: str) -> list[str]:
    return unicodedata.normalize("NFKC", query or "").split()


def search_athletes(
    by: User,
    *,
    query: str = "",
    gender: str = "",
    grade: str | None = None,
    sort: str = "kana",
    active: bool = True,
) -> list[Athlete]:
    """Kanji with or without the space, kana (any width, hiragana too), romaji or JAAF ID."""
    statement = select(Athlete).where(Athlete.owned_by(by), Athlete.is_active.is_(active))
    for token in search_tokens(query):
        statement = statement.where(
            or_(
                (Athlete.last_name + Athlete.first_name).contains(token, autoescape=True),
                (Athlete.last_name_kana + Athlete.first_name_kana).contains(
                    to_katakana(token), autoescape=True
                ),
                func.lower(Athlete.last_name_en + Athlete.first_name_en).contains(
                    token.lower(), autoescape=True
                ),
                Athlete.jaaf_id.startswith(token, autoescape=True),
            )
        )
    if gender in ("M", "F"):
        statement = statement.where(Athlete.gender == Gender(gender))
    if grade is not None:
        statement = statement.where(Athlete.grade == grade)
    _, order = SORTS.get(sort, SORTS["kana"])
    return list(db.session.scalars(statement.order_by(*order, Athlete.id)))


# ---------------------------------------------------------------------------------- duplicates


@dataclass
class Match:
    athlete: Athlete
    by_jaaf_id: bool


class RosterIndex:
    """The owner's active athletes by JAAF ID and by (name, birth date)."""

    def __init__(self, athletes: Iterable[Athlete]):
        self.by_jaaf_id: dict[str, Athlete] = {}
        self.by_person: dict[tuple[str, str], Athlete] = {}
        for athlete in athletes:
            if athlete.jaaf_id:
                self.by_jaaf_id[athlete.jaaf_id] = athlete
            self.by_person[identity_key(_values_of(athlete))] = athlete

    @classmethod
    def for_owner(cls, by: User, values: Mapping[str, Any] | None = None) -> RosterIndex:
        """All active athletes of the owner, or only those that could clash with `values`."""
        statement = select(Athlete).where(Athlete.owned_by(by), Athlete.is_active)
        if values is not None:
            clash = (Athlete.last_name + Athlete.first_name == identity_key(values)[0]) & (
                Athlete.birth_date == values["birth_date"]
            )
            if values["jaaf_id"]:
                clash = or_(clash, Athlete.jaaf_id == values["jaaf_id"])
            statement = statement.where(clash)
        return cls(db.session.scalars(statement))

    def match(self, values: Mapping[str, Any], *, exclude_id: int | None = None) -> Match | None:
        athlete = self.by_jaaf_id.get(values["jaaf_id"]) if values["jaaf_id"] else None
        if athlete is not None and athlete.id != exclude_id:
            return Match(athlete, by_jaaf_id=True)
        athlete = self.by_person.get(identity_key(values))
        if athlete is not None and athlete.id != exclude_id:
            return Match(athlete, by_jaaf_id=False)
        return None


def same_people(
    roster: Iterable[Athlete], others: Iterable[Athlete]
) -> list[tuple[Athlete, Athlete]]:
    """(other, the roster's athlete) for each of `others` the duplicate rule says is already on
    `roster` (same JAAF ID, or same name and birth date)."""
    index = RosterIndex(roster)
    pairs = []
    for other in others:
        match = index.match(_values_of(other))
        if match is not None:
            pairs.append((other, match.athlete))
    return pairs


def _values_of(athlete: Athlete) -> dict[str, Any]:
    values = {name: getattr(athlete, name) for name in FIELDS}
    values["gender"] = athlete.gender.value
    return values


def _duplicate_issue(match: Match, values: Mapping[str, Any]) -> Issue:
    name = match.athlete.full_name
    if match.by_jaaf_id:
        return Issue(
            "jaaf_id",
            LABELS["jaaf_id"],
            values["jaaf_id"],
            f"JAAF ID {values['jaaf_id']} の選手は既に登録されています（{name}）。",
        )
    return Issue(
        "last_name",
        LABELS["last_name"],
        name,
        f"同じ氏名・生年月日の選手が既に登録されています（{name}）。",
    )


def check(by: User, raw: Mapping[str, Any], *, athlete: Athlete | None = None) -> Checked:
    """The one rule check for a single athlete: field rules, then duplicates in the owner."""
    checked = check_fields(raw, today=today())
    if not checked.errors:
        match = RosterIndex.for_owner(by, checked.values).match(
            checked.values, exclude_id=athlete.id if athlete else None
        )
        if match is not None:
            checked.errors.append(_duplicate_issue(match, checked.values))
    return checked


# ---------------------------------------------------------------------------------- single


def _apply(athlete: Athlete, values: Mapping[str, Any]) -> bool:
    """Set the fields; True if anything changed."""
    changed = False
    for name in FIELDS:
        value = Gender(values[name]) if name == "gender" else values[name]
        if getattr(athlete, name) != value:
            setattr(athlete, name, value)
            changed = True
    return changed


def create_athlete(by: User, raw: Mapping[str, Any]) -> tuple[Athlete, list[Issue]]:
    checked = check(by, raw)
    if checked.errors:
        raise AthleteInvalid(checked)
    athlete = Athlete(**Athlete.ownership_for(by))
    _apply(athlete, checked.values)
    db.session.add(athlete)
    audit.record(by, "athlete.create", athlete, after=audit.snapshot(athlete, *FIELDS))
    return athlete, checked.warnings


def update_athlete(
    by: User, athlete_id: int, raw: Mapping[str, Any]
) -> tuple[Athlete, list[Issue]]:
    athlete = get_owned(by, athlete_id)
    if not athlete.is_active:
        raise RuleViolation("登録解除した選手は編集できません。先に「元に戻す」を押してください。")
    checked = check(by, raw, athlete=athlete)
    if checked.errors:
        raise AthleteInvalid(checked)
    before = audit.snapshot(athlete, *FIELDS)
    if _apply(athlete, checked.values):
        audit.record(
            by, "athlete.update", athlete, before=before, after=audit.snapshot(athlete, *FIELDS)
        )
    return athlete, checked.warnings


@dataclass(frozen=True)
class _Owner:
    """The owner of an athlete as `Athlete.owned_by` reads a user (team, or the individual)."""

    organization_id: int | None
    id: int | None


def correct_on_behalf(
    by: User, athlete_id: int, raw: Mapping[str, Any], *, reason: str
) -> tuple[Athlete, list[Issue]]:
    """Staff correct an athlete for its team: the roster form's rules and duplicate check
    within the owner, a required reason in the audit row, and the owner told by mail."""
    if not by.is_staff:
        raise RuleViolation("選手情報を代理で修正できるのは管理者だけです。")
    reason = (reason or "").replace("\x00", "").strip()
    if not reason:
        raise RuleViolation("修正の理由を入力してください。", field="reason")
    athlete = db.session.get(Athlete, athlete_id)
    if athlete is None:
        raise NotFound()
    if not athlete.is_active:
        raise RuleViolation("登録解除された選手は修正できません。")
    checked = check(_Owner(athlete.organization_id, athlete.owner_user_id), raw, athlete=athlete)
    if checked.errors:
        raise AthleteInvalid(checked)
    before = audit.snapshot(athlete, *FIELDS)
    if not _apply(athlete, checked.values):
        return athlete, checked.warnings
    after = audit.snapshot(athlete, *FIELDS)
    audit.record(
        by, "athlete.staff_correction", athlete, before=before, after={**after, "reason": reason}
    )
    changes = [
        (FIELD_LABELS.get(name, name), before[name], after[name])
        for name in FIELDS
        if before[name] != after[name]
    ]
    if athlete.organization is not None:
        to, name = (
            athlete.organization.representative_email,
            athlete.organization.representative_name,
        )
    else:
        to, name = athlete.owner_user.email, athlete.owner_user.full_name
    outbox.enqueue(
        to,
        "athlete_corrected",
        subject=f"選手情報を事務局で修正しました（{athlete.full_name}）",
        name=name,
        athlete=athlete,
        changes=changes,
        reason=reason,
    )
    return athlete, checked.warnings


def deactivate_athlete(by: User, athlete_id: int) -> Athlete:
    athlete = get_owned(by, athlete_id)
    if athlete.is_active:
        athlete.is_active = False
        audit.record(
            by,
            "athlete.deactivate",
            athlete,
            before={"is_active": True},
            after={"is_active": False},
        )
    return athlete


def reactivate_athlete(by: User, athlete_id: int) -> Athlete:
    """Undo a deactivation, unless an active athlete now has the same JAAF ID or person."""
    athlete = get_owned(by, athlete_id)
    if athlete.is_active:
        return athlete
    values = _values_of(athlete)
    match = RosterIndex.for_owner(by, values).match(values, exclude_id=athlete.id)
    if match is not None:
        raise RuleViolation(_duplicate_issue(match, values).message + "元に戻せません。")
    athlete.is_active = True
    audit.record(
        by, "athlete.reactivate", athlete, before={"is_active": False}, after={"is_active": True}
    )
    return athlete


# ---------------------------------------------------------------------------------- import


@dataclass
class PreviewRow:
    number: int
    values: dict[str, Any]
    errors: list[Issue]
    warnings: list[Issue]
    existing: Athlete | None = None
    changes: list[str] = field(default_factory=list)

    @property
    def status(self) -> str:
        if self.errors:
            return "error"
        return "existing" if self.existing is not None else "new"


@dataclass
class ImportCounts:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    skipped: int = 0
    errors: int = 0

    def as_dict(self) -> dict[str, int]:
        return dict(self.__dict__)


def _issues_json(issues: list[Issue]) -> list[dict]:
    return [issue.__dict__ for issue in issues]


def _row_json(number: int, checked: Checked) -> dict:
    values = dict(checked.values)
    values["birth_date"] = values["birth_date"].isoformat() if values["birth_date"] else None
    return {
        "number": number,
        "values": values,
        "errors": _issues_json(checked.errors),
        "warnings": _issues_json(checked.warnings),
    }


def _row_from_json(data: dict) -> PreviewRow:
    values = dict(data["values"])
    values["birth_date"] = (
        date.fromisoformat(values["birth_date"]) if values["birth_date"] else None
    )
    return PreviewRow(
        data["number"],
        values,
        [Issue(**i) for i in data["errors"]],
        [Issue(**i) for i in data["warnings"]],
    )


def preview_import(by: User, filename: str, data: bytes) -> AthleteImport:
    """Parse and check the file and keep its rows on the server; no athlete is written."""
    pauses.ensure_open("athlete_import")
    try:
        layout, rows = parse_table(read_table(filename, data), today=today())
    except (FileProblem, LayoutError) as error:
        raise RuleViolation(str(error), field="file") from error
    if not rows:
        raise RuleViolation("取り込む行がありません（見出し行の下が空です）。", field="file")
    db.session.execute(delete(AthleteImport).where(AthleteImport.expires_at < utcnow()))
    staged = AthleteImport(
        **AthleteImport.ownership_for(by),
        created_by_id=by.id,
        expires_at=utcnow() + IMPORT_LIFETIME,
        layout=layout.key,
        filename=filename[:200],
        rows=[_row_json(row.number, row.checked) for row in rows],
    )
    db.session.add(staged)
    db.session.flush()
    return staged


def get_import(by: User, import_id: int) -> AthleteImport:
    staged = db.session.scalar(
        select(AthleteImport).where(AthleteImport.id == import_id, AthleteImport.owned_by(by))
    )
    if staged is None:
        raise NotFound("取り込みデータが見つかりません。もう一度アップロードしてください。")
    if staged.expires_at < utcnow():
        raise RuleViolation(
            "取り込みの有効期限（1時間）が切れました。もう一度アップロードしてください。"
        )
    return staged


def classify(by: User, staged: AthleteImport) -> list[PreviewRow]:
    """Each staged row as new, existing (same JAAF ID or person in this owner) or error."""
    index = RosterIndex.for_owner(by)
    rows = [_row_from_json(data) for data in staged.rows]
    for row in rows:
        if row.errors:
            continue
        match = index.match(row.values)
        if match is None:
            continue
        if not match.by_jaaf_id and match.athlete.jaaf_id and row.values["jaaf_id"]:
            row.errors.append(
                Issue(
                    "jaaf_id",
                    LABELS["jaaf_id"],
                    row.values["jaaf_id"],
                    f"同じ氏名・生年月日の選手が別の JAAF ID "
                    f"{match.athlete.jaaf_id} で登録されています。",
                )
            )
            continue
        row.existing = match.athlete
        # An empty cell never erases an ID the roster already knows.
        row.values["jaaf_id"] = row.values["jaaf_id"] or match.athlete.jaaf_id
        row.changes = _changes(match.athlete, row.values)
    return rows


def _changes(athlete: Athlete, values: Mapping[str, Any]) -> list[str]:
    current = _values_of(athlete)
    return [FIELD_LABELS[name] for name in FIELDS if values[name] != current[name]]


def _new_athlete_values(by: User, values: Mapping[str, Any]) -> dict[str, Any]:
    return {
        **Athlete.ownership_for(by),
        **{name: values[name] for name in FIELDS},
        "gender": Gender(values["gender"]),
    }


def confirm_import(by: User, import_id: int, *, update_existing: bool) -> ImportCounts:
    """Write every good row in one transaction (the caller commits), then drop the staging."""
    pauses.ensure_open("athlete_import")
    staged = get_import(by, import_id)
    counts = ImportCounts()
    new_athletes = []
    for row in classify(by, staged):
        if row.status == "error":
            counts.errors += 1
        elif row.status == "new":
            new_athletes.append(_new_athlete_values(by, row.values))
            counts.created += 1
        elif not update_existing:
            counts.skipped += 1
        elif not row.changes:
            counts.unchanged += 1
        else:
            _apply(row.existing, row.values)
            counts.updated += 1
    try:
        if new_athletes:  # one multi-row INSERT: a 500-row roster stays well under a second
            db.session.execute(insert(Athlete), new_athletes)
        db.session.flush()
    except IntegrityError as error:
        raise RuleViolation(
            "同じ JAAF ID の選手が同時に登録されました。もう一度アップロードしてください。"
        ) from error
    audit.record(
        by,
        "athlete.import",
        object_type="athlete_imports",
        object_id=staged.id,
        after={
            "filename": staged.filename,
            "layout": staged.layout,
            "update_existing": update_existing,
            **counts.as_dict(),
        },
    )
    db.session.delete(staged)
    return counts
