from django.urls import re_path
from django.views.decorators.csrf import csrf_exempt
from oauth2_provider.views import RevokeTokenView

from . import views

urlpatterns = [
    re_path(r"^authorize/?$", csrf_exempt(views.AuthorizationView.as_view()), name="authorize"),
    re_path(r"^access_token/?$", csrf_exempt(views.AccessTokenView.as_view()), name="access_token"),
    re_path(r"^revoke_token/?$", csrf_exempt(RevokeTokenView.as_view()), name="revoke_token"),
]
