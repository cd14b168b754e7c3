"""The account representation of the LMS accounts API."""

from django.urls import reverse

from common.djangoapps.student.models import UserProfile

PROFILE_IMAGE_SIZES = {"full": 500, "large": 120, "medium": 50, "small": 30}
# What anyone signed in may see of another user's account (account_privacy "all_users").
SHAREABLE_FIELDS = [
    "username",
    "account_privacy",
    "profile_image",
    "bio",
    "course_certificates",
    "country",
    "date_joined",
    "language_proficiencies",
    "level_of_education",
    "social_links",
    "time_zone",
]


def _profile_image(request):
    return {
        "has_image": False,
        **{
            f"image_url_{name}": request.build_absolute_uri(
                f"/static/images/profiles/default_{size}.png"
            )
            for name, size in PROFILE_IMAGE_SIZES.items()
        },
    }


def _name(user, profile):
    if profile and profile.name:
        return profile.name
    return user.get_full_name()


def account(request, user):
    profile = UserProfile.objects.filter(user=user).first()
    return {
        "username": user.username,
        "url": request.build_absolute_uri(reverse("accounts_api", args=[user.username])),
        "email": user.email,
        "id": user.id,
        "name": _name(user, profile),
        "date_joined": user.date_joined.replace(microsecond=0).isoformat().replace("+00:00", "Z"),
        "last_login": user.last_login.isoformat().replace("+00:00", "Z")
        if user.last_login
        else None,
        "is_active": user.is_active,
        "bio": profile.bio if profile else None,
        "country": (profile.country or None) if profile else None,
        "state": None,
        "language": profile.language if profile else "",
        "profile_image": _profile_image(request),
        "language_proficiencies": [],
        "gender": profile.gender if profile else None,
        "goals": profile.goals if profile else None,
        "year_of_birth": profile.year_of_birth if profile else None,
        "level_of_education": profile.level_of_education if profile else None,
        "mailing_address": profile.mailing_address if profile else None,
        "phone_number": profile.phone_number if profile else None,
        "requires_parental_consent": False,
        "secondary_email": None,
        "secondary_email_enabled": None,
        "social_links": [],
        "extended_profile": [],
        "time_zone": None,
        "course_certificates": None,
        "account_privacy": "all_users",
        "accomplishments_shared": False,
        "pending_name_change": None,
        "verified_name": None,
        "is_verified_name_enabled": False,
    }


def visible_account(request, viewer, user):
    """The full account for its owner and for staff; the shareable fields for anyone else."""
    data = account(request, user)
    if viewer == user or viewer.is_staff:
        return data
    return {field: data[field] for field in SHAREABLE_FIELDS}
