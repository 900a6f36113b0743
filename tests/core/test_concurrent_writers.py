"""Many people writing different things at once never see a conflict or an error.

SQLite has one writer at a time; a transaction that began by reading used to fail at
once («database is locked», a 500) or as a false «changed at the same time» (409)
when another writer committed first. Each write now takes the lock up front and
waits its turn, so the embedded database holds the load PostgreSQL does. Each test
runs its writers in threads through the real request path, on both databases.
"""

from __future__ import annotations

import threading

from tests.conftest import login

WRITERS = 8


def _at_once(count, work) -> list:
    """Run `work(i)` in `count` threads released together; their results in order."""
    barrier = threading.Barrier(count)
    results: list = [None] * count

    def run(i):
        barrier.wait()
        try:
            results[i] = work(i)
        except Exception as exc:  # a test thread must report, not vanish
            results[i] = exc

    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    return results


def test_eight_technicians_change_eight_devices_at_once(app, factories):
    """Eight technicians each send a different device to repair at the same moment:
    eight 200s (before: six 500s «database is locked» on SQLite)."""
    m = factories.municipality()
    store = factories.store(m)
    product = factories.product()
    devices = [factories.device(product, store, serial=f"PAR-{i}") for i in range(WRITERS)]
    tokens = [
        factories.token(factories.user("technician", municipalities=[m])) for _ in range(WRITERS)
    ]

    def work(i):
        response = app.test_client().post(
            f"/api/v1/devices/{devices[i].id}/status",
            json={"to_status": "in_repair", "reason": "Samtidig"},
            headers={"Authorization": f"Bearer {tokens[i]}"},
        )
        return response.status_code, response.get_json()

    results = _at_once(WRITERS, work)
    assert [status for status, _body in results] == [200] * WRITERS, results
    assert {body["status"] for _status, body in results} == {"in_repair"}


def test_eight_tickets_registered_at_once(app, factories):
    """Eight servicedesk agents register eight tickets at the same moment: eight 201s
    and eight tickets (before: four 409s and two 500s on SQLite)."""
    m = factories.municipality()
    tokens = [
        factories.token(factories.user("servicedesk", municipalities=[m])) for _ in range(WRITERS)
    ]

    def work(i):
        return (
            app.test_client()
            .post(
                "/api/v1/tickets",
                json={
                    "municipality_id": m.id,
                    "title": f"Alarm {i} svarer ikke",
                    "kind": "equipment_fault",
                    "channel": "phone",
                    "reporter_kind": "employee",
                },
                headers={"Authorization": f"Bearer {tokens[i]}"},
            )
            .status_code
        )

    assert _at_once(WRITERS, work) == [201] * WRITERS
    listed = (
        app.test_client()
        .get("/api/v1/tickets?limit=50", headers={"Authorization": f"Bearer {tokens[0]}"})
        .get_json()["items"]
    )
    assert sorted(t["title"] for t in listed) == sorted(f"Alarm {i} svarer ikke" for i in range(8))


def test_six_logins_to_one_account_at_once(app, factories):
    """Six logins to one shared account at the same moment all get in (before: five 409s):
    noting the time of the last login is bookkeeping, not an edit of the account."""
    user = factories.user("technician", municipalities=[factories.municipality()])

    def work(_i):
        return login(app.test_client(), user).status_code

    assert _at_once(6, work) == [302] * 6


def test_many_reads_with_one_token_at_once(app, factories):
    """Four programs reading with the same token at the same moment all get 200 (before:
    200, 409, 409 and a 500 as each noted the token's use inside its read)."""
    m = factories.municipality()
    store = factories.store(m)
    factories.device(factories.product(), store, serial="READ-1")
    token = factories.token(factories.user("technician", municipalities=[m]))

    def work(_i):
        return (
            app.test_client()
            .get("/api/v1/devices", headers={"Authorization": f"Bearer {token}"})
            .status_code
        )

    assert _at_once(4, work) == [200] * 4


def test_installs_and_returns_of_different_devices_at_once(app, factories):
    """Four installs and four returns of different devices at once: no conflict."""
    m = factories.municipality()
    store = factories.store(m)
    product = factories.product()
    spare = [factories.device(product, store, serial=f"NEW-{i}") for i in range(4)]
    placed = [factories.device(product, store, serial=f"OLD-{i}") for i in range(4)]
    people = [factories.recipient(m, name=f"Mottaker {i}") for i in range(8)]
    placements = [factories.placement(placed[i], people[4 + i]) for i in range(4)]
    token = factories.token(factories.user("technician", municipalities=[m]))
    headers = {"Authorization": f"Bearer {token}"}

    def work(i):
        client = app.test_client()
        if i < 4:
            return client.post(
                "/api/v1/placements",
                json={"device_id": spare[i].id, "recipient_id": people[i].id},
                headers=headers,
            ).status_code
        return client.post(
            f"/api/v1/placements/{placements[i - 4].id}/return",
            json={"reason": "service_ended", "destination": "store", "store_id": store.id},
            headers=headers,
        ).status_code

    results = _at_once(8, work)
    assert results[:4] == [201] * 4, results
    assert results[4:] == [200] * 4, results
