"""Running one service call from a view: commit it, or roll back and hand back the refusal."""

from __future__ import annotations

from typing import Any

from flask_login import current_user

from nitsys.domain.errors import RuleViolation
from nitsys.extensions import db


def run_as_current_user(action, *args, **kwargs) -> tuple[Any, RuleViolation | None]:
    """`action(*args, by=current_user, **kwargs)`, committed; `(result, None)` or `(None, error)`."""
    try:
        result = action(*args, by=current_user, **kwargs)
        db.session.commit()
    except RuleViolation as error:
        db.session.rollback()
        return None, error
    return result, None
