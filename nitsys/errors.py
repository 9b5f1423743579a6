"""Japanese error pages (400/403/404/405/413/429/500/503), as a page or an HTMX toast."""

from __future__ import annotations

from flask import render_template, request
from flask_login import current_user
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException, SecurityError

from nitsys.extensions import db
from nitsys.htmx import is_htmx, trigger
from nitsys.security import log_security
from nitsys.services import maintenance

MESSAGES = {
    400: (
        "リクエストが正しくありません",
        "入力内容やページの状態を確認して、もう一度お試しください。",
    ),
    403: ("この操作は許可されていません", "権限がないか、送信元が確認できませんでした。"),
    404: ("ページが見つかりません", "URL が正しいか、削除されていないかを確認してください。"),
    405: ("この方法ではアクセスできません", "画面のボタンから操作してください。"),
    413: ("ファイルが大きすぎます", "アップロードできるファイルの大きさを確認してください。"),
    422: ("入力内容を確認してください", "入力された値を受け付けられませんでした。"),
    429: (
        "アクセス回数の上限を超えました",
        "短時間に操作が続いたため一時的に制限しています。しばらく待ってから再試行してください。",
    ),
    500: (
        "サーバーでエラーが発生しました",
        "ご不便をおかけしています。時刻と操作内容を事務局へお知らせください。",
    ),
    503: ("ただいまメンテナンス中です", "しばらくしてから再度アクセスしてください。"),
}


def render_error(
    status: int,
    detail: str | None = None,
    headers: dict | None = None,
    *,
    title: str = "",
    maintenance: maintenance.MaintenanceState | None = None,
):
    from nitsys.api.problems import is_api_request, problem_response

    if is_api_request():  # the JSON API answers problem details, never a page
        return problem_response(status, detail, headers=headers)
    default_title, message = MESSAGES.get(status, MESSAGES[500])
    title, message = title or default_title, detail or message
    headers = dict(headers or {})
    if is_htmx():
        # Keep the page as it is and say what went wrong in a toast.
        headers.update(trigger(toast=f"{title}：{message}", level="error"))
        headers["HX-Reswap"] = "none"
        return "", status, headers
    if maintenance is not None:
        # A calm page of its own: no status code shown, no navigation or login form (nobody
        # but staff can use them now), no link back to a page that would only answer this.
        page = render_template(
            "errors/maintenance.html",
            message=message,
            expected_end=maintenance.expected_end,
            retry_after=maintenance.retry_after,
        )
        return page, status, headers
    page = render_template("errors/error.html", status=status, title=title, message=message)
    return page, status, headers


def register(app) -> None:
    @app.errorhandler(CSRFError)
    def csrf_error(error):
        return render_error(
            400,
            "画面の有効期限が切れたか、不正な送信です。ページを再読み込みしてからやり直してください。",
        )

    @app.errorhandler(SecurityError)
    def untrusted_host(error):
        # Nothing that builds URLs from the Host header may run here, so no template.
        return (
            "400 不正なホスト名へのリクエストです。",
            400,
            {"Content-Type": "text/plain; charset=utf-8"},
        )

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException):
        headers = {}
        if error.code == 429:
            headers["Retry-After"] = "60"
            log_security("throttled", method=request.method)
        if error.code == 405:
            headers["Allow"] = ", ".join(getattr(error, "valid_methods", None) or [])
        return render_error(error.code or 500, None, headers)

    @app.errorhandler(Exception)
    def unexpected_error(error: Exception):
        app.logger.exception("unhandled error on %s %s", request.method, request.path)
        db.session.rollback()  # a failed flush would otherwise break the error page's own queries
        return render_error(500)


# Reachable during maintenance: health checks, assets, and the login page (so staff can sign in).
OPEN_DURING_MAINTENANCE = {"static", "health.healthz", "health.readyz", "auth.login", "auth.logout"}


def maintenance_gate():
    """before_request: answer 503 to everyone but staff while maintenance is on."""
    if request.endpoint in OPEN_DURING_MAINTENANCE:
        return None
    state = maintenance.current()
    if not state.enabled:
        return None
    if current_user.is_authenticated and current_user.is_staff:
        return None
    return render_error(
        503, state.message, {"Retry-After": str(state.retry_after)}, maintenance=state
    )
