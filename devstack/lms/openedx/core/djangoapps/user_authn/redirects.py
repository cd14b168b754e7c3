"""Where the LMS is willing to send a browser after sign-out."""

from urllib.parse import urlsplit

from django.conf import settings
from django.utils.http import url_has_allowed_host_and_scheme
from oauth2_provider.models import get_application_model


def _application_hosts(client_id):
    application = (
        get_application_model().objects.filter(client_id=client_id).first() if client_id else None
    )
    if application is None:
        return set()
    return {urlsplit(uri).netloc for uri in application.redirect_uris.split()}


def is_safe_logout_redirect(request, url, client_id):
    """True for this host, LOGIN_REDIRECT_WHITELIST hosts and the client's redirect URI hosts."""
    allowed_hosts = {
        request.get_host(),
        *settings.LOGIN_REDIRECT_WHITELIST,
        *_application_hosts(client_id),
    }
    return url_has_allowed_host_and_scheme(
        url, allowed_hosts=allowed_hosts, require_https=request.is_secure()
    )
