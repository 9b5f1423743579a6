"""Meets, the dynamic entry form, submission, withdrawal notices and entry history (SPEC §4).

Every URL answers a full page to a normal request and a fragment to HTMX; every form also
works as a plain POST (redirect after success, the page with errors in place otherwise).
"""

from __future__ import annotations

from collections import Counter
from datetime import datetime

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from sqlalchemy import select
from sqlalchemy.orm import contains_eager, joinedload, selectinload

from nitsys.domain.entry_window import entry_window_state
from nitsys.domain.errors import RuleViolation
from nitsys.entries import bp
from nitsys.entries.forms import EntryRowForm, EntryTimesForm, WithdrawalForm
from nitsys.extensions import db
from nitsys.formatting import TOKYO
from nitsys.htmx import is_htmx
from nitsys.models import Application, Athlete, Entry, EntryStatus, Meet, Race, RaceGender
from nitsys.models.base import utcnow
from nitsys.reports.download import download_response
from nitsys.reports.entry_confirmation import entry_confirmation_pdf
from nitsys.security import owned_or_404
from nitsys.services import entries as entry_service
from nitsys.services import parking, runner_search
from nitsys.services import results as results_service

HISTORY_LIMIT = 300


# --------------------------------------------------------------------------------------------
# Loading


def visible_meet_or_404(meet_id: int) -> Meet:
    meet = db.session.get(Meet, meet_id)
    if meet is None or not meet.is_published:
        abort(404)
    return meet


def active_races(meet: Meet) -> list[Race]:
    return list(
        db.session.scalars(
            select(Race)
            .where(Race.meet_id == meet.id, Race.is_active)
            .order_by(Race.display_order, Race.id)
        )
    )


def _roster(race: Race | None = None, query: str = "") -> list[Athlete]:
    """The owner's active athletes, filtered by the race's gender and a name/kana/romaji search."""
    stmt = select(Athlete).where(Athlete.owned_by(current_user), Athlete.is_active)
    if race is not None and race.gender is not RaceGender.MIXED:
        stmt = stmt.where(Athlete.gender == race.gender.value)
    text = runner_search.cleaned(query)
    if text:  # the desks' search: hiragana = katakana, romaji, names from their start
        names, _exact = runner_search.name_terms(text)
        stmt = stmt.where(names | Athlete.jaaf_id.contains(text, autoescape=True))
    return list(
        db.session.scalars(
            stmt.order_by(Athlete.last_name_kana, Athlete.first_name_kana, Athlete.id)
        )
    )


def _entered(race: Race | None) -> set[int]:
    return entry_service.entered_athlete_ids(race) if race is not None else set()


def _draft_with_entries(meet: Meet) -> Application | None:
    return db.session.scalar(
        select(Application)
        .where(
            Application.owned_by(current_user),
            Application.meet_id == meet.id,
            Application.status == "draft",
        )
        .options(selectinload(Application.entries).joinedload(Entry.athlete))
    )


def _editor_context(meet: Meet, *, form: EntryRowForm | None = None, errors=None) -> dict:
    races = active_races(meet)
    races_by_id = {race.id: race for race in races}
    form = form or EntryRowForm(formdata=None)
    selected_race = races_by_id.get(form.race_id.data)
    draft = _draft_with_entries(meet)
    return {
        "meet": meet,
        "races": races,
        "remaining": entry_service.remaining_capacity(races),
        "draft": draft,
        "draft_counts": Counter(entry.race_id for entry in draft.entries) if draft else {},
        "form": form,
        "errors": errors or {},
        "athletes": _roster(selected_race),
        "entered": _entered(selected_race),
        "window": entry_window_state(meet, utcnow()),
    }


# --------------------------------------------------------------------------------------------
# Meets


@bp.get("/meets")
@login_required
def meets():
    rows = db.session.scalars(
        select(Meet).where(Meet.is_published).order_by(Meet.first_day.desc()).limit(30)
    ).all()
    now = utcnow()
    return render_template(
        "entries/meets/list.html",
        meets=[(meet, entry_window_state(meet, now)) for meet in rows],
    )


@bp.get("/meets/<int:meet_id>")
@login_required
def meet(meet_id: int):
    meet = visible_meet_or_404(meet_id)
    races = active_races(meet)
    applications = db.session.scalars(
        select(Application)
        .where(Application.owned_by(current_user), Application.meet_id == meet.id)
        .order_by(Application.seq)
    ).all()
    return render_template(
        "entries/meets/meet.html",
        meet=meet,
        races=races,
        remaining=entry_service.remaining_capacity(races),
        applications=applications,
        window=entry_window_state(meet, utcnow()),
        parking_enabled=parking.settings_for(meet).enabled,
    )


# --------------------------------------------------------------------------------------------
# The entry form


@bp.get("/meets/<int:meet_id>/entry")
@login_required
def entry_form(meet_id: int):
    meet = visible_meet_or_404(meet_id)
    context = _editor_context(meet)
    if is_htmx():
        return render_template("entries/meets/_editor.html", **context)
    return render_template("entries/meets/entry.html", **context)


def _editor_response(meet: Meet, *, status: int = 200, **context):
    context = _editor_context(meet, **context)
    if is_htmx():
        return render_template("entries/meets/_editor.html", oob=True, **context), status
    return render_template("entries/meets/entry.html", **context), status


@bp.post("/meets/<int:meet_id>/entry")
@login_required
def add_entry(meet_id: int):
    meet = visible_meet_or_404(meet_id)
    form = EntryRowForm()
    form.validate()
    try:
        entry_service.add_entry(
            current_user,
            meet_id=meet.id,
            athlete_id=form.athlete_id.data,
            race_id=form.race_id.data,
            declared_time=form.declared_time.data,
            personal_best=form.personal_best.data,
            note=form.note.data,
        )
        db.session.commit()
    except RuleViolation as error:
        db.session.rollback()
        return _editor_response(
            meet, status=422, form=form, errors={error.field or "form": error.message}
        )
    if not is_htmx():
        return redirect(url_for("entries.entry_form", meet_id=meet.id))
    # Keep the chosen race so the next row of the same race is one athlete away.
    fresh = EntryRowForm(formdata=None, race_id=form.race_id.data)
    return _editor_response(meet, form=fresh)


@bp.get("/meets/<int:meet_id>/athlete-options")
@login_required
def athlete_options(meet_id: int):
    meet = visible_meet_or_404(meet_id)
    race = db.session.get(Race, request.args.get("race_id", type=int) or 0)
    if race is not None and race.meet_id != meet.id:
        race = None
    return render_template(
        "entries/meets/_athlete_select.html",
        athletes=_roster(race, request.args.get("q", "").strip()),
        entered=_entered(race),
        selected=request.args.get("athlete_id", type=int),
    )


@bp.post("/meets/<int:meet_id>/validate-time")
@login_required
def validate_time(meet_id: int):
    meet = visible_meet_or_404(meet_id)
    field = "personal_best" if request.form.get("field") == "personal_best" else "declared_time"
    race = db.session.get(Race, request.form.get("race_id", type=int) or 0)
    value = request.form.get(field, "")
    context = {"field_id": request.form.get("target", field), "message": "", "reading": None}
    context["meet"] = meet
    context["example"] = "14:20.00" if field == "personal_best" else "14:30.00"
    if race is None or race.meet_id != meet.id:
        context["message"] = "先に種目を選んでください。"
        return render_template("entries/meets/_time_hint.html", **context), 422
    try:
        context["reading"] = entry_service.validate_time(value, race, field=field)
    except RuleViolation as error:
        context["message"] = error.message
        return render_template("entries/meets/_time_hint.html", **context), 422
    return render_template("entries/meets/_time_hint.html", **context)


def _owned_entry_or_404(entry_id: int) -> Entry:
    entry = db.session.get(Entry, entry_id)
    if entry is None:
        abort(404)
    owned_or_404(Application, entry.application_id)
    return entry


@bp.post("/entries/<int:entry_id>/update")
@login_required
def update_entry(entry_id: int):
    entry = _owned_entry_or_404(entry_id)
    meet = entry.race.meet
    form = EntryTimesForm()
    error = None
    try:
        entry_service.update_entry(
            current_user,
            entry.id,
            declared_time=form.declared_time.data,
            personal_best=form.personal_best.data,
            note=form.note.data,
        )
        db.session.commit()
    except RuleViolation as violation:
        db.session.rollback()
        error = violation.message
    if not is_htmx():
        if error:
            return _editor_response(meet, status=422, errors={"form": error})
        return redirect(url_for("entries.entry_form", meet_id=meet.id))
    entry = db.session.get(Entry, entry_id)
    return render_template(
        "entries/meets/_row.html",
        entry=entry,
        meet=meet,
        row_error=error,
        typed=form if error else None,
        saved=error is None,
    ), 422 if error else 200


@bp.post("/entries/<int:entry_id>/remove")
@login_required
def remove_entry(entry_id: int):
    entry = _owned_entry_or_404(entry_id)
    meet = entry.race.meet
    try:
        entry_service.remove_entry(current_user, entry.id)
        db.session.commit()
    except RuleViolation as error:
        db.session.rollback()
        return _editor_response(meet, status=422, errors={"form": error.message})
    if not is_htmx():
        return redirect(url_for("entries.entry_form", meet_id=meet.id))
    return _editor_response(meet)


# --------------------------------------------------------------------------------------------
# Submission and after


def _application_or_404(application_id: int) -> Application:
    return owned_or_404(Application, application_id)


@bp.get("/applications/<int:application_id>/submit")
@login_required
def submit_page(application_id: int):
    application = _application_or_404(application_id)
    if not application.is_draft:
        return redirect(url_for("entries.application", application_id=application.id))
    return render_template("entries/applications/submit.html", application=application, error=None)


@bp.post("/applications/<int:application_id>/submit")
@login_required
def submit(application_id: int):
    application = _application_or_404(application_id)
    try:
        entry_service.submit_application(application.id, by=current_user)
        db.session.commit()
    except RuleViolation as error:
        db.session.rollback()
        application = _application_or_404(application_id)
        return render_template(
            "entries/applications/submit.html", application=application, error=error.message
        ), 422
    # A flash, not a toast: both the htmx and the plain path land on a new page that shows it.
    flash(
        f"申込 {application.number} を提出しました。下のお支払い案内に従って参加料をお振込みください。",
        "success",
    )
    target = url_for("entries.application", application_id=application_id)
    if is_htmx():
        return "", 204, {"HX-Redirect": target}
    return redirect(target)


def _entries_of(application: Application) -> list[Entry]:
    return db.session.scalars(
        select(Entry)
        .where(Entry.application_id == application.id)
        .options(joinedload(Entry.athlete), joinedload(Entry.race))
        .order_by(Entry.id)
    ).all()


@bp.get("/applications/<int:application_id>")
@login_required
def application(application_id: int):
    application = _application_or_404(application_id)
    entries = _entries_of(application)
    return render_template(
        "entries/applications/detail.html",
        application=application,
        entries=entries,
        meet=application.meet,
        form=WithdrawalForm(formdata=None),
    )


@bp.post("/entries/<int:entry_id>/withdraw")
@login_required
def withdraw(entry_id: int):
    entry = _owned_entry_or_404(entry_id)
    form = WithdrawalForm()
    error = None
    try:
        entry_service.request_withdrawal(current_user, entry.id, form.reason.data)
        db.session.commit()
    except RuleViolation as violation:
        db.session.rollback()
        error = violation.message
    if not is_htmx():
        if error:
            return render_template(
                "entries/applications/detail.html",
                application=entry.application,
                entries=entry.application.entries,
                meet=entry.application.meet,
                form=form,
                errors={entry.id: error},
            ), 422
        return redirect(url_for("entries.application", application_id=entry.application_id))
    entry = db.session.get(Entry, entry_id)
    return render_template(
        "entries/applications/_entry_row.html",
        entry=entry,
        meet=entry.application.meet,
        form=form,
        row_error=error,
    ), 422 if error else 200


@bp.get("/entries")
@login_required
def history():
    entries = db.session.scalars(
        select(Entry)
        .join(Entry.application)
        .join(Entry.race)
        .join(Race.meet)
        .where(Application.owned_by(current_user), Entry.status != EntryStatus.DRAFT)
        # The rows joined for the filter and the order fill the relationships too: joining each
        # table a second time made PostgreSQL spend ~10 ms planning this query on every visit.
        .options(
            joinedload(Entry.athlete),
            contains_eager(Entry.race).contains_eager(Race.meet),
            contains_eager(Entry.application),
        )
        .order_by(Meet.first_day.desc(), Meet.id.desc(), Race.display_order, Entry.race_id)
        .limit(HISTORY_LIMIT)
    ).all()
    meets: dict[int, tuple[Meet, list[Entry]]] = {}
    for entry in entries:  # newest meet first, as ordered
        meets.setdefault(entry.race.meet_id, (entry.race.meet, []))[1].append(entry)
    return render_template(
        "entries/applications/history.html",
        meets=list(meets.values()),
        entries=entries,
        results=results_service.results_of_entries(entry.id for entry in entries),
        today=datetime.now(TOKYO).date(),
        limit=HISTORY_LIMIT,
    )


@bp.get("/applications/<int:application_id>/confirmation.pdf")
@login_required
def confirmation_pdf(application_id: int):
    application = _application_or_404(application_id)
    entries = _entries_of(application)
    data = entry_confirmation_pdf(application, entries)
    return download_response(data, f"申込確認書_{application.number}.pdf", "application/pdf")
