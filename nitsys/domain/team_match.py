"""Matching team names typed into a planner's spreadsheet to organizations (SPEC §9).

The earlier system matched names fuzzily and silently, so permits went to the wrong team.
Here the order is fixed and only the first two steps are ever taken without a person:

1. exact: the team id, or the full name after normalising the writing (全角/半角, spaces,
   大学 ↔ 大, 高等学校 ↔ 高校, ヶ/ケ) — a deterministic rewrite, not a guess;
2. short name (略称), exactly after the same normalising;
3. fuzzy (rapidfuzz): candidates only. The caller must have a person pick one.

A name that fits several teams at step 1 or 2 is *ambiguous* and also needs a choice.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from enum import StrEnum

from rapidfuzz import fuzz, process

FUZZY_CUTOFF = 60
MAX_CANDIDATES = 5
_SPACES = re.compile(r"[\s\u3000・･.．,，]+")
# Longer forms first: the normalised name always uses the short spelling.
_REWRITES = (
    ("高等学校", "高"),
    ("高校", "高"),
    ("大学校", "大"),
    ("大学", "大"),
    ("ヶ", "ケ"),
    ("ヵ", "カ"),
    ("陸上競技部", ""),
    ("陸上部", ""),
    ("駅伝部", ""),
    ("長距離ブロック", ""),
    ("株式会社", ""),
    ("(株)", ""),
)


def normalise(name: str) -> str:
    """The writing-independent key of a team name ("日本体育大学 " == "日本体育大" == "日本体育大")."""
    text = unicodedata.normalize("NFKC", name or "")
    text = _SPACES.sub("", text).casefold()
    for long, short in _REWRITES:
        text = text.replace(long, short)
    return text


class MatchKind(StrEnum):
    ID = "id"
    EXACT = "exact"  # the full name, written exactly or differently (全角/半角, 大学/大)
    SHORT = "short"
    FUZZY = "fuzzy"
    AMBIGUOUS = "ambiguous"
    NONE = "none"

    @property
    def label(self) -> str:
        return {
            "id": "団体ID",
            "exact": "団体名",
            "short": "略称",
            "fuzzy": "候補あり（要確認）",
            "ambiguous": "複数該当（要選択）",
            "none": "該当なし",
        }[self.value]

    @property
    def needs_choice(self) -> bool:
        return self in (MatchKind.FUZZY, MatchKind.AMBIGUOUS, MatchKind.NONE)


@dataclass(frozen=True)
class Team:
    id: int
    name: str
    short_name: str = ""


@dataclass(frozen=True)
class Candidate:
    team_id: int
    score: int  # 0–100; 100 for an exact or short-name tie


@dataclass
class Match:
    kind: MatchKind
    team_id: int | None = None
    candidates: list[Candidate] = field(default_factory=list)


class TeamIndex:
    """The teams of one import, indexed once (normalised names, short names, ids)."""

    def __init__(self, teams: list[Team]):
        self.teams = {team.id: team for team in teams}
        self.by_name: dict[str, list[int]] = {}
        self.by_short: dict[str, list[int]] = {}
        for team in teams:
            self.by_name.setdefault(normalise(team.name), []).append(team.id)
            if team.short_name:
                self.by_short.setdefault(normalise(team.short_name), []).append(team.id)
        self._choices = {
            team.id: " ".join(filter(None, (normalise(team.name), normalise(team.short_name))))
            for team in teams
        }

    def match(self, team_id: str = "", name: str = "", short_name: str = "") -> Match:
        """Match one row: by id, full name, short name (name cell or short-name cell), fuzzily."""
        team_id = unicodedata.normalize("NFKC", team_id or "").strip()
        if team_id:
            if team_id.isdigit() and int(team_id) in self.teams:
                return Match(MatchKind.ID, int(team_id))
            return Match(MatchKind.NONE)  # a wrong id is never "corrected" by the name
        keys = [key for key in (normalise(name), normalise(short_name)) if key]
        if not keys:
            return Match(MatchKind.NONE)
        for kind, index, key in (
            (MatchKind.EXACT, self.by_name, keys[0] if name else None),
            *((MatchKind.SHORT, self.by_short, key) for key in keys),
        ):
            found = index.get(key, []) if key else []
            if len(found) == 1:
                return Match(kind, found[0])
            if len(found) > 1:
                return Match(MatchKind.AMBIGUOUS, candidates=[Candidate(i, 100) for i in found])
        return self._fuzzy(" ".join(keys))

    def _fuzzy(self, key: str) -> Match:
        found = process.extract(
            key,
            self._choices,
            scorer=fuzz.WRatio,
            score_cutoff=FUZZY_CUTOFF,
            limit=MAX_CANDIDATES,
        )
        candidates = [Candidate(team_id, round(score)) for _, score, team_id in found]
        if not candidates:
            return Match(MatchKind.NONE)
        top = candidates[0].score
        close = [c for c in candidates if c.score >= top - 5]
        kind = MatchKind.AMBIGUOUS if len(close) > 1 else MatchKind.FUZZY
        return Match(kind, candidates=candidates)
