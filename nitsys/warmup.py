"""Warm a fresh gunicorn worker before it takes its first request.

A new worker compiles each Jinja template the first time a page uses it (about 5 ms a
template, 0.8 s for all of them) and opens its database connection on the first query. Left to
the first visitors, that cost lands on whoever arrives just after a deploy or a worker recycle:
on the evening load test the first coaches' logins took 650–760 ms instead of ~300 ms.
gunicorn.conf.py calls `warm_up` from `post_worker_init`, before the worker accepts requests.
It never raises: a database that is down at deploy time must not stop the worker from booting
(gunicorn would halt the whole server); /readyz reports it instead.
"""

from __future__ import annotations

from flask import Flask

from nitsys.services.health import database_error


def warm_up(app: Flask) -> None:
    for name in app.jinja_env.list_templates():
        app.jinja_env.get_template(name)
    with app.app_context():
        error = database_error()
    if error:
        app.logger.warning("warm-up: database unreachable (%s)", error)
