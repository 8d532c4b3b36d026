"""The catalog's behaviour without a network: contract parsing, the /books call, token caching.

Run inside the image (its exact dependencies):
  docker run --rm -v "$PWD/tests:/opt/catalog/tests:ro" --entrypoint python \
    meshwright-example/catalog:dev -m unittest discover -s /opt/catalog/tests -v
"""

import time
import unittest
from unittest import mock

import requests

from catalog.app import create_app
from catalog.contract import ContractError, OAuthClient, load
from catalog.server import settings
from catalog.tokens import LEEWAY_SECONDS, TokenError, TokenSource

BASE = {"LISTEN_ADDR": "127.0.0.1:8080", "SERVICE_NAME": "catalog", "INSTANCE_ID": "catalog-1"}


class ContractTest(unittest.TestCase):
    def test_missing_listen_addr_names_the_variable(self):
        with self.assertRaisesRegex(ContractError, "LISTEN_ADDR is not set"):
            load({})

    def test_malformed_listen_addr(self):
        with self.assertRaisesRegex(ContractError, "not <ip>:<port>"):
            load({"LISTEN_ADDR": "8080"})

    def test_upstream_url_wins_over_upstreams(self):
        c = load(BASE | {"UPSTREAMS": "inventory=127.0.0.1:9001,pricing-api=127.0.0.1:9002",
                         "UPSTREAM_INVENTORY_URL": "http://127.0.0.1:9101/"})
        self.assertEqual(c.upstreams, {"inventory": "http://127.0.0.1:9101", "pricing-api": "http://127.0.0.1:9002"})

    def test_dashed_upstream_reads_its_underscored_url(self):
        c = load(BASE | {"UPSTREAMS": "pricing-api=127.0.0.1:9002", "UPSTREAM_PRICING_API_URL": "http://x:1"})
        self.assertEqual(c.upstreams["pricing-api"], "http://x:1")

    def test_wanted_upstream_from_its_url_alone(self):
        c = load(BASE | {"UPSTREAM_INVENTORY_URL": "http://inventory:8080"}, upstreams=("inventory",))
        self.assertEqual(c.upstreams, {"inventory": "http://inventory:8080"})

    def test_partial_oauth_is_an_error(self):
        with self.assertRaisesRegex(ContractError, "OAUTH_CLIENT_SECRET, OAUTH_TOKEN_URL not"):
            load(BASE | {"OAUTH_CLIENT_ID": "catalog"})

    def test_trace_headers_lowercased_without_credentials(self):
        c = load(BASE | {"TRACE_HEADERS": " X-Request-Id,traceparent,,Authorization,x-request-id"})
        self.assertEqual(c.trace_headers, ("x-request-id", "traceparent"))

    def test_gunicorn_binds_exactly_listen_addr_whatever_port_says(self):
        c = load(BASE | {"PORT": "8080"})
        self.assertEqual(settings(c)["bind"], ["127.0.0.1:8080"])


class FakeTokens:
    def __init__(self, fail=None):
        self.fail, self.invalidated = fail, 0

    def access_token(self):
        if self.fail:
            raise TokenError(self.fail)
        return "tok"

    def invalidate(self):
        self.invalidated += 1


def answer(status, body):
    r = requests.Response()
    r.status_code, r._content = status, body.encode()
    return r


class BooksTest(unittest.TestCase):
    def client(self, env=None, tokens=None, upstream=None):
        self.http = mock.Mock(spec=requests.Session)
        self.http.get.side_effect = upstream or (lambda *a, **k: answer(200, '{"authorization":"present"}'))
        contract = load(BASE | {"UPSTREAM_INVENTORY_URL": "http://127.0.0.1:9001",
                                "TRACE_HEADERS": "x-request-id,traceparent"} | (env or {}), upstreams=("inventory",))
        # Keep the app: Flask 2.2's responses reach it through a weak reference.
        self.app = create_app(contract, tokens=tokens or FakeTokens(), http=self.http)
        return self.app.test_client()

    def test_books_call_stock_with_token_and_trace_headers(self):
        r = self.client().get("/books", headers={"X-Request-Id": "r1", "X-Other": "no"})
        self.assertEqual(r.status_code, 200)
        self.assertEqual(r.json["inventory"], {"status": 200, "body": {"authorization": "present"}})
        self.assertEqual((r.json["service"], r.json["instance"], len(r.json["books"])), ("catalog", "catalog-1", 3))
        url, = self.http.get.call_args.args
        headers = self.http.get.call_args.kwargs["headers"]
        self.assertEqual(url, "http://127.0.0.1:9001/stock")
        self.assertEqual(headers, {"x-request-id": "r1", "Authorization": "Bearer tok"})

    def test_refusal_stays_visible_and_catalog_answers_502(self):
        r = self.client(upstream=lambda *a, **k: answer(403, "RBAC: access denied")).get("/books")
        self.assertEqual(r.status_code, 502)
        self.assertEqual(r.json["error"], "inventory answered 403")
        self.assertEqual(r.json["inventory"], {"status": 403, "body": "RBAC: access denied"})

    def test_401_drops_the_cached_token(self):
        tokens = FakeTokens()
        self.client(tokens=tokens, upstream=lambda *a, **k: answer(401, "Jwt is missing")).get("/books")
        self.assertEqual(tokens.invalidated, 1)

    def test_no_token_is_502_naming_why(self):
        r = self.client(tokens=FakeTokens(fail="token endpoint refused client catalog: unauthorized_client")).get("/books")
        self.assertEqual(r.status_code, 502)
        self.assertIn("unauthorized_client", r.json["error"])
        self.http.get.assert_not_called()

    def test_unreachable_upstream_is_502(self):
        def refuse(*a, **k):
            raise requests.ConnectionError("connection refused")
        r = self.client(upstream=refuse).get("/books")
        self.assertEqual((r.status_code, r.json["error"]), (502, "inventory unreachable at http://127.0.0.1:9001: ConnectionError"))

    def test_health_hello_and_json_404(self):
        c = self.client()
        self.assertEqual(c.get("/health").status_code, 200)
        self.assertEqual(c.get("/").json["service"], "catalog")
        r = c.get("/nope")
        self.assertEqual((r.status_code, r.json["instance"]), (404, "catalog-1"))


class TokenSourceTest(unittest.TestCase):
    def source(self, expires_in):
        session = mock.MagicMock()
        session.token = None
        n = iter(range(1, 100))

        def fetch(**_):
            from authlib.oauth2.rfc6749 import OAuth2Token
            session.token = OAuth2Token.from_dict({"access_token": f"t{next(n)}", "token_type": "Bearer",
                                                   "expires_in": expires_in})
            return session.token
        session.fetch_token.side_effect = fetch
        self.session = session
        return TokenSource(OAuthClient("catalog", "s", "http://kc/token", None), session_factory=lambda *a, **k: session)

    def test_reuses_a_token_until_shortly_before_expiry(self):
        tokens = self.source(expires_in=300)
        self.assertEqual([tokens.access_token() for _ in range(3)], ["t1", "t1", "t1"])
        self.session.token["expires_at"] = int(time.time()) + LEEWAY_SECONDS - 1
        self.assertEqual(tokens.access_token(), "t2")

    def test_invalidate_fetches_anew(self):
        tokens = self.source(expires_in=300)
        tokens.access_token()
        tokens.invalidate()
        self.assertEqual(tokens.access_token(), "t2")


if __name__ == "__main__":
    unittest.main()
