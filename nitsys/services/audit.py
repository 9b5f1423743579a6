"""`record` is called by every service that changes state, inside the same transaction."""

from __future__ import annotations

from typing import Any

from flask import has_request_context, request

from nitsys.extensions import db
from nitsys.models import AuditEvent, User


def record(
    actor: User | None,
    action: str,
    obj: Any = None,
    *,
    before: dict | None = None,
    after: dict | None = None,
    meet_id: int | None = None,
    object_type: str | None = None,
    object_id: int | None = None,
) -> AuditEvent:
    """Add an audit event for `obj` (a model instance) or an explicit type/id (bulk actions)."""
    if obj is not None:
        if getattr(obj, "id", None) is None:
            db.session.flush()
        object_type = object_type or obj.__tablename__
        object_id = object_id if object_id is not None else getattr(obj, "id", None)
    event = AuditEvent(
        actor_id=actor.id if actor is not None else None,
        action=action,
        object_type=object_type or "",
        object_id=object_id,
        meet_id=meet_id,
        before=_jsonable(before),
        after=_jsonable(after),
        ip=(request.remote_addr or "") if has_request_context() else "",
    )
    db.session.add(event)
    return event


def _jsonable(value):
    if value is None:
        return None
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    if isinstance(value, str | int | float | bool):
        return value
    return str(getattr(value, "value", value))


def snapshot(obj: Any, *fields: str) -> dict:
    """The named attributes of `obj`, ready for `before=`/`after=`."""
    return {name: _jsonable(getattr(obj, name)) for name in fields}
