"""RFC 5545 text for the meets feed: escaping and folding (nitsys/domain/icalendar.py)."""

from datetime import UTC, date, datetime

from nitsys.domain.icalendar import CalendarEvent, calendar, escape_text, fold


def test_text_values_are_escaped():
    assert escape_text("a\\b;c,d\ne\r\nf") == "a\\\\b\\;c\\,d\\ne\\nf"
    assert escape_text("x\x00y\x07z\tw") == "xyz\tw"  # control characters dropped, TAB kept


def test_long_lines_fold_at_75_octets_without_splitting_a_character():
    line = "SUMMARY:" + "日体大長距離競技会" * 10
    folded = fold(line)
    parts = folded.split("\r\n")
    assert all(len(part.encode()) <= 75 for part in parts)
    assert all(part.startswith(" ") for part in parts[1:])
    assert "".join(part[1:] if i else part for i, part in enumerate(parts)) == line


def test_an_injected_line_break_cannot_add_a_property():
    event = CalendarEvent(
        uid="meet-1@nitsys",
        summary="大会\r\nATTACH:https://evil.example/x",
        first_day=date(2026, 7, 4),
        last_day=date(2026, 7, 4),
    )
    text = calendar([event], name="x", now=datetime(2026, 1, 1, tzinfo=UTC))
    assert "\r\nATTACH:" not in text
    assert "DTEND;VALUE=DATE:20260705" in text
