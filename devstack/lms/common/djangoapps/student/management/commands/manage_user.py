"""`manage_user USERNAME EMAIL`: create or update a user idempotently, as the LMS command does.

Like the LMS, staff and superuser are set to exactly the flags given (leaving one out removes it),
and the email of an existing user must match.
"""

import secrets

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from common.djangoapps.student.models import UserProfile


class Command(BaseCommand):
    help = "Creates the specified user, if it does not exist, and sets its permission bits."

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument("email")
        parser.add_argument("--remove", dest="is_remove", action="store_true")
        parser.add_argument("--superuser", dest="is_superuser", action="store_true")
        parser.add_argument("--staff", dest="is_staff", action="store_true")
        parser.add_argument("--unusable-password", dest="unusable_password", action="store_true")

    def _check_email(self, user, email):
        if user.email.lower() != email.lower():
            raise CommandError(
                f'Skipping user "{user.username}" because the specified and existing email '
                "addresses do not match."
            )

    def _remove(self, username, email):
        user = get_user_model().objects.filter(username=username).first()
        if user is None:
            self.stderr.write(f'Did not find a user with username "{username}" - skipping.')
            return
        self._check_email(user, email)
        self.stderr.write(f'Removing user: "{username}"')
        user.delete()

    @transaction.atomic
    def handle(
        self, username, email, is_remove, is_staff, is_superuser, unusable_password, **options
    ):
        if is_remove:
            self._remove(username, email)
            return

        user, created = get_user_model().objects.get_or_create(
            username=username, defaults={"email": email}
        )
        if created:
            # Usable but unknown, so that a password reset can set one later.
            user.set_password(secrets.token_urlsafe(25))
            self.stderr.write(f'Created new user: "{username}"')
        else:
            self.stderr.write(f'Found existing user: "{username}"')
            self._check_email(user, email)

        for attribute, value in (("is_staff", is_staff), ("is_superuser", is_superuser)):
            if getattr(user, attribute) != value:
                self.stderr.write(f'Setting {attribute} for user "{username}" to "{value}"')
                setattr(user, attribute, value)

        if unusable_password and user.has_usable_password():
            self.stderr.write(f'Setting unusable password for user "{username}"')
            user.set_unusable_password()
        user.save()

        _, profile_created = UserProfile.objects.get_or_create(user=user)
        if profile_created:
            self.stderr.write(f'Created new profile for user: "{username}"')
