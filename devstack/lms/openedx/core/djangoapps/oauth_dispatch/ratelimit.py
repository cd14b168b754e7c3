"""Per-IP rate limit of the token endpoint (the LMS limits it with RATELIMIT_RATE)."""

import functools
import time

from django.conf import settings
from django.core.cache import cache
from django.http import JsonResponse
from django.utils.module_loading import import_string

PERIODS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


def parse_rate(rate):
    """ "120/m" -> (120, 60)."""
    count, _, period = rate.partition("/")
    return int(count), PERIODS[period.strip()[-1:]]


def limit_per_ip(view):
    """Answer 429 once an address has used up its POSTs in the current window."""

    @functools.wraps(view)
    def wrapped(request, *args, **kwargs):
        if request.method != "POST":
            return view(request, *args, **kwargs)
        rate = settings.RATELIMIT_RATE
        # As django-ratelimit does, a dotted path names a function of (group, request).
        rate = import_string(rate)(None, request) if "." in rate else rate
        limit, period = parse_rate(rate)
        window = int(time.time() // period)
        key = f"ratelimit:{rate}:{request.META.get('REMOTE_ADDR', '')}:{window}"
        cache.add(key, 0, timeout=period + 1)
        if cache.incr(key) > limit:
            return JsonResponse(
                {
                    "error": "rate_limited",
                    "error_description": "Too many requests, try again later.",
                },
                status=429,
                headers={"Retry-After": str(period - int(time.time()) % period)},
            )
        return view(request, *args, **kwargs)

    return wrapped
