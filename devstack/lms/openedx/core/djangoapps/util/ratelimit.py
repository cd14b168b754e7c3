"""The key of the LMS's rate limits: the client's address, as edx-django-utils finds it."""

from edx_django_utils import ip


def real_ip(group, request):
    """django-ratelimit key function: the rightmost address of the request's external chain
    (X-Forwarded-For then REMOTE_ADDR, as CLOSEST_CLIENT_IP_FROM_HEADERS sets it)."""
    return ip.get_safest_client_ip(request)
