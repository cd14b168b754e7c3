from django.urls import include, path

from . import views

urlpatterns = [
    path("", views.home, name="home"),
    path("dashboard", views.dashboard, name="dashboard"),
    path("static/images/profiles/default_<int:size>.png", views.default_profile_image),
    path("oauth2/", include("openedx.core.djangoapps.oauth_dispatch.urls")),
    path("api/user/v1/", include("openedx.core.djangoapps.user_api.urls")),
    path("", include("openedx.core.djangoapps.user_authn.urls")),
]

# The LMS answers a rate-limited request (django-ratelimit's Ratelimited) with its 429 page.
handler403 = views.forbidden
