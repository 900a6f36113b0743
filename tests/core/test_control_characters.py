"""Text the databases cannot store alike is refused everywhere, the same way on both.

PostgreSQL refuses NUL in text (a 500 before), SQLite stores it; a lone surrogate
cannot be stored at all. Every endpoint of the permission matrix is sent its valid
body with a NUL in every text field, and every page and list a NUL in its query:
each answers 400 or 422 naming the field, nothing is saved, and the databases agree.
"""

from __future__ import annotations

import io

import pytest

from tests.conftest import csrf_from, login
from tests.core.test_permission_matrix import ENDPOINTS, _fill, _world
from vftops.core.permissions import Role

NUL = "A\x00B"
REFUSED_NB = "kontrolltegnet"


def _everyone(factories, world):
    """One person with every role, who is also the one the world's reviewer items go to."""
    from types import SimpleNamespace

    from tests import world as world_parts

    user = factories.user(
        *[r.value for r in Role], municipalities=[SimpleNamespace(id=world["a"].municipality)]
    )
    world_parts.for_actor(factories.app, world["a"], user.id)
    return user


def _audit_count(app) -> int:
    from sqlalchemy import func, select

    from vftops.core.audit import AuditEvent
    from vftops.extensions import db

    with app.app_context():
        return db.session.scalar(select(func.count(AuditEvent.id)))


def _poisoned(body: dict, ids) -> tuple[dict, list[str]]:
    """The valid body with NUL in each text value; which fields got one."""
    out, poisoned = {}, []
    for key, value in (body or {}).items():
        value = _fill(value, ids)
        if isinstance(value, str) and not value.isdigit() and key not in ("version",):
            out[key] = value + "\x00"
            poisoned.append(key)
        else:
            out[key] = value
    return out, poisoned


WRITES = [e for e in ENDPOINTS if e.method != "GET" and e.body]
READS = [e for e in ENDPOINTS if e.method == "GET"]


def test_nul_in_any_text_field_of_any_write_is_refused_naming_it(app, client, factories):
    """Every page form and API write with a NUL in its text answers 400/422 and names
    the field; nothing is written (the audit log does not grow)."""
    world = _world(factories)
    actor = _everyone(factories, world)
    token = factories.token(actor)
    api = app.test_client()  # a bearer token, no session (no CSRF token needed)
    login(client, actor)
    ids = world["a"]
    before = _audit_count(app)
    tried, wrong = 0, []
    for endpoint in WRITES:
        body, poisoned = _poisoned(endpoint.fields, ids)
        if not poisoned:
            continue
        tried += 1
        path = endpoint.path.format(**vars(ids))
        if endpoint.is_api:
            response = api.open(
                path,
                method=endpoint.method,
                json=body,
                headers={"Authorization": f"Bearer {token}"},
            )
            named = response.status_code in (400, 422) and set(poisoned) & set(
                (response.get_json() or {}).get("error", {}).get("fields", {})
            )
        else:
            data = {
                k: (io.BytesIO(v[0]), v[1]) if isinstance(v, tuple) else str(v)
                for k, v in body.items()
            }
            data["csrf_token"] = csrf_from(client.get("/account").get_data(as_text=True))
            response = client.post(path, data=data)
            named = response.status_code in (400, 422) and REFUSED_NB in response.get_data(
                as_text=True
            )
        if not named:
            wrong.append(f"{endpoint} → {response.status_code} {response.get_data()[:200]!r}")
    assert tried > 60, tried
    assert not wrong, "\n".join(wrong)
    assert _audit_count(app) == before


def test_nul_in_a_query_parameter_is_refused_on_every_page_and_list(app, client, factories):
    """A NUL in a query parameter (a search, a filter) answers 422 naming it, on every
    page and API list, instead of reaching the database."""
    world = _world(factories)
    actor = _everyone(factories, world)
    token = factories.token(actor)
    api = app.test_client()
    login(client, actor)
    wrong = []
    for endpoint in READS:
        path = endpoint.path.format(**vars(world["a"]))
        path += ("&" if "?" in path else "?") + "q=a%00b"
        if endpoint.is_api:
            response = api.get(path, headers={"Authorization": f"Bearer {token}"})
            ok = response.status_code == 422 and "q" in response.get_json()["error"]["fields"]
        else:
            response = client.get(path)
            ok = response.status_code == 422 and REFUSED_NB in response.get_data(as_text=True)
        if not ok:
            wrong.append(f"{endpoint} → {response.status_code}")
    assert not wrong, "\n".join(wrong)


@pytest.mark.parametrize(
    ("path", "body", "field"),
    [
        ("/api/v1/suppliers", {"name": "Leverandør\u0000AS"}, "name"),
        ("/api/v1/suppliers", {"name": "Leverandør\ud800AS"}, "name"),
        ("/api/v1/suppliers", {"name": "Bell\u0007AS"}, "name"),
        (
            "/api/v1/suppliers",
            {"name": "OK AS", "notes": ["x", {"deep": "\u0000"}]},
            "notes.1.deep",
        ),
    ],
    ids=["nul", "lone-surrogate", "bell", "nested"],
)
def test_api_refuses_control_characters_and_broken_characters(
    app, client, factories, path, body, field
):
    """NUL, other control characters and a lone surrogate in any JSON string answer 422
    with the field's path; nothing is created."""
    import json

    user = factories.user("admin", municipalities=[factories.municipality()])
    headers = {"Authorization": f"Bearer {factories.token(user)}"}
    response = client.post(
        path,
        data=json.dumps(body, ensure_ascii=True),
        content_type="application/json",
        headers=headers,
    )
    assert response.status_code == 422
    error = response.get_json()["error"]
    assert field in error["fields"]
    assert "U+" in error["fields"][field][0]
    listed = client.get("/api/v1/suppliers", headers=headers).get_json()["items"]
    assert listed == []


def test_tab_and_line_breaks_are_kept(app, client, factories):
    """Tab and line breaks are ordinary text: a note with them is saved as typed."""
    user = factories.user("admin", municipalities=[factories.municipality()])
    headers = {"Authorization": f"Bearer {factories.token(user)}"}
    response = client.post(
        "/api/v1/suppliers",
        json={"name": "Linjer AS", "notes": "Første linje\r\nAndre\tlinje"},
        headers=headers,
    )
    assert response.status_code == 201, response.get_json()
    assert response.get_json()["notes"] == "Første linje\r\nAndre\tlinje"


def test_login_with_nul_in_the_username_shows_the_form_again(app, client, factories):
    """A NUL in the username at login (before anyone is logged in) shows the login form
    with the field in error and what was typed kept, on both databases."""
    factories.user("admin", username="admin")
    page = client.get("/login")
    response = client.post(
        "/login",
        data={
            "username": "adm\x00in",
            "password": "whatever it is",
            "csrf_token": csrf_from(page.get_data(as_text=True)),
        },
    )
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "Fjern det usynlige kontrolltegnet (U+0000)" in html
    assert 'name="username"' in html


def test_a_page_form_keeps_what_was_typed_beside_the_refused_field(app, client, factories):
    """A new supplier's name with a control character is shown again in the form, the
    other fields as typed, and the error beside the name."""
    user = factories.user("admin", municipalities=[factories.municipality()])
    login(client, user)
    page = client.get("/suppliers/new")
    assert page.status_code == 200
    response = client.post(
        "/suppliers/new",
        data={
            "name": "Leverandør\x0bAS",
            "support_phone": "+4773000000",
            "csrf_token": csrf_from(page.get_data(as_text=True)),
        },
    )
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "kontrolltegnet (U+000B)" in html
    assert 'value="+4773000000"' in html


def test_nul_in_a_path_answers_400(app, client, factories):
    """A NUL in the address itself is refused before any view reads it."""
    user = factories.user("admin", municipalities=[factories.municipality()])
    login(client, user)
    response = client.get("/devices%00")
    assert response.status_code == 400
    assert REFUSED_NB in response.get_data(as_text=True)


@pytest.mark.one_backend
def test_every_page_form_shows_refused_text_beside_its_field(app):
    """Every page form of every module is a `vftops.core.forms.Form`, so refused text is
    shown beside the field with what was typed, not as an error page."""
    import importlib
    import pkgutil

    from flask_wtf import FlaskForm

    import vftops
    from vftops.core.forms import Form

    for module in pkgutil.walk_packages(vftops.__path__, "vftops."):
        if module.name.endswith((".demo", ".bench")) or module.name == "vftops.bench":
            continue
        importlib.import_module(module.name)

    def subclasses(cls):
        for sub in cls.__subclasses__():
            yield sub
            yield from subclasses(sub)

    forms = [c for c in subclasses(FlaskForm) if c.__module__.startswith("vftops.")]
    assert len(forms) > 40
    assert [c.__qualname__ for c in forms if not issubclass(c, Form)] == []


LONG = "x" * 100_001


def _longest_stored_text(app) -> int:
    """The longest text in any text column of any table."""
    from sqlalchemy import String, func, select

    from vftops.extensions import db

    longest = 0
    with app.app_context():
        for table in db.metadata.sorted_tables:
            for column in table.columns:
                if isinstance(column.type, String):
                    found = db.session.scalar(select(func.max(func.length(column))))
                    longest = max(longest, found or 0)
    return longest


def test_text_of_a_hundred_thousand_characters_is_refused_everywhere(app, client, factories):
    """Every text field of every page form and API write has a maximum length: 100,001
    characters in any of them answers 4xx, never 500, and nothing that long is stored
    (a 100,000-character ticket title was saved before, and PostgreSQL answered 500 for
    a name longer than its column)."""
    world = _world(factories)
    actor = _everyone(factories, world)
    token = factories.token(actor)
    api = app.test_client()
    login(client, actor)
    ids = world["a"]
    tried, wrong = 0, []
    for endpoint in WRITES:
        for key, value in endpoint.fields.items():
            value = _fill(value, ids)
            if not isinstance(value, str) or value.isdigit() or key == "version":
                continue
            tried += 1
            body = {k: _fill(v, ids) for k, v in endpoint.fields.items()}
            body[key] = LONG
            path = endpoint.path.format(**vars(ids))
            if endpoint.is_api:
                response = api.open(
                    path,
                    method=endpoint.method,
                    json=body,
                    headers={"Authorization": f"Bearer {token}"},
                )
            else:
                data = {
                    k: (io.BytesIO(v[0]), v[1]) if isinstance(v, tuple) else str(v)
                    for k, v in body.items()
                }
                data["csrf_token"] = csrf_from(client.get("/account").get_data(as_text=True))
                response = client.post(path, data=data)
            if response.status_code >= 500:
                wrong.append(f"{endpoint} [{key}] → {response.status_code}")
    assert tried > 60, tried
    assert not wrong, "\n".join(wrong)
    assert _longest_stored_text(app) <= 10_000


def test_a_too_long_title_is_refused_naming_the_field(app, client, factories):
    """A ticket title of 100,001 characters answers 422 naming «title», on both databases."""
    m = factories.municipality()
    user = factories.user("servicedesk", municipalities=[m])
    response = client.post(
        "/api/v1/tickets",
        json={
            "municipality_id": m.id,
            "title": LONG,
            "kind": "question",
            "channel": "phone",
            "reporter_kind": "employee",
        },
        headers={"Authorization": f"Bearer {factories.token(user)}"},
    )
    assert response.status_code == 422, response.get_json()
    assert "title" in response.get_json()["error"]["fields"]


def test_a_file_sent_under_a_text_fields_name_is_not_its_text(app, client, factories):
    """Every text field of every page form sent as an uploaded file answers 4xx or saves
    without the file, never 500, and no «<FileStorage …>» is stored as text (a ticket's
    log had one before)."""
    from sqlalchemy import func, select

    from vftops.extensions import db
    from vftops.support.models import TicketEntry

    world = _world(factories)
    login(client, _everyone(factories, world))
    ids = world["a"]
    wrong, tried = [], 0
    for endpoint in WRITES:
        if endpoint.is_api:
            continue
        for key, value in endpoint.fields.items():
            value = _fill(value, ids)
            if not isinstance(value, str) or value.isdigit() or key == "version":
                continue
            tried += 1
            data = {
                k: (io.BytesIO(v[0]), v[1]) if isinstance(v, tuple) else str(_fill(v, ids))
                for k, v in endpoint.fields.items()
            }
            data[key] = (io.BytesIO(b"a" * 64), "a.txt")
            data["csrf_token"] = csrf_from(client.get("/account").get_data(as_text=True))
            response = client.post(
                endpoint.path.format(**vars(ids)), data=data, content_type="multipart/form-data"
            )
            response.get_data()
            if response.status_code >= 500:
                wrong.append(f"{endpoint} [{key}] → {response.status_code}")
    assert tried > 60, tried
    assert not wrong, "\n".join(wrong)
    with app.app_context():
        stored = db.session.scalar(
            select(func.count(TicketEntry.id)).where(TicketEntry.body.contains("FileStorage"))
        )
    assert stored == 0


def test_a_refused_request_keeps_no_file_and_says_nothing_was_saved(
    app, client, factories, tmp_path, monkeypatch
):
    """A photo posted with a control character in another field is refused as a whole:
    no attachment, no file left on disk, and no «attached» message beside the refusal."""
    from tests.core.test_permission_matrix import PNG

    monkeypatch.setitem(app.config, "ATTACHMENT_DIR", str(tmp_path / "vedlegg"))
    world = _world(factories)
    login(client, _everyone(factories, world))
    ticket = world["a"].ticket
    before = set((tmp_path / "vedlegg").glob("*"))
    page = client.get(f"/support/{ticket}").get_data(as_text=True)
    response = client.post(
        f"/support/{ticket}/attachments",
        data={
            "csrf_token": csrf_from(page),
            "attach-file": (io.BytesIO(PNG), "bilde.png"),
            "kommentar": "Hylle 3\x0b",
        },
        content_type="multipart/form-data",
    )
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "Ingenting ble lagret" in html
    assert "er lagt ved saken" not in html
    assert set((tmp_path / "vedlegg").glob("*")) == before
    shown = client.get(f"/support/{ticket}").get_data(as_text=True)
    assert "er lagt ved saken" not in shown
