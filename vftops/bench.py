"""`flask vftops bench`: build a municipality-sized dataset and time the pages people wait for.

Each module declares its part (`BenchPart` in its `module.py`): it writes its share of
the dataset with bulk inserts (the operations would take hours at this size), given what
the modules before it made, and names the pages, API reads, writes and exports it times.
This file runs the parts in module order. The measurements go through the real
application (test client, real database), each request timed from the WSGI call to the
last byte. Figures are medians and 95th percentiles in milliseconds, and the ratio to
`GET /healthz` measured in the same run, so machines can be compared.
"""

from __future__ import annotations

import contextlib
import re
import statistics
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from types import SimpleNamespace

import click

from vftops.core.modules import BenchPart, declared
from vftops.extensions import db

# The daily digest, the one measurement that brings every module together.
DIGEST = "daily digest, all stores and teams (dry run)"
DIGEST_TARGET_MS = 30_000


def _parts(app=None) -> list[BenchPart]:
    return [m.bench for m in declared(app) if m.bench is not None]


def build_dataset(
    devices: int,
    recipients: int,
    movements: int,
    *,
    stores: int = 200,
    products: int = 2000,
    tickets: int = 500_000,
    grants: int = 150_000,
    agreements: int = 500,
    echo=click.echo,
) -> dict:
    """Write the synthetic dataset, each module its part in module order. Returns the
    ids the measurements use."""
    started = time.perf_counter()
    world: dict = {
        "devices": devices,
        "recipients": recipients,
        "movements": movements,
        "stores": stores,
        "products": products,
        "tickets": tickets,
        "grants": grants,
        "agreements": agreements,
        "now": datetime.now(UTC),
        "echo": echo,
    }
    for part in _parts():
        if part.build is not None:
            world.update(part.build(world) or {})
    if db.engine.dialect.name == "postgresql":
        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            # VACUUM as well: it sets the visibility map that autovacuum would set
            # on a settled database, so counts can read the indexes alone.
            conn.exec_driver_sql("VACUUM ANALYZE")
    else:
        db.session.execute(db.text("ANALYZE"))
        db.session.commit()
    echo(f"  built in {time.perf_counter() - started:.0f} s")
    return world


def existing_dataset() -> dict | None:
    """The ids of a dataset an earlier run built, to measure again without rebuilding."""
    world: dict = {}
    for part in _parts():
        if part.find is not None:
            found = part.find(world)
            if found is None:
                return None
            world.update(found)
    return world


def run_bench(
    app,
    *,
    devices: int,
    recipients: int,
    movements: int,
    samples: int,
    stores: int = 200,
    products: int = 2000,
    tickets: int = 500_000,
    grants: int = 150_000,
    agreements: int = 500,
    echo=click.echo,
    reuse: bool = False,
):
    ids = existing_dataset() if reuse else None
    if ids is None:
        ids = build_dataset(
            devices,
            recipients,
            movements,
            stores=stores,
            products=products,
            tickets=tickets,
            grants=grants,
            agreements=agreements,
            echo=echo,
        )
    else:
        echo("  measuring the dataset an earlier run built")
    db.session.remove()
    # Requests must not share the command's application context (Flask would reuse
    # it, and with it `g` and the session): measure from a thread of its own.
    outcome: dict[str, object] = {}

    def work():
        try:
            outcome["rows"] = _measure(app, ids, samples, echo)
        except BaseException as exc:  # reported in the command's thread
            outcome["error"] = exc

    thread = threading.Thread(target=work)
    thread.start()
    thread.join()
    if "error" in outcome:
        raise outcome["error"]
    return outcome["rows"]


def _time(call: Callable[[], object], samples: int) -> list[float]:
    times = []
    for _ in range(samples):
        start = time.perf_counter()
        call()
        times.append((time.perf_counter() - start) * 1000)
    return times


def _p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]


def _get(app, client, url, config):
    def call():
        kept = {key: app.config[key] for key in config}
        app.config.update(config)
        try:
            response = client.get(url)
            assert response.status_code == 200, (url, response.status_code)
            response.get_data()
        finally:
            app.config.update(kept)

    return call


def _measure(app, ids: dict, samples: int, echo) -> list[tuple[str, float, float]]:
    api = app.test_client()
    api.environ_base["HTTP_AUTHORIZATION"] = f"Bearer {ids['token']}"
    pages = app.test_client()
    _login(pages, ids["login"])
    parts = _parts(app)

    results: list[tuple[str, list[float]]] = []
    for part in parts:
        for check in part.checks:
            url = check.path(ids)
            if url is None:  # the dataset has nothing to show there
                continue
            call = _get(app, api if check.api else pages, url, check.config)
            call()  # warm up caches and plans
            results.append((check.name, _time(call, samples)))
            echo(f"  measured {check.name}")
    bench = SimpleNamespace(app=app, api=api, pages=pages, world=ids, samples=samples)
    for part in parts:
        if part.writes is not None:
            results.extend(part.writes(bench).items())
    results.append((DIGEST, _time_notify(app, samples, echo)))
    rows = [(name, statistics.median(t), _p95(t)) for name, t in results]
    _measure_exports(parts, pages, echo, ids)
    return rows


def _peak_mb() -> float | None:
    """This process's peak resident memory (Linux), or None elsewhere."""
    try:
        status = Path("/proc/self/status").read_text()
    except OSError:
        return None
    for line in status.splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return None


def _measure_exports(parts: list[BenchPart], pages, echo, ids: dict) -> None:
    """Each export once: seconds to the last byte, seconds to the first, bytes, and how
    much the peak memory grew (Linux lets the peak be reset). Targets in the last column."""
    echo(
        f"{'export':<28} {'s total':>8} {'s first':>8} {'MB sent':>8} "
        f"{'MB peak+':>9} {'target s':>9}"
    )
    for name, url, target in (export for part in parts for export in part.exports):
        if "{" in url:  # an export of one object of the dataset, named by its id
            try:
                url = url.format_map({k: v for k, v in ids.items() if v is not None})
            except KeyError:
                continue  # the dataset has none

        total, first, size, grown = _stream(pages, url)
        echo(f"{name:<28} {total:>8.1f} {first:>8.2f} {size / 1e6:>8.1f} {grown} {target:>9}")


def _stream(pages, url) -> tuple[float, float, int, str]:
    with contextlib.suppress(OSError), open("/proc/self/clear_refs", "w") as refs:
        refs.write("5")
    before = _peak_mb()
    start = time.perf_counter()
    response = pages.get(url, buffered=False)
    assert response.status_code == 200, (url, response.status_code)
    first = None
    size = 0
    for chunk in response.response:
        if first is None:
            first = time.perf_counter() - start
        size += len(chunk)
    response.close()
    total = time.perf_counter() - start
    peak = _peak_mb()
    grown = f"{peak - before:9.0f}" if peak is not None and before is not None else "        –"
    return total, first or 0, size, grown


def _time_notify(app, samples: int, echo) -> list[float]:
    """`flask vftops notify --dry-run`: every store's digest read and every e-mail written."""
    from vftops.notify import run_notify

    times = []
    for _ in range(min(samples, 3)):
        with app.app_context():
            start = time.perf_counter()
            result = run_notify(dry_run=True)
            times.append((time.perf_counter() - start) * 1000)
            db.session.remove()
    echo(f"  measured the daily digest: {len(result.sent)} e-mails, {result.items} items")
    return times


def _login(client, login: tuple[str, str]) -> None:
    page = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
    username, password = login
    response = client.post(
        "/login", data={"username": username, "password": password, "csrf_token": token}
    )
    assert response.status_code == 302, "benchmark login failed"


def page_targets(app=None) -> dict[str, int]:
    """The 95th percentile each measurement should stay under, in milliseconds (as in the
    README), as the modules declare them: the report marks a miss with «over»."""
    targets = {DIGEST: DIGEST_TARGET_MS}
    for part in _parts(app):
        targets.update({c.name: c.target_ms for c in part.checks if c.target_ms is not None})
        targets.update(part.targets)
    return targets


def report(rows, echo=click.echo) -> None:
    targets = page_targets()
    base = rows[0][1] or 0.001
    echo(f"{'what':<46} {'median ms':>10} {'p95 ms':>8} {'× healthz':>10} {'target p95':>11}")
    for name, median, p95 in rows:
        target = targets.get(name)
        aim = "" if target is None else f"{target:,}" + (" over" if p95 > target else "")
        echo(f"{name:<46} {median:>10.1f} {p95:>8.1f} {median / base:>10.1f} {aim:>11}")
