"""`create_dot_application NAME USERNAME`: register an OAuth application, as the LMS command does.

Its quirks are kept on purpose, because provisioning code must live with them:
- without --update an existing application (same owner and name) is left as it is, silently;
- with --update the type, grant type, redirect URIs and skip-authorization are all rewritten,
  so an omitted flag goes back to its default;
- the client secret is logged in plain text at INFO level.
"""

import logging

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand
from oauth2_provider.models import get_application_model

from openedx.core.djangoapps.oauth_dispatch.models import ApplicationAccess

logger = logging.getLogger(__name__)
Application = get_application_model()


class Command(BaseCommand):
    help = "Creates a Django OAuth Toolkit (DOT) Application Instance."

    def add_arguments(self, parser):
        parser.add_argument("name", help="The name of this DOT Application")
        parser.add_argument("username", help="The LMS user that owns this DOT Application")
        parser.add_argument(
            "--grant-type",
            dest="grant_type",
            default=Application.GRANT_CLIENT_CREDENTIALS,
            choices=[choice for choice, _ in Application.GRANT_TYPES],
        )
        parser.add_argument(
            "--redirect-uris", dest="redirect_uris", default="", help="Space separated"
        )
        parser.add_argument("--public", action="store_true")
        parser.add_argument("--skip-authorization", dest="skip_authorization", action="store_true")
        parser.add_argument("--client-id", dest="client_id", default="")
        parser.add_argument("--client-secret", dest="client_secret", default="")
        parser.add_argument("--scopes", default="", help="Comma separated")
        parser.add_argument("--update", action="store_true")

    def handle(self, *args, **options):
        user = get_user_model().objects.get(username=options["username"])
        name = options["name"]
        fields = {
            "redirect_uris": options["redirect_uris"],
            "client_type": Application.CLIENT_PUBLIC
            if options["public"]
            else Application.CLIENT_CONFIDENTIAL,
            "authorization_grant_type": options["grant_type"],
            "skip_authorization": options["skip_authorization"],
        }
        # An id or secret left out keeps the existing (or a generated) value.
        for key in ("client_id", "client_secret"):
            if options[key]:
                fields[key] = options[key]

        application = Application.objects.filter(user=user, name=name).first()
        if application is None:
            application = Application.objects.create(user=user, name=name, **fields)
            self._log_application("Created", application)
        elif options["update"]:
            for key, value in fields.items():
                setattr(application, key, value)
            application.save()
            self._log_application("Updated", application)
        else:
            logger.info("Application with name %s and user %s already exists.", name, user.username)

        if options["scopes"]:
            self._create_or_update_access(
                application, options["scopes"].split(","), options["update"]
            )

    @staticmethod
    def _log_application(action, application):
        logger.info(
            "%s %s application with id: %s, client_id: %s, and client_secret: %s",
            action,
            application.name,
            application.id,
            application.client_id,
            application.client_secret,
        )

    @staticmethod
    def _create_or_update_access(application, scopes, update):
        access = ApplicationAccess.objects.filter(application=application).first()
        if access is None:
            ApplicationAccess.objects.create(application=application, scopes=scopes)
            logger.info(
                "Created application access for %s with scopes: %s", application.name, scopes
            )
        elif update:
            access.scopes = scopes
            access.save()
            logger.info(
                "Updated application access for %s with scopes: %s", application.name, scopes
            )
        else:
            logger.info("Application access for application %s already exists.", application.name)
