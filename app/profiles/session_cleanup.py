"""Expired sessions are deleted by the app itself, in the background, every few minutes.

Django leaves expired sessions in the table until someone runs `clearsessions`, and an operator
would have to schedule that for each runner (a cron job, a CronJob on Kubernetes, nothing for
`tutor dev`). Here each process deletes them every LMSAUTH_SESSION_CLEANUP_INTERVAL seconds,
on a thread of its own, prompted by any request (the health probes included): it works
wherever the app runs, and no request waits for it.
"""

import logging
import threading
import time
from importlib import import_module

from django.conf import settings
from django.db import DatabaseError, connection

log = logging.getLogger(__name__)


def clear_expired() -> None:
    try:
        import_module(settings.SESSION_ENGINE).SessionStore.clear_expired()
    except DatabaseError as error:
        log.warning(
            "Could not delete expired sessions: %s (trying again later)",
            type(error).__name__,
            extra={"event": "session_cleanup_failed"},
        )
    finally:
        connection.close()  # this thread's own connection


class ExpiredSessionCleanup:
    def __init__(self, get_response):
        self.get_response = get_response
        self.interval = settings.LMSAUTH.session_cleanup_interval
        self._due = time.monotonic()  # the first request after start-up
        self._lock = threading.Lock()

    def __call__(self, request):
        if time.monotonic() >= self._due:
            self._start()
        return self.get_response(request)

    def _start(self) -> None:
        with self._lock:
            now = time.monotonic()
            if now < self._due:
                return  # another thread started it
            self._due = now + self.interval
        threading.Thread(target=clear_expired, name="clear-expired-sessions", daemon=True).start()
