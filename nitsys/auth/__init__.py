"""Accounts: registration, login/logout, password reset, profile, invitations."""

from flask import Blueprint

bp = Blueprint("auth", __name__)

from nitsys.auth import api_tokens, views  # noqa: E402, F401
