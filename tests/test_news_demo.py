"""`flask seed-demo` shows the public site: notices of each category, one scheduled, one expired."""

from __future__ import annotations

from collections import Counter

from sqlalchemy import select

from nitsys.demo import DEFAULT_SEED, seed_demo
from nitsys.extensions import db
from nitsys.models import MeetGuideline, Notice, NoticeCategory
from nitsys.models.base import utcnow


def test_demo_notices_cover_each_category_with_one_scheduled_and_one_expired(app, client):
    seed_demo(DEFAULT_SEED)
    db.session.commit()
    notices = db.session.scalars(select(Notice)).all()
    now = utcnow()
    assert set(Counter(n.category for n in notices)) == set(NoticeCategory)
    scheduled = [n for n in notices if n.publish_at > now]
    expired = [n for n in notices if n.expires_at and n.expires_at <= now]
    assert len(scheduled) == 1 and len(expired) == 1
    correction = next(n for n in notices if n.category is NoticeCategory.CORRECTION)
    assert correction.corrects_id is not None
    assert db.session.scalar(select(MeetGuideline.id)) is not None

    home = client.get("/").get_data(as_text=True)
    listing = client.get("/news").get_data(as_text=True)
    for hidden in scheduled + expired:
        assert hidden.title not in home and hidden.title not in listing
    assert "notice-urgent" in home and "notice-important" in home
