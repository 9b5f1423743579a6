"""Entry review (エントリー審査): every entry of a meet, with inline verify / reject / correct."""

from __future__ import annotations

from flask import abort, render_template, request
from flask_login import current_user
from sqlalchemy import func, or_, select
from sqlalchemy.orm import joinedload

from nitsys.admin import bp
from nitsys.domain.errors import RuleViolation
from nitsys.extensions import db
from nitsys.htmx import is_htmx, render_page_or_fragment, trigger
from nitsys.models import Application, Entry, EntryStatus, Meet, Organization, Race, Role
from nitsys.security import role_required
from nitsys.services import entry_review

FAILED = 422
PAGE_SIZE = 50  # a page the desk renders fast; the race filter shows how many each race has
STATUS_VALUES = {status.value for status in EntryStatus}
STANDARD_FILTERS = (("", "すべて"), ("ncg", "NCG種目"), ("standard", "参加標準記録のある種目"))


def _entries(meet: Meet, filters: dict, *, page: int) -> list[Entry]:
    """One page of the filtered entries, plus the first of the next page (if any)."""
    query = (
        select(Entry)
        .join(Entry.race)
        .join(Entry.application)
        .outerjoin(Organization, Organization.id == Application.organization_id)
        .where(Race.meet_id == meet.id, Entry.status != EntryStatus.DRAFT)
        .options(
            joinedload(Entry.athlete),
            joinedload(Entry.race),
            joinedload(Entry.application).joinedload(Application.organization),
            joinedload(Entry.application).joinedload(Application.owner_user),
            joinedload(Entry.review),
        )
        .order_by(Race.display_order, Race.id, Entry.declared_time)
    )
    if filters["race_id"]:
        query = query.where(Entry.race_id == filters["race_id"])
    if filters["status"]:
        query = query.where(Entry.status == EntryStatus(filters["status"]))
    if filters["team"]:
        pattern = f"%{filters['team']}%"
        query = query.where(
            or_(Organization.name.ilike(pattern), Application.number.ilike(pattern))
        )
    if filters["standard"] == "ncg":
        query = query.where(Race.is_ncg.is_(True))
    elif filters["standard"] == "standard":
        query = query.where(Race.standard_time.is_not(None))
    query = query.limit(PAGE_SIZE + 1).offset((page - 1) * PAGE_SIZE)
    return db.session.scalars(query).unique().all()


def _race_counts(meet: Meet) -> dict[int, int]:
    """Submitted entries per race of the meet (the race filter's counts), one query."""
    return dict(
        db.session.execute(
            select(Entry.race_id, func.count(Entry.id))
            .join(Entry.race)
            .where(Race.meet_id == meet.id, Entry.status != EntryStatus.DRAFT)
            .group_by(Entry.race_id)
        ).all()
    )


@bp.get("/meets/<int:meet_id>/entry-review")
@role_required(Role.OFFICIAL)
def entry_review_list(meet_id: int):
    meet = db.session.get(Meet, meet_id) or abort(404)
    args = request.args
    filters = {
        "race_id": args.get("race", type=int),
        "status": args.get("status", "") if args.get("status") in STATUS_VALUES else "",
        "team": args.get("team", "").strip(),
        "standard": args.get("standard", ""),
    }
    page = min(max(args.get("page", 1, type=int), 1), 10_000)
    entries = _entries(meet, filters, page=page)
    return render_page_or_fragment(
        "admin/entry_review/list.html",
        "admin/entry_review/_table.html",
        meet=meet,
        entries=entries[:PAGE_SIZE],
        page_number=page,
        has_next=len(entries) > PAGE_SIZE,
        race_counts=_race_counts(meet) if not is_htmx() else {},
        filters=filters,
        statuses=[s for s in EntryStatus if s is not EntryStatus.DRAFT],
        standards=STANDARD_FILTERS,
        **_late_entry_context(),
    )


def _act(action, entry_id: int, toast: str, **fields):
    try:
        action(entry_id, by=current_user, **fields)
        db.session.commit()
    except RuleViolation as error:
        db.session.rollback()
        entry = db.session.get(Entry, entry_id) or abort(404)
        return render_template(
            "admin/entry_review/_row.html", entry=entry, meet=entry.race.meet, error=error.message
        ), FAILED
    entry = db.session.get(Entry, entry_id)
    return (
        render_template(
            "admin/entry_review/_row.html", entry=entry, meet=entry.race.meet, error=""
        ),
        200,
        trigger(toast=toast),
    )


@bp.post("/entries/<int:entry_id>/verify")
@role_required(Role.OFFICIAL)
def entry_verify(entry_id: int):
    return _act(entry_review.verify_entry, entry_id, "確認済みにしました。")


@bp.post("/entries/<int:entry_id>/reject")
@role_required(Role.OFFICIAL)
def entry_reject(entry_id: int):
    return _act(
        entry_review.reject_entry, entry_id, "却下し、監督に通知しました。",
        reason=request.form.get("reason", ""),
    )  # fmt: skip


@bp.post("/entries/<int:entry_id>/adjust-fee")
@role_required(Role.OFFICIAL)
def entry_adjust_fee(entry_id: int):
    return _act(
        entry_review.adjust_fee, entry_id, "申込の請求額を調整しました。",
        amount=request.form.get("amount", ""), reason=request.form.get("reason", ""),
    )  # fmt: skip


@bp.post("/entries/<int:entry_id>/correct-time")
@role_required(Role.OFFICIAL)
def entry_correct_time(entry_id: int):
    return _act(
        entry_review.correct_declared_time, entry_id, "申告タイムを訂正し、監督に通知しました。",
        value=request.form.get("declared_time", ""),
    )  # fmt: skip


# --- late entry on behalf of a team ------------------------------------------------------------


def _roster(owner: str) -> list:
    """The chosen team's athletes (none until a team is chosen)."""
    try:
        return entry_review.roster(entry_review.parse_owner(owner)) if owner else []
    except RuleViolation:
        return []


def _late_entry_context(*, form=None, error: str = "", done=None) -> dict:
    form = form or {}
    owner = form.get("owner", "")
    return {
        "owners": entry_review.owner_choices(),
        "owner": owner,
        "athletes": _roster(owner),
        "form": form,
        "error": error,
        "done": done,
    }


@bp.get("/meets/<int:meet_id>/late-entry/athletes")
@role_required(Role.OFFICIAL)
def late_entry_athletes(meet_id: int):
    athletes = _roster(request.args.get("owner", ""))
    return render_template("admin/entry_review/_athlete_options.html", athletes=athletes, form={})


@bp.post("/meets/<int:meet_id>/late-entry")
@role_required(Role.OFFICIAL)
def late_entry(meet_id: int):
    meet = db.session.get(Meet, meet_id) or abort(404)
    form = request.form
    try:
        application = entry_review.late_entry(
            by=current_user,
            meet_id=meet.id,
            owner=form.get("owner", ""),
            athlete_id=form.get("athlete_id", type=int),
            race_id=form.get("race_id", type=int),
            declared_time=form.get("declared_time", ""),
        )
        db.session.commit()
    except RuleViolation as error:
        db.session.rollback()
        context = _late_entry_context(form=form, error=error.message)
        return render_template("admin/entry_review/_late_entry.html", meet=meet, **context), FAILED
    message = f"{application.owner_label}の申込 {application.number} として提出しました。"
    context = _late_entry_context(done=application)
    return (
        render_template("admin/entry_review/_late_entry.html", meet=meet, **context),
        200,
        trigger(toast=message),
    )
