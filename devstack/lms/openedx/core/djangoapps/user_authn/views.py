"""Sign-in (standing in for the authn MFE) and the LMS's single-logout page."""

from django.conf import settings
from django.contrib.auth import logout
from django.contrib.auth.views import LoginView as DjangoLoginView
from django.views.generic import TemplateView

from .redirects import is_safe_logout_redirect


class LoginView(DjangoLoginView):
    """Username (or email) and password; `next` is followed only when it stays on this host."""

    template_name = "user_authn/login.html"
    redirect_authenticated_user = False


class LogoutView(TemplateView):
    """Ends the LMS session, signs the browser out of every IDA, then returns it where asked.

    The logout URIs of the other apps load in hidden iframes; the page moves on to `redirect_url`
    once they have loaded, but only when that URL is allowed. Otherwise it stays here.
    """

    template_name = "user_authn/logout.html"
    http_method_names = ["get", "post"]

    def get(self, request, *args, **kwargs):
        logout(request)
        return super().get(request, *args, **kwargs)

    def post(self, request, *args, **kwargs):
        return self.get(request, *args, **kwargs)

    def _param(self, name):
        return self.request.GET.get(name) or self.request.POST.get(name, "")

    def get_context_data(self, **kwargs):
        target = self._param("redirect_url")
        if target and not is_safe_logout_redirect(self.request, target, self._param("client_id")):
            target = ""
        return {
            **super().get_context_data(**kwargs),
            "target": target,
            "logout_uris": settings.IDA_LOGOUT_URI_LIST,
        }
