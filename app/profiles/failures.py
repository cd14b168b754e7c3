"""What went wrong during sign-in, told in words a person can act on.

Each failure has an HTTP status, a title, what happened and what to do next. Failures that only
an operator can fix say so, and name the command to run.
"""

from dataclasses import dataclass

from django.conf import settings


def sync_command() -> str:
    """The command that registers this app's client in the LMS again: for the platform the app
    runs on (LMSAUTH_RUNNER), else the three."""
    runner = settings.LMSAUTH.runner
    if runner:
        return f"`tutor {runner} do lmsauth-sync`"
    return (
        "`tutor local do lmsauth-sync` (or `tutor dev do lmsauth-sync`, or "
        "`tutor k8s do lmsauth-sync`)"
    )


@dataclass(frozen=True)
class Failure:
    status: int
    title: str
    explanation: str
    # What to do next; `{sync}` stands for the command that registers the client again,
    # `{seconds}` for how long to wait before trying again.
    advice: str
    for_operator: bool = False

    def next_step(self, seconds: int) -> str:
        return self.advice.format(sync=sync_command(), seconds=seconds)


FAILURES = {
    "access_denied": Failure(
        403,
        "You did not allow access",
        "You chose not to share your LMS account with this site, so you are not signed in.",
        "If that was a mistake, sign in again and choose Allow.",
    ),
    "invalid_scope": Failure(
        502,
        "The LMS refused the requested permissions",
        "This site asked the LMS for account details its registration does not allow.",
        "Ask the site operator to run {sync} so the LMS grants the configured scopes.",
        for_operator=True,
    ),
    "state_missing": Failure(
        400,
        "This sign-in link is incomplete",
        "The address the LMS sent you back to lacks the sign-in check value.",
        "Start again from the sign-in button.",
    ),
    "state_mismatch": Failure(
        400,
        "This sign-in did not start here",
        "The sign-in answer does not match a sign-in started in this browser. It may have been "
        "used already, started in another browser, or forged.",
        "Start again from the sign-in button.",
    ),
    "state_expired": Failure(
        400,
        "This sign-in took too long",
        "The sign-in was started too long ago and has expired.",
        "Start again from the sign-in button.",
    ),
    "invalid_grant": Failure(
        400,
        "This sign-in code is no longer valid",
        "The LMS did not accept the sign-in code: it was already used or has expired.",
        "Start again from the sign-in button.",
    ),
    "invalid_client": Failure(
        502,
        "This site is not registered correctly with the LMS",
        "The LMS did not recognise this site's client credentials.",
        "Ask the site operator to run {sync} to register the client again, "
        "then restart this service.",
        for_operator=True,
    ),
    "lms_refused": Failure(
        502,
        "The LMS refused the sign-in",
        "The LMS answered the sign-in with an error.",
        "Try again in a moment. If it keeps happening, ask the site operator to run "
        "{sync} and check the LMS logs.",
        for_operator=True,
    ),
    "lms_unreachable": Failure(
        502,
        "The LMS cannot be reached",
        "This site could not connect to the LMS to finish your sign-in.",
        "Try again in a few minutes. If it keeps happening, tell the site operator.",
    ),
    "lms_timeout": Failure(
        504,
        "The LMS is taking too long",
        "The LMS did not answer in time, so your sign-in could not be finished.",
        "Try again in a few minutes. If it keeps happening, tell the site operator.",
    ),
    "lms_busy": Failure(
        503,
        "The LMS is busy",
        "The LMS is receiving too many sign-ins right now.",
        "Try again in {seconds} seconds.",
    ),
    "too_many_sign_ins": Failure(
        429,
        "Too many sign-in attempts",
        "This site received too many sign-in attempts from your network address in a short "
        "time, so it is not taking more from it for now.",
        "Try again in {seconds} seconds.",
    ),
    "lms_error": Failure(
        502,
        "The LMS answered with an error",
        "The LMS could not finish your sign-in because of a problem on its side.",
        "Try again in a few minutes. If it keeps happening, tell the site operator.",
    ),
    "lms_bad_answer": Failure(
        502,
        "The LMS sent an answer this site cannot use",
        "The LMS's answer to your sign-in held a value of the wrong type or size, so it was "
        "refused and you are not signed in.",
        "Try again in a few minutes. If it keeps happening, tell the site operator: the site's "
        "log names the field.",
    ),
    "bad_token": Failure(
        502,
        "The LMS's answer could not be trusted",
        "The sign-in token from the LMS failed verification (signature, issuer, audience or "
        "expiry), so it was rejected.",
        "Ask the site operator to check that this site's JWT key, issuer and audience match the "
        "LMS ({sync} and a restart apply Tutor's values), then try again.",
        for_operator=True,
    ),
    "missing_user_id": Failure(
        502,
        "The LMS did not say who you are",
        "The LMS did not include your user id, which this site needs to know who you are.",
        "Ask the site operator to run {sync} so the LMS grants the user_id scope.",
        for_operator=True,
    ),
    "bad_request": Failure(
        400,
        "This request could not be understood",
        "Some of the information sent to this page is malformed or too long.",
        "Go back to the home page and start again.",
    ),
    "csrf": Failure(
        403,
        "This form has expired",
        "The form you sent was not recognised, often because the page was open for a long time "
        "or cookies are blocked.",
        "Reload the page and try again; make sure cookies are allowed for this site.",
    ),
    "forbidden": Failure(
        403,
        "Not allowed",
        "You do not have access to this page.",
        "Go back to the home page.",
    ),
    "not_found": Failure(
        404,
        "Page not found",
        "There is nothing at this address.",
        "Go back to the home page.",
    ),
    "method_not_allowed": Failure(
        405,
        "This page cannot do that",
        "This address does not accept that kind of request.",
        "Go back to the home page.",
    ),
    "server_error": Failure(
        500,
        "Something went wrong",
        "This site hit an unexpected problem.",
        "Try again in a moment. If it keeps happening, tell the site operator.",
    ),
}


class SignInFailed(Exception):
    """Stops a sign-in; `code` is a key of FAILURES, `detail` goes to the log only,
    `retry_after` is how long the LMS asked to wait (seconds), if it said."""

    def __init__(self, code: str, detail: str = "", retry_after: int | None = None):
        super().__init__(code)
        self.code = code
        self.detail = detail
        self.retry_after = retry_after
