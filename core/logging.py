"""Log lines an operator can search: JSON (one object a line) or plain text, and request ids.

- ``JsonFormatter``: one JSON object per record with ``time``, ``level``, ``logger``,
  ``message``, every ``extra={...}`` field the caller passed (``campaign_id``, ``brand_id``,
  ``reason``, ...) and the exception text, if any. Chosen by ``LOG_FORMAT=json``.
- ``RequestIdFilter``: adds ``request_id`` to every record emitted while a web request is being
  handled (set by ``core.middleware.RequestIdMiddleware`` in a context variable), ``"-"``
  outside one, so both formatters can print it.
"""

from __future__ import annotations

import contextvars
import datetime as dt
import json
import logging
from collections.abc import Sequence
from typing import Any

REQUEST_ID: contextvars.ContextVar[str | None] = contextvars.ContextVar("request_id", default=None)

# The attributes every LogRecord has: anything else on a record came from ``extra``.
_RECORD_ATTRIBUTES = frozenset(
    {
        *logging.LogRecord("", logging.INFO, "", 0, "", None, None).__dict__,
        "message",
        "asctime",
        "taskName",
        "request_id",
    }
)


class DemoteToDebugFilter(logging.Filter):
    """Log a routine record (its message contains one of ``contains``) at DEBUG instead.

    Put on a logger (``LOGGING["loggers"][name]["filters"]``), it turns, say, Celery's
    "Task tasks.heartbeat[...] received" lines, sent every 30 seconds, into DEBUG records:
    dropped unless that logger has DEBUG enabled.
    """

    def __init__(self, contains: Sequence[str] = ()) -> None:
        super().__init__()
        self.contains = tuple(contains)

    def filter(self, record: logging.LogRecord) -> bool:
        if record.levelno <= logging.DEBUG or not any(text in record.getMessage() for text in self.contains):
            return True
        record.levelno, record.levelname = logging.DEBUG, "DEBUG"
        return logging.getLogger(record.name).isEnabledFor(logging.DEBUG)


class RequestIdFilter(logging.Filter):
    """Stamp the current request id (or ``-``) on each record; never drops one."""

    def filter(self, record: logging.LogRecord) -> bool:
        if not hasattr(record, "request_id"):
            record.request_id = REQUEST_ID.get() or "-"
        return True


def _jsonable(value: Any) -> Any:
    if value is None or isinstance(value, str | int | float | bool):
        return value
    if isinstance(value, list | tuple | set | frozenset):
        return [_jsonable(item) for item in value]
    if isinstance(value, dict):
        return {str(key): _jsonable(item) for key, item in value.items()}
    return str(value)  # Decimal, dates, UUIDs, model instances: their text


class JsonFormatter(logging.Formatter):
    """One JSON object per line; the ``extra`` fields of the call become top-level keys."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": dt.datetime.fromtimestamp(record.created, tz=dt.UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        request_id = getattr(record, "request_id", None) or REQUEST_ID.get()
        if request_id and request_id != "-":
            entry["request_id"] = request_id
        for key, value in record.__dict__.items():
            if key not in _RECORD_ATTRIBUTES and key not in entry and not key.startswith("_"):
                entry[key] = _jsonable(value)
        if record.exc_info:
            entry["exc_info"] = self.formatException(record.exc_info)
        if record.stack_info:
            entry["stack_info"] = self.formatStack(record.stack_info)
        # A newline inside a message is escaped by json.dumps: the entry stays on one line.
        return json.dumps(entry, ensure_ascii=False)
