"""Officials and staff: meets, users and roles, reviews, heats, desks, exports, system."""

from flask import Blueprint

bp = Blueprint("admin", __name__)

from nitsys.admin import (  # noqa: E402, F401
    checkin,
    entry_review,
    export_jobs,
    export_pdfs,
    exports,
    heats,
    home,
    meets,
    payments,
    results,
    system,
    timing_profiles,
    users,
    workbook,
)
