"""What staff commands share: who the change is recorded as, and running one service call."""

import click
from sqlalchemy import select

from nitsys.domain.errors import RuleViolation
from nitsys.extensions import db
from nitsys.models import Role, User

BY_OPTION = click.option("--by", "email", default="", help="操作者として記録する管理者のメール")


def acting_staff(email: str) -> User:
    """The staff account named by `--by`, else the first active staff account."""
    query = select(User).where(User.role == Role.STAFF, User.is_active).order_by(User.id)
    if email:
        query = query.where(User.email == email.strip().lower())
    user = db.session.scalars(query).first()
    if user is None:
        raise click.ClickException("操作者となる管理者アカウントが見つかりません。")
    return user


def run_committed(action, *args, **kwargs):
    """One service call, committed; a refused rule becomes the command's error message."""
    try:
        result = action(*args, **kwargs)
        db.session.commit()
    except RuleViolation as error:
        db.session.rollback()
        raise click.ClickException(error.message) from error
    return result
