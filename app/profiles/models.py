from django.conf import settings
from django.db import models


class LMSIdentity(models.Model):
    """Links a local user to an LMS account; the LMS `user_id` never changes, usernames may."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="lms_identity"
    )
    lms_user_id = models.PositiveBigIntegerField(unique=True)
    lms_username = models.CharField(max_length=150)
    last_sign_in = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "LMS identity"
        verbose_name_plural = "LMS identities"

    def __str__(self) -> str:
        return f"{self.lms_username} (LMS user {self.lms_user_id})"
