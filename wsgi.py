"""What gunicorn and `flask --app wsgi` load.

Unless NITSYS_ENV=development (set by the development `.env`), this is production: the app
refuses to start with DEBUG on, a weak SECRET_KEY or no ALLOWED_HOSTS, and says which.
"""

import os

import config
from nitsys import create_app

config.load_environment()
app = create_app(production=os.environ.get("NITSYS_ENV", "production") != "development")
