"""Permission-matrix rows for the support module: teams, routing rules, SLA and settings,
the contact page and periodic function tests.

Pages that work on one municipality take it as `?municipality_id=` (GET) or a
`municipality_id` field (POST); another municipality's id answers 404, so those rows
are scoped. `installed` is the world's installed device (the one in `placement`).
"""

from tests.matrix import Endpoint
from vftops.equipment.permissions import RECIPIENTS_VIEW
from vftops.support.permissions import SUPPORT_CONFIGURE, TESTS_RECORD, TICKETS_VIEW

ADMIN: list[Endpoint] = [
    # Teams
    Endpoint("GET", "/support/teams", TICKETS_VIEW),
    Endpoint("GET", "/support/teams/new", SUPPORT_CONFIGURE),
    Endpoint("GET", "/support/teams/new?municipality_id={municipality}", SUPPORT_CONFIGURE),
    Endpoint(
        "POST",
        "/support/teams/new?municipality_id={municipality}",
        SUPPORT_CONFIGURE,
        body={"name": "IT-drift", "kind": "it", "phone": "74 80 00 00", "member_ids": "{user}"},
        form_page="/account",
    ),
    Endpoint("GET", "/support/teams/{team2}/edit", SUPPORT_CONFIGURE),
    Endpoint(
        "POST",
        "/support/teams/{team2}/edit",
        SUPPORT_CONFIGURE,
        body={
            "name": "Teknikere og vaktmestere",
            "kind": "technicians",
            "hours": "Hverdager 07–15",
            "member_ids": "{user}",
            "is_active": "y",
        },
        form_page="/account",
    ),
    # Routing rules
    Endpoint("GET", "/support/rules", TICKETS_VIEW),
    Endpoint(
        "GET",
        "/support/rules?municipality_id={municipality}&test=1&kind=equipment_fault",
        TICKETS_VIEW,
    ),
    Endpoint("GET", "/support/rules/new?municipality_id={municipality}", SUPPORT_CONFIGURE),
    Endpoint(
        "POST",
        "/support/rules/new?municipality_id={municipality}",
        SUPPORT_CONFIGURE,
        body={"position": "20", "kind": "technical_alarm", "team_id": "{team2}", "is_active": "y"},
        form_page="/account",
    ),
    Endpoint("GET", "/support/rules/{rule}/edit", SUPPORT_CONFIGURE),
    Endpoint(
        "POST",
        "/support/rules/{rule}/edit",
        SUPPORT_CONFIGURE,
        body={"position": "5", "kind": "equipment_fault", "team_id": "{team2}", "is_active": "y"},
        form_page="/account",
    ),
    Endpoint("GET", "/support/rules/{rule}/delete", SUPPORT_CONFIGURE),
    Endpoint(
        "POST", "/support/rules/{rule}/delete", SUPPORT_CONFIGURE, body={}, form_page="/account"
    ),
    # SLA targets and settings
    Endpoint("GET", "/support/sla", TICKETS_VIEW),
    Endpoint("GET", "/support/sla?municipality_id={municipality}", TICKETS_VIEW),
    Endpoint(
        "POST",
        "/support/sla",
        SUPPORT_CONFIGURE,
        body={
            "section": "target",
            "priority": "2",
            "municipality_id": "{municipality}",
            "p2-acknowledge_hours": "0",
            "p2-acknowledge_minutes": "30",
            "p2-resolve_hours": "6",
            "p2-resolve_minutes": "0",
            "p2-calendar": "24x7",
        },
        form_page="/account",
        scoped=True,
    ),
    Endpoint(
        "POST",
        "/support/sla?municipality_id={municipality}",
        SUPPORT_CONFIGURE,
        body={
            "section": "settings",
            "municipality_id": "{municipality}",
            "settings-auto_close_days": "14",
            "settings-incident_threshold": "5",
            "settings-incident_window_minutes": "10",
        },
        form_page="/account",
    ),
    # Who to contact about what
    Endpoint("GET", "/support/contacts", TICKETS_VIEW),
    Endpoint("GET", "/support/contacts?municipality_id={municipality}", TICKETS_VIEW),
    # Periodic function tests
    Endpoint("GET", "/support/function-tests", RECIPIENTS_VIEW),
    Endpoint(
        "GET",
        "/support/function-tests?unit_id={unit}&technician_id={user}&overdue=y",
        RECIPIENTS_VIEW,
    ),
    Endpoint("GET", "/support/function-tests/{installed}/record", TESTS_RECORD),
    Endpoint(
        "POST",
        "/support/function-tests/{installed}/record",
        TESTS_RECORD,
        body={"result": "passed", "note": "Testalarm mottatt hos alarmsentralen"},
        form_page="/account",
    ),
]
