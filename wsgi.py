"""What gunicorn and `flask --app wsgi` load.

Unless NITSYS_ENV=development (set by the development `.env`), this is production: the app
refuses to start with DEBUG on, a weak SECRET_KEY or no ALLOWED_HOSTS, and says which.
A `flask` command other than `run` (`db upgrade`, `worker`, `check-deploy`, …) answers no
visitors, so it runs without ALLOWED_HOSTS.
"""

import os

import click

import config
from nitsys import create_app


def serves_visitors() -> bool:
    """gunicorn and `flask run` do; other `flask` commands (Flask's CLI sets the flag) do not."""
    if "FLASK_RUN_FROM_CLI" not in os.environ:
        return True
    command = click.get_current_context(silent=True)
    return command is not None and command.info_name == "run"


config.load_environment()
app = create_app(
    production=os.environ.get("NITSYS_ENV", "production") != "development",
    serving=serves_visitors(),
)
