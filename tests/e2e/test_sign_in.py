"""Signing in through the LMS, in a real browser, through Caddy as Tutor configured it."""

from playwright.sync_api import expect

from tests.e2e.flows import (
    CONSENT_FORM,
    authorize_pages,
    click_sign_in,
    expect_profile,
    screenshot,
    sign_in,
    starts_with,
    submit_lms_credentials,
)


def test_sign_in_with_consent_shown_and_approved(page, consent_stack):
    user = consent_stack.lms.create_user("ada", password="ada-password", name="Ada Lovelace")
    page.goto(consent_stack.url("/"))
    expect(page.get_by_role("heading", name="Welcome")).to_be_visible()
    screenshot(page, "home")

    click_sign_in(page, consent_stack)
    submit_lms_credentials(page, user)
    expect(page.locator(CONSENT_FORM)).to_be_visible()
    expect(page.locator(CONSENT_FORM)).to_contain_text("lmsauth-sso")
    screenshot(page, "consent")
    page.get_by_role("button", name="Allow").click()

    expect(page).to_have_url(consent_stack.url("/"))
    expect(page.get_by_role("heading", name="Hello, Ada Lovelace")).to_be_visible()
    page.locator("#main").get_by_role("link", name="See your profile").click()
    expect_profile(page, consent_stack, user, "Ada Lovelace")
    screenshot(page, "profile")


def test_sign_in_skips_consent_when_the_client_is_trusted(page, path_stack):
    consent_pages = authorize_pages(page)
    click_sign_in(page, path_stack)
    submit_lms_credentials(page, path_stack.learner)

    expect(page.get_by_role("heading", name="Hello, Lena Learner")).to_be_visible()
    assert page.url == path_stack.url("/")
    assert consent_pages == []


def test_profile_shows_username_email_and_name(page, stack):
    sign_in(page, stack, stack.learner)
    page.goto(stack.url("/profile/"))
    expect_profile(page, stack, stack.learner, "Lena Learner")


def test_declining_consent_explains_and_signs_nobody_in(page, consent_stack):
    user = consent_stack.lms.create_user("bob", password="bob-password", name="Bob Builder")
    click_sign_in(page, consent_stack)
    submit_lms_credentials(page, user)
    with page.expect_response(starts_with(consent_stack.url("/auth/callback/"))) as callback:
        page.get_by_role("button", name="Cancel").click()

    assert callback.value.status == 403
    expect(page.get_by_role("heading", name="You did not allow access")).to_be_visible()
    expect(page.locator(".next-step")).to_contain_text("sign in again and choose Allow")
    screenshot(page, "error-consent-declined")
    page.get_by_role("link", name="Back to the home page").click()
    expect(page.locator("#main").get_by_role("link", name="Sign in")).to_be_visible()
