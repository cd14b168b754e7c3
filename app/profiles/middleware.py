"""Liveness and readiness probes, answered before host checks, sessions and the rest."""

import logging

from django.db import DatabaseError, connection
from django.http import JsonResponse

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
