"""The meet office's PDFs (SPEC §8): roll call, programme, result recording sheets, emergency list.

Built from the same start-list rows as the CSV and timing files, after the same readiness check
(heats locked, bibs given), and logged like every other export. A roll call or result sheet may
be asked for one heat: the rows are then that heat's only.
"""

from __future__ import annotations

from sqlalchemy import select

from nitsys.domain.errors import NotFound
from nitsys.extensions import db
from nitsys.models import (
    Application,
    ApplicationStatus,
    Athlete,
    Entry,
    EntryStatus,
    Heat,
    HeatSlot,
    Organization,
    Race,
    User,
)
from nitsys.reports import meet_pdfs
from nitsys.services import exports

PDF = "application/pdf"
ABSENT_STATUSES = (EntryStatus.DNS, EntryStatus.WITHDRAWN)


def export_roll_call(
    meet_id: int, *, by: User, race_id: int | None = None, heat_id: int | None = None
) -> exports.ExportFile:
    """点呼表 of one heat, one race or the whole meet: start and call time per heat."""
    return _document_export(
        meet_id, race_id, heat_id, by=by, kind="rollcall_pdf", prefix="rollcall", document="点呼表",
        make=lambda meet, rows, title: meet_pdfs.roll_call_pdf(
            rows, title=title, call_offset_minutes=meet.call_offset_minutes,
            hours=meet.hours_in_times,
        ),
    )  # fmt: skip


def export_result_sheets(
    meet_id: int, *, by: User, race_id: int | None = None, heat_id: int | None = None
) -> exports.ExportFile:
    """記録用紙 of one heat, one race or the whole meet; 順位 and 記録 are left blank."""
    return _document_export(
        meet_id, race_id, heat_id, by=by, kind="result_sheet_pdf", prefix="resultsheet",
        document="記録用紙",
        make=lambda _meet, rows, title: meet_pdfs.result_sheets_pdf(rows, title=title),
    )  # fmt: skip


def export_programme(meet_id: int, *, by: User, race_id: int | None = None) -> exports.ExportFile:
    """プログラム of one race or the whole meet."""
    return _document_export(
        meet_id, race_id, None, by=by, kind="programme_pdf", prefix="programme",
        document="プログラム",
        make=lambda meet, rows, title: meet_pdfs.programme_pdf(
            rows, title=title, hours=meet.hours_in_times
        ),
    )  # fmt: skip


def export_emergency(meet_id: int, *, by: User) -> exports.ExportFile:
    """緊急用全データ: every runner of the meet with payment and check-in state, by team."""
    return _document_export(
        meet_id, None, None, by=by, kind="emergency_pdf", prefix="emergency",
        document="緊急用全データ",
        make=lambda meet, rows, title: meet_pdfs.emergency_pdf(
            rows, runner_states(meet.id), title=title
        ),
    )  # fmt: skip


def runner_states(meet_id: int) -> dict[int, meet_pdfs.RunnerState]:
    """Payment, check-in and team reading of every runner in the meet's heats, by slot id."""
    query = (
        select(
            HeatSlot.id,
            HeatSlot.checked_in,
            HeatSlot.dns,
            Entry.status,
            Application.status.label("application_status"),
            Organization.name_kana,
        )
        .join(Entry, Entry.id == HeatSlot.entry_id)
        .join(Application, Application.id == Entry.application_id)
        .join(Athlete, Athlete.id == Entry.athlete_id)
        .outerjoin(Organization, Organization.id == Athlete.organization_id)
        .where(HeatSlot.meet_id == meet_id)
    )
    return {
        line.id: meet_pdfs.RunnerState(
            paid=line.application_status is ApplicationStatus.PAID,
            checked_in=line.checked_in,
            absent=line.dns or line.status in ABSENT_STATUSES,
            organization_kana=line.name_kana or "",
        )
        for line in db.session.execute(query)
    }


def heat_choices(meet_id: int) -> dict[int, list[tuple[int, int]]]:
    """(heat id, heat number) of each active race of the meet in running order, by race id."""
    heats = db.session.execute(
        select(Heat.race_id, Heat.id, Heat.number)
        .join(Race, Race.id == Heat.race_id)
        .where(Race.meet_id == meet_id, Race.is_active)
        .order_by(Heat.race_id, Heat.number)
    )
    choices: dict[int, list[tuple[int, int]]] = {}
    for race_id, heat_id, number in heats:
        choices.setdefault(race_id, []).append((heat_id, number))
    return choices


def _document_export(
    meet_id, race_id, heat_id, *, by: User, kind: str, prefix: str, document: str, make
) -> exports.ExportFile:
    """One document of the meet, a race or one heat of it; `make(meet, rows, title)` draws it.

    A heat is checked and logged as its race (every heat locked, bibs given) with the heat
    number in the log's parameters and the file name.
    """
    heat = _heat_of(meet_id, race_id, heat_id) if heat_id is not None else None
    race_id = heat.race_id if heat else race_id

    def build(meet, rows):
        scope = [rows[0].race_name] if race_id and rows else []
        if heat:
            scope.append(f"第{heat.number}組")
        return make(meet, rows, " ".join([meet.name, document, *scope]))

    return exports.logged_export(
        meet_id,
        race_id,
        by=by,
        kind=kind,
        parameters={"heat": heat.number} if heat else {},
        build=build,
        name=(f"{prefix}-heat{heat.number}" if heat else prefix, "pdf"),
        content_type=PDF,
        keep=(lambda row: row.heat_number == heat.number) if heat else None,
    )


def _heat_of(meet_id: int, race_id: int | None, heat_id: int) -> Heat:
    heat = db.session.get(Heat, heat_id)
    if heat is None or heat.race.meet_id != meet_id or race_id not in (None, heat.race_id):
        raise NotFound("この大会（種目）の組ではありません。")
    return heat
