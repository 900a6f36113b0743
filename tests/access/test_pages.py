"""The access pages as IT uses them: register a system and its roles, give access, see who
had access on a day, end it; bad input keeps what was typed; lists read in a fixed
number of statements."""

from __future__ import annotations

import html
import re
from datetime import timedelta

from sqlalchemy import func, select

from tests.conftest import count_statements, csrf_from, login
from vftops.access import operations as ops
from vftops.access.models import AccessGrant
from vftops.auth.models import User
from vftops.core.models import local_today
from vftops.extensions import db
from vftops.org.models import Municipality, Unit
from vftops.systems.models import ItSystem, SystemRole


def text(response) -> str:
    return html.unescape(response.get_data(as_text=True))


def visible(response) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", text(response)).split())


def post(client, url, data, form_page=None):
    page = client.get(form_page or url)
    return client.post(url, data={**data, "csrf_token": csrf_from(page.get_data(as_text=True))})


def test_it_registers_a_system_with_a_role_and_gives_access(app, client, reg):
    login(client, reg.it)
    answer = post(
        client,
        "/access/systems/new",
        {
            "name": "Digitalt tilsyn",
            "kind": "hub",
            "municipality_id": reg.stjordal.id,
            "shared_with_ids": [reg.meraker.id],
            "admin_kind": "user",
            "admin_user_id": reg.it.id,
            "account_source": "local",
            "holds_health_data": "y",
            "review_interval_months": "12",
            "status": "active",
        },
    )
    assert answer.status_code == 302, visible(answer)[:500]
    page = client.get(answer.headers["Location"])
    facts = visible(page)
    assert "Digitalt tilsyn" in facts
    assert "Brukes av Stjørdal, Meråker" in facts
    assert "Gir tilgang En person: Person Ida" in facts
    assert "Hver 12. måned" in facts
    system_id = int(answer.headers["Location"].rsplit("/", 1)[1])

    answer = post(
        client,
        f"/access/systems/{system_id}/roles/new",
        {
            "name": "Nattevakt",
            "description": "Ser kamera om natten",
            "job_functions": ["home_care_nurse"],
        },
    )
    assert answer.status_code == 302
    with app.app_context():
        role_id = db.session.scalar(select(SystemRole.id).where(SystemRole.name == "Nattevakt"))

    answer = post(
        client,
        f"/access/systems/{system_id}/grants/new",
        {
            "role_id": role_id,
            "holder_kind": "person",
            "person_name": "Vera Vikar",
            "person_detail": "Bemanning AS",
            "municipality_id": reg.meraker.id,
            "unit_id": "",
            "account_name": "vera.v",
            "reason": "Nattevakt i julen",
        },
    )
    assert answer.status_code == 302, visible(answer)[:800]
    grant_page = visible(client.get(answer.headers["Location"]))
    assert "Vera Vikar: Nattevakt i Digitalt tilsyn" in grant_page
    assert "Meråker" in grant_page
    assert "Nattevakt i julen" in grant_page

    register = visible(client.get("/access/grants?q=vikar"))
    assert "1 tilgang" in register
    assert "Vera Vikar Digitalt tilsyn Nattevakt" in register


def test_a_form_with_errors_keeps_what_was_typed(app, client, reg):
    login(client, reg.it)
    answer = post(
        client,
        "/access/systems/new",
        {
            "name": "",
            "kind": "hub",
            "municipality_id": reg.stjordal.id,
            "admin_kind": "team",
            "admin_team_id": "",
            "account_source": "local",
            "review_interval_months": "99",
            "status": "active",
            "note": "Skal erstatte det gamle systemet",
        },
    )
    assert answer.status_code == 422
    page = text(answer)
    assert "Skriv inn systemets navn." in page
    assert "Skal erstatte det gamle systemet" in page  # kept
    with app.app_context():
        assert db.session.scalar(select(func.count(ItSystem.id))) == 2  # the fixture's two

    # The form passes; the operation refuses the interval and the missing team, beside them.
    answer = post(
        client,
        "/access/systems/new",
        {
            "name": "Nytt system",
            "kind": "hub",
            "municipality_id": reg.stjordal.id,
            "admin_kind": "team",
            "admin_team_id": "",
            "account_source": "local",
            "review_interval_months": "99",
            "status": "active",
        },
    )
    assert answer.status_code == 422
    page = text(answer)
    assert "Velg teamet som gir tilgang." in page
    assert 'value="Nytt system"' in page


def test_who_had_access_on_a_day_and_ending_it(app, client, reg):
    today = local_today()
    with app.app_context():
        grant = ops.grant_access(
            db.session.get(User, reg.it.id),
            db.session.get(ItSystem, reg.system),
            db.session.get(SystemRole, reg.operator),
            ops.Holder.person("Ola Operatør", "Værnes respons"),
            municipality=db.session.get(Municipality, reg.stjordal.id),
            unit=db.session.get(Unit, reg.nord.id),
            starts_on=today - timedelta(days=20),
            reason="Operatør",
        )
        db.session.commit()
        grant_id = grant.id
    login(client, reg.it)
    before = visible(client.get(f"/access/systems/{reg.system}?at={today - timedelta(days=30)}"))
    assert "Ingen hadde tilgang den dagen." in before
    now = visible(client.get(f"/access/systems/{reg.system}"))
    assert "Hvem har tilgang nå" in now
    assert "Ola Operatør Operatør Hjemmetjenesten Nord" in now

    page = client.get(f"/access/grants/{grant_id}")
    answer = client.post(
        f"/access/grants/{grant_id}/end",
        data={
            "csrf_token": csrf_from(page.get_data(as_text=True)),
            "end_reason": "",
            "version": "1",
        },
    )
    assert answer.status_code == 422
    assert "Skriv hvorfor tilgangen avsluttes." in text(answer)

    answer = client.post(
        f"/access/grants/{grant_id}/end",
        data={
            "csrf_token": csrf_from(page.get_data(as_text=True)),
            "end_reason": "Sluttet",
            "version": "1",
        },
    )
    assert answer.status_code == 302
    ended = visible(client.get(f"/access/grants/{grant_id}"))
    assert f"Til (siste dag) {today:%d.%m.%Y}" in ended
    assert "Sluttet" in ended
    # The same stale form again: the access was ended already, and the page says so.
    again = client.post(
        f"/access/grants/{grant_id}/end",
        data={
            "csrf_token": csrf_from(page.get_data(as_text=True)),
            "end_reason": "Igjen",
            "version": "1",
        },
    )
    assert again.status_code == 409
    assert f"Denne tilgangen er allerede avsluttet (siste dag {today:%d.%m.%Y})." in text(again)
    tomorrow = visible(client.get(f"/access/grants?at={today + timedelta(days=1)}"))
    assert "Ola Operatør" not in tomorrow
    history = visible(client.get(f"/access/grants?at={today}"))
    assert "Ola Operatør" in history


def test_lists_read_in_a_fixed_number_of_statements(app, client, reg):
    """The register, a system's page and a grant's page: the same statements for 3 grants
    as for 30."""

    def add(start, count):
        with app.app_context():
            ida = db.session.get(User, reg.it.id)
            for n in range(start, start + count):
                ops.grant_access(
                    ida,
                    db.session.get(ItSystem, reg.system),
                    db.session.get(SystemRole, reg.operator if n % 2 else reg.admin),
                    ops.Holder.person(f"Ansatt {n}", "Stjørdal kommune"),
                    municipality=db.session.get(Municipality, reg.stjordal.id),
                    unit=db.session.get(Unit, reg.nord.id),
                    reason="Ansatt",
                )
            db.session.commit()
            return db.session.scalar(select(func.min(AccessGrant.id)))

    def measure(first):
        counts = {}
        for url in (
            "/access",
            "/access/grants",
            f"/access/systems/{reg.system}",
            f"/access/grants/{first}",
        ):
            with count_statements(app) as statements:
                assert client.get(url).status_code == 200
            counts[url] = len(statements)
        return counts

    login(client, reg.it)
    first = add(0, 3)
    few = measure(first)
    add(3, 27)
    assert measure(first) == few


def test_a_system_with_many_holders_is_paged_and_keeps_the_day(app, client, reg):
    day = local_today() - timedelta(days=1)
    with app.app_context():
        for n in range(55):
            ops.grant_access(
                None,
                db.session.get(ItSystem, reg.system),
                db.session.get(SystemRole, reg.operator),
                ops.Holder.person(f"Ansatt {n:02d}", "Stjørdal kommune"),
                municipality=db.session.get(Municipality, reg.stjordal.id),
                starts_on=day - timedelta(days=n),
                reason="Ansatt",
            )
        db.session.commit()
    login(client, reg.it)
    first = text(client.get(f"/access/systems/{reg.system}?at={day.isoformat()}"))
    assert "55 tilganger" in first
    link = re.search(r'href="([^"]*page=2[^"]*)"', first)
    assert link, "a link to the second page"
    assert link.group(1).startswith(f"/access/systems/{reg.system}?")
    assert f"at={day.isoformat()}" in link.group(1)
    second = visible(client.get(html.unescape(link.group(1))))
    assert second.count("Ansatt ") == 5


def test_an_editor_keeps_the_shares_they_do_not_work_in(app, client, reg, factories):
    """Stjørdal's IT person who does not work in Meråker changes the system Stjørdal shares
    with Meråker: Meråker still uses it afterwards."""
    local_it = factories.user("it", municipalities=[reg.stjordal], username="stine")
    login(client, local_it)
    page = client.get(f"/access/systems/{reg.system}/edit")
    assert "Meråker" not in visible(page).split("Brukes også av")[1][:60]
    answer = client.post(
        f"/access/systems/{reg.system}/edit",
        data={
            "csrf_token": csrf_from(page.get_data(as_text=True)),
            "name": "Responssenterløsning",
            "kind": "response_centre",
            "admin_kind": "user",
            "admin_user_id": reg.it.id,
            "account_source": "local",
            "review_interval_months": "3",
            "status": "active",
            "version": "1",
        },
    )
    assert answer.status_code == 302, visible(answer)[:600]
    with app.app_context():
        system = db.session.get(ItSystem, reg.system)
        assert system.review_interval_months == 3
        assert [m.name for m in system.shared_with] == ["Meråker"]


def test_a_system_s_forms_open_only_for_the_municipality_that_runs_it(app, client, reg):
    """Mats works in Meråker, which uses Stjørdal's system: he sees it and who has access,
    but its forms are not his to open, and the page offers no button to them."""
    login(client, reg.outsider)
    page = client.get(f"/access/systems/{reg.system}")
    assert page.status_code == 200
    assert f"/access/systems/{reg.system}/edit" not in text(page)
    for url in (
        f"/access/systems/{reg.system}/edit",
        f"/access/systems/{reg.system}/roles/new",
        f"/access/roles/{reg.operator}/edit",
    ):
        assert client.get(url).status_code == 403, url
    # Giving access to Meråker's own people stays open to him.
    assert client.get(f"/access/systems/{reg.system}/grants/new").status_code == 200
