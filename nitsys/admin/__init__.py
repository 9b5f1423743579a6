"""Officials and staff: meets, users and roles, reviews, heats, desks, exports, system."""

from flask import Blueprint

bp = Blueprint("admin", __name__)

from nitsys.admin import (  # noqa: E402, F401
    athletes,
    audit,
    checkin,
    entry_review,
    export_jobs,
    export_pdfs,
    exports,
    heats,
    home,
    meets,
    news,
    parking,
    payments,
    results,
    system,
    teams,
    timing_profiles,
    users,
    workbook,
)
