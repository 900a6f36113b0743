"""The equipment register's rules, exercised through the operations every page and API use."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.exc import DBAPIError

from tests.conftest import race
from vftops.core.audit import AuditEvent, AuditLogIsAppendOnly
from vftops.core.errors import ConflictError, ValidationError
from vftops.equipment import operations as ops
from vftops.equipment.identifiers import (
    clean_iccid,
    clean_imei,
    clean_mac,
    clean_phone,
    normalise_serial,
)
from vftops.equipment.models import Device, Movement, Placement, Product, Recipient, Store
from vftops.extensions import db


@pytest.fixture
def world(factories):
    m = factories.municipality(name="Stjørdal", number="5035")
    store = factories.store(m, name="Sentrallager")
    product = factories.product(
        "safety_alarm",
        model="Lifeline Vi+",
        stores_personal_data=True,
        return_checklist=["Nøkkelboks tømt"],
    )
    recipient = factories.recipient(m, name="Kari Nordmann")
    return m, store, product, recipient


def test_serial_numbers_are_normalised():
    """Typing « ab 12 34 » finds the device registered as AB1234."""
    assert normalise_serial("  ab 12\t34 ") == "AB1234"


@pytest.mark.parametrize(
    ("cleaner", "good", "normalised", "bad"),
    [
        (clean_imei, "35 209900 176148 1", "352099001761481", "352099001761482"),
        (
            clean_iccid,
            "8947 0800 0012 3456 789",
            "89470800001234567890"[:19],
            "1234567890123456789",
        ),
        (clean_phone, "912 34 567", "+4791234567", "1234"),
        (clean_mac, "00-1a-2b-3c-4d-5e", "00:1A:2B:3C:4D:5E", "00-1a-2b"),
    ],
)
def test_identifiers_are_validated(cleaner, good, normalised, bad):
    """IMEI, SIM number, phone and MAC are checked and stored in one written form."""
    value, error = cleaner(good)
    assert error is None
    assert value == normalised
    _value, error = cleaner(bad)
    assert error is not None


def test_duplicate_serial_refused_even_with_other_case_and_spaces(app, factories, world):
    """A serial registered twice, however it is typed, is refused and points at the first."""
    _m, store, product, _r = world
    first = factories.device(product, store, serial="TA-1001")
    with app.app_context(), pytest.raises(ConflictError) as caught:
        ops.register_device(
            None,
            product=db.session.get(Product, product.id),
            store=db.session.get(Store, store.id),
            serial_number=" ta-1001 ",
        )
    assert caught.value.details["device_id"] == first.id
    assert "TA-1001" in str(caught.value.message)


def test_install_and_return_write_the_ledger(app, factories, world):
    """Install then return: the device's life shows both steps, with who and why."""
    m, store, product, recipient = world
    device = factories.device(product, store, serial="A1")
    tech = factories.user("technician", municipalities=[m], username="tore")
    with app.app_context():
        from vftops.auth.models import User

        actor = db.session.get(User, tech.id)
        placement = ops.install(
            actor,
            db.session.get(Device, device.id),
            db.session.get(Recipient, recipient.id),
            config_note="Sengesensor vekker kl. 06",
            config_settings="vekketid = 06:00\nsone = soverom",
        )
        db.session.commit()
        assert placement.config_settings == {"vekketid": "06:00", "sone": "soverom"}
        d = db.session.get(Device, device.id)
        assert d.status == "installed"
        assert d.store_id is None
        ops.return_device(
            actor,
            placement,
            reason="service_ended",
            destination="store",
            store=db.session.get(Store, store.id),
            checklist=["retrieved", "reset"],
        )
        db.session.commit()
        d = db.session.get(Device, device.id)
        assert d.status == "awaiting_reset"  # checklist incomplete
        assert d.store_id == store.id
        moves = db.session.scalars(
            select(Movement).where(Movement.device_id == device.id).order_by(Movement.id)
        ).all()
        assert [(mv.kind, mv.from_status, mv.to_status) for mv in moves] == [
            ("receive", None, "in_stock"),
            ("install", "in_stock", "installed"),
            ("return", "installed", "awaiting_reset"),
        ]
        assert moves[1].actor_id == tech.id
        assert moves[2].placement_id == placement.id
        # Back in stock only with the whole checklist ticked.
        with pytest.raises(ValidationError):
            ops.change_status(actor, d, "in_stock", checklist=["retrieved"])
        db.session.rollback()
        d = db.session.get(Device, device.id)
        ops.change_status(
            actor,
            d,
            "in_stock",
            checklist=["retrieved", "reset", "cleaned", "inspected", "extra1"],
        )
        db.session.commit()
        assert db.session.get(Device, device.id).status == "in_stock"


def test_install_of_a_device_not_in_stock_names_where_it_is(app, factories, world):
    """Installing a device that is already out says whose home it is in (409)."""
    m, store, product, recipient = world
    other = factories.recipient(m, name="Per Hansen")
    device = factories.device(product, store)
    factories.placement(device, recipient)
    with app.app_context(), pytest.raises(ConflictError) as caught:
        ops.install(None, db.session.get(Device, device.id), db.session.get(Recipient, other.id))
    assert caught.value.status == 409
    assert caught.value.details["status"] == "installed"
    assert "Kari Nordmann" in str(caught.value.message)
    assert "in_stock" in caught.value.details["allowed"]


def test_return_of_a_device_not_installed_is_refused(app, factories, world):
    """A placement that is already closed cannot be returned twice."""
    _m, store, product, recipient = world
    device = factories.device(product, store)
    placement = factories.placement(device, recipient)
    with app.app_context():
        p = db.session.get(Placement, placement.id)
        ops.return_device(None, p, reason="faulty", destination="repair")
        db.session.commit()
        with pytest.raises(ConflictError) as caught:
            ops.return_device(
                None, db.session.get(Placement, placement.id), reason="faulty", destination="repair"
            )
        assert caught.value.details["status"] == "in_repair"


def test_refused_transition_lists_allowed_next_steps(app, factories, world):
    """Scrapped is final: asking for stock answers 409 with nothing allowed next."""
    _m, store, product, _r = world
    device = factories.device(product, store)
    with app.app_context():
        d = db.session.get(Device, device.id)
        ops.change_status(None, d, "scrapped", reason="Knust")
        db.session.commit()
        with pytest.raises(ConflictError) as caught:
            ops.change_status(None, db.session.get(Device, device.id), "in_stock")
        assert caught.value.details == {"status": "scrapped", "allowed": [], "wanted": "in_stock"}


def test_replace_keeps_configuration_and_sends_faulty_to_repair(app, factories, world):
    """Replacing a faulty alarm installs another with the same settings in one step."""
    _m, store, product, recipient = world
    faulty = factories.device(product, store, serial="OLD1")
    spare = factories.device(product, store, serial="NEW1")
    placement = factories.placement(
        faulty, recipient, config_note="Ekstra høyt volum", config_settings={"volum": "10"}
    )
    with app.app_context():
        new = ops.replace_device(
            None, db.session.get(Placement, placement.id), db.session.get(Device, spare.id)
        )
        db.session.commit()
        assert new.config_settings == {"volum": "10"}
        assert new.config_note == "Ekstra høyt volum"
        assert new.replaces_id == placement.id
        assert db.session.get(Device, faulty.id).status == "in_repair"
        assert db.session.get(Device, spare.id).status == "installed"
        assert db.session.get(Placement, placement.id).return_reason == "faulty"


def test_replacement_must_be_same_category(app, factories, world):
    """A bed sensor cannot replace a safety alarm."""
    _m, store, product, recipient = world
    sensor = factories.product("bed_sensor", model="Sengesensor X")
    faulty = factories.device(product, store)
    wrong = factories.device(sensor, store)
    placement = factories.placement(faulty, recipient)
    with app.app_context(), pytest.raises(ValidationError):
        ops.replace_device(
            None, db.session.get(Placement, placement.id), db.session.get(Device, wrong.id)
        )
    with app.app_context():
        assert db.session.get(Device, faulty.id).status == "installed"


def test_bulk_receive_is_all_or_nothing_and_names_bad_lines(app, factories, world):
    """A pasted delivery with one taken and one repeated serial registers nothing and says which lines."""
    _m, store, product, _r = world
    factories.device(product, store, serial="D2")
    lines = ["d1", "", "D2", "d3", " D 1 "]
    with app.app_context():
        with pytest.raises(ValidationError) as caught:
            ops.receive_devices(
                None,
                product=db.session.get(Product, product.id),
                store=db.session.get(Store, store.id),
                serial_lines=lines,
            )
        problems = " ".join(caught.value.fields["serials"])
        assert "Linje 3" in problems or "Line 3" in problems
        assert "Linje 5" in problems or "Line 5" in problems
        db.session.rollback()
        assert db.session.scalar(select(func.count(Device.id))) == 1
        created = ops.receive_devices(
            None,
            product=db.session.get(Product, product.id),
            store=db.session.get(Store, store.id),
            serial_lines=["d1", "d3", "d4"],
        )
        db.session.commit()
        assert [d.serial_number for d in created] == ["D1", "D3", "D4"]


def test_movements_are_never_edited(app, factories, world):
    """A ledger line cannot be changed or deleted, through vftops or SQL."""
    _m, store, product, _r = world
    device = factories.device(product, store)
    with app.app_context():
        movement = db.session.scalars(select(Movement).where(Movement.device_id == device.id)).one()
        movement.reason = "rewritten"
        with pytest.raises(AuditLogIsAppendOnly):
            db.session.commit()
        db.session.rollback()
        with pytest.raises(DBAPIError, match="append-only"):
            db.session.execute(text("UPDATE movements SET reason = 'x'"))
        db.session.rollback()
        with pytest.raises(DBAPIError, match="append-only"):
            db.session.execute(text("DELETE FROM movements"))
        db.session.rollback()
        assert db.session.scalar(select(func.count(Movement.id))) == 1


def test_two_installs_of_the_same_device_at_once(app, factories, world):
    """Two technicians installing the same alarm at the same moment: one wins, nothing half-written."""
    m, store, product, recipient = world
    other = factories.recipient(m, name="Per Hansen")
    device = factories.device(product, store)
    recipients = (recipient.id, other.id)

    def saw(i):
        # Both opened the device's page while it was in stock.
        return db.session.get(Device, device.id), db.session.get(Recipient, recipients[i])

    def install(i, seen):
        d, r = seen
        return ops.install(None, d, r).id

    outcomes = race(app, install, prepare=saw)
    assert sum(isinstance(o, int) for o in outcomes) == 1, outcomes
    assert sum(isinstance(o, ConflictError) for o in outcomes) == 1, outcomes
    with app.app_context():
        assert db.session.scalar(select(func.count(Placement.id))) == 1
        kinds = db.session.scalars(
            select(Movement.kind).where(Movement.device_id == device.id)
        ).all()
        assert sorted(kinds) == ["install", "receive"]
        assert (
            db.session.scalar(
                select(func.count(AuditEvent.id)).where(AuditEvent.action == "placement.install")
            )
            == 1
        )


def test_open_placement_is_unique_in_the_database(app, factories, world):
    """Even a direct insert cannot give one device two open placements."""
    from datetime import UTC, datetime

    from sqlalchemy.exc import IntegrityError

    m, store, product, recipient = world
    device = factories.device(product, store)
    factories.placement(device, recipient)
    with app.app_context():
        db.session.add(
            Placement(
                device_id=device.id,
                recipient_id=recipient.id,
                municipality_id=m.id,
                installed_at=datetime.now(UTC),
            )
        )
        with pytest.raises(IntegrityError):
            db.session.commit()
        db.session.rollback()
