"""The LMS's OAuth2 endpoints: django-oauth-toolkit views with the LMS's additions."""

import json

from django.conf import settings
from django.utils.decorators import method_decorator
from django_ratelimit import ALL
from django_ratelimit.decorators import ratelimit
from oauth2_provider import views as dot_views
from oauth2_provider.exceptions import OAuthToolkitError
from oauth2_provider.models import get_access_token_model, get_application_model
from oauth2_provider.settings import oauth2_settings

from . import jwt
from .models import ApplicationAccess

TRUE_VALUES = {"true", "1", "yes"}


class AuthorizationView(dot_views.AuthorizationView):
    """Adds the LMS's `auto_even_if_expired` approval prompt.

    A user who once approved an application (any access token, even an expired one, covering the
    requested scopes) is not asked again.
    """

    template_name = "oauth_dispatch/authorize.html"

    def get(self, request, *args, **kwargs):
        prompt = request.GET.get("approval_prompt", oauth2_settings.REQUEST_APPROVAL_PROMPT)
        if prompt != "auto_even_if_expired":
            return super().get(request, *args, **kwargs)
        try:
            scopes, credentials = self.validate_authorization_request(request)
        except OAuthToolkitError as error:
            return self.error_response(error, application=None)
        application = get_application_model().objects.get(client_id=credentials["client_id"])
        if application.skip_authorization or not self._approved_before(application, scopes):
            return super().get(request, *args, **kwargs)
        try:
            uri, _headers, _body, _status = self.create_authorization_response(
                request=request, scopes=" ".join(scopes), credentials=credentials, allow=True
            )
        except OAuthToolkitError as error:
            return self.error_response(error, application)
        return self.redirect(uri, application)

    def _approved_before(self, application, scopes):
        tokens = get_access_token_model().objects.filter(
            user=self.request.user, application=application
        )
        return any(token.allow_scopes(scopes) for token in tokens)


# As in the LMS: every request counts, refused ones too; the rate is read at import.
@method_decorator(
    ratelimit(
        key="openedx.core.djangoapps.util.ratelimit.real_ip",
        rate=settings.RATELIMIT_RATE,
        method=ALL,
        block=True,
    ),
    name="dispatch",
)
class AccessTokenView(dot_views.TokenView):
    """The token endpoint; turns the access token into a JWT when `token_type=jwt` is asked for.

    Over the per-address limit, django-ratelimit raises Ratelimited, which the LMS's 403
    handler turns into its HTML 429 page (see standin.views.forbidden).
    """

    def post(self, request, *args, **kwargs):
        response = super().post(request, *args, **kwargs)
        if response.status_code == 200 and self._token_type(request) == "jwt":
            response.content = json.dumps(self._jwt_response(request, json.loads(response.content)))
        return response

    @staticmethod
    def _token_type(request):
        return request.POST.get("token_type", request.headers.get("X-Token-Type", "")).lower()

    @staticmethod
    def _jwt_response(request, token_dict):
        access_token = (
            get_access_token_model()
            .objects.select_related("application", "user")
            .get(token=token_dict["access_token"])
        )
        access = ApplicationAccess.objects.filter(application=access_token.application).first()
        expires_in = settings.JWT_ACCESS_TOKEN_EXPIRE_SECONDS
        claims = jwt.build_claims(
            access_token.user,
            scopes=token_dict["scope"].split(),
            expires_in=expires_in,
            grant_type=access_token.application.authorization_grant_type,
            filters=access.filters if access else [],
        )
        asymmetric = request.POST.get("asymmetric_jwt", "").lower() in TRUE_VALUES
        return {
            **token_dict,
            "access_token": jwt.encode(claims, asymmetric=asymmetric),
            "token_type": "JWT",
            "expires_in": expires_in,
        }
