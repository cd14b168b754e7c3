from django.urls import include, path

urlpatterns = [path("", include("profiles.urls"))]

handler400 = "profiles.views.bad_request"
handler403 = "profiles.views.forbidden"
handler404 = "profiles.views.not_found"
handler500 = "profiles.views.server_error"
