"""The profile page's API token section: create (the secret shown once), list, revoke."""

from __future__ import annotations

from flask import render_template, request
from flask_login import current_user, login_required

from nitsys.auth import bp
from nitsys.auth.forms import ChangePasswordForm, InviteForm, ProfileForm
from nitsys.domain.errors import RuleViolation
from nitsys.extensions import limiter
from nitsys.htmx import is_htmx
from nitsys.services import tokens
from nitsys.usecases import run_as_current_user


@bp.context_processor
def token_section():
    """What `auth/_api_tokens.html` shows, computed only when the section is rendered."""
    return {
        "api_token_list": lambda: tokens.tokens_of(current_user),
        "api_token_state": tokens.token_state,
        "api_token_scopes": tokens.SCOPES,
        "api_token_allowed": lambda: tokens.allowed_scopes(current_user),
        "api_token_days": tokens.LIFETIME_DAYS,
    }


def _section(status: int = 200, **context):
    if is_htmx():
        return render_template("auth/_api_tokens.html", **context), status
    page = render_template(
        "auth/profile.html",
        form=ProfileForm(obj=current_user, prefix="profile", formdata=None),
        password_form=ChangePasswordForm(prefix="password", formdata=None),
        invite_form=InviteForm(formdata=None),
        **context,
    )
    return page, status


@bp.post("/profile/tokens")
@login_required
@limiter.limit("20 per hour")
def api_token_create():
    new, error = run_as_current_user(
        _create,
        name=request.form.get("name", ""),
        scopes=request.form.getlist("scopes"),
        days=request.form.get("days", ""),
    )
    if error is not None:
        return _section(422, token_error=error.message, token_name=request.form.get("name", ""))
    return _section(new_token=new)


def _create(*, by, name: str, scopes: list[str], days: str) -> tokens.NewToken:
    return tokens.create_token(by, name=name, scopes=scopes, days=days)


@bp.post("/profile/tokens/<int:token_id>/revoke")
@login_required
def api_token_revoke(token_id: int):
    token, error = run_as_current_user(_revoke, token_id)
    if isinstance(error, RuleViolation):
        return _section(404, token_error=error.message)
    return _section(token_message=f"トークン「{token.name}」を取り消しました。")


def _revoke(token_id: int, *, by):
    return tokens.revoke_token(by, token_id)
