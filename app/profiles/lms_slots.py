"""A cap on calls to the LMS in flight at once, per process, below the number of threads.

Gunicorn serves a worker's requests on a fixed pool of threads. Requests waiting on a hung LMS
would otherwise take every one of them, and /healthz would queue behind them until the kubelet
killed a healthy pod. With one thread always free of LMS calls, probes and the pages that do not
need the LMS keep answering.

When every slot is taken, a request waits for one while calls to the LMS keep finishing, and
gets the "LMS busy" page at once when none has for a while (the LMS is stuck): waiting holds the
thread kept free, so it must not last.
"""

import threading
import time
from contextlib import contextmanager
from functools import cache

from django.conf import settings

from profiles.failures import SignInFailed

# Every slot taken, and no call to the LMS started or finished for this long: the LMS is stuck,
# stop waiting. A healthy LMS answers a token request in a fraction of it.
GRACE_SECONDS = 1.0


class Slots:
    def __init__(self, size: int):
        self.size = size
        self._in_flight = 0
        self._last_change = time.monotonic()
        self._changed = threading.Condition()

    @contextmanager
    def held(self):
        with self._changed:
            while self._in_flight >= self.size:
                remaining = self._last_change + GRACE_SECONDS - time.monotonic()
                if remaining <= 0:
                    raise SignInFailed("lms_busy", "every slot for calls to the LMS is taken")
                self._changed.wait(remaining)
            self._in_flight += 1
            self._last_change = time.monotonic()
        try:
            yield
        finally:
            with self._changed:
                self._in_flight -= 1
                self._last_change = time.monotonic()
                self._changed.notify()


@cache
def _slots() -> Slots:
    return Slots(max(1, settings.LMSAUTH.threads - 1))


def lms_slot():
    """Hold one slot for a call to the LMS, or raise SignInFailed("lms_busy")."""
    return _slots().held()
