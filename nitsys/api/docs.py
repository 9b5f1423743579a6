"""The OpenAPI document and its documentation page (Swagger UI from static/vendor, no CDN)."""

from __future__ import annotations

from flask import render_template, url_for

from nitsys.api import bp
from nitsys.api.framework import json_response
from nitsys.api.spec import spec


@bp.get("/openapi.json")
def openapi():
    document = spec.document(url_for("api.openapi").removesuffix("/openapi.json"))
    response = json_response(document)
    response.headers["Access-Control-Allow-Origin"] = "*"
    response.headers["Cache-Control"] = "public, max-age=300"
    return response


@bp.get("/docs")
def docs():
    return render_template("api/docs.html")
