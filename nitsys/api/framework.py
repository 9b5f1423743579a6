"""The API's plumbing: declared operations (validated with Pydantic, documented in OpenAPI 3.1),
the one request gate (token, body size, ids), rate limits, CORS and conditional GETs.

A view is declared once with :meth:`ApiSpec.operation`; the same declaration validates the
request (unknown fields refused), serialises the answer and writes the OpenAPI document, so
the contract cannot drift from the code.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from functools import wraps
from typing import Any, get_args, get_origin

from flask import Blueprint, Response, current_app, g, request
from pydantic import BaseModel, ValidationError
from pydantic.json_schema import models_json_schema

from nitsys.api.problems import MEDIA_TYPE, Problem, ProblemDetail
from nitsys.extensions import client_ip, limiter

MAX_ID = 2**31 - 1
BINARY = "application/octet-stream"
ERROR_DESCRIPTIONS = {
    304: "変更なし（If-None-Match / If-Modified-Since が一致）",
    400: "リクエストが正しくない（JSON として読めない等）",
    401: "トークンがない・無効・期限切れ・取り消し済み",
    403: "トークンにこの操作の権限（スコープ）がない",
    404: "見つからない（他のチームのデータも 404）",
    409: "現在の状態では実行できない",
    413: "リクエスト本文が大きすぎる",
    415: "Content-Type が正しくない",
    422: "入力内容が規則に合わない（項目ごとの日本語メッセージ付き）",
    429: "アクセス回数の上限（Retry-After 秒後に再試行）",
    503: "メンテナンス中・一時停止中",
}
_WRAPPED_CONVERTER = re.compile(r"<(?:(\w+):)?(\w+)>")


@dataclass
class Operation:
    method: str
    rule: str
    endpoint: str
    summary: str
    description: str
    tag: str
    scope: str | None
    public: bool
    query: type[BaseModel] | None
    body: type[BaseModel] | None
    binary_body: bool
    response: Any
    status: int
    errors: tuple[int, ...]
    operation_id: str
    links: dict = field(default_factory=dict)


def _model_of(response) -> type[BaseModel] | None:
    """The model of `Model` or `list[Model]`."""
    if get_origin(response) is list:
        response = get_args(response)[0]
    return response if isinstance(response, type) and issubclass(response, BaseModel) else None


def _translate(error: dict) -> str:
    kind = error["type"]
    context = error.get("ctx") or {}
    if kind == "missing":
        return "必須の項目です。"
    if kind == "control_character":
        return "制御文字（NUL など）は使えません。"
    if kind == "extra_forbidden":
        return "この項目は受け付けていません。"
    if kind in ("string_type", "string_unicode"):
        return "文字列で指定してください。"
    if kind in ("int_type", "int_parsing", "int_from_float"):
        return "整数で指定してください。"
    if kind in ("bool_type", "bool_parsing"):
        return "true または false で指定してください。"
    if kind == "string_too_long":
        return f"{context.get('max_length')}文字以内で指定してください。"
    if kind in ("greater_than_equal", "less_than_equal", "greater_than", "less_than"):
        return "範囲外の値です。"
    if kind in ("literal_error", "enum"):
        return f"指定できる値は {context.get('expected', '')} です。"
    if kind in ("list_type", "dict_type", "model_type", "model_attributes_type"):
        return "形式が正しくありません。"
    return "値が正しくありません。"


def validation_problem(error: ValidationError, where: str) -> Problem:
    errors = [
        {
            "field": ".".join(str(part) for part in item["loc"]) or where,
            "message": _translate(item),
        }
        for item in error.errors(include_url=False)
    ]
    return Problem(422, errors[0]["message"] if len(errors) == 1 else "入力内容に誤りがあります。",
                   errors=errors)  # fmt: skip


def json_response(data: Any, status: int = 200) -> Response:
    if isinstance(data, BaseModel):
        payload = data.model_dump(mode="json")
    elif isinstance(data, list):
        payload = [item.model_dump(mode="json") if isinstance(item, BaseModel) else item
                   for item in data]  # fmt: skip
    else:
        payload = data
    return Response(
        json.dumps(payload, ensure_ascii=False, separators=(",", ":")),
        status=status,
        mimetype="application/json",
    )


def _read_query(model: type[BaseModel]) -> BaseModel:
    args = request.args
    repeated = [name for name in args if len(args.getlist(name)) > 1]
    if repeated:
        raise Problem(
            422, "同じパラメータが複数回指定されています。",
            errors=[{"field": name, "message": "1回だけ指定してください。"} for name in repeated],
        )  # fmt: skip
    try:
        return model.model_validate(args.to_dict())
    except ValidationError as error:
        raise validation_problem(error, "query") from None


def _read_json(model: type[BaseModel]) -> BaseModel:
    if request.mimetype != "application/json":
        raise Problem(415, "本文は application/json で送ってください。")
    data = request.get_json(silent=True)
    if data is None:
        raise Problem(400, "本文を JSON として読めませんでした。")
    try:
        return model.model_validate(data)
    except ValidationError as error:
        raise validation_problem(error, "body") from None


def require_scope(scope: str) -> None:
    """401 without a token, 403 when the token lacks the scope. `write` includes `read`."""
    token = g.get("api_token")
    if token is None:
        raise Problem(
            401,
            "この操作にはアクセストークンが必要です（Authorization: Bearer nit_...）。",
            headers={"WWW-Authenticate": 'Bearer realm="nitsys"'},
        )
    granted = token.scope_set | ({"read"} if "write" in token.scope_set else set())
    if scope not in granted:
        raise Problem(
            403,
            f"このトークンには「{scope}」の権限がありません。",
            headers={"WWW-Authenticate": f'Bearer realm="nitsys", error="insufficient_scope", scope="{scope}"'},
        )  # fmt: skip


def _token_key() -> str:
    header = request.headers.get("Authorization", "")
    return "api-token:" + hashlib.sha256(header.encode()).hexdigest()[:24]


def _has_no_token() -> bool:
    return not request.headers.get("Authorization")


def _per_token_limit() -> str:
    return current_app.config.get("API_RATE_LIMIT_PER_TOKEN", "120 per minute")


def _per_ip_limit() -> str:
    return current_app.config.get("API_RATE_LIMIT_PER_IP", "300 per minute")


class ApiSpec:
    """Every operation of the API, registered on `bp` and written into the OpenAPI document."""

    def __init__(self, bp: Blueprint, *, title: str, version: str, description: str):
        self.bp = bp
        self.title = title
        self.version = version
        self.description = description
        self.operations: list[Operation] = []
        self.tags: list[dict] = []
        self.token_limit = limiter.shared_limit(
            _per_token_limit, scope="api-token", key_func=_token_key, exempt_when=_has_no_token
        )
        self.ip_limit = limiter.shared_limit(_per_ip_limit, scope="api-ip", key_func=client_ip)

    def tag(self, name: str, description: str) -> None:
        self.tags.append({"name": name, "description": description})

    def operation(
        self,
        method: str,
        rule: str,
        *,
        summary: str,
        tag: str,
        response: Any = None,
        status: int = 200,
        scope: str | None = None,
        public: bool = False,
        query: type[BaseModel] | None = None,
        body: type[BaseModel] | None = None,
        binary_body: bool = False,
        errors: tuple[int, ...] = (),
        description: str = "",
        links: dict | None = None,
    ) -> Callable:
        def decorator(view: Callable) -> Callable:
            @wraps(view)
            def handle(**path_args):
                if scope is not None:
                    require_scope(scope)
                kwargs = dict(path_args)
                if query is not None:
                    kwargs["query"] = _read_query(query)
                elif request.args:
                    raise Problem(
                        422, "この操作はクエリパラメータを受け付けません。",
                        errors=[{"field": name, "message": "この項目は受け付けていません。"}
                                for name in request.args],
                    )  # fmt: skip
                if body is not None:
                    kwargs["body"] = _read_json(body)
                result = view(**kwargs)
                if isinstance(result, Response):
                    return result
                if status == 204:
                    return Response(status=204)
                return json_response(result, status)

            endpoint = view.__name__
            limited = self.ip_limit(self.token_limit(handle))
            self.bp.add_url_rule(rule, endpoint, limited, methods=[method])
            self.operations.append(
                Operation(
                    method=method.lower(),
                    rule=rule,
                    endpoint=f"{self.bp.name}.{endpoint}",
                    summary=summary,
                    description=description or (view.__doc__ or "").strip(),
                    tag=tag,
                    scope=scope,
                    public=public,
                    query=query,
                    body=body,
                    binary_body=binary_body,
                    response=response,
                    status=status,
                    errors=errors,
                    operation_id=endpoint,
                    links=links or {},
                )
            )
            return limited

        return decorator

    def public_endpoints(self) -> set[str]:
        return {op.endpoint for op in self.operations if op.public}

    # --- the document -----------------------------------------------------------------------

    def document(self, url_prefix: str) -> dict:
        models: list[tuple[type[BaseModel], str]] = [(ProblemDetail, "serialization")]
        for op in self.operations:
            if op.body is not None:
                models.append((op.body, "validation"))
            model = _model_of(op.response)
            if model is not None:
                models.append((model, "serialization"))
        refs, top = models_json_schema(models, ref_template="#/components/schemas/{model}")
        schemas = top.get("$defs", {})
        paths: dict[str, dict] = {}
        for op in self.operations:
            path = url_prefix + _WRAPPED_CONVERTER.sub(r"{\2}", op.rule)
            paths.setdefault(path, {})[op.method] = self._operation(op, refs)
        return {
            "openapi": "3.1.0",
            "info": {"title": self.title, "version": self.version, "description": self.description},
            "servers": [{"url": "/"}],
            "tags": self.tags,
            "paths": paths,
            "components": {
                "schemas": schemas,
                "securitySchemes": {
                    "bearerAuth": {
                        "type": "http",
                        "scheme": "bearer",
                        "description": "プロフィール画面で作るアクセストークン（nit_ で始まる）",
                    }
                },
                "headers": {
                    "Retry-After": {
                        "description": "再試行までの秒数",
                        "schema": {"type": "integer", "minimum": 0},
                    },
                    "ETag": {"description": "表現のバージョン", "schema": {"type": "string"}},
                    "Last-Modified": {
                        "description": "最終更新日時（HTTP-date）",
                        "schema": {"type": "string"},
                    },
                },
            },
        }

    def _operation(self, op: Operation, refs: dict) -> dict:
        doc: dict[str, Any] = {
            "operationId": op.operation_id,
            "summary": op.summary,
            "tags": [op.tag],
            "security": [{"bearerAuth": []}] if op.scope else [],
        }
        if op.description:
            doc["description"] = op.description
        if op.scope:
            doc["x-scope"] = op.scope
        parameters = [
            {
                "name": name,
                "in": "path",
                "required": True,
                "schema": {"type": "integer", "minimum": 1, "maximum": MAX_ID},
            }
            for converter, name in _WRAPPED_CONVERTER.findall(op.rule)
            if converter == "int"
        ]
        if op.query is not None:
            schema = op.query.model_json_schema()
            required = set(schema.get("required", []))
            for name, prop in schema.get("properties", {}).items():
                prop = {k: v for k, v in prop.items() if k not in ("title",)}
                parameter = {"name": name, "in": "query", "required": name in required,
                             "schema": prop}  # fmt: skip
                if "description" in prop:
                    parameter["description"] = prop.pop("description")
                parameters.append(parameter)
        if op.public:
            parameters += [
                {"name": "If-None-Match", "in": "header", "required": False,
                 "schema": {"type": "string"}},
                {"name": "If-Modified-Since", "in": "header", "required": False,
                 "schema": {"type": "string"}},
            ]  # fmt: skip
        if parameters:
            doc["parameters"] = parameters
        if op.body is not None:
            doc["requestBody"] = {
                "required": True,
                "content": {"application/json": {"schema": refs[(op.body, "validation")]}},
            }
        elif op.binary_body:
            doc["requestBody"] = {
                "required": True,
                "content": {BINARY: {"schema": {"type": "string", "format": "binary"}}},
            }
        responses: dict[str, Any] = {}
        success: dict[str, Any] = {"description": "成功"}
        if op.status != 204 and op.response is not None:
            schema = refs[(_model_of(op.response), "serialization")]
            if get_origin(op.response) is list:
                schema = {"type": "array", "items": schema}
            success["content"] = {"application/json": {"schema": schema}}
        if op.public:
            success["headers"] = {
                "ETag": {"$ref": "#/components/headers/ETag"},
                "Last-Modified": {"$ref": "#/components/headers/Last-Modified"},
            }
        if op.links:
            success["links"] = op.links
        responses[str(op.status)] = success
        codes = set(op.errors) | {400, 429, 503}
        if op.public:
            codes.add(304)
        if op.scope:
            codes |= {401, 403}
        if "{" in _WRAPPED_CONVERTER.sub(r"{\2}", op.rule):
            codes.add(404)
        if op.query is not None:
            codes.add(422)
        if op.body is not None or op.binary_body:
            codes |= {413, 415, 422}
        for code in sorted(codes):
            entry: dict[str, Any] = {"description": ERROR_DESCRIPTIONS.get(code, "エラー")}
            if code != 304:
                entry["content"] = {
                    MEDIA_TYPE: {"schema": {"$ref": "#/components/schemas/ProblemDetail"}}
                }
            if code == 429:
                entry["headers"] = {"Retry-After": {"$ref": "#/components/headers/Retry-After"}}
            responses[str(code)] = entry
        doc["responses"] = responses
        return doc


# --- conditional GETs -----------------------------------------------------------------------


_bodies: OrderedDict[tuple[str, str], bytes] = OrderedDict()
BODY_CACHE_SIZE = 64


def conditional(
    version: tuple,
    last_modified: datetime | None,
    build: Callable[[], Any],
    *,
    cache_key: str | None = None,
):
    """Answer 304 from the data's version alone, or the body; ETag and Last-Modified either
    way. `version` must change whenever the body would. With `cache_key` the serialised body
    is kept per (key, version) in this process, so pollers of an unchanged list share one
    build (the version decides, so a kept body is never stale)."""
    etag = hashlib.sha256(repr(version).encode()).hexdigest()[:32]
    # Without a last change (documents that also move with the clock) only the ETag counts.
    modified = last_modified.replace(microsecond=0) if last_modified else None
    if request.if_none_match:
        not_modified = request.if_none_match.contains(etag)
    else:
        since = request.if_modified_since
        not_modified = modified is not None and since is not None and modified <= since
    if not_modified:
        response = Response(status=304)
    elif cache_key is None:
        response = json_response(build())
    else:
        body = _bodies.get((cache_key, etag))
        if body is None:
            body = json_response(build()).get_data()
            _bodies[(cache_key, etag)] = body
            while len(_bodies) > BODY_CACHE_SIZE:
                _bodies.popitem(last=False)
        response = Response(body, mimetype="application/json")
    response.set_etag(etag)
    if modified is not None:
        response.last_modified = modified
    response.headers["Cache-Control"] = "public, no-cache"
    return response
