"""One JSON object per log line, so a log collector can index the fields."""

import json
import logging
from datetime import datetime, timezone

# Attributes every LogRecord has; anything else was passed through `extra=` and is a field.
_STANDARD = set(vars(logging.makeLogRecord({}))) | {"message", "asctime"}


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        created = datetime.fromtimestamp(record.created, timezone.utc)
        entry = {
            "time": created.isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        for key, value in vars(record).items():
            if key == "request":
                # Django's request logs carry the request; its query string may hold a code.
                entry["path"] = getattr(value, "path", "")
            elif key not in _STANDARD and not key.startswith("_"):
                entry[key] = value if isinstance(value, (str, int, float, bool)) else str(value)
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry)


class OneWarningLine(logging.Filter):
    """Turn a record into one WARNING line: no level above it, no traceback."""

    def filter(self, record: logging.LogRecord) -> bool:
        if record.levelno > logging.WARNING:
            record.levelno, record.levelname = logging.WARNING, "WARNING"
            record.exc_info = record.exc_text = None
        # Whoever set this logger's level above WARNING (LMSAUTH_LOG_LEVEL) wants no such line.
        return logging.getLogger(record.name).isEnabledFor(record.levelno)
