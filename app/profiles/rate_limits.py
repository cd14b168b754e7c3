"""Limits per browser address on starting and finishing sign-ins (LMSAUTH_SIGN_IN_RATE).

Each finished sign-in costs the LMS a token request. The LMS counts those per address too (the
app tells it the browser's address), but the app's own share of work, its database sessions and
its slots for calls to the LMS, must not go to one address either. The counters live in the
database (see profiles.counters), so every worker and replica counts together.
"""

import logging

from django.conf import settings
from django_ratelimit import ALL
from django_ratelimit.core import get_usage

from profiles.client_address import browser_address

log = logging.getLogger(__name__)


def _key(group, request) -> str:
    return browser_address(request)


def wait_for(request, group: str) -> int:
    """Count this request in `group`: 0 when it may go on, else the seconds to wait."""
    usage = get_usage(
        request,
        group=group,
        key=_key,
        rate=settings.LMSAUTH.sign_in_rate,
        method=ALL,
        increment=True,
    )
    if usage is None or not usage["should_limit"]:
        return 0
    if usage["count"] == usage["limit"] + 1:
        # Once per address and window, not once per refused request: a flood must not flood logs.
        log.warning(
            "Too many %s requests from one address; refusing it until the window ends",
            group,
            extra={"event": "rate_limited", "group": group, "address": browser_address(request)},
        )
    return max(1, usage["time_left"])
