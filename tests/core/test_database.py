"""Database guarantees: SQLite settings on every connection, races end cleanly."""

from __future__ import annotations

import pytest
from sqlalchemy import select, text

from tests.conftest import race
from vftops.core.errors import ConflictError
from vftops.extensions import db


def test_sqlite_connections_have_wal_foreign_keys_and_busy_timeout(database_factory):
    """The embedded database runs in WAL mode with foreign keys and a busy timeout."""
    from vftops import create_app

    app = create_app("testing", SQLALCHEMY_DATABASE_URI=database_factory("sqlite"))
    with app.app_context():
        for _ in range(2):  # a fresh pooled connection each time
            with db.engine.connect() as conn:
                assert conn.execute(text("PRAGMA foreign_keys")).scalar() == 1
                assert conn.execute(text("PRAGMA journal_mode")).scalar() == "wal"
                assert conn.execute(text("PRAGMA busy_timeout")).scalar() == 5000
        db.engine.dispose()


def test_foreign_keys_are_enforced(app):
    """A unit cannot point at a municipality that does not exist."""
    from sqlalchemy.exc import IntegrityError

    from vftops.org.models import Unit

    with app.app_context():
        db.session.add(Unit(municipality_id=999_999, name="Foreldreløs", kind="avdeling"))
        with pytest.raises(IntegrityError):
            db.session.commit()
        db.session.rollback()


def test_two_admins_creating_the_same_username_at_once(app, factories):
    """Two admins creating the same username at the same moment: one wins, one is told."""
    from vftops.auth.models import User
    from vftops.auth.operations import create_user

    def saw(i):
        # Both forms were filled in while the name was free.
        return db.session.scalar(select(User.id).where(User.username == "samtidig"))

    def work(i, taken):
        assert taken is None
        return create_user(
            None,
            username="samtidig",
            full_name=f"Person {i}",
            password="et langt nok passord",
            roles=["technician"],
        ).id

    outcomes = race(app, work, prepare=saw)
    conflicts = [o for o in outcomes if isinstance(o, ConflictError)]
    created = [o for o in outcomes if isinstance(o, int)]
    assert len(created) == 1, outcomes
    assert len(conflicts) == 1, outcomes
    with app.app_context():
        assert len(db.session.scalars(select(User).where(User.username == "samtidig")).all()) == 1


def test_two_people_renaming_a_unit_at_once(app, factories):
    """Two saves of the same unit from the same starting version: exactly one is kept."""
    from vftops.org.models import Unit
    from vftops.org.operations import update_unit

    m = factories.municipality()
    unit = factories.unit(m, name="Start")

    with app.app_context():
        # Both forms were opened on this version; a thread that starts late must not
        # read the other's saved version as its own starting point.
        shown = db.session.get(Unit, unit.id).version

    def saw(i):
        return db.session.get(Unit, unit.id)

    def work(i, row):
        return update_unit(
            None,
            row,
            name=f"Navn {i}",
            kind="avdeling",
            parent_id=None,
            expected_version=shown,
        ).name

    outcomes = race(app, work, prepare=saw)
    names = [o for o in outcomes if isinstance(o, str)]
    assert len(names) == 1, outcomes
    assert sum(isinstance(o, ConflictError) for o in outcomes) == 1, outcomes
    with app.app_context():
        row = db.session.get(Unit, unit.id)
        assert row.name == names[0]
        assert row.version == 2
