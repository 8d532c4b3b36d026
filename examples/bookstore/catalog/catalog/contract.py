"""The meshwright app contract, read once from the environment.

These variables are the only configuration the catalog reads (AppContract in sdk/plan.ts
documents them). Everything else a library would pick up from the environment is turned off
where it is used (see ``server.py`` and ``tokens.py``).
"""

from __future__ import annotations

import os
import socket
from dataclasses import dataclass, field
from typing import Mapping


class ContractError(ValueError):
    """The environment breaks the app contract; the message says which variable and how."""


@dataclass(frozen=True)
class OAuthClient:
    client_id: str
    client_secret: str = field(repr=False)
    token_url: str
    issuer: str | None


@dataclass(frozen=True)
class Contract:
    service_name: str
    instance_id: str
    version: str
    listen_addr: str
    upstreams: Mapping[str, str]
    """Upstream service name -> base URL of its local listener (no trailing slash)."""
    oauth: OAuthClient | None
    trace_headers: tuple[str, ...]
    """Lower-cased names of the request headers to copy onto upstream calls."""


# Never copied as trace headers even when listed: the catalog sets its own credentials, and
# these describe one connection or one body, not the request's trace.
_NOT_TRACE = frozenset({"authorization", "host", "content-length", "content-type", "connection",
                        "transfer-encoding", "te", "upgrade", "keep-alive", "proxy-authorization"})


def upstream_env_name(service: str) -> str:
    """``UPSTREAM_<NAME>_URL`` for an upstream: upper-cased, ``-`` as ``_``."""
    return f"UPSTREAM_{service.upper().replace('-', '_')}_URL"


def load(env: Mapping[str, str] | None = None, upstreams: tuple[str, ...] = ()) -> Contract:
    """Reads the contract from ``env`` (default: the process environment); ``upstreams`` are
    the services the app calls, looked up even when UPSTREAMS does not list them."""
    env = os.environ if env is None else env
    listen_addr = _listen_addr(env.get("LISTEN_ADDR", ""))
    return Contract(
        service_name=env.get("SERVICE_NAME") or "catalog",
        instance_id=env.get("INSTANCE_ID") or socket.gethostname(),
        version=env.get("VERSION") or "dev",
        listen_addr=listen_addr,
        upstreams=_upstreams(env, upstreams),
        oauth=_oauth(env),
        trace_headers=_trace_headers(env.get("TRACE_HEADERS", "")),
    )


def _listen_addr(value: str) -> str:
    if not value:
        raise ContractError(
            "LISTEN_ADDR is not set: the mesh gives every app LISTEN_ADDR=127.0.0.1:<port>, "
            "the only address its sidecar forwards to (e.g. docker run -e LISTEN_ADDR=127.0.0.1:8080)")
    host, sep, port = value.rpartition(":")
    if not sep or not host or not port.isdigit() or not 0 < int(port) < 65536:
        raise ContractError(f"LISTEN_ADDR={value!r} is not <ip>:<port>, e.g. 127.0.0.1:8080")
    return value


def _upstreams(env: Mapping[str, str], wanted: tuple[str, ...]) -> dict[str, str]:
    """Every upstream in UPSTREAMS (``name=host:port,...``) and every ``wanted`` one, each at
    its UPSTREAM_<NAME>_URL when set (the mesh sets both; a standalone run may set only the URL)."""
    addrs: dict[str, str] = {}
    for entry in filter(None, (e.strip() for e in env.get("UPSTREAMS", "").split(","))):
        name, sep, addr = entry.partition("=")
        if not sep or not name or not addr:
            raise ContractError(f"UPSTREAMS entry {entry!r} is not name=host:port")
        addrs[name] = f"http://{addr}"
    urls: dict[str, str] = {}
    for name in dict.fromkeys([*addrs, *wanted]):
        url = env.get(upstream_env_name(name)) or addrs.get(name)
        if url:
            urls[name] = url.rstrip("/")
    return urls


def _oauth(env: Mapping[str, str]) -> OAuthClient | None:
    names = ("OAUTH_CLIENT_ID", "OAUTH_CLIENT_SECRET", "OAUTH_TOKEN_URL")
    present = [n for n in names if env.get(n)]
    if not present:
        return None
    if len(present) != len(names):
        missing = ", ".join(n for n in names if n not in present)
        raise ContractError(f"{', '.join(present)} set but {missing} not: the OAuth client needs all three")
    return OAuthClient(env["OAUTH_CLIENT_ID"], env["OAUTH_CLIENT_SECRET"], env["OAUTH_TOKEN_URL"],
                       env.get("OAUTH_ISSUER") or None)


def _trace_headers(value: str) -> tuple[str, ...]:
    names = (n.strip().lower() for n in value.split(","))
    return tuple(dict.fromkeys(n for n in names if n and n not in _NOT_TRACE))
