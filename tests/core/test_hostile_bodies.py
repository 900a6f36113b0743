"""Small requests that used to cost a lot: each answers 4xx, small and quickly, and the
server answers `/healthz` afterwards."""

from __future__ import annotations

import io
import json
import re
import time
from pathlib import Path

import pytest

from tests.conftest import csrf_from, login

MEMORY_BOUND_MB = 150
SECONDS_BOUND = 15


@pytest.fixture
def world(factories):
    m = factories.municipality(name="Stjørdal", number="5035")
    store = factories.store(m, name="Sentrallager")
    product = factories.product("safety_alarm", manufacturer="Tunstall", model="X")
    user = factories.user("admin", "technician", municipalities=[m])
    return {"store": store, "product": product, "user": user, "token": factories.token(user)}


def _peak_kb() -> tuple[int, int]:
    status = Path("/proc/self/status").read_text()
    return (
        int(re.search(r"VmHWM:\s+(\d+)", status)[1]),
        int(re.search(r"VmRSS:\s+(\d+)", status)[1]),
    )


def _send(client, world, path, raw: bytes, **kwargs):
    """POST raw JSON with the world's token: (response, seconds, peak growth in MB)."""
    Path("/proc/self/clear_refs").write_text("5")
    _peak, before = _peak_kb()
    started = time.monotonic()
    response = client.post(
        path,
        data=raw,
        content_type="application/json",
        headers={"Authorization": f"Bearer {world['token']}"},
        **kwargs,
    )
    seconds = time.monotonic() - started
    peak, _now = _peak_kb()
    assert seconds < SECONDS_BOUND, seconds
    assert (peak - before) / 1024 < MEMORY_BOUND_MB
    assert client.get("/healthz").get_json() == {"status": "ok"}
    return response


@pytest.mark.parametrize(
    "raw",
    [b'{"serials": ' + b"[" * 10_000 + b"]" * 10_000 + b"}", b"[" * 10_000 + b"]" * 10_000],
    ids=["as-a-field", "as-the-body"],
)
def test_deeply_nested_json_answers_400(app, client, world, raw):
    """A 10,000-level array, in a field or as the whole body, is a malformed request."""
    response = _send(client, world, "/api/v1/devices/receive", raw)
    assert response.status_code == 400
    assert response.get_json()["error"]["message"] == (
        "JSON-innholdet har for mange nivåer inni hverandre."
    )


def test_380000_identical_serials_answer_a_short_422(app, client, world):
    """A 1.9 MB delivery of one serial 380,000 times is refused at once, in a few hundred
    bytes (before: 4.5 s and a 20.8 MB answer listing every line)."""
    body = {
        "product_id": world["product"].id,
        "store_id": world["store"].id,
        "serials": ["A"] * 380_000,
    }
    raw = json.dumps(body).encode()
    assert len(raw) < 2 * 1024 * 1024
    response = _send(client, world, "/api/v1/devices/receive", raw)
    assert response.status_code == 422
    assert len(response.get_data()) < 2_000
    assert response.get_json()["error"]["fields"]["serials"] == [
        "Høyst 10\u00a0000 serienumre om gangen. Del opp lista."
    ]


def test_duplicate_lines_are_listed_up_to_a_hundred_and_counted(app, client, world):
    """A delivery with 600 repeated serials names the first 100 lines and says how many
    more there are."""
    serials = ["A", *(["A"] * 600)]
    body = {"product_id": world["product"].id, "store_id": world["store"].id, "serials": serials}
    response = _send(client, world, "/api/v1/devices/receive", json.dumps(body).encode())
    assert response.status_code == 422
    listed = response.get_json()["error"]["fields"]["serials"]
    assert len(listed) == 101
    assert listed[0] == "Linje 2: A står også på linje 1."
    assert listed[99] == "Linje 101: A står også på linje 1."
    assert listed[100] == "… og 500 til."


def test_150000_unknown_keys_are_not_all_repeated_back(app, client, world):
    """150,000 unknown keys answer 422 naming 100 of them and counting the rest (before:
    17 s and a 3.9 MB answer)."""
    raw = json.dumps({f"k{i}": 1 for i in range(150_000)}).encode()
    response = _send(client, world, "/api/v1/devices/receive", raw)
    assert response.status_code == 422
    error = response.get_json()["error"]
    assert len(error["fields"]) == 100
    listed = {m for messages in error["fields"].values() for m in messages}
    assert listed <= {"Ukjent felt.", "Dette feltet må fylles ut."}
    # Besides the unknown keys, the three required fields are missing.
    assert error["details"]["fields_not_listed"] == 150_003 - 100
    assert len(response.get_data()) < 20_000


def _chunked(client, world, raw: bytes):
    # A chunked body has no Content-Length; the server marks its end instead.
    return client.post(
        "/api/v1/suppliers",
        input_stream=io.BytesIO(raw),
        content_type="application/json",
        headers={"Authorization": f"Bearer {world['token']}", "Transfer-Encoding": "chunked"},
        environ_overrides={"wsgi.input_terminated": True},
    )


def test_a_chunked_body_over_the_limit_answers_413(app, client, world):
    """A 3 MB body sent without a length answers 413 (before: 400 «not valid JSON»); a
    small one sent the same way is read as usual."""
    too_large = json.dumps({"name": "x" * (3 * 1024 * 1024)}).encode()
    response = _chunked(client, world, too_large)
    assert response.status_code == 413
    assert response.get_json()["error"]["code"] == "too_large"
    response = _chunked(client, world, json.dumps({"name": "Bit for bit AS"}).encode())
    assert response.status_code == 201
    assert response.get_json()["name"] == "Bit for bit AS"


def test_a_body_over_the_limit_with_its_length_answers_413(app, client, world):
    """A body that says it is over 2 MB is refused before it is read."""
    raw = json.dumps({"name": "x" * (2 * 1024 * 1024)}).encode()
    response = client.post(
        "/api/v1/suppliers",
        data=raw,
        content_type="application/json",
        headers={"Authorization": f"Bearer {world['token']}"},
    )
    assert response.status_code == 413


def test_receiving_page_lists_a_hundred_problems_and_counts_the_rest(app, client, world):
    """On the receive page, 300 repeated serials show the first 100 problems and a count,
    with the scanned list kept in the field."""
    login(client, world["user"])
    page = client.get("/devices/receive")
    assert page.status_code == 200
    serials = "\n".join(["B", *(["B"] * 300)])
    response = client.post(
        "/devices/receive",
        data={
            "product_id": str(world["product"].id),
            "store_id": str(world["store"].id),
            "serials": serials,
            "csrf_token": csrf_from(page.get_data(as_text=True)),
        },
    )
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "Linje 101: B står også på linje 1." in html
    assert "Linje 102: B" not in html
    assert "… og 200 til." in html
