"""Gunicorn settings for a small container: `gunicorn -c gunicorn.conf.py identifier.wsgi`."""

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from identifier.environment import load_or_exit  # noqa: E402

# Refuse to start, with one clear line, before any worker is forked.
lmsauth_config = load_or_exit()

bind = os.environ.get("GUNICORN_BIND", "0.0.0.0:8000")
workers = int(os.environ.get("GUNICORN_WORKERS", "2"))
# Threads keep a worker responsive while one request waits on the LMS.
worker_class = "gthread"
threads = lmsauth_config.threads
timeout = 30
graceful_timeout = 20
keepalive = 5
# Recycle workers now and then to bound memory growth.
max_requests = 2000
max_requests_jitter = 200
# Heartbeat files in memory, not on the container's overlay filesystem.
worker_tmp_dir = "/dev/shm" if os.path.isdir("/dev/shm") else None
# No runtime control socket: nothing in a container uses it, and it would need a writable home.
control_socket_disable = True
accesslog = "-"
errorlog = "-"
# The URL path only: the callback's query string carries the authorization code.
access_log_format = '%(h)s "%(m)s %(U)s" %(s)s %(B)s %(M)sms'
# Gunicorn's own lines are JSON too, like the app's.
logconfig_dict = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"json": {"()": "identifier.logs.JsonFormatter"}},
    "handlers": {
        "stdout": {
            "class": "logging.StreamHandler",
            "formatter": "json",
            "stream": "ext://sys.stdout",
        }
    },
    "root": {"handlers": ["stdout"], "level": "INFO"},
    "loggers": {
        "gunicorn.error": {"handlers": ["stdout"], "level": "INFO", "propagate": False},
        "gunicorn.access": {"handlers": ["stdout"], "level": "INFO", "propagate": False},
    },
}
