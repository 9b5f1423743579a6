"""Account views: each parses a form, calls one service, renders or redirects."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import flash, g, redirect, render_template, request, session, url_for
from flask_login import current_user, login_required, login_user, logout_user
from limits import parse as parse_limit

from nitsys.auth import bp
from nitsys.auth.forms import (
    AcceptInvitationForm,
    ChangePasswordForm,
    InviteForm,
    LoginForm,
    PasswordResetForm,
    PasswordResetRequestForm,
    ProfileForm,
    RegisterForm,
)
from nitsys.domain.errors import RuleViolation
from nitsys.extensions import client_ip, db, limiter
from nitsys.models import OrganizationType
from nitsys.security import log_security, start_session
from nitsys.services import accounts

FAILED = 422  # a form that did not pass: re-rendered with its messages


def _is_failure(response) -> bool:
    return response.status_code == FAILED


def _submitted_email() -> str:
    return "email:" + accounts.normalise_email(request.form.get("email", ""))


# Failed logins per address over the last hour, remembered so the account lock-out below can
# tell the owner (a clean address) from the stranger who caused it.
_ADDRESS_FAILURES = parse_limit("1000 per hour")
_NO_ANSWER = object()


def _address_has_failed() -> bool:
    stats = limiter.limiter.get_window_stats(_ADDRESS_FAILURES, "login-failures", client_ip())
    return stats.remaining < _ADDRESS_FAILURES.amount


def _remember_failure() -> None:
    limiter.limiter.hit(_ADDRESS_FAILURES, "login-failures", client_ip())


def _owner_from_a_clean_address() -> bool:
    """Exempt from the account's lock-out: the right password from an address that has not
    been failing (so a stranger's wrong guesses cannot lock a coach out on deadline day)."""
    if request.method != "POST" or _address_has_failed():
        return False
    form = LoginForm()
    if not form.validate_on_submit():
        return False
    g.login_answer = accounts.authenticate(form.email.data, form.password.data)
    return g.login_answer is not None


def _authenticate(email: str, password: str):
    """The answer the lock-out check already computed for this request, or a fresh one."""
    answer = g.pop("login_answer", _NO_ANSWER)
    return accounts.authenticate(email, password) if answer is _NO_ANSWER else answer


def _safe_next(target: str | None) -> str:
    """Only same-site relative paths, so a login link cannot send users elsewhere."""
    if (
        target
        and target.startswith("/")
        and not target.startswith("//")
        and not urlsplit(target).netloc
    ):
        return target
    return home_url()


def home_url() -> str:
    """Where a logged-in person starts: officials and staff on their desk home."""
    if current_user.is_authenticated and current_user.is_official:
        return url_for("admin.home")
    return url_for("entries.dashboard")


def _attach_error(form, error: RuleViolation) -> None:
    field = form[error.field] if error.field and error.field in form else None
    if field is not None:
        field.errors = [*field.errors, error.message]
    else:
        form.form_errors.append(error.message)


def _person(form, email: str) -> accounts.PersonDetails:
    return accounts.PersonDetails(
        email=email,
        password=form.password.data,
        full_name=form.full_name.data,
        full_name_kana=form.full_name_kana.data,
        phone=form.phone.data,
    )


def _log_in(user) -> None:
    session.clear()
    login_user(user)
    start_session(user)
    log_security("login.success", account=user.id)


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit("5 per minute", methods=["POST"], deduct_when=_is_failure)
@limiter.limit(
    "5 per minute",
    methods=["POST"],
    key_func=_submitted_email,
    deduct_when=_is_failure,
    exempt_when=_owner_from_a_clean_address,
)
def login():
    if current_user.is_authenticated:
        return redirect(home_url())
    form = LoginForm()
    if form.validate_on_submit():
        user = _authenticate(form.email.data, form.password.data)
        if user is not None:
            db.session.commit()
            _log_in(user)
            return redirect(_safe_next(request.args.get("next")))
        _remember_failure()
        log_security("login.failure", attempted=accounts.normalise_email(form.email.data))
        form.form_errors.append("メールアドレスまたはパスワードが正しくありません。")
    status = FAILED if request.method == "POST" else 200
    return render_template("auth/login.html", form=form), status


@bp.post("/logout")
def logout():
    if current_user.is_authenticated:
        log_security("logout")
        # A cookie copied before logout must not open the account afterwards.
        accounts.end_sessions(current_user._get_current_object())
        db.session.commit()
    logout_user()
    session.clear()
    flash("ログアウトしました。", "info")
    return redirect(url_for("auth.login"))


@bp.route("/register", methods=["GET", "POST"])
@limiter.limit("10 per hour", methods=["POST"], deduct_when=_is_failure)
def register():
    form = RegisterForm()
    if form.validate_on_submit():
        try:
            user = _register(form)
            db.session.commit()
        except accounts.EmailTaken:
            # Answered like a new address (a redirect), so the form reveals no accounts; the
            # owner gets a mail with the sign-in and reset links instead.
            db.session.rollback()
            accounts.mail_existing_owner(form.email.data)
            db.session.commit()
            log_security("register.existing_email")
            return redirect(url_for("entries.dashboard"))
        except RuleViolation as error:
            db.session.rollback()
            _attach_error(form, error)
        else:
            _log_in(user)
            done = "団体登録" if user.organization else "個人登録"
            flash(f"{done}が完了しました。ようこそ、{user.full_name}さん。", "success")
            return redirect(url_for("entries.dashboard"))
    status = FAILED if request.method == "POST" else 200
    return render_template("auth/register.html", form=form), status


def _register(form: RegisterForm):
    person = _person(form, form.email.data)
    if form.kind.data == "individual":
        return accounts.register_individual(person, form.affiliation_name.data or "")
    organization = accounts.OrganizationDetails(
        name=form.org_name.data,
        name_kana=form.org_name_kana.data,
        short_name=form.org_short_name.data or "",
        org_type=OrganizationType(form.org_type.data),
        representative_name=form.representative_name.data,
        representative_email=form.representative_email.data,
        representative_phone=form.representative_phone.data,
        postal_code=form.postal_code.data or "",
        prefecture=form.prefecture.data or None,
        address=form.address.data or "",
        jaaf_code=form.jaaf_code.data or "",
    )
    return accounts.register_team(person, organization)


@bp.route("/password-reset", methods=["GET", "POST"])
@limiter.limit("5 per hour", methods=["POST"])
def request_password_reset():
    form = PasswordResetRequestForm()
    if form.validate_on_submit():
        accounts.request_password_reset(form.email.data)
        db.session.commit()
        flash(
            "ご登録のメールアドレスであれば、パスワード再設定のご案内を送信しました（有効期限1時間）。",
            "info",
        )
        return redirect(url_for("auth.login"))
    return render_template("auth/password_reset_request.html", form=form)


@bp.route("/password-reset/<token>", methods=["GET", "POST"])
@limiter.limit("10 per hour", methods=["POST"])
def reset_password(token: str):
    form = PasswordResetForm()
    if form.validate_on_submit():
        try:
            accounts.reset_password(token, form.password.data)
            db.session.commit()
        except RuleViolation as error:
            db.session.rollback()
            _attach_error(form, error)
        else:
            flash("パスワードを再設定しました。新しいパスワードでログインしてください。", "success")
            return redirect(url_for("auth.login"))
    status = FAILED if request.method == "POST" else 200
    return render_template("auth/password_reset.html", form=form), status


@bp.route("/profile", methods=["GET", "POST"])
@login_required
def profile():
    form = ProfileForm(obj=current_user, prefix="profile")
    password_form = ChangePasswordForm(prefix="password")
    if form.validate_on_submit():
        try:
            accounts.update_profile(
                current_user,
                full_name=form.full_name.data,
                full_name_kana=form.full_name_kana.data,
                phone=form.phone.data,
                email=form.email.data,
            )
            db.session.commit()
        except RuleViolation as error:
            db.session.rollback()
            _attach_error(form, error)
        else:
            flash("登録情報を更新しました。", "success")
            return redirect(url_for("auth.profile"))
    status = FAILED if form.errors or form.form_errors else 200
    return render_template(
        "auth/profile.html", form=form, password_form=password_form, invite_form=InviteForm()
    ), status


@bp.post("/profile/password")
@login_required
def change_password():
    form = ChangePasswordForm(prefix="password")
    if form.validate_on_submit():
        try:
            accounts.change_password(current_user, form.current_password.data, form.password.data)
            db.session.commit()
        except RuleViolation as error:
            db.session.rollback()
            _attach_error(form, error)
        else:
            _log_in(current_user._get_current_object())  # new nonce: keep only this session
            flash("パスワードを変更しました。他の端末のログインは解除されました。", "success")
            return redirect(url_for("auth.profile"))
    profile_form = ProfileForm(obj=current_user, prefix="profile", formdata=None)
    return render_template(
        "auth/profile.html", form=profile_form, password_form=form, invite_form=InviteForm()
    ), FAILED


@bp.post("/invite")
@login_required
@limiter.limit("20 per hour")
def invite():
    form = InviteForm()
    if form.validate_on_submit():
        try:
            accounts.invite_member(current_user, form.email.data)
            db.session.commit()
        except RuleViolation as error:
            db.session.rollback()
            flash(error.message, "error")
        else:
            flash(f"{form.email.data} に招待メールを送信しました（有効期限7日）。", "success")
    else:
        flash(" ".join(form.email.errors) or "メールアドレスを入力してください。", "error")
    return redirect(url_for("auth.profile"))


@bp.route("/join/<token>", methods=["GET", "POST"])
@limiter.limit("10 per hour", methods=["POST"])
def accept_invitation(token: str):
    try:
        organization, email = accounts.read_invitation(token)
    except RuleViolation as error:
        return render_template("auth/invitation_invalid.html", message=error.message), 400
    form = AcceptInvitationForm()
    if form.validate_on_submit():
        try:
            user = accounts.accept_invitation(token, _person(form, email))
            db.session.commit()
        except RuleViolation as error:
            db.session.rollback()
            _attach_error(form, error)
        else:
            _log_in(user)
            flash(f"{organization.name} のメンバーとして登録しました。", "success")
            return redirect(url_for("entries.dashboard"))
    status = FAILED if request.method == "POST" else 200
    return render_template(
        "auth/accept_invitation.html", form=form, organization=organization, email=email
    ), status
