"""The LMS's first middleware: the client's address chain, computed before anything else runs."""

from django.utils.deprecation import MiddlewareMixin
from edx_django_utils import ip


class XForwardedForMiddleware(MiddlewareMixin):
    """Records the client address chain, then puts the safest client address in REMOTE_ADDR.

    Like the LMS (without its legacy-IP switch): the chain is cached on the request first, so
    that rewriting REMOTE_ADDR changes nothing for `edx_django_utils.ip`.
    """

    def process_request(self, request):
        ip.init_client_ips(request)
        request.META["ORIGINAL_REMOTE_ADDR"] = request.META["REMOTE_ADDR"]
        for source, target in (
            ("HTTP_HOST", "SERVER_NAME"),
            ("HTTP_X_FORWARDED_PORT", "SERVER_PORT"),
        ):
            if source in request.META:
                request.META[target] = request.META[source]
        request.META["REMOTE_ADDR"] = ip.get_safest_client_ip(request)
