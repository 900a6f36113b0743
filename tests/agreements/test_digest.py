"""The daily digest tells the owner, the follow-up and the procurement contact of an
agreement about its deadlines 90, 30 and 7 days before and once passed; an agreement past
its last term is ended before the e-mails. A real SMTP server receives them."""

from __future__ import annotations

from datetime import timedelta

import pytest

from tests.agreements.conftest import lease
from vftops.agreements.terms import add_months
from vftops.core.models import local_today


@pytest.mark.parametrize(
    ("days_left", "told"),
    [
        (91, False),
        (90, True),
        (31, False),
        (30, True),
        (7, True),
        (1, False),
        (0, False),
        (-1, True),
        (-2, False),
        (-8, True),
        (-15, True),
    ],
)
def test_a_deadline_reminds_on_its_days(app, days_left, told):
    from vftops.agreements.digest import reminds

    assert reminds(days_left) is told


def test_the_digest_tells_those_who_follow_the_agreement(app, factories, shop, monkeypatch):
    from aiosmtpd.controller import Controller
    from sqlalchemy import select

    from tests.stock.test_notify import Inbox, _free_port, parts
    from vftops.agreements.models import Agreement
    from vftops.extensions import db

    today = local_today()
    follow = factories.user("it", municipalities=[shop.a], username="oppfolger")
    # The option must be decided in exactly 30 days; the notice of another passed
    # yesterday; a third ended last week, not renewing.
    soon = shop.api.post(
        "/api/v1/agreements",
        json=lease(
            shop,
            title="Opsjon om 30 dager",
            follow_up_id=follow.id,
            renews_automatically=False,
            starts_on=add_months(today, -12).isoformat(),
            ends_on=add_months(today, 6).isoformat(),
        ),
    ).get_json()
    shop.api.post(
        f"/api/v1/agreements/{soon['id']}/options",
        json={"months": 12, "decide_by": (today + timedelta(days=30)).isoformat()},
    )
    passed_end = today + timedelta(days=40)
    shop.api.post(
        "/api/v1/agreements",
        json=lease(
            shop,
            title="Oppsigelse passert",
            starts_on=add_months(today, -24).isoformat(),
            ends_on=passed_end.isoformat(),
            notice_months=None,
        ),
    )
    run_out = shop.api.post(
        "/api/v1/agreements",
        json=lease(
            shop,
            title="Utløpt",
            renews_automatically=False,
            starts_on=add_months(today, -24).isoformat(),
            ends_on=(today - timedelta(days=7)).isoformat(),
        ),
    ).get_json()
    handler = Inbox()
    port = _free_port()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    for key, value in (
        ("MAIL_SERVER", "127.0.0.1"),
        ("MAIL_PORT", port),
        ("MAIL_USE_TLS", False),
        ("MAIL_FROM", "vftops <vftops@kommune.example>"),
        ("BASE_URL", "https://vftops.kommune.example"),
    ):
        monkeypatch.setitem(app.config, key, value)
    try:
        result = app.test_cli_runner().invoke(args=["vftops", "notify"])
        assert result.exit_code == 0, result.output
        assert "agreements: 1 ended at the end of their term" in result.output
        text, html = parts(handler.to("innkjop-a@example.no"))
        assert "Opsjon om 30 dager: beslutt opsjon 1 innen" in text
        assert "(om 30 dager)" in text
        assert f"https://vftops.kommune.example/agreements/{soon['id']}" in text
        assert "Oppsigelse passert" not in text
        assert "Avtalefrister" in html
        follower, _html = parts(handler.to("oppfolger@example.no"))
        assert "Opsjon om 30 dager" in follower
        # Nobody else follows these agreements.
        told = {r for e in handler.envelopes for r in e.rcpt_tos}
        assert "innkjop-b@example.no" not in told
        with app.app_context():
            assert (
                db.session.scalar(select(Agreement.status).where(Agreement.id == run_out["id"]))
                == "ended"
            )
    finally:
        controller.stop()
