"""A store manager's morning in a real browser: what is short, order it, receive it, idle cost."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.browser.test_roles_in_browser import PHONE, log_in, nb


@pytest.mark.browser
def test_store_manager_orders_the_shortfall_and_receives_it_by_scanning(new_page, live_server):
    """The manager sees which stores are below minimum, orders one shortfall in two clicks,
    receives the delivery by scanning on a phone, and the row leaves the board."""
    page = new_page(viewport=PHONE)
    log_in(page, "lagerleder")
    page.wait_for_url(f"{live_server}/")

    # The morning view: the stores below minimum, worst first.
    page.get_by_role("button", name=nb("Show menu")).click()
    page.get_by_role("link", name=nb("Stock"), exact=True).click()
    expect(page.get_by_role("heading", name=nb("Stores below minimum"))).to_be_visible()
    rows = page.get_by_test_id("shortfall-row")
    expect(rows.first).to_be_visible()
    before = rows.count()
    assert before >= 2, "the demo has several shortfalls"
    # Pick a serialised product so the delivery is received by scanning.
    row = None
    for i in range(before):
        candidate = rows.nth(i)
        if candidate.get_attribute("data-serialised") == "1":
            row = candidate
            break
    assert row is not None, "the demo has a device below minimum"
    store_id, product_id = row.get_attribute("data-store"), row.get_attribute("data-product")
    missing = int(row.get_by_test_id("missing").inner_text())
    assert missing > 0

    # Click 1: order what is missing. Click 2: send it.
    row.get_by_role("button", name=re.compile(nb("Order what is missing"))).click()
    expect(page.get_by_test_id("order-status")).to_contain_text(nb("Draft"))
    # The demo has no mail server: the order is printed and marked as sent.
    page.get_by_role("button", name=nb("Mark as sent")).click()
    expect(page.get_by_test_id("order-status")).to_contain_text(nb("Sent"))
    order_url = page.url
    ordered = int(page.get_by_test_id("order-line").first.get_attribute("data-quantity"))
    assert ordered >= missing

    # The delivery arrives: scan every serial, then it is received in full.
    page.get_by_role("link", name=nb("Receive delivery")).click()
    serials = "\n".join(f"MORNING-{n:03d}" for n in range(ordered))
    page.get_by_label(nb("Scan the serial numbers, one per line")).fill(serials)
    page.get_by_role("button", name=nb("Receive"), exact=True).click()
    expect(page.get_by_test_id("order-status")).to_contain_text(nb("Received"))
    assert page.url == order_url

    # Back on the board, that store and product is no longer short.
    page.goto("/stock")
    expect(page.get_by_role("heading", name=nb("Stores below minimum"))).to_be_visible()
    expect(
        page.locator(
            f'[data-testid="shortfall-row"][data-store="{store_id}"][data-product="{product_id}"]'
        )
    ).to_have_count(0)

    # The store's page shows the new devices on the shelf.
    page.goto(f"/stock/stores/{store_id}")
    expect(page.get_by_role("heading", name=nb("Stock on hand"))).to_be_visible()
    page.goto("/devices?q=MORNING-000")
    expect(page.get_by_test_id("device-table")).to_contain_text("MORNING-000")

    # And the monthly cost of idle leased devices.
    page.goto("/stock/idle-cost")
    summary = page.get_by_test_id("idle-summary")
    expect(summary).to_contain_text("kr")
    assert re.search(r"[1-9]", summary.inner_text()), summary.inner_text()
