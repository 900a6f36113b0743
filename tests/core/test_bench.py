"""The benchmark keeps working: it builds its dataset and measures every page it names."""

from __future__ import annotations

from vftops.bench import run_bench
from vftops.extensions import db


def test_bench_builds_a_small_dataset_and_measures_everything(app):
    """`flask vftops bench` on a tiny dataset reports every measurement, on both databases."""
    with app.app_context():
        rows = run_bench(
            app, devices=200, recipients=100, movements=2000, samples=2, echo=lambda *_: None
        )
        from sqlalchemy import func, select

        from vftops.equipment.models import Device, Movement

        assert db.session.scalar(select(func.count(Device.id))) == 200
        assert db.session.scalar(select(func.count(Movement.id))) >= 2000 + 2 * 2
        again = run_bench(
            app, devices=0, recipients=0, movements=0, samples=1, echo=lambda *_: None, reuse=True
        )
    names = [name for name, _median, _p95 in rows]
    assert names == [
        "GET /healthz",
        "serial search (page)",
        "serial search (API)",
        "device page, 400-line history",
        "recipient page",
        "device list, filtered, first page",
        "device list, filtered, page 2000",
        "device list API, first page",
        "install (API)",
        "return (API)",
    ]
    assert all(median > 0 and p95 >= median for _n, median, p95 in rows)
    assert [n for n, _m, _p in again] == names
