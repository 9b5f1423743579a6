"""Helpers for the API tests: tokens for a user, and the Authorization header."""

from __future__ import annotations

from nitsys.extensions import db
from nitsys.services import tokens


def make_token(user, *scopes: str, days: int = 30) -> str:
    new = tokens.create_token(user, name="テスト", scopes=list(scopes or ("read",)), days=days)
    db.session.commit()
    return new.secret


def bearer(secret: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {secret}"}
