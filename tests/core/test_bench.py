"""The benchmark keeps working: it builds its dataset and measures every page it names."""

from __future__ import annotations

from vftops.bench import run_bench
from vftops.extensions import db

# In module order (core, equipment, stock, support), then the writes, then the digest.
NAMES = [
    "GET /healthz",
    "start page (queue counts)",
    "serial search (page)",
    "serial search (API)",
    "device page, 400-line history",
    "recipient page",
    "device list, filtered, first page",
    "device list, filtered, page 2000",
    "device list, unfiltered, first page",
    "device list, unfiltered, page 5000",
    "device list API, first page",
    "shortfall board, all stores",
    "store levels page, big store",
    "ticket queue, mine",
    "ticket queue, my team's",
    "ticket queue, unassigned, page 20",
    "ticket queue, breaching soon",
    "ticket queue, waiting on supplier",
    "ticket queue, all open",
    "ticket page",
    "ticket list API, open",
    "support reports, 12 weeks (worked out)",
    "support reports, 12 weeks (as of minutes ago)",
    "systems register",
    "who had access to a system on a day (page)",
    "who had access to a system on a day (API)",
    "authorisation register, first page",
    "reviewer's page, 300 items",
    "access review progress, 120,000 items",
    "agreement deadlines, 500 agreements",
    "an agreement's page",
    "an agreement evaluated over a year",
    "a supplier meeting's status report",
    "agreements list",
    "install (API)",
    "return (API)",
    "ticket create (API)",
    "reconcile 20,000 accounts, dry run (API)",
    "reconcile 20,000 accounts, applied (API)",
    "daily digest, all stores and teams (dry run)",
]


def test_bench_builds_a_small_dataset_and_measures_everything(app):
    """`flask vftops bench` on a tiny dataset reports every measurement, on both databases,
    and the exports with their time and memory."""
    said: list[str] = []
    with app.app_context():
        rows = run_bench(
            app,
            devices=200,
            recipients=100,
            movements=2000,
            samples=2,
            stores=4,
            products=40,
            tickets=2000,
            grants=3000,
            agreements=10,
            echo=said.append,
        )
        from sqlalchemy import func, select

        from vftops.equipment.models import Device, Movement

        assert db.session.scalar(select(func.count(Device.id))) == 200
        assert db.session.scalar(select(func.count(Movement.id))) >= 2000 + 2 * 2
        again = run_bench(
            app, devices=0, recipients=0, movements=0, samples=1, echo=lambda *_: None, reuse=True
        )
    names = [name for name, _median, _p95 in rows]
    assert names == NAMES
    assert all(median > 0 and p95 >= median for _n, median, p95 in rows)
    assert [n for n, _m, _p in again] == names
    for export in ("all devices as CSV", "all devices as XLSX", "50,000 open tickets as XLSX"):
        assert any(line.startswith(export) for line in said), export


def test_bench_dataset_gives_the_stock_pages_something_to_show(app):
    """The stock part of the dataset: every store has a responsible person with e-mail,
    some rows are short, orders are overdue, devices wait for reset and leased ones
    cost rent, so the measured pages and the digest do real work."""
    from sqlalchemy import func, select

    from vftops.auth.models import User
    from vftops.bench import build_dataset
    from vftops.core.models import local_today
    from vftops.equipment.models import Device, Store
    from vftops.notify import run_notify
    from vftops.stock import queries
    from vftops.stock.models import StockBalance, StockMinimum, Transfer

    with app.app_context():
        build_dataset(
            200, 50, 400, stores=4, products=40, tickets=300, grants=0, echo=lambda *_: None
        )
        bench = db.session.scalar(select(User).where(User.username == "bench"))
        stores = db.session.scalars(select(Store)).all()
        assert len(stores) == 4
        assert all(s.responsible is not None and s.responsible.email for s in stores)
        minimums = db.session.scalar(select(func.count(StockMinimum.id)))
        short = queries.shortfalls(bench)
        assert 0 < len(short) < minimums
        assert db.session.scalar(select(func.count(StockBalance.id))) > 0
        assert db.session.scalars(queries.orders_for(bench, overdue=True)).first() is not None
        assert db.session.scalar(select(func.count(Transfer.id))) > 0
        digests = queries.digests(queries.store_ids_for(bench), today=local_today())
        assert any(d.waiting_reset for d in digests.values())
        idle = queries.idle_costs(queries.store_ids_for(bench))
        assert sum(row.cost_per_month for row in idle) > 0
        assert db.session.scalar(select(func.count(Device.id)).where(Device.status == "in_transit"))
        result = run_notify(dry_run=True)
        assert len(result.sent) == len({d.store.responsible_id for d in digests.values()})
        assert all("@bench.example.no" in mail.email for mail in result.sent)


def test_bench_tickets_fill_every_queue(app):
    """One ticket in ten is open, spread so each measured queue has work to show."""
    from sqlalchemy import func, select

    from vftops.auth.models import User
    from vftops.bench import build_dataset
    from vftops.support import queries
    from vftops.support.models import Ticket

    with app.app_context():
        build_dataset(
            50, 20, 100, stores=2, products=20, tickets=2000, grants=0, echo=lambda *_: None
        )
        bench = db.session.scalar(select(User).where(User.username == "bench"))
        assert db.session.scalar(select(func.count(Ticket.id))) == 2000
        counts = queries.queue_counts(bench)
        assert counts["open"] == 200
        for name in ("mine", "team", "unassigned", "soon", "supplier"):
            assert 0 < counts[name] < 200, (name, counts)


def test_a_module_adds_its_part_by_declaring_it(app, monkeypatch):
    """The benchmark runs the parts the modules declare: a new module's dataset is built
    after the modules it builds on (it is given what they made), and its reads, writes
    and their targets are measured and reported."""
    from vftops.bench import page_targets, report
    from vftops.core.modules import EXTENSION_KEY, BenchCheck, BenchPart, Module

    seen: dict = {}

    def build(world):
        seen["built_on"] = sorted(
            k for k in ("municipality_id", "store_ids", "ticket") if k in world
        )
        return {"agreement_page": "/healthz"}

    def writes(bench):
        seen["writes_see"] = bench.world["agreement_page"]
        return {"agreement create (API)": [1.0, 2.0]}

    part = BenchPart(
        build=build,
        find=lambda world: {"agreement_page": "/healthz"},
        checks=(
            BenchCheck("agreement deadlines page", lambda ids: ids["agreement_page"], target_ms=7),
        ),
        writes=writes,
        targets={"agreement create (API)": 9},
    )
    monkeypatch.setitem(
        app.extensions,
        EXTENSION_KEY,
        (*app.extensions[EXTENSION_KEY], Module(name="bench_extra", bench=part)),
    )
    said: list[str] = []
    with app.app_context():
        rows = run_bench(
            app,
            devices=20,
            recipients=10,
            movements=50,
            samples=1,
            stores=2,
            products=20,
            tickets=20,
            grants=20,
            echo=lambda *_: None,
        )
        targets = page_targets()
        report(rows, echo=said.append)
    names = [name for name, _m, _p in rows]
    assert seen == {
        "built_on": ["municipality_id", "store_ids", "ticket"],
        "writes_see": "/healthz",
    }
    assert names.index("agreement deadlines page") < names.index("install (API)")
    assert names.index("ticket create (API)") < names.index("agreement create (API)")
    assert targets["agreement deadlines page"] == 7
    assert targets["agreement create (API)"] == 9
    line = next(line for line in said if line.startswith("agreement create (API)"))
    assert line.split()[-1] == "9"
