"""`/api/user/v1/me` and `/api/user/v1/accounts/<username>`."""

import functools

from django.contrib.auth import get_user_model
from django.http import JsonResponse
from django.views.decorators.http import require_GET

from .authentication import AuthenticationFailed, authenticated_user
from .serializers import visible_account


def api_authentication(view):
    """Answer 401 like the LMS's REST framework views, or pass the caller on to the view."""

    @functools.wraps(view)
    def wrapped(request, *args, **kwargs):
        try:
            user = authenticated_user(request)
        except AuthenticationFailed as error:
            return JsonResponse({"detail": str(error)}, status=401)
        if user is None:
            return JsonResponse(
                {"detail": "Authentication credentials were not provided."}, status=401
            )
        return view(request, user, *args, **kwargs)

    return wrapped


@require_GET
@api_authentication
def me(request, user):
    return JsonResponse({"username": user.username})


@require_GET
@api_authentication
def account(request, viewer, username):
    user = get_user_model().objects.filter(username=username).first()
    if user is None:
        return JsonResponse({"detail": "Not found."}, status=404)
    return JsonResponse(visible_account(request, viewer, user))
