"""Access reviews: the snapshot and who reviews what, decisions and their rules, sending a
unit (removal tasks), closing with what nobody answered, escalation; the refusals and
races people meet. On SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import timedelta
from types import SimpleNamespace

import pytest
from sqlalchemy import func, select

from tests.access.test_register import _grant
from vftops.access import operations as ops
from vftops.access.models import (
    AccessGrant,
    AccessReview,
    AccessReviewItem,
    AccessTask,
)
from vftops.auth.models import User
from vftops.core.errors import ConflictError, NotFoundError, ValidationError
from vftops.core.models import local_today
from vftops.extensions import db
from vftops.org.models import Municipality
from vftops.support.models import Ticket
from vftops.systems.models import ItSystem, SystemRole


@pytest.fixture
def campaign(app, reg, factories):
    """The nurse's operator grant and privileged administrator grant (unit Nord), the unit
    manager's own grant (Nord), and a named temp's grant without a unit. Ida (IT) owns the
    campaign; Frida (IT) is the fallback reviewer."""
    from vftops.support import operations as support_ops

    fallback = factories.user("it", municipalities=[reg.stjordal], username="frida")
    with app.app_context():
        support_ops.create_team(
            None, reg.stjordal.id, name="Servicedesk", kind="servicedesk", is_default=True
        )
        db.session.commit()
    yesterday = local_today() - timedelta(days=1)
    nurse_operator = _grant(app, reg, starts_on=yesterday)
    nurse_admin = _grant(app, reg, role=reg.admin, starts_on=yesterday, account_name="nina.adm")
    manager_own = _grant(app, reg, user=reg.manager, starts_on=yesterday, account_name="leder")
    with app.app_context():
        temp = ops.grant_access(
            db.session.get(User, reg.it.id),
            db.session.get(ItSystem, reg.system),
            db.session.get(SystemRole, reg.operator),
            ops.Holder.person("Tina Vikar", "Vikarbyrå AS"),
            municipality=db.session.get(Municipality, reg.stjordal.id),
            starts_on=yesterday,
            reason="Vikar",
        )
        review = ops.create_review(
            db.session.get(User, reg.it.id),
            db.session.get(Municipality, reg.stjordal.id),
            name="Tilgangskontroll høst 2026",
            system_ids=[reg.system],
            municipality_ids=[reg.stjordal.id],
            due_on=local_today() + timedelta(days=14),
            fallback_reviewer_id=fallback.id,
        )
        db.session.commit()
        ids = SimpleNamespace(
            review=review.id,
            nurse_operator=nurse_operator,
            nurse_admin=nurse_admin,
            manager_own=manager_own,
            temp=temp.id,
            fallback=fallback,
        )
    return SimpleNamespace(**vars(reg), **vars(ids))


def factories_api(app, user):
    from tests.conftest import Factories

    return Factories(app).api(user)


def _start(app, c) -> dict[int, AccessReviewItem]:
    with app.app_context():
        review = db.session.get(AccessReview, c.review)
        ops.start_review(db.session.get(User, c.it.id), review)
        db.session.commit()
        return {i.grant_id: i.id for i in db.session.scalars(select(AccessReviewItem))}


def _item(grant_id) -> AccessReviewItem:
    return db.session.scalars(
        select(AccessReviewItem).where(AccessReviewItem.grant_id == grant_id)
    ).one()


def test_the_snapshot_goes_to_the_unit_manager_and_never_to_the_holder(app, campaign):
    c = campaign
    items = _start(app, c)
    assert set(items) == {c.nurse_operator, c.nurse_admin, c.manager_own, c.temp}
    with app.app_context():
        reviewer = {g: _item(g).reviewer_id for g in items}
        assert reviewer[c.nurse_operator] == c.manager.id
        assert reviewer[c.nurse_admin] == c.manager.id
        assert reviewer[c.manager_own] == c.fallback.id  # her own: never hers
        assert reviewer[c.temp] == c.fallback.id  # no unit, no manager
        assert _item(c.nurse_admin).warnings == ["privileged"]
        assert _item(c.nurse_operator).warnings == ["unusual_role"]  # a technician operating
        # Access given after the start is not in this campaign.
        review = db.session.get(AccessReview, c.review)
        with pytest.raises(ConflictError):
            ops.start_review(db.session.get(User, c.it.id), review)


def test_decisions_their_reasons_and_sending_the_unit(app, campaign):
    c = campaign
    _start(app, c)
    with app.app_context():
        manager = db.session.get(User, c.manager.id)
        privileged = _item(c.nurse_admin)
        with pytest.raises(ValidationError) as no_reason:
            ops.decide(manager, privileged, decision="keep")
        assert "reason" in no_reason.value.fields
        ops.decide(manager, privileged, decision="end", reason="Trenger ikke admin lenger")
        ops.decide(
            manager, _item(c.nurse_operator), decision="keep", reason="Jobber i responssenteret"
        )
        # Not hers to decide: not found.
        with pytest.raises(NotFoundError):
            ops.decide(manager, _item(c.temp), decision="keep")
        db.session.commit()
        # The decision changes until the unit is sent.
        ops.decide(manager, _item(c.nurse_admin), decision="end", reason="Sluttet i rollen")
        sent = ops.submit_unit(manager, db.session.get(AccessReview, c.review), c.nord.id)
        db.session.commit()
        assert sent == 2
        with pytest.raises(ConflictError, match="kan ikke lenger endres"):
            ops.decide(manager, _item(c.nurse_operator), decision="end", reason="Likevel")
        task = db.session.get(AccessTask, _item(c.nurse_admin).task_id)
        assert (task.action, task.grant_id) == ("end", c.nurse_admin)
        ticket = db.session.get(Ticket, task.ticket_id)
        assert ticket.kind == "access"
        assert "Trenger ikke" not in ticket.description  # the later reason counts
        assert "Sluttet i rollen" in ticket.description
        # The administrator removes it: the review item's removal is confirmed.
        ops.complete_task(db.session.get(User, c.it.id), task)
        db.session.commit()
        assert _item(c.nurse_admin).removed_at is not None
        assert db.session.get(AccessGrant, c.nurse_admin).ended_at is not None


def test_two_tabs_deciding_the_same_item_one_wins(app, campaign):
    """The manager decides the same item in two tabs at once (the API, as an app would):
    one decision is saved, the other answers 409 with the decision made."""
    from tests.conftest import race_requests

    c = campaign
    items = _start(app, c)
    item_id = items[c.nurse_operator]
    path = f"/api/v1/access-reviews/{c.review}/items/{item_id}/decide"
    clients = [factories_api(app, c.manager) for _ in range(2)]

    def prepare(_i, client):
        return client.get(f"/api/v1/access-reviews/{c.review}/items").get_json()["items"][0]

    def act(i, client, seen):
        return client.post(
            path,
            json={
                "decision": ["keep", "end"][i],
                "reason": ["Trengs", "Trengs ikke"][i],
                "version": seen["version"],
            },
        )

    answers = race_requests(clients, act, prepare=prepare)
    assert sorted(a.status_code for a in answers) == [200, 409]
    loser = next(a for a in answers if a.status_code == 409).get_json()["error"]
    winner = next(a for a in answers if a.status_code == 200).get_json()
    assert loser["details"]["decision"] == winner["decision"]
    assert loser["details"]["decided_by"] == "Person Leder"


def test_closing_keeps_what_nobody_answered_and_is_read_only(app, campaign):
    c = campaign
    _start(app, c)
    with app.app_context():
        review = db.session.get(AccessReview, c.review)
        ops.close_review(db.session.get(User, c.it.id), review)
        db.session.commit()
        unanswered = db.session.scalar(
            select(func.count(AccessReviewItem.id)).where(AccessReviewItem.unanswered.is_(True))
        )
        assert unanswered == 4
        assert {i.decision for i in db.session.scalars(select(AccessReviewItem))} == {"keep"}
        with pytest.raises(ConflictError, match="Kontrollen er avsluttet"):
            ops.decide(
                db.session.get(User, c.manager.id),
                _item(c.nurse_operator),
                decision="end",
                reason="For sent",
            )


def test_escalation_moves_what_is_left_to_the_fallback_reviewer(app, campaign):
    c = campaign
    _start(app, c)
    with app.app_context():
        review = db.session.get(AccessReview, c.review)
        moved = ops.escalate_due(review.escalate_on)
        db.session.commit()
        assert moved == 2  # the nurse's two; the fallback had the other two already
        assert _item(c.nurse_operator).reviewer_id == c.fallback.id
        assert ops.escalate_due(review.escalate_on) == 0  # once


def test_a_review_needs_a_fallback_and_an_approver_to_end_what_is_unanswered(app, reg):
    with app.app_context():
        it = db.session.get(User, reg.it.id)
        base = {
            "name": "Vår",
            "system_ids": [reg.system],
            "due_on": local_today() + timedelta(days=7),
        }
        with pytest.raises(ValidationError) as no_fallback:
            ops.create_review(it, db.session.get(Municipality, reg.stjordal.id), **base)
        assert "fallback_reviewer_id" in no_fallback.value.fields
        with pytest.raises(ValidationError) as no_approver:
            ops.create_review(
                it,
                db.session.get(Municipality, reg.stjordal.id),
                **base,
                fallback_reviewer_id=reg.it.id,
                unanswered="end",
            )
        assert "approver_id" in no_approver.value.fields


# --- the pages ------------------------------------------------------------------------------


def _page_post(client, path, data, page):
    from tests.access.test_orders import _token

    token = _token(client.get(page).get_data(as_text=True))
    return client.post(path, data={**data, "csrf_token": token})


def test_a_review_through_the_pages_from_start_to_evidence(app, campaign):
    """IT starts the review; the unit manager keeps what has no warning in one step, is
    told a reason is needed to keep a privileged role (what was typed kept), ends it,
    sends the unit; IT closes the review; the evidence's CSV is the file whose SHA-256
    the printed page gives."""
    import hashlib

    from tests.conftest import login

    c = campaign
    it = app.test_client()
    login(it, c.it)
    detail = f"/access/reviews/{c.review}"
    with app.app_context():
        version = db.session.get(AccessReview, c.review).version
    started = _page_post(it, f"{detail}/start", {"version": str(version)}, detail)
    assert started.status_code == 302
    assert "Pågår" in it.get(detail).get_data(as_text=True)

    manager = app.test_client()
    login(manager, c.manager)
    waiting = manager.get("/access/reviews").get_data(as_text=True)
    assert "Tilgangskontroll høst 2026" in waiting
    assert "2 igjen av 2" in waiting
    mine = f"{detail}/mine"
    page = manager.get(mine).get_data(as_text=True)
    assert page.count('data-testid="item"') == 2
    assert "Privilegert" in page
    main = page.split("<main")[1]
    assert "Person Leder" not in main  # her own access is not hers to review
    with app.app_context():
        admin_item = _item(c.nurse_admin)
        operator_item = _item(c.nurse_operator)
    # The operator grant has a warning (not normal for a technician): kept one by one.
    refused = _page_post(
        manager,
        f"{detail}/items/{admin_item.id}",
        {"decision": "keep", "reason": "", "version": str(admin_item.version)},
        mine,
    )
    assert refused.status_code == 422
    assert "Skriv hvorfor tilgangen beholdes" in refused.get_data(as_text=True)
    typed = _page_post(
        manager,
        f"{detail}/items/{admin_item.id}",
        {"decision": "change", "reason": "Skal ha lesetilgang", "version": str(admin_item.version)},
        mine,
    )
    assert typed.status_code == 422
    assert "Skal ha lesetilgang" in typed.get_data(as_text=True)  # kept beside the error
    for item, decision, reason in (
        (admin_item, "end", "Trenger ikke administrator"),
        (operator_item, "keep", "Jobber i responssenteret"),
    ):
        answer = _page_post(
            manager,
            f"{detail}/items/{item.id}",
            {"decision": decision, "reason": reason, "version": str(item.version)},
            mine,
        )
        assert answer.status_code == 302, answer.get_data(as_text=True)[:300]
    sent = _page_post(manager, f"{detail}/submit", {"unit_id": str(c.nord.id)}, mine)
    assert sent.status_code == 302
    assert "Sendt" in manager.get(mine).get_data(as_text=True)

    orders = it.get("/access/orders").get_data(as_text=True)
    assert "Avslutt tilgang" in orders
    with app.app_context():
        version = db.session.get(AccessReview, c.review).version
    closed = _page_post(it, f"{detail}/close", {"version": str(version)}, detail)
    assert closed.status_code == 302
    evidence = it.get(f"{detail}/evidence").get_data(as_text=True)
    assert "Trenger ikke administrator" in evidence
    digest = evidence.split('data-testid="evidence-sha256">')[1].split("<")[0]
    csv_file = it.get(f"{detail}/evidence.csv")
    assert csv_file.status_code == 200
    assert hashlib.sha256(csv_file.get_data()).hexdigest() == digest
    text = csv_file.get_data().decode("utf-8-sig")
    assert "Ikke besvart" in text  # the fallback's two were not answered
    xlsx = it.get(f"{detail}/evidence.xlsx")
    assert xlsx.data[:2] == b"PK"


def test_the_daily_digest_reminds_escalates_and_tells_the_owner(app, campaign, monkeypatch):
    """On the start day the manager is reminded with a link to her page; past the dates,
    what is left goes to the fallback reviewer, who hears of it, and the owner hears who
    is late. A real SMTP server receives the e-mails."""
    from aiosmtpd.controller import Controller
    from sqlalchemy import update

    from tests.stock.test_notify import Inbox, _free_port, parts

    c = campaign
    handler = Inbox()
    port = _free_port()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    for key, value in (
        ("MAIL_SERVER", "127.0.0.1"),
        ("MAIL_PORT", port),
        ("MAIL_USE_TLS", False),
        ("MAIL_FROM", "vftops <vftops@kommune.example>"),
        ("BASE_URL", "https://vftops.kommune.example"),
    ):
        monkeypatch.setitem(app.config, key, value)
    try:
        _start(app, c)
        runner = app.test_cli_runner()
        result = runner.invoke(args=["vftops", "notify"])
        assert result.exit_code == 0, result.output
        text, _html = parts(handler.to("leder@example.no"))
        assert "Tilgangskontroll høst 2026: 2 tilganger å kontrollere" in text
        assert f"https://vftops.kommune.example/access/reviews/{c.review}/mine" in text
        assert "frida@example.no" in {r for e in handler.envelopes for r in e.rcpt_tos}

        # Late, and past the escalation date: the manager's two go to Frida.
        today = local_today()
        with app.app_context():
            db.session.execute(
                update(AccessReview)
                .where(AccessReview.id == c.review)
                .values(
                    starts_on=today - timedelta(days=20),
                    due_on=today - timedelta(days=3),
                    escalate_on=today,
                )
            )
            db.session.commit()
        handler.envelopes.clear()
        result = runner.invoke(
            args=["vftops", "notify", "--day", (today + timedelta(days=1)).isoformat()]
        )
        assert result.exit_code == 0, result.output
        assert "moved to the fallback reviewer" in result.output
        with app.app_context():
            assert _item(c.nurse_operator).reviewer_id == c.fallback.id
        text, _html = parts(handler.to("frida@example.no"))
        assert "4 tilganger å kontrollere" in text
        owner, _html = parts(handler.to("ida@example.no"))
        assert "Person Frida har 4 igjen" in owner
    finally:
        controller.stop()


def test_the_start_page_shows_the_systems_whose_review_is_due(app, campaign):
    """A system never reviewed is due; once a review of it has started, the next is its
    interval later and leaves the start page. Only those who run reviews see it."""
    from tests.conftest import login

    c = campaign
    it = app.test_client()
    login(it, c.it)
    page = it.get("/").get_data(as_text=True)
    card = page.split('data-testid="task-reviews-due"')[1].split("</div></div></div>")[0]
    assert "Responssenterløsning" in card
    assert "aldri kontrollert" in card
    manager = app.test_client()
    login(manager, c.manager)
    assert 'data-testid="task-reviews-due"' not in manager.get("/").get_data(as_text=True)
    _start(app, c)
    page = it.get("/").get_data(as_text=True)
    assert "Responssenterløsning" not in page.split('data-testid="task-reviews-due"')[-1][:600]


def test_the_system_owner_confirms_or_ends_a_privileged_role_kept(app, campaign):
    """Second stage: a privileged role the manager kept waits for the system owner, who
    ends it (a reason needed) — a removal task; nobody else may."""
    from tests.conftest import login

    c = campaign
    with app.app_context():
        it = db.session.get(User, c.it.id)
        ops.update_system(it, db.session.get(ItSystem, c.system), owner_id=c.it.id)
        db.session.get(AccessReview, c.review).second_stage = True
        db.session.commit()
    _start(app, c)
    with app.app_context():
        manager = db.session.get(User, c.manager.id)
        ops.decide(manager, _item(c.nurse_admin), decision="keep", reason="Superbruker i sone nord")
        ops.decide(manager, _item(c.nurse_operator), decision="keep", reason="Responssenteret")
        ops.submit_unit(manager, db.session.get(AccessReview, c.review), c.nord.id)
        db.session.commit()
        item_id, version = _item(c.nurse_admin).id, _item(c.nurse_admin).version
    owner = app.test_client()
    login(owner, c.it)
    page = f"/access/reviews/{c.review}/confirm"
    listed = owner.get(page).get_data(as_text=True)
    assert "Superbruker i sone nord" in listed
    assert listed.count('id="c') == 1  # the operator role is not privileged
    refused = _page_post(
        owner, f"{page}/{item_id}", {"action": "end", "reason": "", "version": str(version)}, page
    )
    assert refused.status_code == 422
    assert "Skriv hvorfor tilgangen avsluttes" in refused.get_data(as_text=True)
    other = app.test_client()
    login(other, c.manager)
    assert (
        _page_post(
            other, f"{page}/{item_id}", {"action": "keep", "version": str(version)}, page
        ).status_code
        == 404
    )
    ended = _page_post(
        owner,
        f"{page}/{item_id}",
        {
            "action": "end",
            "reason": "Ingen i sone nord skal være superbruker",
            "version": str(version),
        },
        page,
    )
    assert ended.status_code == 302
    with app.app_context():
        item = _item(c.nurse_admin)
        assert (item.decision, item.confirmed_by_id) == ("end", c.it.id)
        assert db.session.get(AccessTask, item.task_id).action == "end"
    assert "Ingenting venter" in owner.get(page).get_data(as_text=True)
