"""Tools for the modules' parts of the benchmark (`flask vftops bench`), and core's own:
the health check every figure is compared with, and the start page.

A module's part (`BenchPart` in its `module.py`) writes its share of the synthetic
dataset with bulk inserts (the operations would take hours at this size) and names the
pages it times; `vftops/bench.py` runs them in module order.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Iterator
from typing import TypeVar

from vftops.core.modules import BenchCheck, BenchPart
from vftops.extensions import db

BATCH = 5000
T = TypeVar("T")


def batched(rows: Iterable[dict], size: int = BATCH) -> Iterator[list[dict]]:
    batch = []
    for row in rows:
        batch.append(row)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch


def copy_rows(table: str, columns: tuple[str, ...], rows: Iterable[dict]) -> None:
    """PostgreSQL's COPY: millions of ledger lines in a minute instead of twenty."""
    db.session.commit()
    raw = db.engine.raw_connection()
    try:
        cursor = raw.cursor()
        with cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row([row[c] for c in columns])
        raw.commit()
    finally:
        raw.close()


def timed(call: Callable[[], T]) -> tuple[float, T]:
    """(milliseconds one call took, what it returned)."""
    start = time.perf_counter()
    result = call()
    return (time.perf_counter() - start) * 1000, result


PART = BenchPart(
    checks=(
        BenchCheck("GET /healthz", lambda ids: "/healthz", api=True),
        BenchCheck("start page (queue counts)", lambda ids: "/", target_ms=150),
    )
)
