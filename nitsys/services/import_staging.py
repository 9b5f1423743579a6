"""Uploaded rows kept between an import's preview and its confirmation (one hour).

Each import has its own table with the same columns (token, meet_id, user_id, filename, rows,
expires_at): the entry import (`EntryImport`) and the parking allocation (`ParkingImport`).
Nothing is written to the real tables before the confirmation; the staging row is what the
confirm step reads, so the user never uploads twice.
"""

from __future__ import annotations

import secrets
from datetime import timedelta

from sqlalchemy import delete, select

from nitsys.domain.errors import NotFound, RuleViolation
from nitsys.extensions import db
from nitsys.models import Meet, User
from nitsys.models.base import utcnow

STAGING_LIFETIME = timedelta(hours=1)


def stage(model, by: User, meet: Meet, rows: list[dict], filename: str):
    """Keep `rows` for `by` (expired stagings of the same kind are removed on the way)."""
    db.session.execute(delete(model).where(model.expires_at < utcnow()))
    staged = model(
        token=secrets.token_urlsafe(24),
        meet_id=meet.id,
        user_id=by.id,
        filename=filename[:200],
        rows=rows,
        expires_at=utcnow() + STAGING_LIFETIME,
    )
    db.session.add(staged)
    return staged


def staged(model, by: User, meet: Meet, token: str, *, lock: bool = False):
    """The staging `token` names, only for the user and meet that made it.

    `lock=True` makes a double-clicked confirm wait for the first, then find it gone."""
    statement = select(model).where(
        model.token == token, model.user_id == by.id, model.meet_id == meet.id
    )
    found = db.session.scalar(statement.with_for_update() if lock else statement)
    if found is None:
        raise NotFound("取り込みデータが見つかりません。もう一度アップロードしてください。")
    if found.expires_at < utcnow():
        raise RuleViolation(
            "取り込みデータの有効期限（1時間）が切れました。もう一度アップロードしてください。"
        )
    return found
