"""Meets, races and bank accounts: staff set them up, officials may look.

Races are edited in place in the meet's race table (HTMX swaps one row between its display
and its form); without JavaScript the same links open full pages.
"""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from sqlalchemy import and_, func, select

from nitsys.admin import bp
from nitsys.admin.meet_forms import (
    BankAccountForm,
    MeetForm,
    RaceForm,
    attach_error,
    bank_account_choices,
    fallback_choices,
    meet_form_data,
    new_race_data,
    race_form_data,
)
from nitsys.domain.entry_window import entry_window_state
from nitsys.extensions import db
from nitsys.htmx import is_htmx, trigger
from nitsys.models import BankAccount, Meet, Race, Role
from nitsys.models.base import utcnow
from nitsys.security import role_required
from nitsys.services import meets
from nitsys.usecases import run_as_current_user

FAILED = 422


def _meet_or_404(meet_id: int) -> Meet:
    return db.session.get(Meet, meet_id) or abort(404)


def _race_or_404(meet: Meet, race_id: int) -> Race:
    race = db.session.get(Race, race_id)
    if race is None or race.meet_id != meet.id:
        abort(404)
    return race


# --- meets ---------------------------------------------------------------------------------


@bp.get("/meets")
@role_required(Role.OFFICIAL)
def meet_list():
    active_races = and_(Race.meet_id == Meet.id, Race.is_active)
    rows = db.session.execute(
        select(Meet, func.count(Race.id))
        .outerjoin(Race, active_races)
        .group_by(Meet.id)
        .order_by(Meet.first_day.desc(), Meet.id.desc())
    ).all()
    now = utcnow()
    meets_with_state = [(meet, count, entry_window_state(meet, now)) for meet, count in rows]
    return render_template("admin/meets/list.html", rows=meets_with_state)


def _meet_form(meet: Meet | None) -> MeetForm:
    form = MeetForm(data=meet_form_data(meet))
    active = db.session.scalars(
        select(BankAccount).where(BankAccount.is_active).order_by(BankAccount.id)
    ).all()
    if meet is not None and meet.bank_account is not None and meet.bank_account not in active:
        active.append(meet.bank_account)
    form.bank_account_id.choices = bank_account_choices(active)
    return form


def _save_meet(meet: Meet | None):
    form = _meet_form(meet)
    if form.validate_on_submit():
        if meet is None:
            saved, error = run_as_current_user(meets.create_meet, form.details())
        else:
            saved, error = run_as_current_user(meets.update_meet, meet, form.details())
        if error is None:
            flash(f"「{saved.name}」を保存しました。", "success")
            return redirect(url_for("admin.meet_detail", meet_id=saved.id))
        attach_error(form, error)
    status = FAILED if request.method == "POST" else 200
    return render_template("admin/meets/form.html", form=form, meet=meet), status


@bp.route("/meets/new", methods=["GET", "POST"])
@role_required(Role.STAFF)
def meet_new():
    return _save_meet(None)


@bp.route("/meets/<int:meet_id>/edit", methods=["GET", "POST"])
@role_required(Role.STAFF)
def meet_edit(meet_id: int):
    return _save_meet(_meet_or_404(meet_id))


@bp.get("/meets/<int:meet_id>")
@role_required(Role.OFFICIAL)
def meet_detail(meet_id: int):
    meet = _meet_or_404(meet_id)
    return render_template(
        "admin/meets/detail.html",
        meet=meet,
        state=entry_window_state(meet, utcnow()),
        bib_labels=meets.BIB_CATEGORY_LABELS,
    )


def _switch(meet_id: int, service, value: bool, done: str):
    meet = _meet_or_404(meet_id)
    _, error = run_as_current_user(service, meet, value)
    if is_htmx():
        html = render_template(
            "admin/meets/_status.html",
            meet=meet,
            state=entry_window_state(meet, utcnow()),
            error=error,
        )
        if error is not None:
            return html, FAILED
        return html, trigger("meet-changed", toast=done)
    flash(error.message if error else done, "error" if error else "success")
    return redirect(url_for("admin.meet_detail", meet_id=meet.id))


@bp.post("/meets/<int:meet_id>/publish")
@role_required(Role.STAFF)
def meet_publish(meet_id: int):
    published = request.form.get("published") == "1"
    done = "大会を公開しました。" if published else "大会を非公開にしました。"
    return _switch(meet_id, meets.set_published, published, done)


@bp.post("/meets/<int:meet_id>/entry-open")
@role_required(Role.STAFF)
def meet_entry_open(meet_id: int):
    open_ = request.form.get("open") == "1"
    done = "エントリー受付を開始しました。" if open_ else "エントリー受付を一時停止しました。"
    return _switch(meet_id, meets.set_entry_open, open_, done)


# --- races ---------------------------------------------------------------------------------


def _race_form(meet: Meet, race: Race | None) -> RaceForm:
    data = race_form_data(race) if race is not None else new_race_data(meet)
    form = RaceForm(prefix=f"race-{race.id if race else 'new'}", data=data)
    form.fallback_race_id.choices = fallback_choices(meet, race)
    return form


def _render_race_form(meet: Meet, race: Race | None, form: RaceForm, status: int = 200):
    """The form as a table row (HTMX) or as a page of its own (no JavaScript, reload)."""
    template = "admin/meets/_race_edit_row.html" if is_htmx() else "admin/meets/race_form.html"
    return render_template(template, meet=meet, race=race, form=form), status


def _render_race_row(meet: Meet, race: Race, error: str | None = None) -> str:
    return render_template("admin/meets/_race_row.html", meet=meet, race=race, error=error)


def _save_race(meet: Meet, race: Race | None):
    form = _race_form(meet, race)
    if not form.validate_on_submit():
        return _render_race_form(meet, race, form, FAILED)
    if race is None:
        saved, error = run_as_current_user(meets.create_race, meet, form.details())
    else:
        saved, error = run_as_current_user(meets.update_race, race, form.details())
    if error is not None:
        attach_error(form, error)
        return _render_race_form(meet, race, form, FAILED)
    done = f"種目「{saved.name}」を保存しました。"
    if is_htmx():
        return _render_race_row(meet, saved), trigger("races-changed", toast=done)
    flash(done, "success")
    return redirect(url_for("admin.meet_detail", meet_id=meet.id, _anchor=f"race-{saved.id}"))


@bp.get("/meets/<int:meet_id>/races/new")
@role_required(Role.STAFF)
def race_new(meet_id: int):
    meet = _meet_or_404(meet_id)
    return _render_race_form(meet, None, _race_form(meet, None))


@bp.post("/meets/<int:meet_id>/races")
@role_required(Role.STAFF)
def race_create(meet_id: int):
    return _save_race(_meet_or_404(meet_id), None)


@bp.get("/meets/<int:meet_id>/races/<int:race_id>")
@role_required(Role.OFFICIAL)
def race_row(meet_id: int, race_id: int):
    meet = _meet_or_404(meet_id)
    race = _race_or_404(meet, race_id)
    if not is_htmx():
        return redirect(url_for("admin.meet_detail", meet_id=meet.id, _anchor=f"race-{race.id}"))
    return _render_race_row(meet, race)


@bp.get("/meets/<int:meet_id>/races/<int:race_id>/edit")
@role_required(Role.STAFF)
def race_edit(meet_id: int, race_id: int):
    meet = _meet_or_404(meet_id)
    race = _race_or_404(meet, race_id)
    return _render_race_form(meet, race, _race_form(meet, race))


@bp.post("/meets/<int:meet_id>/races/<int:race_id>")
@role_required(Role.STAFF)
def race_update(meet_id: int, race_id: int):
    meet = _meet_or_404(meet_id)
    return _save_race(meet, _race_or_404(meet, race_id))


@bp.post("/meets/<int:meet_id>/races/<int:race_id>/active")
@role_required(Role.STAFF)
def race_active(meet_id: int, race_id: int):
    meet = _meet_or_404(meet_id)
    race = _race_or_404(meet, race_id)
    active = request.form.get("active") == "1"
    _, error = run_as_current_user(meets.set_race_active, race, active)
    message = (
        error.message
        if error
        else f"種目「{race.name}」を{'有効' if active else '無効'}にしました。"
    )
    if is_htmx():
        if error is not None:
            return _render_race_row(meet, race, error=message), FAILED
        return _render_race_row(meet, race), trigger("races-changed", toast=message)
    flash(message, "error" if error else "success")
    return redirect(url_for("admin.meet_detail", meet_id=meet.id, _anchor=f"race-{race.id}"))


# --- bank accounts -------------------------------------------------------------------------


def _bank_accounts_page(form: BankAccountForm, status: int = 200):
    accounts = db.session.scalars(
        select(BankAccount).order_by(BankAccount.is_active.desc(), BankAccount.id)
    ).all()
    return render_template("admin/meets/bank_accounts.html", accounts=accounts, form=form), status


@bp.get("/bank-accounts")
@role_required(Role.STAFF)
def bank_accounts():
    return _bank_accounts_page(BankAccountForm())


@bp.post("/bank-accounts")
@role_required(Role.STAFF)
def bank_account_create():
    form = BankAccountForm()
    if form.validate_on_submit():
        account, error = run_as_current_user(meets.create_bank_account, form.details())
        if error is None:
            flash(f"口座「{account}」を登録しました。", "success")
            return redirect(url_for("admin.bank_accounts"))
        attach_error(form, error)
    return _bank_accounts_page(form, FAILED)


@bp.route("/bank-accounts/<int:account_id>/edit", methods=["GET", "POST"])
@role_required(Role.STAFF)
def bank_account_edit(account_id: int):
    account = db.session.get(BankAccount, account_id) or abort(404)
    form = BankAccountForm(obj=account)
    if form.validate_on_submit():
        _, error = run_as_current_user(meets.update_bank_account, account, form.details())
        if error is None:
            flash(f"口座「{account}」を保存しました。", "success")
            return redirect(url_for("admin.bank_accounts"))
        attach_error(form, error)
    status = FAILED if request.method == "POST" else 200
    return render_template("admin/meets/bank_account_form.html", form=form, account=account), status
