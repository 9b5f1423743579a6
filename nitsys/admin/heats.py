"""The programme builder (番組編成, SPEC §6): officials turn confirmed entries into heats.

Meet and race actions (NCG, generation, bibs, publication) are plain forms answered with a
redirect and a flash. Heat edits are HTMX: the response carries every heat the edit touched as
an out-of-band card, so both heats of a move are swapped in place. A race page lists its heats
closed; a heat's runners are loaded when it is opened, which keeps 35-heat races small.
"""

from __future__ import annotations

from datetime import datetime

from flask import abort, flash, redirect, render_template, request, url_for
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from nitsys.admin import bp
from nitsys.domain.errors import RuleViolation
from nitsys.extensions import db
from nitsys.formatting import TOKYO
from nitsys.htmx import is_htmx, trigger
from nitsys.models import Heat, HeatSlot, Meet, Race, Role
from nitsys.security import role_required
from nitsys.services import heats
from nitsys.usecases import run_as_current_user

FAILED = 422
JST_INPUT = "%Y-%m-%dT%H:%M"


def _get_or_404(model, object_id: int):
    return db.session.get(model, object_id) or abort(404)


def _flash_outcome(error, message) -> None:
    if error is not None:
        flash(error.message, "error")
    else:
        flash(message, "success")


# --- meet overview -------------------------------------------------------------------------


@bp.get("/meets/<int:meet_id>/programme")
@role_required(Role.OFFICIAL)
def programme(meet_id: int):
    meet = _get_or_404(Meet, meet_id)
    return render_template(
        "admin/heats/programme.html", meet=meet, summaries=heats.race_summaries(meet)
    )


def _back_to_meet(meet_id: int):
    return redirect(url_for("admin.programme", meet_id=meet_id))


@bp.post("/meets/<int:meet_id>/programme/ncg")
@role_required(Role.OFFICIAL)
def programme_ncg(meet_id: int):
    undo = request.form.get("action") == "undo"
    action = heats.undo_ncg_selection if undo else heats.run_ncg_selection
    results, error = run_as_current_user(action, _get_or_404(Meet, meet_id).id)
    _flash_outcome(error, results and "。".join(result.message for result in results))
    return _back_to_meet(meet_id)


@bp.post("/meets/<int:meet_id>/programme/generate")
@role_required(Role.OFFICIAL)
def programme_generate(meet_id: int):
    outcome, error = run_as_current_user(heats.generate_meet_heats, _get_or_404(Meet, meet_id).id)
    _flash_outcome(error, outcome and outcome.message)
    return _back_to_meet(meet_id)


@bp.post("/meets/<int:meet_id>/programme/bibs")
@role_required(Role.OFFICIAL)
def programme_bibs(meet_id: int):
    meet = _get_or_404(Meet, meet_id)
    if request.form.get("renumber"):
        confirm = request.form.get("confirm") == "yes"
        changed, error = run_as_current_user(heats.renumber_all_bibs, meet.id, confirm=confirm)
        message = f"ゼッケンを全件振り直しました（{changed}件変更）。"
    else:
        changed, error = run_as_current_user(heats.assign_bibs, meet.id)
        message = f"ゼッケンを{changed}件採番しました。"
    _flash_outcome(error, message)
    return _back_to_meet(meet_id)


# --- race page -----------------------------------------------------------------------------


@bp.get("/programme/races/<int:race_id>")
@role_required(Role.OFFICIAL)
def programme_race(race_id: int):
    race = _get_or_404(Race, race_id)
    race_heats = heats.race_heats(race.id)
    counts = heats.slot_counts([heat.id for heat in race_heats])
    return render_template(
        "admin/heats/race.html",
        race=race,
        heats=race_heats,
        counts=counts,
        times=heats.heat_times(race, race_heats),
    )


@bp.get("/programme/races/<int:race_id>/all")
@role_required(Role.OFFICIAL)
def programme_race_all(race_id: int):
    """Every runner of every heat on one page, for printing and checking."""
    race = db.session.scalar(
        select(Race).where(Race.id == race_id).options(joinedload(Race.meet))
    ) or abort(404)
    race_heats = heats.race_heats(race.id)
    return render_template(
        "admin/heats/race_all.html",
        race=race,
        heats=race_heats,
        runners=heats.race_runners(race.id),
        times=heats.heat_times(race, race_heats),
    )


def _back_to_race(race_id: int):
    return redirect(url_for("admin.programme_race", race_id=race_id))


@bp.post("/programme/races/<int:race_id>/generate")
@role_required(Role.OFFICIAL)
def programme_race_generate(race_id: int):
    result, error = run_as_current_user(heats.generate_heats, _get_or_404(Race, race_id).id)
    _flash_outcome(error, result and result.message)
    return _back_to_race(race_id)


@bp.post("/programme/races/<int:race_id>/publish")
@role_required(Role.OFFICIAL)
def programme_race_publish(race_id: int):
    count, error = run_as_current_user(heats.publish_race, _get_or_404(Race, race_id).id)
    _flash_outcome(error, f"確定済みの組を{count}組公開しました。")
    return _back_to_race(race_id)


# --- heats (HTMX) --------------------------------------------------------------------------


def _heat_cards(
    affected: list[Heat], *, error: RuleViolation | None = None, moved_slot_id: int | None = None
):
    """Every affected heat as an out-of-band card (opened, runners loaded), plus the message."""
    race = affected[0].race
    times = heats.heat_times(race, heats.race_heats(race.id))
    return render_template(
        "admin/heats/_heat_cards.html",
        cards=[(heat, heats.heat_lines(heat.id)) for heat in affected],
        race=race,
        heat_count=len(times),
        times=times,
        error=error,
        moved_slot_id=moved_slot_id,
    )


def _heat_edit(heat: Heat, action, *args, moved: HeatSlot | None = None, **kwargs):
    """Run an edit; answer HTMX with the affected cards, a plain form with a redirect.

    For a move (`moved`), the answer names the runner and the heat they went to, and the
    moved row is highlighted in its new heat."""
    result, error = run_as_current_user(action, *args, **kwargs)
    affected = [heat] if error is not None else _as_heats(result)
    message = "変更しました。"
    if moved is not None and error is None:
        db.session.refresh(moved)
        message = f"{moved.entry.athlete.full_name}を第{moved.heat.number}組へ移動しました。"
    if not is_htmx():
        _flash_outcome(error, message)
        return _back_to_race(heat.race_id)
    db.session.expire_all()
    body = _heat_cards(
        [db.session.get(Heat, h.id) for h in affected],
        error=error,
        moved_slot_id=moved.id if moved is not None else None,
    )
    if error is not None:
        return body, FAILED, trigger(toast=error.message, level="error")
    if moved is not None:
        return body, trigger(toast=message)
    return body


def _as_heats(result) -> list[Heat]:
    return result if isinstance(result, list) else [result]


@bp.get("/programme/heats/<int:heat_id>")
@role_required(Role.OFFICIAL)
def programme_heat(heat_id: int):
    heat = _get_or_404(Heat, heat_id)
    return render_template(
        "admin/heats/_heat_rows.html",
        heat=heat,
        meet=heat.race.meet,
        rows=heats.heat_lines(heat.id),
        heat_count=heats.heat_count(heat.race_id),
    )


@bp.post("/programme/heats/<int:heat_id>/lock")
@role_required(Role.OFFICIAL)
def programme_heat_lock(heat_id: int):
    heat = _get_or_404(Heat, heat_id)
    return _heat_edit(heat, heats.lock_heat, heat.id)


@bp.post("/programme/heats/<int:heat_id>/unlock")
@role_required(Role.STAFF)
def programme_heat_unlock(heat_id: int):
    heat = _get_or_404(Heat, heat_id)
    return _heat_edit(heat, heats.unlock_heat, heat.id)


@bp.post("/programme/heats/<int:heat_id>/start")
@role_required(Role.OFFICIAL)
def programme_heat_start(heat_id: int):
    heat = _get_or_404(Heat, heat_id)
    return _heat_edit(heat, heats.set_heat_start, heat.id, _start_from_form())


def _start_from_form() -> datetime | None:
    """The datetime-local value as Japan time; empty means the race's formula time."""
    text = request.form.get("start_at", "").strip()
    if not text:
        return None
    try:
        return datetime.strptime(text, JST_INPUT).replace(tzinfo=TOKYO)
    except ValueError:
        abort(400)


@bp.post("/programme/heats/<int:heat_id>/rows")
@role_required(Role.OFFICIAL)
def programme_heat_rows(heat_id: int):
    """The heat's row buttons: `up` / `down` / `move` name the runner's slot; a move reads the
    target heat number from that runner's `to<slot id>` field."""
    heat = _get_or_404(Heat, heat_id)
    for direction, action in (("up", heats.move_up), ("down", heats.move_down)):
        if direction in request.form:
            return _heat_edit(heat, action, _slot_in(heat, request.form.get(direction)).id)
    slot = _slot_in(heat, request.form.get("move"))
    to_number = request.form.get(f"to{slot.id}", type=int)
    if to_number is None:
        return _heat_edit(heat, _ask_for_heat_number)
    return _heat_edit(heat, heats.move_slot, slot.id, None, to_number=to_number, moved=slot)


def _slot_in(heat: Heat, value: str | None) -> HeatSlot:
    number = int(value) if value and value.isdecimal() and len(value) <= 9 else None
    slot = db.session.get(HeatSlot, number) if number is not None else None
    if slot is None or slot.heat_id != heat.id:
        abort(404)
    return slot


def _ask_for_heat_number(*, by) -> None:
    raise RuleViolation("移動先の組番号を入力してください。")


@bp.post("/programme/slots/<int:slot_id>/<any(up, down):direction>")
@role_required(Role.OFFICIAL)
def programme_slot_step(slot_id: int, direction: str):
    slot = _get_or_404(HeatSlot, slot_id)
    action = heats.move_up if direction == "up" else heats.move_down
    return _heat_edit(slot.heat, action, slot.id)


@bp.post("/programme/slots/<int:slot_id>/move")
@role_required(Role.OFFICIAL)
def programme_slot_move(slot_id: int):
    slot = _get_or_404(HeatSlot, slot_id)
    to_heat = request.form.get("to_heat", type=int)  # drag and drop names the heat
    to_number = request.form.get("to_number", type=int)  # the buttons name its number
    if to_heat is None and to_number is None:
        abort(400)
    position = request.form.get("position", type=int)
    return _heat_edit(
        slot.heat, heats.move_slot, slot.id, to_heat, position, to_number=to_number, moved=slot
    )
