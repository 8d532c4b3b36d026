"""The catalog's HTTP API (Flask): the books, with stock from the `inventory` service."""

from __future__ import annotations

import logging
import time
from typing import Any

import requests
from flask import Flask, g, jsonify, request
from werkzeug.exceptions import HTTPException

from .contract import Contract
from .tokens import TokenError, TokenSource

log = logging.getLogger("catalog.http")

INVENTORY = "inventory"

BOOKS = (
    {"id": "b1", "title": "Pride and Prejudice", "author": "Jane Austen", "year": 1813},
    {"id": "b2", "title": "Moby-Dick", "author": "Herman Melville", "year": 1851},
    {"id": "b3", "title": "Middlemarch", "author": "George Eliot", "year": 1871},
)

# How much of an upstream's non-JSON answer a response or log line carries.
BODY_LIMIT = 2000


def create_app(contract: Contract, tokens: TokenSource | None = None,
               http: requests.Session | None = None) -> Flask:
    """The WSGI app. ``tokens`` defaults to the contract's OAuth client (none: calls go out
    without a token); ``http`` is the session upstream calls use."""
    app = Flask("catalog")
    if tokens is None and contract.oauth is not None:
        tokens = TokenSource(contract.oauth)
    if http is None:
        http = requests.Session()
        # Only the contract configures the app: no proxy or CA bundle from the environment.
        http.trust_env = False
    me = {"service": contract.service_name, "instance": contract.instance_id}

    @app.before_request
    def _start() -> None:
        g.started = time.monotonic()

    @app.after_request
    def _log(response):
        trace = {h: request.headers[h] for h in contract.trace_headers if h in request.headers}
        log.info("request", extra={"fields": {
            "method": request.method, "path": request.path, "status": response.status_code,
            "durationMs": round((time.monotonic() - g.get("started", time.monotonic())) * 1000, 1),
            **({"trace": trace} if trace else {})}})
        return response

    @app.errorhandler(HTTPException)
    def _http_error(e: HTTPException):
        return jsonify(me | {"error": e.description}), e.code

    @app.get("/")
    def hello():
        return jsonify(me | {"version": contract.version, "message": "hello from the catalog"})

    @app.get("/health")
    def health():
        return jsonify({"status": "ok"})

    @app.get("/books")
    def books():
        url = contract.upstreams.get(INVENTORY)
        if url is None:
            return jsonify(me | {"error": f"no upstream {INVENTORY}: the mesh sets UPSTREAM_INVENTORY_URL"}), 503
        headers = {h: request.headers[h] for h in contract.trace_headers if h in request.headers}
        if tokens is not None:
            try:
                headers["Authorization"] = f"Bearer {tokens.access_token()}"
            except TokenError as e:
                log.warning("no token", extra={"fields": {"error": str(e)}})
                return jsonify(me | {"error": str(e)}), 502
        try:
            answer = http.get(f"{url}/stock", headers=headers, timeout=(2, 10))
        except requests.Timeout:
            return jsonify(me | {"error": f"{INVENTORY} did not answer in time"}), 504
        except requests.RequestException as e:
            log.warning("upstream unreachable", extra={"fields": {"upstream": INVENTORY, "error": str(e)}})
            return jsonify(me | {"error": f"{INVENTORY} unreachable at {url}: {type(e).__name__}"}), 502
        inventory = {"status": answer.status_code, "body": _body(answer)}
        if answer.status_code == 401 and tokens is not None:
            tokens.invalidate()  # e.g. the issuer's keys changed: the next call gets a fresh token
        if not 200 <= answer.status_code < 300:
            log.warning("upstream refused", extra={"fields": {"upstream": INVENTORY, "status": answer.status_code}})
            return jsonify(me | {"error": f"{INVENTORY} answered {answer.status_code}", "inventory": inventory}), 502
        return jsonify(me | {"books": list(BOOKS), "inventory": inventory})

    return app


def _body(answer: requests.Response) -> Any:
    try:
        return answer.json()
    except ValueError:
        return answer.text[:BODY_LIMIT]
