"""The payment review desk (入金確認), force approval (強制承認) and the accounting export.

Approve and reject answer the same `_row.html` the list renders, plus an `HX-Trigger` that
makes the counters at the top refresh themselves.
"""

from __future__ import annotations

from flask import Response, abort, render_template, request
from flask_login import current_user
from sqlalchemy import select

from nitsys.admin import bp
from nitsys.domain.errors import RuleViolation
from nitsys.extensions import db
from nitsys.htmx import render_page_or_fragment, trigger
from nitsys.models import (
    Application,
    Entry,
    Meet,
    PaymentSlip,
    Role,
)
from nitsys.reports.csv_files import write_csv
from nitsys.reports.download import content_disposition, download_response
from nitsys.security import role_required
from nitsys.services import payments

FAILED = 422
PAGE_SIZE = 25  # two screens of rows; cleared rows drop out and the next page follows
COUNTERS_EVENT = "payments-changed"
SLIP_CACHE_SECONDS = 86400
# A slip is shown inside our own viewer page (PDF in an <iframe>): framing by ourselves only.
SLIP_CSP = "default-src 'none'; img-src 'self'; style-src 'unsafe-inline'; frame-ancestors 'self'"


def _meets() -> list[Meet]:
    return db.session.scalars(select(Meet).order_by(Meet.first_day.desc())).all()


def _filters() -> dict:
    args = request.args
    return {
        "meet_id": args.get("meet", type=int),
        "state": args.get("state", payments.ReviewState.UNDER_REVIEW),
        "team": args.get("team", "").strip(),
        "mismatch_only": args.get("mismatch") == "1",
    }


@bp.get("/payments")
@role_required(Role.OFFICIAL)
def payment_review():
    filters = _filters()
    page = max(request.args.get("page", 1, type=int), 1)
    rows = payments.review_rows(**filters, limit=PAGE_SIZE + 1, offset=(page - 1) * PAGE_SIZE)
    return render_page_or_fragment(
        "admin/payments/list.html",
        "admin/payments/_table.html",
        rows=rows[:PAGE_SIZE],
        page_number=page,
        has_next=len(rows) > PAGE_SIZE,
        filters=filters,
        meets=_meets(),
        states=payments.ReviewState.CHOICES,
        counters=payments.counters(filters["meet_id"]),
    )


@bp.get("/payments/counters")
@role_required(Role.OFFICIAL)
def payment_counters():
    meet_id = request.args.get("meet", type=int)
    return render_template(
        "admin/payments/_counters.html", counters=payments.counters(meet_id), meet_id=meet_id
    )


def _row_response(application_id: int, *, error: str = "", status: int = 200, headers=None):
    row = payments.review_row(application_id)
    html = render_template("admin/payments/_row.html", row=row, error=error)
    return html, status, headers or {}


@bp.get("/payments/<int:application_id>/form/<any(reject, adjust):kind>")
@role_required(Role.OFFICIAL)
def payment_form(application_id: int, kind: str):
    """The reject / adjust form of a row, loaded when its section is opened (keeps the desk
    small); without htmx, a page of its own."""
    application = db.session.get(Application, application_id) or abort(404)
    return render_page_or_fragment(
        "admin/payments/form.html", "admin/payments/_form.html", application=application, kind=kind
    )


@bp.post("/payments/<int:application_id>/approve")
@role_required(Role.OFFICIAL)
def payment_approve(application_id: int):
    return _review(payments.approve_payment, application_id, toast="を承認しました")


@bp.post("/payments/<int:application_id>/reject")
@role_required(Role.OFFICIAL)
def payment_reject(application_id: int):
    return _review(
        payments.reject_payment,
        application_id,
        toast="を差し戻しました",
        reason=request.form.get("reason", ""),
    )


@bp.post("/payments/<int:application_id>/adjust")
@role_required(Role.OFFICIAL)
def payment_adjust(application_id: int):
    return _review(
        payments.adjust_amount,
        application_id,
        toast="の請求額を調整しました",
        amount=request.form.get("amount", ""),
        reason=request.form.get("reason", ""),
    )


def _review(action, application_id: int, *, toast: str, **fields):
    """Apply, render the new row from the objects in hand, then commit (no re-reading)."""
    try:
        application = action(application_id, by=current_user, **fields)
    except RuleViolation as error:
        db.session.rollback()
        return _row_response(application_id, error=error.message, status=FAILED)
    html = render_template("admin/payments/_row.html", row=payments.row_of(application), error="")
    message = f"申込 {application.number} {toast}。"
    _commit_keeping_loaded()
    return html, 200, trigger(COUNTERS_EVENT, toast=message)


def _commit_keeping_loaded() -> None:
    """Commit without expiring this request's objects: the answer is already rendered, and
    reloading the official's own row for the access log would cost a query per click."""
    session = db.session()
    session.expire_on_commit = False
    try:
        session.commit()
    finally:
        session.expire_on_commit = True


# --- slips -------------------------------------------------------------------------------------


def _slip_or_404(slip_id: int) -> PaymentSlip:
    return db.session.get(PaymentSlip, slip_id) or abort(404)


def slip_file_response(slip: PaymentSlip, *, thumbnail: bool = False) -> Response:
    """The slip (inline, for the viewer) or its stored thumbnail, cacheable per hash."""
    etag = f"{slip.sha256}-t" if thumbnail else slip.sha256
    response = Response(
        slip.thumbnail if thumbnail else slip.content,
        content_type=slip.thumbnail_type if thumbnail else slip.content_type,
    )
    response.set_etag(etag)
    response.headers["Cache-Control"] = f"private, max-age={SLIP_CACHE_SECONDS}"
    # Explicit, so the app-wide defaults (DENY / frame-ancestors 'none') do not apply.
    response.headers["Content-Security-Policy"] = SLIP_CSP
    response.headers["X-Frame-Options"] = "SAMEORIGIN"
    if not thumbnail:
        response.headers["Content-Disposition"] = content_disposition(
            slip.original_filename or f"slip-{slip.id}", inline=True
        )
    return response.make_conditional(request)


@bp.get("/payments/slips/<int:slip_id>/file")
@role_required(Role.OFFICIAL)
def payment_slip_file(slip_id: int):
    return slip_file_response(_slip_or_404(slip_id))


@bp.get("/payments/slips/<int:slip_id>/thumbnail")
@role_required(Role.OFFICIAL)
def payment_slip_thumbnail(slip_id: int):
    return slip_file_response(_slip_or_404(slip_id), thumbnail=True)


@bp.get("/payments/slips/<int:slip_id>")
@role_required(Role.OFFICIAL)
def payment_slip_view(slip_id: int):
    slip = _slip_or_404(slip_id)
    return render_template(
        "admin/payments/slip.html", slip=slip, row=payments.review_row(slip.application_id)
    )


# --- force approval ----------------------------------------------------------------------------


def _preselected() -> Application | None:
    entry_id = request.args.get("entry", type=int)
    if entry_id:
        entry = db.session.get(Entry, entry_id) or abort(404)
        return entry.application
    application_id = request.args.get("application", type=int)
    if application_id:
        return db.session.get(Application, application_id) or abort(404)
    return None


@bp.get("/payments/force")
@role_required(Role.OFFICIAL)
def payment_force():
    meet_id = request.args.get("meet", type=int)
    query = request.args.get("q", "").strip()
    return render_page_or_fragment(
        "admin/payments/force.html",
        "admin/payments/_force_results.html",
        meets=_meets(),
        meet_id=meet_id,
        q=query,
        selected=_preselected(),
        candidates=payments.force_candidates(meet_id, query),
        error="",
    )


@bp.post("/payments/<int:application_id>/force")
@role_required(Role.OFFICIAL)
def payment_force_approve(application_id: int):
    reason = request.form.get("reason", "")
    try:
        application = payments.force_approve(application_id, by=current_user, reason=reason)
        message = f"{application.owner_label}（申込 {application.number}）を強制承認しました。"
        db.session.commit()
    except RuleViolation as error:
        db.session.rollback()
        application = db.session.get(Application, application_id) or abort(404)
        return render_template(
            "admin/payments/_force_card.html", application=application, error=error.message
        ), FAILED
    return (
        render_template("admin/payments/_force_card.html", application=application, error=""),
        200,
        trigger(COUNTERS_EVENT, toast=message),
    )


# --- export ------------------------------------------------------------------------------------


@bp.get("/payments/export.csv")
@role_required(Role.OFFICIAL)
def payment_export():
    meet_id = request.args.get("meet", type=int) or abort(404)
    rows = payments.export_payments(meet_id, by=current_user)
    db.session.commit()
    meet = db.session.get(Meet, meet_id)
    return download_response(
        write_csv(rows), f"入金一覧_{meet.name}.csv", "text/csv; charset=utf-8"
    )
