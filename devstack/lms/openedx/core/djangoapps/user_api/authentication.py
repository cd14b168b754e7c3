"""How the LMS APIs know the caller: `Bearer <opaque token>`, `JWT <jwt>`, or the session.

The prefix must match the kind of token: a JWT sent as Bearer is unknown as an opaque token, and
an opaque token sent as JWT does not decode, so both are refused.
"""

import jwt as pyjwt
from django.contrib.auth import get_user_model
from oauth2_provider.models import get_access_token_model

from openedx.core.djangoapps.oauth_dispatch import jwt


class AuthenticationFailed(Exception):
    pass


def _bearer_user(token):
    access_token = (
        get_access_token_model().objects.select_related("user").filter(token=token).first()
    )
    if access_token is None or not access_token.is_valid() or access_token.user is None:
        raise AuthenticationFailed("Invalid token.")
    return access_token.user


def _jwt_user(token):
    try:
        claims = jwt.decode(token)
    except pyjwt.InvalidTokenError as error:
        raise AuthenticationFailed(f"Invalid JWT: {error}") from error
    user = get_user_model().objects.filter(username=claims.get("preferred_username")).first()
    if user is None:
        raise AuthenticationFailed("Unknown user.")
    return user


def authenticated_user(request):
    """The caller, None when anonymous; raises AuthenticationFailed on a bad token."""
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    token = token.strip()
    if scheme.lower() == "bearer" and token:
        return _bearer_user(token)
    if scheme.lower() == "jwt" and token:
        return _jwt_user(token)
    if scheme:
        raise AuthenticationFailed("Unsupported authorization header.")
    return request.user if request.user.is_authenticated else None
