"""API access tokens (SPEC §11, issue #18): create (shown once), list, revoke, authenticate.

The secret is `nit_` + 43 URL-safe characters (256 bits from `secrets`); the database keeps only
its SHA-256 hash, which is enough for a secret of that entropy (no slow hash needed). Every
creation and revocation is audited; use is recorded on the token (last used, IP) and in the
audit trail at most once a minute per token, attributed to the token's user.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import joinedload

from nitsys.domain.errors import NotFound, RuleViolation
from nitsys.extensions import db
from nitsys.models import ApiToken, User
from nitsys.models.base import utcnow
from nitsys.services import audit

PREFIX = "nit_"
SCOPES = {
    "read": "読み取り（選手・申込・エントリー・組とナンバー）",
    "write": "書き込み（選手の登録・更新、エントリーの追加・削除・提出）",
    "timing": "計測（組ごとのスタートリスト、結果ファイルの取り込み）",
}
TEAM_SCOPES = ("read", "write")
STAFF_SCOPES = ("read", "timing")
LIFETIME_DAYS = (7, 30, 90, 365)
MAX_ACTIVE_TOKENS = 10
NAME_MAX = 60
USE_AUDIT_INTERVAL = timedelta(minutes=1)


def hash_secret(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def allowed_scopes(user: User) -> tuple[str, ...]:
    """Officials and staff script the timing PC; participants (coaches) their own team."""
    return STAFF_SCOPES if user.is_official else TEAM_SCOPES


@dataclass(frozen=True)
class NewToken:
    token: ApiToken
    secret: str  # shown once, never stored


def create_token(by: User, *, name: str, scopes: list[str], days) -> NewToken:
    name = (name or "").strip()
    if not name:
        raise RuleViolation("トークンの名前を入力してください。", field="name")
    if len(name) > NAME_MAX:
        raise RuleViolation(f"名前は{NAME_MAX}文字以内で入力してください。", field="name")
    chosen = sorted(set(scopes or []))
    if not chosen:
        raise RuleViolation("権限（スコープ）を1つ以上選んでください。", field="scopes")
    allowed = allowed_scopes(by)
    if any(scope not in allowed for scope in chosen):
        raise RuleViolation("このアカウントでは選べない権限が含まれています。", field="scopes")
    try:
        lifetime = int(days)
    except (TypeError, ValueError):
        lifetime = 0
    if lifetime not in LIFETIME_DAYS:
        raise RuleViolation("有効期限を選んでください。", field="days")
    if len(active_tokens(by)) >= MAX_ACTIVE_TOKENS:
        raise RuleViolation(
            f"有効なトークンは{MAX_ACTIVE_TOKENS}個までです。使っていないものを取り消してください。"
        )
    secret = PREFIX + secrets.token_urlsafe(32)
    token = ApiToken(
        user_id=by.id,
        name=name,
        prefix=secret[:10],
        token_hash=hash_secret(secret),
        scopes=" ".join(chosen),
        expires_at=utcnow() + timedelta(days=lifetime),
    )
    db.session.add(token)
    audit.record(by, "api_token.create", token, after={"name": name, "scopes": token.scopes})
    return NewToken(token, secret)


def tokens_of(user: User) -> list[ApiToken]:
    """The user's tokens, newest first (revoked and expired ones too, as history)."""
    return list(
        db.session.scalars(
            select(ApiToken)
            .where(ApiToken.user_id == user.id)
            .order_by(ApiToken.created_at.desc(), ApiToken.id.desc())
        )
    )


def active_tokens(user: User, now: datetime | None = None) -> list[ApiToken]:
    now = now or utcnow()
    return [t for t in tokens_of(user) if t.revoked_at is None and t.expires_at > now]


def revoke_token(by: User, token_id: int) -> ApiToken:
    token = db.session.get(ApiToken, token_id)
    if token is None or token.user_id != by.id:
        raise NotFound()
    if token.revoked_at is None:
        token.revoked_at = utcnow()
        audit.record(by, "api_token.revoke", token, before={"name": token.name})
    return token


def token_state(token: ApiToken, now: datetime | None = None) -> str:
    now = now or utcnow()
    if token.revoked_at is not None:
        return "取り消し済み"
    if token.expires_at <= now:
        return "期限切れ"
    return "有効"


def authenticate(secret: str, *, ip: str = "", path: str = "") -> ApiToken | None:
    """The live token with this secret, its use recorded; None when unknown, revoked, expired
    or its user is deactivated."""
    if not secret.startswith(PREFIX) or len(secret) > 100:
        return None
    now = utcnow()
    token = db.session.scalar(
        select(ApiToken)
        .options(joinedload(ApiToken.user))
        .where(
            ApiToken.token_hash == hash_secret(secret),
            ApiToken.revoked_at.is_(None),
            ApiToken.expires_at > now,
        )
    )
    if token is None or not token.user.is_active:
        return None
    if token.last_used_at is None or now - token.last_used_at >= USE_AUDIT_INTERVAL:
        token.last_used_at = now
        token.last_used_ip = ip[:45]
        audit.record(
            token.user, "api_token.use", token, after={"path": path.replace("\x00", "")[:200]}
        )
        db.session.commit()
    return token
