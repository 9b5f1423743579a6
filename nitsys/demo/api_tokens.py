"""API tokens (issue #18): the first coach already uses one from the team's spreadsheet and
the staff one from the timing PC, so the profile page shows the list, last use and revoke.
The secrets are thrown away (shown once, and only to whoever makes a token)."""

from __future__ import annotations

import random
from datetime import timedelta

from nitsys.demo.context import DemoContext
from nitsys.services import tokens


def create_api_tokens(_rng: random.Random, context: DemoContext) -> None:
    if context.coaches:
        sheet = tokens.create_token(
            context.coaches[0], name="部の記録表（デモ）", scopes=["read", "write"], days=90
        ).token
        sheet.last_used_at = context.now - timedelta(hours=5)
    if context.staff is not None:
        tokens.create_token(
            context.staff, name="計測PC（デモ）", scopes=["read", "timing"], days=30
        )
