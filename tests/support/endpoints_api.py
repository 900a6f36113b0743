"""Permission-matrix rows for the support module: api."""

from tests.matrix import Endpoint
from vftops.support.permissions import TESTS_RECORD, TICKETS_CREATE, TICKETS_MANAGE, TICKETS_VIEW

API: list[Endpoint] = [
    Endpoint("GET", "/api/v1/tickets", TICKETS_VIEW),
    Endpoint("GET", "/api/v1/tickets?queue=open&kind=technical_alarm", TICKETS_VIEW),
    Endpoint(
        "POST",
        "/api/v1/tickets",
        TICKETS_CREATE,
        body={
            "municipality_id": "{municipality}",
            "title": "Alarmen har mistet forbindelsen",
            "kind": "technical_alarm",
            "channel": "alarm",
            "reporter_kind": "monitoring",
            "device_ids": ["{device}"],
            "external_id": "matrix-1",
        },
        scoped=True,  # the municipality and the device in the body
    ),
    Endpoint("GET", "/api/v1/tickets/{ticket}", TICKETS_VIEW),
    Endpoint(
        "PATCH",
        "/api/v1/tickets/{ticket}",
        TICKETS_MANAGE,
        body={"title": "Alarmen svarer ikke om natta", "urgency": "high", "version": 1},
    ),
    Endpoint("POST", "/api/v1/tickets/{ticket}/acknowledge", TICKETS_MANAGE, body={}),
    Endpoint(
        "POST",
        "/api/v1/tickets/{ticket}/comments",
        TICKETS_MANAGE,
        body={"body": "Ringte pårørende", "kind": "reply"},
    ),
    Endpoint(
        "POST",
        "/api/v1/tickets/{ticket}/escalate",
        TICKETS_MANAGE,
        body={"supplier_id": "{supplier}", "supplier_ref": "CS-1", "note": "Sendt på e-post"},
    ),
    Endpoint(
        "POST",
        "/api/v1/tickets/{ticket}/resolve",
        TICKETS_MANAGE,
        body={"note": "Byttet batteri"},
    ),
    Endpoint(
        "POST",
        "/api/v1/tickets/{ticket_working}/status",
        TICKETS_MANAGE,
        body={"status": "waiting_reporter", "note": "Ba om bilde"},
    ),
    Endpoint(
        "POST",
        "/api/v1/tickets/{ticket}/assign",
        TICKETS_MANAGE,
        body={"team_id": "{team2}", "assignee": "{user}"},
    ),
    Endpoint("GET", "/api/v1/teams", TICKETS_VIEW),
    Endpoint(
        "POST",
        "/api/v1/function-tests",
        TESTS_RECORD,
        body={"placement_id": "{placement}", "result": "failed", "note": "Ingen kontakt"},
        scoped=True,  # the placement in the body
    ),
]
