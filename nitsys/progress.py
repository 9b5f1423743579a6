"""Progress from inside a long build: the job runner sets a callback, the builders call :func:`tick`.

A background job (the archive, a whole-meet PDF) reports its progress to the exports page; a
part that runs for seconds (a PDF of hundreds of pages, a workbook) calls ``tick("…")`` per page
or sheet so the page keeps moving. Outside a job nobody listens and a tick costs nothing.
:class:`Throttle` keeps the listener from committing more often than needed.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar

_listener: ContextVar[Callable[[str], None] | None] = ContextVar("progress_listener", default=None)


@contextmanager
def listening(callback: Callable[[str], None]) -> Iterator[None]:
    """Within the block, every :func:`tick` calls `callback(what)`."""
    token = _listener.set(callback)
    try:
        yield
    finally:
        _listener.reset(token)


def tick(what: str = "") -> None:
    """Say the build got one step further (`what`: e.g. "12ページ")."""
    callback = _listener.get()
    if callback is not None:
        callback(what)


class Throttle:
    """Pass a call on at most once per `interval` seconds (the first always passes)."""

    def __init__(self, interval: float = 0.5, clock: Callable[[], float] = time.monotonic):
        self.interval = interval
        self.clock = clock
        self.last: float | None = None

    def due(self) -> bool:
        now = self.clock()
        if self.last is not None and now - self.last < self.interval:
            return False
        self.last = now
        return True
