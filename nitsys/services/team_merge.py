"""Merging a team that registered twice into the one to keep.

`plan` computes everything the merge will do; the preview shows it and `merge` applies the
plan it computes again under row locks on both teams — so the preview is exactly the merge,
and a second merge (run twice, or by two staff at once) finds nothing left and changes nothing.

Nothing is deleted except an emptied duplicate draft: every row owned by the merged team
(each table in `OWNED_TABLES`) is handed to the kept team; an athlete both teams registered
stays as a record (its entries and results keep pointing at it) but is taken off the roster;
the merged team stays, inactive, and its name becomes an alias of the kept team for search.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field

from sqlalchemy import delete, func, select, update

from nitsys.domain.errors import NotFound, RuleViolation
from nitsys.extensions import db
from nitsys.models import (
    Application,
    ApplicationStatus,
    Athlete,
    AthleteImport,
    Entry,
    Organization,
    OrganizationAlias,
    ParkingRequest,
    PaymentSlip,
    TeamNote,
    User,
)
from nitsys.services import athletes, audit


@dataclass(frozen=True)
class OwnedTable:
    """A table whose rows belong to a team through `organization_id` (moved by a merge).

    `one_per`: a column of which each team holds at most one row per value (a parking request
    per meet); a merged team's row whose value the kept team already has stays where it is.
    """

    label: str
    model: type
    one_per: str | None = None

    def staying(self, keep_id: int):
        """Condition on the merged team's rows that stay with it (the kept team has one)."""
        if self.one_per is None:
            return None
        column = getattr(self.model, self.one_per)
        kept = select(column).where(self.model.organization_id == keep_id)
        return column.in_(kept.scalar_subquery())

    def moving(self, keep_id: int, merged_id: int):
        condition = self.model.organization_id == merged_id
        staying = self.staying(keep_id)
        return condition if staying is None else condition & ~staying


# One entry per table a team owns; a new owned table (e.g. parking) adds its line here.
OWNED_TABLES: list[OwnedTable] = [
    OwnedTable("メンバー", User),
    OwnedTable("選手", Athlete),
    OwnedTable("申込", Application),
    OwnedTable("選手取り込み（確認待ち）", AthleteImport),
    OwnedTable("事務局メモ", TeamNote),
    OwnedTable("旧名", OrganizationAlias),
    OwnedTable("駐車場申請", ParkingRequest, one_per="meet_id"),
]
# Rows that move with their application (shown in the preview; never updated themselves).
CARRIED = [("エントリー", Entry), ("振込明細", PaymentSlip)]


@dataclass(frozen=True)
class Conflict:
    kind: str
    description: str
    resolution: str


@dataclass
class MergePlan:
    keep_id: int
    merged_id: int
    moves: list[tuple[str, int]] = field(default_factory=list)
    carried: list[tuple[str, int]] = field(default_factory=list)
    # (merged team's athlete id, kept team's athlete id): the first leaves the roster.
    same_athletes: list[tuple[int, int]] = field(default_factory=list)
    # (merged team's draft id, kept team's draft id): entries join the second, the first goes.
    drafts: list[tuple[int, int]] = field(default_factory=list)
    conflicts: list[Conflict] = field(default_factory=list)
    add_alias: bool = True
    deactivate: bool = True

    @property
    def empty(self) -> bool:
        return not (any(n for _, n in self.moves) or self.add_alias or self.deactivate)

    @property
    def fingerprint(self) -> str:
        """Names this exact plan (the preview's form sends it back; a changed plan is refused)."""
        return hashlib.sha256(repr(self).encode()).hexdigest()[:16]


def _teams(keep_id: int, merged_id: int, *, lock: bool = False):
    if keep_id == merged_id:
        raise RuleViolation("同じ団体どうしは統合できません。")
    statement = select(Organization).where(Organization.id.in_([keep_id, merged_id]))
    if lock:  # both rows, in id order: two merges of the same pair wait for each other
        statement = statement.order_by(Organization.id).with_for_update()
    found = {team.id: team for team in db.session.scalars(statement)}
    if len(found) != 2:
        raise NotFound("団体が見つかりません。")
    if lock:
        for team in found.values():
            db.session.refresh(team)
    keep, merged = found[keep_id], found[merged_id]
    if not keep.is_active:
        raise RuleViolation("残す団体が無効になっています。有効な団体を選んでください。")
    return keep, merged


def _count(table: OwnedTable, keep_id: int, merged_id: int) -> int:
    return db.session.scalar(
        select(func.count()).select_from(table.model).where(table.moving(keep_id, merged_id))
    )


def _carried(model, merged_id: int) -> int:
    return db.session.scalar(
        select(func.count())
        .select_from(model)
        .join(Application, Application.id == model.application_id)
        .where(Application.organization_id == merged_id)
    )


def plan(keep_id: int, merged_id: int, *, lock: bool = False) -> MergePlan:
    keep, merged = _teams(keep_id, merged_id, lock=lock)
    result = MergePlan(keep.id, merged.id)
    result.moves = [(table.label, _count(table, keep.id, merged.id)) for table in OWNED_TABLES]
    result.carried = [(label, _carried(model, merged.id)) for label, model in CARRIED]
    result.add_alias = not db.session.scalar(
        select(func.count())
        .select_from(OrganizationAlias)
        .where(
            OrganizationAlias.organization_id == keep.id,
            OrganizationAlias.merged_organization_id == merged.id,
        )
    )
    result.deactivate = merged.is_active

    def roster(team_id: int):
        return db.session.scalars(
            select(Athlete)
            .where(Athlete.organization_id == team_id, Athlete.is_active)
            .order_by(Athlete.id)
        ).all()

    for theirs, ours in athletes.same_people(roster(keep.id), roster(merged.id)):
        result.same_athletes.append((theirs.id, ours.id))
        result.conflicts.append(
            Conflict(
                "同じ選手",
                f"{theirs.full_name}（{theirs.birth_date}・JAAF ID {theirs.jaaf_id or 'なし'}）が"
                "両方の団体に登録されています。",
                f"「{keep.name}」の登録を残し、もう一方は登録解除します"
                "（エントリー・記録は消えません）。",
            )
        )
    ours_by_meet = dict(
        db.session.execute(
            select(Application.meet_id, Application.id).where(
                Application.organization_id == keep.id,
                Application.status == ApplicationStatus.DRAFT,
            )
        ).all()
    )
    for draft in db.session.scalars(
        select(Application)
        .where(
            Application.organization_id == merged.id,
            Application.status == ApplicationStatus.DRAFT,
        )
        .order_by(Application.id)
    ):
        if draft.meet_id in ours_by_meet:
            result.drafts.append((draft.id, ours_by_meet[draft.meet_id]))
            result.conflicts.append(
                Conflict(
                    "同じ大会の下書き",
                    f"{draft.meet.name} の下書き申込が両方の団体にあります。",
                    f"エントリーを「{keep.name}」の下書きにまとめ、空になった下書きを削除します。",
                )
            )
    for table in OWNED_TABLES:
        staying = table.staying(keep.id)
        if staying is None:
            continue
        for row in db.session.scalars(
            select(table.model)
            .where(table.model.organization_id == merged.id, staying)
            .order_by(table.model.id)
        ):
            result.conflicts.append(
                Conflict(
                    f"同じ大会の{table.label}",
                    f"{row.meet.name} の{table.label}が両方の団体にあります。",
                    f"「{keep.name}」の{table.label}を使います。もう一方は統合される団体に"
                    "残ります（削除しません）。",
                )
            )
    return result


def merge(keep_id: int, merged_id: int, *, by: User, fingerprint: str | None = None) -> MergePlan:
    """Apply the plan in the caller's transaction (the caller commits); see the module doc."""
    if not by.is_staff:
        raise RuleViolation("団体の統合ができるのは管理者だけです。")
    current = plan(keep_id, merged_id, lock=True)
    if fingerprint is not None and fingerprint != current.fingerprint:
        raise RuleViolation("確認画面のあとに内容が変わりました。もう一度確認してください。")
    if current.empty:
        return current
    keep, merged = db.session.get(Organization, keep_id), db.session.get(Organization, merged_id)
    taken_off = [theirs for theirs, _ in current.same_athletes]
    if taken_off:  # before the move: the kept roster's unique JAAF IDs must never clash
        db.session.execute(update(Athlete).where(Athlete.id.in_(taken_off)).values(is_active=False))
    for theirs, ours in current.drafts:
        db.session.execute(
            update(Entry).where(Entry.application_id == theirs).values(application_id=ours)
        )
        db.session.execute(delete(Application).where(Application.id == theirs))
    for table in OWNED_TABLES:
        db.session.execute(
            update(table.model)
            .where(table.moving(keep.id, merged.id))
            .values(organization_id=keep.id)
            .execution_options(synchronize_session=False)
        )
    if current.add_alias:
        db.session.add(
            OrganizationAlias(
                organization_id=keep.id,
                name=merged.name,
                name_kana=merged.name_kana,
                merged_organization_id=merged.id,
            )
        )
    merged.is_active = False
    db.session.flush()
    db.session.expire_all()  # the bulk updates moved rows the session may hold
    summary = {
        "merged": merged_id,
        "kept": keep_id,
        **dict(current.moves + current.carried),
        "same_athletes": current.same_athletes,
        "drafts": current.drafts,
    }
    audit.record(by, "organization.merge", object_type="organizations", object_id=keep_id,
                 after=summary)  # fmt: skip
    audit.record(by, "organization.merged_into", object_type="organizations",
                 object_id=merged_id, before={"is_active": True}, after={"kept": keep_id})  # fmt: skip
    return current
