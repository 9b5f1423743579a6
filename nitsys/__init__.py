"""NIT-SYS: the entry and operations system of the NSSU long-distance meets."""

from __future__ import annotations

import logging
import time
from pathlib import Path

from flask import Flask, g, has_request_context
from werkzeug.middleware.proxy_fix import ProxyFix

from config import BASE_DIR, check_production, load_settings
from nitsys import errors, formatting, observability, request_input, security
from nitsys.extensions import csrf, db, limiter, login_manager, mail, migrate


def create_app(
    overrides: dict | None = None, *, production: bool = False, serving: bool = True
) -> Flask:
    """Build the app. `production=True` (wsgi.py) refuses unsafe settings before serving;
    `serving=False` (a `flask` command that answers no visitors) does not ask for hosts."""
    settings = load_settings(overrides)
    if production:
        check_production(settings, serving=serving)
    app = Flask(
        __name__,
        template_folder=str(BASE_DIR / "templates"),
        static_folder=str(BASE_DIR / "static"),
        instance_path=str(BASE_DIR / "instance"),
    )
    app.config.update(settings)
    Path(app.instance_path).mkdir(exist_ok=True)  # home of the default SQLite file
    _configure_logging(app)
    observability.init(app)  # Sentry, request log lines, recent problems
    if app.config["TRUSTED_PROXY_COUNT"]:
        count = app.config["TRUSTED_PROXY_COUNT"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=count, x_proto=count, x_host=count)

    _init_extensions(app)
    request_input.register(app)  # before the blueprints: their `<int:…>` routes use it
    _register_blueprints(app)
    _register_request_hooks(app)
    errors.register(app)
    formatting.register(app)
    from nitsys import i18n

    i18n.init(app)  # English for the public pages (after formatting: it wraps `jdate`)
    from nitsys.cli import register_commands

    register_commands(app)
    return app


def _configure_logging(app: Flask) -> None:
    if not logging.getLogger().handlers:
        logging.basicConfig(
            level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s"
        )


def _init_extensions(app: Flask) -> None:
    db.init_app(app)
    migrate.init_app(app, db, directory=str(BASE_DIR / "migrations"), render_as_batch=True)
    csrf.init_app(app)
    mail.init_app(app)
    limiter.init_app(app)
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = "ログインしてください。"
    login_manager.login_message_category = "info"
    login_manager.session_protection = "basic"
    from nitsys import (
        models,  # noqa: F401 - register every table
        tasks,
    )

    tasks.install(app)  # committed mail wakes a worker (task queue)


def _register_blueprints(app: Flask) -> None:
    from nitsys.admin import bp as admin_bp
    from nitsys.api import bp as api_bp
    from nitsys.auth import bp as auth_bp
    from nitsys.entries import bp as entries_bp
    from nitsys.health import bp as health_bp
    from nitsys.public import bp as public_bp

    app.register_blueprint(public_bp)
    app.register_blueprint(health_bp)
    app.register_blueprint(auth_bp, url_prefix="/auth")
    app.register_blueprint(entries_bp, url_prefix="/my")
    app.register_blueprint(admin_bp, url_prefix="/admin")
    app.register_blueprint(api_bp, url_prefix="/api/v1")


def _register_request_hooks(app: Flask) -> None:
    app.before_request(security.check_origin)
    app.before_request(security.enforce_session_limits)
    app.before_request(errors.maintenance_gate)
    app.after_request(security.set_security_headers)

    if app.config["BENCH_QUERY_COUNT"]:
        _count_queries_per_request(app)

    if app.config["OUTBOX_DELIVER_AFTER_REQUEST"]:

        @app.teardown_request
        def deliver_queued_mail(_exc=None):
            from nitsys.services import outbox

            try:
                outbox.deliver_due()
            except Exception:  # development convenience; the worker is the real path
                app.logger.exception("outbox delivery after request failed")
                db.session.rollback()


def _count_queries_per_request(app: Flask) -> None:
    """Bench-only: X-Query-Count and X-Server-Time headers on every response."""
    from sqlalchemy import event

    with app.app_context():
        engine = db.engine

    @event.listens_for(engine, "before_cursor_execute")
    def count(*_args):
        if has_request_context():
            g.query_count = g.get("query_count", 0) + 1

    @app.before_request
    def start_timer():
        g.query_count = 0
        g.started = time.perf_counter()

    @app.after_request
    def add_headers(response):
        response.headers["X-Query-Count"] = str(g.get("query_count", 0))
        elapsed_ms = (time.perf_counter() - g.get("started", time.perf_counter())) * 1000
        response.headers["X-Server-Time"] = f"{elapsed_ms:.2f}"
        return response
