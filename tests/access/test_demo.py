"""The demo's access control, as IT and a unit manager meet it."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from sqlalchemy import func, select

from tests.conftest import login
from vftops.access.models import (
    AccessGrant,
    AccessOrder,
    AccessReview,
    AccessReviewItem,
    AccessTask,
)
from vftops.auth.models import User
from vftops.demo import DEMO_PASSWORD
from vftops.extensions import db
from vftops.support.models import RoutingRule, Ticket
from vftops.systems.models import ItSystem


@pytest.fixture
def demo(app):
    from vftops.demo import load_demo

    with app.app_context():
        load_demo()
        db.session.commit()


def test_the_demo_register_orders_and_tickets(app, client, demo):
    with app.app_context():
        systems = {s.name: s for s in db.session.scalars(select(ItSystem))}
        assert len(systems) == 6
        assert {s.kind for s in systems.values()} >= {"response_centre", "vftops", "mdm"}
        open_grants = db.session.scalar(
            select(func.count(AccessGrant.id)).where(AccessGrant.ended_at.is_(None))
        )
        assert 180 <= open_grants <= 320
        assert db.session.scalar(
            select(func.count(AccessGrant.id)).where(AccessGrant.holder_kind == "relative")
        )
        # Two who left, their login closed, still have access elsewhere.
        leavers = db.session.scalars(
            select(User.id)
            .join(AccessGrant, AccessGrant.user_id == User.id)
            .join(ItSystem, ItSystem.id == AccessGrant.system_id)
            .where(
                User.is_active_user.is_(False),
                AccessGrant.ended_at.is_(None),
                ItSystem.kind != "vftops",
            )
            .distinct()
        ).all()
        assert len(leavers) == 2
        # The response centre's access tickets go to the service desk by its rule.
        rule = db.session.scalars(
            select(RoutingRule).where(
                RoutingRule.system_id == systems["Responssenterløsning"].id,
                RoutingRule.kind == "access",
            )
        ).one()
        assert rule.team.name == "Servicedesk"
        # Every ticket that names a system names one of the register.
        named = db.session.scalar(
            select(func.count(Ticket.id)).where(Ticket.system_id.is_not(None))
        )
        assert named > 0
        # Line Leder's orders: one done with its account, one waiting for the portal's
        # administrator as an access ticket.
        orders = db.session.scalars(select(AccessOrder).order_by(AccessOrder.id)).all()
        assert [o.closed_at is not None for o in orders] == [True, False]
        waiting = db.session.scalars(select(AccessTask).where(AccessTask.status == "open")).one()
        ticket = db.session.get(Ticket, waiting.ticket_id)
        assert (ticket.kind, ticket.system.name) == ("access", "Dosettportal")
        # The reviews: spring's closed with an access ended and its removal confirmed;
        # autumn's running past its date, Line Leder halfway.
        spring, autumn = db.session.scalars(select(AccessReview).order_by(AccessReview.id)).all()
        assert (spring.status, autumn.status) == ("closed", "running")
        ended = db.session.scalars(
            select(AccessReviewItem).where(
                AccessReviewItem.review_id == spring.id, AccessReviewItem.decision == "end"
            )
        ).one()
        assert ended.removed_at is not None
        leder = db.session.scalar(select(User).where(User.username == "leder"))
        hers = db.session.scalars(
            select(AccessReviewItem).where(
                AccessReviewItem.review_id == autumn.id, AccessReviewItem.reviewer_id == leder.id
            )
        ).all()
        decided = [i for i in hers if i.decision]
        assert 0 < len(decided) < len(hers)
        autumn_id = autumn.id
        # MDM's account list, applied: one service account nobody registered.
        from vftops.access.models import AccountList

        listing = db.session.scalars(select(AccountList)).one()
        assert listing.applied_at is not None
        assert [a["account"] for a in listing.summary["unknown_accounts"]] == ["svc-utrulling"]
    login(client, SimpleNamespace(username="leder"), DEMO_PASSWORD)
    page = client.get("/access/orders").get_data(as_text=True)
    assert "Nora Nyansatt" in page
    assert "1 åpen" in page
    reviews = client.get("/access/reviews").get_data(as_text=True)
    assert "Tilgangskontroll høst 2026" in reviews
    mine = client.get(f"/access/reviews/{autumn_id}/mine").get_data(as_text=True)
    assert mine.count('data-testid="item"') == len(hers)
