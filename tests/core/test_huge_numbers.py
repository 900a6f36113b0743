"""Numbers too large for the database answer 4xx naming what was wrong, never 500.

SQLite cannot bind an integer beyond 64 bits (OverflowError) and PostgreSQL refuses
one beyond its column. Every endpoint of the permission matrix is sent a 31-digit
number wherever it takes a number: in the path, in the body and in the query.
"""

from __future__ import annotations

import io
import re

from tests.conftest import csrf_from, login
from tests.core.test_permission_matrix import ENDPOINTS, _fill, _world
from vftops.core.permissions import Role

HUGE = 10**30  # beyond 64 bits: SQLite cannot even bind it
WIDE = 3_000_000_000  # fits 64 bits, not PostgreSQL's 32-bit INTEGER columns


def _everyone(factories, world):
    from types import SimpleNamespace

    return factories.user(
        *[r.value for r in Role], municipalities=[SimpleNamespace(id=world["a"].municipality)]
    )


def _numbers(value, number):
    if isinstance(value, bool):
        return value
    if isinstance(value, int):
        return number
    if isinstance(value, str) and value.isdigit():
        return str(number)
    if isinstance(value, list):
        return [_numbers(v, number) for v in value]
    if isinstance(value, dict):
        return {k: _numbers(v, number) for k, v in value.items()}
    return value


def test_a_huge_number_anywhere_answers_4xx(app, client, factories):
    """A 31-digit id in a path, a body or a query, and a 10-digit number in a body,
    answer 400, 404 or 422 on every page and API endpoint."""
    world = _world(factories)
    actor = _everyone(factories, world)
    token = factories.token(actor)
    api = app.test_client()
    login(client, actor)
    ids = world["a"]
    wrong = []
    for endpoint in ENDPOINTS:
        variants = []
        path = endpoint.path.format(**vars(ids))
        body = {k: _fill(v, ids) for k, v in endpoint.fields.items()}
        if re.search(r"/\d+", path):
            variants.append((re.sub(r"/\d+", f"/{HUGE}", path, count=1), body))
        if "?" in path and re.search(r"=\d+", path):
            variants.append((re.sub(r"=\d+", f"={HUGE}", path), body))
        for number in (HUGE, WIDE):
            if any(_numbers(v, number) != v for v in body.values()):
                variants.append((path, {k: _numbers(v, number) for k, v in body.items()}))
        if endpoint.method == "GET" and "?" not in path:
            variants.append((f"{path}?page={HUGE}&limit={HUGE}&days={HUGE}", body))
        for target, data in variants:
            if endpoint.is_api:
                response = api.open(
                    target,
                    method=endpoint.method,
                    json=data if endpoint.method != "GET" else None,
                    headers={"Authorization": f"Bearer {token}"},
                )
            elif endpoint.method == "GET":
                response = client.get(target)
            else:
                form = {
                    k: (io.BytesIO(v[0]), v[1]) if isinstance(v, tuple) else str(v)
                    for k, v in data.items()
                }
                form["csrf_token"] = csrf_from(client.get("/account").get_data(as_text=True))
                response = client.post(target, data=form)
            response.get_data()  # a streamed download is read to its end, as a browser would
            if response.status_code >= 500:
                wrong.append(f"{endpoint.method} {target} → {response.status_code}")
    assert not wrong, "\n".join(wrong)
