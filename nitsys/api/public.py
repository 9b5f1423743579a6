"""Public API (no token): published meets, start lists and results, cacheable (ETag, 304)."""

from __future__ import annotations

from flask import current_app

from nitsys.api import schemas
from nitsys.api.framework import conditional
from nitsys.api.gate import refuse_if_paused
from nitsys.api.problems import Problem
from nitsys.api.spec import spec
from nitsys.domain.entry_window import entry_window_state
from nitsys.domain.errors import NotFound
from nitsys.domain.markdown import render_markdown
from nitsys.domain.times import format_time
from nitsys.models import Meet, NoticeCategory, Race
from nitsys.models.base import utcnow
from nitsys.services import news, public_api, results

NOT_FOUND = "指定された大会・種目は見つからないか、公開されていません。"


def _meet_or_404(meet_id: int) -> Meet:
    meet = public_api.published_meet(meet_id)
    if meet is None:
        raise Problem(404, NOT_FOUND)
    return meet


def _race_or_404(meet_id: int, race_id: int) -> tuple[Meet, Race]:
    """A published race (start lists and results: closed while they are paused)."""
    refuse_if_paused("public_results")
    found = public_api.published_race(meet_id, race_id)
    if found is None:
        raise Problem(404, NOT_FOUND)
    return found


def _summary_fields(meet: Meet) -> dict:
    state = entry_window_state(meet, utcnow())
    return {
        "id": meet.id,
        "number": meet.number,
        "name": meet.name,
        "first_day": meet.first_day,
        "last_day": meet.last_day,
        "venue": meet.venue,
        "entry_state": state.value,
        "entry_state_label": state.label,
        "entry_opens_at": meet.entry_opens_at,
        "entry_closes_at": meet.entry_closes_at,
    }


def _version_ttl() -> float:
    """Seconds a race's version is reused in this process (a poller's 304 then runs no
    version query); 0 in tests, which change data and look at once."""
    return float(current_app.config.get("API_VERSION_TTL_SECONDS", 0 if current_app.testing else 1))


def _by_content(build):
    """Small documents: the ETag is the body's own hash (their state also moves with time)."""
    body = build()
    return conditional((schemas.__name__, repr(body)), None, lambda: body)


@spec.operation(
    "GET", "/meets", summary="大会の一覧", tag="public", public=True,
    query=schemas.MeetsQuery, response=list[schemas.MeetSummary],
)  # fmt: skip
def meets(query: schemas.MeetsQuery):
    """公開中の大会（新しい順）。`when=upcoming` で開催前・開催中、`past` で終了した大会。"""
    return _by_content(
        lambda: [
            schemas.MeetSummary(**_summary_fields(meet)).model_dump(mode="json")
            for meet in public_api.published_meets(query.when)
        ]
    )


@spec.operation(
    "GET", "/meets/<int:meet_id>", summary="大会の詳細（種目・タイムテーブル・受付状態）",
    tag="public", public=True, response=schemas.MeetDetail,
)  # fmt: skip
def meet(meet_id: int):
    """種目ごとに、公開済みの組のスタート時刻と招集時刻を返す。"""
    found = _meet_or_404(meet_id)

    def build():
        table = public_api.timetable(found)
        races = [
            schemas.RaceSummary(
                id=race.id,
                name=race.name,
                code=race.code,
                distance=race.distance,
                gender=race.gender.value,
                is_ncg=race.is_ncg,
                first_start_at=race.first_start_at,
                heats=[
                    schemas.HeatTime(number=heat.number, start_at=times.start, call_at=times.call)
                    for heat, times in table.get(race.id, [])
                ],
            )
            for race in found.races
            if race.is_active
        ]
        detail = schemas.MeetDetail(
            **_summary_fields(found), description=found.description, races=races
        )
        return detail.model_dump(mode="json")

    return _by_content(build)


@spec.operation(
    "GET", "/meets/<int:meet_id>/races/<int:race_id>/startlist", summary="種目のスタートリスト",
    tag="public", public=True, response=schemas.StartList,
)  # fmt: skip
def startlist(meet_id: int, race_id: int):
    """公開済みの組だけ。組・腰ナンバー・ナンバー・氏名・フリガナ・ローマ字・所属。"""
    found, race = _race_or_404(meet_id, race_id)

    def build():
        return {
            "meet_id": found.id,
            "race_id": race.id,
            "race_name": race.name,
            "heats": public_api.start_list(found, race),
        }

    version, changed = public_api.race_version(race, ttl=_version_ttl())
    return conditional(("startlist", *version), changed, build, cache_key=f"startlist:{race.id}")


@spec.operation(
    "GET", "/meets/<int:meet_id>/races/<int:race_id>/results", summary="種目の結果",
    tag="public", public=True, response=schemas.RaceResultList,
)  # fmt: skip
def race_results(meet_id: int, race_id: int):
    """結果が取り込まれた組だけ。着順・順位・タイム（1/100 秒）・DNF/DNS/DQ。"""
    found, race = _race_or_404(meet_id, race_id)

    def build():
        race_results_ = results.race_results(race, imported_only=True)
        ranks = {(line.heat_id, line.position): line.rank for line in race_results_.ranking}
        return schemas.RaceResultList(
            meet_id=found.id,
            race_id=race.id,
            race_name=race.name,
            heats=[
                schemas.ResultHeat(
                    number=heat.number,
                    results=[
                        schemas.ResultRow(
                            place=line.place,
                            rank=ranks.get((line.heat_id, line.position)),
                            position=line.position,
                            bib=line.bib,
                            name=line.name,
                            kana=line.kana,
                            team=line.organization,
                            status=line.status.value if line.status else None,
                            time=line.time,
                            time_text=line.code
                            or format_time(line.time, hours=found.hours_in_times),
                        )
                        for line in heat.lines
                    ],
                )
                for heat in race_results_.heats
            ],
        ).model_dump(mode="json")

    version, changed = public_api.race_version(race, ttl=_version_ttl())
    return conditional(("results", *version), changed, build, cache_key=f"results:{race.id}")


NOTICE_NOT_FOUND = "指定されたお知らせは見つからないか、公開されていません。"


def _notice_fields(notice) -> dict:
    return schemas.Notice(
        id=notice.id,
        title=notice.title,
        category=notice.category.value,
        category_label=notice.category.label,
        meet_id=notice.meet_id,
        published_at=notice.publish_at,
        pinned=notice.pinned,
        corrects=notice.corrects_id,
        body_markdown=notice.body,
        body_html=str(render_markdown(notice.body)),
    ).model_dump(mode="json")


@spec.operation(
    "GET", "/notices", summary="お知らせの一覧", tag="public", public=True,
    query=schemas.NoticesQuery, response=list[schemas.Notice],
    links={"GetNotice": {"operationId": "notice",
                         "parameters": {"notice_id": "$response.body#/0/id"}}},
)  # fmt: skip
def notices(query: schemas.NoticesQuery):
    """公開中のお知らせ（固定表示が先、新しい順）。予約中・期限切れ・取り下げたものは含まない。"""
    category = NoticeCategory(query.category) if query.category else None
    return _by_content(
        lambda: [
            _notice_fields(notice)
            for notice in news.visible_notices(
                utcnow(),
                meet_id=query.meet_id,
                category=category,
                limit=query.per_page,
                offset=(query.page - 1) * query.per_page,
            )
        ]
    )


@spec.operation(
    "GET", "/notices/<int:notice_id>", summary="お知らせの詳細", tag="public", public=True,
    response=schemas.Notice,
)  # fmt: skip
def notice(notice_id: int):
    """公開中のお知らせ 1 件。予約中・期限切れ・取り下げたもの・存在しないものは 404。"""
    try:
        found = news.visible_notice(notice_id, utcnow())
    except NotFound:
        raise Problem(404, NOTICE_NOT_FOUND) from None
    return _by_content(lambda: _notice_fields(found))
