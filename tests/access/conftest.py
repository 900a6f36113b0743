"""The access tests' world: two municipalities, a unit, IT, a nurse and a manager, and two
systems with their roles."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from vftops.access import operations as ops
from vftops.auth.models import User
from vftops.extensions import db
from vftops.org.models import Municipality


@pytest.fixture
def reg(app, factories):
    """Stjørdal runs the response-centre system and shares it with Meråker; Meråker has its
    own dispenser portal. Hjemmetjenesten Nord is a unit of Stjørdal."""
    stjordal = factories.municipality("Stjørdal", "5035")
    meraker = factories.municipality("Meråker", "5034")
    nord = factories.unit(stjordal, "Hjemmetjenesten Nord")
    it = factories.user("it", municipalities=[stjordal, meraker], username="ida")
    nurse = factories.user("technician", municipalities=[stjordal], units=[nord], username="nina")
    manager = factories.user("manager", municipalities=[stjordal], units=[nord], username="leder")
    outsider = factories.user("it", municipalities=[meraker], username="mats")
    with app.app_context():
        actor = db.session.get(User, it.id)
        s = db.session.get(Municipality, stjordal.id)
        system = ops.create_system(
            actor,
            s,
            name="Responssenterløsning",
            kind="response_centre",
            admin_kind="user",
            admin_user_id=it.id,
            account_source="local",
            holds_health_data=True,
            shared_with_ids=[meraker.id],
        )
        operator = ops.create_role(
            actor, system, name="Operatør", job_functions=["response_centre", "servicedesk"]
        )
        admin = ops.create_role(actor, system, name="Administrator", is_privileged=True)
        portal = ops.create_system(
            actor,
            db.session.get(Municipality, meraker.id),
            name="Dosettportal",
            kind="dispenser_portal",
            admin_kind="user",
            admin_user_id=it.id,
            account_source="local",
        )
        portal_user = ops.create_role(actor, portal, name="Bruker")
        db.session.commit()
        ids = SimpleNamespace(
            system=system.id,
            operator=operator.id,
            admin=admin.id,
            portal=portal.id,
            portal_user=portal_user.id,
        )
    return SimpleNamespace(
        stjordal=stjordal,
        meraker=meraker,
        nord=nord,
        it=it,
        nurse=nurse,
        manager=manager,
        outsider=outsider,
        **vars(ids),
    )
