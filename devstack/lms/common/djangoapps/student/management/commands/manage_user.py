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
    help = (
        "Make sure a user exists with the given email, staff and superuser flags (a flag left "
        "out is taken away)."
    )

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument("email", help="must be the user's email when the user exists")
        parser.add_argument("--staff", action="store_true")
        parser.add_argument("--superuser", action="store_true")
        parser.add_argument(
            "--unusable-password",
            action="store_true",
            help="nobody can sign in as this user with a password (a service account)",
        )
        parser.add_argument("--remove", action="store_true", help="delete the user instead")

    @transaction.atomic
    def handle(self, *args, **options):
        username, email = options["username"], options["email"]
        user = get_user_model().objects.filter(username=username).first()
        if user is not None and user.email.lower() != email.lower():
            raise CommandError(
                f"{username}: the email given does not match the one on record; "
                "nothing was changed."
            )
        if options["remove"]:
            self._say(username, "removed" if user else "no such user, nothing to remove")
            if user:
                user.delete()
            return

        if user is None:
            user = get_user_model().objects.create(username=username, email=email)
            # Usable but unknown, so that a password reset can set one later.
            user.set_password(secrets.token_urlsafe(25))
            self._say(username, "created")
        else:
            self._say(username, "exists")
        for flag in ("is_staff", "is_superuser"):
            wanted = options[flag.removeprefix("is_")]
            if getattr(user, flag) != wanted:
                self._say(username, f"{flag} is now {wanted}")
                setattr(user, flag, wanted)
        if options["unusable_password"] and user.has_usable_password():
            self._say(username, "password disabled")
            user.set_unusable_password()
        user.save()
        if UserProfile.objects.get_or_create(user=user)[1]:
            self._say(username, "profile created")

    def _say(self, username, what):
        self.stderr.write(f"{username}: {what}")
