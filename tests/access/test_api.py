"""The access API as another system uses it: register access, ask who had access on a day,
end it; refusals in the error format, naming the field."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

from tests.conftest import race
from vftops.access import operations as ops
from vftops.access.models import AccessGrant
from vftops.core.errors import ConflictError
from vftops.core.models import local_today
from vftops.extensions import db


def _body(reg, **changes):
    return {
        "system_id": reg.system,
        "role_id": reg.operator,
        "municipality_id": reg.stjordal.id,
        "unit_id": reg.nord.id,
        "holder_kind": "person",
        "person_name": "Kari Vikar",
        "person_detail": "Bemanning AS",
        "account_name": "kari.v",
        "starts_on": (local_today() - timedelta(days=10)).isoformat(),
        "reason": "Vikar i hjemmetjenesten",
        **changes,
    }


def test_register_ask_and_end_through_the_api(app, factories, reg):
    api = factories.api(reg.it)
    made = api.post("/api/v1/access-grants", json=_body(reg))
    assert made.status_code == 201, made.get_json()
    grant = made.get_json()
    assert (grant["holder_name"], grant["role"]["name"], grant["ends_on"]) == (
        "Kari Vikar",
        "Operatør",
        None,
    )

    def on(day):
        answer = api.get(f"/api/v1/access-grants?system_id={reg.system}&at={day.isoformat()}")
        assert answer.status_code == 200
        return [g["holder_name"] for g in answer.get_json()["items"]]

    today = local_today()
    assert on(today - timedelta(days=11)) == []
    assert on(today) == ["Kari Vikar"]

    ended = api.post(
        f"/api/v1/access-grants/{grant['id']}/end",
        json={"reason": "Vikariatet er over", "ends_on": (today - timedelta(days=1)).isoformat()},
    )
    assert ended.status_code == 200
    assert ended.get_json()["ends_on"] == (today - timedelta(days=1)).isoformat()
    assert on(today) == []
    assert on(today - timedelta(days=1)) == ["Kari Vikar"]

    again = api.post(f"/api/v1/access-grants/{grant['id']}/end", json={"reason": "Igjen"})
    assert again.status_code == 409
    assert again.get_json()["error"]["code"] == "conflict"
    assert "allerede avsluttet" in again.get_json()["error"]["message"]


def test_refusals_name_the_field_and_write_nothing(app, factories, reg):
    api = factories.api(reg.it)
    cases = [
        (_body(reg, holder_kind="ghost"), 422, "holder_kind"),
        (_body(reg, role_id=reg.portal_user), 422, "role_id"),  # another system's role
        (_body(reg, reason=""), 422, "reason"),
        (_body(reg, starts_on="2026-02-30"), 422, "starts_on"),
        (_body(reg, person_name="x" * 121), 422, "person_name"),
        # Mats works in Meråker only: not in Stjørdal, where the access would be.
        (_body(reg, holder_kind="user", user_id=reg.outsider.id), 422, "user_id"),
    ]
    for body, status, field in cases:
        answer = api.post("/api/v1/access-grants", json=body)
        assert answer.status_code == status, (body, answer.get_json())
        if field:
            assert field in answer.get_json()["error"]["fields"], answer.get_json()
    with app.app_context():
        assert db.session.scalar(select(func.count(AccessGrant.id))) == 0


def test_another_municipality_s_system_is_not_found(app, factories, reg):
    """Mats works only in Meråker: Stjørdal's own systems and grants do not exist for him,
    but the system Stjørdal shares with Meråker does."""
    api = factories.api(reg.outsider)
    assert api.get(f"/api/v1/systems/{reg.portal}").status_code == 200
    assert api.get(f"/api/v1/systems/{reg.system}").status_code == 200  # shared with Meråker
    listed = {s["name"] for s in api.get("/api/v1/systems").get_json()["items"]}
    assert listed == {"Responssenterløsning", "Dosettportal"}
    mine = api.post(
        "/api/v1/access-grants", json=_body(reg, municipality_id=reg.stjordal.id, unit_id=None)
    )
    assert mine.status_code == 404  # Stjørdal is not his


def test_two_people_ending_the_same_access_at_once(app, reg):
    with app.app_context():
        from vftops.org.models import Municipality
        from vftops.systems.models import ItSystem, SystemRole

        grant = ops.grant_access(
            None,
            db.session.get(ItSystem, reg.system),
            db.session.get(SystemRole, reg.operator),
            ops.Holder.person("Per Sluttet", "Stjørdal kommune"),
            municipality=db.session.get(Municipality, reg.stjordal.id),
            starts_on=local_today() - timedelta(days=100),
            reason="Ansatt",
        )
        db.session.commit()
        grant_id = grant.id

    def prepare(_i):
        # The form each opened, in a request of its own; the ending is another request.
        version = db.session.get(AccessGrant, grant_id).version
        db.session.rollback()
        return version

    def act(i, version):
        # As a POST does: its transaction writes, so on SQLite it holds the lock from the start.
        with app.test_request_context(method="POST"):
            return ops.end_grant(
                None,
                db.session.get(AccessGrant, grant_id),
                reason=f"Sluttet ({i})",
                expected_version=version,
            ).end_reason

    outcomes = race(app, act, prepare=prepare)
    won = [o for o in outcomes if isinstance(o, str)]
    lost = [o for o in outcomes if isinstance(o, ConflictError)]
    assert len(won) == 1, outcomes
    assert len(lost) == 1, outcomes
    with app.app_context():
        assert "allerede avsluttet" in str(lost[0].message)
        assert db.session.get(AccessGrant, grant_id).end_reason == won[0]


def test_one_who_may_not_see_recipients_learns_nothing_about_them(app, factories, reg):
    """IT does not see recipients: naming a relative's recipient that exists and one that
    does not gives the same refusal, and nothing is written."""
    recipient = factories.recipient(reg.stjordal, "Olga Hemmelig")
    api = factories.api(reg.it)
    answers = [
        api.post(
            "/api/v1/access-grants",
            json=_body(reg, holder_kind="relative", recipient_id=rid, person_name=None),
        )
        for rid in (recipient.id, recipient.id + 1000)
    ]
    assert [a.status_code for a in answers] == [422, 422]
    assert answers[0].get_json() == answers[1].get_json()
    assert list(answers[0].get_json()["error"]["fields"]) == ["holder_kind"]
    with app.app_context():
        assert db.session.scalar(select(func.count(AccessGrant.id))) == 0


def test_the_longest_name_and_employer_are_kept(app, factories, reg):
    api = factories.api(reg.it)
    answer = api.post(
        "/api/v1/access-grants",
        json=_body(reg, person_name="N" * 120, person_detail="E" * 120),
    )
    assert answer.status_code == 201, answer.get_json()
    assert answer.get_json()["holder_name"] == "N" * 120
