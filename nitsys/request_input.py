"""Malformed request input refused in one place, before any view (SPEC §11, issue 13).

- NUL characters in the path, a query parameter or a form field: 400 with a Japanese message
  (PostgreSQL cannot store them; no field has a use for them). So is a query parameter longer
  than any search word or id.
- Integers in URLs (`<int:…>`) and read with `.get(name, type=int)` from the query string or a
  form are bounded to the database's integer range: a larger one is a 404 in a URL and a
  missing value in a form, exactly like any other text that is not a number.
- Whatever still reaches the database malformed (a value too long for its column, a number out
  of range) is rolled back and answered 422 by `register`, never 500.
"""

from __future__ import annotations

from flask import Flask, Request, request
from sqlalchemy.exc import DataError
from werkzeug.datastructures import ImmutableMultiDict
from werkzeug.exceptions import NotFound
from werkzeug.routing import IntegerConverter
from wtforms import IntegerField

from nitsys.api.problems import is_api_request
from nitsys.domain.numbers import bounded_int, fits_db_int
from nitsys.errors import render_error
from nitsys.extensions import db

NUL_MESSAGE = "入力に使えない文字（NUL 文字）が含まれています。入力内容を確認してください。"
LONG_MESSAGE = "検索語などの指定が長すぎます。短くしてもう一度お試しください。"
# Query parameters are search words, ids and page states: none needs more (a LIKE pattern of
# 200 kB is refused by SQLite and slow everywhere).
MAX_QUERY_VALUE = 1000
DATA_MESSAGE = "入力された値が長すぎるか、大きすぎます。入力内容を確認してください。"


class BoundedParameters(ImmutableMultiDict):
    """Query and form parameters whose `get(name, type=int)` keeps to the database's range."""

    def get(self, key, default=None, type=None):
        value = super().get(key, default=default, type=type)
        out_of_range = type is int and isinstance(value, int) and not fits_db_int(value)
        return default if out_of_range and value is not default else value


class NitsysRequest(Request):
    parameter_storage_class = BoundedParameters


class DatabaseIntConverter(IntegerConverter):
    """`<int:id>`: an id the database cannot hold is a 404 before any view runs.

    Raised rather than "no match": a route split by method (GET and PUT on one path) would
    otherwise answer 405 for the method that did not fail to match."""

    def to_python(self, value: str) -> int:
        number = super().to_python(value)
        if not fits_db_int(number):
            raise NotFound()
        return number


class DbIntegerField(IntegerField):
    """A form's id field: a number the database can hold, else a Japanese field error."""

    def process_formdata(self, valuelist):
        self.data = None
        if valuelist and valuelist[0] not in ("", None):
            try:
                self.data = bounded_int(valuelist[0])
            except ValueError:
                raise ValueError("正しい番号ではありません。") from None


def _has_nul(values) -> bool:
    return any("\x00" in key or any("\x00" in v for v in values.getlist(key)) for key in values)


def refuse_malformed_input():
    """before_request: a NUL anywhere in the path, query or form, or an overlong query, is 400.

    The JSON API checks its own input (`nitsys/api/framework.py`) and answers 422 problems."""
    if is_api_request():
        return None
    if "\x00" in request.path or _has_nul(request.args):
        return _bad_request()
    if any(len(value) > MAX_QUERY_VALUE for _, values in request.args.lists() for value in values):
        return render_error(400, LONG_MESSAGE)
    if request.method in ("POST", "PUT", "PATCH", "DELETE") and _has_nul(request.form):
        return _bad_request()
    if any("\x00" in (upload.filename or "") for upload in request.files.values()):
        return _bad_request()
    return None


def _bad_request():
    return render_error(400, NUL_MESSAGE)


def register(app: Flask) -> None:
    app.request_class = NitsysRequest
    app.url_map.converters["int"] = DatabaseIntConverter
    app.before_request(refuse_malformed_input)

    @app.errorhandler(DataError)
    def data_error(error: DataError):
        # Nothing of the request is kept: the transaction is rolled back before answering.
        db.session.rollback()
        app.logger.warning(
            "refused malformed input on %s %s: %s",
            request.method,
            request.path,
            str(error.orig or error).splitlines()[0],
        )
        return render_error(422, DATA_MESSAGE)
