"""What the demo steps share: the clock, the one password hash and the objects made so far."""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from nitsys.models import BankAccount, Meet, Organization, Race, User

DEMO_PASSWORD = "nitsys-demo-325"  # printed by `flask seed-demo` on purpose
DEMO_EMAIL_DOMAIN = "demo.nitsys.jp"
UPCOMING_MEET_IN_DAYS = 40


@dataclass
class DemoContext:
    """Filled in step by step; a later step reads what an earlier one created."""

    seed: int
    now: datetime  # aware UTC
    today: date  # in Asia/Tokyo
    password_hash: str  # of DEMO_PASSWORD, computed once for every demo user
    staff: User | None = None
    official: User | None = None
    organizations: list[Organization] = field(default_factory=list)
    organization_prefectures: dict[int, str] = field(default_factory=dict)  # id → JIS code
    coaches: list[User] = field(default_factory=list)
    individuals: list[User] = field(default_factory=list)
    bank_account: BankAccount | None = None
    meet: Meet | None = None  # the upcoming meet taking entries
    past_meet: Meet | None = None
    races: dict[str, Race] = field(default_factory=dict)  # upcoming meet, by code: "NCG_M5000"

    @property
    def meet_day(self) -> date:
        """The day of the upcoming meet (athletes' ages and grades are taken on it)."""
        return self.today + timedelta(days=UPCOMING_MEET_IN_DAYS)


Step = Callable[[random.Random, DemoContext], None]


def demo_email(local_part: str) -> str:
    return f"{local_part}@{DEMO_EMAIL_DOMAIN}"
