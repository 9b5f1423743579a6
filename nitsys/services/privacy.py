"""Requests under the personal information law (個人情報保護法): everything held about one team
as a workbook, and erasing an athlete's personal data while the results stay under the name.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import or_, select
from sqlalchemy.orm import joinedload

from nitsys.domain.errors import NotFound, RuleViolation
from nitsys.domain.prefectures import PREFECTURES
from nitsys.domain.times import format_time
from nitsys.extensions import db
from nitsys.models import (
    Application,
    Athlete,
    AuditEvent,
    Entry,
    Organization,
    PaymentSlip,
    Race,
    User,
)
from nitsys.reports.workbook import Column, Sheet, workbook_xlsx
from nitsys.services import audit, audit_log

MAX_AUDIT_ROWS = 50_000
# Birth date is required by the schema; an erased athlete gets this placeholder (shown as 削除済み).
ERASED_BIRTH_DATE = date(1900, 1, 1)
ERASED = "（削除済み）"
# Field: (label, value after erasure).
ERASED_FIELDS = {
    "birth_date": ("生年月日", ERASED_BIRTH_DATE),
    "jaaf_id": ("JAAF ID", ""),
    "last_name_en": ("姓ローマ字", ""),
    "first_name_en": ("名ローマ字", ""),
    "grade": ("学年", ""),
    "pref_code": ("登録陸協", ""),
}


def _staff(by: User) -> None:
    if not by.is_staff:
        raise RuleViolation("この操作ができるのは管理者だけです。")


# --------------------------------------------------------------------------- team export


def team_workbook(team_id: int, *, by: User) -> tuple[bytes, str]:
    """(xlsx bytes, file name) of everything held about the team; the export is audited."""
    _staff(by)
    team = db.session.get(Organization, team_id)
    if team is None:
        raise NotFound("団体が見つかりません。")
    members = db.session.scalars(
        select(User).where(User.organization_id == team.id).order_by(User.id)
    ).all()
    athletes = db.session.scalars(
        select(Athlete).where(Athlete.organization_id == team.id).order_by(Athlete.id)
    ).all()
    applications = db.session.scalars(
        select(Application)
        .where(Application.organization_id == team.id)
        .options(joinedload(Application.meet))
        .order_by(Application.id)
    ).all()
    entries = db.session.scalars(
        select(Entry)
        .join(Application)
        .where(Application.organization_id == team.id)
        .options(joinedload(Entry.athlete), joinedload(Entry.race).joinedload(Race.meet))
        .order_by(Entry.id)
    ).all()
    slips = db.session.scalars(
        select(PaymentSlip)
        .join(Application)
        .where(Application.organization_id == team.id)
        .options(joinedload(PaymentSlip.application))
        .order_by(PaymentSlip.id)
    ).all()
    about = [
        (AuditEvent.object_type == "organizations") & (AuditEvent.object_id == team.id),
        (AuditEvent.object_type == "users") & AuditEvent.object_id.in_([m.id for m in members]),
        (AuditEvent.object_type == "athletes") & AuditEvent.object_id.in_([a.id for a in athletes]),
        (AuditEvent.object_type == "applications")
        & AuditEvent.object_id.in_([a.id for a in applications]),
    ]
    events = db.session.scalars(
        select(AuditEvent)
        .where(or_(*about))
        .options(joinedload(AuditEvent.actor))
        .order_by(AuditEvent.id)
        .limit(MAX_AUDIT_ROWS)
    ).all()
    sheets = [
        Sheet(
            "団体",
            [Column("項目", 16), Column("内容", 40)],
            [
                ["団体名", team.name],
                ["フリガナ", team.name_kana],
                ["略称", team.short_name],
                ["種別", team.org_type.label],
                ["代表者", team.representative_name],
                ["代表者メール", team.representative_email],
                ["代表者電話", team.representative_phone],
                ["郵便番号", team.postal_code],
                ["都道府県", PREFECTURES.get(team.prefecture or "", "")],
                ["住所", team.address],
                ["陸協コード", team.jaaf_code],
                ["登録日時", team.created_at],
            ],
        ),
        Sheet(
            "メンバー",
            [
                Column("氏名", 16),
                Column("フリガナ", 16),
                Column("メール", 28),
                Column("電話", 14),
                Column("権限", 8),
                Column("状態", 8),
                Column("最終ログイン", 16),
                Column("登録日時", 16),
            ],
            [
                [
                    m.full_name,
                    m.full_name_kana,
                    m.email,
                    m.phone,
                    m.role.label,
                    "有効" if m.is_active else "停止",
                    m.last_login_at,
                    m.created_at,
                ]
                for m in members
            ],
        ),
        Sheet(
            "選手",
            [
                Column("姓", 10),
                Column("名", 10),
                Column("姓カナ", 12),
                Column("名カナ", 12),
                Column("姓ローマ字", 12),
                Column("名ローマ字", 12),
                Column("性別", 6),
                Column("生年月日", 12),
                Column("学年", 6),
                Column("登録陸協", 8),
                Column("JAAF ID", 14),
                Column("国籍", 6),
                Column("状態", 8),
            ],
            [
                [
                    a.last_name,
                    a.first_name,
                    a.last_name_kana,
                    a.first_name_kana,
                    a.last_name_en,
                    a.first_name_en,
                    a.gender.label,
                    a.birth_date,
                    a.grade,
                    a.pref_code,
                    a.jaaf_id,
                    a.nationality,
                    "登録中" if a.is_active else "登録解除",
                ]
                for a in athletes
            ],
        ),
        Sheet(
            "エントリー",
            [
                Column("大会", 30),
                Column("種目", 14),
                Column("選手", 16),
                Column("申告タイム", 10),
                Column("状態", 10),
                Column("登録日時", 16),
            ],
            [
                [
                    e.race.meet.name,
                    e.race.name,
                    e.athlete.full_name,
                    format_time(e.declared_time, hours=e.race.meet.hours_in_times),
                    e.status.label,
                    e.created_at,
                ]
                for e in entries
            ],
        ),
        Sheet(
            "申込・入金",
            [
                Column("大会", 30),
                Column("申込番号", 12),
                Column("状態", 10),
                Column("件数", 6),
                Column("請求額", 10),
                Column("提出日時", 16),
            ],
            [
                [a.meet.name, a.number, a.status.label, a.entry_count, a.amount_due, a.submitted_at]
                for a in applications
            ],
        ),
        Sheet(
            "振込明細",
            [
                Column("申込番号", 12),
                Column("アップロード日時", 16),
                Column("ファイル名", 24),
                Column("振込日", 12),
                Column("申告額", 10),
                Column("振込名義", 16),
                Column("確認", 8),
            ],
            [
                [
                    s.application.number,
                    s.uploaded_at,
                    s.original_filename,
                    s.transfer_date,
                    s.declared_amount,
                    s.payer_name,
                    s.review.label,
                ]
                for s in slips
            ],
        ),
        Sheet(
            "監査ログ",
            [
                Column("日時", 16),
                Column("操作者", 16),
                Column("操作", 24),
                Column("対象", 14),
                Column("対象ID", 8),
                Column("変更前", 40),
                Column("変更後", 40),
            ],
            [
                [
                    e.at,
                    e.actor.full_name if e.actor else "",
                    e.action,
                    e.object_type,
                    e.object_id,
                    audit_log.change_text(e.before),
                    audit_log.change_text(e.after),
                ]
                for e in events
            ],
        ),
    ]
    data = workbook_xlsx(sheets)
    audit.record(
        by, "organization.data_export", team,
        after={"members": len(members), "athletes": len(athletes), "entries": len(entries),
               "audit_rows": len(events)},
    )  # fmt: skip
    return data, f"{team.name}_保有データ.xlsx"


# ------------------------------------------------------------------------- athlete erasure


def erasure_preview(athlete: Athlete) -> list[tuple[str, str]]:
    """(label, the value now) of every item `erase_athlete` removes."""
    if is_erased(athlete):
        return []
    return [
        (label, str(getattr(athlete, name)) or "（空欄）")
        for name, (label, _) in ERASED_FIELDS.items()
    ]


def is_erased(athlete: Athlete) -> bool:
    return athlete.birth_date == ERASED_BIRTH_DATE and not athlete.jaaf_id


def erase_athlete(athlete_id: int, *, by: User) -> Athlete:
    """Remove the athlete's personal data (the fields in ERASED_FIELDS, here and in the audit
    trail); the name stays so entries and results read as before. Idempotent."""
    _staff(by)
    athlete = db.session.get(Athlete, athlete_id)
    if athlete is None:
        raise NotFound()
    if is_erased(athlete):
        return athlete
    for name, (_, value) in ERASED_FIELDS.items():
        setattr(athlete, name, value)
    athlete.is_active = False
    for event in db.session.scalars(
        select(AuditEvent).where(
            AuditEvent.object_type == "athletes", AuditEvent.object_id == athlete.id
        )
    ):
        event.before = _scrubbed(event.before)
        event.after = _scrubbed(event.after)
    audit.record(
        by, "athlete.erase", athlete,
        after={"removed": [label for label, _ in ERASED_FIELDS.values()]},
    )  # fmt: skip
    return athlete


def _scrubbed(value):
    if not isinstance(value, dict) or not any(name in value for name in ERASED_FIELDS):
        return value
    return {k: (ERASED if k in ERASED_FIELDS and v else v) for k, v in value.items()}
