"""Probes answered before everything else; the explained page for a wrong HTTP method."""

import logging

from django.db import DatabaseError, connection
from django.http import HttpResponseNotAllowed, JsonResponse

from profiles.views import failure_page

log = logging.getLogger(__name__)


def _ready() -> bool:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        return True
    except DatabaseError as error:
        log.warning("Readiness check failed: database unreachable (%s)", type(error).__name__)
        return False


class ProbeMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.path_info == "/healthz":
            return JsonResponse({"status": "ok"})
        if request.path_info == "/readyz":
            if _ready():
                return JsonResponse({"status": "ready"})
            return JsonResponse({"status": "database unreachable"}, status=503)
        return self.get_response(request)


class MethodNotAllowedMiddleware:
    """Django answers a wrong method with an empty 405; give it the explained page instead."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if not isinstance(response, HttpResponseNotAllowed):
            return response
        page = failure_page(request, "method_not_allowed")
        page["Allow"] = response["Allow"]
        return page
