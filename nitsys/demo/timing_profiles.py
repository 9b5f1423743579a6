"""A saved timing-CSV profile for the upcoming meet, so the exports page has one to use."""

from __future__ import annotations

import random

from nitsys.demo.context import DemoContext
from nitsys.services import timing_profiles

# NISHI style (reference/timing-formats.md B.9): the vendor's IDs, ours for the heat columns.
NISHI = {
    "name": "NISHI",
    "columns": ["race_code", "heat", "position", "bib", "name", "name_kana", "organization"],
    "header": "ids",
    "header_ids": {"race_code": "S1", "heat": "K1", "position": "K2", "organization": "SZ"},
    "encoding": "cp932",
}


def create_timing_profiles(rng: random.Random, context: DemoContext) -> None:
    timing_profiles.save_profile(context.meet.id, NISHI, by=context.staff)
