"""Two requests writing the same unique row at once (two coaches of one team, two desks).

The service checks the rule first and says why in Japanese; the database's unique key is the
last word when a concurrent request slipped in between the check and the write. This turns that
clash into the same kind of refusal instead of a 500.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy.exc import IntegrityError

from nitsys.extensions import db
from nitsys.services.errors import RuleViolation


@contextmanager
def refused_on_conflict(refusal: RuleViolation) -> Iterator[None]:
    """Flush what the block adds inside a savepoint; a unique-key clash raises `refusal`.

    The savepoint keeps the rest of the transaction usable, so the view can still render.
    """
    try:
        with db.session.begin_nested():
            yield
    except IntegrityError as error:
        raise refusal from error
