"""Thin views: each one hands the work to a helper module and renders the outcome."""

import functools
import logging

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login, logout
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.http import HttpResponseRedirect, HttpResponseServerError
from django.shortcuts import render
from django.template.loader import render_to_string
from django.views.decorators.cache import never_cache
from django.views.decorators.clickjacking import xframe_options_exempt
from django.views.decorators.http import require_GET, require_http_methods

from profiles import account, lms, rate_limits
from profiles.client_address import browser_address
from profiles.failures import FAILURES, SignInFailed
from profiles.identity import user_for_claims
from profiles.redirects import MAX_NEXT_LENGTH, default_after_sign_in, safe_next
from profiles.revocation import revoke_in_background, revoke_quietly

log = logging.getLogger(__name__)
# How long a 429 or 503 page asks to wait before trying again, unless told (a minute).
RETRY_AFTER_SECONDS = 60


def failure_page(request, code: str, retry_after: int | None = None):
    failure = FAILURES[code]
    seconds = retry_after or RETRY_AFTER_SECONDS
    context = {"failure": failure, "next_step": failure.next_step(seconds)}
    response = render(request, "profiles/failure.html", context, status=failure.status)
    response["Cache-Control"] = "no-store"
    if failure.status in (429, 503):
        response["Retry-After"] = str(seconds)
    return response


@require_GET
def home(request):
    return render(
        request, "profiles/home.html", {"claims": request.session.get(account.CLAIMS_KEY)}
    )


@require_GET
@never_cache
@login_required
def profile(request):
    try:
        details = account.profile(request)
    except account.SignInAgain:
        logout(request)
        return redirect_to_login(request.get_full_path())
    return render(request, "profiles/profile.html", {"profile": details})


def sign_in_step(group: str):
    """A GET view of the sign-in, limited per browser address (the `group` counter). The check
    comes before anything is written to a session: a refused request leaves no session behind."""

    def decorate(view):
        @require_GET
        @never_cache
        @functools.wraps(view)
        def limited(request):
            wait = rate_limits.wait_for(request, group)
            if wait:
                return failure_page(request, "too_many_sign_ins", wait)
            return view(request)

        return limited

    return decorate


@sign_in_step("sign-in-start")
def sign_in(request):
    requested = request.GET.get("next", "")
    next_url = safe_next(requested)
    if requested and next_url is None:
        log.warning(
            "Ignored an unsafe next URL (%d characters)",
            min(len(requested), MAX_NEXT_LENGTH + 1),
            extra={"event": "unsafe_next"},
        )
        messages.warning(
            request, "The page you were sent to is not part of this site, so you land here."
        )
    next_url = next_url or default_after_sign_in()
    if request.user.is_authenticated:
        return HttpResponseRedirect(next_url)
    return HttpResponseRedirect(lms.authorization_redirect(request, next_url))


@sign_in_step("sign-in-callback")
def callback(request):
    try:
        token, claims, next_url = lms.complete_sign_in(request, browser_address(request))
        user = user_for_claims(claims)
    except SignInFailed as failure:
        log.warning(
            "Sign-in failed: %s",
            failure.code,
            extra={"event": "sign_in_failed", "reason": failure.code, "detail": failure.detail},
        )
        return failure_page(request, failure.code, failure.retry_after)
    # login() cycles the session key; the pending-sign-in data is already consumed.
    login(request, user, backend="django.contrib.auth.backends.ModelBackend")
    # The session outlives the sign-in now (it lasted as long as the sign-in until here).
    request.session.set_expiry(None)
    account.remember(request, token, claims)
    log.info("Signed in", extra={"event": "signed_in", "lms_user_id": claims["user_id"]})
    return HttpResponseRedirect(safe_next(next_url) or default_after_sign_in())


@require_http_methods(["GET", "POST"])
def sign_out(request):
    if request.method == "GET":
        # Signing out changes state, so it takes a POST; a GET shows the button.
        return render(request, "profiles/sign_out.html")
    refresh_token = account.refresh_token(request)
    if refresh_token:
        revoke_quietly(refresh_token, browser_address(request))
    logout(request)
    return HttpResponseRedirect(lms.logout_url())


@require_GET
@never_cache
@xframe_options_exempt
def lms_logout(request):
    """Front-channel logout: the LMS loads this in a hidden iframe when the user signs out there."""
    refresh_token = account.refresh_token(request)
    logout(request)
    if refresh_token:
        # The LMS's logout page waits for this frame: a slow LMS must not hold it up.
        revoke_in_background(refresh_token, browser_address(request))
    response = render(request, "profiles/signed_out_frame.html")
    response["Content-Security-Policy"] = f"frame-ancestors 'self' {settings.LMSAUTH.lms_url}"
    return response


def csrf_failure(request, reason=""):
    return failure_page(request, "csrf")


def bad_request(request, exception=None):
    return failure_page(request, "bad_request")


def forbidden(request, exception=None):
    return failure_page(request, "forbidden")


def not_found(request, exception=None):
    return failure_page(request, "not_found")


def server_error(request):
    # No request context: whatever broke (the database, say) must not break this page too.
    failure = FAILURES["server_error"]
    context = {"failure": failure, "next_step": failure.next_step(RETRY_AFTER_SECONDS)}
    body = render_to_string("profiles/failure.html", context)
    return HttpResponseServerError(body)
