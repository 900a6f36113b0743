"""A technician's round on a phone, in a real browser: receive, install, replace, take back."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browser.test_roles_in_browser import PHONE, log_in, nb

PRODUCT = "Tunstall Lifeline Smart Hub"
STORE = "Hjelpemiddellageret"


def _choose(page, label: str, option_starting_with: str) -> None:
    """Pick the first option of a select whose text starts with the given words."""
    select = page.get_by_label(label, exact=True)
    options = select.locator("option").all_inner_texts()
    match = next(o for o in options if o.startswith(option_starting_with))
    select.select_option(label=match)


@pytest.mark.browser
def test_technician_receives_installs_replaces_and_takes_back_on_a_phone(new_page, live_server):
    """On a phone a technician registers a delivery, installs an alarm with a custom setting,
    swaps it when it fails, and takes the replacement back into stock."""
    page = new_page(viewport=PHONE)
    log_in(page, "tekniker")
    page.wait_for_url(f"{live_server}/")

    # Receive two alarms by pasting their serial numbers.
    page.goto("/devices/receive")
    _choose(page, nb("Product"), PRODUCT)
    _choose(page, nb("Store"), STORE)
    page.get_by_label(nb("Serial numbers")).fill("chrome 001\nCHROME-002")
    page.get_by_role("button", name=nb("Register the delivery")).click()
    expect(page.locator(".alert-success")).to_contain_text(STORE)
    expect(page.get_by_test_id("device-table")).to_contain_text("CHROME001")

    # Install the first one at a recipient, with a custom setting.
    page.get_by_role("link", name="CHROME001").click()
    page.get_by_role("link", name=nb("Install at a recipient")).click()
    # The recipient is found by typing part of the address; each choice shows it.
    recipient = page.locator("select#recipient_id option").nth(1).inner_text()
    address = recipient.split(", ", 1)[1]
    expect(page.locator("#recipient_id-ts-control")).to_be_attached()  # the type-ahead is ready
    picker = page.get_by_role("combobox", name=nb("Recipient"), exact=True)
    picker.click()
    picker.fill(address)
    choice = page.locator("#recipient_id-ts-dropdown").get_by_role("option", name=recipient)
    expect(choice).to_be_visible()
    choice.click()
    page.get_by_label(nb("Settings")).fill("talevolum = 9")
    page.get_by_label(nb("Deviations from the standard configuration")).fill("Ekstra kontakt")
    page.get_by_role("button", name=nb("Register the installation")).click()
    # The first person in the demo has an alarm already: the install asks first, and
    # what was typed is still there.
    expect(page.get_by_test_id("install-warnings")).to_contain_text(recipient.split(",")[0])
    expect(page.get_by_label(nb("Settings"))).to_have_value("talevolum = 9")
    page.get_by_label(nb("I have checked: install anyway")).check()
    page.get_by_role("button", name=nb("Register the installation")).click()
    current = page.get_by_test_id("current-devices")
    expect(current).to_contain_text("CHROME001")
    expect(current).to_contain_text("talevolum = 9")
    recipient_url = page.url

    # It fails: replace it with the second one in one step.
    current.locator("li", has_text="CHROME001").get_by_role(
        "link", name=nb("Replace (faulty)")
    ).click()
    _choose(page, nb("Replacement device"), "CHROME-002")
    page.get_by_label(nb("What is wrong with it?")).fill("Knappen reagerer ikke")
    page.get_by_role("button", name=nb("Replace"), exact=True).click()
    page.wait_for_url(recipient_url)
    expect(page.get_by_test_id("current-devices")).to_contain_text("CHROME-002")
    expect(page.get_by_test_id("current-devices")).to_contain_text("talevolum = 9")
    expect(page.get_by_test_id("past-devices")).to_contain_text("CHROME001")
    assert recipient.split(",")[0] in page.locator("h1").inner_text()

    # Take the replacement back with the whole checklist: it is ready for use again.
    page.get_by_test_id("current-devices").locator("li", has_text="CHROME-002").get_by_role(
        "link", name=nb("Take back")
    ).click()
    page.get_by_label(nb("Where does it go?")).select_option("store")
    _choose(page, nb("Store"), STORE)
    for box in page.locator('input[name="checklist"]').all():
        box.check()
    page.get_by_role("button", name=nb("Register the return")).click()
    expect(page.get_by_test_id("device-status")).to_contain_text(nb("In stock"))
    timeline = page.get_by_test_id("timeline")
    expect(timeline).to_contain_text(nb("Taken back"))
    expect(timeline).to_contain_text(nb("Installed"))

    # The service desk finds it again from the header search by the end of the serial.
    page.goto("/search?q=002")
    expect(page.get_by_test_id("search-devices")).to_contain_text("CHROME-002")


@pytest.mark.browser
def test_a_recipient_is_found_by_journal_reference_in_the_picker(new_page, live_server):
    """The journal reference is not in the choice's label («name, address»): the picker
    shows what the server found instead of filtering it away again."""
    page = new_page(viewport=PHONE)
    log_in(page, "tekniker")
    page.wait_for_url(f"{live_server}/")
    page.goto("/devices?status=in_stock")
    page.get_by_test_id("device-table").locator('a[href^="/devices/"]').first.click()
    page.get_by_role("link", name=nb("Install at a recipient")).click()
    expect(page.locator("#recipient_id-ts-control")).to_be_attached()
    picker = page.get_by_role("combobox", name=nb("Recipient"), exact=True)
    picker.click()
    picker.fill("EPJ-50")
    answers = page.locator("#recipient_id-ts-dropdown").get_by_role("option")
    expect(answers.first).to_be_visible()
    assert answers.count() >= 2, answers.all_inner_texts()
    expect(page.locator("#recipient_id-ts-dropdown")).not_to_contain_text(
        nb("Nothing found. Type more, or something else.")
    )
