"""Client-credentials access tokens from the mesh's issuer (Keycloak), through Authlib."""

from __future__ import annotations

import logging
import threading
import time
from typing import Any, Callable, Mapping

import requests
from authlib.integrations.requests_client import OAuth2Session, OAuthError

from .contract import OAuthClient

log = logging.getLogger("catalog.tokens")

# A token counts as expired this many seconds before its `expires_in` runs out, so a call
# never leaves with a token that dies on the way (Keycloak's default lifespan is 300 s).
LEEWAY_SECONDS = 30


def _expires_soon(token: Mapping[str, Any]) -> bool:
    """True within ``LEEWAY_SECONDS`` of the token's expiry (Authlib stores ``expires_at``);
    computed here because Debian's Authlib 1.2 has no leeway on ``is_expired``."""
    expires_at = token.get("expires_at")
    return expires_at is not None and float(expires_at) - LEEWAY_SECONDS <= time.time()


class TokenError(Exception):
    """No token could be had; the message says why (never the secret)."""


class TokenSource:
    """One OAuth client's access token: fetched on first use, reused until ``LEEWAY_SECONDS``
    before it expires, then fetched again (client credentials have no refresh token).
    Thread-safe: gunicorn's threads in one worker share it; each worker has its own."""

    def __init__(self, client: OAuthClient, *, timeout_s: float = 5.0,
                 session_factory: Callable[..., OAuth2Session] = OAuth2Session) -> None:
        self._client = client
        self._timeout_s = timeout_s
        self._lock = threading.Lock()
        self._session = session_factory(
            client.client_id, client.client_secret,
            token_endpoint=client.token_url, grant_type="client_credentials")
        # Only the contract configures the app: no proxy or CA bundle from the environment.
        self._session.trust_env = False

    def access_token(self) -> str:
        with self._lock:
            token = self._session.token
            if not token or _expires_soon(token):
                token = self._fetch()
            return token["access_token"]

    def invalidate(self) -> None:
        """Forgets the cached token (an upstream said 401), so the next call fetches anew."""
        with self._lock:
            self._session.token = None

    def _fetch(self):
        try:
            token = self._session.fetch_token(timeout=self._timeout_s)
        except OAuthError as e:
            raise TokenError(f"token endpoint refused client {self._client.client_id}: "
                             f"{e.error}{f' ({e.description})' if e.description else ''}") from e
        except (requests.RequestException, ValueError) as e:
            raise TokenError(f"token request to {self._client.token_url} failed: {e}") from e
        log.info("token fetched", extra={"fields": {
            "clientId": self._client.client_id, "expiresIn": token.get("expires_in"),
            "scope": token.get("scope")}})
        return token
