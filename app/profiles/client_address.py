"""The browser's address, as this app can vouch for it.

Behind Tutor's Caddy (LMSAUTH_TRUST_PROXY), the address is the rightmost X-Forwarded-For entry:
Caddy writes the address of the peer it accepted the connection from there, replacing whatever
the browser sent. Without a proxy, it is the peer of the connection itself.
"""

import ipaddress

from django.conf import settings


def browser_address(request) -> str:
    """The address the request came from: what limits are counted on, and what the LMS is told."""
    if settings.LMSAUTH.trust_proxy:
        entries = request.headers.get("X-Forwarded-For", "").split(",")
        candidate = entries[-1].strip()
        try:
            return str(ipaddress.ip_address(candidate))
        except ValueError:
            pass  # not a proxy that reports addresses: fall back to the connection's peer
    return request.META.get("REMOTE_ADDR", "")
