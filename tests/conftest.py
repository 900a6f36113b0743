"""Test fixtures: real SQLite and a throwaway PostgreSQL server, factory helpers.

Every test that asks for `app` runs twice, once per database backend. The
schema is built once per backend by the real Alembic migrations; after each
test every table is emptied, so tests see committed data exactly as a user
would (including the database's own constraints and triggers).

Tests never hold an application context while they make requests through
the test client: Flask would reuse it, and `g` and the database session would
leak between requests. Use `with app.app_context():` around direct database
work instead (the `factories` fixture does).
"""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import threading
import time
from contextlib import contextmanager
from pathlib import Path
from types import SimpleNamespace

import pytest
from sqlalchemy import text

REQUIRE_ALL = os.environ.get("VFTOPS_REQUIRE_ALL") == "1"
# The production apps some tests build leave the test process's garbage collector alone.
os.environ["VFTOPS_GC_THRESHOLDS"] = ""
PASSWORD = "correct horse battery staple"


def pytest_collection_modifyitems(config, items):
    """Tests marked `one_backend` check logic that does not depend on the database
    (who may do what): they run on SQLite only, which keeps the suite short."""
    keep, drop = [], []
    for item in items:
        callspec = getattr(item, "callspec", None)
        backend = callspec.params.get("backend") if callspec else None
        if item.get_closest_marker("one_backend") and backend == "postgresql":
            drop.append(item)
        else:
            keep.append(item)
    if drop:
        config.hook.pytest_deselected(items=drop)
        items[:] = keep


# --- PostgreSQL --------------------------------------------------------------------


def find_postgres_bin() -> Path | None:
    candidates = sorted(glob.glob("/usr/lib/postgresql/*/bin"), key=lambda p: int(p.split("/")[-2]))
    for directory in reversed(candidates):
        if Path(directory, "initdb").exists() and Path(directory, "pg_ctl").exists():
            return Path(directory)
    pg_ctl = shutil.which("pg_ctl")
    if pg_ctl and shutil.which("initdb"):
        return Path(pg_ctl).resolve().parent
    return None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class ThrowawayPostgres:
    """A private PostgreSQL server in a temporary directory, on a Unix socket only."""

    def __init__(self, bindir: Path):
        self.bindir = bindir
        self.dir = Path(tempfile.mkdtemp(prefix="vftops-pg-"))
        self.port = _free_port()
        self.as_user: list[str] = []
        if os.geteuid() == 0:
            # PostgreSQL refuses to run as root; use its own system account.
            try:
                pw = pwd.getpwnam("postgres")
            except KeyError:
                pytest.fail("running as root needs the 'postgres' system user to start PostgreSQL")
            os.chown(self.dir, pw.pw_uid, pw.pw_gid)
            self.as_user = ["runuser", "-u", "postgres", "--"]

    def _run(self, *args: str) -> None:
        subprocess.run([*self.as_user, *args], check=True, capture_output=True, timeout=120)

    def start(self) -> str:
        data = self.dir / "data"
        self._run(
            str(self.bindir / "initdb"),
            "-D",
            str(data),
            "-U",
            "postgres",
            "--auth=trust",
            "-E",
            "UTF8",
            "--locale=C.UTF-8",
            "--no-sync",
        )
        options = (
            f"-p {self.port} -k {self.dir} -c listen_addresses='' -c fsync=off "
            "-c synchronous_commit=off -c full_page_writes=off -c max_connections=60"
        )
        self._run(
            str(self.bindir / "pg_ctl"),
            "-D",
            str(data),
            "-o",
            options,
            "-w",
            "-l",
            str(self.dir / "server.log"),
            "start",
        )
        return f"postgresql+psycopg://postgres@/{{db}}?host={self.dir}&port={self.port}"

    def stop(self) -> None:
        try:
            self._run(
                str(self.bindir / "pg_ctl"), "-D", str(self.dir / "data"), "-m", "immediate", "stop"
            )
        finally:
            shutil.rmtree(self.dir, ignore_errors=True)


@pytest.fixture(scope="session")
def postgres_url_template():
    bindir = find_postgres_bin()
    if bindir is None:
        if REQUIRE_ALL:
            pytest.fail("PostgreSQL (initdb, pg_ctl) is not installed and VFTOPS_REQUIRE_ALL=1")
        pytest.skip("PostgreSQL is not installed")
    server = ThrowawayPostgres(bindir)
    template = server.start()
    yield template
    server.stop()


def create_pg_database(template: str, name: str) -> str:
    import psycopg

    base = template.format(db="postgres").replace("postgresql+psycopg://", "postgresql://")
    with psycopg.connect(base, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
        conn.execute(f'CREATE DATABASE "{name}"')
    return template.format(db=name)


@pytest.fixture(scope="session")
def database_factory(request, tmp_path_factory):
    """Make an empty database of the given backend and return its URL."""
    counter = iter(range(1_000_000))

    def make(backend: str) -> str:
        n = next(counter)
        if backend == "sqlite":
            return f"sqlite:///{tmp_path_factory.mktemp('db') / f'vftops-{n}.sqlite'}"
        template = request.getfixturevalue("postgres_url_template")
        return create_pg_database(template, f"vftops_test_{n}")

    return make


# --- the application ---------------------------------------------------------------


@pytest.fixture(scope="session", params=["sqlite", "postgresql"])
def backend(request):
    return request.param


@pytest.fixture(scope="session")
def _app(backend, database_factory):
    from flask_migrate import upgrade

    from vftops import create_app
    from vftops.extensions import db

    app = create_app("testing", SQLALCHEMY_DATABASE_URI=database_factory(backend))
    with app.app_context():
        upgrade()
    yield app
    with app.app_context():
        db.engine.dispose()


def _empty_all_tables(app) -> None:
    from vftops.extensions import db

    with app.app_context():
        engine = db.engine
        tables = list(reversed(db.metadata.sorted_tables))
        with engine.begin() as conn:
            if engine.dialect.name == "postgresql":
                # Superuser in a throwaway server: switch triggers off for the cleanup.
                conn.execute(text("SET LOCAL session_replication_role = replica"))
                for table in tables:
                    conn.execute(table.delete())
            else:
                # Every trigger that keeps rows (append-only logs, kept grants) is taken
                # away for the cleanup and put back as it was.
                triggers = conn.execute(
                    text("SELECT name, sql FROM sqlite_master WHERE type = 'trigger'")
                ).all()
                for name, _sql in triggers:
                    conn.execute(text(f'DROP TRIGGER "{name}"'))
                for table in tables:
                    conn.execute(table.delete())
                for _name, sql in triggers:
                    conn.execute(text(sql))
        db.session.remove()


@pytest.fixture
def app(_app):
    from vftops.extensions import limiter

    yield _app
    _empty_all_tables(_app)
    with _app.app_context():
        limiter.reset()


@pytest.fixture
def client(app):
    return app.test_client()


# --- factories ---------------------------------------------------------------------


class Factories:
    """Create rows through the real operations and commit, like a request would."""

    def __init__(self, app):
        self.app = app
        self._n = 0

    def _next(self) -> int:
        self._n += 1
        return self._n

    def municipality(self, name: str | None = None, number: str | None = None):
        from vftops.org.operations import create_municipality

        n = self._next()
        with self.app.app_context():
            from vftops.extensions import db

            m = create_municipality(
                None, name=name or f"Kommune {n}", number=number or f"{9000 + n}"
            )
            db.session.commit()
            return SimpleNamespace(id=m.id, name=m.name, number=m.number)

    def unit(self, municipality, name: str | None = None, kind: str = "avdeling", parent=None):
        from vftops.extensions import db
        from vftops.org.models import Municipality
        from vftops.org.operations import create_unit

        with self.app.app_context():
            m = db.session.get(Municipality, municipality.id)
            u = create_unit(
                None,
                m,
                name=name or f"Enhet {self._next()}",
                kind=kind,
                parent_id=parent.id if parent else None,
            )
            db.session.commit()
            return SimpleNamespace(id=u.id, name=u.name, municipality_id=m.id)

    def user(
        self,
        *roles: str,
        municipalities=(),
        units=(),
        username: str | None = None,
        password: str = PASSWORD,
        active: bool = True,
        locale: str = "nb",
    ):
        from vftops.auth.models import User
        from vftops.auth.operations import create_user
        from vftops.extensions import db

        username = username or f"user{self._next()}"
        with self.app.app_context():
            u = create_user(
                None,
                username=username,
                full_name=f"Person {username.title()}",
                password=password,
                roles=list(roles),
                municipality_ids=[m.id for m in municipalities],
                unit_ids=[x.id for x in units],
                locale=locale,
                email=f"{username}@example.no",
            )
            if not active:
                db.session.get(User, u.id).is_active_user = False
            db.session.commit()
            return SimpleNamespace(id=u.id, username=username, password=password)

    def store(self, municipality, name: str | None = None, kind: str = "central"):
        from vftops.extensions import db
        from vftops.org.models import Municipality
        from vftops.stock.operations import create_store

        with self.app.app_context():
            m = db.session.get(Municipality, municipality.id)
            store = create_store(None, m, name=name or f"Lager {self._next()}", kind=kind)
            db.session.commit()
            return SimpleNamespace(id=store.id, name=store.name, municipality_id=m.id)

    def system(self, municipality, name: str | None = None, *, shared_with=(), **kw):
        """A system of the register, run by `municipality` (its access granted by the
        supplier unless told otherwise)."""
        from vftops.extensions import db
        from vftops.org.models import Municipality
        from vftops.systems.operations import create_system

        with self.app.app_context():
            system = create_system(
                None,
                db.session.get(Municipality, municipality.id),
                name=name or f"System {self._next()}",
                kind=kw.pop("kind", "other"),
                admin_kind=kw.pop("admin_kind", "supplier"),
                supplier_id=kw.pop("supplier_id", None) or self._supplier_id(),
                account_source=kw.pop("account_source", "local"),
                shared_with_ids=[m.id for m in shared_with],
                **kw,
            )
            db.session.commit()
            return SimpleNamespace(id=system.id, name=system.name, municipality_id=municipality.id)

    def _supplier_id(self) -> int:
        from sqlalchemy import select

        from vftops.extensions import db
        from vftops.suppliers.models import Supplier
        from vftops.suppliers.operations import create_supplier

        found = db.session.scalar(select(Supplier.id).order_by(Supplier.id).limit(1))
        return found or create_supplier(None, name="Systemleverandør AS").id

    def product(self, category: str = "safety_alarm", model: str | None = None, **kw):
        from vftops.equipment.operations import create_product
        from vftops.extensions import db

        with self.app.app_context():
            product = create_product(
                None,
                category=category,
                manufacturer=kw.pop("manufacturer", "Tunstall"),
                model=model or f"Lifeline {self._next()}",
                **kw,
            )
            db.session.commit()
            return SimpleNamespace(id=product.id, name=product.name, category=category)

    def device(self, product, store, serial: str | None = None, **kw):
        from vftops.equipment.models import Product, Store
        from vftops.equipment.operations import register_device
        from vftops.extensions import db

        with self.app.app_context():
            device = register_device(
                None,
                product=db.session.get(Product, product.id),
                store=db.session.get(Store, store.id),
                serial_number=serial or f"SN{self._next():06d}",
                **kw,
            )
            db.session.commit()
            return SimpleNamespace(
                id=device.id, serial=device.serial_number, municipality_id=device.municipality_id
            )

    def recipient(self, municipality, name: str | None = None, **kw):
        from vftops.equipment.operations import create_recipient
        from vftops.extensions import db
        from vftops.org.models import Municipality

        with self.app.app_context():
            r = create_recipient(
                None,
                db.session.get(Municipality, municipality.id),
                name=name or f"Mottaker {self._next()}",
                **kw,
            )
            db.session.commit()
            return SimpleNamespace(id=r.id, name=r.name, municipality_id=r.municipality_id)

    def placement(self, device, recipient, **kw):
        from vftops.equipment.models import Device, Recipient
        from vftops.equipment.operations import install
        from vftops.extensions import db

        with self.app.app_context():
            p = install(
                None,
                db.session.get(Device, device.id),
                db.session.get(Recipient, recipient.id),
                # A world is built on purpose: a second alarm at one person is intended.
                **{"confirmed": True, **kw},
            )
            db.session.commit()
            return SimpleNamespace(id=p.id, device_id=device.id, recipient_id=recipient.id)

    def token(self, user, days: int = 30, name: str = "test"):
        from vftops.auth.models import User
        from vftops.auth.operations import create_api_token
        from vftops.extensions import db

        with self.app.app_context():
            _token, plain = create_api_token(
                None, db.session.get(User, user.id), name=name, days=days
            )
            db.session.commit()
            return plain

    def api(self, user):
        """A program's test client, calling the API with a new token of `user`."""
        return api_client(self.app, self.token(user))


@pytest.fixture
def factories(app):
    return Factories(app)


def api_client(app, token: str):
    """A program's test client: every request carries the API token."""
    client = app.test_client()
    client.environ_base["HTTP_AUTHORIZATION"] = f"Bearer {token}"
    return client


def login(client, user, password: str | None = None):
    """Log in through the real form (CSRF token and all); returns the response."""
    page = client.get("/login")
    token = csrf_from(page.get_data(as_text=True))
    return client.post(
        "/login",
        data={
            "username": user.username,
            "password": password or user.password,
            "csrf_token": token,
        },
    )


def csrf_from(html: str) -> str:
    import re

    match = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html) or re.search(
        r'value="([^"]+)"[^>]*name="csrf_token"', html
    )
    assert match, "page has no CSRF token"
    return match.group(1)


@pytest.fixture
def login_as(client):
    def do(user, password=None):
        response = login(client, user, password)
        assert response.status_code == 302, response.get_data(as_text=True)[:500]
        return client

    return do


@contextmanager
def count_statements(app):
    """Collect the SQL statements sent to the database inside the block."""
    from sqlalchemy import event

    from vftops.extensions import db

    with app.app_context():
        engine = db.engine
    statements: list[str] = []

    def listener(conn, cursor, statement, parameters, context, executemany):
        statements.append(statement)

    event.listen(engine, "before_cursor_execute", listener)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", listener)


def wait_for(predicate, timeout: float = 10.0, interval: float = 0.05):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(interval)
    return False


# --- races ---------------------------------------------------------------------------------


class _Alone(Exception):
    """A person was left waiting at the start: another never got there."""


def _together(n: int, person, timeout: float) -> list:
    """Runs `person(i, ready)` for n people, each in a thread of its own; `ready()` waits
    until every one of them has called it. Returns what each returned, or the exception it
    raised. A person who raises before `ready()` stops the others waiting, and is reported."""
    start = threading.Barrier(n, timeout=timeout)
    outcomes: list[object] = [None] * n
    alone: list[int] = []

    def ready(i):
        try:
            start.wait()
        except threading.BrokenBarrierError:
            alone.append(i)
            raise _Alone from None

    def run(i):
        try:
            outcomes[i] = person(i, lambda: ready(i))
        except _Alone:
            pass
        except Exception as exc:  # reported, not lost with the thread
            start.abort()
            outcomes[i] = exc

    threads = [threading.Thread(target=run, args=(i,)) for i in range(n)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout * 4)
    assert not any(t.is_alive() for t in threads), "a racer is still running"
    failed = [o for o in outcomes if isinstance(o, Exception)]
    assert not alone, f"the race did not start together: {alone} waited alone; {failed}"
    return outcomes


def race(app, act, *, prepare=None, n: int = 2, timeout: float = 15.0) -> list:
    """n people doing something at the same moment, each in a thread with its own session.

    Each first runs `prepare(i)`: what that person saw (its reads, e.g. the form it opened);
    then all wait until every one of them has read, and only then does each run
    `act(i, prepared)` and commit. No write starts before every read is done, so a race
    test cannot pass by running one person after the other. Returns each person's result,
    or the DomainError they were given. A person who never reaches the start fails the test.
    """
    from vftops.core.errors import DomainError
    from vftops.extensions import db

    def person(i, ready):
        with app.app_context():
            try:
                prepared = prepare(i) if prepare is not None else None
                ready()
                outcome = act(i, prepared)
                db.session.commit()
                return outcome
            except DomainError as exc:
                db.session.rollback()
                return exc
            except Exception:
                db.session.rollback()
                raise
            finally:
                db.session.remove()

    outcomes = _together(n, person, timeout)
    unexpected = [
        o for o in outcomes if isinstance(o, Exception) and not isinstance(o, DomainError)
    ]
    assert not unexpected, unexpected
    return outcomes


def race_requests(clients, act, *, prepare=None, timeout: float = 15.0) -> list:
    """People sending a request at the same moment, each from a test client of their own
    (logged in, or holding a token), each in a thread.

    Each first runs `prepare(i, client)`: what that person saw, through the same client
    (opens the form and returns its CSRF token, or reads the object they are about to
    change); then all wait until every one of them has read, and only then does each run
    `act(i, client, prepared)`, the request that changes something. No request of `act`
    starts before every read is done, so a race test cannot pass by serving one person
    after the other. Returns each person's response to `act`. A person who never reaches
    the start, or an answer of 500 or more, fails the test: a lost race is told (409, or
    the form again with a message), never a server error.
    """

    def person(i, ready):
        client = clients[i]
        prepared = prepare(i, client) if prepare is not None else None
        ready()
        return act(i, client, prepared)

    responses = _together(len(clients), person, timeout)
    failed = [r for r in responses if isinstance(r, Exception)]
    assert not failed, failed
    errors = [r.get_data(as_text=True)[:500] for r in responses if r.status_code >= 500]
    assert not errors, errors
    return responses
