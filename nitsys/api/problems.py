"""RFC 9457 problem details: the one error shape of every 4xx/5xx under /api/."""

from __future__ import annotations

import json

from flask import Response, request
from pydantic import BaseModel, ConfigDict, Field

PROBLEM_TYPES = {
    400: ("bad-request", "リクエストが正しくありません"),
    401: ("unauthorized", "認証が必要です"),
    403: ("forbidden", "この操作は許可されていません"),
    404: ("not-found", "見つかりません"),
    405: ("method-not-allowed", "このメソッドは使えません"),
    409: ("conflict", "現在の状態では実行できません"),
    413: ("too-large", "リクエストが大きすぎます"),
    415: ("unsupported-media-type", "Content-Type が正しくありません"),
    422: ("validation", "入力内容に誤りがあります"),
    429: ("rate-limited", "アクセス回数の上限を超えました"),
    500: ("server-error", "サーバーでエラーが発生しました"),
    503: ("unavailable", "ただいま利用できません"),
}
MEDIA_TYPE = "application/problem+json"


class FieldError(BaseModel):
    model_config = ConfigDict(title="FieldError")

    field: str = Field(description="項目名（JSON のキー。入れ子は . で区切る）")
    message: str = Field(description="日本語のメッセージ")


class ProblemDetail(BaseModel):
    """RFC 9457 problem details."""

    model_config = ConfigDict(title="ProblemDetail")

    type: str = Field(description="問題の種類（URI 参照）")
    title: str
    status: int = Field(ge=400, le=599)
    detail: str
    instance: str = Field(description="リクエストのパス")
    errors: list[FieldError] = Field(default_factory=list, description="項目ごとのエラー")


class Problem(Exception):
    """Raised inside the API; answered as problem details by the blueprint's handler."""

    def __init__(
        self,
        status: int,
        detail: str,
        *,
        errors: list[dict] | None = None,
        headers: dict | None = None,
    ):
        super().__init__(detail)
        self.status = status
        self.detail = detail
        self.errors = errors or []
        self.headers = headers or {}


def problem_response(
    status: int, detail: str | None = None, *, errors=None, headers=None, title: str = ""
) -> Response:
    slug, default_title = PROBLEM_TYPES.get(status, PROBLEM_TYPES[500 if status >= 500 else 400])
    body = ProblemDetail(
        type=f"/api/v1/docs#problem-{slug}",
        title=title or default_title,
        status=status,
        detail=detail or default_title,
        instance=request.path,
        errors=[FieldError(**error) for error in (errors or [])],
    )
    response = Response(
        json.dumps(body.model_dump(mode="json"), ensure_ascii=False),
        status=status,
        mimetype=MEDIA_TYPE,
    )
    response.headers["Cache-Control"] = "no-store"
    for name, value in (headers or {}).items():
        response.headers[name] = value
    return response


def is_api_request() -> bool:
    return request.path == "/api" or request.path.startswith("/api/")
