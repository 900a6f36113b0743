"""The race helpers really race: no one's change starts before everyone has read."""

from __future__ import annotations

import threading
import time
from types import SimpleNamespace

import pytest

from tests.conftest import race_requests


def test_every_read_is_done_before_any_change_starts():
    """The first person reads at once and would send at once; the others read slowly.
    The change of the fast one still waits for the slowest read."""
    seen: list[str] = []
    lock = threading.Lock()

    def note(what):
        with lock:
            seen.append(what)

    def read(i, _client):
        time.sleep(0.05 * i)
        note("read")
        return i

    def change(i, _client, prepared):
        note("change")
        return SimpleNamespace(status_code=200, prepared=prepared)

    responses = race_requests([object()] * 4, change, prepare=read)
    assert seen == ["read"] * 4 + ["change"] * 4
    assert [r.prepared for r in responses] == [0, 1, 2, 3]


def test_a_server_error_fails_the_race():
    def change(_i, _client, _prepared):
        return SimpleNamespace(status_code=500, get_data=lambda as_text: "Internal Server Error")

    with pytest.raises(AssertionError, match="Internal Server Error"):
        race_requests([object()] * 2, change)


def test_a_person_who_fails_to_read_is_reported_and_no_one_waits_for_them():
    def read(i, _client):
        if i == 1:
            raise LookupError("the page did not open")

    started = time.monotonic()
    with pytest.raises(AssertionError, match="the page did not open"):
        race_requests([object()] * 3, lambda *_: None, prepare=read, timeout=10)
    assert time.monotonic() - started < 5
