"""Demo data: a shared service for Stjørdal and Meråker, one user per role, and a year of
their equipment, stock and support.

Each module loads its own part (`demo` in its `module.py`), in the order of the modules,
given what the modules before it made. `flask vftops demo` (and `make run` on an empty
database) loads it, never anything else.
"""

from __future__ import annotations

from vftops.auth.demo import DEMO_PASSWORD, DEMO_USERS
from vftops.core import modules
from vftops.extensions import db

__all__ = ["DEMO_PASSWORD", "DEMO_USERS", "database_is_empty", "load_demo"]


def database_is_empty() -> bool:
    from sqlalchemy import func, select

    from vftops.auth.models import User
    from vftops.org.models import Municipality

    users = db.session.scalar(select(func.count(User.id)))
    municipalities = db.session.scalar(select(func.count(Municipality.id)))
    return users == 0 and municipalities == 0


def load_demo() -> dict[str, object]:
    """Create the demo data of every module. The caller commits."""
    world: dict[str, object] = {}
    for module in modules.declared():
        if module.demo is not None:
            world.update(module.demo(world) or {})
    return {key: world[key] for key in ("municipalities", "units", "users")}
