"""``python -m catalog``: check the contract, then serve it under gunicorn."""

import logging
import logging.config
import sys

from . import logs
from .contract import ContractError, load


def main() -> int:
    try:
        contract = load(upstreams=("inventory",))
    except ContractError as e:
        print(f"catalog: cannot start: {e}", file=sys.stderr)
        return 2
    from .app import create_app
    from .server import Server, settings

    logging.config.dictConfig(logs.config())
    logging.getLogger("catalog").info("starting", extra={"fields": {
        "service": contract.service_name, "instance": contract.instance_id, "version": contract.version,
        "listenAddr": contract.listen_addr, "upstreams": dict(contract.upstreams),
        "oauthClient": contract.oauth.client_id if contract.oauth else None,
        "issuer": contract.oauth.issuer if contract.oauth else None,
        "traceHeaders": list(contract.trace_headers)}})
    if contract.oauth is None:
        logging.getLogger("catalog").warning("no OAUTH_* variables: upstream calls carry no token")
    Server(lambda: create_app(contract), settings(contract)).run()
    return 0


if __name__ == "__main__":
    sys.exit(main())
