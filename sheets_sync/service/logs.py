"""The service's log: JSON lines through structlog, one object per event.

Each line has ``timestamp`` (ISO 8601, UTC), ``level``, ``event`` (``run-started``,
``run-finished``, ``lease-lost`` ...) and the event's fields: job name, run id, slot,
outcome, counts, the score, an error's reason slug.  Never a cell value: the service
logs only what :class:`sheets_sync.service.runner.RunResult` records.  The logger is
built per service (``structlog.wrap_logger``), so nothing global is configured.
"""

from __future__ import annotations

import sys
from typing import Any, TextIO

import structlog

__all__ = ["json_log"]


def json_log(stream: TextIO | None = None) -> Any:
    """A structlog logger writing JSON lines to ``stream`` (default stderr), flushed per
    line; ``log.info("event", key=value, ...)``."""
    return structlog.wrap_logger(
        structlog.PrintLogger(stream or sys.stderr),
        processors=[
            structlog.processors.add_log_level,
            structlog.processors.TimeStamper(fmt="iso", utc=True),
            structlog.processors.JSONRenderer(ensure_ascii=False, default=str),
        ],
    )
