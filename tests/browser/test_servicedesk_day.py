"""A servicedesk call on a phone, in a real browser: register, route, acknowledge, reply, resolve."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.browser.test_roles_in_browser import PHONE, log_in, nb


@pytest.mark.browser
def test_servicedesk_takes_a_phone_call_about_an_alarm_from_report_to_resolved(
    new_page, live_server
):
    """A relative calls about a safety alarm: the servicedesk registers the ticket by the
    serial on the label, sees where it was routed and whose alarm it is, acknowledges it,
    tells the caller what happens, and resolves it — all on a phone."""
    page = new_page(viewport=PHONE)
    log_in(page, "servicedesk")
    page.wait_for_url(f"{live_server}/")

    # The caller reads the serial off the label of an installed alarm.
    page.goto("/devices?status=installed")
    serial = page.get_by_test_id("device-table").locator("tbody tr code").first.inner_text()
    assert serial

    # Into the support module through the phone menu, then «Ny sak» in its own menu.
    page.goto("/")
    page.get_by_role("button", name=nb("Show menu")).click()
    page.get_by_test_id("main-nav").get_by_role("link", name=nb("Support"), exact=True).click()
    expect(page.get_by_role("heading", name=nb("Support tickets"))).to_be_visible()
    page.get_by_test_id("support-nav").get_by_role(
        "link", name=nb("New ticket"), exact=True
    ).click()
    expect(page.get_by_role("heading", name=nb("New ticket"))).to_be_visible()

    page.get_by_label(nb("What is wrong?")).fill("Trygghetsalarmen piper om natta")
    # Typed as people do: lower case, with a space.
    page.get_by_label(nb("Devices (serial numbers)")).fill(f"{serial[:3].lower()} {serial[3:]}")
    page.get_by_label(nb("Kind"), exact=True).select_option(label=nb("Equipment fault"))
    page.get_by_label(nb("Came in by"), exact=True).select_option(label=nb("Phone"))
    page.get_by_label(nb("Who reported it"), exact=True).select_option(label=nb("Relative"))
    page.get_by_label(nb("Reporter's name")).fill("Per Pårørende")
    page.get_by_label(nb("Reporter's phone or e-mail")).fill("900 11 222")
    page.get_by_label(nb("Description")).fill("Piper hver natt siden tirsdag.")
    page.get_by_role("button", name=nb("Register the ticket")).click()

    # Registered, routed to a team, the device and its recipient filled in.
    success = page.locator(".flashes .alert-success")
    expect(success).to_be_visible()
    match = re.search(r"#(\d+)", success.inner_text())
    assert match, success.inner_text()
    ticket_id = match.group(1)
    page.wait_for_url(f"{live_server}/support/{ticket_id}")
    team = page.get_by_test_id("ticket-team")
    expect(team).not_to_have_text(nb("No team"))
    assert team.inner_text().strip() in success.inner_text()
    expect(page.get_by_test_id("devices")).to_contain_text(serial)
    expect(page.get_by_test_id("recipient").get_by_role("link")).to_be_visible()
    expect(page.get_by_test_id("not-acknowledged")).to_have_text(nb("Not acknowledged"))
    expect(page.get_by_test_id("reporter")).to_contain_text("Per Pårørende")

    # One tap: acknowledged, and she owns it.
    page.get_by_role("button", name=nb("Acknowledge"), exact=True).click()
    expect(page.locator(".flashes .alert-success")).to_have_text(
        nb("You have acknowledged ticket #%(id)d and own it.") % {"id": int(ticket_id)}
    )
    expect(page.get_by_test_id("acknowledged-by")).to_contain_text("Siri Servicedesk")
    expect(page.get_by_test_id("ticket-owner")).to_have_text("Siri Servicedesk")

    # What the caller was told goes in the log as a reply.
    page.get_by_label(nb("Reply told the reporter")).check()
    page.get_by_label(nb("Text"), exact=True).fill("Vi sender en tekniker i morgen formiddag.")
    page.get_by_role("button", name=nb("Write in the log")).click()
    expect(page.locator(".flashes .alert-success")).to_have_text(
        nb("The reply is written in the log.")
    )
    reply = page.locator('[data-testid="entry"][data-kind="reply"]')
    expect(reply).to_contain_text("Vi sender en tekniker i morgen formiddag.")
    expect(reply).to_contain_text(nb("Told the reporter"))

    # Resolving needs a note: without one it is refused beside the field.
    status = page.get_by_label(nb("New status"))
    status.select_option(label=nb("Resolved"))
    page.get_by_role("button", name=nb("Save the status")).click()
    expect(page.get_by_text(nb("Write what was done to resolve it."))).to_be_visible()
    page.get_by_label(nb("New status")).select_option(label=nb("Resolved"))
    page.get_by_label(nb("Note"), exact=True).fill("Byttet batteri i alarmen.")
    page.get_by_role("button", name=nb("Save the status")).click()
    expect(page.locator(".flashes .alert-success")).to_contain_text(nb("Resolved"))
    expect(page.get_by_test_id("ticket-status")).to_contain_text(nb("Resolved"))
    expect(page.get_by_test_id("resolution")).to_contain_text("Byttet batteri i alarmen.")

    # It has left the open queue, and is found among all tickets by its number.
    page.goto("/support?queue=open")
    expect(page.locator(f'[data-testid="ticket-row"][data-ticket="{ticket_id}"]')).to_have_count(0)
    page.goto(f"/support?queue=all&q=%23{ticket_id}")
    row = page.locator(f'[data-testid="ticket-row"][data-ticket="{ticket_id}"]')
    expect(row).to_contain_text(nb("Resolved"))
