"""The one gate every API request passes (before_request), the error handlers and CORS."""

from __future__ import annotations

from flask import current_app, g, request

from nitsys.api import bp
from nitsys.api.problems import Problem, problem_response
from nitsys.api.spec import spec
from nitsys.domain.errors import NotFound, RuleViolation
from nitsys.extensions import csrf, db
from nitsys.services import pauses, tokens

# The API never trusts the session cookie, so a cross-site form cannot use it: no CSRF token.
csrf.exempt(bp)

DEFAULT_MAX_BODY = 2 * 1024 * 1024
FIELD_ALIASES = {"pref_code": "pref"}
INVALID_TOKEN = "アクセストークンが無効です（期限切れ・取り消し済み・入力誤りのいずれか）。"


@bp.before_request
def api_gate():
    """The API pause, body size, object ids in range, and the bearer token (never the
    session cookie)."""
    refuse_if_paused("api")
    limit = current_app.config.get("API_MAX_BODY_BYTES", DEFAULT_MAX_BODY)
    request.max_content_length = limit
    if request.content_length is not None and request.content_length > limit:
        raise Problem(413, f"リクエスト本文は{limit // 1024}KB までです。")
    for value in (request.view_args or {}).values():
        if isinstance(value, int) and not 0 < value <= 2**31 - 1:
            raise Problem(404, "指定されたデータが見つかりません。")
    g.api_token = None
    header = request.headers.get("Authorization")
    if header is None:
        return None
    scheme, _, secret = header.partition(" ")
    token = None
    if scheme.lower() == "bearer" and secret.strip():
        token = tokens.authenticate(secret.strip(), ip=request.remote_addr or "", path=request.path)
    if token is None:
        raise Problem(
            401, INVALID_TOKEN, headers={"WWW-Authenticate": 'Bearer realm="nitsys", error="invalid_token"'}
        )  # fmt: skip
    g.api_token = token
    return None


def refuse_if_paused(feature: str) -> None:
    """503 with the staff's message while `feature` is paused (level 1 of the runbook)."""
    paused = pauses.paused(feature)
    if paused is not None:
        raise Problem(503, paused.message, headers={"Retry-After": "600"})


def api_user():
    return g.api_token.user


@bp.errorhandler(Problem)
def problem(error: Problem):
    db.session.rollback()
    return problem_response(error.status, error.detail, errors=error.errors, headers=error.headers)


@bp.errorhandler(RuleViolation)
def rule_violation(error: RuleViolation):
    db.session.rollback()
    if isinstance(error, NotFound):
        return problem_response(404, error.message)
    if isinstance(error, pauses.FeaturePaused):
        return problem_response(503, error.message, headers={"Retry-After": "600"})
    errors = [{"field": error.field, "message": error.message}] if error.field else []
    extra = getattr(error, "errors", None)
    if isinstance(extra, dict):
        errors = [{"field": name, "message": message} for name, message in extra.items()]
    for item in errors:  # the API takes the form's field names
        item["field"] = FIELD_ALIASES.get(item["field"], item["field"])
    return problem_response(422, error.message, errors=errors)


@bp.after_request
def cors_for_public_reads(response):
    """Any web page may read public data (GET); nothing else is cross-origin."""
    if request.endpoint in spec.public_endpoints() and request.method in ("GET", "HEAD", "OPTIONS"):
        response.headers["Access-Control-Allow-Origin"] = "*"
        response.headers["Access-Control-Expose-Headers"] = "ETag, Last-Modified, Retry-After"
        if request.method == "OPTIONS":
            response.headers["Access-Control-Allow-Methods"] = "GET, HEAD"
            response.headers["Access-Control-Allow-Headers"] = "If-None-Match, If-Modified-Since"
            response.headers["Access-Control-Max-Age"] = "600"
    response.headers.setdefault("Cache-Control", "no-store")
    return response
