from django.urls import path

from profiles import views

app_name = "profiles"

urlpatterns = [
    path("", views.home, name="home"),
    path("profile/", views.profile, name="profile"),
    path("auth/login/", views.sign_in, name="login"),
    path("auth/callback/", views.callback, name="callback"),
    path("auth/logout/", views.sign_out, name="logout"),
    path("auth/logout/lms/", views.lms_logout, name="lms-logout"),
]
