"""Orders and leavers: a unit manager orders access for someone in their unit, or the end
of a leaver's access; each task is an access ticket for the system's administrator, who
marks it done (writing the grant or its end) or refuses it, and the orderer is told by
e-mail (a real SMTP server). On SQLite and PostgreSQL."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from tests.conftest import count_statements, login, race_requests
from tests.stock.test_notify import Inbox, _free_port, parts
from vftops.access import operations as ops
from vftops.access.models import AccessGrant, AccessOrder, AccessTask
from vftops.auth.models import User
from vftops.core.errors import ConflictError, NotFoundError, ValidationError
from vftops.core.models import local_today
from vftops.extensions import db
from vftops.org.models import Municipality, Unit
from vftops.support.models import Ticket
from vftops.systems.models import ItSystem, SystemRole


@pytest.fixture
def inbox(app, monkeypatch):
    from aiosmtpd.controller import Controller

    handler = Inbox()
    port = _free_port()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    monkeypatch.setitem(app.config, "MAIL_SERVER", "127.0.0.1")
    monkeypatch.setitem(app.config, "MAIL_PORT", port)
    monkeypatch.setitem(app.config, "MAIL_USE_TLS", False)
    monkeypatch.setitem(app.config, "MAIL_FROM", "vftops <vftops@kommune.example>")
    monkeypatch.setitem(app.config, "BASE_URL", "https://vftops.kommune.example")
    yield handler
    controller.stop()


@pytest.fixture
def desk(app, reg):
    """Stjørdal's servicedesk (the default team) gets the access tickets; Ida (IT) grants
    access in the response-centre system."""
    from vftops.support import operations as support_ops

    with app.app_context():
        support_ops.create_team(
            None, reg.stjordal.id, name="Servicedesk", kind="servicedesk", is_default=True
        )
        db.session.commit()
    return reg


def _token(page: str) -> str:
    """The CSRF token of a page (its task forms' fields have ids of their own)."""
    found = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page)
    assert found, "page has no CSRF token"
    return found.group(1)


def _post(client, path, data, page):
    token = _token(client.get(page).get_data(as_text=True))
    return client.post(path, data={**data, "csrf_token": token})


def _order(app, reg, *, role=None, user=None, by=None):
    with app.app_context():
        order = ops.order_access(
            db.session.get(User, (by or reg.manager).id),
            unit=db.session.get(Unit, reg.nord.id),
            holder=ops.Holder.of_user(db.session.get(User, (user or reg.nurse).id)),
            system=db.session.get(ItSystem, reg.system),
            role=db.session.get(SystemRole, role or reg.operator),
            starts_on=local_today(),
            reason="Ny sykepleier i sone nord",
        )
        db.session.commit()
        return order.id, order.tasks[0].id


def test_a_manager_orders_access_and_the_administrator_makes_the_account(app, client, desk, inbox):
    """The order is an access ticket on the system, given to the person who grants access;
    marking it done writes the grant with the account name and who ordered it, resolves
    the ticket and tells the orderer."""
    login(client, desk.manager)
    form = client.get("/access/orders/new").get_data(as_text=True)
    assert 'label="Responssenterløsning"' in form, form[form.find("role_id") :][:1500]  # grouped
    assert "Dosettportal" not in form  # Meråker's own system: not Stjørdal's to order
    answer = _post(
        client,
        "/access/orders/new",
        {
            "unit_id": str(desk.nord.id),
            "holder_kind": "user",
            "user_id": str(desk.nurse.id),
            "role_id": str(desk.operator),
            "starts_on": local_today().isoformat(),
            "reason": "Ny sykepleier i sone nord",
        },
        "/access/orders/new",
    )
    assert answer.status_code == 302, answer.get_data(as_text=True)[:2000]
    with app.app_context():
        order = db.session.scalars(select(AccessOrder)).one()
        task = order.tasks[0]
        ticket = db.session.get(Ticket, task.ticket_id)
        assert (ticket.kind, ticket.system_id) == ("access", desk.system)
        assert ticket.assignee_id == desk.it.id  # Ida grants access in the system
        assert "Person Nina" in ticket.title
        order_id, task_id, version = order.id, task.id, task.version
    page = client.get(f"/access/orders/{order_id}").get_data(as_text=True)
    assert "Åpen" in page
    assert "Kontoen er laget" not in page  # the manager cannot do it

    client = app.test_client()
    login(client, desk.it)
    page = client.get("/access/orders").get_data(as_text=True)
    assert 'data-testid="open-task-count">1<' in page
    refused = _post(
        client,
        f"/access/tasks/{task_id}/done",
        {"account_name": "", "version": str(version)},
        f"/access/orders/{order_id}",
    )
    assert refused.status_code == 422
    assert "Skriv kontonavnet personen fikk." in refused.get_data(as_text=True)
    done = _post(
        client,
        f"/access/tasks/{task_id}/done",
        {"account_name": "nina.s", "version": str(version)},
        f"/access/orders/{order_id}",
    )
    assert done.status_code == 302
    with app.app_context():
        task = db.session.get(AccessTask, task_id)
        grant = db.session.get(AccessGrant, task.made_grant_id)
        assert (grant.user_id, grant.account_name) == (desk.nurse.id, "nina.s")
        assert (grant.ordered_by_id, grant.granted_by_id) == (desk.manager.id, desk.it.id)
        assert grant.reason == "Ny sykepleier i sone nord"
        assert db.session.get(Ticket, task.ticket_id).status == "resolved"
        assert db.session.get(AccessOrder, order_id).closed_at is not None
    message = inbox.to("leder@example.no")
    text, html = parts(message)
    assert message["Subject"] == "vftops: Person Nina har tilgang til Responssenterløsning"
    assert "Kontonavn: nina.s" in text
    assert f"https://vftops.kommune.example/access/orders/{order_id}" in text
    assert "nina.s" in html


def test_a_leaver_order_lists_every_grant_and_each_is_confirmed(app, client, desk, inbox):
    """The leaver form shows the access that will end before it is ordered; each system's
    task ends its grant on the last day; the order closes with the last of them."""
    from tests.access.test_register import _grant

    first = _grant(app, desk)
    second = _grant(app, desk, role=desk.admin, account_name="nina.admin")
    last_day = local_today() + timedelta(days=14)
    login(client, desk.manager)
    data = {
        "unit_id": str(desk.nord.id),
        "holder_kind": "user",
        "user_id": str(desk.nurse.id),
        "ends_on": last_day.isoformat(),
        "reason": "Sluttet etter eget ønske",
    }
    shown = _post(client, "/access/orders/leaver", data, "/access/orders/leaver")
    page = shown.get_data(as_text=True)
    assert shown.status_code == 200
    assert page.count("Responssenterløsning</strong>") == 2
    assert "nina.admin" in page
    with app.app_context():
        assert db.session.scalar(select(func.count(AccessOrder.id))) == 0  # not yet
    ordered = _post(
        client, "/access/orders/leaver", {**data, "confirm": "1"}, "/access/orders/leaver"
    )
    assert ordered.status_code == 302
    with app.app_context():
        order = db.session.scalars(select(AccessOrder)).one()
        assert sorted(t.grant_id for t in order.tasks) == sorted([first, second])
        assert len({t.ticket_id for t in order.tasks}) == 2
        tickets = [db.session.get(Ticket, t.ticket_id) for t in order.tasks]
        assert {t.urgency for t in tickets} == {"high"}
        it = db.session.get(User, desk.it.id)
        ops.complete_task(it, order.tasks[0])
        db.session.commit()
        assert db.session.get(AccessOrder, order.id).closed_at is None
        ops.complete_task(it, order.tasks[1])
        db.session.commit()
        grants = [db.session.get(AccessGrant, g) for g in (first, second)]
        assert [g.ends_on for g in grants] == [last_day, last_day]
        assert db.session.get(AccessOrder, order.id).closed_at is not None
        # Ordered again: nothing left to end.
        with pytest.raises(ValidationError) as again:
            ops.order_leaver(
                db.session.get(User, desk.manager.id),
                unit=db.session.get(Unit, desk.nord.id),
                holder=ops.Holder.of_user(db.session.get(User, desk.nurse.id)),
                last_day=last_day,
                reason="Igjen",
            )
        assert str(again.value.message) == "Personen har ingen tilganger i registeret å avslutte."
    # The orderer hears of each task; Ida, who grants access, got each ticket.
    told = [
        m
        for e, m in zip(inbox.envelopes, inbox.messages, strict=True)
        if "leder@example.no" in e.rcpt_tos
    ]
    assert len(told) == 2
    assert all("er avsluttet" in m["Subject"] for m in told)


def test_two_administrators_marking_the_same_task_one_wins(app, desk, factories):
    """Ida and a colleague open the same order and both mark the task done: one grant is
    written, and the second is told who did it."""
    order_id, task_id = _order(app, desk)
    colleague = factories.user("it", municipalities=[desk.stjordal], username="ivar")
    clients = []
    for person in (desk.it, colleague):
        client = app.test_client()
        login(client, person)
        clients.append(client)
    page = f"/access/orders/{order_id}"

    def prepare(_i, client):
        html = client.get(page).get_data(as_text=True)
        version = re.search(rf'id="version-{task_id}"[^>]*value="(\d+)"', html).group(1)
        return _token(html), version

    def act(i, client, seen):
        token, version = seen
        return client.post(
            f"/access/tasks/{task_id}/done",
            data={
                "csrf_token": token,
                "account_name": f"nina.{i}",
                "version": version,
            },
        )

    answers = race_requests(clients, act, prepare=prepare)
    assert sorted(a.status_code for a in answers) == [302, 409]
    loser = next(a for a in answers if a.status_code == 409).get_data(as_text=True)
    assert "markerte denne oppgaven som utført" in loser
    with app.app_context():
        assert db.session.scalar(select(func.count(AccessGrant.id))) == 1


def test_a_refused_task_tells_the_orderer_why(app, desk, inbox):
    order_id, task_id = _order(app, desk)
    with app.app_context():
        task = db.session.get(AccessTask, task_id)
        with pytest.raises(ValidationError) as missing:
            ops.refuse_task(db.session.get(User, desk.it.id), task, reason=" ")
        assert "reason" in missing.value.fields
        ops.refuse_task(
            db.session.get(User, desk.it.id), task, reason="Rollen er for ledere: velg Operatør"
        )
        db.session.commit()
        assert db.session.get(Ticket, task.ticket_id).status == "resolved"
        assert db.session.get(AccessOrder, order_id).closed_at is not None
        assert db.session.scalar(select(func.count(AccessGrant.id))) == 0
    text, _html = parts(inbox.to("leder@example.no"))
    assert "Rollen er for ledere: velg Operatør" in text


def test_orders_that_cannot_be_made(app, client, desk, factories):
    """The same access twice, a person outside the manager's units (404), a unit not
    theirs (404), vftops itself."""
    _order(app, desk)
    with app.app_context():
        manager = db.session.get(User, desk.manager.id)
        with pytest.raises(ConflictError, match="er bestilt allerede"):
            ops.order_access(
                manager,
                unit=db.session.get(Unit, desk.nord.id),
                holder=ops.Holder.of_user(db.session.get(User, desk.nurse.id)),
                system=db.session.get(ItSystem, desk.system),
                role=db.session.get(SystemRole, desk.operator),
                starts_on=local_today(),
                reason="Igjen",
            )
    sor = factories.unit(desk.stjordal, "Hjemmetjenesten Sør")
    stranger = factories.user("technician", municipalities=[desk.stjordal], units=[sor])
    login(client, desk.manager)
    base = {
        "unit_id": str(desk.nord.id),
        "holder_kind": "user",
        "user_id": str(stranger.id),
        "role_id": str(desk.admin),
        "starts_on": local_today().isoformat(),
        "reason": "Trenger det",
    }
    # A person of another unit is not offered, and posted anyway is not found.
    assert f'value="{stranger.id}"' not in client.get("/access/orders/new").get_data(as_text=True)
    with app.app_context():
        with pytest.raises(NotFoundError) as outside:
            ops.order_access(
                db.session.get(User, desk.manager.id),
                unit=db.session.get(Unit, desk.nord.id),
                holder=ops.Holder.of_user(db.session.get(User, stranger.id)),
                system=db.session.get(ItSystem, desk.system),
                role=db.session.get(SystemRole, desk.admin),
                starts_on=local_today(),
                reason="Trenger det",
            )
        assert outside.value.status == 404
        with pytest.raises(NotFoundError) as other_unit:
            ops.order_access(
                db.session.get(User, desk.manager.id),
                unit=db.session.get(Unit, sor.id),
                holder=ops.Holder.of_user(db.session.get(User, stranger.id)),
                system=db.session.get(ItSystem, desk.system),
                role=db.session.get(SystemRole, desk.admin),
                starts_on=local_today(),
                reason="Trenger det",
            )
        assert other_unit.value.status == 404
        assert db.session.scalar(select(func.count(AccessOrder.id))) == 1
    answer = _post(client, "/access/orders/new", base, "/access/orders/new")
    assert answer.status_code == 404  # a person the manager cannot see
    with app.app_context():
        assert db.session.scalar(select(func.count(AccessOrder.id))) == 1


def test_a_manager_sees_the_orders_of_their_units_only(app, client, desk, factories):
    _order(app, desk)
    other_manager = factories.user("manager", municipalities=[desk.stjordal])
    login(client, other_manager)
    assert "Person Nina" not in client.get("/access/orders").get_data(as_text=True)
    with app.app_context():
        order_id = db.session.scalar(select(AccessOrder.id))
    assert client.get(f"/access/orders/{order_id}").status_code == 404
    client = app.test_client()
    login(client, desk.manager)
    assert "Person Nina" in client.get("/access/orders").get_data(as_text=True)


def test_the_order_pages_take_a_fixed_number_of_statements(app, client, desk):
    """The list (orders and open tasks) and an order's page: as many statements for many
    rows as for few."""
    from tests.access.test_register import _grant

    _order(app, desk)
    login(client, desk.it)

    def measure() -> dict[str, int]:
        with app.app_context():
            last = db.session.scalar(select(func.max(AccessOrder.id)))
        counts = {}
        for url in ("/access/orders", f"/access/orders/{last}"):
            with count_statements(app) as statements:
                assert client.get(url).status_code == 200
            counts[(url.rsplit("/", 1)[-1].isdigit() and "detail") or "list"] = len(statements)
        return counts

    few = measure()
    for _ in range(4):
        _order_more(app, desk)
    _grant(app, desk, role=desk.admin, account_name="nina.admin")
    _grant(app, desk, account_name="nina.s")
    with app.app_context():
        ops.order_leaver(
            db.session.get(User, desk.manager.id),
            unit=db.session.get(Unit, desk.nord.id),
            holder=ops.Holder.of_user(db.session.get(User, desk.nurse.id)),
            last_day=local_today(),
            reason="Slutter",
        )
        db.session.commit()
    assert measure() == few


def _order_more(app, desk):
    from types import SimpleNamespace

    with app.app_context():
        n = db.session.scalar(select(func.count(AccessOrder.id)))
        person = ops.Holder.person(f"Vikar {n}", "Vikarbyrået AS")
        order = ops.order_access(
            db.session.get(User, desk.manager.id),
            unit=db.session.get(Unit, desk.nord.id),
            holder=person,
            system=db.session.get(ItSystem, desk.system),
            role=db.session.get(SystemRole, desk.operator),
            starts_on=local_today(),
            reason="Vikar",
        )
        db.session.commit()
        return SimpleNamespace(id=order.id)


def test_an_order_of_a_shared_system_goes_to_the_municipality_that_runs_it(app, desk, factories):
    """Meråker's manager orders access to the response-centre system that Stjørdal runs:
    the ticket is Stjørdal's, where those who grant access work."""
    unit = factories.unit(desk.meraker, "Meråker sykehjem")
    manager = factories.user("manager", municipalities=[desk.meraker], units=[unit])
    nurse = factories.user("technician", municipalities=[desk.meraker], units=[unit])
    with app.app_context():
        order = ops.order_access(
            db.session.get(User, manager.id),
            unit=db.session.get(Unit, unit.id),
            holder=ops.Holder.of_user(db.session.get(User, nurse.id)),
            system=db.session.get(ItSystem, desk.system),
            role=db.session.get(SystemRole, desk.operator),
            starts_on=local_today(),
            reason="Nattevakt",
        )
        db.session.commit()
        ticket = db.session.get(Ticket, order.tasks[0].ticket_id)
        assert ticket.municipality_id == desk.stjordal.id
        assert order.municipality_id == desk.meraker.id
        ops.complete_task(db.session.get(User, desk.it.id), order.tasks[0], account_name="m.n")
        db.session.commit()
        grant = db.session.get(AccessGrant, order.tasks[0].made_grant_id)
        assert grant.municipality_id == desk.meraker.id
        assert db.session.get(Municipality, grant.municipality_id).name == "Meråker"


def test_a_leaver_of_another_unit_is_neither_shown_nor_ordered(app, client, desk, factories):
    """The preview makes the order's checks: a person of another unit answers 404 and
    nothing of their access is shown; someone named without a login is the manager's only
    by their access in the manager's units."""
    from tests.access.test_register import _grant

    sor = factories.unit(desk.stjordal, "Hjemmetjenesten Sør")
    other = factories.user("technician", municipalities=[desk.stjordal], units=[sor])
    with app.app_context():
        ops.grant_access(
            db.session.get(User, desk.it.id),
            db.session.get(ItSystem, desk.system),
            db.session.get(SystemRole, desk.operator),
            ops.Holder.of_user(db.session.get(User, other.id)),
            municipality=db.session.get(Municipality, desk.stjordal.id),
            unit=db.session.get(Unit, sor.id),
            account_name="sor.konto",
            reason="Sør",
        )
        ops.grant_access(
            db.session.get(User, desk.it.id),
            db.session.get(ItSystem, desk.system),
            db.session.get(SystemRole, desk.operator),
            ops.Holder.person("Vera Vikar", "Byrå AS"),
            municipality=db.session.get(Municipality, desk.stjordal.id),
            unit=db.session.get(Unit, sor.id),
            account_name="vera.sor",
            reason="Vikar i Sør",
        )
        db.session.commit()
    _grant(app, desk)
    login(client, desk.manager)
    base = {
        "unit_id": str(desk.nord.id),
        "ends_on": local_today().isoformat(),
        "reason": "Slutter",
    }
    shown = _post(
        client,
        "/access/orders/leaver",
        {**base, "holder_kind": "user", "user_id": str(other.id)},
        "/access/orders/leaver",
    )
    assert shown.status_code == 404
    assert "sor.konto" not in shown.get_data(as_text=True)
    named = _post(
        client,
        "/access/orders/leaver",
        {**base, "holder_kind": "person", "person_name": "Vera Vikar", "person_detail": "Byrå AS"},
        "/access/orders/leaver",
    )
    assert "vera.sor" not in named.get_data(as_text=True)
    assert named.status_code == 422  # nothing of hers in Nord to end


def test_access_that_ran_out_is_ordered_again_and_a_planned_end_brought_forward(app, desk):
    from tests.access.test_register import _grant

    today = local_today()
    ran_out = _grant(
        app, desk, starts_on=today - timedelta(days=30), ends_on=today - timedelta(days=5)
    )
    _order(app, desk)  # the same role again: allowed, the old access has ended
    planned = _grant(
        app,
        desk,
        role=desk.admin,
        starts_on=today - timedelta(days=3),
        ends_on=today + timedelta(days=30),
        account_name="nina.adm",
    )
    with app.app_context():
        order = ops.order_leaver(
            db.session.get(User, desk.manager.id),
            unit=db.session.get(Unit, desk.nord.id),
            holder=ops.Holder.of_user(db.session.get(User, desk.nurse.id)),
            last_day=today + timedelta(days=10),
            reason="Slutter",
        )
        db.session.commit()
        assert [t.grant_id for t in order.tasks] == [planned]  # not the one that ran out
        ops.complete_task(db.session.get(User, desk.it.id), order.tasks[0])
        db.session.commit()
        assert db.session.get(AccessGrant, planned).ends_on == today + timedelta(days=10)
        assert db.session.get(AccessGrant, ran_out).ends_on == today - timedelta(days=5)


def test_the_municipality_that_runs_the_system_opens_the_order_of_its_task(app, desk, factories):
    """Meråker's manager orders access to Stjørdal's system: IT of Stjørdal only sees the
    task, opens the order and marks it done."""
    unit = factories.unit(desk.meraker, "Meråker sykehjem")
    manager = factories.user("manager", municipalities=[desk.meraker], units=[unit])
    nurse = factories.user("technician", municipalities=[desk.meraker], units=[unit])
    only_here = factories.user("it", municipalities=[desk.stjordal], username="stein")
    with app.app_context():
        order = ops.order_access(
            db.session.get(User, manager.id),
            unit=db.session.get(Unit, unit.id),
            holder=ops.Holder.of_user(db.session.get(User, nurse.id)),
            system=db.session.get(ItSystem, desk.system),
            role=db.session.get(SystemRole, desk.operator),
            starts_on=local_today(),
            reason="Nattevakt",
        )
        db.session.commit()
        order_id, task_id = order.id, order.tasks[0].id
    client = app.test_client()
    login(client, only_here)
    page = client.get(f"/access/orders/{order_id}")
    assert page.status_code == 200
    done = _post(
        client,
        f"/access/tasks/{task_id}/done",
        {
            "account_name": "m.nurse",
            "version": re.search(
                rf'id="version-{task_id}"[^>]*value="(\d+)"', page.get_data(as_text=True)
            ).group(1),
        },
        f"/access/orders/{order_id}",
    )
    assert done.status_code == 302
