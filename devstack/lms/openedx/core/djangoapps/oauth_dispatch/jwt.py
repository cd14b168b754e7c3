"""JWT access tokens with the LMS's claims."""

import functools
import hashlib
import time

import jwt
from django.conf import settings

from common.djangoapps.student.models import UserProfile
from standin.keys import KEY_ID


def anonymous_id_for_user(user):
    """A stable opaque subject per user, like the LMS's anonymous user id."""
    return hashlib.sha256(f"{settings.SECRET_KEY}:{user.id}".encode()).hexdigest()[:32]


def _profile_claims(user):
    profile = UserProfile.objects.filter(user=user).first()
    return {
        "name": profile.name if profile else None,
        "given_name": user.first_name,
        "family_name": user.last_name,
        "administrator": user.is_staff,
        "superuser": user.is_superuser,
    }


def build_claims(user, scopes, expires_in, grant_type, filters=None, is_restricted=False):
    now = int(time.time())
    claims = {
        "iss": settings.JWT_AUTH["JWT_ISSUER"],
        "aud": settings.JWT_AUTH["JWT_AUDIENCE"],
        "iat": now,
        "exp": now + expires_in,
        "sub": anonymous_id_for_user(user),
        "preferred_username": user.username,
        "scopes": scopes,
        "version": settings.JWT_AUTH["JWT_SUPPORTED_VERSION"],
        "filters": filters or [],
        "is_restricted": is_restricted,
        "email_verified": user.is_active,
        "grant_type": grant_type or "",
    }
    # Only the scopes granted decide which personal claims appear.
    if "email" in scopes:
        claims["email"] = user.email
    if "profile" in scopes:
        claims.update(_profile_claims(user))
    if "user_id" in scopes:
        claims["user_id"] = user.id
    return claims


def encode(claims, asymmetric):
    """Sign with the RSA key (RS512, kid `openedx`) or the shared secret (HS256)."""
    if asymmetric:
        return jwt.encode(
            claims,
            settings.JWT_AUTH["JWT_PRIVATE_SIGNING_KEY"],
            algorithm=settings.JWT_AUTH["JWT_SIGNING_ALGORITHM"],
            headers={"kid": KEY_ID},
        )
    return jwt.encode(
        claims, settings.JWT_AUTH["JWT_SECRET_KEY"], algorithm=settings.JWT_AUTH["JWT_ALGORITHM"]
    )


@functools.cache
def _public_keys():
    """The keys that verify RS512 tokens, by key id: the LMS's JWT_PUBLIC_SIGNING_JWK_SET."""
    key_set = jwt.PyJWKSet.from_json(settings.JWT_AUTH["JWT_PUBLIC_SIGNING_JWK_SET"])
    return {key.key_id: key.key for key in key_set.keys}


def decode(token):
    """Verify a JWT this LMS issued, with whichever key signed it; raises jwt.InvalidTokenError."""
    header = jwt.get_unverified_header(token)
    algorithm = header.get("alg")
    if algorithm == settings.JWT_AUTH["JWT_SIGNING_ALGORITHM"]:
        key = _public_keys().get(header.get("kid"))
        if key is None:
            raise jwt.InvalidSignatureError(f"no public key with id {header.get('kid')!r}")
    elif algorithm == settings.JWT_AUTH["JWT_ALGORITHM"]:
        key = settings.JWT_AUTH["JWT_SECRET_KEY"]
    else:
        raise jwt.InvalidAlgorithmError(f"unexpected algorithm {algorithm!r}")
    return jwt.decode(
        token,
        key,
        algorithms=[algorithm],
        audience=settings.JWT_AUTH["JWT_AUDIENCE"],
        issuer=settings.JWT_AUTH["JWT_ISSUER"],
        options={"require": ["exp", "iat", "iss", "aud"]},
    )
