"""The participant's payment page: amount and bank account, slip upload, review results, receipt.

Another team's application, slip or receipt is a 404 (`owned_or_404`).
"""

from __future__ import annotations

from datetime import date

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from sqlalchemy import select

from nitsys.admin.payments import slip_file_response
from nitsys.domain.dates import missing_day
from nitsys.domain.errors import RuleViolation
from nitsys.domain.numbers import fits_db_int
from nitsys.entries import bp
from nitsys.extensions import db
from nitsys.htmx import is_htmx
from nitsys.models import Application, ApplicationStatus, PaymentSlip
from nitsys.reports.download import download_response
from nitsys.reports.receipt import receipt_filename, receipt_pdf
from nitsys.security import owned_or_404
from nitsys.services import payments

FAILED = 422


def _slips(application: Application) -> list[PaymentSlip]:
    return db.session.scalars(
        select(PaymentSlip)
        .where(PaymentSlip.application_id == application.id)
        .order_by(PaymentSlip.id.desc())
    ).all()


def _page(application: Application, *, error: str = "", form=None, status: int = 200):
    return render_template(
        "entries/payments/page.html",
        application=application,
        meet=application.meet,
        slips=_slips(application),
        error=error,
        form=form or {},
    ), status


@bp.get("/applications/<int:application_id>/payment")
@login_required
def payment(application_id: int):
    return _page(owned_or_404(Application, application_id))


def _read_date(value: str) -> date | None:
    try:
        return date.fromisoformat(value) if value else None
    except ValueError:
        message = missing_day(value) or "振込日の形式が正しくありません。"
        raise RuleViolation(message, field="transfer_date") from None


def _read_amount(value: str) -> int | None:
    value = value.replace(",", "").replace("¥", "").replace("円", "").strip()
    if not value:
        return None
    if not value.isdigit():
        raise RuleViolation("振込金額は数字で入力してください。", field="declared_amount")
    if not fits_db_int(int(value)):
        raise RuleViolation("振込金額が大きすぎます。", field="declared_amount")
    return int(value)


@bp.post("/applications/<int:application_id>/payment")
@login_required
def upload_slip(application_id: int):
    application = owned_or_404(Application, application_id)
    upload = request.files.get("file")
    try:
        payments.upload_slip(
            application.id,
            by=current_user,
            data=upload.read() if upload else b"",
            filename=upload.filename if upload else "",
            transfer_date=_read_date(request.form.get("transfer_date", "")),
            declared_amount=_read_amount(request.form.get("declared_amount", "")),
            payer_name=request.form.get("payer_name", ""),
        )
        db.session.commit()
    except RuleViolation as error:
        db.session.rollback()
        return _page(application, error=error.message, form=request.form, status=FAILED)
    # A flash, not a toast: both the htmx and the plain path land on a new page that shows it.
    flash("振込明細をアップロードしました。事務局が確認するまでお待ちください。", "success")
    target = url_for("entries.payment", application_id=application.id)
    if is_htmx():
        return "", 204, {"HX-Redirect": target}
    return redirect(target)


@bp.get("/applications/<int:application_id>/slips/<int:slip_id>")
@login_required
def own_slip_file(application_id: int, slip_id: int):
    application = owned_or_404(Application, application_id)
    slip = db.session.get(PaymentSlip, slip_id)
    if slip is None or slip.application_id != application.id:
        abort(404)
    return slip_file_response(slip)


@bp.get("/applications/<int:application_id>/receipt.pdf")
@login_required
def receipt(application_id: int):
    application = owned_or_404(Application, application_id)
    if application.status is not ApplicationStatus.PAID:
        abort(404)
    return download_response(
        receipt_pdf(application), receipt_filename(application), "application/pdf"
    )
