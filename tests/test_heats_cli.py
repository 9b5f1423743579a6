"""`flask heats generate` and `flask bibs assign` call the same services as the pages."""

from sqlalchemy import func, select

from nitsys.extensions import db
from nitsys.models import Heat, HeatSlot
from tests.factories import make_confirmed_entries, make_meet, make_race, make_user


def test_generate_then_assign_bibs_at_the_terminal(app):
    make_user("staff")
    meet = make_meet()
    race = make_race(meet, heat_capacity=40)
    make_confirmed_entries(race, [90000 + i for i in range(41)])
    runner = app.test_cli_runner()

    generated = runner.invoke(args=["heats", "generate", str(meet.id)])
    numbered = runner.invoke(args=["bibs", "assign", str(meet.id)])
    again = runner.invoke(args=["bibs", "assign", str(meet.id)])

    assert generated.exit_code == 0, generated.output
    assert f"{race.name}: 2組・41名" in generated.output
    assert db.session.scalar(select(func.count(Heat.id))) == 2
    assert "41件" in numbered.output and "0件" in again.output
    assert db.session.scalar(select(func.count(HeatSlot.bib))) == 41


def test_a_refused_rule_is_reported_without_a_traceback(app):
    make_user("staff")
    meet = make_meet(bib_ranges={})
    race = make_race(meet)
    make_confirmed_entries(race, [90000])
    runner = app.test_cli_runner()
    runner.invoke(args=["heats", "generate", str(meet.id)])

    result = runner.invoke(args=["bibs", "assign", str(meet.id)])

    assert result.exit_code == 1
    assert "一般男子のゼッケン範囲が設定されていません" in result.output
