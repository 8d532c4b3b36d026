"""gunicorn, embedded: every setting is given here, none comes from the environment."""

from __future__ import annotations

from typing import Any

from gunicorn.app.base import BaseApplication

from . import logs
from .contract import Contract


def settings(contract: Contract) -> dict[str, Any]:
    """gunicorn's settings for the contract. Each setting whose default gunicorn reads from the
    environment is set explicitly: with PORT set (the contract sets it), gunicorn's default bind
    is 0.0.0.0:$PORT, every address, which the contract forbids."""
    return {
        "bind": [contract.listen_addr],
        # 2 cores per machine here; threads keep a worker serving while one call waits upstream
        "workers": 2,
        "worker_class": "gthread",
        "threads": 4,
        "forwarded_allow_ips": "127.0.0.1",
        # the worker heartbeat file on tmpfs, not on the image's overlay filesystem
        "worker_tmp_dir": "/dev/shm",
        # finish in-flight requests within Docker's 10 s stop timeout
        "graceful_timeout": 8,
        # newer gunicorns' runtime control socket would want $HOME or $XDG_RUNTIME_DIR; off
        # where the setting exists (Debian's 20.1 has neither)
        "control_socket_disable": True,
        "accesslog": None,
        "logconfig_dict": logs.config(),
        "proc_name": f"catalog {contract.instance_id}",
    }


class Server(BaseApplication):
    """Runs ``app`` under gunicorn with :func:`settings`."""

    def __init__(self, app_factory, options: dict[str, Any]) -> None:
        self._app_factory = app_factory
        self._options = options
        super().__init__()

    def load_config(self) -> None:
        for key, value in self._options.items():
            # a setting this gunicorn does not know is one it does not have to turn off
            if key in self.cfg.settings:
                self.cfg.set(key, value)

    def load(self):
        # Called in each worker after the fork: every worker has its own token cache and pool.
        return self._app_factory()
