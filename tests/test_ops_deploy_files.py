"""Procfile, gunicorn.conf.py and render.yaml agree with each other and with the app."""

from __future__ import annotations

import runpy
from pathlib import Path
from types import SimpleNamespace

import pytest

from config import BASE_DIR
from nitsys import create_app
from tests import conftest

PROCFILE = dict(
    line.split(": ", 1) for line in (BASE_DIR / "Procfile").read_text().splitlines() if line
)
RENDER = (BASE_DIR / "render.yaml").read_text()


def test_procfile_runs_gunicorn_migrations_and_the_task_worker(app):
    assert PROCFILE == {
        "web": "gunicorn -c gunicorn.conf.py wsgi:app",
        "release": "flask --app wsgi db upgrade",
        "worker": "flask --app wsgi worker",
    }
    assert {"db", "worker", "mail-worker"} <= set(app.cli.list_commands(None))


def test_render_blueprint_matches_the_procfile():
    assert f"startCommand: {PROCFILE['web']}" in RENDER
    assert f"preDeployCommand: {PROCFILE['release']}" in RENDER
    assert f"startCommand: {PROCFILE['worker']}" in RENDER
    assert "make assets" in RENDER  # static files are built at build time
    assert "key: NITSYS_ENV\n        value: production" in RENDER
    assert "fromDatabase:" in RENDER and "property: connectionString" in RENDER
    assert "healthCheckPath: /healthz" in RENDER
    # Web instances and the worker share the queue, the limiter and the sessions' state.
    assert "type: keyvalue" in RENDER and RENDER.count("fromService:") >= 2
    for name in (
        "SECRET_KEY",
        "ALLOWED_HOSTS",
        "CSRF_TRUSTED_ORIGINS",
        "SENTRY_DSN",
        "EMAIL_HOST_USER",
        "EMAIL_HOST_PASSWORD",
        "TRUSTED_PROXY_COUNT",
        "STORAGE_URL",
        "S3_ENDPOINT_URL",
        "AWS_ACCESS_KEY_ID",
        "AWS_SECRET_ACCESS_KEY",
    ):
        assert f"key: {name}\n" in RENDER


@pytest.mark.parametrize(("concurrency", "expected"), [("3", 3), ("", None)])
def test_gunicorn_workers_follow_web_concurrency(monkeypatch, concurrency, expected):
    monkeypatch.setenv("WEB_CONCURRENCY", concurrency)
    settings = runpy.run_path(str(Path(BASE_DIR) / "gunicorn.conf.py"))
    if expected:
        assert settings["workers"] == expected
    else:
        assert 1 <= settings["workers"] <= 4
    assert settings["timeout"] == 60 and settings["accesslog"] is None


def test_a_new_worker_has_compiled_every_template_before_its_first_visitor(app, monkeypatch):
    settings = runpy.run_path(str(Path(BASE_DIR) / "gunicorn.conf.py"))
    app.jinja_env.cache.clear()
    settings["post_worker_init"](SimpleNamespace(wsgi=app))

    def compile_during_a_visit(source, name=None, *args, **kwargs):
        raise AssertionError(f"{name} was compiled while a visitor waited")

    monkeypatch.setattr(app.jinja_env, "compile", compile_during_a_visit)
    client = app.test_client()
    for path in ("/", "/auth/login"):
        assert client.get(path).status_code == 200


def test_a_worker_still_boots_when_the_database_is_down_at_deploy(caplog):
    down = create_app(
        conftest.test_settings("postgresql://postgres@127.0.0.1:9/x?connect_timeout=1")
    )
    settings = runpy.run_path(str(Path(BASE_DIR) / "gunicorn.conf.py"))
    settings["post_worker_init"](SimpleNamespace(wsgi=down))
    assert "database unreachable" in caplog.text
    assert down.test_client().get("/readyz").status_code == 503


def _post_from_https(app):
    return app.test_client().post(
        "/auth/login",
        data={"email": "x@example.jp", "password": "nope"},
        headers={
            "Origin": "https://localhost",
            "X-Forwarded-Proto": "https",
            "X-Forwarded-Host": "localhost",
            "X-Forwarded-For": "203.0.113.9",
        },
    )


def test_proxyfix_follows_trusted_proxy_count(app, database_url):
    behind_proxy = create_app(conftest.test_settings(database_url, TRUSTED_PROXY_COUNT=1))
    assert _post_from_https(behind_proxy).status_code == 422  # origin accepted, form refused
    # Without the setting the forwarded https origin is not believed.
    assert _post_from_https(app).status_code == 403
