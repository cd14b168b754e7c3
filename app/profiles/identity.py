"""The local user for an LMS account, created or updated from the JWT claims."""

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction

from profiles.failures import SignInFailed
from profiles.models import LMSIdentity


def _lms_user_id(claims: dict) -> int:
    value = claims.get("user_id")
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise SignInFailed("missing_user_id", "JWT has no usable user_id claim")
    return value


def _free_username(wanted: str, lms_user_id: int, user_pk: int | None) -> str:
    """The LMS username, unless another local user holds it (e.g. after an LMS rename)."""
    User = get_user_model()
    taken = User.objects.filter(username=wanted).exclude(pk=user_pk).exists()
    return f"{wanted}-{lms_user_id}" if taken else wanted


def user_for_claims(claims: dict):
    """Create or update the local user keyed by the LMS user_id; return it."""
    lms_user_id = _lms_user_id(claims)
    username = str(claims.get("preferred_username") or f"lms-{lms_user_id}")[:120]
    try:
        return _save(claims, lms_user_id, username)
    except IntegrityError:
        # A concurrent first sign-in of the same user created it first; update that one.
        return _save(claims, lms_user_id, username)


@transaction.atomic
def _save(claims: dict, lms_user_id: int, username: str):
    User = get_user_model()
    identity = (
        LMSIdentity.objects.select_for_update()
        .select_related("user")
        .filter(lms_user_id=lms_user_id)
        .first()
    )
    user = identity.user if identity else User()
    if not identity:
        user.set_unusable_password()
    user.username = _free_username(username, lms_user_id, user.pk)
    user.email = str(claims.get("email") or user.email)[:254]
    user.first_name = str(claims.get("given_name") or claims.get("name") or "")[:150]
    user.last_name = str(claims.get("family_name") or "")[:150]
    if settings.LMSAUTH.staff_from_lms:
        user.is_staff = claims.get("administrator") is True
    user.save()
    if identity:
        identity.lms_username = username
        identity.save()
    else:
        LMSIdentity.objects.create(user=user, lms_user_id=lms_user_id, lms_username=username)
    return user
