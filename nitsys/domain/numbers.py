"""Whole numbers typed or sent by users, bounded to what the database's integer columns hold.

PostgreSQL's `integer` ends at 2,147,483,647: a larger id or amount would fail in the database
(a 500) instead of being refused with a message, so every integer read from a request goes
through here.
"""

from __future__ import annotations

DB_INT_MIN = -(2**31)
DB_INT_MAX = 2**31 - 1


def fits_db_int(value: int) -> bool:
    return DB_INT_MIN <= value <= DB_INT_MAX


def bounded_int(text: object) -> int:
    """`int(text)` that also raises ValueError for a number the database cannot hold."""
    value = int(text)  # type: ignore[call-overload]
    if not fits_db_int(value):
        raise ValueError(f"integer out of the database range: {value}")
    return value
