"""The permission matrix's world, built from each module's part (tests/<package>/world.py).

Municipality A (the actor's) and B (someone else's) each get what every module's rows
name; the catalogue (products, suppliers) belongs to no municipality and is shared.
A part is `build(key, m, w, made)`: `key` "a" or "b", `m` the municipality, `w` the ids
the rows use (a namespace it adds to), `made` the objects the parts before it made (a
dict it may add to). Parts run in module order, in one transaction.
"""

from __future__ import annotations

from types import SimpleNamespace

from tests.access import world as access
from tests.agreements import world as agreements
from tests.audit import world as audit
from tests.auth import world as auth
from tests.equipment import world as equipment
from tests.org import world as org
from tests.stock import world as stock
from tests.support import world as support

PARTS = (org, auth, equipment, stock, support, access, agreements, audit)


def build(factories) -> dict[str, SimpleNamespace]:
    from vftops.extensions import db

    world = {}
    with factories.app.app_context():
        shared = equipment.catalogue()
        for key, name, number in (("a", "Stjørdal", "5035"), ("b", "Meråker", "5034")):
            w = SimpleNamespace()
            made = dict(shared)
            m = org.municipality(name, number)
            for part in PARTS:
                part.build(key, m, w, made)
            world[key] = w
        db.session.commit()
    return world


def for_actor(app, w: SimpleNamespace, user_id: int) -> None:
    """Before a role's call: a part with a `for_actor(w, user_id)` makes what is one person's
    (a reviewer's item) the acting person's."""
    from vftops.extensions import db

    with app.app_context():
        for part in PARTS:
            hook = getattr(part, "for_actor", None)
            if hook is not None:
                hook(w, user_id)
        db.session.commit()
