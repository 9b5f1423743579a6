"""The participant side (coaches and individuals): dashboard, roster, entries, payments."""

from flask import Blueprint

bp = Blueprint("entries", __name__)

from nitsys.entries import (  # noqa: E402, F401
    applications,
    athletes,
    dashboard,
    entry_import,
    heats,
    parking,
    payments,
)
