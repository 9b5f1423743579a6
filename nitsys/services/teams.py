"""Staff back office: teams across the system (read models for the list and the team page),
staff notes, and the people of a team (invite, deactivate, sessions, reset links).

Each page is one fixed set of queries: the list counts with grouped subqueries, never per row.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import case, func, or_, select
from sqlalchemy.orm import joinedload, selectinload

from nitsys.domain.errors import NotFound, RuleViolation
from nitsys.domain.kana import to_katakana
from nitsys.domain.prefectures import PREFECTURES
from nitsys.extensions import db
from nitsys.models import (
    Application,
    ApplicationStatus,
    Athlete,
    AuditEvent,
    Entry,
    Meet,
    Organization,
    OrganizationAlias,
    OrganizationType,
    PaymentSlip,
    TeamNote,
    User,
)
from nitsys.models.base import utcnow
from nitsys.services import audit, runner_search

LIST_LIMIT = 100
MAX_NOTE_LENGTH = 2000


def focus_meet():
    """ "This meet" of the list (id and name): the next meet to be held, else the latest one."""
    today = utcnow().date()
    columns = select(Meet.id, Meet.name)
    upcoming = db.session.execute(
        columns.where(Meet.last_day >= today).order_by(Meet.first_day, Meet.id).limit(1)
    ).first()
    if upcoming is not None:
        return upcoming
    return db.session.execute(
        columns.order_by(Meet.first_day.desc(), Meet.id.desc()).limit(1)
    ).first()


def meet_choices():
    """(id, name) of every meet, newest first, for the pages' meet selectors."""
    return db.session.execute(select(Meet.id, Meet.name).order_by(Meet.first_day.desc())).all()


LIST_COLUMNS = (
    Organization.id, Organization.name, Organization.name_kana, Organization.short_name,
    Organization.org_type, Organization.is_active, Organization.representative_name,
    Organization.representative_phone, Organization.prefecture,
)  # fmt: skip


@dataclass
class TeamRow:
    team: Any  # a row of LIST_COLUMNS (read like an Organization)
    members: int
    athletes: int
    applications: int = 0
    paid: int = 0
    unpaid: int = 0
    under_review: int = 0


def _count_by_team(column, *where):
    return (
        select(column.label("team_id"), func.count().label("n"))
        .where(column.is_not(None), *where)
        .group_by(column)
        .subquery()
    )


def team_filter(text: str):
    """Name, short name, kana (hiragana too) or a former name kept by a merge contains `text`."""
    text = runner_search.cleaned(text)
    alias = select(OrganizationAlias.organization_id).where(
        or_(
            OrganizationAlias.name.contains(text, autoescape=True),
            OrganizationAlias.name_kana.contains(to_katakana(text), autoescape=True),
        )
    )
    return or_(runner_search.team_match(text), Organization.id.in_(alias))


def list_teams(
    query: str = "",
    *,
    org_type: str = "",
    active: str = "",
    prefecture: str = "",
    meet=None,
    limit: int = LIST_LIMIT,
) -> list[TeamRow]:
    """Teams matching the filters with their counts and `meet`'s applications (one query)."""
    members = _count_by_team(User.organization_id, User.is_active)
    athletes = _count_by_team(Athlete.organization_id, Athlete.is_active)
    # Columns, not entities: the list shows a few fields of up to 100 teams.
    columns = [*LIST_COLUMNS, members.c.n, athletes.c.n]
    statement = (
        select(*columns)
        .outerjoin(members, members.c.team_id == Organization.id)
        .outerjoin(athletes, athletes.c.team_id == Organization.id)
    )
    if meet is not None:
        apps = (
            select(
                Application.organization_id.label("team_id"),
                func.count().label("n"),
                func.sum(case((Application.status == ApplicationStatus.PAID, 1), else_=0)).label(
                    "paid"
                ),
                func.sum(
                    case((Application.status == ApplicationStatus.AWAITING_PAYMENT, 1), else_=0)
                ).label("unpaid"),
                func.sum(
                    case((Application.status == ApplicationStatus.UNDER_REVIEW, 1), else_=0)
                ).label("review"),
            )
            .where(
                Application.meet_id == meet.id,
                Application.organization_id.is_not(None),
                Application.status != ApplicationStatus.DRAFT,
            )
            .group_by(Application.organization_id)
            .subquery()
        )
        statement = statement.add_columns(
            apps.c.n, apps.c.paid, apps.c.unpaid, apps.c.review
        ).outerjoin(apps, apps.c.team_id == Organization.id)
    if query.strip():
        statement = statement.where(team_filter(query))
    if org_type in OrganizationType._value2member_map_:
        statement = statement.where(Organization.org_type == OrganizationType(org_type))
    if active in ("1", "0"):
        statement = statement.where(Organization.is_active.is_(active == "1"))
    if prefecture in PREFECTURES:
        statement = statement.where(Organization.prefecture == prefecture)
    statement = statement.order_by(Organization.name_kana, Organization.id).limit(limit)
    rows = []
    width = len(LIST_COLUMNS)
    for row in db.session.execute(statement):
        counts = [n or 0 for n in row[width:]]
        team_row = TeamRow(row, counts[0], counts[1])
        if meet is not None:
            team_row.applications, team_row.paid, team_row.unpaid, team_row.under_review = counts[
                2:
            ]
        rows.append(team_row)
    return rows


# --------------------------------------------------------------------------------- team page


@dataclass
class TeamPage:
    team: Organization
    members: list[User]
    invitations: list[AuditEvent]
    athletes: list[Athlete]
    applications: list[Application]
    entry_counts: dict[int, int]
    slips: list[PaymentSlip]
    notes: list[TeamNote]
    aliases: list[OrganizationAlias] = field(default_factory=list)


def get_team(team_id: int) -> Organization:
    team = db.session.get(Organization, team_id)
    if team is None:
        raise NotFound("団体が見つかりません。")
    return team


def team_page(team_id: int) -> TeamPage:
    team = get_team(team_id)
    members = db.session.scalars(
        select(User).where(User.organization_id == team.id).order_by(User.is_active.desc(), User.id)
    ).all()
    member_emails = {m.email for m in members}
    invitations = [
        event
        for event in db.session.scalars(
            select(AuditEvent)
            .where(
                AuditEvent.object_type == "organizations",
                AuditEvent.object_id == team.id,
                AuditEvent.action == "organization.invite",
            )
            .order_by(AuditEvent.id.desc())
            .limit(50)
        )
        if (event.after or {}).get("email") not in member_emails
    ]
    seen, pending = set(), []
    for event in invitations:  # newest invitation per address
        if event.after["email"] not in seen:
            seen.add(event.after["email"])
            pending.append(event)
    athletes = db.session.scalars(
        select(Athlete)
        .where(Athlete.organization_id == team.id)
        .order_by(Athlete.is_active.desc(), Athlete.last_name_kana, Athlete.first_name_kana)
    ).all()
    applications = db.session.scalars(
        select(Application)
        .where(Application.organization_id == team.id)
        .options(joinedload(Application.meet), selectinload(Application.approval))
        .order_by(Application.meet_id.desc(), Application.seq)
    ).all()
    entry_counts = dict(
        db.session.execute(
            select(Entry.application_id, func.count())
            .join(Application)
            .where(Application.organization_id == team.id)
            .group_by(Entry.application_id)
        ).all()
    )
    slips = db.session.scalars(
        select(PaymentSlip)
        .join(Application)
        .where(Application.organization_id == team.id)
        .options(joinedload(PaymentSlip.application), joinedload(PaymentSlip.uploaded_by))
        .order_by(PaymentSlip.id.desc())
    ).all()
    notes = db.session.scalars(
        select(TeamNote)
        .where(TeamNote.organization_id == team.id)
        .options(joinedload(TeamNote.by))
        .order_by(TeamNote.id.desc())
    ).all()
    aliases = db.session.scalars(
        select(OrganizationAlias).where(OrganizationAlias.organization_id == team.id)
    ).all()
    return TeamPage(
        team, list(members), pending, list(athletes), list(applications), entry_counts,
        list(slips), list(notes), list(aliases),
    )  # fmt: skip


def add_note(team_id: int, body: str, *, by: User) -> TeamNote:
    team = get_team(team_id)
    body = (body or "").replace("\x00", "").strip()
    if not body:
        raise RuleViolation("メモを入力してください。", field="body")
    if len(body) > MAX_NOTE_LENGTH:
        raise RuleViolation(f"メモは{MAX_NOTE_LENGTH}文字以内にしてください。", field="body")
    note = TeamNote(organization_id=team.id, body=body, by_id=by.id)
    db.session.add(note)
    audit.record(by, "team.note", team, after={"note": body[:200]})
    return note
