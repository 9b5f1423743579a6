"""Request-level protection (SPEC §11): roles, ownership, session limits, headers, origins."""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta
from functools import wraps
from urllib.parse import urlsplit

from flask import abort, current_app, flash, redirect, request, session, url_for
from flask_login import current_user, logout_user
from sqlalchemy.orm import joinedload

from nitsys.extensions import db, login_manager
from nitsys.models import Role, User
from nitsys.observability import safe_path

security_log = logging.getLogger("nitsys.security")

CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; "
    "font-src 'self'; connect-src 'self'; frame-src 'self'; object-src 'none'; "
    "base-uri 'self'; form-action 'self'; frame-ancestors 'none'"
)
UNSAFE_METHODS = {"POST", "PUT", "PATCH", "DELETE"}


def log_security(event: str, **fields) -> None:
    """One line per security event; never pass passwords or tokens here."""
    parts = " ".join(f"{key}={value}" for key, value in fields.items())
    # The id only: get_id() also carries the session nonce, which must not reach the logs.
    user = current_user.id if current_user and current_user.is_authenticated else "-"
    security_log.info(
        "%s user=%s ip=%s path=%s %s", event, user, request.remote_addr, safe_path(), parts
    )


@login_manager.user_loader
def load_user(session_id: str) -> User | None:
    user_id, _, nonce = session_id.partition(":")
    if not user_id.isdigit():
        return None
    # The team comes in the same query: the header names it on every page (owner_label).
    user = db.session.get(User, int(user_id), options=[joinedload(User.organization)])
    if user is None or not user.is_active or user.session_nonce != nonce:
        return None
    return user


def role_required(role: Role):
    """Allow users with at least `role`; others get 403 (anonymous users go to login)."""

    def decorator(view):
        @wraps(view)
        def wrapped(*args, **kwargs):
            if not current_user.is_authenticated:
                return login_manager.unauthorized()
            if not current_user.has_role(role):
                log_security("permission.denied", required=role.value)
                abort(403)
            return view(*args, **kwargs)

        return wrapped

    return decorator


def owned_or_404(model, object_id: int, user: User | None = None):
    """The participant's own object, or 404 whether it is missing or someone else's."""
    user = user or current_user
    obj = db.session.get(model, object_id)
    if obj is None:
        abort(404)
    if not user.is_official and not obj.is_owned_by(user):
        log_security("ownership.denied", model=model.__name__, id=object_id)
        abort(404)
    return obj


def start_session(user: User) -> None:
    now = datetime.now(UTC).timestamp()
    session["login_at"] = now
    session["seen_at"] = now
    session.permanent = True


def enforce_session_limits():
    """30-minute idle logout and 12-hour absolute limit (before_request)."""
    if request.blueprint == "api":  # the JSON API never uses the session (bearer tokens)
        return None
    if not current_user.is_authenticated:
        return None
    now = datetime.now(UTC).timestamp()
    idle = timedelta(minutes=current_app.config["SESSION_IDLE_MINUTES"]).total_seconds()
    absolute = timedelta(hours=current_app.config["SESSION_ABSOLUTE_HOURS"]).total_seconds()
    login_at = session.get("login_at", 0)
    seen_at = session.get("seen_at", 0)
    if now - seen_at > idle or now - login_at > absolute:
        reason = "idle" if now - seen_at > idle else "absolute"
        log_security("session.expired", reason=reason)
        logout_user()
        session.clear()
        flash(
            "一定時間操作がなかったため、ログアウトしました。再度ログインしてください。", "warning"
        )
        if request.headers.get("HX-Request"):
            return "", 401, {"HX-Redirect": url_for("auth.login")}
        return redirect(url_for("auth.login", next=request.full_path))
    # Polling widgets do not count as activity, so an unattended screen still times out.
    if not request.headers.get("X-Nitsys-Poll"):
        session["seen_at"] = now
    return None


def _origin_of(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}" if parts.scheme and parts.netloc else ""


def check_origin():
    """Refuse cross-origin state changes: Origin (or Referer) must be ours or trusted."""
    if request.method not in UNSAFE_METHODS:
        return None
    claimed = request.headers.get("Origin") or _origin_of(request.headers.get("Referer", ""))
    if not claimed or claimed == "null":
        # Non-browser clients send neither; CSRF tokens still protect them.
        return None
    trusted = {request.host_url.rstrip("/"), *current_app.config["CSRF_TRUSTED_ORIGINS"]}
    if claimed not in trusted:
        log_security("origin.refused", origin=claimed)
        abort(403)
    return None


def set_security_headers(response):
    response.headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
    response.headers.setdefault("X-Frame-Options", "DENY")
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Referrer-Policy"] = "same-origin"
    response.headers["Permissions-Policy"] = "camera=(), microphone=(), geolocation=()"
    if not current_app.debug and not current_app.testing:
        response.headers["Strict-Transport-Security"] = "max-age=31536000; includeSubDomains"
    if current_user and current_user.is_authenticated:
        response.headers.setdefault("Cache-Control", "private, no-store")
    return response
