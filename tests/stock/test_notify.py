"""The daily stock digest by e-mail (`flask vftops notify`) and the in-app alert list.

The e-mails go to a real SMTP server (aiosmtpd) on a free local port; the tests
read what arrived, as the responsible person's mail program would.
"""

from __future__ import annotations

import email
import re
import socket
from datetime import timedelta
from email.policy import default as default_policy
from types import SimpleNamespace

import pytest
from sqlalchemy import select, update

from tests.conftest import count_statements, race

BASE = "https://vftops.kommune.example"


# --- a real SMTP server ---------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Inbox:
    """Collects every message the SMTP server accepts."""

    def __init__(self, delay: float = 0.0):
        self.delay = delay
        self.envelopes = []
        self.refuse: set[str] = set()

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address in self.refuse:
            return "550 5.1.1 No such mailbox"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        if self.delay:
            import asyncio

            await asyncio.sleep(self.delay)
        self.envelopes.append(envelope)
        return "250 Message accepted for delivery"

    @property
    def messages(self):
        return [email.message_from_bytes(e.content, policy=default_policy) for e in self.envelopes]

    def to(self, address: str):
        found = [
            m for e, m in zip(self.envelopes, self.messages, strict=True) if address in e.rcpt_tos
        ]
        assert len(found) == 1, f"{len(found)} messages to {address}"
        return found[0]


def parts(message) -> tuple[str, str]:
    # On the wire lines end in CRLF; a mail program shows plain lines.
    text = message.get_body(("plain",)).get_content().replace("\r\n", "\n")
    html = message.get_body(("html",)).get_content().replace("\r\n", "\n")
    return text, html


@pytest.fixture
def inbox(app, monkeypatch):
    from aiosmtpd.controller import Controller

    handler = Inbox()
    port = _free_port()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    monkeypatch.setitem(app.config, "MAIL_SERVER", "127.0.0.1")
    monkeypatch.setitem(app.config, "MAIL_PORT", port)
    monkeypatch.setitem(app.config, "MAIL_USE_TLS", False)
    monkeypatch.setitem(app.config, "MAIL_FROM", "vftops <vftops@kommune.example>")
    monkeypatch.setitem(app.config, "BASE_URL", BASE)
    monkeypatch.setitem(app.config, "STOCK_RESET_WARN_DAYS", 7)
    yield handler
    controller.stop()


@pytest.fixture
def cli(app):
    runner = app.test_cli_runner()

    def run(*args: str):
        return runner.invoke(args=["vftops", "notify", *args])

    return run


# --- the world: a store with something to report --------------------------------------


def _today(app):
    from vftops.core.models import local_today

    return local_today()


def nb_date(day) -> str:
    return f"{day:%d.%m.%Y}"


class World:
    """Stores, products, an order and devices built through the real operations."""

    def __init__(self, app, factories):
        self.app = app
        self.f = factories
        self.stjordal = factories.municipality("Stjørdal", "5035")
        self.meraker = factories.municipality("Meråker", "5034")
        with app.app_context():
            from vftops.equipment.operations import create_product
            from vftops.extensions import db
            from vftops.suppliers.operations import create_supplier

            supplier = create_supplier(None, name="Tunstall Norge AS", lead_time_days=10)
            batteries = create_product(
                None,
                category="other",
                manufacturer="Duracell",
                model="AA-batteri",
                is_serialised=False,
                supplier_id=supplier.id,
            )
            alarm = create_product(
                None,
                category="safety_alarm",
                manufacturer="Tunstall",
                model="Lifeline Vi",
                supplier_id=supplier.id,
            )
            db.session.commit()
            self.supplier_id, self.batteries_id, self.alarm_id = supplier.id, batteries.id, alarm.id

    def store(self, municipality, name, responsible=None):
        with self.app.app_context():
            from vftops.extensions import db
            from vftops.org.models import Municipality
            from vftops.stock.operations import create_store

            store = create_store(
                None,
                db.session.get(Municipality, municipality.id),
                name=name,
                responsible_id=responsible.id if responsible else None,
            )
            db.session.commit()
            return SimpleNamespace(id=store.id, name=name)

    def shortfall(self, store, *, minimum=5, have=2):
        """Batteries below their minimum in `store`."""
        with self.app.app_context():
            from vftops.equipment.models import Product, Store
            from vftops.extensions import db
            from vftops.stock.operations import receive_consumables, set_minimum

            s, p = db.session.get(Store, store.id), db.session.get(Product, self.batteries_id)
            set_minimum(None, s, p, minimum=minimum)
            if have:
                receive_consumables(None, s, p, have)
            db.session.commit()

    def overdue_order(self, store, *, days_late=3, quantity=5):
        """An order of batteries, sent, expected `days_late` days ago."""
        with self.app.app_context():
            from vftops.equipment.models import Product, Store
            from vftops.extensions import db
            from vftops.stock.operations import create_order, send_order
            from vftops.suppliers.models import Supplier

            order = create_order(
                None,
                db.session.get(Store, store.id),
                db.session.get(Supplier, self.supplier_id),
                lines=[(db.session.get(Product, self.batteries_id), quantity)],
                expected_on=_today(self.app) - timedelta(days=days_late),
            )
            send_order(None, order)
            db.session.commit()
            return SimpleNamespace(id=order.id, number=order.number)

    def awaiting_reset(self, store, municipality, *, days_ago=10, serial=None):
        """A faulty alarm taken back `days_ago` days ago and waiting for reset in `store`."""
        from vftops.core.models import utcnow

        device = self.f.device(
            SimpleNamespace(id=self.alarm_id),
            store,
            serial=serial,
            received_at=utcnow() - timedelta(days=days_ago + 60),
        )
        recipient = self.f.recipient(municipality)
        with self.app.app_context():
            from vftops.equipment.models import Device, Recipient, Store
            from vftops.equipment.operations import install, return_device
            from vftops.extensions import db

            placement = install(
                None,
                db.session.get(Device, device.id),
                db.session.get(Recipient, recipient.id),
                installed_at=utcnow() - timedelta(days=days_ago + 30),
            )
            return_device(
                None,
                placement,
                reason="faulty",
                destination="store",
                store=db.session.get(Store, store.id),
                checklist=[],  # not reset yet: it waits for reset
                returned_at=utcnow() - timedelta(days=days_ago),
            )
            db.session.commit()
        return device


@pytest.fixture
def world(app, factories):
    w = World(app, factories)
    w.boss = factories.user("technician", municipalities=[w.stjordal], username="lagersjef")
    w.central = w.store(w.stjordal, "Sentrallager", responsible=w.boss)
    w.shortfall(w.central)
    w.order = w.overdue_order(w.central)
    w.waiting = w.awaiting_reset(w.central, w.stjordal, days_ago=10, serial="LV-OLD-1")
    # Waiting only two days: not yet worth a warning.
    w.fresh = w.awaiting_reset(w.central, w.stjordal, days_ago=2, serial="LV-NEW-1")
    return w


def digest_logs(app):
    from vftops.auth.models import DigestLog
    from vftops.extensions import db

    with app.app_context():
        return [(r.user_id, r.day, r.items) for r in db.session.scalars(select(DigestLog))]


# --- the e-mail -------------------------------------------------------------------------


def test_digest_mail_names_every_item_with_its_link_in_norwegian(app, world, inbox, cli):
    result = cli()
    assert result.exit_code == 0, result.output
    assert "Sent 1 e-mail(s) with 3 item(s)" in result.output
    assert "lagersjef@example.no" in result.output

    today = _today(app)
    mail = inbox.to("lagersjef@example.no")
    assert mail["Subject"] == f"vftops: 3 lagervarsler for {nb_date(today)}"
    assert mail["To"].addresses[0].display_name == "Person Lagersjef"
    assert mail["From"] == "vftops <vftops@kommune.example>"
    assert mail["Auto-Submitted"] == "auto-generated"

    store_url = f"{BASE}/stock/stores/{world.central.id}"
    order_url = f"{BASE}/stock/orders/{world.order.id}"
    shortfall = (
        "Duracell AA-batteri: 2 tilgjengelig, minimum 5 – mangler 3 (5 i bestilling eller på vei)"
    )
    overdue = (
        f"Bestilling {world.order.number} fra Tunstall Norge AS, ventet "
        f"{nb_date(today - timedelta(days=3))}: 3 dager forsinket"
    )
    waiting = f"1 × Tunstall Lifeline Vi venter på tilbakestilling siden {nb_date(today - timedelta(days=10))}"

    text, html = parts(mail)
    assert text.startswith("Hei Person Lagersjef,")
    assert "Sentrallager (Stjørdal)" in text
    assert "Under minimumsbeholdning:" in text
    assert "Forsinkede bestillinger:" in text
    assert "Venter på tilbakestilling i mer enn 7 dager:" in text
    # Each item, with its link on the next line.
    assert f"- {shortfall}\n  {store_url}\n" in text
    assert f"- {overdue}\n  {order_url}\n" in text
    assert f"- {waiting}\n  {store_url}\n" in text
    assert f"{BASE}/stock/notifications" in text
    assert "LV-NEW" not in text
    assert text.count("venter på tilbakestilling") == 1

    assert f'<a href="{store_url}" style="color: #0b5394;">{shortfall}</a>' in html
    assert f'<a href="{order_url}" style="color: #0b5394;">{overdue}</a>' in html
    assert f'<a href="{store_url}" style="color: #0b5394;">{waiting}</a>' in html
    assert "Under minimumsbeholdning" in html
    assert "Forsinkede bestillinger" in html
    assert '<html lang="nb">' in html

    assert digest_logs(app) == [(world.boss.id, today, 3)]


def test_second_run_the_same_day_sends_nothing_but_the_next_day_does(app, world, inbox, cli):
    assert cli().exit_code == 0
    assert len(inbox.envelopes) == 1

    again = cli()
    assert again.exit_code == 0, again.output
    assert len(inbox.envelopes) == 1
    assert "already sent today: Person Lagersjef <lagersjef@example.no>" in again.output
    assert "Sent 0 e-mail(s)" in again.output

    tomorrow = _today(app) + timedelta(days=1)
    next_day = cli("--day", f"{tomorrow:%Y-%m-%d}")
    assert next_day.exit_code == 0, next_day.output
    assert len(inbox.envelopes) == 2
    assert inbox.messages[1]["Subject"] == f"vftops: 3 lagervarsler for {nb_date(tomorrow)}"
    # The order is a day later still.
    assert "4 dager forsinket" in parts(inbox.messages[1])[0]


def test_a_person_responsible_for_two_stores_gets_one_mail_with_both(app, world, inbox, cli):
    van = world.store(world.stjordal, "Teknikerbil 1", responsible=world.boss)
    world.shortfall(van, minimum=4, have=0)

    result = cli()
    assert result.exit_code == 0, result.output
    assert len(inbox.envelopes) == 1
    mail = inbox.to("lagersjef@example.no")
    assert mail["Subject"] == f"vftops: 4 lagervarsler for {nb_date(_today(app))}"
    text, html = parts(mail)
    assert "Sentrallager (Stjørdal)" in text
    assert "Teknikerbil 1 (Stjørdal)" in text
    assert text.index("Sentrallager") < text.index("Teknikerbil 1")
    assert (
        f"- Duracell AA-batteri: 0 tilgjengelig, minimum 4 – mangler 4\n  {BASE}/stock/stores/{van.id}\n"
        in text
    )
    assert f'href="{BASE}/stock/stores/{van.id}"' in html
    assert digest_logs(app) == [(world.boss.id, _today(app), 4)]


def test_people_without_email_get_nothing_and_are_reported(app, world, factories, inbox, cli):
    nomail = factories.user("technician", municipalities=[world.stjordal], username="utenepost")
    with app.app_context():
        from vftops.auth.models import User
        from vftops.auth.operations import update_profile
        from vftops.extensions import db

        update_profile(
            db.session.get(User, nomail.id), full_name="Uten Epost", email="", locale="nb"
        )
        db.session.commit()
    home = world.store(world.stjordal, "Helsehuset", responsible=nomail)
    world.shortfall(home, minimum=3, have=1)
    # Responsible for a store with nothing to report: no mail either.
    calm = factories.user("technician", municipalities=[world.stjordal], username="rolig")
    world.store(world.stjordal, "Rolig lager", responsible=calm)
    # Nobody responsible: reported, so someone can be named.
    orphan = world.store(world.stjordal, "Foreldreløst lager")
    world.shortfall(orphan, minimum=2, have=0)

    result = cli()
    assert result.exit_code == 0, result.output
    assert [e.rcpt_tos for e in inbox.envelopes] == [["lagersjef@example.no"]]
    assert "no e-mail address: Uten Epost (utenepost), 1 item(s) for Helsehuset (Stjørdal)" in (
        result.output
    )
    assert "no responsible person to tell: Foreldreløst lager (Stjørdal)" in result.output
    assert "1 with nothing to report; 1 without an e-mail address; 0 failed." in result.output
    assert [row[0] for row in digest_logs(app)] == [world.boss.id]


def test_smtp_server_down_fails_the_run_and_a_later_run_sends(app, world, inbox, cli, monkeypatch):
    working_port = app.config["MAIL_PORT"]
    monkeypatch.setitem(app.config, "MAIL_PORT", _free_port())  # nothing listens there

    down = cli()
    assert down.exit_code != 0
    assert (
        "NOT SENT to Person Lagersjef <lagersjef@example.no>: could not reach the SMTP server"
        in (down.output)
    )
    assert "1 failed." in down.output
    assert inbox.envelopes == []
    assert digest_logs(app) == []  # rolled back: the next run tries again

    monkeypatch.setitem(app.config, "MAIL_PORT", working_port)
    later = cli()
    assert later.exit_code == 0, later.output
    assert len(inbox.envelopes) == 1
    assert [row[0] for row in digest_logs(app)] == [world.boss.id]


def test_an_address_the_server_refuses_fails_alone(app, world, factories, inbox, cli):
    gone = factories.user("technician", municipalities=[world.stjordal], username="sluttet")
    annex = world.store(world.stjordal, "Annekset", responsible=gone)
    world.shortfall(annex, minimum=2, have=0)
    inbox.refuse.add("sluttet@example.no")

    result = cli()
    assert result.exit_code != 0
    assert (
        "NOT SENT to Person Sluttet <sluttet@example.no>: the SMTP server refused the address: "
        "550 5.1.1 No such mailbox" in result.output
    )
    assert "Sent 1 e-mail(s) with 3 item(s)" in result.output
    assert [e.rcpt_tos for e in inbox.envelopes] == [["lagersjef@example.no"]]
    assert [row[0] for row in digest_logs(app)] == [world.boss.id]


def test_logs_in_when_a_username_is_configured(app, world, factories, cli, monkeypatch):
    """With MAIL_USERNAME the run logs in; a wrong password stops it after one try."""
    from aiosmtpd.controller import Controller
    from aiosmtpd.smtp import AuthResult

    attempts = []

    def authenticator(server, session, envelope, mechanism, auth_data):
        attempts.append(id(session))
        ok = (auth_data.login, auth_data.password) == (b"vftops", b"s3cret")
        return AuthResult(success=ok, handled=False)

    colleague = factories.user("technician", municipalities=[world.stjordal], username="kollega")
    world.shortfall(world.store(world.stjordal, "Kjeller", responsible=colleague))
    handler = Inbox()
    port = _free_port()
    controller = Controller(
        handler,
        hostname="127.0.0.1",
        port=port,
        authenticator=authenticator,
        auth_require_tls=False,
    )
    controller.start()
    try:
        monkeypatch.setitem(app.config, "MAIL_SERVER", "127.0.0.1")
        monkeypatch.setitem(app.config, "MAIL_PORT", port)
        monkeypatch.setitem(app.config, "MAIL_USERNAME", "vftops")
        monkeypatch.setitem(app.config, "MAIL_PASSWORD", "wrong")
        refused = cli()
        assert refused.exit_code != 0
        assert "refused the connection: the SMTP server answered 535" in refused.output
        assert "2 failed." in refused.output
        assert len(set(attempts)) == 1  # one connection tried, not one per person
        assert digest_logs(app) == []

        monkeypatch.setitem(app.config, "MAIL_PASSWORD", "s3cret")
        sent = cli()
        assert sent.exit_code == 0, sent.output
        assert sorted(e.rcpt_tos[0] for e in handler.envelopes) == [
            "kollega@example.no",
            "lagersjef@example.no",
        ]
    finally:
        controller.stop()


def test_without_mail_server_it_refuses_unless_dry_run(app, world, inbox, cli, monkeypatch):
    monkeypatch.setitem(app.config, "MAIL_SERVER", None)
    refused = cli()
    assert refused.exit_code != 0
    assert "MAIL_SERVER is not set" in refused.output
    assert "--dry-run" in refused.output

    dry = cli("--dry-run")
    assert dry.exit_code == 0, dry.output
    assert "(dry run)" in dry.output
    assert "would send to Person Lagersjef <lagersjef@example.no>: 3 item(s)" in dry.output
    assert "Would send 1 e-mail(s) with 3 item(s)" in dry.output
    assert inbox.envelopes == []
    assert digest_logs(app) == []


def test_the_mail_is_in_the_recipients_language(app, world, factories, inbox, cli):
    english = factories.user(
        "procurement", municipalities=[world.stjordal], username="buyer", locale="en"
    )
    depot = world.store(world.stjordal, "Depot <Værksted & Co>", responsible=english)
    order = world.overdue_order(depot, days_late=1)

    assert cli().exit_code == 0
    mail = inbox.to("buyer@example.no")
    assert mail["Subject"] == f"vftops: 1 stock alert for {nb_date(_today(app))}"
    text, html = parts(mail)
    assert text.startswith("Hello Person Buyer,")
    assert f"Order {order.number} from Tunstall Norge AS" in text
    assert ": 1 day overdue" in text
    assert "Overdue orders" in html
    assert '<html lang="en">' in html
    assert "Depot &lt;Værksted &amp; Co&gt; (Stjørdal)" in html  # escaped in HTML
    assert "Depot <Værksted & Co> (Stjørdal)" in text  # as typed in plain text
    # The Norwegian colleague's mail is still Norwegian.
    assert "lagervarsler" in inbox.to("lagersjef@example.no")["Subject"]


def test_two_runs_at_once_send_each_digest_once(app, world, inbox):
    """Two cron jobs started together: the (person, day) row decides, one mail goes."""
    from vftops.notify import run_notify

    inbox.delay = 0.5  # the first run holds its row while the server is slow
    results = race(app, lambda _i, _seen: run_notify())
    assert len(inbox.envelopes) == 1
    assert sorted(len(r.sent) for r in results) == [0, 1]
    assert sum(len(r.skipped_already_sent) for r in results) == 1
    assert all(r.ok for r in results)
    assert len(digest_logs(app)) == 1


def test_notify_reads_with_a_fixed_number_of_queries(app, world, factories):
    """More stores and more people: not one query more (the digest is built for all at once)."""
    from vftops.notify import run_notify

    def statements():
        with count_statements(app) as seen, app.app_context():
            result = run_notify(dry_run=True)
        return len(seen), result

    few, first = statements()
    for n in range(3):
        person = factories.user("technician", municipalities=[world.stjordal])
        for k in range(2):
            store = world.store(world.stjordal, f"Lager {n}-{k}", responsible=person)
            world.shortfall(store, minimum=3, have=1)
            world.overdue_order(store, days_late=2 + k)
        world.awaiting_reset(store, world.stjordal, days_ago=9, serial=f"LV-{n}")
    many, second = statements()
    assert len(first.sent) == 1
    assert len(second.sent) == 4
    assert second.items == 3 + 3 * 5
    assert many == few


# --- the in-app list ----------------------------------------------------------------------


def test_in_app_list_shows_the_same_items_and_never_another_municipality(
    app, world, factories, login_as, client
):
    colleague = factories.user("technician", municipalities=[world.stjordal])
    other_store = world.store(world.stjordal, "Legevakta", responsible=colleague)
    world.shortfall(other_store, minimum=6, have=1)
    stranger = factories.user("technician", municipalities=[world.meraker])
    foreign = world.store(world.meraker, "Meråker lager", responsible=stranger)
    world.shortfall(foreign, minimum=9, have=0)
    foreign_order = world.overdue_order(foreign)

    today = _today(app)
    login_as(world.boss)
    page = client.get("/stock/notifications")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "Lagervarsler" in html
    assert "Sentrallager (Stjørdal)" in html
    assert "3 varsler" in html
    items = re.findall(r'data-testid="notification"><a href="([^"]+)">([^<]+)</a>', html)
    assert items == [
        (
            f"/stock/stores/{world.central.id}",
            "Duracell AA-batteri: 2 tilgjengelig, minimum 5 – mangler 3 (5 i bestilling eller på vei)",
        ),
        (
            f"/stock/orders/{world.order.id}",
            f"Bestilling {world.order.number} fra Tunstall Norge AS, ventet "
            f"{nb_date(today - timedelta(days=3))}: 3 dager forsinket",
        ),
        (
            f"/stock/stores/{world.central.id}",
            f"1 × Tunstall Lifeline Vi venter på tilbakestilling siden {nb_date(today - timedelta(days=10))}",
        ),
    ]
    assert "Legevakta" not in html  # someone else's store: only under «Alle lagre»
    assert "Meråker" not in html

    everything = client.get("/stock/notifications?all=1").get_data(as_text=True)
    assert "Sentrallager (Stjørdal)" in everything
    assert "Legevakta (Stjørdal)" in everything
    assert "Duracell AA-batteri: 1 tilgjengelig, minimum 6 – mangler 5" in everything
    assert "Meråker" not in everything
    assert f"/stock/orders/{foreign_order.id}" not in everything
    assert f"/stock/stores/{foreign.id}" not in everything


def test_in_app_list_empty_states(app, world, factories, login_as, client):
    reader = factories.user("auditor", municipalities=[world.meraker])
    login_as(reader)
    mine = client.get("/stock/notifications").get_data(as_text=True)
    assert "Du er ikke ansvarlig for noe lager." in mine
    everything = client.get("/stock/notifications?all=1").get_data(as_text=True)
    assert "Ingenting å melde" in everything
    assert "Sentrallager" not in everything


def test_in_app_list_loads_with_a_fixed_number_of_queries(app, world, factories, login_as, client):
    login_as(world.boss)
    with count_statements(app) as few:
        assert client.get("/stock/notifications?all=1").status_code == 200
    for n in range(3):
        store = world.store(world.stjordal, f"Sone {n}", responsible=world.boss)
        world.shortfall(store, minimum=3, have=1)
        world.overdue_order(store)
        world.awaiting_reset(store, world.stjordal, days_ago=8, serial=f"SZ-{n}")
    with count_statements(app) as many:
        html = client.get("/stock/notifications?all=1").get_data(as_text=True)
    assert html.count('data-testid="notification"') == 3 + 3 * 3
    assert len(many) == len(few)


def test_waiting_since_comes_from_the_ledger_time(app, world, inbox, cli):
    """Backdating the status change directly (the only field set by hand) moves the warning."""
    from vftops.core.models import utcnow
    from vftops.equipment.models import Device
    from vftops.extensions import db

    with app.app_context():
        db.session.execute(
            update(Device)
            .where(Device.id == world.fresh.id)
            .values(status_changed_at=utcnow() - timedelta(days=30))
        )
        db.session.commit()
    assert cli().exit_code == 0
    text, _html = parts(inbox.to("lagersjef@example.no"))
    since = nb_date(_today(app) - timedelta(days=30))
    assert f"2 × Tunstall Lifeline Vi venter på tilbakestilling, den eldste siden {since}" in text


def test_waiting_for_reset_counts_norwegian_days(app, world, monkeypatch):
    """More than 7 days: the status changed on a Norwegian calendar day before today − 7. Just
    after midnight in Oslo on today − 7 is still 7 days (the day before in UTC); just before
    that midnight is 8 days."""
    from datetime import datetime, time
    from zoneinfo import ZoneInfo

    from vftops.equipment.models import Device
    from vftops.extensions import db
    from vftops.stock.queries import digests

    monkeypatch.setitem(app.config, "STOCK_RESET_WARN_DAYS", 7)
    oslo = ZoneInfo("Europe/Oslo")
    today = _today(app)
    midnight = datetime.combine(today - timedelta(days=7), time.min, tzinfo=oslo)

    def waiting_serials(changed_at):
        with app.app_context():
            db.session.execute(
                update(Device)
                .where(Device.id == world.fresh.id)
                .values(status_changed_at=changed_at)
            )
            db.session.commit()
            found = digests([world.central.id], today=today)[world.central.id]
            return sum(n for _product, n, _oldest in found.waiting_reset)

    assert waiting_serials(midnight + timedelta(minutes=30)) == 1  # only LV-OLD-1
    assert waiting_serials(midnight - timedelta(minutes=30)) == 2


def test_a_module_adds_its_part_by_declaring_it(app, world, factories, inbox, cli, monkeypatch):
    """The digest is built from the modules' declarations: a module that declares a part
    has its section in the same e-mail, its people told, its work done before a real run
    (not a dry run), and its notes in the command's output."""
    from jinja2 import ChoiceLoader, DictLoader

    from vftops.core.modules import EXTENSION_KEY, DigestPart, Module

    reader = factories.user("technician", municipalities=[world.stjordal], username="leser")
    done_before: list[str] = []

    class Section:
        count = 2
        topics = ["agreements"]
        reason = "You own agreements."

    class Found:
        people = {world.boss.id, reader.id}
        notes = ["an agreement nobody owns: Avtale 7"]

        def for_person(self, person, municipality_ids):
            # Only what the person's municipalities hold.
            return Section() if world.stjordal.id in municipality_ids else None

    def before():
        done_before.append("ran")
        return [("Agreements: 1 deadline marked passed", False)]

    part = DigestPart(lambda day, now: Found(), "agreements/email/part", before=before, order=5)
    monkeypatch.setitem(
        app.extensions,
        EXTENSION_KEY,
        (*app.extensions[EXTENSION_KEY], Module(name="agreements_digest", digest=(part,))),
    )
    monkeypatch.setattr(
        app.jinja_env,
        "loader",
        ChoiceLoader(
            [
                DictLoader(
                    {
                        "agreements/email/part.txt": "\nNotice due: {{ section.count }}",
                        "agreements/email/part.html": "<p>Notice due: {{ section.count }}</p>",
                    }
                ),
                app.jinja_env.loader,
            ]
        ),
    )

    dry = cli("--dry-run")
    assert dry.exit_code == 0, dry.output
    assert done_before == []  # nothing is done before a dry run
    assert "an agreement nobody owns: Avtale 7" in dry.output

    result = cli()
    assert result.exit_code == 0, result.output
    assert done_before == ["ran"]
    assert "Agreements: 1 deadline marked passed" in result.output
    # The store responsible: one e-mail with the stores and the new part, whose order puts
    # it first; the subject is the general one, since two parts speak.
    text, html = parts(inbox.to("lagersjef@example.no"))
    assert text.index("Notice due: 2") < text.index("Sentrallager (Stjørdal)")
    assert "<p>Notice due: 2</p>" in html
    assert "You own agreements." in text.split("\n-- \n")[1]
    assert inbox.to("lagersjef@example.no")["Subject"].startswith("vftops: 5 varsler for ")
    # Someone only the new part has something for is told too.
    assert "Notice due: 2" in parts(inbox.to("leser@example.no"))[0]
