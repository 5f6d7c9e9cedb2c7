"""Single sign-on in Chromium: a manager signs in at the OpenID provider and signs out through
it. The browser is what checks the pages' policy against the sign-out form's redirect to the
provider (form-action), which the test client cannot."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator

import pytest
from flask import Flask
from playwright.sync_api import Page, expect

from bench.live import serving
from coachapp import create_app
from tests.browser.conftest import PageProblems
from tests.conftest import settings_for
from tests.oidc_provider import Provider, running_provider

pytestmark = pytest.mark.browser


@pytest.fixture(scope="session")
def provider(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Provider]:
    yield from running_provider(tmp_path_factory)


@pytest.fixture(scope="session")
def sso_server(live_app: Flask, provider: Provider) -> Iterator[str]:
    """The demo organisation (the live app's database) served with single sign-on."""
    app = create_app(
        settings_for(
            live_app.config["DATABASE_URL"],
            OIDC_ISSUER=provider.issuer,
            OIDC_CLIENT_ID="coachapp-browser-tests",
            OIDC_CLIENT_SECRET="client-secret-for-tests",
        )
    )
    with serving(app, "sso-server") as url:
        yield url
    app.extensions["coachapp.db"].engine.dispose()


def test_a_manager_signs_in_and_out_through_the_provider(
    new_phone: Callable[..., Page],
    sso_server: str,
    provider: Provider,
    page_problems: PageProblems,
) -> None:
    # The provider's own pages ask for a stylesheet on the internet, which is not reachable.
    page_problems.expect(r"ERR_NAME_NOT_RESOLVED|cdn\.jsdelivr\.net")
    page_problems.expect(re.escape(provider.issuer))
    sub = provider.person(email="manager@example.com", email_verified=True)
    phone = new_phone(base_url=sso_server)
    phone.goto("/login")
    expect(phone.get_by_label("Password")).to_be_visible()  # still there by default
    phone.get_by_role("link", name="Sign in with single sign-on").click()

    phone.wait_for_url(f"{provider.issuer}/oauth2/authorize?*")
    phone.locator("input[name=sub]").fill(sub)
    phone.get_by_role("button", name="Authorize").click()
    phone.wait_for_url(re.compile(r"/today$"))
    expect(phone.get_by_role("heading", name="Today", level=1)).to_be_visible()

    phone.goto("/me")
    phone.get_by_role("button", name="Sign out").click()
    phone.wait_for_url(f"{provider.issuer}/oauth2/end_session?*")
    phone.get_by_role("button", name="End session").click()
    phone.wait_for_url(re.compile(r"/login\?state="))
    expect(phone.get_by_text("You are signed out.")).to_be_visible()
    phone.goto("/today")
    expect(phone).to_have_url(re.compile(r"/login\?next="))
