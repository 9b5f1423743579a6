"""Whether a meet takes entries right now, as a state with a Japanese label (SPEC §2, §4).

Pure: works on anything with ``is_published``, ``entry_open``, ``entry_opens_at`` and
``entry_closes_at`` (aware datetimes), e.g. a ``Meet``.
"""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Protocol


class EntryWindowState(enum.StrEnum):
    HIDDEN = "hidden"
    NOT_YET = "not_yet"
    OPEN = "open"
    PAUSED = "paused"
    CLOSED = "closed"

    @property
    def label(self) -> str:
        return _LABELS[self]

    @property
    def accepts_entries(self) -> bool:
        return self is EntryWindowState.OPEN


_LABELS = {
    EntryWindowState.HIDDEN: "非公開",
    EntryWindowState.NOT_YET: "受付前",
    EntryWindowState.OPEN: "受付中",
    EntryWindowState.PAUSED: "一時停止",
    EntryWindowState.CLOSED: "締切",
}


class HasEntryWindow(Protocol):
    is_published: bool
    entry_open: bool
    entry_opens_at: datetime
    entry_closes_at: datetime


def entry_window_state(meet: HasEntryWindow, now: datetime) -> EntryWindowState:
    """The window is [opens_at, closes_at); inside it the entry-open switch pauses entries."""
    if not meet.is_published:
        return EntryWindowState.HIDDEN
    if now >= meet.entry_closes_at:
        return EntryWindowState.CLOSED
    if now < meet.entry_opens_at:
        return EntryWindowState.NOT_YET
    if not meet.entry_open:
        return EntryWindowState.PAUSED
    return EntryWindowState.OPEN
