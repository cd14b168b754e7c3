"""Sign-ins under load, for the benchmarks: worker threads taking turns with many browsers.

Each browser (devstack.signin.Browser) is a person at an address of their own; the workers are
how many of them are signing in at any moment.
"""

from __future__ import annotations

import queue
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass

from .signin import Browser

# A person reloads a moment after an error page: a quick error must not flood the count.
FAILURE_PAUSE = 0.5


@dataclass(frozen=True)
class Attempt:
    ended: float
    failure: str | None


class Pace:
    """At most `per_second` turns a second among all the threads that share it (0: no limit)."""

    def __init__(self, per_second: float, stop: threading.Event) -> None:
        self._interval = 1 / per_second if per_second else 0.0
        self._next = time.monotonic()
        self._lock = threading.Lock()
        self._stop = stop

    def wait_turn(self) -> None:
        with self._lock:
            start = max(self._next, time.monotonic())
            self._next = start + self._interval
        self._stop.wait(start - time.monotonic())


class Workers:
    """Threads running `_work` from the start of a `with` block to its end; `seconds` is how
    long they ran."""

    def __init__(self, count: int) -> None:
        self._stop = threading.Event()
        self._lock = threading.Lock()
        self._threads = [threading.Thread(target=self._work) for _ in range(count)]

    def _work(self) -> None:
        raise NotImplementedError

    def __enter__(self):
        self.started = time.monotonic()
        for thread in self._threads:
            thread.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._stop.set()
        for thread in self._threads:
            thread.join()
        self.seconds = time.monotonic() - self.started


class SignInLoad(Workers):
    """`workers` threads signing in to the app until stopped, each time as the next of
    `browsers`; every attempt kept with the time it ended. `per_minute` caps sign-ins a minute
    in all."""

    def __init__(
        self,
        app_url: str,
        browsers: Sequence[Browser],
        workers: int,
        per_minute: float = 0,
    ) -> None:
        super().__init__(workers)
        self.app_url = app_url
        self.attempts: list[Attempt] = []
        self._pace = Pace(per_minute / 60, self._stop)
        self._browsers: queue.Queue[Browser] = queue.Queue()
        for browser in browsers:
            self._browsers.put(browser)

    def _work(self) -> None:
        while not self._stop.is_set():
            self._pace.wait_turn()
            browser = self._browsers.get()
            try:
                failure = browser.attempt(self.app_url)
            finally:
                self._browsers.put(browser)
            with self._lock:
                self.attempts.append(Attempt(time.monotonic(), failure))
            if failure:
                time.sleep(FAILURE_PAUSE)
