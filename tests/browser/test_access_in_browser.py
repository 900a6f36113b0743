"""IT on a phone, in a real browser: a new temp in home care needs the dispenser portal
today; the next week she has left, and her access ends."""

from __future__ import annotations

import re
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
    page.get_by_role("button", name=nb("Access"), exact=True).click()
    page.get_by_role("link", name=nb("Systems and access"), exact=True).click()
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


@pytest.mark.browser
def test_a_manager_reviews_on_a_phone_and_the_removal_is_done_verified_and_evidenced(
    new_page, live_server, tmp_path
):
    """The unit manager opens her review from the start page on a phone, ends one person's
    access with a reason (told first that one is needed), keeps the rest and sends the
    unit. The service desk finds the removal task and marks it done; IT reads the system's
    next account list, which no longer has the account: the removal is verified. The
    auditor downloads the evidence and finds the item."""
    page = new_page(viewport=PHONE)
    page.on("dialog", lambda dialog: dialog.accept())
    log_in(page, "leder")
    page.wait_for_url(f"{live_server}/")
    card = page.get_by_test_id("task-my-reviews")
    expect(card).to_contain_text("Tilgangskontroll høst 2026")
    card.get_by_role("link", name="Tilgangskontroll høst 2026").click()
    expect(page.get_by_role("heading", name="Tilgangskontroll høst 2026")).to_be_visible()
    review_url = page.url

    # An undecided item with an account name: she ends it, first without a reason.
    items = page.get_by_test_id("item")
    target = (
        items.filter(has=page.get_by_role("button", name=nb("Save the decision")))
        .filter(has=page.locator(".font-monospace"))
        .first
    )
    account = target.locator(".font-monospace").first.inner_text()
    system = target.locator("strong").first.inner_text()
    item_id = target.get_attribute("id")
    target.locator('label[for$="-end"]').click()
    target.get_by_role("button", name=nb("Save the decision")).click()
    item = page.locator(f"#{item_id}")
    expect(item).to_contain_text(nb("Say why: those who remove the access read it."))
    item.get_by_label(nb("Why")).fill("Har sluttet i enheten")
    item.locator('label[for$="-end"]').click()
    item.get_by_role("button", name=nb("Save the decision")).click()
    expect(page.locator(f"#{item_id}").get_by_test_id("decision")).to_have_text(nb("End"))

    # «Keep all without a warning», person by person (a confirmation each), then what has
    # a warning one by one, each with a reason.
    keep_all = page.get_by_role("button", name=nb("Keep all without a warning"))
    for _ in range(40):
        if not keep_all.count():
            break
        keep_all.first.click()
        expect(page.get_by_text(re.compile(r"\d+ beholdt\.|uten advarsel igjen"))).to_be_visible()
    for _ in range(80):
        open_item = page.get_by_test_id("item").filter(
            has=page.get_by_role("button", name=nb("Save the decision"))
        )
        if not open_item.count():
            break
        first = open_item.first
        first.locator('label[for$="-keep"]').click()
        first.get_by_label(nb("Why")).fill("Trengs i jobben")
        first.get_by_role("button", name=nb("Save the decision")).click()
        page.wait_for_load_state()
    sent = page.get_by_role("button", name=nb("Send the unit's decisions"))
    expect(sent.first).to_be_enabled()
    sent.first.click()
    expect(page.get_by_text(nb("Sent")).first).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]

    # The service desk marks the removal done.
    desk = new_page()
    log_in(desk, "servicedesk")
    desk.goto("/access/orders")
    task = desk.get_by_test_id("open-tasks").locator("tr", has_text=account)
    expect(task).to_contain_text(nb("End access"))
    task.get_by_role("link").first.click()
    desk.get_by_role("button", name=nb("Access ended: mark done")).click()
    expect(desk.get_by_text(nb("The task is done."))).to_be_visible()
    task_url = desk.url

    # IT reads the system's account list, without the account: the removal is verified.
    it = new_page()
    log_in(it, "it")
    it.goto("/access")
    it.get_by_role("link", name=system, exact=True).click()
    it.get_by_role("link", name=nb("Account list")).click()
    listed = tmp_path / "kontoer.csv"
    listed.write_text("Brukernavn;Navn\r\nen.annen;En Annen\r\n", encoding="utf-8")
    it.get_by_label(nb("Account list (CSV or XLSX)")).set_input_files(str(listed))
    it.get_by_role("button", name=nb("Read the list (dry run)")).click()
    expect(it.get_by_test_id("list-status")).to_have_text(nb("Dry run"))
    it.get_by_role("button", name=nb("Apply the list")).click()
    expect(it.get_by_text(nb("The account list is applied to the register."))).to_be_visible()
    it.goto(task_url)
    expect(it.get_by_text(nb("Verified"), exact=True)).to_be_visible()

    # The auditor downloads the evidence and finds the item with its reason.
    auditor = new_page()
    log_in(auditor, "revisor")
    auditor.goto(review_url.replace("/mine", ""))
    auditor.goto(review_url.replace("/mine", "/evidence"))
    expect(auditor.get_by_test_id("evidence-items")).to_contain_text("Har sluttet i enheten")
    with auditor.expect_download() as download:
        auditor.get_by_role("link", name="CSV", exact=True).click()
    text = download.value.path().read_text(encoding="utf-8-sig")
    assert "Har sluttet i enheten" in text
    assert account in text
