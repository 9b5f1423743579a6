"""The participant side (coaches and individuals): dashboard, roster, entries, payments."""

from flask import Blueprint

bp = Blueprint("entries", __name__)

from nitsys.entries import dashboard  # noqa: E402, F401
