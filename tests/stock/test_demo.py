"""The demo tells a true stock story: a few shortfalls, orders under way, a year of history."""

from __future__ import annotations

from decimal import Decimal
from types import SimpleNamespace

from sqlalchemy import func, select

from tests.conftest import login
from vftops.demo import DEMO_PASSWORD
from vftops.extensions import db


def _load(app):
    from vftops.demo import load_demo

    with app.app_context():
        load_demo()
        db.session.commit()


def test_demo_stock_shows_a_year_of_a_shared_service(app):
    """After the demo the technician's board shows some shortfalls but not every row, an
    order is overdue, idle leased devices cost rent, the central store's suggested
    minimum rests on installed devices and failures, and the stock chart moves; the
    technician sees it on the pages."""
    from vftops.auth.models import User
    from vftops.core.models import local_today
    from vftops.equipment.models import Movement, Product, Store
    from vftops.stock import queries
    from vftops.stock.models import (
        OrderStatus,
        PurchaseOrder,
        StockMinimum,
        StockMovement,
        Transfer,
        TransferStatus,
    )

    _load(app)
    with app.app_context():
        tech = db.session.scalar(select(User).where(User.username == "tekniker"))
        stores = {s.name: s for s in db.session.scalars(select(Store))}
        central = stores["Hjelpemiddellageret"]
        assert central.kind == "central"
        assert {m.number for m in central.shared_with} == {"5034"}
        assert {"Kvislamarka sykehjem", "Teknikerbil 1", "Meråker sykehjem"} <= set(stores)
        assert any(s.kind == "supplier" for s in stores.values())
        # Every store has a responsible person who can be e-mailed; the technician has some.
        assert all(s.responsible is not None and s.responsible.email for s in stores.values())
        assert sum(s.responsible_id == tech.id for s in stores.values()) >= 2

        # The shortfall board: something to do, but not everything.
        short = queries.shortfalls(tech)
        minimums = db.session.scalar(select(func.count(StockMinimum.id)))
        assert 0 < len(short) < minimums / 2
        assert all(level.available < level.minimum for level in short)
        assert any(not level.product.is_serialised for level in short)

        # Orders: a draft, one on its way, one overdue and one partly received.
        orders = db.session.scalars(select(PurchaseOrder)).all()
        statuses = {o.status for o in orders}
        assert {OrderStatus.DRAFT, OrderStatus.SENT, OrderStatus.PARTLY_RECEIVED} <= statuses
        today = local_today()
        assert any(o.is_overdue(today) for o in orders)
        assert any(o.status == OrderStatus.SENT and o.expected_on > today for o in orders)
        assert db.session.scalars(queries.orders_for(tech, overdue=True)).first() is not None
        in_transit = db.session.scalars(
            select(Transfer).where(Transfer.status == TransferStatus.SENT)
        ).all()
        assert len(in_transit) == 1
        assert in_transit[0].to_store.name == "Teknikerbil 1"

        # Leased devices idle on the shelves cost rent, now and over the year.
        idle = queries.idle_costs(queries.store_ids_for(tech))
        assert sum(row.cost_per_month for row in idle) > Decimal(0)
        assert sum(row.cost_12_months for row in idle) > Decimal(0)

        # The central store's suggested minimum stands on a year of installs and failures.
        suggestions = queries.suggestions(central)
        assert any(s.installed_base > 0 and s.failures > 0 for s in suggestions.values())
        alarm = db.session.scalar(select(Product).where(Product.model == "Lifeline Smart Hub"))
        assert suggestions[alarm.id].lead_time_days == alarm.supplier.lead_time_days

        # The chart of the last 90 days moves, for a device and for a consumable.
        for model in ("Lifeline Smart Hub", "Reservebatteri Smart Hub"):
            product = db.session.scalar(select(Product).where(Product.model == model))
            counts = [n for _day, n in queries.available_history(central, product, days=90)]
            assert len(set(counts)) > 2, model
            assert min(counts) >= 0

        # The history is spread over the year, not stamped today.
        first_install = db.session.scalar(
            select(func.min(Movement.at)).where(
                Movement.kind == "install", Movement.from_store_id == central.id
            )
        )
        assert (today - first_install.date()).days > 300
        consumable_days = db.session.scalar(
            select(func.count(func.distinct(func.date(StockMovement.at))))
        )
        assert consumable_days > 50

        # The daily digest has something for the central store: devices waiting for reset.
        digest = queries.digests(queries.store_ids_for(tech))
        assert digest[central.id].waiting_reset
        central_id, alarm_id = central.id, alarm.id
        short_stores = {level.store.name for level in short}
        calm_store = next(name for name in stores if name not in short_stores)

    client = app.test_client()
    response = login(client, SimpleNamespace(username="tekniker", password=DEMO_PASSWORD))
    assert response.status_code == 302
    board = client.get("/stock").get_data(as_text=True)
    assert all(name in board for name in short_stores)
    assert calm_store not in board
    levels_page = client.get(f"/stock/stores/{central_id}").get_data(as_text=True)
    assert "Hjelpemiddellageret" in levels_page
    assert "Lifeline Smart Hub" in levels_page
    chart = client.get(f"/stock/stores/{central_id}/products/{alarm_id}")
    assert chart.status_code == 200
    assert "<svg" in chart.get_data(as_text=True)
    idle_page = client.get("/stock/idle-cost").get_data(as_text=True)
    assert "Evondos E300" in idle_page
