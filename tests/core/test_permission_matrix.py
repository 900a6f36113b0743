"""The role matrix walked against every real endpoint, pages and API alike.

For each endpoint: anonymous visitors are sent to login (pages) or get 401
(API); each role either gets the page/answer or 403, exactly as
the modules declare; and an object in another municipality answers 404
even for a role that may see that kind of object.

The role and anonymous walks run on SQLite only (permissions do not depend on
the database); the other-municipality walk runs on both databases.
"""

from __future__ import annotations

import io
from types import SimpleNamespace

import pytest

from tests import world as world_parts
from tests.access.endpoints import ACCESS_ENDPOINTS
from tests.agreements.endpoints import AGREEMENT_ENDPOINTS
from tests.conftest import csrf_from, login
from tests.matrix import Endpoint
from tests.stock.endpoints import STOCK_ENDPOINTS
from tests.support.endpoints import SUPPORT_ENDPOINTS
from vftops.audit.permissions import AUDIT_VIEW
from vftops.auth.permissions import USERS_MANAGE, USERS_VIEW
from vftops.core.permissions import Role, declared_permissions, role_permissions
from vftops.equipment.permissions import (
    CATALOGUE_MANAGE,
    DEVICES_MANAGE,
    EQUIPMENT_VIEW,
    PLACEMENTS_MANAGE,
    RECIPIENTS_MANAGE,
    RECIPIENTS_VIEW,
)
from vftops.org.permissions import ORG_MANAGE, ORG_VIEW
from vftops.suppliers.permissions import SUPPLIERS_MANAGE, SUPPLIERS_VIEW

ENDPOINTS = [
    Endpoint("GET", "/", None),
    Endpoint("GET", "/account", None),
    Endpoint(
        "POST",
        "/account",
        None,
        body={"profile-full_name": "Nytt Navn", "profile-email": "", "profile-locale": "nb"},
        form_page="/account",
    ),
    Endpoint("GET", "/account/tokens", None),
    Endpoint(
        "POST",
        "/account/tokens",
        None,
        body={"name": "Integrasjon", "days": "30"},
        form_page="/account",
    ),
    Endpoint("POST", "/account/tokens/{token}/revoke", None, body={}, form_page="/account"),
    Endpoint("POST", "/logout", None, body={}, form_page="/account"),
    Endpoint("GET", "/users", USERS_VIEW),
    Endpoint("GET", "/users/new", USERS_MANAGE),
    Endpoint(
        "POST",
        "/users/new",
        USERS_MANAGE,
        body={
            "username": "nyansatt",
            "full_name": "Ny Ansatt",
            "locale": "nb",
            "password": "et langt nok passord",
            "roles": "technician",
            "municipality_ids": "{municipality}",
        },
        form_page="/account",
    ),
    Endpoint("GET", "/users/{user}", USERS_VIEW),
    Endpoint(
        "POST",
        "/users/{user}",
        USERS_MANAGE,
        body={
            "full_name": "Nytt Navn",
            "locale": "nb",
            "roles": "technician",
            "municipality_ids": "{municipality}",
        },
        form_page="/account",
    ),
    Endpoint("GET", "/users/{user}/password", USERS_MANAGE),
    Endpoint(
        "POST",
        "/users/{user}/password",
        USERS_MANAGE,
        body={"new_password": "et nytt langt passord", "confirm": "et nytt langt passord"},
        form_page="/account",
    ),
    Endpoint("POST", "/users/{user}/deactivate", USERS_MANAGE, body={}, form_page="/account"),
    Endpoint("POST", "/users/{user}/activate", USERS_MANAGE, body={}, form_page="/account"),
    Endpoint("GET", "/org/municipalities", ORG_VIEW),
    Endpoint("GET", "/org/municipalities/new", ORG_MANAGE),
    Endpoint(
        "POST",
        "/org/municipalities/new",
        ORG_MANAGE,
        body={"name": "Nykommune", "number": "1234"},
        form_page="/account",
    ),
    Endpoint("GET", "/org/municipalities/{municipality}", ORG_VIEW),
    Endpoint("GET", "/org/municipalities/{municipality}/edit", ORG_MANAGE),
    Endpoint(
        "POST",
        "/org/municipalities/{municipality}/edit",
        ORG_MANAGE,
        body={"name": "Nytt navn", "number": "{municipality_number}", "is_active": "y"},
        form_page="/account",
    ),
    Endpoint("GET", "/org/municipalities/{municipality}/units/new", ORG_MANAGE),
    Endpoint(
        "POST",
        "/org/municipalities/{municipality}/units/new",
        ORG_MANAGE,
        body={"name": "Ny sone", "kind": "sone", "parent_id": ""},
        form_page="/account",
    ),
    Endpoint("GET", "/org/units/{unit}/edit", ORG_MANAGE),
    Endpoint(
        "POST",
        "/org/units/{unit}/edit",
        ORG_MANAGE,
        body={"name": "Omdøpt", "kind": "avdeling", "parent_id": "", "is_active": "y"},
        form_page="/account",
    ),
    Endpoint("GET", "/audit", AUDIT_VIEW),
    # Equipment pages
    Endpoint("GET", "/search?q=STOCK", None),
    Endpoint("GET", "/devices", EQUIPMENT_VIEW),
    Endpoint("GET", "/devices/labels", EQUIPMENT_VIEW),
    Endpoint("GET", "/scan", EQUIPMENT_VIEW),
    Endpoint("GET", "/my-day", PLACEMENTS_MANAGE),
    Endpoint("GET", "/recipients/{recipient}/visits/new", RECIPIENTS_MANAGE),
    Endpoint(
        "POST",
        "/recipients/{recipient}/visits/new",
        RECIPIENTS_MANAGE,
        body={
            "kind": "return",
            "assigned_to_id": "{user}",
            "planned_on": "2026-12-01",
            "placement_id": "{placement}",
        },
        form_page="/account",
    ),
    Endpoint(
        "POST",
        "/visits/{visit}/finish",
        PLACEMENTS_MANAGE,
        body={"status": "done"},
        form_page="/account",
    ),
    Endpoint("GET", "/devices/{device}", EQUIPMENT_VIEW),
    Endpoint("GET", "/devices/new", DEVICES_MANAGE),
    Endpoint(
        "POST",
        "/devices/new",
        DEVICES_MANAGE,
        body={
            "product_id": "{product}",
            "store_id": "{store}",
            "serial_number": "NY-1",
            "ownership": "owned",
        },
        form_page="/account",
    ),
    Endpoint("GET", "/devices/receive", DEVICES_MANAGE),
    Endpoint(
        "POST",
        "/devices/receive",
        DEVICES_MANAGE,
        body={"product_id": "{product}", "store_id": "{store}", "serials": "R-1\nR-2"},
        form_page="/account",
    ),
    Endpoint("GET", "/devices/export.csv?status=in_stock", EQUIPMENT_VIEW),
    Endpoint("GET", "/devices/export.xlsx?status=in_stock", EQUIPMENT_VIEW),
    Endpoint("GET", "/devices/import", DEVICES_MANAGE),
    Endpoint(
        "POST",
        "/devices/import",
        DEVICES_MANAGE,
        # A file field: (content, filename); the dry run of a good file answers 200.
        body={
            "file": (
                b"serial_number;product;store\nIMP-1;Tunstall Lifeline Matrise;Lager a\n",
                "enheter.csv",
            )
        },
        form_page="/account",
    ),
    Endpoint("GET", "/devices/{device}/edit", DEVICES_MANAGE),
    Endpoint(
        "POST",
        "/devices/{device}/edit",
        DEVICES_MANAGE,
        body={"serial_number": "ENDRET-1", "ownership": "owned"},
        form_page="/account",
    ),
    Endpoint("GET", "/devices/{device}/status", DEVICES_MANAGE),
    Endpoint(
        "POST",
        "/devices/{device}/status",
        DEVICES_MANAGE,
        body={"to_status": "in_repair", "reason": "Test"},
        form_page="/account",
    ),
    Endpoint("GET", "/devices/{device}/install", PLACEMENTS_MANAGE),
    Endpoint(
        "POST",
        "/devices/{device}/install",
        PLACEMENTS_MANAGE,
        # The world's recipient has an alarm already: the second one is confirmed.
        body={"recipient_id": "{recipient}", "confirmed": "y"},
        form_page="/account",
    ),
    Endpoint("GET", "/placements/{placement}/return", PLACEMENTS_MANAGE),
    Endpoint(
        "POST",
        "/placements/{placement}/return",
        PLACEMENTS_MANAGE,
        body={"reason": "faulty", "destination": "repair"},
        form_page="/account",
    ),
    Endpoint("GET", "/placements/{placement}/replace", PLACEMENTS_MANAGE),
    Endpoint(
        "POST",
        "/placements/{placement}/replace",
        PLACEMENTS_MANAGE,
        body={"replacement_id": "{device}", "destination": "repair"},
        form_page="/account",
    ),
    Endpoint("GET", "/products", EQUIPMENT_VIEW),
    Endpoint("GET", "/products/new", CATALOGUE_MANAGE),
    Endpoint(
        "POST",
        "/products/new",
        CATALOGUE_MANAGE,
        body={"category": "bed_sensor", "manufacturer": "Tunstall", "model": "Ny sensor"},
        form_page="/account",
    ),
    Endpoint("GET", "/products/{product}/edit", CATALOGUE_MANAGE, scoped=False),
    Endpoint(
        "POST",
        "/products/{product}/edit",
        CATALOGUE_MANAGE,
        body={
            "category": "safety_alarm",
            "manufacturer": "Tunstall",
            "model": "Omdøpt",
            "is_serialised": "y",
            "is_active": "y",
        },
        form_page="/account",
        scoped=False,
    ),
    Endpoint("GET", "/suppliers", SUPPLIERS_VIEW),
    Endpoint("GET", "/suppliers/new", SUPPLIERS_MANAGE),
    Endpoint(
        "POST",
        "/suppliers/new",
        SUPPLIERS_MANAGE,
        body={"name": "Ny leverandør AS"},
        form_page="/account",
    ),
    Endpoint("GET", "/suppliers/{supplier}/edit", SUPPLIERS_MANAGE, scoped=False),
    Endpoint(
        "POST",
        "/suppliers/{supplier}/edit",
        SUPPLIERS_MANAGE,
        body={"name": "Omdøpt leverandør AS"},
        form_page="/account",
        scoped=False,
    ),
    Endpoint("GET", "/recipients", RECIPIENTS_VIEW),
    Endpoint("GET", "/recipients/service-ended", RECIPIENTS_VIEW),
    Endpoint("GET", "/recipients/lookup?q=a", RECIPIENTS_VIEW),
    Endpoint("GET", "/devices/lookup?q=a", EQUIPMENT_VIEW),
    Endpoint("GET", "/products/lookup?q=a", EQUIPMENT_VIEW),
    Endpoint("GET", "/recipients/new", RECIPIENTS_MANAGE),
    Endpoint(
        "POST",
        "/recipients/new",
        RECIPIENTS_MANAGE,
        body={"municipality_id": "{municipality}", "name": "Ny Mottaker"},
        form_page="/account",
    ),
    Endpoint("GET", "/recipients/{recipient}", RECIPIENTS_VIEW),
    Endpoint("GET", "/recipients/{recipient}/edit", RECIPIENTS_MANAGE),
    Endpoint(
        "POST",
        "/recipients/{recipient}/edit",
        RECIPIENTS_MANAGE,
        body={"name": "Endret Mottaker"},
        form_page="/account",
    ),
    # API
    Endpoint("GET", "/api/v1/users/me", None),
    Endpoint("GET", "/api/v1/users", USERS_VIEW),
    Endpoint(
        "POST",
        "/api/v1/users",
        USERS_MANAGE,
        body={
            "username": "apibruker",
            "full_name": "Api Bruker",
            "password": "et langt nok passord",
            "roles": ["technician"],
            "municipality_ids": ["{municipality}"],
        },
    ),
    Endpoint("GET", "/api/v1/users/{user}", USERS_VIEW),
    Endpoint("PATCH", "/api/v1/users/{user}", USERS_MANAGE, body={"full_name": "Endret"}),
    Endpoint("GET", "/api/v1/municipalities", ORG_VIEW),
    Endpoint(
        "POST",
        "/api/v1/municipalities",
        ORG_MANAGE,
        body={"name": "Apikommune", "number": "4321"},
    ),
    Endpoint("GET", "/api/v1/municipalities/{municipality}", ORG_VIEW),
    Endpoint("PATCH", "/api/v1/municipalities/{municipality}", ORG_MANAGE, body={"name": "Ny"}),
    Endpoint("GET", "/api/v1/units", ORG_VIEW),
    Endpoint(
        "POST",
        "/api/v1/units",
        ORG_MANAGE,
        body={"municipality_id": "{municipality}", "name": "Apienhet"},
    ),
    Endpoint("GET", "/api/v1/units/{unit}", ORG_VIEW),
    Endpoint("PATCH", "/api/v1/units/{unit}", ORG_MANAGE, body={"name": "Omdøpt"}),
    Endpoint("GET", "/api/v1/audit-events", AUDIT_VIEW),
    Endpoint("GET", "/api/v1/audit-events/{event}", AUDIT_VIEW),
    # API: equipment register
    Endpoint("GET", "/api/v1/products", EQUIPMENT_VIEW),
    Endpoint(
        "POST",
        "/api/v1/products",
        CATALOGUE_MANAGE,
        body={"category": "safety_alarm", "manufacturer": "Doro", "model": "Matrix 1"},
    ),
    Endpoint("GET", "/api/v1/products/{product}", EQUIPMENT_VIEW, scoped=False),
    Endpoint(
        "PATCH",
        "/api/v1/products/{product}",
        CATALOGUE_MANAGE,
        body={"standard_configuration": "Volum 8"},
        scoped=False,
    ),
    Endpoint("GET", "/api/v1/suppliers", SUPPLIERS_VIEW),
    Endpoint("POST", "/api/v1/suppliers", SUPPLIERS_MANAGE, body={"name": "Matrise AS"}),
    Endpoint("GET", "/api/v1/suppliers/{supplier}", SUPPLIERS_VIEW, scoped=False),
    Endpoint(
        "PATCH",
        "/api/v1/suppliers/{supplier}",
        SUPPLIERS_MANAGE,
        body={"notes": "Ny kontaktperson"},
        scoped=False,
    ),
    Endpoint("GET", "/api/v1/devices", EQUIPMENT_VIEW),
    Endpoint(
        "POST",
        "/api/v1/devices",
        DEVICES_MANAGE,
        body={"product_id": "{product}", "store_id": "{store}", "serial_number": "MX-NEW-1"},
        scoped=True,  # the store in the body
    ),
    Endpoint(
        "POST",
        "/api/v1/devices/receive",
        DEVICES_MANAGE,
        body={"product_id": "{product}", "store_id": "{store}", "serials": ["MX-R1", "MX-R2"]},
        scoped=True,
    ),
    Endpoint("GET", "/api/v1/devices/{device}", EQUIPMENT_VIEW),
    Endpoint("PATCH", "/api/v1/devices/{device}", DEVICES_MANAGE, body={"firmware_version": "2.1"}),
    Endpoint(
        "POST",
        "/api/v1/devices/{device}/status",
        DEVICES_MANAGE,
        body={"to_status": "in_repair", "reason": "Batteriet holder ikke"},
    ),
    Endpoint("GET", "/api/v1/recipients", RECIPIENTS_VIEW),
    Endpoint(
        "POST",
        "/api/v1/recipients",
        RECIPIENTS_MANAGE,
        body={"municipality_id": "{municipality}", "name": "Ny Mottaker"},
        scoped=True,
    ),
    Endpoint("GET", "/api/v1/recipients/{recipient}", RECIPIENTS_VIEW),
    Endpoint("PATCH", "/api/v1/recipients/{recipient}", RECIPIENTS_MANAGE, body={"city": "Hegra"}),
    Endpoint("GET", "/api/v1/placements", RECIPIENTS_VIEW),
    Endpoint(
        "POST",
        "/api/v1/placements",
        PLACEMENTS_MANAGE,
        body={"device_id": "{device}", "recipient_id": "{recipient}", "confirmed": True},
        scoped=True,
    ),
    Endpoint("GET", "/api/v1/placements/{placement}", RECIPIENTS_VIEW),
    Endpoint(
        "POST",
        "/api/v1/placements/{placement}/return",
        PLACEMENTS_MANAGE,
        body={"reason": "service_ended", "destination": "store", "store_id": "{store}"},
    ),
    Endpoint(
        "POST",
        "/api/v1/placements/{placement}/replace",
        PLACEMENTS_MANAGE,
        body={"replacement_device_id": "{device}", "destination": "repair"},
    ),
    Endpoint("GET", "/api/v1/movements", EQUIPMENT_VIEW),
    Endpoint("GET", "/api/v1/movements/{movement}", EQUIPMENT_VIEW),
    *STOCK_ENDPOINTS,
    *SUPPORT_ENDPOINTS,
    *ACCESS_ENDPOINTS,
    *AGREEMENT_ENDPOINTS,
]

# Open to everyone, logged in or not.
PUBLIC = {
    "/login",
    "/language",
    "/healthz",
    "/api/v1/openapi.json",
    "/api/v1/docs",
    "/static/<path:filename>",
    "/bootstrap/static/<path:filename>",
}


# The smallest valid PNG: a 1×1 transparent pixel.
PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c489"
    "0000000d4944415478da63f8ffff3f0005fe02fea7d6a1c50000000049454e44ae426082"
)


def _world(factories):
    """Municipality A (the actor's) and B (someone else's), each with what every module's
    rows name, each module contributing its part (tests/world.py). Built through the real
    operations in one transaction."""
    from tests.world import build

    return build(factories)


def _token_id(factories, user) -> int:
    from sqlalchemy import select

    from vftops.auth.models import ApiToken
    from vftops.extensions import db

    factories.token(user, name="matrix")
    with factories.app.app_context():
        return db.session.scalars(
            select(ApiToken.id).where(ApiToken.user_id == user.id).order_by(ApiToken.id.desc())
        ).first()


def _fill(value, ids: SimpleNamespace):
    if isinstance(value, str) and value.startswith("{") and value.endswith("}"):
        resolved = getattr(ids, value[1:-1])
        return resolved
    if isinstance(value, str):
        return value.format(**vars(ids))
    if isinstance(value, list):
        return [_fill(v, ids) for v in value]
    if isinstance(value, dict):
        return {k: _fill(v, ids) for k, v in value.items()}
    return value


def _call(client, endpoint: Endpoint, ids: SimpleNamespace, token: str | None = None):
    path = endpoint.path.format(**vars(ids))
    if endpoint.is_api:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        if isinstance(endpoint.body, bytes):
            return client.open(
                path,
                method=endpoint.method,
                data=endpoint.body,
                content_type="application/pdf",
                headers=headers,
            )
        body = {k: _fill(v, ids) for k, v in (endpoint.body or {}).items()}
        if endpoint.method == "GET":
            return client.get(path, headers=headers)
        return client.open(path, method=endpoint.method, json=body, headers=headers)
    if endpoint.method == "GET":
        return client.get(path)
    data = {
        # A (content, filename) pair is a file upload: a fresh stream for every call.
        k: (io.BytesIO(v[0]), v[1]) if isinstance(v, tuple) else str(_fill(v, ids))
        for k, v in (endpoint.body or {}).items()
    }
    if endpoint.form_page:
        page = client.get(endpoint.form_page)
        if page.status_code == 200:
            data["csrf_token"] = csrf_from(page.get_data(as_text=True))
    if "/users/" in path and "version" not in data and path.count("/") == 2:
        data["version"] = ""
    return client.post(path, data=data)


def _allowed(role: Role, endpoint: Endpoint) -> bool:
    held = role_permissions()[role]
    return endpoint.permission is None or any(p in held for p in endpoint.permissions)


def _act_as(client, factories, world, role: Role, endpoint: Endpoint):
    actor = factories.user(role.value, municipalities=[factories_municipality(world)])
    token = None
    if endpoint.is_api:
        token = factories.token(actor)
    else:
        login(client, actor)
    world["a"].token = _token_id(factories, actor)  # one's own token
    world_parts.for_actor(factories.app, world["a"], actor.id)
    return _call(client, endpoint, world["a"], token)


def _check(role: Role, endpoint: Endpoint, response) -> None:
    body = response.get_data()[:600]  # bytes: some answers are spreadsheets
    if _allowed(role, endpoint):
        if endpoint.method == "GET":
            assert response.status_code == 200, (role, body)
        else:
            assert response.status_code in (200, 201, 204, 302), (role, body)
    else:
        assert response.status_code == 403, (role, body)
        if endpoint.is_api:
            assert response.get_json()["error"]["code"] == "forbidden"
        else:
            assert "Du har ikke tilgang til denne siden" in response.get_data(as_text=True)


READS = [e for e in ENDPOINTS if e.method == "GET"]
CHANGES = [e for e in ENDPOINTS if e.method != "GET"]
# Least privileged first: the role a change is tried with is the first that holds it.
TRIED_IN_ORDER = (
    Role.MANAGER,
    Role.TECHNICIAN,
    Role.SERVICEDESK,
    Role.PROCUREMENT,
    Role.IT,
    Role.AUDITOR,
    Role.ADMIN,
)


class _Actors:
    """One user (and API token) per role in municipality A; a fresh client logs in for each
    call, so a page that ends a session cannot spoil the next one."""

    def __init__(self, app, factories, world, roles=tuple(Role)):
        self.app = app
        self.world = world
        self.users = {}
        self.tokens = {}
        for role in roles:
            user = factories.user(
                role.value,
                municipalities=[factories_municipality(world)],
                # A unit manager manages a unit: the world's.
                units=[SimpleNamespace(id=world["a"].unit)] if role == Role.MANAGER else [],
            )
            self.users[role] = (user, factories.token(user), _token_id(factories, user))

    def call(self, role: Role, endpoint: Endpoint, where: str = "a"):
        user, token, token_id = self.users[role]
        client = self.app.test_client()
        if not endpoint.is_api:
            login(client, user)
        self.world["a"].token = token_id  # one's own token
        world_parts.for_actor(self.app, self.world[where], user.id)
        return _call(client, endpoint, self.world[where], token if endpoint.is_api else None)


def _failure(role, endpoint, check) -> str | None:
    try:
        check()
    except AssertionError as exc:
        return f"{role} {endpoint}: {exc}"
    return None


@pytest.mark.one_backend  # who may do what does not depend on the database
def test_each_role_reads_exactly_what_the_matrix_says(app, factories):
    """Each role sees every page and API answer its permissions allow and gets 403 on the
    others. Reading changes nothing a later reader depends on, so one world serves every
    read of every role."""
    world = _world(factories)
    actors = _Actors(app, factories, world)
    failures = [
        _failure(role, e, lambda r=role, e=e: _check(r, e, actors.call(r, e)))
        for e in READS
        for role in Role
    ]
    failures = [f for f in failures if f]
    assert not failures, "\n".join(failures)


@pytest.mark.one_backend
def test_roles_without_the_permission_are_refused_every_change(app, factories):
    """Every role that lacks an endpoint's permission gets 403 from it, on every change of
    pages and API. A refused change changes nothing, so one world serves them all."""
    world = _world(factories)
    actors = _Actors(app, factories, world)
    failures = [
        _failure(role, e, lambda r=role, e=e: _check(r, e, actors.call(r, e)))
        for e in CHANGES
        for role in Role
        if not _allowed(role, e)
    ]
    failures = [f for f in failures if f]
    assert not failures, "\n".join(failures)


@pytest.mark.one_backend
@pytest.mark.parametrize("endpoint", CHANGES, ids=str)
def test_a_role_holding_the_permission_makes_the_change(app, factories, endpoint):
    """The least privileged role that holds the permission makes the change (a fresh world
    for each, since a change may use up what the next one needs). Which view asks for which
    permission is checked for every endpoint at once below; which roles hold it, against
    the README's table."""
    role = next(r for r in TRIED_IN_ORDER if _allowed(r, endpoint))
    world = _world(factories)
    _check(role, endpoint, _Actors(app, factories, world, roles=(role,)).call(role, endpoint))


def factories_municipality(world):
    return SimpleNamespace(id=world["a"].municipality)


@pytest.mark.one_backend
def test_anonymous_is_sent_to_login_or_gets_401(app, factories):
    """Nobody sees or changes anything without logging in (one world: nothing changes)."""
    world = _world(factories)

    def check(endpoint):
        response = _call(app.test_client(), endpoint, world["a"])
        if endpoint.is_api:
            assert response.status_code == 401, response.status_code
            assert response.get_json()["error"]["code"] == "unauthenticated"
            assert response.headers["WWW-Authenticate"].startswith("Bearer")
        elif endpoint.method == "GET":
            assert response.status_code == 302, response.status_code
            assert response.headers["Location"].startswith("/login")
        else:
            # No session means no CSRF token either: refused before anything happens.
            assert response.status_code in (302, 400), response.status_code

    failures = [_failure("anonymous", e, lambda e=e: check(e)) for e in ENDPOINTS]
    failures = [f for f in failures if f]
    assert not failures, "\n".join(failures)


SCOPED = [e for e in ENDPOINTS if e.is_scoped]


def test_other_municipalitys_objects_answer_404(app, factories):
    """Even an administrator and auditor of one municipality cannot reach another's objects,
    on any scoped page or API endpoint (one world: every such call is refused)."""
    world = _world(factories)
    actor = factories.user("admin", "auditor", "it", municipalities=[factories_municipality(world)])
    token = factories.token(actor)

    def check(endpoint):
        client = app.test_client()
        if not endpoint.is_api:
            login(client, actor)
        response = _call(client, endpoint, world["b"], token if endpoint.is_api else None)
        assert response.status_code == 404, response.get_data(as_text=True)[:400]
        if endpoint.is_api:
            assert response.get_json()["error"]["code"] == "not_found"

    failures = [_failure("admin of A", e, lambda e=e: check(e)) for e in SCOPED]
    failures = [f for f in failures if f]
    assert not failures, "\n".join(failures)


def test_only_catalogue_rows_are_exempt_from_the_scope_walk():
    """Only rows that belong to no municipality (catalogue, suppliers and their contacts)
    skip the 404 walk."""
    exempt = {e.path for e in ENDPOINTS if e.scoped is False}
    assert exempt <= {
        "/api/v1/products/{product}",
        "/api/v1/suppliers/{supplier}",
        "/api/v1/suppliers/{supplier}/contacts",
        "/api/v1/suppliers/{supplier}/contacts/{contact}",
        "/products/{product}/edit",
        "/suppliers/{supplier}",
        "/suppliers/{supplier}/edit",
        "/suppliers/{supplier}/contacts/new",
        "/suppliers/{supplier}/contacts/{contact}/edit",
        "/suppliers/{supplier}/contacts/{contact}/remove",
    }


def test_every_endpoint_is_in_the_matrix(app):
    """A new page or API endpoint cannot ship without a row in the permission matrix."""
    covered = {(e.method, e.path.replace("{", "<").replace("}", ">")) for e in ENDPOINTS}
    missing = []
    for rule in app.url_map.iter_rules():
        if rule.rule in PUBLIC:
            continue
        normalised = rule.rule
        for arg in rule.arguments:
            normalised = normalised.replace(f"<int:{arg}>", "<x>").replace(f"<{arg}>", "<x>")
        for method in rule.methods - {"HEAD", "OPTIONS"}:
            if not any(m == method and _norm(p) == normalised for m, p in covered):
                missing.append(f"{method} {rule.rule}")
    assert not missing, f"endpoints without a row in ENDPOINTS: {missing}"


def _norm(path: str) -> str:
    import re

    return re.sub(r"<[^>]+>", "<x>", path.split("?")[0])


def test_auditor_holds_every_view_permission_and_nothing_else():
    """The auditor reads everything and changes nothing."""
    views = {p for p in declared_permissions() if p.value.endswith(".view")}
    assert role_permissions()[Role.AUDITOR] == views


def _declared_permissions(app, method: str, path: str) -> tuple | None:
    """The permissions the view behind `method path` names in `@require` (or, as one
    tuple, in `@require_any`), or None when the path matches no rule."""
    wanted = _norm(path.replace("{", "<").replace("}", ">"))
    for rule in app.url_map.iter_rules():
        if method not in rule.methods or _norm(rule.rule) != wanted:
            continue
        view = app.view_functions[rule.endpoint]
        view_class = getattr(view, "view_class", None)
        if view_class is not None:  # an API MethodView: the method's own function
            view = getattr(view_class, method.lower())
        declared = tuple(getattr(view, "required_permissions", ()))
        # `@require_any` reads as the tuple of a row that names several.
        return (declared,) if getattr(view, "any_permission", False) else declared
    return None


@pytest.mark.one_backend
def test_every_endpoint_requires_exactly_the_permission_of_its_row(app):
    """Several permissions go to the same roles (devices.manage and placements.manage,
    catalogue.manage and orders.manage, …), so the walk above cannot tell a view guarded
    by the wrong one of a pair. Here each view's own `@require` is read and compared
    with its row, for every endpoint at once."""
    wrong = []
    for endpoint in ENDPOINTS:
        declared = _declared_permissions(app, endpoint.method, endpoint.path.split("?")[0])
        expected = () if endpoint.permission is None else (endpoint.permission,)
        # A row naming several: the view must take any one of them (`@require_any`).
        if declared != expected:
            wrong.append(f"{endpoint}: requires {declared}, the matrix says {expected}")
    assert not wrong, "\n".join(wrong)
