"""Named timing-CSV profiles of a meet, and the timing CSV written with one of them (SPEC §8).

A profile's settings are checked by :class:`TimingProfile` before they are saved, so a saved
profile always writes a file the timing system can read; names are unique within a meet.
"""

from __future__ import annotations

from collections.abc import Mapping

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from nitsys.domain.errors import NotFound
from nitsys.domain.timing_csv import ProfileError, TimingProfile, timing_csv
from nitsys.extensions import db
from nitsys.models import TimingProfileSetting, User
from nitsys.services import audit, exports

NAME_MAX_LENGTH = 60


def meet_profiles(meet_id: int) -> list[TimingProfileSetting]:
    """The meet's saved profiles, by name."""
    return list(
        db.session.scalars(
            select(TimingProfileSetting)
            .where(TimingProfileSetting.meet_id == meet_id)
            .order_by(TimingProfileSetting.name, TimingProfileSetting.id)
        )
    )


def get_profile(meet_id: int, profile_id: int) -> TimingProfileSetting:
    setting = db.session.get(TimingProfileSetting, profile_id)
    if setting is None or setting.meet_id != meet_id:
        raise NotFound("この大会のタイミングCSV設定ではありません。")
    return setting


def profile_named(meet_id: int, name: str) -> TimingProfileSetting:
    setting = db.session.scalar(
        select(TimingProfileSetting).where(
            TimingProfileSetting.meet_id == meet_id, TimingProfileSetting.name == name.strip()
        )
    )
    if setting is None:
        raise NotFound(f"この大会にタイミングCSV設定「{name}」はありません。")
    return setting


def load(setting: TimingProfileSetting) -> TimingProfile:
    return TimingProfile.from_dict(setting.settings)


def save_profile(
    meet_id: int, settings: Mapping, *, by: User, profile_id: int | None = None
) -> TimingProfileSetting:
    """Create a profile, or update the one with `profile_id`; refuses what cannot be used."""
    meet, _ = exports.meet_and_race(meet_id, None)
    profile = TimingProfile.from_dict({**settings, "name": str(settings.get("name", "")).strip()})
    if len(profile.name) > NAME_MAX_LENGTH:
        raise ProfileError(f"設定名は{NAME_MAX_LENGTH}文字以内にしてください。")
    setting = get_profile(meet.id, profile_id) if profile_id else TimingProfileSetting()
    before = dict(setting.settings) if profile_id else None
    _refuse_taken_name(meet.id, profile.name, setting.id)
    setting.meet_id = meet.id
    setting.name = profile.name
    setting.settings = profile.to_dict()
    setting.updated_by_id = by.id
    db.session.add(setting)
    try:
        db.session.flush()
    except IntegrityError as error:  # another staff member saved the same name just now
        raise _taken(profile.name) from error
    action = "timing_profile.update" if profile_id else "timing_profile.create"
    audit.record(by, action, setting, meet_id=meet.id, before=before, after=setting.settings)
    return setting


def _refuse_taken_name(meet_id: int, name: str, own_id: int | None) -> None:
    other = db.session.scalar(
        select(TimingProfileSetting.id).where(
            TimingProfileSetting.meet_id == meet_id,
            TimingProfileSetting.name == name,
            TimingProfileSetting.id != (own_id or 0),
        )
    )
    if other is not None:
        raise _taken(name)


def _taken(name: str) -> ProfileError:
    return ProfileError(
        f"この大会には「{name}」という設定がすでにあります。別の名前にしてください。",
        field="name",
    )


def delete_profile(meet_id: int, profile_id: int, *, by: User) -> str:
    """Delete the profile; returns its name (for the message)."""
    setting = get_profile(meet_id, profile_id)
    audit.record(by, "timing_profile.delete", setting, meet_id=meet_id, before=setting.settings)
    db.session.delete(setting)
    return setting.name


def export_timing_csv(
    meet_id: int, *, by: User, profile_id: int, race_id: int | None = None
) -> exports.ExportFile:
    """The timing CSV of one race or the whole meet, written with a saved profile; logged."""
    profile = load(get_profile(meet_id, profile_id))
    return exports.logged_export(
        meet_id,
        race_id,
        by=by,
        kind="timing_csv",
        parameters={"profile": profile.name, "encoding": profile.encoding.value},
        build=lambda _meet, rows: timing_csv(rows, profile),
        name=("timing", "csv"),
        content_type=f"text/csv; charset={profile.encoding.charset}",
    )
