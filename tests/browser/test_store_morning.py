"""A store manager's morning in a real browser: what is short, order it, receive it, idle cost."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.browser.test_roles_in_browser import PHONE, log_in, nb


@pytest.mark.browser
def test_store_manager_orders_the_shortfall_and_receives_it_by_scanning(new_page, live_server):
    """The manager sees which stores are below minimum. Where the central store has spare
    devices, the board offers a transfer first: the manager follows it, scans the devices
    the form lists and sends them, and the row is covered. What no store can send is
    ordered in two clicks and received on a phone, and that row leaves the board."""
    page = new_page(viewport=PHONE)
    log_in(page, "lagerleder")
    page.wait_for_url(f"{live_server}/")

    # The morning view: the stores below minimum, worst first.
    page.get_by_role("button", name=nb("Show menu")).click()
    page.get_by_role("link", name=nb("Stock"), exact=True).click()
    expect(page.get_by_role("heading", name=nb("Stores below minimum"))).to_be_visible()
    rows = page.get_by_test_id("shortfall-row")
    expect(rows.first).to_be_visible()
    assert rows.count() >= 2, "the demo has several shortfalls"

    # A device the central store can spare: send it rather than buy it.
    row = (
        page.locator('[data-testid="shortfall-row"][data-serialised="1"]')
        .filter(has=page.get_by_test_id("transfer-suggestion"))
        .first
    )
    suggestion = row.get_by_test_id("transfer-suggestion").first
    expect(suggestion).to_be_visible()
    store_id, product_id = row.get_attribute("data-store"), row.get_attribute("data-product")
    to_send = int(suggestion.get_attribute("data-quantity"))
    suggestion.get_by_role("link").click()
    expect(page.get_by_test_id("asked")).to_be_visible()
    listed = page.get_by_test_id("on-shelf").locator("li").all_inner_texts()
    assert len(listed) >= to_send
    page.get_by_label(nb("Devices (serial numbers)")).fill("\n".join(listed[:to_send]))
    page.get_by_role("button", name=nb("Send"), exact=True).click()
    expect(page.get_by_test_id("transfer-lines")).to_contain_text(listed[0])
    page.goto("/stock")
    sent_row = page.locator(
        f'[data-testid="shortfall-row"][data-store="{store_id}"][data-product="{product_id}"]'
    )
    expect(sent_row.get_by_test_id("transfer-suggestion")).to_have_count(0)
    expect(sent_row).to_contain_text(nb("Covered by what is on order or on its way."))

    # What no store can spare: click 1 orders what is missing, click 2 sends it.
    order_button = page.get_by_role("button", name=re.compile(nb("Order what is missing")))
    row = page.get_by_test_id("shortfall-row").filter(has=order_button).first
    store_id, product_id = row.get_attribute("data-store"), row.get_attribute("data-product")
    missing = int(row.get_by_test_id("missing").inner_text())
    assert missing > 0
    row.get_by_role("button", name=re.compile(nb("Order what is missing"))).click()
    expect(page.get_by_test_id("order-status")).to_contain_text(nb("Draft"))
    # The demo has no mail server: the order is printed and marked as sent.
    page.get_by_role("button", name=nb("Mark as sent")).click()
    expect(page.get_by_test_id("order-status")).to_contain_text(nb("Sent"))
    order_url = page.url

    # The delivery arrives: every line in full, devices by scanning their serials.
    page.get_by_role("link", name=nb("Receive delivery")).click()
    lines = page.get_by_test_id("receive-line")
    for index in range(lines.count()):
        line = lines.nth(index)
        outstanding = int(re.findall(r"\d+", line.locator("p").inner_text())[-1])
        scan = line.get_by_label(nb("Scan the serial numbers, one per line"))
        if scan.count():
            scan.fill("\n".join(f"MORNING-{index}-{n:03d}" for n in range(outstanding)))
        else:
            line.get_by_label(nb("Quantity received")).fill(str(outstanding))
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

    # And the monthly cost of idle leased devices.
    page.goto("/stock/idle-cost")
    summary = page.get_by_test_id("idle-summary")
    expect(summary).to_contain_text("kr")
    assert re.search(r"[1-9]", summary.inner_text()), summary.inner_text()
