"""JSON logs with ``service``, ``camera_id`` and ``trace_id`` on every line."""

from __future__ import annotations

import json
import logging
import sys
import time
from typing import Any

from tncam_mesh.tracing import camera_id_var, trace_id_var

# LogRecord attributes that are not user-supplied ``extra`` fields.
_STANDARD = set(logging.makeLogRecord({}).__dict__) | {
    "message",
    "asctime",
    "taskName",
    "color_message",  # uvicorn's ANSI-coloured duplicate of msg
}


class JsonFormatter(logging.Formatter):
    """One JSON object per line; context variables and ``extra`` fields included."""

    def __init__(self, service: str, instance: str) -> None:
        super().__init__()
        self.service = service
        self.instance = instance

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "ts": time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(record.created))
            + f".{int(record.msecs):03d}Z",
            "level": record.levelname.lower(),
            "service": self.service,
            "instance": self.instance,
            "logger": record.name,
            "msg": record.getMessage(),
        }
        camera_id = getattr(record, "camera_id", None) or camera_id_var.get()
        trace_id = getattr(record, "trace_id", None) or trace_id_var.get()
        if camera_id:
            entry["camera_id"] = camera_id
        if trace_id:
            entry["trace_id"] = trace_id
        for key, value in record.__dict__.items():
            if key not in _STANDARD and key not in entry and not key.startswith("_"):
                entry[key] = value
        if record.exc_info:
            entry["exc"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False, default=str)


class TextFormatter(logging.Formatter):
    """Human-readable lines for a terminal, with the same context."""

    def __init__(self, service: str) -> None:
        super().__init__("%(asctime)s %(levelname)-7s " + service + " %(name)s: %(message)s")

    def format(self, record: logging.LogRecord) -> str:
        line = super().format(record)
        ctx = [f"{k}={v}" for k, v in (("camera", camera_id_var.get()),) if v]
        return f"{line} [{' '.join(ctx)}]" if ctx else line


def configure_logging(
    service: str, *, level: str = "INFO", fmt: str = "json", instance: str = ""
) -> None:
    """Route all logging to stderr in the chosen format; idempotent."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(
        JsonFormatter(service, instance) if fmt == "json" else TextFormatter(service)
    )
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(level)
    # Third-party chatter at INFO hides our own lines; their warnings still show.
    for noisy in ("uvicorn.access", "nats", "asyncio", "alembic", "sqlalchemy"):
        logging.getLogger(noisy).setLevel(max(logging.WARNING, logging.getLevelName(level)))
