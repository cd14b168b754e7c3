"""Client addresses on loopback, so that each simulated person has an address of their own.

The LMS and the app limit requests per client address. Linux routes the whole of 127.0.0.0/8 to
the loopback interface, so a client socket can be bound to 127.0.0.2, 127.0.0.3, ... with no
set-up, and the servers (listening on 127.0.0.1) see one address per person, as they would on
the internet. 127.0.0.1 is left to everything that does not bind.
"""

from __future__ import annotations

import itertools
import threading
import time

import requests
from django_ratelimit.core import _get_window
from requests.adapters import HTTPAdapter

CLIENT_ADDRESSES = tuple(f"127.0.0.{number}" for number in range(2, 255))
_cycle = itertools.cycle(CLIENT_ADDRESSES)
_lock = threading.Lock()


def window_time_left(address: str, period: int = 60) -> int:
    """Seconds until `address`'s current rate-limit window ends. django-ratelimit aligns each
    key's fixed windows on a shift of its own (a hash of the key, here the address), which the
    LMS's and the app's limits both use."""
    return _get_window(address, period) - int(time.time())


def next_address(time_left: int = 0, period: int = 60) -> str:
    """The next loopback client address, in turn, whose rate-limit window of `period` seconds
    has at least `time_left` seconds to go (for a test that counts requests in one window)."""
    with _lock:
        for address in itertools.islice(_cycle, len(CLIENT_ADDRESSES)):
            if window_time_left(address, period) >= time_left:
                return address
    raise RuntimeError(f"no client address has {time_left} s left in its window")


class SourceAddressAdapter(HTTPAdapter):
    """Requests' transport, with every connection (direct or to a proxy) from one address."""

    def __init__(self, address: str, **kwargs) -> None:
        self.address = address
        super().__init__(**kwargs)

    def init_poolmanager(self, *args, **kwargs):
        super().init_poolmanager(*args, source_address=(self.address, 0), **kwargs)

    def proxy_manager_for(self, proxy, **proxy_kwargs):
        return super().proxy_manager_for(proxy, source_address=(self.address, 0), **proxy_kwargs)


def session_from(address: str) -> requests.Session:
    """A requests session whose connections all leave from `address`."""
    session = requests.Session()
    adapter = SourceAddressAdapter(address)
    session.mount("http://", adapter)
    session.mount("https://", adapter)
    return session
