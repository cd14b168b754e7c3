"""Request log: one JSON line per request, so benchmarks can count back-channel calls."""

import json
import time

from django.conf import settings


class RequestLogMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if settings.REQUEST_LOG_PATH:
            entry = {
                "method": request.method,
                "path": request.path,
                "status": response.status_code,
                # The peer, what it says it forwards, and the address the LMS keys limits on.
                "remote": request.META.get("ORIGINAL_REMOTE_ADDR", ""),
                "forwarded_for": request.headers.get("X-Forwarded-For", ""),
                "client_ip": request.META.get("REMOTE_ADDR", ""),
                "time": time.time(),
            }
            # One short append per line: concurrent writers do not interleave.
            with open(settings.REQUEST_LOG_PATH, "a") as log:
                log.write(json.dumps(entry) + "\n")
        return response
