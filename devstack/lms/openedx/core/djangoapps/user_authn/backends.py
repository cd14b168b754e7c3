"""Sign-in by email address, which the LMS accepts as well as the username."""

from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend


class EmailBackend(ModelBackend):
    def authenticate(self, request, username=None, password=None, **kwargs):
        user = get_user_model().objects.filter(email__iexact=username or "").first()
        if user is None:
            return None
        return super().authenticate(request, username=user.username, password=password, **kwargs)
