"""Permission-matrix rows for the support module: api."""

from tests.matrix import Endpoint
from vftops.core.permissions import Permission

P = Permission

API: list[Endpoint] = [
    Endpoint("GET", "/api/v1/tickets", P.TICKETS_VIEW),
    Endpoint("GET", "/api/v1/tickets?queue=open&kind=technical_alarm", P.TICKETS_VIEW),
    Endpoint(
        "POST",
        "/api/v1/tickets",
        P.TICKETS_CREATE,
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
    Endpoint("GET", "/api/v1/tickets/{ticket}", P.TICKETS_VIEW),
    Endpoint(
        "PATCH",
        "/api/v1/tickets/{ticket}",
        P.TICKETS_MANAGE,
        body={"title": "Alarmen svarer ikke om natta", "urgency": "high", "version": 1},
    ),
    Endpoint("POST", "/api/v1/tickets/{ticket}/acknowledge", P.TICKETS_MANAGE, body={}),
    Endpoint(
        "POST",
        "/api/v1/tickets/{ticket}/comments",
        P.TICKETS_MANAGE,
        body={"body": "Ringte pårørende", "kind": "reply"},
    ),
    Endpoint(
        "POST",
        "/api/v1/tickets/{ticket}/escalate",
        P.TICKETS_MANAGE,
        body={"supplier_id": "{supplier}", "supplier_ref": "CS-1", "note": "Sendt på e-post"},
    ),
    Endpoint(
        "POST",
        "/api/v1/tickets/{ticket}/resolve",
        P.TICKETS_MANAGE,
        body={"note": "Byttet batteri"},
    ),
    Endpoint(
        "POST",
        "/api/v1/tickets/{ticket_working}/status",
        P.TICKETS_MANAGE,
        body={"status": "waiting_reporter", "note": "Ba om bilde"},
    ),
    Endpoint(
        "POST",
        "/api/v1/tickets/{ticket}/assign",
        P.TICKETS_MANAGE,
        body={"team_id": "{team2}", "assignee": "{user}"},
    ),
    Endpoint("GET", "/api/v1/teams", P.TICKETS_VIEW),
    Endpoint(
        "POST",
        "/api/v1/function-tests",
        P.TESTS_RECORD,
        body={"placement_id": "{placement}", "result": "failed", "note": "Ingen kontakt"},
        scoped=True,  # the placement in the body
    ),
]
