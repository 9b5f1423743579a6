"""Timing API (token with the `timing` scope, officials and staff): the Lynx-ready start list
of one heat, and a `.lif` result file in through the same import as the results page."""

from __future__ import annotations

from flask import request

from nitsys.api import schemas
from nitsys.api.gate import api_user
from nitsys.api.problems import Problem
from nitsys.api.spec import spec
from nitsys.extensions import db
from nitsys.services import exports, results


@spec.operation(
    "GET", "/timing/meets/<int:meet_id>/races/<int:race_id>/heats/<int:heat_number>/startlist",
    summary="組のスタートリスト（FinishLynx 用の項目）", tag="timing", scope="timing",
    response=schemas.LynxHeat, errors=(409,),
)  # fmt: skip
def timing_heat_startlist(meet_id: int, race_id: int, heat_number: int):
    """出力画面の Lynx ファイルと同じ行（イベント番号・ラウンド・組・レーン＝腰ナンバー）。
    組が未確定・ナンバー未付与なら 409（理由つき）。"""
    meet, race = exports.meet_and_race(meet_id, race_id)
    problems = exports.readiness_problems(meet.id, race.id)
    if problems:
        raise Problem(409, " ".join(problems))
    rows = [r for r in exports.start_list_rows(meet.id, race.id) if r.heat_number == heat_number]
    if not rows:
        raise Problem(404, f"{race.name}に第{heat_number}組はありません。")
    first = rows[0]
    return schemas.LynxHeat(
        meet_id=meet.id,
        race_id=race.id,
        race_name=first.race_name,
        race_code=first.race_code,
        event=first.race_number,
        round=first.round_number,
        heat=first.heat_number,
        start_at=first.start_at,
        runners=[
            schemas.LynxRunner(
                event=row.race_number,
                round=row.round_number,
                heat=row.heat_number,
                lane=row.position,
                bib=row.bib,
                last_name=row.last_name,
                first_name=row.first_name,
                last_name_romaji=row.last_name_romaji_ascii,
                first_name_romaji=row.first_name_romaji_ascii,
                affiliation=row.organization,
                slot_id=row.slot_id,
            )
            for row in rows
        ],
    )


@spec.operation(
    "POST", "/timing/meets/<int:meet_id>/results", summary="結果ファイル（.lif）の取り込み",
    tag="timing", scope="timing", query=schemas.ResultUploadQuery, binary_body=True,
    response=schemas.ResultUpload, errors=(409,),
)  # fmt: skip
def timing_results_upload(meet_id: int, query: schemas.ResultUploadQuery):
    """本文にファイルの中身をそのまま送る（Content-Type: application/octet-stream）。
    結果ページの取り込みと同じ処理で、1つでも問題があれば何も取り込まない。
    同じファイルを何度送っても結果は同じ（changed が 0 になる）。"""
    if request.mimetype != "application/octet-stream":
        raise Problem(415, "本文はファイルの中身を application/octet-stream で送ってください。")
    meet, _ = exports.meet_and_race(meet_id, None)
    summary = results.import_result_files(
        meet.id, [(query.filename, request.get_data())], by=api_user()
    )
    db.session.commit()
    return schemas.ResultUpload(
        message=summary.message,
        heats=[
            schemas.ImportedHeat(
                race_name=heat.race.name if heat.race else "",
                heat_number=heat.heat.number if heat.heat else 0,
                results=len(heat.outcomes),
                changed=heat.changed_count,
            )
            for heat in summary.heats
        ],
        results=summary.result_count,
        changed=summary.changed_count,
    )
