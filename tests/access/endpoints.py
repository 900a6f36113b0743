"""Access control's rows of the permission matrix.

World ids (per municipality): system (run by the municipality), system_role (a role of
it), grant (an open grant of that role to a named person), access_order with its open
access_task, plus the municipality, unit and user of the other rows. The order pages
are a unit manager's (access.order) and the register's keepers' (access.view): either
opens them."""

from tests.matrix import Endpoint
from vftops.access.permissions import ACCESS_MANAGE, ACCESS_ORDER, ACCESS_VIEW

_PAGE = "/account"  # every logged-in user opens it: it carries the CSRF token

ACCESS_ENDPOINTS = [
    Endpoint("GET", "/access", ACCESS_VIEW),
    Endpoint("GET", "/access/grants", ACCESS_VIEW),
    Endpoint("GET", "/access/grants/{grant}", ACCESS_VIEW),
    Endpoint("GET", "/access/systems/{system}", ACCESS_VIEW),
    Endpoint("GET", "/access/systems/new", ACCESS_MANAGE),
    Endpoint(
        "POST",
        "/access/systems/new",
        ACCESS_MANAGE,
        body={
            "name": "Nytt system",
            "kind": "mdm",
            "municipality_id": "{municipality}",
            "admin_kind": "supplier",
            "supplier_id": "{supplier}",
            "account_source": "supplier",
            "review_interval_months": "6",
            "status": "active",
        },
        form_page=_PAGE,
        scoped=True,  # the municipality in the body
    ),
    Endpoint("GET", "/access/systems/{system}/edit", ACCESS_MANAGE),
    Endpoint(
        "POST",
        "/access/systems/{system}/edit",
        ACCESS_MANAGE,
        body={
            "name": "Nytt navn",
            "kind": "remote_care",
            "admin_kind": "user",
            "admin_user_id": "{user}",
            "account_source": "local",
            "review_interval_months": "12",
            "status": "active",
            "version": "",
        },
        form_page=_PAGE,
    ),
    Endpoint("GET", "/access/systems/{system}/roles/new", ACCESS_MANAGE),
    Endpoint(
        "POST",
        "/access/systems/{system}/roles/new",
        ACCESS_MANAGE,
        body={"name": "Ny rolle", "description": "Leser"},
        form_page=_PAGE,
    ),
    Endpoint("GET", "/access/roles/{system_role}/edit", ACCESS_MANAGE),
    Endpoint(
        "POST",
        "/access/roles/{system_role}/edit",
        ACCESS_MANAGE,
        body={"name": "Omdøpt", "is_active": "y", "version": ""},
        form_page=_PAGE,
    ),
    Endpoint("GET", "/access/systems/{system}/grants/new", ACCESS_MANAGE),
    Endpoint(
        "POST",
        "/access/systems/{system}/grants/new",
        ACCESS_MANAGE,
        body={
            "role_id": "{system_role}",
            "holder_kind": "person",
            "person_name": "Ny Vikar",
            "municipality_id": "{municipality}",
            "unit_id": "",
            "reason": "Vikar",
        },
        form_page=_PAGE,
    ),
    Endpoint(
        "POST",
        "/access/grants/{grant}/end",
        ACCESS_MANAGE,
        body={"end_reason": "Sluttet", "version": ""},
        form_page=_PAGE,
    ),
    Endpoint(
        "POST",
        "/access/grants/{grant}/change-role",
        ACCESS_MANAGE,
        body={"role_id": "{system_role2}", "reason": "Ny stilling", "version": ""},
        form_page=_PAGE,
    ),
    # Orders and the administrators' tasks
    Endpoint("GET", "/access/orders", (ACCESS_ORDER, ACCESS_VIEW)),
    Endpoint("GET", "/access/orders/{access_order}", (ACCESS_ORDER, ACCESS_VIEW)),
    Endpoint("GET", "/access/orders/new", ACCESS_ORDER),
    Endpoint(
        "POST",
        "/access/orders/new",
        ACCESS_ORDER,
        body={
            "unit_id": "{unit}",
            "holder_kind": "person",
            "person_name": "Sidsel Sommervikar",
            "person_detail": "Kommunen",
            "role_id": "{system_role}",
            "starts_on": "2026-06-01",
            "reason": "Sommervikar",
        },
        form_page=_PAGE,
        scoped=True,
    ),
    Endpoint("GET", "/access/orders/leaver", ACCESS_ORDER),
    Endpoint(
        "POST",
        "/access/orders/leaver",
        ACCESS_ORDER,
        body={
            "unit_id": "{unit}",
            "holder_kind": "person",
            "person_name": "{grant_holder}",
            "person_detail": "Byrå AS",
            "ends_on": "2026-12-31",
            "reason": "Sluttet",
            "confirm": "1",
        },
        form_page=_PAGE,
        scoped=True,
    ),
    Endpoint(
        "POST",
        "/access/tasks/{access_task}/done",
        ACCESS_MANAGE,
        body={"account_name": "ny.ansatt", "note": "Gjort", "version": ""},
        form_page=_PAGE,
    ),
    Endpoint(
        "POST",
        "/access/tasks/{access_task}/refuse",
        ACCESS_MANAGE,
        body={"reason": "Feil rolle", "version": ""},
        form_page=_PAGE,
    ),
    # The API
    Endpoint("GET", "/api/v1/systems", ACCESS_VIEW),
    Endpoint(
        "POST",
        "/api/v1/systems",
        ACCESS_MANAGE,
        body={
            "name": "API-system",
            "municipality_id": "{municipality}",
            "kind": "hub",
            "admin_kind": "user",
            "admin_user_id": "{user}",
            "account_source": "local",
        },
    ),
    Endpoint("GET", "/api/v1/systems/{system}", ACCESS_VIEW),
    Endpoint(
        "PATCH", "/api/v1/systems/{system}", ACCESS_MANAGE, body={"review_interval_months": 3}
    ),
    Endpoint("GET", "/api/v1/system-roles", ACCESS_VIEW),
    Endpoint(
        "POST",
        "/api/v1/system-roles",
        ACCESS_MANAGE,
        body={"system_id": "{system}", "name": "API-rolle"},
    ),
    Endpoint("GET", "/api/v1/system-roles/{system_role}", ACCESS_VIEW),
    Endpoint(
        "PATCH", "/api/v1/system-roles/{system_role}", ACCESS_MANAGE, body={"is_privileged": True}
    ),
    Endpoint("GET", "/api/v1/access-grants", ACCESS_VIEW),
    Endpoint(
        "POST",
        "/api/v1/access-grants",
        ACCESS_MANAGE,
        body={
            "system_id": "{system}",
            "role_id": "{system_role}",
            "municipality_id": "{municipality}",
            "holder_kind": "person",
            "person_name": "API Vikar",
            "reason": "Vikar",
        },
    ),
    Endpoint("GET", "/api/v1/access-grants/{grant}", ACCESS_VIEW),
    Endpoint("POST", "/api/v1/access-grants/{grant}/end", ACCESS_MANAGE, body={"reason": "Slutt"}),
    Endpoint(
        "POST",
        "/api/v1/access-grants/{grant}/change-role",
        ACCESS_MANAGE,
        body={"role_id": "{system_role2}", "reason": "Ny stilling"},
    ),
    Endpoint("GET", "/api/v1/access-orders", (ACCESS_ORDER, ACCESS_VIEW)),
    Endpoint("GET", "/api/v1/access-orders/{access_order}", (ACCESS_ORDER, ACCESS_VIEW)),
    Endpoint(
        "POST",
        "/api/v1/access-orders",
        ACCESS_ORDER,
        body={
            "kind": "access",
            "unit_id": "{unit}",
            "holder_kind": "person",
            "person_name": "API Vikar",
            "role_id": "{system_role}",
            "starts_on": "2026-06-01",
            "reason": "Sommervikar",
        },
        scoped=True,
    ),
    Endpoint("GET", "/api/v1/access-tasks", ACCESS_MANAGE),
    Endpoint(
        "POST",
        "/api/v1/access-tasks/{access_task}/done",
        ACCESS_MANAGE,
        body={"account_name": "ny.ansatt", "version": "{access_task_version}"},
    ),
    Endpoint(
        "POST",
        "/api/v1/access-tasks/{access_task}/refuse",
        ACCESS_MANAGE,
        body={"reason": "Feil rolle", "version": "{access_task_version}"},
    ),
]
