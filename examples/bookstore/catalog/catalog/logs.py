"""One JSON object per line on stdout, for the app's and gunicorn's own messages alike."""

from __future__ import annotations

import json
import logging
from datetime import datetime, timezone


class JsonFormatter(logging.Formatter):
    """``{"time", "level", "logger", "msg", ...fields}``; structured fields ride in
    ``extra={"fields": {...}}``; a traceback becomes one escaped string, never extra lines."""

    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": datetime.fromtimestamp(record.created, timezone.utc).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "msg": record.getMessage(),
        }
        entry.update(getattr(record, "fields", None) or {})
        if record.exc_info:
            entry["error"] = self.formatException(record.exc_info)
        return json.dumps(entry, separators=(",", ":"), default=str)


def config(level: str = "INFO") -> dict:
    """A ``logging.config.dictConfig`` dict: the app's and gunicorn's loggers to stdout as JSON.
    gunicorn merges it over its own defaults (its ``logconfig_dict`` setting)."""
    handler = {"class": "logging.StreamHandler", "formatter": "json", "stream": "ext://sys.stdout"}
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"json": {"()": JsonFormatter}},
        "handlers": {"stdout": handler},
        "root": {"level": level, "handlers": ["stdout"]},
        "loggers": {
            "catalog": {"level": level, "handlers": [], "propagate": True},
            "gunicorn.error": {"level": level, "handlers": [], "propagate": True},
            # Request lines come from the app (see app.py), with the trace headers as fields.
            "gunicorn.access": {"level": "WARNING", "handlers": [], "propagate": False},
        },
    }
