"""Reconciliation: a system's account list against the register, a dry run and then
applied; bad files refused whole with their rows named. On SQLite and PostgreSQL."""

from __future__ import annotations

import io
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from tests.access.test_orders import _post
from tests.access.test_register import _grant
from tests.conftest import login
from vftops.access import operations as ops
from vftops.access.models import AccessGrant, AccessTask, AccountList, AccountMapping
from vftops.auth.models import User
from vftops.core.errors import ValidationError
from vftops.core.models import local_today
from vftops.extensions import db
from vftops.org.models import Municipality
from vftops.support.models import Ticket
from vftops.systems.models import ItSystem

HEADER = "Brukernavn;Navn;Rolle;Sist innlogget\r\n"


@pytest.fixture
def accounts(app, reg, factories):
    """Nina's operator access (account nina.s); her administrator access, ended by a task
    marked done; a leaver whose login is closed but whose access (ole.s) is open; a temp
    (tina.v) whose account is gone from the system."""
    from vftops.support import operations as support_ops

    with app.app_context():
        support_ops.create_team(
            None, reg.stjordal.id, name="Servicedesk", kind="servicedesk", is_default=True
        )
        db.session.commit()
    yesterday = local_today() - timedelta(days=1)
    operator = _grant(app, reg, starts_on=yesterday)
    admin = _grant(app, reg, role=reg.admin, starts_on=yesterday, account_name="nina.adm")
    leaver = factories.user("technician", municipalities=[reg.stjordal], username="ole")
    ole = _grant(app, reg, user=leaver, starts_on=yesterday, account_name="ole.s")
    temp = _grant(app, reg, user=reg.manager, starts_on=yesterday, account_name="tina.v")
    with app.app_context():
        it = db.session.get(User, reg.it.id)
        db.session.get(User, leaver.id).is_active_user = False  # left; access elsewhere open
        task = AccessTask(
            municipality_id=reg.stjordal.id,
            system_id=reg.system,
            action="end",
            grant_id=admin,
        )
        task.system = db.session.get(ItSystem, reg.system)
        task.ticket = support_ops.create_ticket(
            None,
            reg.stjordal.id,
            title="Avslutt nina.adm",
            kind="access",
            channel="web",
            reporter_kind="employee",
            system=task.system,
        )
        db.session.add(task)
        db.session.flush()
        ops.complete_task(it, task)
        db.session.commit()
        task_id = task.id
    reg.operator_grant, reg.admin_grant, reg.ole, reg.temp, reg.task = (
        operator,
        admin,
        ole,
        temp,
        task_id,
    )
    return reg


def _upload(client, system_id, text: str, **mapping):
    page = f"/access/systems/{system_id}/accounts"
    data = {
        name: mapping.get(name, "") for name in ("account", "display_name", "role", "last_login")
    }
    data["file"] = (io.BytesIO(text.encode("utf-8")), "kontoer.csv")
    from tests.access.test_orders import _token

    token = _token(client.get(page).get_data(as_text=True))
    return client.post(page, data={**data, "csrf_token": token}, content_type="multipart/form-data")


LIST = (
    HEADER
    + "nina.s;Nina Sykepleier;Operatør;01.12.2026 08:15\r\n"
    + "NINA.ADM;Nina Sykepleier;Administrator;20.11.2026\r\n"
    + "ole.s;Ole Sluttet;Operatør;\r\n"
    + "ukjent.bruker;Ukjent Person;Administrator;02.12.2026 10:00\r\n"
)


def test_a_dry_run_then_applied_list(app, accounts):
    c = accounts
    client = app.test_client()
    login(client, c.it)
    answer = _upload(client, c.system, LIST)
    assert answer.status_code == 302, answer.get_data(as_text=True)[:500]
    page = client.get(answer.headers["Location"]).get_data(as_text=True)
    assert "Tørrkjøring" in page
    assert "ukjent.bruker" in page
    with app.app_context():
        listing = db.session.scalars(select(AccountList)).one()
        s = listing.summary
        assert (s["rows"], s["matched"], s["unknown"], s["gone"]) == (4, 2, 2, 1)
        # nina.adm is in the list but its access was ended: unknown, and not removed.
        assert (s["leavers"], s["not_removed"], s["verified"]) == (1, 1, 0)
        assert db.session.get(AccessGrant, c.operator_grant).last_login_at is None  # dry run
        # The mapping, found from the header, is kept for the system.
        kept = db.session.get(AccountMapping, c.system)
        assert (kept.account, kept.last_login) == ("Brukernavn", "Sist innlogget")
        list_id, version = listing.id, listing.version
    applied = _post(
        client,
        f"/access/account-lists/{list_id}/apply",
        {"version": str(version)},
        f"/access/account-lists/{list_id}",
    )
    assert applied.status_code == 302
    with app.app_context():
        grant = db.session.get(AccessGrant, c.operator_grant)
        assert grant.last_login_at.strftime("%H:%M") in ("07:15", "08:15")  # stored in UTC
        assert grant.account_seen_at is not None
        gone = db.session.get(AccessGrant, c.temp)
        assert gone.ended_at is not None
        assert "finnes ikke i kontolisten" in gone.end_reason
        task = db.session.get(AccessTask, c.task)
        assert task.status == "open"
        assert task.not_removed_at is not None
        assert db.session.get(Ticket, task.ticket_id).status == "in_progress"
        assert db.session.get(AccountList, list_id).content is None  # not kept
    again = _post(
        client,
        f"/access/account-lists/{list_id}/apply",
        {"version": str(version + 1)},
        f"/access/account-lists/{list_id}",
    )
    assert "brukt allerede" in client.get(again.headers["Location"]).get_data(as_text=True)
    # The unknown account's removal is ordered from the list.
    removed = _post(
        client,
        f"/access/systems/{c.system}/accounts/remove",
        {"account": "ukjent.bruker", "list_id": str(list_id)},
        f"/access/account-lists/{list_id}",
    )
    assert removed.status_code == 302
    with app.app_context():
        task = db.session.scalars(select(AccessTask).where(AccessTask.action == "remove")).one()
        assert task.account_name == "ukjent.bruker"
        assert db.session.get(Ticket, task.ticket_id).kind == "access"


def test_the_next_list_verifies_a_removal_that_was_done(app, accounts):
    c = accounts
    without_admin = LIST.replace("NINA.ADM;Nina Sykepleier;Administrator;20.11.2026\r\n", "")
    with app.app_context():
        it = db.session.get(User, c.it.id)
        system = db.session.get(ItSystem, c.system)
        mapping = ops.guess_mapping(["Brukernavn", "Navn", "Rolle", "Sist innlogget"])
        listing = ops.read_account_list(it, system, "k.csv", without_admin.encode(), mapping)
        ops.apply_account_list(it, listing)
        db.session.commit()
        task = db.session.get(AccessTask, c.task)
        assert (task.status, task.verified_at is not None) == ("done", True)


@pytest.mark.parametrize(
    ("text", "field", "message"),
    [
        (HEADER, "file", "har en overskriftsrad, men ingen kontoer"),
        ("Navn;Rolle\r\nNina;Operatør\r\n", "account", "ingen kolonne «Brukernavn»"),
        (
            HEADER + "nina.s;Nina;Operatør;\r\n;Uten konto;Operatør;\r\nNina.S;Nina;Operatør;\r\n",
            "file",
            "Rad 3: mangler kontonavn",
        ),
        (HEADER + "nina.s;Nina;Operatør;i går\r\n", "file", "Rad 2, Sist innlogget"),
    ],
)
def test_a_bad_file_is_refused_whole_with_its_rows_named(app, accounts, text, field, message):
    c = accounts
    client = app.test_client()
    login(client, c.it)
    mapping = {"account": "Brukernavn", "last_login": "Sist innlogget"}
    answer = _upload(client, c.system, text, **mapping)
    assert answer.status_code == 422
    page = answer.get_data(as_text=True)
    assert message in page, page[page.find("invalid-feedback") - 200 :][:800]
    assert 'value="Brukernavn"' in page  # the mapping typed is kept
    with app.app_context():
        assert db.session.scalar(select(func.count(AccountList.id))) == 0


def test_duplicate_accounts_are_named_by_their_rows(app, accounts):
    c = accounts
    with app.app_context():
        with pytest.raises(ValidationError) as refused:
            ops.read_account_list(
                db.session.get(User, c.it.id),
                db.session.get(ItSystem, c.system),
                "k.csv",
                (HEADER + "nina.s;A;Operatør;\r\nNINA.S;B;Operatør;\r\n").encode(),
                {"account": "Brukernavn"},
            )
        assert "Rad 3: kontoen NINA.S står allerede i rad 2." in str(refused.value.fields["file"])


def test_the_api_reconciles_and_the_review_points_out_what_the_list_lacked(
    app, accounts, factories
):
    """A dry run through the API changes nothing; applied, it ends the gone access; bad
    rows answer 422 naming them. A review started after it warns about access whose
    account the list did not have."""
    from vftops.access.models import AccessReview, AccessReviewItem

    c = accounts
    api = factories.api(c.it)
    path = f"/api/v1/systems/{c.system}/account-lists"
    bad = api.post(path, json={"accounts": [{"account": "a"}, {"account": "A"}]})
    assert bad.status_code == 422
    assert "Rad 3" in str(bad.get_json()["error"]["fields"]["file"])
    dry = api.post(
        path, json={"accounts": [{"account": "nina.s", "last_login": "2026-12-01 08:15"}]}
    )
    assert dry.status_code == 201, dry.get_json()
    body = dry.get_json()
    assert (body["summary"]["matched"], body["applied_at"]) == (1, None)
    applied = api.post(
        f"/api/v1/account-lists/{body['id']}/apply", json={"version": body["version"]}
    )
    assert applied.status_code == 200
    assert applied.get_json()["summary"]["gone"] == 2  # ole.s and tina.v
    later = _grant(app, c, user=c.it, account_name="ida.ny")  # not in that list
    with app.app_context():
        assert db.session.get(AccessGrant, c.ole).ended_at is not None
        # A grant given after the list, without an account: the review warns.
        review = ops.create_review(
            db.session.get(User, c.it.id),
            db.session.get(Municipality, c.stjordal.id),
            name="Etter kontolisten",
            system_ids=[c.system],
            due_on=local_today() + timedelta(days=7),
            fallback_reviewer_id=c.it.id,
        )
        ops.start_review(db.session.get(User, c.it.id), review)
        db.session.commit()
        warned = {
            i.grant_id: i.warnings
            for i in db.session.scalars(
                select(AccessReviewItem).where(AccessReviewItem.review_id == review.id)
            )
        }
        assert "not_in_list" not in warned[c.operator_grant]  # seen in the list
        assert "not_in_list" in warned[later]
        assert db.session.get(AccessReview, review.id).status == "running"
