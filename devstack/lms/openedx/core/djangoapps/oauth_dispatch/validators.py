"""The LMS's changes to django-oauth-toolkit's request validator."""

from oauth2_provider.oauth2_validators import OAuth2Validator


class EdxOAuth2Validator(OAuth2Validator):
    def save_bearer_token(self, token, request, *args, **kwargs):
        """Tie client-credentials tokens to the application's owner, as the LMS does."""
        if request.grant_type != "client_credentials":
            return super().save_bearer_token(token, request, *args, **kwargs)
        # DOT drops the user for this grant type; hide the grant type while it saves.
        request.grant_type, request.user = None, request.client.user
        try:
            return super().save_bearer_token(token, request, *args, **kwargs)
        finally:
            request.grant_type = "client_credentials"
