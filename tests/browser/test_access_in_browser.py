"""IT on a phone, in a real browser: a new temp in home care needs the dispenser portal
today; the next week she has left, and her access ends."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import expect

from tests.browser.test_roles_in_browser import PHONE, log_in, nb


@pytest.mark.browser
def test_it_gives_a_temp_access_and_ends_it_on_a_phone(new_page, live_server):
    page = new_page(viewport=PHONE)
    log_in(page, "it")
    page.wait_for_url(f"{live_server}/")

    page.get_by_role("button", name=nb("Show menu")).click()
    page.get_by_role("link", name=nb("Access"), exact=True).click()
    expect(page.get_by_role("heading", name=nb("Systems and access"))).to_be_visible()
    page.get_by_role("link", name="Dosettportal").click()
    expect(page.get_by_role("heading", name="Dosettportal")).to_be_visible()
    page.get_by_role("link", name=nb("Give access")).click()

    # The form refuses a grant without a reason, and keeps what was typed.
    page.get_by_label(nb("Role")).select_option(label="Sykepleier")
    page.get_by_label(nb("Who"), exact=True).select_option(
        label=nb("Employee or other person without a login")
    )
    page.get_by_label(nb("Name"), exact=True).fill("Vera Vikar")
    page.get_by_label(nb("Employer, or relation to the recipient")).fill("Bemanning AS")
    page.get_by_label(nb("Municipality"), exact=True).select_option(label="Stjørdal")
    page.get_by_label(nb("Unit")).select_option(label="Hjemmetjenesten sone nord (Stjørdal)")
    page.get_by_label(nb("Account name in the system")).fill("vera.vikar")
    page.get_by_role("button", name=nb("Give access")).click()
    expect(page.get_by_test_id("form-errors")).to_be_visible()
    expect(page.get_by_text(nb("Say why the person needs this access."))).to_be_visible()
    expect(page.get_by_label(nb("Name"), exact=True)).to_have_value("Vera Vikar")

    page.get_by_label(nb("Why")).fill("Vikar i hjemmetjenesten, følger opp dispensere")
    page.get_by_role("button", name=nb("Give access")).click()
    expect(
        page.get_by_role("heading", name="Vera Vikar: Sykepleier i Dosettportal")
    ).to_be_visible()
    expect(page.get_by_test_id("grant-facts")).to_contain_text("Hjemmetjenesten sone nord")
    grant_url = page.url

    # She is in the register of who has access today, found by her name.
    page.goto("/access/grants?q=vera")
    expect(page.get_by_test_id("grants").locator("tbody tr")).to_have_count(1)
    expect(page.get_by_test_id("grants")).to_contain_text("Dosettportal")

    # She leaves: IT ends the access, today being her last day.
    page.goto(grant_url)
    page.get_by_label(nb("Why")).first.fill("Vikariatet er over")
    page.get_by_role("button", name=nb("End the access")).click()
    expect(page.get_by_text(nb("The access is ended."))).to_be_visible()
    today = datetime.now(ZoneInfo("Europe/Oslo")).date()  # the municipality's day
    expect(page.get_by_test_id("grant-facts")).to_contain_text(f"{today:%d.%m.%Y}")
    tomorrow = today + timedelta(days=1)
    page.goto(f"/access/grants?q=vera&at={tomorrow.isoformat()}")
    expect(page.get_by_text(nb("No access matches."))).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
