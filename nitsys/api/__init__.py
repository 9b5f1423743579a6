"""The JSON API (/api/v1): public meet data, team tokens, the timing PC (issue #18).

Views are thin: they validate with the Pydantic models next to them (`schemas.py`), call the
same services as the pages, and answer JSON. Every request passes :func:`api_gate` first.
"""

from flask import Blueprint

bp = Blueprint("api", __name__)

from nitsys.api import docs, gate, public, team, timing  # noqa: E402, F401
