"""The participant side (coaches and individuals): dashboard, roster, entries, payments."""

from flask import Blueprint

bp = Blueprint("entries", __name__)

from nitsys.entries import applications, athletes, dashboard, entry_import  # noqa: E402, F401
