"""`python -m bench.profile_journeys [--rounds N]`: where the CPU of the load-test journeys goes.

Seeds the demo data into a scratch database (PostgreSQL when DATABASE_URL says so), then runs
the Locust journeys' pages in-process under cProfile — coaches log in and read the dashboard,
roster, entry form and history; the public reads start lists and finds a heat; officials search
the check-in desk — and prints the CPU time by cost (password hashing, template rendering,
SQL: building statements and reading rows, the database driver, the rest) and the top
functions by own time.
"""

from __future__ import annotations

import argparse
import cProfile
import pstats
import sys
import tempfile
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CATEGORIES = (
    ("パスワードのハッシュ（Argon2id）", ("argon2", "hashlib", "scrypt", "werkzeug/security")),
    ("テンプレート描画（Jinja2）", ("jinja2", "templates/", "markupsafe")),
    ("データベースとの往復（psycopg / sqlite3、待ち時間を含む）", ("psycopg", "sqlite3")),
    ("SQLAlchemy（文の組み立て・行の読み込み）", ("sqlalchemy",)),
    ("Flask / Werkzeug / 拡張", ("flask", "werkzeug", "wtforms", "flask_")),
    ("NIT-SYS のコード", ("nitsys/",)),
)


def category(where: str) -> str:
    for name, needles in CATEGORIES:
        if any(needle in where for needle in needles):
            return name
    return "その他"


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rounds", type=int, default=20, help="journeys per role (20)")
    args = parser.parse_args(argv)
    from bench.harness import bench_database, flask_command, server_environment

    with tempfile.TemporaryDirectory(prefix="nitsys-profile-") as folder:
        workdir = Path(folder)
        with bench_database(workdir) as database_url:
            env = server_environment(database_url, workdir)
            flask_command(env, "db", "upgrade")
            print(flask_command(env, "seed-demo").splitlines()[0])
            return profile(database_url, args.rounds)


def profile(database_url: str, rounds: int) -> int:
    from sqlalchemy import select

    from bench.run import bench_app
    from nitsys.demo.context import DEMO_PASSWORD
    from nitsys.extensions import db
    from nitsys.models import Heat, Meet, Race

    app = bench_app(database_url)
    app.config.update(WTF_CSRF_ENABLED=False)
    with app.app_context():
        meet = db.session.scalars(select(Meet).where(Meet.entry_open)).first().id
        heats_meet = db.session.scalars(
            select(Race.meet_id).join(Heat).where(Heat.published_at.is_not(None))
        ).first()
    coach_pages = ["/my/", "/my/athletes", f"/my/meets/{meet}/entry", "/my/entries"]
    public_pages = [f"/meets/{heats_meet}/startlist", f"/meets/{heats_meet}/startlist?q=たなか"]
    profiler = cProfile.Profile()
    profiler.enable()
    for n in range(rounds):
        coach = app.test_client()
        email = f"coach{n % 100 + 1:03d}@demo.nitsys.jp"
        coach.post("/auth/login", data={"email": email, "password": DEMO_PASSWORD})
        for path in coach_pages:
            assert coach.get(path).status_code == 200, path
        public = app.test_client()
        for path in public_pages:
            assert public.get(path).status_code == 200, path
    profiler.disable()
    stats = pstats.Stats(profiler)
    total = sum(row[2] for row in stats.stats.values())  # own time of every function
    by_category: dict[str, float] = defaultdict(float)
    for (filename, _line, function), row in stats.stats.items():
        by_category[category(f"{filename}:{function}")] += row[2]  # built-ins: by name
    print(
        f"\n合計 {total:.2f} s（{rounds} 回 × ログイン + 指導者4画面 + 一般2画面、cProfile の経過時間）"
    )
    for name, seconds in sorted(by_category.items(), key=lambda item: -item[1]):
        print(f"  {seconds / total:6.1%}  {seconds:6.2f} s  {name}")
    print("\n自分の時間が長い関数 上位10:")
    stats.sort_stats("tottime").print_stats(10)
    return 0


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    sys.exit(main())
