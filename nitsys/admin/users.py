"""Staff: users and their roles."""

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import or_, select
from sqlalchemy.orm import contains_eager

from nitsys.admin import bp
from nitsys.domain.errors import RuleViolation
from nitsys.extensions import db
from nitsys.models import Organization, Role, User
from nitsys.security import role_required
from nitsys.services import accounts

PAGE_SIZE = 50


@bp.get("/users")
@role_required(Role.STAFF)
def users():
    query = request.args.get("q", "").strip()
    statement = (
        select(User)
        .outerjoin(Organization)
        .options(contains_eager(User.organization))
        .order_by(User.role.desc(), User.id)
    )
    if query:
        like = f"%{query}%"
        statement = statement.where(
            or_(User.email.ilike(like), User.full_name.ilike(like), Organization.name.ilike(like))
        )
    rows = db.session.scalars(statement.limit(PAGE_SIZE)).all()
    return render_template("admin/users.html", users=rows, query=query, roles=list(Role))


@bp.post("/users/<int:user_id>/role")
@role_required(Role.STAFF)
def change_role(user_id: int):
    user = db.session.get(User, user_id) or abort(404)
    try:
        role = Role(request.form.get("role", ""))
    except ValueError:
        abort(400)
    try:
        accounts.change_role(current_user, user, role, reason=request.form.get("reason", "")[:200])
        db.session.commit()
    except RuleViolation as error:
        db.session.rollback()
        flash(error.message, "error")
    else:
        flash(f"{user.full_name} さんの権限を「{role.label}」にしました。", "success")
    return redirect(url_for("admin.users", q=request.args.get("q", "")))
