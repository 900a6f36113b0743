"""Support reports and the ticket list as CSV/XLSX: the figures a service owner reads.

The tickets are registered, acknowledged, escalated and resolved through the real
operations with the times they happened, so every figure below follows from the
story told in the `world` fixture.
"""

from __future__ import annotations

import csv
import io
import re
from datetime import UTC, datetime, timedelta
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select, update

from tests.conftest import count_statements, login
from vftops.auth.models import User
from vftops.core.models import local_today, utcnow
from vftops.equipment.models import Device, Placement
from vftops.extensions import db
from vftops.support import operations as ops
from vftops.support.models import Ticket

OSLO = ZoneInfo("Europe/Oslo")
NBSP = "\xa0"


def _get(model, obj):
    return db.session.get(model, obj.id)


def _ticket(municipality, *, at, devices=(), kind="technical_alarm", **kw):
    data = {
        "title": kw.pop("title", "Alarmen svarer ikke"),
        "kind": kind,
        "channel": kw.pop("channel", "alarm" if kind == "technical_alarm" else "phone"),
        "reporter_kind": kw.pop(
            "reporter_kind", "monitoring" if kind == "technical_alarm" else "employee"
        ),
        "devices": [_get(Device, d) for d in devices],
    }
    data.update(kw)
    return ops.create_ticket(None, municipality.id, at=at, **data)


def _work(ticket, who, *, ack_after=None, resolve_after=None):
    user = _get(User, who)
    if ack_after is not None:
        ops.acknowledge(user, ticket, at=ticket.created_at + ack_after)
    if resolve_after is not None:
        ops.change_status(
            user, ticket, "resolved", note="Byttet batteri", at=ticket.created_at + resolve_after
        )


def _return_faulty(app, device, when):
    with app.app_context():
        from vftops.equipment.operations import return_device

        placement = db.session.scalar(
            select(Placement).where(
                Placement.device_id == device.id, Placement.returned_at.is_(None)
            )
        )
        return_device(None, placement, reason="faulty", destination="repair", returned_at=when)
        db.session.commit()


@pytest.fixture
def world(app, factories):
    """Stjørdal: eight alarms and four door sensors installed; over the last weeks two
    technical alarms, three equipment faults and a question came in, one alarm came
    back faulty without a ticket, two faults went to the supplier. Meråker has an alarm
    of its own that Stjørdal's people never see."""
    m = factories.municipality("Stjørdal", "5035")
    other = factories.municipality("Meråker", "5034")
    anne = factories.user("servicedesk", municipalities=[m], username="anne")
    tor = factories.user("technician", municipalities=[m], username="tor")
    both = factories.user("servicedesk", municipalities=[m, other], username="delt")
    reader = factories.user("auditor", municipalities=[m], username="revisor")
    store = factories.store(m, name="Sentrallager")
    foreign_store = factories.store(other, name="Meråker lager")
    with app.app_context():
        from vftops.suppliers.operations import create_supplier

        supplier = create_supplier(None, name="Tunstall Norge AS")
        db.session.commit()
        supplier_id = supplier.id
    alarm = factories.product("safety_alarm", model="Lifeline Vi", supplier_id=supplier_id)
    sensor = factories.product("door_sensor", model="Dørsensor")
    now = utcnow().replace(microsecond=0)
    long_ago = now - timedelta(days=400)
    alarms, sensors = [], []
    for n in range(8):
        device = factories.device(alarm, store, serial=f"ALARM-{n + 1}", received_at=long_ago)
        factories.placement(
            device, factories.recipient(m), installed_at=long_ago + timedelta(days=1)
        )
        alarms.append(device)
    for n in range(4):
        device = factories.device(sensor, store, serial=f"DOOR-{n + 1}", received_at=long_ago)
        factories.placement(
            device, factories.recipient(m), installed_at=long_ago + timedelta(days=1)
        )
        sensors.append(device)
    foreign = factories.device(alarm, foreign_store, serial="M-1", received_at=long_ago)
    factories.placement(
        foreign, factories.recipient(other), installed_at=long_ago + timedelta(days=1)
    )
    with app.app_context():
        desk = ops.create_team(None, m.id, name="Servicedesk", kind="servicedesk", is_default=True)
        techs = ops.create_team(
            None, m.id, name="Teknikere", kind="technicians", members=[_get(User, tor)]
        )
        ops.save_rule(None, m.id, team=techs, position=10, kind="technical_alarm")
        ops.create_team(None, other.id, name="Meråker servicedesk", kind="servicedesk")
        m_ns = SimpleNamespace(id=m.id)
        # Ten days ago: an alarm, acknowledged in 30 minutes and resolved in 2 hours.
        t1 = _ticket(m_ns, at=now - timedelta(days=10), devices=[alarms[0]])
        _work(t1, tor, ack_after=timedelta(minutes=30), resolve_after=timedelta(hours=2))
        # Twenty days ago: one fault about two alarms; an hour to acknowledge, five to fix.
        t2 = _ticket(
            m_ns,
            at=now - timedelta(days=20),
            devices=[alarms[1], alarms[2]],
            kind="equipment_fault",
            title="To alarmer piper",
        )
        _work(t2, anne, ack_after=timedelta(hours=1), resolve_after=timedelta(hours=5))
        # Three days ago: urgent (priority 2, 8 hours on 24/7), resolved after 10 hours.
        t3 = _ticket(m_ns, at=now - timedelta(days=3), devices=[alarms[3]], urgency="high")
        _work(t3, tor, ack_after=timedelta(minutes=20), resolve_after=timedelta(hours=10))
        # Two days ago: a question, still open.
        question = _ticket(
            m_ns, at=now - timedelta(days=2), kind="question", title="Hvordan lader jeg?"
        )
        # A hundred days ago: outside the last 12 weeks.
        old = _ticket(m_ns, at=now - timedelta(days=100), devices=[alarms[4]])
        _work(old, tor, ack_after=timedelta(minutes=5), resolve_after=timedelta(hours=1))
        # Two door sensors escalated to the supplier: answered after 2 and 4 hours,
        # fixed after 26 and 50 hours.
        escalated = []
        for n, (answer, fix) in enumerate(((2, 26), (4, 50))):
            t = _ticket(
                m_ns,
                at=now - timedelta(days=15 - n),
                devices=[sensors[n]],
                kind="equipment_fault",
                title=f"Dørsensor {n + 1} faller ut",
            )
            at = t.created_at + timedelta(hours=1)
            ops.escalate(
                _get(User, anne),
                t,
                db.session.get(type(supplier), supplier_id),
                supplier_ref=f"TUN-{n}",
                at=at,
            )
            ops.record_supplier_response(
                _get(User, anne),
                t,
                answered_at=at + timedelta(hours=answer),
                fixed_at=at + timedelta(hours=fix),
            )
            escalated.append(t.id)
        # Meråker's own alarm.
        _ticket(SimpleNamespace(id=other.id), at=now - timedelta(days=5), devices=[foreign])
        db.session.commit()
        ids = SimpleNamespace(
            t1=t1.id,
            t2=t2.id,
            t3=t3.id,
            question=question.id,
            old=old.id,
            desk=desk.id,
            techs=techs.id,
        )
    # The first alarm went back as faulty (its ticket counts, once); the sixth came back
    # faulty five days ago without a ticket.
    _return_faulty(app, alarms[0], now - timedelta(days=9))
    _return_faulty(app, alarms[5], now - timedelta(days=5))
    return SimpleNamespace(
        m=m,
        other=other,
        anne=anne,
        tor=tor,
        both=both,
        reader=reader,
        alarm=alarm,
        sensor=sensor,
        alarms=alarms,
        sensors=sensors,
        supplier_id=supplier_id,
        escalated=escalated,
        now=now,
        **vars(ids),
    )


def _rows(html: str, testid: str) -> list[list[str]]:
    """The cells of each row with that data-testid, tags stripped."""
    rows = re.findall(rf'<tr data-testid="{testid}"[^>]*>(.*?)</tr>', html, re.S)
    return [
        [
            re.sub(r"<[^>]+>", "", cell).strip()
            for cell in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", r, re.S)
        ]
        for r in rows
    ]


# --- the page ----------------------------------------------------------------------------


def test_reports_page_tells_the_story_of_the_last_twelve_weeks(app, world, login_as, client):
    login_as(world.anne)
    page = client.get("/support/reports")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "Rapporter for support" in html
    assert "6 nye saker i perioden." in html
    assert 'data-testid="weekly-chart"' in html
    assert "<svg" in html

    # Tickets per week by kind: added up over the weeks, two alarms, three faults, one
    # question; the 100-day-old alarm and Meråker's alarm are not there.
    weekly = _rows(html, "weekly-row")
    assert len(weekly) == 12
    header = re.search(r'data-testid="weekly-table".*?<thead><tr>(.*?)</tr>', html, re.S).group(1)
    kinds = [re.sub(r"<[^>]+>", "", c) for c in re.findall(r"<th[^>]*>(.*?)</th>", header)]
    assert kinds == ["Uke", "Teknisk alarm", "Utstyrsfeil", "Spørsmål", "Sum"]
    sums = [sum(int(row[i]) for row in weekly) for i in range(1, 5)]
    assert sums == [2, 3, 1, 6]

    # Faults per 1,000 in use: alarms 4 faults (two tickets, one ticket about two alarms,
    # one faulty return without a ticket; the faulty return with a ticket counts once)
    # over six installed now; door sensors 2 over 4.
    assert _rows(html, "fault-row") == [
        ["Tunstall Lifeline Vi", "6", "4", "666,7"],
        ["Tunstall Dørsensor", "4", "2", "500,0"],
    ]
    assert 'data-testid="faults-chart"' in html

    # SLA per team: the technicians resolved two, one after its deadline.
    assert _rows(html, "team-row") == [
        ["Servicedesk", "1", "1", "0", "0", f"100{NBSP}%"],
        ["Teknikere", "2", "1", "1", "0", f"50{NBSP}%"],
    ]
    # The supplier: two escalated, medians 3 hours to answer, 38 hours to fix.
    assert _rows(html, "supplier-row") == [
        ["Tunstall Norge AS", "2", "2", "2", "2", "3 t", "38 t"],
    ]
    # Median wall-clock times per priority: priority 2 (the urgent alarm), priority 3
    # (acknowledged after 30 min, 1 h and — on escalation — 1 h twice; resolved in 2 and 5 h).
    assert _rows(html, "times-row") == [
        ["Høy", "1", "20 min", "1", "10 t"],
        ["Middels", "4", "1 t", "2", "3 t 30 min"],
    ]


def test_the_fault_report_shows_the_worst_models_and_all_on_request(
    app, world, login_as, client, monkeypatch
):
    """A national catalogue has a thousand models in use: the page shows the worst first
    and the rest when asked, keeping the period."""
    from vftops.support import views_reports

    monkeypatch.setattr(views_reports, "FAULT_ROWS", 1)
    login_as(world.anne)
    html = client.get("/support/reports?weeks=26").get_data(as_text=True)
    # 26 weeks take in the 100-day-old alarm too: five faults over six in use.
    assert _rows(html, "fault-row") == [["Tunstall Lifeline Vi", "6", "5", "833,3"]]
    more = re.search(r'data-testid="faults-more">(.*?)</p>', html, re.S).group(1)
    assert "Viser de 1 produktmodellene med flest feil per 1 000 i bruk (av 2)." in more
    link = re.search(r'href="([^"]+)">Vis alle 2 produktmodellene</a>', more).group(1)
    assert "weeks=26" in link
    assert "faults=all" in link
    html = client.get(link.replace("&amp;", "&")).get_data(as_text=True)
    assert [row[0] for row in _rows(html, "fault-row")] == [
        "Tunstall Lifeline Vi",
        "Tunstall Dørsensor",
    ]
    assert "Vis bare de 1 med flest feil" in html
    assert "weeks=26" in html


def test_a_longer_period_takes_in_older_tickets(app, world, login_as, client):
    login_as(world.anne)
    html = client.get("/support/reports?weeks=26").get_data(as_text=True)
    assert "7 nye saker i perioden." in html
    assert len(_rows(html, "weekly-row")) == 26
    assert 'value="26" selected' in html
    teams = _rows(html, "team-row")
    assert teams[1][:4] == ["Teknikere", "3", "2", "1"]
    # A period nobody offers falls back to twelve weeks.
    html = client.get("/support/reports?weeks=7").get_data(as_text=True)
    assert len(_rows(html, "weekly-row")) == 12


def test_municipality_filter_shows_only_that_municipality(app, world, login_as, client):
    login_as(world.both)
    everything = client.get("/support/reports").get_data(as_text=True)
    assert "Alle kommunene mine" in everything
    assert "7 nye saker i perioden." in everything
    meraker = client.get(f"/support/reports?municipality_id={world.other.id}")
    html = meraker.get_data(as_text=True)
    assert "1 ny sak i perioden." in html
    assert "· Meråker." in html
    assert _rows(html, "fault-row") == [["Tunstall Lifeline Vi", "1", "1", "1\xa0000,0"]]
    assert "Ingen saker ble løst i perioden." in html


def test_another_municipality_answers_404_and_a_single_one_has_no_filter(
    app, world, login_as, client
):
    login_as(world.anne)
    assert client.get(f"/support/reports?municipality_id={world.other.id}").status_code == 404
    html = client.get("/support/reports").get_data(as_text=True)
    assert 'name="municipality_id"' not in html  # one municipality: nothing to choose


def test_empty_reports_say_so(app, factories, login_as, client):
    m = factories.municipality("Frosta", "5036")
    login_as(factories.user("auditor", municipalities=[m]))
    html = client.get("/support/reports").get_data(as_text=True)
    assert "0 nye saker i perioden." in html
    assert "Ingen saker kom inn i perioden." in html
    assert "Ingen enheter i bruk og ingen feil i perioden." in html
    assert "Ingen saker ble eskalert til en leverandør i perioden." in html
    assert "Ingen saker ble kvittert eller løst i perioden." in html


def test_reports_page_reads_with_a_fixed_number_of_queries(app, world, factories, login_as, client):
    login_as(world.reader)
    with count_statements(app) as few:
        assert client.get("/support/reports").status_code == 200
    # More of everything: teams, products, suppliers, tickets in every state.
    with app.app_context():
        from vftops.equipment.operations import create_product
        from vftops.suppliers.operations import create_supplier

        m_ns = SimpleNamespace(id=world.m.id)
        for n in range(3):
            team = ops.create_team(None, world.m.id, name=f"Team {n}", kind="other")
            supplier = create_supplier(None, name=f"Leverandør {n}")
            create_product(None, category="bed_sensor", manufacturer="X", model=f"Seng {n}")
            t = _ticket(m_ns, at=world.now - timedelta(days=n + 1), kind="system_fault", team=team)
            ops.escalate(_get(User, world.anne), t, supplier, at=t.created_at + timedelta(hours=1))
            done = _ticket(m_ns, at=world.now - timedelta(days=n + 4), kind="access", team=team)
            _work(done, world.anne, ack_after=timedelta(hours=1), resolve_after=timedelta(hours=3))
        db.session.commit()
    with count_statements(app) as many:
        html = client.get("/support/reports").get_data(as_text=True)
    assert len(_rows(html, "team-row")) == 5
    assert len(_rows(html, "supplier-row")) == 4
    assert len(many) == len(few)


def test_the_reports_are_worked_out_once_for_everyone_who_looks_within_minutes(
    app, world, login_as, client, monkeypatch
):
    """Twelve weeks of a national servicedesk took most of a second. Within the cache
    time the same view is read without touching the tickets, and says as of when; a
    new ticket shows once the cache time has passed. Another view is its own."""
    from vftops.support import reports
    from vftops.support.reports import forget_cached_reports

    clock = [1000.0]
    monkeypatch.setattr(reports.clock, "monotonic", lambda: clock[0])
    forget_cached_reports()
    app.config["SUPPORT_REPORT_CACHE_SECONDS"] = 300
    try:
        login_as(world.anne)
        first = client.get("/support/reports").get_data(as_text=True)
        assert "6 nye saker i perioden." in first
        as_of = re.search(r"til (\d\d\.\d\d\.\d{4} \d\d:\d\d)", first).group(1)
        with app.app_context():
            _ticket(SimpleNamespace(id=world.m.id), at=world.now - timedelta(hours=1))
            db.session.commit()
        clock[0] += 299
        with count_statements(app) as cached:
            again = client.get("/support/reports").get_data(as_text=True)
        assert "6 nye saker i perioden." in again
        assert as_of in again
        assert not [s for s in cached if "tickets" in s.lower()]
        # Four weeks is another view, worked out now: the new ticket is in it.
        with count_statements(app) as fresh:
            four = client.get("/support/reports?weeks=4").get_data(as_text=True)
        assert [s for s in fresh if "tickets" in s.lower()]
        new_in_four = int(re.search(r"(\d+) nye saker i perioden", four).group(1))
        # Five minutes on, the twelve weeks are worked out again, with the new ticket.
        clock[0] += 2
        assert "7 nye saker i perioden." in client.get("/support/reports").get_data(as_text=True)
        assert new_in_four >= 1
    finally:
        app.config["SUPPORT_REPORT_CACHE_SECONDS"] = 0
        forget_cached_reports()


def test_a_reader_of_another_municipality_never_gets_the_cached_report(
    app, world, login_as, client, factories
):
    from vftops.support.reports import forget_cached_reports

    forget_cached_reports()
    app.config["SUPPORT_REPORT_CACHE_SECONDS"] = 300
    try:
        login_as(world.anne)
        assert "6 nye saker i perioden." in client.get("/support/reports").get_data(as_text=True)
        other = factories.municipality(name="Frosta", number="5036")
        stranger = factories.user("servicedesk", municipalities=[other], username="frosta")
        elsewhere = app.test_client()
        assert login(elsewhere, stranger).status_code == 302
        page = elsewhere.get("/support/reports").get_data(as_text=True)
        assert "6 nye saker" not in page
        assert 'data-testid="no-tickets"' in page
    finally:
        app.config["SUPPORT_REPORT_CACHE_SECONDS"] = 0
        forget_cached_reports()


# --- the figures, one by one -------------------------------------------------------------------


def test_the_report_worked_out_side_by_side_is_the_report_worked_out_in_turn(app, world):
    """The page works out its six parts at the same time on connections of their own:
    the figures are the ones worked out one after the other on the request's own."""
    from vftops.support.reports import build, period

    with app.app_context():
        ids, p = [world.m.id], period(12)
        in_turn = build(ids, p, no_team="Uten team")
        side_by_side = build(ids, p, no_team="Uten team", side_by_side=True)
    assert in_turn.total_new == 6
    assert all([in_turn.faults, in_turn.teams, in_turn.suppliers, in_turn.times])
    assert side_by_side == in_turn


def test_a_part_that_fails_fails_the_whole_report_after_the_others_end(app, world):
    """Half a report is never shown as the whole: an error in one part is raised, and
    only once every other part has finished with its connection."""
    from vftops.core.db import side_by_side

    finished = []

    def slow(name):
        def read():
            n = db.session.scalar(select(db.func.count()).select_from(Ticket))
            finished.append(name)
            return n

        return read

    def broken():
        raise LookupError("no such figure")

    with app.app_context():
        with pytest.raises(LookupError, match="no such figure"):
            side_by_side({"broken": broken, "a": slow("a"), "b": slow("b"), "c": slow("c")})
        assert sorted(finished) == ["a", "b", "c"]
        counts = side_by_side({"a": slow("a"), "b": slow("b")})
    assert counts["a"] == counts["b"] > 6  # every ticket of the story

    def writes():
        db.session.execute(update(Ticket).values(title="Overskrevet"))

    # A part only reads: one that writes is refused, not left uncommitted and lost.
    with app.app_context():
        with pytest.raises(RuntimeError, match="read-only part"):
            side_by_side({"a": slow("a"), "writes": writes})
        titles = set(db.session.scalars(select(Ticket.title)))
    assert "Overskrevet" not in titles


def test_weeks_are_norwegian_weeks_from_monday_midnight(app, factories):
    """Sunday 23:30 and Monday 00:30 in Oslo fall in different weeks, in summer time too."""
    from vftops.support import reports

    m = factories.municipality("Stjørdal", "5035")
    now = datetime(2026, 6, 17, 12, 0, tzinfo=OSLO).astimezone(UTC)  # a Wednesday
    with app.app_context():
        ops.create_team(None, m.id, name="Servicedesk", kind="servicedesk", is_default=True)
        sunday = datetime(2026, 6, 14, 23, 30, tzinfo=OSLO).astimezone(UTC)
        monday = datetime(2026, 6, 15, 0, 30, tzinfo=OSLO).astimezone(UTC)
        first = datetime(2026, 5, 25, 0, 10, tzinfo=OSLO).astimezone(UTC)  # week 22
        before = datetime(2026, 5, 24, 23, 50, tzinfo=OSLO).astimezone(UTC)
        for at, kind in (
            (sunday, "question"),
            (monday, "access"),
            (first, "other"),
            (before, "other"),
        ):
            _ticket(SimpleNamespace(id=m.id), at=at, kind=kind)
        db.session.commit()
        period = reports.period(4, now=now)
        assert [period.week_label(i)[0] for i in range(4)] == [22, 23, 24, 25]
        weeks = reports.tickets_per_week([m.id], period)
    assert weeks == [{"other": 1}, {}, {"question": 1}, {"access": 1}]


def test_failure_counts_per_store_for_the_stock_minimum(app, world, factories):
    """Per store the devices were installed from: the shape stock's suggestion reads."""
    from vftops.equipment.models import Store
    from vftops.support.reports import failure_counts

    with app.app_context():
        store_id = db.session.scalar(select(Store.id).where(Store.name == "Sentrallager"))
        since = world.now - timedelta(weeks=12)
        by_store = failure_counts(since=since, store_ids=[store_id])
        by_municipality = failure_counts(since=since, municipality_ids=[world.m.id])
    assert by_store == {(store_id, world.alarm.id): 4, (store_id, world.sensor.id): 2}
    assert by_municipality == {world.alarm.id: 4, world.sensor.id: 2}


def test_fault_tickets_feed_the_suggested_stock_minimum_once_per_fault(
    app, world, login_as, client
):
    """The store's suggested minimum counts technical alarms and fault tickets as well as
    faulty returns, and an alarm that ended in a return is one failure, not two."""
    from vftops.equipment.models import Store
    from vftops.stock import queries as stock_queries

    with app.app_context():
        store = db.session.scalar(select(Store).where(Store.name == "Sentrallager"))
        by_product = stock_queries.suggestions(store)
        store_id = store.id
        alarm, sensor = by_product[world.alarm.id], by_product[world.sensor.id]
        # Two alarms came back faulty. Three fault tickets are about alarms that stayed
        # out (t2 names two alarms: one fault; the 100-day-old one is within the year);
        # t1's alarm was returned, so its ticket is not counted again. The question
        # ticket and Meråker's alarm do not count.
        assert (alarm.installed_base, alarm.returns, alarm.fault_tickets) == (6, 2, 3)
        assert alarm.failures == 5
        assert (sensor.installed_base, sensor.returns, sensor.fault_tickets) == (4, 0, 2)
        assert alarm.inputs()["failures_12_months"] == 5
        assert alarm.inputs()["fault_tickets_12_months"] == 3

    login_as(world.tor)
    html = client.get(f"/stock/stores/{store_id}/suggestions").get_data(as_text=True)
    card = html.split(f'data-product="{world.alarm.id}"')[1].split("</section>")[0]
    assert re.search(r'data-testid="returns">2<', card)
    assert re.search(r'data-testid="fault-tickets">3<', card)
    assert re.search(r'data-testid="failures">5<', card)
    assert "Feilsaker uten retur" in card


# --- export -------------------------------------------------------------------------------


def _csv(response) -> list[list[str]]:
    text = response.get_data().decode("utf-8")
    assert text.startswith("\ufeff")
    return list(csv.reader(io.StringIO(text[1:]), delimiter=";"))


def test_csv_export_is_the_filtered_list_with_norwegian_headers_and_oslo_times(
    app, world, login_as, client
):
    with app.app_context():
        # A title a spreadsheet would run as a formula.
        t = _ticket(
            SimpleNamespace(id=world.m.id),
            at=world.now - timedelta(hours=1),
            kind="equipment_fault",
            title='=HYPERLINK("http://example.com","Klikk")',
        )
        db.session.commit()
        formula_id = t.id
        t2 = db.session.get(Ticket, world.t2)
        created_t2 = t2.created_at.astimezone(OSLO).strftime("%Y-%m-%d %H:%M")
    login_as(world.reader)
    response = client.get("/support/export.csv?queue=all&kind=equipment_fault&sort=oldest")
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    today = local_today().isoformat()
    assert response.headers["Content-Disposition"] == f"attachment; filename=saker-{today}.csv"
    rows = _csv(response)
    header = rows[0]
    assert header[:8] == [
        "Saksnr.",
        "Tittel",
        "Type",
        "Kategori",
        "Status",
        "Prioritet",
        "Kommune",
        "Team",
    ]
    assert "Registrert" in header
    assert "Frist for løsning" in header
    body = {int(r[0]): dict(zip(header, r, strict=True)) for r in rows[1:]}
    # The equipment faults of Stjørdal, oldest first; nothing from Meråker.
    assert list(body) == [world.t2, *world.escalated, formula_id]
    row = body[world.t2]
    assert row["Tittel"] == "To alarmer piper"
    assert row["Type"] == "Utstyrsfeil"
    assert row["Status"] == "Løst"
    assert row["Kommune"] == "Stjørdal"
    assert row["Team"] == "Servicedesk"
    assert row["Registrert"] == created_t2
    assert row["Brudd på løsningsfrist"] == "Nei"
    escalated = body[world.escalated[0]]
    assert escalated["Status"] == "Venter på leverandør"
    assert escalated["Leverandør"] == "Tunstall Norge AS"
    assert escalated["Leverandørens saksnr."] == "TUN-0"
    assert body[formula_id]["Tittel"] == '\'=HYPERLINK("http://example.com","Klikk")'


def test_xlsx_export_has_dates_as_dates_and_no_formulas(app, world, login_as, client):
    from openpyxl import load_workbook

    with app.app_context():
        t = _ticket(
            SimpleNamespace(id=world.m.id),
            at=world.now - timedelta(hours=1),
            kind="question",
            title="@SUM(1+1)",
        )
        db.session.commit()
        formula_id, created = t.id, t.created_at
    login_as(world.anne)
    response = client.get("/support/export.xlsx?queue=open&kind=question")
    assert response.status_code == 200
    today = local_today().isoformat()
    assert f"saker-{today}.xlsx" in response.headers["Content-Disposition"]
    sheet = load_workbook(io.BytesIO(response.get_data())).active
    rows = list(sheet.iter_rows(values_only=True))
    header = rows[0]
    assert header[0] == "Saksnr."
    by_id = {r[0]: dict(zip(header, r, strict=True)) for r in rows[1:]}
    assert set(by_id) == {formula_id, world.question}
    assert by_id[formula_id]["Tittel"] == "'@SUM(1+1)"
    assert by_id[formula_id]["Registrert"] == created.astimezone(OSLO).replace(tzinfo=None)
    for row in sheet.iter_rows(min_row=2):
        assert all(cell.data_type != "f" for cell in row)


def test_export_of_another_municipality_answers_404(app, world, login_as, client):
    login_as(world.anne)
    assert client.get(f"/support/export.csv?municipality_id={world.other.id}").status_code == 404
    assert client.get(f"/support/export.xlsx?municipality_id={world.other.id}").status_code == 404
    # Unknown values are ignored, as on the queue page; the whole open list comes back.
    rows = _csv(client.get("/support/export.csv?status=nonsense&priority=9&sort=sideways"))
    assert {int(r[0]) for r in rows[1:]} == _open_ids(app, world.m.id)
    assert len(rows) == 1 + 3  # the question and the two escalated door sensors


def _open_ids(app, municipality_id):
    with app.app_context():
        return set(
            db.session.scalars(
                select(Ticket.id).where(
                    Ticket.municipality_id == municipality_id,
                    Ticket.status.not_in(["resolved", "closed"]),
                )
            )
        )


def test_a_long_csv_is_sent_while_it_is_written(app, world, login_as, client, monkeypatch):
    """The CSV leaves in pieces as the tickets are read, never whole in memory: with
    small pieces, the header arrives on its own and every ticket follows."""
    from vftops.core import spreadsheet

    monkeypatch.setattr(spreadsheet, "CHUNK_BYTES", 200)
    login_as(world.reader)
    response = client.get("/support/export.csv?queue=all", buffered=False)
    try:
        assert response.is_streamed
        pieces = list(response.response)
    finally:
        response.close()
    assert len(pieces) > 3
    assert pieces[0].decode("utf-8-sig").startswith("Saksnr.;")
    rows = list(csv.reader(io.StringIO(b"".join(pieces).decode("utf-8-sig")), delimiter=";"))
    assert len(rows) == 1 + 7  # every ticket of Stjørdal
    assert rows[0][0] == "Saksnr."


def test_median_of_counted_durations():
    """The middle value of the counts; between the two middle ones for an even number."""
    from vftops.support.reports import _median

    assert _median([(10, 1), (20, 2), (30, 1)]) == 20
    assert _median([(10, 1), (20, 1)]) == 15
    assert _median([(5, 3)]) == 5
    assert _median([(1, 1), (2, 1), (100, 1)]) == 2


def test_durations_are_rounded_to_the_minute_alike_on_both_databases(app, factories):
    """29.2 s is no minute, 30 s is one, 89.3 s is one and 90 s two — counted from the
    microsecond, so SQLite and PostgreSQL show the same medians."""
    from vftops.support import reports

    m = factories.municipality("Stjørdal", "5035")
    start = datetime(2026, 3, 2, 8, 0, 0, 900000, tzinfo=UTC)
    durations = {0: 0, 29.2: 0, 30: 1, 89.3: 1, 90: 2, 7800: 130, 3 * 86400 + 1799.7: 4350}
    with app.app_context():
        ops.create_team(None, m.id, name="Servicedesk", kind="servicedesk", is_default=True)
        tickets = {}
        for seconds in durations:
            ticket = _ticket(SimpleNamespace(id=m.id), at=start, kind="question")
            ticket.acknowledged_at = start + timedelta(seconds=seconds)
            tickets[seconds] = ticket.id
        db.session.commit()
        rows = db.session.execute(
            select(
                Ticket.id,
                reports.minutes_between(Ticket.acknowledged_at, Ticket.created_at),
                Ticket.minutes_to_acknowledge,
            ).where(Ticket.id.in_(list(tickets.values())))
        ).all()
    worked_out = {ticket_id: minutes for ticket_id, minutes, _kept in rows}
    stored = {ticket_id: value for ticket_id, _minutes, value in rows}
    assert {s: worked_out[tickets[s]] for s in durations} == durations
    # The minutes the database keeps on the ticket for the reports are the same.
    assert {s: stored[tickets[s]] for s in durations} == durations


def test_the_minutes_kept_on_a_ticket_follow_its_times(app, factories):
    """The reports' medians read minutes the database keeps from the ticket's times: set
    when it is acknowledged and resolved, cleared when it is reopened, moved when a time
    is corrected, and put right when someone writes them directly."""
    m = factories.municipality("Stjørdal", "5035")
    user = factories.user("servicedesk", municipalities=[m])
    start = utcnow() - timedelta(hours=5)

    def kept(ticket_id):
        db.session.expire_all()
        row = db.session.execute(
            select(Ticket.minutes_to_acknowledge, Ticket.minutes_to_resolve).where(
                Ticket.id == ticket_id
            )
        ).one()
        return tuple(row)

    with app.app_context():
        ops.create_team(None, m.id, name="Servicedesk", kind="servicedesk", is_default=True)
        ticket = _ticket(SimpleNamespace(id=m.id), at=start, kind="question")
        db.session.commit()
        ticket_id = ticket.id
        assert kept(ticket_id) == (None, None)

        _work(db.session.get(Ticket, ticket_id), user, ack_after=timedelta(minutes=20))
        db.session.commit()
        assert kept(ticket_id) == (20, None)

        _work(db.session.get(Ticket, ticket_id), user, resolve_after=timedelta(hours=2))
        db.session.commit()
        assert kept(ticket_id) == (20, 120)

        ops.change_status(
            db.session.get(User, user.id),
            db.session.get(Ticket, ticket_id),
            "in_progress",
            note="Alarmen svarer fortsatt ikke",
        )
        db.session.commit()
        assert kept(ticket_id) == (20, None)

        db.session.execute(
            update(Ticket).where(Ticket.id == ticket_id).values(minutes_to_acknowledge=999)
        )
        db.session.commit()
        assert kept(ticket_id) == (20, None)
