"""Step: what the staff back office shows a newcomer — a team that registered twice (its
merge page lists a runner both registrations hold) and staff notes on a few teams."""

from __future__ import annotations

import random

from sqlalchemy import select

from nitsys.demo.context import DemoContext, demo_email
from nitsys.extensions import db
from nitsys.models import Athlete, Organization, TeamNote, User
from nitsys.services.athletes import FIELDS

NOTES = (
    "代表者から電話あり。振込名義は監督の個人名になるとのこと。",
    "振込明細の金額が1,000円不足。差額を追加で振り込むと連絡済み。",
    "申込担当者が4月に交代予定。新担当への招待を依頼された。",
)


def create_back_office(rng: random.Random, context: DemoContext) -> None:
    """No draws from `rng`: every earlier step's data stays as it was for a seed."""
    original = context.organizations[1]
    duplicate = Organization(
        name=f"{original.name}陸上競技部",
        name_kana=f"{original.name_kana}リクジョウキョウギブ",
        short_name=original.short_name,
        org_type=original.org_type,
        representative_name="重複 登録",
        representative_email=demo_email("coach-duplicate"),
        representative_phone="090-0000-0325",
    )
    db.session.add(duplicate)
    db.session.flush()
    db.session.add(
        User(
            email=demo_email("coach-duplicate"),
            password_hash=context.password_hash,
            full_name="重複 登録",
            full_name_kana="チョウフク トウロク",
            organization_id=duplicate.id,
        )
    )
    # Two of the original squad registered again by the second account (same JAAF IDs).
    again = db.session.scalars(
        select(Athlete).where(Athlete.organization_id == original.id).order_by(Athlete.id).limit(2)
    ).all()
    db.session.add_all(
        Athlete(organization_id=duplicate.id, **{name: getattr(a, name) for name in FIELDS})
        for a in again
    )
    db.session.add_all(
        TeamNote(organization_id=team.id, body=body, by_id=context.staff.id, at=context.now)
        for team, body in zip(context.organizations[2:5], NOTES, strict=True)
    )
    db.session.flush()
