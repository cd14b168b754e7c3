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
    help = "Register an OAuth2 application of django-oauth-toolkit, owned by an existing user."

    def add_arguments(self, parser):
        parser.add_argument("name", help="the application's name, one per owner")
        parser.add_argument("username", help="the user who owns it (they must exist)")
        parser.add_argument(
            "--grant-type",
            default=Application.GRANT_CLIENT_CREDENTIALS,
            choices=[choice for choice, _ in Application.GRANT_TYPES],
            help="how the application obtains tokens (default: client credentials)",
        )
        parser.add_argument(
            "--redirect-uris",
            default="",
            help="the URIs the LMS may send a code back to, separated by spaces",
        )
        parser.add_argument("--public", action="store_true", help="a client that holds no secret")
        parser.add_argument(
            "--skip-authorization", action="store_true", help="never ask the user for consent"
        )
        parser.add_argument("--client-id", default="", help="instead of a generated one")
        parser.add_argument("--client-secret", default="", help="instead of a generated one")
        parser.add_argument(
            "--scopes", default="", help="scopes granted besides the defaults, separated by commas"
        )
        parser.add_argument(
            "--update",
            action="store_true",
            help="rewrite the application of this name and owner with these options",
        )

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
            self._log_application("registered", application)
        elif options["update"]:
            for key, value in fields.items():
                setattr(application, key, value)
            application.save()
            self._log_application("rewrote", application)
        else:
            logger.info("%s of %s is registered already; left as it is", name, user.username)

        if options["scopes"]:
            self._grant(application, options["scopes"].split(","), options["update"])

    @staticmethod
    def _log_application(done, application):
        # The LMS's command logs the secret too: the stand-in keeps that, so that tests can
        # show what provisioning through it would leak.
        logger.info(
            "%s application %s (row %s): client id %s, client secret %s",
            done,
            application.name,
            application.id,
            application.client_id,
            application.client_secret,
        )

    @staticmethod
    def _grant(application, scopes, update):
        access = ApplicationAccess.objects.filter(application=application).first()
        if access is None:
            ApplicationAccess.objects.create(application=application, scopes=scopes)
            logger.info("%s may now ask for the scopes %s", application.name, scopes)
        elif update:
            access.scopes = scopes
            access.save()
            logger.info("%s may now ask for the scopes %s instead", application.name, scopes)
        else:
            logger.info("scopes of %s are set already; left as they are", application.name)
