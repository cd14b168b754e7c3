"""How sessions end: signing out of the app, of the LMS, and an app session expiring."""

from playwright.sync_api import expect

from tests.e2e.flows import (
    authorize_pages,
    expect_lms_sign_in_form,
    expect_profile,
    expire_app_session,
    sign_in,
    starts_with,
)


def test_signing_out_ends_the_app_and_the_lms_sessions(page, stack):
    sign_in(page, stack, stack.learner)
    page.get_by_role("navigation", name="Main").get_by_role("button", name="Sign out").click()

    # Back on the app's home page, after the LMS signed the user out.
    expect(page).to_have_url(stack.url("/"))
    expect(page.locator("#main").get_by_role("link", name="Sign in")).to_be_visible()
    page.goto(stack.url("/profile/"))
    expect_lms_sign_in_form(page, stack)


def test_signing_out_at_the_lms_ends_the_app_session(page, stack):
    sign_in(page, stack, stack.learner)
    page.goto(stack.url("/profile/"))
    expect_profile(page, stack, stack.learner, "Lena Learner")

    # The LMS's logout page loads the app's logout URL in a hidden iframe.
    with page.expect_response(starts_with(stack.url("/auth/logout/lms/"))) as frame:
        page.goto(stack.lms_url + "/logout")
    assert frame.value.ok
    expect(page.get_by_role("heading", name="You have signed out.")).to_be_visible()

    page.goto(stack.url("/profile/"))
    expect_lms_sign_in_form(page, stack)


def test_expired_app_session_signs_in_again_and_returns_to_the_page(page, stack):
    sign_in(page, stack, stack.learner)
    expire_app_session(page, stack)
    round_trips = authorize_pages(page)
    with page.expect_request(starts_with(stack.lms_url + "/oauth2/authorize/")):
        page.goto(stack.url("/profile/"))

    # Still signed in at the LMS (and consent given before): straight back to the profile.
    expect_profile(page, stack, stack.learner, "Lena Learner")
    assert round_trips == []
