"""Permission-matrix rows for the support module: the queues, reporting a ticket, a ticket's
page and what is done on it (acknowledge, assign, status, log, attachments).

World ids (per municipality): {ticket} is new, about the installed device INST-<key> at
{recipient}, with the photo {attachment}; {ticket_working} is in progress under
{incident}; {team2} is the technicians, with {user} as a member.
"""

from tests.matrix import Endpoint
from vftops.support.permissions import TICKETS_CREATE, TICKETS_MANAGE, TICKETS_VIEW

# The smallest valid PNG: a 1×1 transparent pixel.
PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c489"
    "0000000d4944415478da63f8ffff3f0005fe02fea7d6a1c50000000049454e44ae426082"
)

PAGES: list[Endpoint] = [
    Endpoint("GET", "/support", TICKETS_VIEW),
    Endpoint(
        "GET",
        "/support?queue=unassigned&q=Alarmen&sort=priority&kind=technical_alarm",
        TICKETS_VIEW,
    ),
    Endpoint("GET", "/support/new", TICKETS_CREATE),
    Endpoint("GET", "/support/new?recipient_id={recipient}", TICKETS_CREATE, scoped=True),
    # A phone call about the installed alarm; the recipient of another municipality
    # named in the form answers 404.
    Endpoint(
        "POST",
        "/support/new",
        TICKETS_CREATE,
        body={
            "title": "Trygghetsalarmen piper",
            "kind": "technical_alarm",
            "channel": "phone",
            "reporter_kind": "relative",
            "serials": "INST-a",
            "recipient_id": "{recipient}",
            "urgency": "medium",
            "impact": "medium",
        },
        form_page="/account",
        scoped=True,
    ),
    Endpoint("GET", "/support/{ticket}", TICKETS_VIEW),
    Endpoint("GET", "/support/{incident}", TICKETS_VIEW),
    Endpoint("GET", "/support/{ticket}/edit", TICKETS_MANAGE),
    Endpoint(
        "POST",
        "/support/{ticket}/edit",
        TICKETS_MANAGE,
        body={
            "title": "Alarmen svarer ikke etter strømbrudd",
            "description": "Ingen kontakt siden natt til i dag.",
            "category": "Forbindelse",
            "system_id": "",
            "urgency": "high",
            "impact": "medium",
        },
        form_page="/account",
    ),
    Endpoint(
        "POST", "/support/{ticket}/acknowledge", TICKETS_MANAGE, body={}, form_page="/account"
    ),
    Endpoint(
        "POST",
        "/support/{ticket}/assign",
        TICKETS_MANAGE,
        body={"assign-team_id": "{team2}", "assign-assignee_id": "{user}"},
        form_page="/account",
    ),
    Endpoint(
        "POST",
        "/support/{ticket}/status",
        TICKETS_MANAGE,
        body={"status-status": "in_progress", "status-note": "Ser på det"},
        form_page="/account",
    ),
    Endpoint(
        "POST",
        "/support/{ticket}/entries",
        TICKETS_MANAGE,
        body={"entry-kind": "reply", "entry-body": "Vi sender en tekniker i dag."},
        form_page="/account",
    ),
    Endpoint(
        "POST",
        "/support/{ticket}/attachments",
        TICKETS_CREATE,
        body={"attach-file": (PNG, "alarmen.png")},
        form_page="/account",
    ),
    Endpoint("GET", "/support/{ticket}/attachments/{attachment}", TICKETS_VIEW),
]
