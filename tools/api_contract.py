"""`python -m tools.api_contract`: schemathesis against the live API on PostgreSQL.

Makes a scratch PostgreSQL database (next to TEST_DATABASE_URL, default the local `test`
database), migrates it, seeds a small meet (published heats, results, a team with a draft
and a submitted application), creates a team token (read write) and a staff token (read
timing), serves the app on a free 127.0.0.1 port in a thread, then runs schemathesis three
times — without a token (public operations), with the team token and with the timing
token — every operation, all phases (examples, coverage, fuzzing, stateful links), a bounded
number of examples. Fails on any 5xx, a response that breaks its schema, an undocumented
status code or content type. Everything is removed at the end, also on errors.

Environment: API_CONTRACT_EXAMPLES (default 20), TEST_DATABASE_URL.
"""

from __future__ import annotations

import logging
import os
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
ST = Path(sys.executable).parent / "st"
CHECKS = ",".join((
    "not_a_server_error", "status_code_conformance", "content_type_conformance",
    "response_headers_conformance", "response_schema_conformance", "negative_data_rejection",
    "missing_required_header", "unsupported_method", "use_after_free",
    "ensure_resource_availability", "ignored_auth",
))  # fmt: skip


def scratch_database(workdir: Path):
    """A scratch PostgreSQL database next to TEST_DATABASE_URL (the bench's helper)."""
    from bench.harness import bench_database

    configured = os.environ.get("TEST_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/test")
    if not configured.startswith(("postgres://", "postgresql")):
        raise SystemExit("TEST_DATABASE_URL must be a PostgreSQL URL")
    os.environ["DATABASE_URL"] = configured
    return bench_database(workdir)


def contract_app(database_url: str):
    from nitsys import create_app

    return create_app({
        "SQLALCHEMY_DATABASE_URI": database_url,
        "SECRET_KEY": uuid.uuid4().hex * 2,
        "DEBUG": False,
        "TESTING": False,
        "ALLOWED_HOSTS": ["127.0.0.1"],
        "TRUSTED_HOSTS": ["127.0.0.1"],
        "WTF_CSRF_ENABLED": True,  # the API must work without it (token, not cookie)
        "RATELIMIT_STORAGE_URI": "memory://",
        "API_RATE_LIMIT_PER_TOKEN": "100000 per minute",
        "API_RATE_LIMIT_PER_IP": "100000 per minute",
        "MAIL_TRANSPORT": "console",
        "MAIL_SUPPRESS_SEND": True,
        "OUTBOX_DELIVER_AFTER_REQUEST": False,
        "SESSION_COOKIE_SECURE": False,
        "SENTRY_DSN": "",
    })  # fmt: skip


def seed() -> dict[str, str]:
    """A published meet open for entries with published heats and results; two tokens."""
    from nitsys.extensions import db
    from nitsys.models import HeatResult, Notice, NoticeCategory
    from nitsys.services import entries, heats, tokens
    from tests import factories

    official = factories.make_user("official")
    staff = factories.make_user("staff")
    coach = factories.make_user()
    meet = factories.make_meet()
    race = factories.make_race(meet, first_start_at=datetime(2026, 12, 5, 1, 0, tzinfo=UTC))
    factories.make_race(meet, gender=factories.RaceGender.FEMALE)
    factories.make_confirmed_entries(race, [90000 + i * 100 for i in range(6)], coach=coach)
    factories.make_locked_heats(race, official)
    heats.publish_race(race.id, by=official)
    for heat in heats.race_heats(race.id):
        for place, slot in enumerate(heat.slots, start=1):
            db.session.add(HeatResult(slot_id=slot.id, heat_id=heat.id, status="finished",
                                      place=place, time=86000 + place * 100))  # fmt: skip
    for _ in range(3):
        athlete = factories.make_athlete(coach)
    entries.add_entry(coach, meet_id=meet.id, athlete_id=athlete.id, race_id=race.id,
                      declared_time="15:00.00")  # fmt: skip
    original = factories.save(Notice(title="招集について", body="**招集**は30分前", meet_id=meet.id,
                                     publish_at=datetime.now(UTC)))  # fmt: skip
    factories.save(Notice(title="訂正", category=NoticeCategory.CORRECTION, corrects_id=original.id,
                          publish_at=datetime.now(UTC)))  # fmt: skip
    db.session.commit()
    team = tokens.create_token(coach, name="contract", scopes=["read", "write"], days=7)
    timing = tokens.create_token(staff, name="contract", scopes=["read", "timing"], days=7)
    db.session.commit()
    return {
        "team": team.secret,
        "timing": timing.secret,
        "ids": {"meet_id": meet.id, "race_id": race.id, "heat_number": 1},
    }


def config_file(workdir: Path, ids: dict[str, int]) -> Path:
    """The seeded meet, race and heat for the authenticated runs, so that their requests
    reach the rules and the import instead of stopping at 404 (other ids are generated)."""
    path = workdir / "schemathesis.toml"
    lines = ["[parameters]", *(f"{name} = {value}" for name, value in ids.items())]
    path.write_text("\n".join(lines) + "\n")
    return path


@contextmanager
def serve(app):
    from werkzeug.serving import make_server

    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()


def schemathesis(base_url: str, label: str, *options: str, config: Path | None = None,
                 stateful: bool = False) -> int:  # fmt: skip
    examples = os.environ.get("API_CONTRACT_EXAMPLES", "20")
    phases = "examples,coverage,fuzzing" + (",stateful" if stateful else "")
    command = [
        str(ST), "--no-color", *(["--config-file", str(config)] if config else []),
        "run", f"{base_url}/api/v1/openapi.json", "--checks", CHECKS,
        "--max-examples", examples, "--workers", "1", "--seed", "18", "--phases", phases,
        "--request-timeout", "20", "--suppress-health-check", "all", *options,
    ]  # fmt: skip
    print(f"\n=== schemathesis: {label} ===", flush=True)
    started = time.perf_counter()
    result = subprocess.run(command, cwd=ROOT, check=False)
    print(f"=== {label}: exit {result.returncode} in {time.perf_counter() - started:.0f} s ===")
    return result.returncode


def main() -> int:
    logging.getLogger("nitsys.request").setLevel(logging.WARNING)
    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    with tempfile.TemporaryDirectory(prefix="nitsys-contract-") as tmp, \
            scratch_database(Path(tmp)) as database_url:  # fmt: skip
        app = contract_app(database_url)
        try:
            with app.app_context():
                from flask_migrate import upgrade

                upgrade()
                seeded = seed()
            config = config_file(Path(tmp), seeded["ids"])
            with serve(app) as base_url:
                failures = [
                    schemathesis(base_url, "public, no token", "--include-tag", "public"),
                    schemathesis(base_url, "team token (read write)",
                                 "-H", f"Authorization: Bearer {seeded['team']}",
                                 "--include-tag", "team", config=config, stateful=True),
                    schemathesis(base_url, "timing token (read timing)",
                                 "-H", f"Authorization: Bearer {seeded['timing']}",
                                 "--include-tag", "timing", config=config),
                ]  # fmt: skip
        finally:
            with app.app_context():
                from nitsys.extensions import db

                db.session.remove()
                db.engine.dispose()
    failed = sum(1 for code in failures if code != 0)
    print(f"\ncontract: {3 - failed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
