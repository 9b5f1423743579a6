"""Production refuses unsafe settings and names each one (SPEC §10)."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

from config import (
    BASE_DIR,
    ConfigurationError,
    check_production,
    load_settings,
    normalise_database_url,
)
from nitsys import create_app

STRONG_KEY = "k" * 40 + "Zx9-Qw7_Er5!Ty3@Ui1#"
FLASK = str(Path(sys.executable).parent / "flask")


def test_postgres_scheme_is_accepted_and_uses_psycopg3():
    assert (
        normalise_database_url("postgres://u:p@db:5432/nitsys")
        == "postgresql+psycopg://u:p@db:5432/nitsys"
    )
    assert normalise_database_url("sqlite:///x.db") == "sqlite:///x.db"


@pytest.mark.parametrize(
    ("env", "named"),
    [
        (
            {"DEBUG": "True", "SECRET_KEY": STRONG_KEY, "ALLOWED_HOSTS": "nitsys.example.jp"},
            "DEBUG",
        ),
        ({"SECRET_KEY": "", "ALLOWED_HOSTS": "nitsys.example.jp"}, "SECRET_KEY"),
        ({"SECRET_KEY": "short-key", "ALLOWED_HOSTS": "nitsys.example.jp"}, "SECRET_KEY"),
        (
            {"SECRET_KEY": "dev-insecure-secret-key-change-me", "ALLOWED_HOSTS": "a.example.jp"},
            "SECRET_KEY",
        ),
        ({"SECRET_KEY": STRONG_KEY, "ALLOWED_HOSTS": ""}, "ALLOWED_HOSTS"),
    ],
)
def test_production_refuses_to_start_and_says_which_setting(monkeypatch, env, named):
    for key in ("DEBUG", "SECRET_KEY", "ALLOWED_HOSTS"):
        monkeypatch.setenv(key, env.get(key, ""))
    with pytest.raises(ConfigurationError) as refused:
        create_app(production=True)
    assert named in str(refused.value)


def test_good_production_settings_start(monkeypatch):
    monkeypatch.setenv("DEBUG", "False")
    monkeypatch.setenv("SECRET_KEY", STRONG_KEY)
    monkeypatch.setenv("ALLOWED_HOSTS", "nitsys.example.jp")
    check_production(load_settings())  # no exception
    app = create_app(production=True)
    assert app.config["TRUSTED_HOSTS"] == ["nitsys.example.jp"]
    assert app.config["SESSION_COOKIE_SECURE"] is True


@pytest.fixture
def production_without_hosts(monkeypatch, tmp_path) -> dict:
    env = {
        "NITSYS_ENV": "production",
        "DEBUG": "False",
        "SECRET_KEY": STRONG_KEY,
        "ALLOWED_HOSTS": "",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
    }
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    monkeypatch.delenv("FLASK_RUN_FROM_CLI", raising=False)
    return dict(os.environ)


@pytest.mark.parametrize(
    ("command", "starts"),
    [
        ([FLASK, "--app", "wsgi", "db", "heads"], True),  # a release command
        ([FLASK, "--app", "wsgi", "run", "--port", "9"], False),
        ([sys.executable, "-c", "import wsgi"], False),  # what gunicorn loads
    ],
)
def test_only_a_serving_process_needs_allowed_hosts(production_without_hosts, command, starts):
    run = subprocess.run(
        command,
        cwd=BASE_DIR,
        env=production_without_hosts,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert (run.returncode == 0) is starts, run.stderr
    assert ("ALLOWED_HOSTS に本番ドメインを設定してください" in run.stderr) is not starts
