"""Two requests writing the same unique row at once (two coaches of one team, two desks).

The service checks the rule first and says why in Japanese; the database's unique key is the
last word when a concurrent request slipped in between the check and the write. This turns that
clash into the same kind of refusal instead of a 500; trying again then meets the rule check.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy.exc import IntegrityError

from nitsys.domain.errors import RuleViolation
from nitsys.extensions import db


@contextmanager
def refused_on_conflict(refusal: RuleViolation) -> Iterator[None]:
    """Flush what the block adds; a unique-key clash raises `refusal` instead of a 500.

    No savepoint: SQLite's Python driver commits at the release of a savepoint that opened the
    transaction. The failed write spoils the transaction, and the caller rolls back on the
    refusal as it does on any rule violation.
    """
    try:
        yield
        db.session.flush()
    except IntegrityError as error:
        raise refusal from error
