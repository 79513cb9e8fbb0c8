"""Signing in through a real browser: password, then the authenticator app's code."""

import re
from base64 import b32decode

import pytest
from django_otp.oath import totp
from playwright.sync_api import Page, expect

from tests.accounts.helpers import add_authenticator, totp_code
from tests.cast import PASSWORD

pytestmark = pytest.mark.browser


def _password_step(page: Page, base: str, email: str) -> None:
    page.goto(f"{base}/accounts/login/")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Continue").click()


def test_an_issuer_admin_signs_in_with_password_and_code(page: Page, live_server, cast) -> None:
    add_authenticator(cast.maple_admin)
    _password_step(page, live_server.url, cast.maple_admin.email)
    expect(page.get_by_role("heading", name="Enter your code")).to_be_visible()
    page.get_by_label("Code from your authenticator app").fill(totp_code())
    page.get_by_role("button", name="Verify").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Maple Bank")
    expect(page.locator(".user-box__role")).to_have_text("Issuer admin")


def test_a_wrong_code_is_explained_in_the_browser(page: Page, live_server, cast) -> None:
    add_authenticator(cast.maple_admin)
    _password_step(page, live_server.url, cast.maple_admin.email)
    page.get_by_label("Code from your authenticator app").fill(
        f"{(int(totp_code()) + 1) % 1_000_000:06d}"
    )
    page.get_by_role("button", name="Verify").click()
    expect(page.get_by_text("That code is not valid.")).to_be_visible()


def test_a_new_enstream_user_enrols_and_reaches_the_operations_dashboard(
    page: Page, live_server, cast
) -> None:
    _password_step(page, live_server.url, cast.finance.email)
    expect(page.get_by_role("img", name=re.compile("QR code"))).to_be_visible()
    page.get_by_text("Cannot scan it? Type this key instead").click()
    key = page.locator("#setup-key").inner_text().replace(" ", "")
    seed = b32decode(key + "=" * (-len(key) % 8))
    page.get_by_label("Code from your authenticator app").fill(f"{totp(seed):06d}")
    page.get_by_role("button", name="Confirm").click()
    expect(page.get_by_role("heading", name="Save your backup codes")).to_be_visible()
    expect(page.locator("ul.backup-codes li")).to_have_count(10)
    page.get_by_role("link", name="I have saved them, continue").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("EnStream operations")
