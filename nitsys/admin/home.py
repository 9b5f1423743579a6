"""The home of officials and staff: today's work with counts, and the desks one tap away."""

from flask import render_template
from flask_login import current_user

from nitsys.admin import bp
from nitsys.models import Role
from nitsys.security import role_required
from nitsys.services import home as home_service


@bp.get("/")
@role_required(Role.OFFICIAL)
def home():
    return render_template(
        "admin/home.html",
        work=home_service.official_home(),
        staff=home_service.staff_home() if current_user.is_staff else None,
    )
