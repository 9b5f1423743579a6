"""What officials and staff see first after logging in: today's work, counted per meet.

One fixed set of queries whatever the number of meets: the current meets, then one grouped
count per kind of work (payments to review, entries to check, outbox failures). The staff
extras (backup age, maintenance) come from files and the settings cache, not per-meet queries.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from sqlalchemy import func, select

from nitsys.domain.entry_window import EntryWindowState, entry_window_state
from nitsys.extensions import db
from nitsys.formatting import TOKYO
from nitsys.models import (
    Application,
    ApplicationStatus,
    Entry,
    EntryReview,
    EntryStatus,
    Meet,
    OutboxMessage,
    OutboxStatus,
    Race,
)
from nitsys.models.base import utcnow
from nitsys.services import backups, maintenance

# Meets that ended this long ago still show (results to import, exports to archive).
RECENT_DAYS = 7
# Entries an official still has to look at: submitted or paid, neither verified nor rejected.
TO_CHECK = (EntryStatus.SUBMITTED, EntryStatus.CONFIRMED)


@dataclass(frozen=True)
class MeetWork:
    meet: Meet
    window: EntryWindowState
    is_today: bool
    is_over: bool
    payments_to_review: int
    entries_to_check: int

    @property
    def state_label(self) -> str:
        if self.is_today:
            return "本日開催"
        if self.is_over:
            return "終了"
        return self.window.label


@dataclass(frozen=True)
class OfficialHome:
    meets: list[MeetWork]
    payments_to_review: int  # every meet, the desk's own counter
    today: list[MeetWork] = field(default_factory=list)


@dataclass(frozen=True)
class StaffHome:
    outbox_failed: int
    outbox_pending: int
    last_backup: backups.Backup | None
    backup_age: timedelta | None
    maintenance: maintenance.MaintenanceState


def _today(now: datetime) -> date:
    return now.astimezone(TOKYO).date()


def official_home(now: datetime | None = None) -> OfficialHome:
    now = now or utcnow()
    today = _today(now)
    meets = db.session.scalars(
        select(Meet)
        .where(Meet.last_day >= today - timedelta(days=RECENT_DAYS))
        .order_by(Meet.first_day, Meet.id)
    ).all()
    ids = [meet.id for meet in meets]
    to_review = dict(
        db.session.execute(
            select(Application.meet_id, func.count(Application.id))
            .where(Application.status == ApplicationStatus.UNDER_REVIEW)
            .group_by(Application.meet_id)
        ).all()
    )
    to_check = dict(
        db.session.execute(
            select(Race.meet_id, func.count(Entry.id))
            .join(Entry.race)
            .outerjoin(EntryReview, EntryReview.entry_id == Entry.id)
            .where(
                Race.meet_id.in_(ids),
                Entry.status.in_(TO_CHECK),
                EntryReview.verified_at.is_(None),
            )
            .group_by(Race.meet_id)
        ).all()
    )
    work = [
        MeetWork(
            meet=meet,
            window=entry_window_state(meet, now),
            is_today=meet.first_day <= today <= meet.last_day,
            is_over=meet.last_day < today,
            payments_to_review=to_review.get(meet.id, 0),
            entries_to_check=to_check.get(meet.id, 0),
        )
        for meet in meets
    ]
    return OfficialHome(
        meets=work,
        payments_to_review=sum(to_review.values()),
        today=[item for item in work if item.is_today],
    )


def staff_home(now: datetime | None = None) -> StaffHome:
    now = now or utcnow()
    outbox = dict(
        db.session.execute(
            select(OutboxMessage.status, func.count(OutboxMessage.id))
            .where(OutboxMessage.status.in_((OutboxStatus.FAILED, OutboxStatus.PENDING)))
            .group_by(OutboxMessage.status)
        ).all()
    )
    last = backups.latest()
    return StaffHome(
        outbox_failed=outbox.get(OutboxStatus.FAILED, 0),
        outbox_pending=outbox.get(OutboxStatus.PENDING, 0),
        last_backup=last,
        backup_age=now - last.created_at if last else None,
        maintenance=maintenance.current(),
    )
