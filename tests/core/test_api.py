"""The JSON API contract: OpenAPI document, error shape, content rules, pagination."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from tests.conftest import csrf_from, login


@pytest.fixture
def admin_api(app, factories):
    m = factories.municipality(name="Stjørdal", number="5035")
    admin = factories.user("admin", municipalities=[m], username="apiadmin")
    client = factories.api(admin)
    client.municipality = m
    return client


def test_openapi_document_describes_the_first_resources(client):
    """Integrators can read the whole API from /api/v1/openapi.json (OpenAPI 3)."""
    spec = client.get("/api/v1/openapi.json").get_json()
    assert spec["openapi"].startswith("3.")
    for path in (
        "/api/v1/users",
        "/api/v1/users/{user_id}",
        "/api/v1/municipalities",
        "/api/v1/units",
        "/api/v1/audit-events",
    ):
        assert path in spec["paths"], path
    assert "post" in spec["paths"]["/api/v1/users"]
    assert "ErrorSchema" in str(spec) or "Error" in spec["components"]["schemas"]


def test_every_write_of_the_api_documents_its_errors(client):
    """An integrator reads from the document which errors each write can answer: 401 and
    403 always, in the one error format, and the conflict or refusal it may give."""
    spec = client.get("/api/v1/openapi.json").get_json()
    missing, writes = [], 0
    for path, methods in spec["paths"].items():
        for method, operation in methods.items():
            if method not in ("post", "patch", "put", "delete"):
                continue
            writes += 1
            codes = set(operation["responses"])
            if not {"401", "403"} <= codes or not codes & {"404", "409", "422"}:
                missing.append(f"{method.upper()} {path}: {sorted(codes)}")
    assert writes > 40
    assert not missing, missing


def test_browsable_api_page_lists_endpoints(client):
    """People can browse the API documentation as a page, in Norwegian."""
    html = client.get("/api/v1/docs").get_data(as_text=True)
    assert "API-dokumentasjon" in html
    assert "/api/v1/audit-events" in html
    assert "/api/v1/units/{unit_id}" in html


def test_unknown_field_is_rejected_with_422(admin_api):
    """A typo in a field name is reported, not silently ignored."""
    response = admin_api.post(
        "/api/v1/municipalities", json={"name": "Frosta", "number": "5036", "nummer": "x"}
    )
    assert response.status_code == 422
    body = response.get_json()
    assert body["error"]["code"] == "invalid"
    assert body["error"]["fields"]["nummer"] == ["Ukjent felt."]


def test_missing_required_field_is_named(admin_api):
    """A missing field is named in the error, in Norwegian."""
    response = admin_api.post("/api/v1/municipalities", json={"name": "Frosta"})
    assert response.status_code == 422
    assert response.get_json()["error"]["fields"]["number"] == ["Dette feltet må fylles ut."]


def test_domain_rule_errors_use_the_same_shape(admin_api):
    """A rule broken in the domain (bad kommunenummer) reads like any other 422."""
    response = admin_api.post("/api/v1/municipalities", json={"name": "Frosta", "number": "50"})
    assert response.status_code == 422
    error = response.get_json()["error"]
    assert error["fields"]["number"] == [
        "Kommunenummeret har nøyaktig fire sifre, for eksempel 5035."
    ]


def test_conflict_answers_409(admin_api):
    """Registering a municipality number twice answers 409 with the reason."""
    response = admin_api.post("/api/v1/municipalities", json={"name": "Kopi", "number": "5035"})
    assert response.status_code == 409
    error = response.get_json()["error"]
    assert error["code"] == "conflict"
    assert "5035" in error["message"]


def test_malformed_json_answers_400(admin_api):
    """Broken JSON is told apart from invalid data."""
    response = admin_api.post(
        "/api/v1/municipalities", data="{not json", content_type="application/json"
    )
    assert response.status_code == 400
    assert response.get_json()["error"]["code"] == "bad_request"


def test_wrong_content_type_answers_415(admin_api):
    """A form-encoded body sent to the API is refused with 415."""
    response = admin_api.post("/api/v1/municipalities", data={"name": "Frosta", "number": "5036"})
    assert response.status_code == 415
    assert response.get_json()["error"]["code"] == "unsupported_media_type"


def test_body_over_two_megabytes_answers_413(admin_api):
    """An oversized body is refused before it is parsed."""
    big = '{"name": "' + "x" * (2 * 1024 * 1024 + 10) + '", "number": "5036"}'
    response = admin_api.post("/api/v1/municipalities", data=big, content_type="application/json")
    assert response.status_code == 413
    assert response.get_json()["error"]["code"] == "too_large"


def test_unknown_api_path_answers_json_404(admin_api):
    """Even a wrong address answers in the API's error format."""
    response = admin_api.get("/api/v1/no-such-thing")
    assert response.status_code == 404
    assert response.get_json()["error"]["code"] == "not_found"


def test_session_cookie_writes_need_the_csrf_header(app, client, factories):
    """A logged-in browser can use the API, but writes need the CSRF token (no cross-site forgery)."""
    m = factories.municipality()
    login(client, factories.user("admin", municipalities=[m]))
    assert client.get("/api/v1/users/me").status_code == 200
    refused = client.post("/api/v1/municipalities", json={"name": "Frosta", "number": "5036"})
    assert refused.status_code == 400
    assert "X-CSRFToken" in refused.get_json()["error"]["message"]
    token = csrf_from(client.get("/account").get_data(as_text=True))
    accepted = client.post(
        "/api/v1/municipalities",
        json={"name": "Frosta", "number": "5036"},
        headers={"X-CSRFToken": token},
    )
    assert accepted.status_code == 201
    assert accepted.get_json()["number"] == "5036"


def test_users_api_creates_filters_and_pages(admin_api):
    """Users created through the API can be found by filter and paged through."""
    m = admin_api.municipality
    for i in range(4):
        response = admin_api.post(
            "/api/v1/users",
            json={
                "username": f"tekniker{i}",
                "full_name": f"Tekniker {i}",
                "password": "et langt nok passord",
                "roles": ["technician"],
                "municipality_ids": [m.id],
            },
        )
        assert response.status_code == 201, response.get_json()
        assert response.get_json()["roles"] == ["technician"]
        assert "password" not in response.get_json()
    found = admin_api.get("/api/v1/users?role=technician&limit=3").get_json()
    assert len(found["items"]) == 3
    assert found["next_cursor"]
    rest = admin_api.get(f"/api/v1/users?role=technician&limit=3&cursor={found['next_cursor']}")
    rest = rest.get_json()
    names = [u["username"] for u in found["items"] + rest["items"]]
    assert sorted(names) == [f"tekniker{i}" for i in range(4)]
    assert rest["next_cursor"] is None
    by_name = admin_api.get("/api/v1/users?q=tekniker 2").get_json()["items"]
    assert [u["username"] for u in by_name] == ["tekniker2"]


def test_users_api_patch_deactivates_and_guards_version(admin_api):
    """PATCH deactivates a user; a stale version answers 409 and changes nothing."""
    m = admin_api.municipality
    created = admin_api.post(
        "/api/v1/users",
        json={
            "username": "vikar",
            "full_name": "Vikar Vikarsen",
            "password": "et langt nok passord",
            "roles": ["technician"],
            "municipality_ids": [m.id],
        },
    ).get_json()
    stale = admin_api.patch(
        f"/api/v1/users/{created['id']}",
        json={"full_name": "Nytt", "version": created["version"] + 5},
    )
    assert stale.status_code == 409
    assert stale.get_json()["error"]["code"] == "conflict"
    response = admin_api.patch(f"/api/v1/users/{created['id']}", json={"is_active": False})
    assert response.status_code == 200
    assert response.get_json()["is_active"] is False
    assert response.get_json()["full_name"] == "Vikar Vikarsen"
    listed = admin_api.get("/api/v1/users?status=inactive").get_json()["items"]
    assert [u["username"] for u in listed] == ["vikar"]


@pytest.mark.one_backend
def test_every_api_write_from_a_browser_session_needs_the_csrf_header(app, client, factories):
    """Every API method that can change something — POST, PUT, PATCH and DELETE — sent
    with the session cookie and without X-CSRFToken is refused with 400, and nothing
    changes (a DELETE of a stock minimum went through before)."""
    from sqlalchemy import func, select

    from tests.core.test_permission_matrix import ENDPOINTS, _fill, _world
    from vftops.core.audit import AuditEvent
    from vftops.core.permissions import Role
    from vftops.extensions import db

    world = _world(factories)
    actor = factories.user(
        *[r.value for r in Role],
        municipalities=[SimpleNamespace(id=world["a"].municipality)],
    )
    login(client, actor)
    with app.app_context():
        before = db.session.scalar(select(func.count(AuditEvent.id)))
    writes = [e for e in ENDPOINTS if e.is_api and e.method != "GET"]
    assert {e.method for e in writes} >= {"POST", "PATCH", "DELETE"}
    wrong = []
    for endpoint in writes:
        path = endpoint.path.format(**vars(world["a"]))
        if isinstance(endpoint.body, bytes):  # a file as the body (a PDF)
            response = client.open(
                path, method=endpoint.method, data=endpoint.body, content_type="application/pdf"
            )
        else:
            body = {k: _fill(v, world["a"]) for k, v in (endpoint.body or {}).items()}
            response = client.open(path, method=endpoint.method, json=body)
        if (
            response.status_code != 400
            or "X-CSRFToken" not in response.get_json()["error"]["message"]
        ):
            wrong.append(f"{endpoint} → {response.status_code}")
    assert not wrong, wrong
    with app.app_context():
        assert db.session.scalar(select(func.count(AuditEvent.id))) == before
