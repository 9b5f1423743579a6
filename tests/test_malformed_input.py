"""Malformed input never answers 5xx and a refused request writes nothing (issue 13, item 5).

The cases are generated, not listed: every route of the app's url_map, with every parameter
its view module reads from a form or the query string (and every field of the WTForms forms
it uses), filled with each kind of bad value — NUL bytes, integers outside the database's
range, invalid UTF-8, 200 kB strings, nothing at all — plus every `<int:…>` id out of range.
Hypothesis then mixes kinds across fields of random routes. Run on PostgreSQL with
TEST_DATABASE_URL (as `make test-pg` does): that is where these used to be 500s.
"""

from __future__ import annotations

import inspect
import re
import sys
from functools import cache
from urllib.parse import quote

import pytest
from flask_wtf import FlaskForm
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import text

from nitsys.extensions import db
from tests import factories

OUT_OF_RANGE_IDS = ("2147483648", "9223372036854775808", "-2147483649")
# name=value pairs as they go on the wire (already percent-encoded where needed).
KINDS = {
    "nul": quote("田中\x00太郎"),
    "int_over": "2147483648",
    "int_huge": "9" * 30,
    "bad_utf8": "%FF%FE%80abc",
    "long": quote("長") + "x" * 200_000,  # 200 kB
}
MIXED_ONLY = {"nul_only": "%00", "int_negative": "-2147483649"}
LONG_FIELDS_PER_REQUEST = 8  # 200 kB each, so a request stays far below MAX_CONTENT_LENGTH
# Who sends the requests of each blueprint: the role that gets past its login and role checks.
SENDER = {"entries": "coach", "admin": "staff"}
# Logout would end the session under test; readyz is 503 on a test database without migrations.
SKIPPED_ENDPOINTS = {"static", "auth.logout", "health.readyz"}
_NAME = r"([A-Za-z][A-Za-z0-9_-]*)"
_READS = re.compile(
    r"(?:form|args|values)(?:\.get|\.getlist|\.__getitem__)?\(\s*\"" + _NAME + r"\"|"
    r"(?:form|args)\[\"" + _NAME + r"\"\]"
)


def _all_forms() -> list[type]:
    found, todo = [], [FlaskForm]
    while todo:
        for sub in todo.pop().__subclasses__():
            found.append(sub)
            todo.append(sub)
    return found


@cache
def _module_parameters(module_name: str) -> tuple[str, ...]:
    """The form/query names a view module reads, and the fields of the forms it names."""
    source = inspect.getsource(sys.modules[module_name])
    names = {a or b for a, b in _READS.findall(source)}
    prefixes = set(re.findall(r"prefix=\"" + _NAME + r"\"", source))
    for form in _all_forms():
        if re.search(rf"\b{form.__name__}\b", source):
            fields = [name for name in dir(form) if _is_field(form, name)]
            names.update(fields)
            names.update(f"{prefix}-{field}" for prefix in prefixes for field in fields)
    return tuple(sorted(names))


def _is_field(form: type, name: str) -> bool:
    return not name.startswith("_") and hasattr(getattr(form, name, None), "field_class")


def _routes(app) -> list[tuple[str, str, object]]:
    """(method, endpoint, rule) for every route but static files."""
    found = []
    for rule in app.url_map.iter_rules():
        if rule.endpoint in SKIPPED_ENDPOINTS:
            continue
        for method in sorted(rule.methods & {"GET", "POST"}):
            found.append((method, rule.endpoint, rule))
    return found


def _parameters(app, endpoint: str) -> tuple[str, ...]:
    return _module_parameters(inspect.unwrap(app.view_functions[endpoint]).__module__)


def _url(rule, ids: dict, override: str | None = None) -> str:
    values = {}
    for name, converter in rule._converters.items():
        if type(converter).__name__ == "AnyConverter":
            values[name] = sorted(converter.items)[0]
        elif override is not None and _is_id(converter):
            values[name] = override
        else:
            values[name] = str(ids.get(name, 1))
    path = rule.rule
    for name, value in values.items():
        path = re.sub(r"<[^>]*\b" + name + ">", value, path)
    return path


def _is_id(converter) -> bool:
    return type(converter).__name__ in ("DatabaseIntConverter", "IntegerConverter")


def _row_counts() -> dict[str, int]:
    tables = [table.name for table in db.metadata.sorted_tables]
    union = " UNION ALL ".join(f"SELECT '{t}', count(*) FROM \"{t}\"" for t in tables)
    db.session.rollback()
    counts = dict(db.session.execute(text(union)).all())
    db.session.rollback()
    return counts


@pytest.fixture
def world(app):
    """Staff and a coach with a meet, a race, a submitted application, a heat and its slot."""
    staff = factories.make_user("staff")
    coach = factories.make_user()
    meet = factories.make_meet()
    race = factories.make_race(meet)
    application = factories.make_submitted_entries(coach, race, 2)
    entries = application.entries
    heat = factories.make_heat_with_slots(race, entries)
    ids = {
        "meet_id": meet.id,
        "race_id": race.id,
        "entry_id": entries[0].id,
        "application_id": entries[0].application_id,
        "athlete_id": entries[0].athlete_id,
        "heat_id": heat.id,
        "slot_id": heat.slots[0].id if getattr(heat, "slots", None) else 1,
        "user_id": coach.id,
        "token": "x",
        "routine": "x",
        "item": "x",
    }
    return {"staff": staff, "coach": coach, "ids": ids}


def _send(client, method: str, path: str, pairs: list[tuple[str, str]] | None):
    body = "&".join(f"{name}={value}" for name, value in pairs or [])
    if method == "GET":
        return client.get(f"{path}?{body}" if body else path)
    return client.post(
        path, data=body.encode("ascii"), content_type="application/x-www-form-urlencoded"
    )


def _check(client, method, path, pairs, *, kind: str):
    before = _row_counts()
    response = _send(client, method, path, pairs)
    status = response.status_code
    where = f"{method} {path} {kind} → {status}"
    assert status < 500, where
    if status >= 400:
        assert _row_counts() == before, f"refused but wrote rows: {where}"
    if kind.startswith("nul") and pairs:
        assert status == 400, where
        assert "NUL" in response.get_data(as_text=True), where
    return status


def _chunks(names, kind, method):
    """The fields of one request each; 200 kB values are spread over several requests (a query
    string gets one: any overlong query parameter is refused as a whole)."""
    if kind == "long" and method == "GET":
        return [names[:1]] if names else []
    size = LONG_FIELDS_PER_REQUEST if kind == "long" else len(names)
    return [names[i : i + size] for i in range(0, len(names), size)] if names else []


@pytest.mark.parametrize("blueprint", ["entries", "admin", "other"])
def test_every_route_survives_every_kind_of_bad_value(app, client, world, blueprint):
    sent = 0
    for method, endpoint, rule in _routes(app):
        if SENDER.get(endpoint.partition(".")[0], "other") != SENDER.get(blueprint, "other"):
            continue
        who = SENDER.get(blueprint)
        if who:
            factories.log_in(client, world[who])
        path = _url(rule, world["ids"])
        names = _parameters(app, endpoint)
        for kind, value in KINDS.items():
            for chunk in _chunks(names, kind, method):
                _check(client, method, path, [(name, value) for name in chunk], kind=kind)
                sent += 1
        _check(client, method, path, None, kind="missing")
        if any(_is_id(converter) for converter in rule._converters.values()):
            bad_path = _url(rule, world["ids"], override=OUT_OF_RANGE_IDS[0])
            status = _check(client, method, bad_path, None, kind="id")
            if who:
                assert status in (404, 405), f"{method} {bad_path} → {status}"
        sent += 2
    assert sent > 100  # the generator found the routes and their fields


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(data=st.data())
def test_mixed_bad_values_on_random_routes(app, client, world, data):
    routes = [route for route in _routes(app) if _parameters(app, route[1])]
    method, endpoint, rule = data.draw(st.sampled_from(routes), label="route")
    factories.log_in(client, world[data.draw(st.sampled_from(["coach", "staff"]))])
    names = _parameters(app, endpoint)
    chosen = data.draw(st.lists(st.sampled_from(names), min_size=1, unique=True), label="fields")
    values = (
        st.sampled_from([*KINDS.values(), *MIXED_ONLY.values()])
        | st.text(max_size=30).map(quote)
        | st.integers().map(str)
    )
    pairs = [(name, data.draw(values)) for name in chosen[:LONG_FIELDS_PER_REQUEST]]
    bad_id = data.draw(st.sampled_from([None, *OUT_OF_RANGE_IDS]), label="id")
    _check(client, method, _url(rule, world["ids"], override=bad_id), pairs, kind="mixed")
