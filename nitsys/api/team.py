"""Team API (token of a coach): the roster, applications and entries — the same services,
and so the same rules and messages, as the pages. Another team's ids answer 404."""

from __future__ import annotations

from nitsys.api import schemas
from nitsys.api.gate import api_user
from nitsys.api.spec import spec
from nitsys.domain.times import format_time
from nitsys.extensions import db
from nitsys.models import Application
from nitsys.services import athletes, entries, team_api

ATHLETE_FIELDS = tuple(schemas.Athlete.model_fields)


def _athlete(athlete) -> schemas.Athlete:
    values = {name: getattr(athlete, name) for name in ATHLETE_FIELDS}
    values["gender"] = athlete.gender.value
    return schemas.Athlete(**values)


def _saved(athlete, warnings) -> schemas.AthleteSaved:
    return schemas.AthleteSaved(
        athlete=_athlete(athlete),
        warnings=[{"field": issue.field, "message": issue.message} for issue in warnings],
    )


def _entry(row, hours: bool = False) -> schemas.Entry:
    entry = row.Entry
    heat = None
    if row.heat_number is not None:
        heat = schemas.HeatPlace(
            heat_number=row.heat_number,
            position=row.position,
            bib=row.bib,
            start_at=team_api.heat_start(row),
        )
    return schemas.Entry(
        id=entry.id,
        application_id=entry.application_id,
        athlete_id=entry.athlete_id,
        athlete_name=f"{row.last_name} {row.first_name}",
        race_id=entry.race_id,
        race_name=row.race_name,
        declared_time=entry.declared_time,
        declared_time_text=format_time(entry.declared_time, hours=hours),
        personal_best=entry.personal_best,
        note=entry.note,
        status=entry.status.value,
        status_label=entry.status.label,
        heat=heat,
    )


def _application(application: Application) -> dict:
    return {
        "id": application.id,
        "number": application.number,
        "meet_id": application.meet_id,
        "meet_name": application.meet.name,
        "status": application.status.value,
        "status_label": application.status.label,
        "entry_count": application.entry_count,
        "unit_fee": application.unit_fee,
        "total_amount": application.total_amount,
        "amount_due": application.amount_due,
        "submitted_at": application.submitted_at,
        "rejection_reason": application.rejection_reason,
    }


def _detail(application: Application) -> schemas.ApplicationDetail:
    user = api_user()
    rows = team_api.entry_rows(user, application_id=application.id)
    hours = application.meet.hours_in_times
    return schemas.ApplicationDetail(
        **_application(application), entries=[_entry(row, hours) for row in rows]
    )


# --- athletes -------------------------------------------------------------------------------


@spec.operation(
    "GET", "/team/athletes", summary="選手マスタの一覧", tag="team", scope="read",
    query=schemas.AthletesQuery, response=list[schemas.Athlete],
)  # fmt: skip
def team_athletes(query: schemas.AthletesQuery):
    """自チームの選手（フリガナ順）。生年月日・JAAF ID を含むため、トークンの管理に注意。"""
    found = athletes.search_athletes(api_user(), query=query.q, active=query.active)
    return [_athlete(athlete) for athlete in found]


@spec.operation(
    "POST", "/team/athletes", summary="選手を登録", tag="team", scope="write",
    body=schemas.AthleteIn, response=schemas.AthleteSaved, status=201,
    links={"GetAthlete": {"operationId": "team_athlete",
                          "parameters": {"athlete_id": "$response.body#/athlete/id"}},
           "UpdateAthlete": {"operationId": "team_athlete_update",
                             "parameters": {"athlete_id": "$response.body#/athlete/id"}}},
)  # fmt: skip
def team_athlete_create(body: schemas.AthleteIn):
    """選手マスタの登録フォームと同じ規則（重複・カナ・生年月日など）で登録する。"""
    athlete, warnings = athletes.create_athlete(api_user(), body.model_dump())
    db.session.commit()
    return _saved(athlete, warnings)


@spec.operation(
    "GET", "/team/athletes/<int:athlete_id>", summary="選手", tag="team", scope="read",
    response=schemas.Athlete,
)  # fmt: skip
def team_athlete(athlete_id: int):
    return _athlete(athletes.get_owned(api_user(), athlete_id))


@spec.operation(
    "PUT", "/team/athletes/<int:athlete_id>", summary="選手の登録内容を更新", tag="team",
    scope="write", body=schemas.AthleteIn, response=schemas.AthleteSaved,
)  # fmt: skip
def team_athlete_update(athlete_id: int, body: schemas.AthleteIn):
    """全項目を送る（フォームと同じ）。"""
    athlete, warnings = athletes.update_athlete(api_user(), athlete_id, body.model_dump())
    db.session.commit()
    return _saved(athlete, warnings)


# --- applications and entries ---------------------------------------------------------------


@spec.operation(
    "GET", "/team/applications", summary="申込の一覧（入金状況つき）", tag="team", scope="read",
    response=list[schemas.Application],
)  # fmt: skip
def team_applications():
    return [schemas.Application(**_application(a)) for a in team_api.applications_of(api_user())]


@spec.operation(
    "GET", "/team/applications/<int:application_id>", summary="申込とそのエントリー",
    tag="team", scope="read", response=schemas.ApplicationDetail,
)  # fmt: skip
def team_application(application_id: int):
    return _detail(team_api.application_of(api_user(), application_id))


@spec.operation(
    "POST", "/team/applications/<int:application_id>/submit", summary="下書きの申込を提出",
    tag="team", scope="write", response=schemas.ApplicationDetail, errors=(422,),
)  # fmt: skip
def team_application_submit(application_id: int):
    """画面の「提出」と同じ規則（受付期間・定員・各エントリーの再確認）。提出後は変更できない。"""
    user = api_user()
    team_api.application_of(user, application_id)
    application = entries.submit_application(application_id, by=user)
    db.session.commit()
    return _detail(application)


@spec.operation(
    "GET", "/team/meets/<int:meet_id>/entries", summary="大会のエントリー一覧（組・ナンバーつき）",
    tag="team", scope="read", response=list[schemas.Entry],
)  # fmt: skip
def team_meet_entries(meet_id: int):
    """自チームのその大会のエントリー。組とナンバーは組が公開されてから入る。"""
    meet = team_api.visible_meet(meet_id)
    rows = team_api.entry_rows(api_user(), meet_id=meet.id)
    return [_entry(row, meet.hours_in_times) for row in rows]


@spec.operation(
    "POST", "/team/meets/<int:meet_id>/entries", summary="エントリーを下書きに追加",
    tag="team", scope="write", body=schemas.EntryIn, response=schemas.Entry, status=201,
    links={"RemoveEntry": {"operationId": "team_entry_remove",
                           "parameters": {"entry_id": "$response.body#/id"}}},
)  # fmt: skip
def team_entry_add(meet_id: int, body: schemas.EntryIn):
    """エントリーフォームと同じ規則（受付期間・性別・参加標準・重複・NCG・定員）。"""
    user = api_user()
    meet = team_api.visible_meet(meet_id)
    entry = entries.add_entry(
        user,
        meet_id=meet.id,
        athlete_id=body.athlete_id,
        race_id=body.race_id,
        declared_time=body.declared_time,
        personal_best=body.personal_best,
        note=body.note,
    )
    db.session.commit()
    rows = team_api.entry_rows(user, application_id=entry.application_id)
    return next(_entry(row, meet.hours_in_times) for row in rows if row.Entry.id == entry.id)


@spec.operation(
    "DELETE", "/team/entries/<int:entry_id>", summary="下書きのエントリーを削除", tag="team",
    scope="write", status=204, errors=(422,),
)  # fmt: skip
def team_entry_remove(entry_id: int):
    """提出済みのエントリーは削除できない（画面と同じ。欠場連絡は画面から）。"""
    entries.remove_entry(api_user(), entry_id)
    db.session.commit()
