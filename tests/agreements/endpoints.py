"""Agreements' and suppliers' contacts' rows of the permission matrix.

World ids (per municipality): agreement (a lease managed there, its notice deadline
`notice_due` open), agreement_option, price_line and service_level on it; contact (a
person at the shared supplier)."""

from tests.matrix import Endpoint
from vftops.agreements.permissions import AGREEMENTS_MANAGE, AGREEMENTS_VIEW, DEVIATIONS_REPORT
from vftops.stock.permissions import ORDERS_MANAGE
from vftops.suppliers.permissions import SUPPLIERS_MANAGE, SUPPLIERS_VIEW

_PAGE = "/account"  # every logged-in user opens it: it carries the CSRF token

_AGREEMENT_FORM = {
    "title": "Omdøpt avtale",
    "kind": "lease",
    "status": "active",
    "supplier_id": "{supplier}",
    "owner_id": "{user}",
    "starts_on": "{agreement_starts}",
    "version": "",
}

AGREEMENT_ENDPOINTS = [
    # A supplier's page and contacts: the catalogue belongs to no municipality.
    Endpoint("GET", "/suppliers/{supplier}", SUPPLIERS_VIEW, scoped=False),
    Endpoint("GET", "/suppliers/{supplier}/contacts/new", SUPPLIERS_MANAGE, scoped=False),
    Endpoint(
        "POST",
        "/suppliers/{supplier}/contacts/new",
        SUPPLIERS_MANAGE,
        body={"name": "Ny kontakt", "role": "invoicing", "email": "faktura@lev.example"},
        form_page=_PAGE,
        scoped=False,
    ),
    Endpoint(
        "GET", "/suppliers/{supplier}/contacts/{contact}/edit", SUPPLIERS_MANAGE, scoped=False
    ),
    Endpoint(
        "POST",
        "/suppliers/{supplier}/contacts/{contact}/edit",
        SUPPLIERS_MANAGE,
        body={"name": "Omdøpt kontakt", "role": "support", "phone": "456", "version": ""},
        form_page=_PAGE,
        scoped=False,
    ),
    Endpoint(
        "POST",
        "/suppliers/{supplier}/contacts/{contact}/remove",
        SUPPLIERS_MANAGE,
        body={},
        form_page=_PAGE,
        scoped=False,
    ),
    Endpoint("GET", "/api/v1/suppliers/{supplier}/contacts", SUPPLIERS_VIEW, scoped=False),
    Endpoint(
        "POST",
        "/api/v1/suppliers/{supplier}/contacts",
        SUPPLIERS_MANAGE,
        body={"name": "API-kontakt", "role": "account_manager", "phone": "789"},
        scoped=False,
    ),
    Endpoint(
        "PATCH",
        "/api/v1/suppliers/{supplier}/contacts/{contact}",
        SUPPLIERS_MANAGE,
        body={"phone": "999"},
        scoped=False,
    ),
    Endpoint(
        "DELETE", "/api/v1/suppliers/{supplier}/contacts/{contact}", SUPPLIERS_MANAGE, scoped=False
    ),
    # Agreements.
    Endpoint("GET", "/agreements", AGREEMENTS_VIEW),
    Endpoint("GET", "/agreements/deadlines", AGREEMENTS_VIEW),
    Endpoint("GET", "/agreements/new", AGREEMENTS_MANAGE),
    Endpoint(
        "POST",
        "/agreements/new",
        AGREEMENTS_MANAGE,
        body={**_AGREEMENT_FORM, "title": "Ny avtale", "municipality_id": "{municipality}"},
        form_page=_PAGE,
        scoped=True,  # the municipality in the body
    ),
    Endpoint("GET", "/agreements/{agreement}", AGREEMENTS_VIEW),
    Endpoint("GET", "/agreements/{agreement}/edit", AGREEMENTS_MANAGE),
    Endpoint(
        "POST",
        "/agreements/{agreement}/edit",
        AGREEMENTS_MANAGE,
        body=_AGREEMENT_FORM,
        form_page=_PAGE,
    ),
    Endpoint(
        "POST",
        "/agreements/{agreement}/deadlines",
        AGREEMENTS_MANAGE,
        body={"kind": "notice", "due_on": "{notice_due}", "decision": "extend"},
        form_page=_PAGE,
    ),
    Endpoint(
        "POST",
        "/agreements/{agreement}/options",
        AGREEMENTS_MANAGE,
        body={"months": "6", "decide_by": "{option_decide_by}"},
        form_page=_PAGE,
    ),
    Endpoint(
        "POST",
        "/agreements/{agreement}/options/{agreement_option}/remove",
        AGREEMENTS_MANAGE,
        body={},
        form_page=_PAGE,
    ),
    Endpoint("GET", "/agreements/{agreement}/prices/new", AGREEMENTS_MANAGE),
    Endpoint(
        "POST",
        "/agreements/{agreement}/prices/new",
        AGREEMENTS_MANAGE,
        body={"service": "Installasjon", "unit_price": "950", "valid_from": "{agreement_starts}"},
        form_page=_PAGE,
    ),
    Endpoint("GET", "/agreements/{agreement}/prices/{price_line}/edit", AGREEMENTS_MANAGE),
    Endpoint(
        "POST",
        "/agreements/{agreement}/prices/{price_line}/edit",
        AGREEMENTS_MANAGE,
        body={"product_id": "{product}", "monthly_rent": "159", "version": ""},
        form_page=_PAGE,
    ),
    Endpoint("GET", "/agreements/{agreement}/levels/new", AGREEMENTS_MANAGE),
    Endpoint(
        "POST",
        "/agreements/{agreement}/levels/new",
        AGREEMENTS_MANAGE,
        body={"metric": "answer_time", "target": "2", "calendar": "business"},
        form_page=_PAGE,
    ),
    Endpoint("GET", "/agreements/{agreement}/levels/{service_level}/edit", AGREEMENTS_MANAGE),
    Endpoint(
        "POST",
        "/agreements/{agreement}/levels/{service_level}/edit",
        AGREEMENTS_MANAGE,
        body={"metric": "fix_time", "target": "12", "calendar": "24x7", "version": ""},
        form_page=_PAGE,
    ),
    Endpoint(
        "POST",
        "/agreements/{agreement}/levels/{service_level}/remove",
        AGREEMENTS_MANAGE,
        body={},
        form_page=_PAGE,
    ),
    Endpoint("GET", "/api/v1/agreements", AGREEMENTS_VIEW),
    Endpoint(
        "POST",
        "/api/v1/agreements",
        AGREEMENTS_MANAGE,
        body={
            "municipality_id": "{municipality}",
            "title": "API-avtale",
            "kind": "licence",
            "supplier_id": "{supplier}",
            "owner_id": "{user}",
            "starts_on": "{agreement_starts}",
        },
        scoped=True,
    ),
    Endpoint("GET", "/api/v1/agreements/deadlines", AGREEMENTS_VIEW),
    Endpoint("GET", "/api/v1/agreements/{agreement}", AGREEMENTS_VIEW),
    Endpoint(
        "PATCH", "/api/v1/agreements/{agreement}", AGREEMENTS_MANAGE, body={"notice_months": 3}
    ),
    Endpoint(
        "POST",
        "/api/v1/agreements/{agreement}/options",
        AGREEMENTS_MANAGE,
        body={"months": 6, "decide_by": "{option_decide_by}"},
    ),
    Endpoint(
        "DELETE", "/api/v1/agreements/{agreement}/options/{agreement_option}", AGREEMENTS_MANAGE
    ),
    Endpoint(
        "POST",
        "/api/v1/agreements/{agreement}/decisions",
        AGREEMENTS_MANAGE,
        body={"kind": "notice", "due_on": "{notice_due}", "decision": "renegotiate"},
    ),
    Endpoint("GET", "/api/v1/price-lines", AGREEMENTS_VIEW),
    Endpoint(
        "POST",
        "/api/v1/price-lines",
        AGREEMENTS_MANAGE,
        body={"agreement_id": "{agreement}", "service": "Service", "unit_price": "500"},
        scoped=True,
    ),
    Endpoint("GET", "/api/v1/price-lines/{price_line}", AGREEMENTS_VIEW),
    Endpoint(
        "PATCH", "/api/v1/price-lines/{price_line}", AGREEMENTS_MANAGE, body={"monthly_rent": "139"}
    ),
    Endpoint("GET", "/api/v1/service-levels", AGREEMENTS_VIEW),
    Endpoint(
        "POST",
        "/api/v1/service-levels",
        AGREEMENTS_MANAGE,
        body={"agreement_id": "{agreement}", "metric": "delivery_time", "target": "10"},
        scoped=True,
    ),
    Endpoint("GET", "/api/v1/service-levels/{service_level}", AGREEMENTS_VIEW),
    Endpoint(
        "PATCH", "/api/v1/service-levels/{service_level}", AGREEMENTS_MANAGE, body={"target": "6"}
    ),
    Endpoint("DELETE", "/api/v1/service-levels/{service_level}", AGREEMENTS_MANAGE),
    Endpoint("GET", "/agreements/{agreement}/evaluation", AGREEMENTS_VIEW),
    Endpoint(
        "POST",
        "/agreements/orders/{order}/place",
        (ORDERS_MANAGE, AGREEMENTS_MANAGE),
        body={"agreement_id": "{agreement}"},
        form_page=_PAGE,
    ),
    Endpoint(
        "POST",
        "/agreements/orders/{order}/take-off",
        (ORDERS_MANAGE, AGREEMENTS_MANAGE),
        body={},
        form_page=_PAGE,
    ),
    Endpoint("GET", "/api/v1/agreements/{agreement}/evaluation", AGREEMENTS_VIEW),
    Endpoint("GET", "/agreements/{agreement}/meetings/new", AGREEMENTS_MANAGE),
    Endpoint(
        "POST",
        "/agreements/{agreement}/meetings/new",
        AGREEMENTS_MANAGE,
        body={"held_on": "{agreement_starts}", "minutes": "Referat"},
        form_page=_PAGE,
    ),
    Endpoint("GET", "/agreements/meetings/{meeting}", AGREEMENTS_VIEW),
    Endpoint("GET", "/agreements/meetings/{meeting}/print", AGREEMENTS_VIEW),
    Endpoint("GET", "/agreements/meetings/{meeting}/report.xlsx", AGREEMENTS_VIEW),
    Endpoint("GET", "/agreements/meetings/{meeting}/edit", AGREEMENTS_MANAGE),
    Endpoint(
        "POST",
        "/agreements/meetings/{meeting}/edit",
        AGREEMENTS_MANAGE,
        body={"held_on": "{agreement_starts}", "minutes": "Nytt referat", "version": ""},
        form_page=_PAGE,
    ),
    Endpoint(
        "POST",
        "/agreements/meetings/{meeting}/actions",
        AGREEMENTS_MANAGE,
        body={"text": "Ring leverandøren", "owner_id": "{user}", "due_on": "{agreement_starts}"},
        form_page=_PAGE,
    ),
    Endpoint(
        "POST",
        "/agreements/actions/{meeting_action}/done",
        AGREEMENTS_MANAGE,
        body={"version": "{meeting_action_version}"},
        form_page=_PAGE,
    ),
    Endpoint(
        "POST",
        "/agreements/{agreement}/handover",
        AGREEMENTS_MANAGE,
        body={"section": "bought", "text": "Signert avtale og bilag"},
        form_page=_PAGE,
    ),
    Endpoint(
        "POST",
        "/agreements/{agreement}/handover/{handover_item}/confirm",
        AGREEMENTS_VIEW,
        body={"version": "{handover_version}"},
        form_page=_PAGE,
    ),
    Endpoint(
        "POST",
        "/agreements/{agreement}/handover/{handover_item}/remove",
        AGREEMENTS_MANAGE,
        body={},
        form_page=_PAGE,
    ),
    Endpoint("GET", "/api/v1/supplier-meetings", AGREEMENTS_VIEW),
    Endpoint(
        "POST",
        "/api/v1/supplier-meetings",
        AGREEMENTS_MANAGE,
        body={"agreement_id": "{agreement}", "held_on": "{agreement_starts}"},
        scoped=True,
    ),
    Endpoint("GET", "/api/v1/supplier-meetings/{meeting}", AGREEMENTS_VIEW),
    Endpoint(
        "PATCH", "/api/v1/supplier-meetings/{meeting}", AGREEMENTS_MANAGE, body={"minutes": "Nytt"}
    ),
    Endpoint(
        "POST",
        "/api/v1/supplier-meetings/{meeting}/actions",
        AGREEMENTS_MANAGE,
        body={"text": "Ring", "owner_name": "Kari", "due_on": "{agreement_starts}"},
    ),
    Endpoint(
        "POST",
        "/api/v1/supplier-meetings/actions/{meeting_action}/done",
        AGREEMENTS_MANAGE,
        body={"done": True},
    ),
    Endpoint(
        "POST",
        "/agreements/{agreement}/documents",
        AGREEMENTS_MANAGE,
        body={"file": (b"%PDF-1.4\n%%EOF\n", "bilag.pdf")},
        form_page=_PAGE,
    ),
    Endpoint("GET", "/agreements/{agreement}/documents/{agreement_document}", AGREEMENTS_VIEW),
    Endpoint(
        "POST",
        "/agreements/{agreement}/documents/{agreement_document}/remove",
        AGREEMENTS_MANAGE,
        body={},
        form_page=_PAGE,
    ),
    Endpoint("GET", "/api/v1/agreements/{agreement}/documents", AGREEMENTS_VIEW),
    Endpoint(
        "POST",
        "/api/v1/agreements/{agreement}/documents?filename=bilag.pdf",
        AGREEMENTS_MANAGE,
        body=b"%PDF-1.4\n%%EOF\n",
    ),
    Endpoint(
        "GET", "/api/v1/agreements/{agreement}/documents/{agreement_document}", AGREEMENTS_VIEW
    ),
    Endpoint(
        "DELETE",
        "/api/v1/agreements/{agreement}/documents/{agreement_document}",
        AGREEMENTS_MANAGE,
    ),
    # Mini-competitions under a framework agreement.
    Endpoint("GET", "/agreements/{framework}/competitions/new", AGREEMENTS_MANAGE),
    Endpoint(
        "POST",
        "/agreements/{framework}/competitions/new",
        AGREEMENTS_MANAGE,
        body={"title": "Nye alarmer", "criteria": "Pris 100 %", "answer_by": "{today}"},
        form_page=_PAGE,
    ),
    Endpoint("GET", "/agreements/competitions/{competition}", AGREEMENTS_VIEW),
    Endpoint("GET", "/agreements/competitions/{competition}/edit", AGREEMENTS_MANAGE),
    Endpoint(
        "POST",
        "/agreements/competitions/{competition}/edit",
        AGREEMENTS_MANAGE,
        body={"title": "Omdøpt", "criteria": "Pris", "answer_by": "{today}", "version": ""},
        form_page=_PAGE,
    ),
    Endpoint(
        "POST",
        "/agreements/competitions/{competition}/bids",
        AGREEMENTS_MANAGE,
        body={"agreement_id": "{framework}", "price": "1000", "notes": "Levert på e-post"},
        form_page=_PAGE,
    ),
    Endpoint(
        "POST",
        "/agreements/competitions/{competition_due}/bids/{competition_bid}/remove",
        AGREEMENTS_MANAGE,
        body={},
        form_page=_PAGE,
    ),
    Endpoint(
        "POST",
        "/agreements/competitions/{competition_due}/award",
        AGREEMENTS_MANAGE,
        body={"bid_id": "{competition_bid}", "reason": "Eneste tilbud", "version": ""},
        form_page=_PAGE,
    ),
    Endpoint(
        "POST",
        "/agreements/competitions/{competition}/cancel",
        AGREEMENTS_MANAGE,
        body={"reason": "Behovet falt bort", "version": ""},
        form_page=_PAGE,
    ),
    Endpoint("GET", "/api/v1/mini-competitions", AGREEMENTS_VIEW),
    Endpoint(
        "POST",
        "/api/v1/mini-competitions",
        AGREEMENTS_MANAGE,
        body={
            "framework_id": "{framework}",
            "title": "Nye sensorer",
            "criteria": "Pris",
            "answer_by": "{today}",
        },
        scoped=True,  # the framework in the body
    ),
    Endpoint("GET", "/api/v1/mini-competitions/{competition}", AGREEMENTS_VIEW),
    Endpoint(
        "PATCH",
        "/api/v1/mini-competitions/{competition}",
        AGREEMENTS_MANAGE,
        body={"need": "Tjue alarmer"},
    ),
    Endpoint(
        "POST",
        "/api/v1/mini-competitions/{competition}/bids",
        AGREEMENTS_MANAGE,
        body={"agreement_id": "{framework}", "price": "990"},
    ),
    Endpoint(
        "DELETE",
        "/api/v1/mini-competitions/{competition_due}/bids/{competition_bid}",
        AGREEMENTS_MANAGE,
    ),
    Endpoint(
        "POST",
        "/api/v1/mini-competitions/{competition_due}/award",
        AGREEMENTS_MANAGE,
        body={"bid_id": "{competition_bid}", "reason": "Eneste tilbud"},
    ),
    Endpoint(
        "POST",
        "/api/v1/mini-competitions/{competition}/cancel",
        AGREEMENTS_MANAGE,
        body={"reason": "Behovet falt bort"},
    ),
    # Deviations: reported by those in the field too.
    Endpoint("GET", "/agreements/deviations", AGREEMENTS_VIEW),
    Endpoint("GET", "/agreements/{agreement}/deviations/new", DEVIATIONS_REPORT),
    Endpoint(
        "POST",
        "/agreements/{agreement}/deviations/new",
        DEVIATIONS_REPORT,
        body={"kind": "faulty_batch", "severity": "high", "title": "Feil i parti"},
        form_page=_PAGE,
    ),
    Endpoint(
        "POST",
        "/agreements/{agreement}/deviations/breach",
        DEVIATIONS_REPORT,
        body={"ticket_id": "{ticket}", "level_id": "{service_level}"},
        form_page=_PAGE,
    ),
    Endpoint("GET", "/agreements/deviations/{deviation}", (AGREEMENTS_VIEW, DEVIATIONS_REPORT)),
    Endpoint(
        "GET", "/agreements/deviations/{deviation}/edit", (AGREEMENTS_MANAGE, DEVIATIONS_REPORT)
    ),
    Endpoint(
        "POST",
        "/agreements/deviations/{deviation}/edit",
        (AGREEMENTS_MANAGE, DEVIATIONS_REPORT),
        body={
            "kind": "late_delivery",
            "severity": "medium",
            "title": "Forsinket",
            "reported_at": "{agreement_starts}",
            "reported_how": "E-post",
            "version": "",
        },
        form_page=_PAGE,
    ),
    Endpoint(
        "POST",
        "/agreements/deviations/{deviation}/close",
        AGREEMENTS_MANAGE,
        body={"version": ""},
        form_page=_PAGE,
    ),
    Endpoint("GET", "/api/v1/deviations", AGREEMENTS_VIEW),
    Endpoint(
        "POST",
        "/api/v1/deviations",
        DEVIATIONS_REPORT,
        body={"agreement_id": "{agreement}", "kind": "other", "title": "Avvik"},
        scoped=True,
    ),
    Endpoint("GET", "/api/v1/deviations/{deviation}", (AGREEMENTS_VIEW, DEVIATIONS_REPORT)),
    Endpoint(
        "PATCH",
        "/api/v1/deviations/{deviation}",
        (AGREEMENTS_MANAGE, DEVIATIONS_REPORT),
        body={"reported_how": "Telefon", "reported_at": "{agreement_starts}"},
    ),
    Endpoint("POST", "/api/v1/deviations/{deviation}/close", AGREEMENTS_MANAGE),
    Endpoint("POST", "/api/v1/deviations/{closed_deviation}/reopen", AGREEMENTS_MANAGE),
]
