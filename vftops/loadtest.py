"""`flask vftops load`: many people writing different things at once, through a real server.

The deployment's own server (gunicorn, the README's workers, threads in each) serves
the configured database; concurrent clients then install and take back different
devices, change the status of their own device, register tickets, log in to one
shared account and read with one shared token, for a fixed time. Writers of
different objects must never conflict: any 409 or 5xx fails the run (exit status 1).

The rows it works on live in a municipality of their own («Lasttest», 9998), made
on the first run through the real operations; any database will do, the
benchmark's included.
"""

from __future__ import annotations

import http.cookiejar
import json
import os
import re
import secrets
import socket
import statistics
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path

import click
from sqlalchemy import select

from vftops.extensions import db

NUMBER = "9998"
PASSWORD = "load-test-not-a-secret-2026"  # noqa: S105 - a throwaway account of the test's own


@dataclass
class World:
    tokens: list[str]
    devices: list[int]  # one per installing client, in stock
    status_devices: list[int]  # one per status-changing client, in stock
    recipients: list[int]
    store: int
    municipality: int
    shared_username: str
    shared_token: str


def prepare(clients: int) -> World:
    """The municipality, store, devices, recipients and people the clients use."""
    from vftops.auth.models import User
    from vftops.auth.operations import create_api_token, create_user
    from vftops.equipment import operations as eq
    from vftops.equipment.models import Product, Recipient, Store
    from vftops.org.models import Municipality
    from vftops.org.operations import create_municipality
    from vftops.stock.operations import create_store

    municipality = db.session.scalar(select(Municipality).where(Municipality.number == NUMBER))
    if municipality is None:
        municipality = create_municipality(None, name="Lasttest", number=NUMBER)
    store = db.session.scalar(select(Store).where(Store.municipality_id == municipality.id))
    if store is None:
        store = create_store(None, municipality, name="Lasttest lager")
    product = db.session.scalar(select(Product).where(Product.model == "Lasttest"))
    if product is None:
        product = eq.create_product(
            None, category="safety_alarm", manufacturer="Lasttest", model="Lasttest"
        )
    run = secrets.token_hex(3)
    devices = [
        eq.register_device(None, product=product, store=store, serial_number=f"LOAD-{run}-{i}")
        for i in range(2 * clients)
    ]
    recipients = db.session.scalars(
        select(Recipient).where(Recipient.municipality_id == municipality.id)
    ).all()
    for i in range(len(recipients), clients):
        recipients.append(eq.create_recipient(None, municipality, name=f"Lasttest {i}"))
    people = []
    for i in range(clients + 1):
        username = f"lasttest{i}"
        user = db.session.scalar(select(User).where(User.username == username))
        if user is None:
            user = create_user(
                None,
                username=username,
                full_name=f"Lasttest {i}",
                password=PASSWORD,
                roles=["technician", "servicedesk"],
                municipality_ids=[municipality.id],
            )
        people.append(user)
    tokens = [create_api_token(None, person, name="load", days=1)[1] for person in people]
    db.session.commit()
    ids = [d.id for d in devices]
    return World(
        tokens=tokens[:clients],
        devices=ids[:clients],
        status_devices=ids[clients:],
        recipients=[r.id for r in recipients[:clients]],
        store=store.id,
        municipality=municipality.id,
        shared_username=people[-1].username,
        shared_token=tokens[-1],
    )


@dataclass
class Tally:
    statuses: dict[str, Counter] = field(default_factory=lambda: defaultdict(Counter))
    times: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, action: str, status: int, ms: float) -> None:
        with self.lock:
            self.statuses[action][status] += 1
            self.times[action].append(ms)


class Client:
    def __init__(self, base: str, token: str | None = None):
        self.base = base
        self.token = token
        self.jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.jar))

    def call(self, method: str, path: str, body=None, form=None) -> tuple[int, bytes]:
        headers = {}
        data = None
        if self.token:
            headers["Authorization"] = f"Bearer {self.token}"
        if body is not None:
            data = json.dumps(body).encode()
            headers["Content-Type"] = "application/json"
        if form is not None:
            data = urllib.parse.urlencode(form).encode()
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        request = urllib.request.Request(  # noqa: S310 - our own http://127.0.0.1 server
            self.base + path, data=data, headers=headers, method=method
        )
        try:
            with self.opener.open(request, timeout=60) as response:
                return response.status, response.read()
        except urllib.error.HTTPError as error:
            return error.code, error.read()


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def _timed(tally: Tally, action: str, call) -> tuple[int, bytes]:
    start = time.perf_counter()
    status, body = call()
    tally.add(action, status, (time.perf_counter() - start) * 1000)
    return status, body


def _installer(base, world, i, until, tally):
    client = Client(base, world.tokens[i])
    device, recipient = world.devices[i], world.recipients[i]
    while time.monotonic() < until:
        status, body = _timed(
            tally,
            "install (API)",
            lambda: client.call(
                "POST", "/api/v1/placements", {"device_id": device, "recipient_id": recipient}
            ),
        )
        if status != 201:
            time.sleep(0.05)
            continue
        placement = json.loads(body)["id"]
        _timed(
            tally,
            "return (API)",
            lambda placement=placement: client.call(
                "POST",
                f"/api/v1/placements/{placement}/return",
                {
                    "reason": "service_ended",
                    "destination": "store",
                    "store_id": world.store,
                    "checklist": ["retrieved", "reset", "cleaned", "inspected"],
                },
            ),
        )


def _status_changer(base, world, i, until, tally):
    client = Client(base, world.tokens[i])
    device = world.status_devices[i]
    steps = ["in_repair", "in_stock"]
    n = 0
    while time.monotonic() < until:
        _timed(
            tally,
            "device status (API)",
            lambda n=n: client.call(
                "POST",
                f"/api/v1/devices/{device}/status",
                {"to_status": steps[n % 2], "reason": "Lasttest"},
            ),
        )
        n += 1


def _ticket_writer(base, world, i, until, tally):
    client = Client(base, world.tokens[i])
    n = 0
    while time.monotonic() < until:
        _timed(
            tally,
            "ticket create (API)",
            lambda n=n: client.call(
                "POST",
                "/api/v1/tickets",
                {
                    "municipality_id": world.municipality,
                    "title": f"Lasttest {i}-{n}",
                    "kind": "question",
                    "channel": "phone",
                    "reporter_kind": "employee",
                },
            ),
        )
        n += 1


def _login(base, world, _i, until, tally):
    while time.monotonic() < until:
        client = Client(base)
        client.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(client.jar), _NoRedirect
        )
        _status, page = client.call("GET", "/login")
        match = re.search(rb'name="csrf_token"[^>]*value="([^"]+)"', page)
        form = {
            "username": world.shared_username,
            "password": PASSWORD,
            "csrf_token": match.group(1).decode() if match else "",
        }
        _timed(
            tally,
            "login, one shared account",
            lambda c=client, f=form: c.call("POST", "/login", form=f),
        )


def _reader(base, world, _i, until, tally):
    client = Client(base, world.shared_token)
    while time.monotonic() < until:
        _timed(
            tally,
            "device list, one shared token",
            lambda: client.call("GET", "/api/v1/devices?limit=20"),
        )


# Sixteen clients: what a busy morning at a shared service looks like.
MIX = [_installer] * 5 + [_status_changer] * 3 + [_ticket_writer] * 3 + [_login] * 2 + [_reader] * 3


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def serve(workers: int, threads: int) -> tuple[subprocess.Popen, str]:
    """gunicorn as the README deploys it, on a free local port; returns it and its address."""
    port = _free_port()
    gunicorn = str(Path(sys.executable).parent / "gunicorn")
    command = [
        gunicorn,
        "--workers",
        str(workers),
        "--threads",
        str(threads),
        "--bind",
        f"127.0.0.1:{port}",
        "--log-level",
        "warning",
        "vftops:create_app()",
    ]
    env = dict(os.environ)
    env.setdefault("VFTOPS_CONFIG", "development")
    process = subprocess.Popen(command, env=env)  # noqa: S603 - our own server
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(base + "/healthz", timeout=2):  # noqa: S310
                return process, base
        except OSError:
            time.sleep(0.2)
    process.terminate()
    raise click.ClickException("gunicorn did not start")


def run_load(*, clients: int, seconds: float, workers: int, threads: int, echo=click.echo):
    """Prepare, serve, drive; returns the tally (statuses and times per action)."""
    world = prepare(clients)
    db.session.remove()
    process, base = serve(workers, threads)
    tally = Tally()
    try:
        until = time.monotonic() + seconds
        mix = (MIX * (clients // len(MIX) + 1))[:clients]
        echo(f"  {clients} clients for {seconds:.0f} s against {workers}×{threads} gunicorn")
        runners = [
            threading.Thread(target=work, args=(base, world, i, until, tally))
            for i, work in enumerate(mix)
        ]
        for runner in runners:
            runner.start()
        for runner in runners:
            runner.join(seconds + 120)
    finally:
        process.terminate()
        process.wait(30)
    return tally


def report(tally: Tally, echo=click.echo) -> bool:
    """The table; True when no writer met a conflict or an error."""
    echo(
        f"{'what':<32} {'calls':>6} {'2xx/3xx':>8} {'409':>5} {'5xx':>5} "
        f"{'median ms':>10} {'p95 ms':>8}"
    )
    clean = True
    for action in sorted(tally.statuses):
        counts = tally.statuses[action]
        times = sorted(tally.times[action])
        ok = sum(n for status, n in counts.items() if status < 400)
        conflicts = counts.get(409, 0)
        errors = sum(n for status, n in counts.items() if status >= 500)
        other = sum(counts.values()) - ok - conflicts - errors
        clean = clean and not conflicts and not errors and not other
        p95 = times[min(len(times) - 1, round(0.95 * (len(times) - 1)))]
        echo(
            f"{action:<32} {sum(counts.values()):>6} {ok:>8} {conflicts:>5} {errors:>5} "
            f"{statistics.median(times):>10.1f} {p95:>8.1f}"
            + (f"  other: {dict(counts)}" if other else "")
        )
    return clean
