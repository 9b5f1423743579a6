"""Demo data shaped like the 325th meet (`flask seed-demo`, `make run`, `bench/`).

`seed_demo(seed)` runs the functions in `STEPS` in order inside the caller's transaction
(the caller commits). Each step has the signature `step(rng, context) -> None`:

- `rng` is the one `random.Random(seed)` shared by every step, so the same seed gives the
  same data. A step must draw from it in a fixed order (iterate lists, never sets).
- `context` is a `DemoContext` (nitsys/demo/context.py) holding what earlier steps made:
  `staff`, `official`, `organizations`, `coaches`, `individuals`, `meet` (the upcoming 325th),
  `past_meet` (the 324th, over, with results), `races` by code (`"M5000"`, `"NCG_M5000"`, …), `bank_account`, the clock
  (`now`, `today`, `meet_day`) and `password_hash` for any extra demo user.
- Insert in bulk (`db.session.execute(insert(Model), rows)` or `add_all` + one flush); a step
  that needs ids of what it created flushes once.

A later feature adds its own module, e.g. `nitsys/demo/entries.py` with
`def create_entries(rng, context) -> None`, and appends it to `STEPS` below. Adding a step at
the end leaves every earlier step's data unchanged for a given seed.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import func, inspect, select

from nitsys import passwords
from nitsys.demo import (
    accounts,
    api_tokens,
    athletes,
    back_office,
    entries,
    heats,
    meets,
    news,
    parking,
    payments,
    results,
    timing_profiles,
)
from nitsys.demo.context import DEMO_PASSWORD, DemoContext, Step, demo_email
from nitsys.extensions import db
from nitsys.formatting import TOKYO
from nitsys.models import User
from nitsys.services import audit

DEFAULT_SEED = 325

STEPS: list[Step] = [
    accounts.create_office_accounts,
    accounts.create_organizations,
    accounts.create_individuals,
    athletes.create_athletes,
    meets.create_meets,
    entries.create_entries,
    payments.create_payments,
    heats.build_programme,
    timing_profiles.create_timing_profiles,
    api_tokens.create_api_tokens,  # draws nothing from rng: the results step is unchanged
    news.create_notices,  # draws nothing from rng: the steps after it are unchanged
    parking.create_parking,  # its own rng: the results step after it draws as before
    results.create_past_results,
    back_office.create_back_office,
]


@dataclass(frozen=True)
class Login:
    role: str  # as shown to the user
    email: str


@dataclass(frozen=True)
class DemoSummary:
    seed: int
    counts: dict[str, int]  # table name → rows, tables with rows only
    logins: list[Login]
    coach_count: int
    password: str = DEMO_PASSWORD


def database_has_users() -> bool:
    return db.session.scalar(select(User.id).limit(1)) is not None


def table_counts() -> dict[str, int]:
    """Rows per table, for every table that has any (also printed by the benchmarks)."""
    # The session's own connection: a second one would wait on SQLite's write lock.
    existing = set(inspect(db.session.connection()).get_table_names())  # may await migration
    counts = {}
    for table in db.metadata.sorted_tables:
        if table.name not in existing:
            continue
        rows = db.session.scalar(select(func.count()).select_from(table))
        if rows:
            counts[table.name] = rows
    return counts


def seed_demo(seed: int = DEFAULT_SEED) -> DemoSummary:
    """Create the demo data set in the current transaction; the caller commits."""
    now = datetime.now(UTC)
    context = DemoContext(
        seed=seed,
        now=now,
        today=now.astimezone(TOKYO).date(),
        password_hash=passwords.hash_password(DEMO_PASSWORD),  # once: hashing is slow by design
    )
    rng = random.Random(seed)
    for step in STEPS:
        step(rng, context)
    db.session.flush()
    counts = table_counts()
    audit.record(
        None, "demo.seed", context.meet, meet_id=context.meet.id, after={"seed": seed, **counts}
    )
    return DemoSummary(
        seed=seed, counts=counts, logins=_logins(context), coach_count=len(context.coaches)
    )


def _logins(context: DemoContext) -> list[Login]:
    people = [
        ("管理者", context.staff),
        ("役員", context.official),
        *(("団体（" + c.organization.name + "）", c) for c in context.coaches[:3]),
        *(("個人", u) for u in context.individuals[:1]),
    ]
    return [Login(role, user.email) for role, user in people]


def existing_logins() -> list[Login]:
    """The demo accounts already in the database, for `seed-demo --if-empty` to repeat."""
    emails = [demo_email("staff"), demo_email("official"), demo_email("coach001")]
    users = db.session.scalars(select(User).where(User.email.in_(emails))).all()
    by_email = {user.email: user for user in users}
    return [Login(by_email[e].role.label, e) for e in emails if e in by_email]
