"""Pages without login: home, meets, start lists, results, health checks."""

from flask import Blueprint

bp = Blueprint("public", __name__)

from nitsys.public import feeds, news, results, startlists, views  # noqa: E402, F401
