from django.urls import path

from . import views

urlpatterns = [
    path("me", views.me, name="own_username_api"),
    path("accounts/<str:username>", views.account, name="accounts_api"),
]
