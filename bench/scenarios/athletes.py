"""The roster (選手管理) of the largest demo team, its search partial, and a 500-row import."""

from __future__ import annotations

import io
import time
from datetime import date, timedelta

from openpyxl import Workbook

from bench.harness import Page

IMPORT_ROWS = 500

PAGES = [
    Page("athlete roster", "coach", "/my/athletes"),
    Page("athlete search partial", "coach", "/my/athletes?q=タ&sort=grade", htmx=True),
    Page("athlete import page", "coach", "/my/athletes/import"),
]


def import_file(rows: int = IMPORT_ROWS) -> bytes:
    """A filled-in template: `rows` distinct athletes, IDs typed as numbers, Excel dates."""
    from nitsys.domain.athlete_rows import TEMPLATE_COLUMNS

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("選手一覧")
    sheet.append(list(TEMPLATE_COLUMNS.values()))
    given = ["タロウ", "ハナコ", "ケンタ", "ユウキ", "ショウヘイ", "アヤ", "リョウ", "ミサキ"]
    for n in range(rows):
        birth = date(2003, 4, 2) + timedelta(days=n * 3)
        sheet.append([
            "山田", f"太郎{n}", "ヤマダ", given[n % len(given)], "男" if n % 2 else "女", birth,
            str(n % 4 + 1), "東京", 30000000000 + n, "JPN", None, None,
        ])  # fmt: skip
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _timed(action) -> tuple[object, float]:
    started = time.perf_counter()
    result = action()
    return result, (time.perf_counter() - started) * 1000


def batches(app) -> list[tuple[str, float]]:
    """Upload → preview, then confirm, for a new team importing its whole roster at once."""
    from nitsys.extensions import db
    from nitsys.models import Organization, OrganizationType, User
    from nitsys.services import athletes

    team = Organization(name="ベンチ取込大学", name_kana="ベンチトリコミダイガク",
                        org_type=OrganizationType.UNIVERSITY, representative_name="取込 太郎",
                        representative_email="bench-import@example.jp",
                        representative_phone="03-0000-0000")  # fmt: skip
    coach = User(email="bench-import@example.jp", full_name="取込 太郎", organization=team,
                 password_hash="!")  # fmt: skip
    db.session.add_all([team, coach])
    db.session.commit()
    data = import_file()

    def preview():
        staged = athletes.preview_import(coach, "bench.xlsx", data)
        athletes.classify(coach, staged)
        db.session.commit()
        return staged

    staged, preview_ms = _timed(preview)

    def confirm():
        counts = athletes.confirm_import(coach, staged.id, update_existing=True)
        db.session.commit()
        return counts

    counts, confirm_ms = _timed(confirm)
    assert counts.created == IMPORT_ROWS, counts
    return [
        (f"athlete import preview ({IMPORT_ROWS} rows xlsx)", preview_ms),
        (f"athlete import confirm ({IMPORT_ROWS} new athletes)", confirm_ms),
    ]
