"""Permission-matrix rows for acting on a ticket: escalation and the supplier's answer,
replacing and repairing a device, planning a visit, incidents.

World ids (per municipality): {ticket} is new and about the installed device
({placement}); {ticket_working} is in progress, about the in-stock {device} and under
{incident}; {supplier} supplies the product; {user} is a technician of the municipality.
"""

from tests.matrix import Endpoint
from vftops.support.permissions import TICKETS_MANAGE

ACTIONS: list[Endpoint] = [
    Endpoint("GET", "/support/{ticket}/escalate", TICKETS_MANAGE),
    Endpoint(
        "POST",
        "/support/{ticket}/escalate",
        TICKETS_MANAGE,
        body={"supplier_id": "{supplier}", "supplier_ref": "LEV-4411", "note": "Ringt inn"},
        form_page="/account",
    ),
    # Not escalated in the world: the refusal is shown on the ticket page (a redirect).
    Endpoint(
        "POST",
        "/support/{ticket}/supplier-response",
        TICKETS_MANAGE,
        body={"supplier-answered_at": "2026-01-05T10:00", "supplier-supplier_ref": "LEV-1"},
        form_page="/account",
    ),
    Endpoint("GET", "/support/{ticket}/replace", TICKETS_MANAGE),
    Endpoint("GET", "/support/{ticket}/replace?placement_id={placement}", TICKETS_MANAGE),
    Endpoint(
        "POST",
        "/support/{ticket}/replace",
        TICKETS_MANAGE,
        body={
            "placement_id": "{placement}",
            "serial": "STOCK-a",
            "destination": "repair",
            "note": "Svarer ikke",
        },
        form_page="/account",
    ),
    Endpoint(
        "POST",
        "/support/{ticket_working}/repair",
        TICKETS_MANAGE,
        body={"device_id": "{device}"},
        form_page="/account",
    ),
    Endpoint("GET", "/support/{ticket}/visit", TICKETS_MANAGE),
    Endpoint(
        "POST",
        "/support/{ticket}/visit",
        TICKETS_MANAGE,
        body={
            "assigned_to_id": "{user}",
            "planned_on": "2026-12-01",
            "kind": "replace",
            "device_id": "",
            "note": "Bytt batteri",
        },
        form_page="/account",
    ),
    Endpoint("GET", "/support/incidents/new", TICKETS_MANAGE),
    Endpoint("GET", "/support/incidents/new?ticket_ids={ticket}", TICKETS_MANAGE),
    Endpoint(
        "POST",
        "/support/incidents/new",
        TICKETS_MANAGE,
        body={"ticket_ids": "{ticket}", "title": "Mobilnettet nede"},
        form_page="/account",
        scoped=True,  # the tickets in the body
    ),
    Endpoint(
        "POST",
        "/support/{ticket}/link",
        TICKETS_MANAGE,
        body={"link-incident_id": "{incident}"},
        form_page="/account",
    ),
    Endpoint(
        "POST", "/support/{ticket_working}/unlink", TICKETS_MANAGE, body={}, form_page="/account"
    ),
]
