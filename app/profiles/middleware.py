"""Probes answered before everything else; the explained page for a wrong HTTP method."""

import base64
import hashlib
import logging
from functools import cache

from django.conf import settings
from django.db import DatabaseError, connection
from django.http import HttpResponseNotAllowed, JsonResponse

from profiles import lms
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


def _jwk_number(value: str) -> str:
    """A JWK member (base64url, padding optional) as a hex number: one spelling per value."""
    return base64.urlsafe_b64decode(value + "=" * (-len(value) % 4)).hex().lstrip("0")


def key_set_fingerprint(key_set: dict) -> str:
    """A short tag of the RSA public keys in a JWK set, whatever their order or JSON spelling.

    `tutor lmsauth doctor` tags the key set the LMS signs with the same way: equal tags, same
    keys. The keys are public; the tag only saves printing them.
    """
    numbers = sorted(
        f"{_jwk_number(key['n'])}:{_jwk_number(key['e'])}"
        for key in key_set["keys"]
        if key.get("kty") == "RSA"
    )
    return "sha256:" + hashlib.sha256("\n".join(numbers).encode()).hexdigest()[:12]


@cache
def _uses() -> dict:
    """What this app was started with that must match the LMS, none of it secret: the client id
    and redirect URI are in every sign-in URL, the JWT issuer and keys are the LMS's public ones."""
    config = settings.LMSAUTH
    return {
        "client_id": config.client_id,
        "redirect_uri": lms.redirect_uri(),
        "jwt_issuer": config.jwt_issuer,
        "jwt_keys": key_set_fingerprint(config.jwt_public_keys),
    }


class ProbeMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.path_info == "/healthz":
            return JsonResponse({"status": "ok"})
        if request.path_info == "/readyz":
            if _ready():
                return JsonResponse({"status": "ready", **_uses()})
            return JsonResponse({"status": "database unreachable", **_uses()}, status=503)
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
