"""The slice of the LMS `student` app that OAuth claims, the accounts API and lmsauth-sync read."""

from django.conf import settings
from django.db import models


class UserProfile(models.Model):
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, related_name="profile", on_delete=models.CASCADE
    )
    name = models.CharField(max_length=255, blank=True, db_index=True)
    # A JSON dictionary, as in the LMS; lmsauth-sync marks the service users it creates there.
    meta = models.TextField(blank=True)
    country = models.CharField(max_length=2, blank=True, null=True)
    language = models.CharField(max_length=255, blank=True)
    bio = models.CharField(max_length=3000, blank=True, null=True)
    year_of_birth = models.IntegerField(blank=True, null=True)
    level_of_education = models.CharField(max_length=6, blank=True, null=True)
    gender = models.CharField(max_length=6, blank=True, null=True)
    goals = models.TextField(blank=True, null=True)
    mailing_address = models.TextField(blank=True, null=True)
    phone_number = models.CharField(max_length=50, blank=True, null=True)

    class Meta:
        db_table = "auth_userprofile"

    def __str__(self):
        return f"profile of {self.user.username}"
