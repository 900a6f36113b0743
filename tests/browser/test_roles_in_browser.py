"""Each demo role in a real browser: Norwegian login, the menu it may see, logout.

The menu each demo user must see is written out here, by hand, from the role matrix
in the README (not from the declarations the application renders its menu from); the
Norwegian wording comes from the nb message catalogue, so the tests follow the wording
if it changes.
"""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path

import pytest
from babel.messages.pofile import read_po
from playwright.sync_api import expect

from vftops.demo import DEMO_PASSWORD, DEMO_USERS

CATALOGUE = (
    Path(__file__).resolve().parents[2]
    / "vftops"
    / "translations"
    / "nb"
    / "LC_MESSAGES"
    / "messages.po"
)
USERS = {username: (full_name, roles) for username, full_name, roles, _, _ in DEMO_USERS}
PHONE = {"width": 390, "height": 844}
LOGIN_URL = re.compile(r"^https?://[^/]+/login(\?.*)?$")

expect.set_options(timeout=10_000)


@cache
def _catalogue():
    with CATALOGUE.open("rb") as f:
        return read_po(f, locale="nb")


def nb(msgid: str, **params: str) -> str:
    """The Norwegian text the application shows for an English msgid."""
    message = _catalogue().get(msgid)
    assert message is not None, f"{msgid!r} is not in the nb catalogue"
    assert message.string, f"{msgid!r} has no Norwegian translation in the nb catalogue"
    assert not message.fuzzy, f"{msgid!r} is marked fuzzy and is not compiled"
    return message.string % params if params else message.string


# Every link of the menu, groups opened, in menu order.
MENU = [
    "Start",
    "My jobs today",
    "All devices",
    "Recipients",
    "Products",
    "Scan",
    "Support",
    "Stock",
    "Systems and access",
    "Access orders",
    "Access reviews",
    "Agreements",
    "Municipalities",
    "Users",
    "Audit log",
]
EQUIPMENT = ["All devices", "Recipients", "Products", "Scan"]
# What each demo user sees.
SEES = {
    "admin": MENU,
    "it": [
        "Start",
        "All devices",
        "Products",
        "Scan",
        "Support",
        "Stock",
        "Systems and access",
        "Access reviews",
        "Agreements",
        "Municipalities",
        "Users",
    ],
    "servicedesk": [
        "Start",
        *EQUIPMENT,
        "Support",
        "Stock",
        "Systems and access",
        "Access reviews",
        "Agreements",
        "Municipalities",
    ],
    "tekniker": ["Start", "My jobs today", *EQUIPMENT, "Support", "Stock", "Municipalities"],
    "innkjop": [
        "Start",
        "All devices",
        "Products",
        "Scan",
        "Support",
        "Stock",
        "Agreements",
        "Municipalities",
    ],
    "lagerleder": [
        "Start",
        "My jobs today",
        *EQUIPMENT,
        "Support",
        "Stock",
        "Agreements",
        "Municipalities",
    ],
    "leder": [
        "Start",
        *EQUIPMENT,
        "Support",
        "Stock",
        "Access orders",
        "Access reviews",
        "Municipalities",
    ],
    "revisor": [
        "Start",
        *EQUIPMENT,
        "Support",
        "Stock",
        "Systems and access",
        "Agreements",
        "Municipalities",
        "Users",
        "Audit log",
    ],
}


def expected_navigation(username) -> tuple[list[str], list[str]]:
    """(labels the user sees in order, labels they must not see), in Norwegian."""
    sees = SEES[username]
    return [nb(label) for label in sees], [nb(label) for label in MENU if label not in sees]


def log_in(page, username: str, password: str = DEMO_PASSWORD) -> None:
    page.goto("/login")
    expect(page.get_by_role("heading", name=nb("Log in to vftops"))).to_be_visible()
    page.get_by_label(nb("Username")).fill(username)
    page.get_by_label(nb("Password"), exact=True).fill(password)
    page.get_by_role("button", name=nb("Log in"), exact=True).click()


@pytest.mark.browser
@pytest.mark.parametrize("username", list(USERS))
def test_each_role_sees_its_own_menu_and_can_log_out(page, live_server, username):
    """A user logs in in Norwegian, is greeted by name, sees only their menu, and logs out."""
    full_name, _roles = USERS[username]
    shown, hidden = expected_navigation(username)

    page.goto("/login")
    expect(page.locator("html")).to_have_attribute("lang", "nb")
    expect(page.get_by_role("heading", name=nb("Log in to vftops"))).to_be_visible()
    expect(page.get_by_role("button", name=nb("Log in"), exact=True)).to_be_visible()

    log_in(page, username)
    page.wait_for_url(f"{live_server}/")
    expect(page.get_by_role("heading", level=1)).to_have_text(
        nb("Good to see you, %(name)s", name=full_name)
    )

    nav = page.get_by_test_id("main-nav")
    expect(nav).to_be_visible()
    # Links inside a closed menu group count: they are one click away.
    links = nav.get_by_role("link", include_hidden=True)
    expect(links).to_have_count(len(shown))
    texts = [t.strip() for t in links.all_text_contents()]
    assert texts == shown
    for label in hidden:
        expect(nav.get_by_role("link", name=label, exact=True, include_hidden=True)).to_have_count(
            0
        )

    page.get_by_role("button", name=nb("Log out"), exact=True).click()
    page.wait_for_url(LOGIN_URL)
    expect(page.get_by_role("heading", name=nb("Log in to vftops"))).to_be_visible()
    expect(page.get_by_test_id("main-nav")).to_have_count(0)

    page.goto("/users")
    page.wait_for_url(LOGIN_URL)
    expect(page.get_by_role("heading", name=nb("Log in to vftops"))).to_be_visible()


@pytest.mark.browser
def test_wrong_password_shows_norwegian_error_and_keeps_username(page):
    """A mistyped password gives a Norwegian error, and the username is still filled in."""
    log_in(page, "admin", "feil-passord-123")

    expect(page.get_by_test_id("login-error")).to_have_text(nb("Wrong username or password."))
    expect(page.get_by_label(nb("Username"))).to_have_value("admin")
    expect(page.get_by_test_id("main-nav")).to_have_count(0)


@pytest.mark.browser
def test_phone_menu_is_collapsed_behind_the_menu_button(new_page, live_server):
    """On a phone the menu hides behind a menu button that opens it when tapped."""
    page = new_page(viewport=PHONE)
    log_in(page, "tekniker")
    page.wait_for_url(f"{live_server}/")

    toggler = page.locator('button[aria-controls="main-nav"]')
    expect(toggler).to_be_visible()
    expect(toggler).to_have_attribute("aria-expanded", "false")
    first_link = page.get_by_test_id("main-nav").locator("a").first
    expect(first_link).to_be_attached()
    expect(first_link).to_be_hidden()

    toggler.click()
    expect(toggler).to_have_attribute("aria-expanded", "true")
    expect(first_link).to_be_visible()
    expect(first_link).to_have_text(nb("Start"))
