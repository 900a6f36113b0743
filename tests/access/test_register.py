"""The systems register and the authorisation register: what a grant is never loses, who
had access on a day, and the refusals people meet (on SQLite and PostgreSQL)."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import DBAPIError

from tests.conftest import race
from vftops.access import operations as ops
from vftops.access import queries
from vftops.access.models import AccessGrant
from vftops.auth.models import User
from vftops.core.errors import ConflictError, ValidationError
from vftops.core.models import local_today
from vftops.extensions import db
from vftops.org.models import Municipality, Unit
from vftops.systems.models import ItSystem, SystemRole


def _grant(app, reg, *, role=None, user=None, starts_on=None, ends_on=None, **kw):
    with app.app_context():
        grant = ops.grant_access(
            db.session.get(User, reg.it.id),
            db.session.get(ItSystem, reg.system),
            db.session.get(SystemRole, role or reg.operator),
            ops.Holder.of_user(db.session.get(User, (user or reg.nurse).id)),
            municipality=db.session.get(Municipality, reg.stjordal.id),
            unit=db.session.get(Unit, reg.nord.id),
            account_name=kw.pop("account_name", "nina.s"),
            starts_on=starts_on,
            ends_on=ends_on,
            reason=kw.pop("reason", "Ny i hjemmetjenesten"),
            **kw,
        )
        db.session.commit()
        return grant.id


def test_who_had_access_on_a_day_reads_the_history(app, reg):
    """Nina was an operator from a month ago, became administrator ten days ago and left
    yesterday: each day's answer is what was true that day."""
    today = local_today()
    first = _grant(app, reg, starts_on=today - timedelta(days=30))
    with app.app_context():
        ida = db.session.get(User, reg.it.id)
        new = ops.change_role(
            ida,
            db.session.get(AccessGrant, first),
            db.session.get(SystemRole, reg.admin),
            on=today - timedelta(days=10),
            reason="Systemansvarlig",
        )
        db.session.commit()
        second = new.id
        ops.end_grant(
            ida,
            db.session.get(AccessGrant, second),
            ends_on=today - timedelta(days=1),
            reason="Sluttet",
        )
        db.session.commit()

        system = db.session.get(ItSystem, reg.system)

        def roles_on(day):
            return [
                (g.user.username, g.role.name) for g in queries.who_had_access(system, day, ida)
            ]

        assert roles_on(today - timedelta(days=31)) == []
        assert roles_on(today - timedelta(days=20)) == [("nina", "Operatør")]
        assert roles_on(today - timedelta(days=11)) == [("nina", "Operatør")]
        assert roles_on(today - timedelta(days=10)) == [("nina", "Administrator")]
        assert roles_on(today - timedelta(days=1)) == [("nina", "Administrator")]
        assert roles_on(today) == []
        old, current = db.session.get(AccessGrant, first), db.session.get(AccessGrant, second)
        assert old.ends_on == today - timedelta(days=11)
        assert current.replaces_id == old.id
        assert [g.id for g in queries.history_of(current, ida)] == [first, second]


def test_the_same_role_twice_in_the_same_time_is_refused(app, reg):
    today = local_today()
    _grant(app, reg, starts_on=today - timedelta(days=5), ends_on=today + timedelta(days=5))
    with pytest.raises(ConflictError) as refused:
        _grant(app, reg, starts_on=today + timedelta(days=3))
    with app.app_context():  # read in the default language, Norwegian
        message = str(refused.value.message)
    assert "har allerede rollen Operatør i Responssenterløsning" in message
    # After the first ends, the role can be given again; another role at the same time too.
    assert _grant(app, reg, starts_on=today + timedelta(days=6))
    assert _grant(app, reg, role=reg.admin)


def test_ending_twice_is_refused_and_names_the_day(app, reg):
    grant_id = _grant(app, reg, starts_on=local_today() - timedelta(days=3))
    with app.app_context():
        ida = db.session.get(User, reg.it.id)
        ops.end_grant(ida, db.session.get(AccessGrant, grant_id), reason="Sluttet")
        db.session.commit()
        with pytest.raises(ConflictError) as refused:
            ops.end_grant(ida, db.session.get(AccessGrant, grant_id), reason="Igjen")
        assert f"siste dag {local_today():%d.%m.%Y}" in str(refused.value.message)


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"role": "portal_user"}, "role_id"),  # a role of another system
        ({"user": "outsider"}, "user_id"),  # does not work in Stjørdal
        ({"reason": "  "}, "reason"),
        ({"starts_on": "2026-13-01"}, "starts_on"),
        ({"starts_on": date(2200, 1, 1)}, "starts_on"),
        ({"account_name": "x" * 121}, "account_name"),
    ],
)
def test_a_grant_that_does_not_hold_together_is_refused_naming_the_field(app, reg, change, field):
    kw = dict(change)
    if "role" in kw:
        kw["role"] = getattr(reg, kw["role"])
    if "user" in kw:
        kw["user"] = getattr(reg, kw["user"])
    with pytest.raises(ValidationError) as refused:
        _grant(app, reg, **kw)
    assert list(refused.value.fields) == [field]
    with app.app_context():
        assert db.session.scalar(select(AccessGrant.id)) is None


def test_a_system_serves_only_the_municipalities_it_names(app, reg, factories):
    other = factories.municipality("Frosta", "5036")
    with app.app_context():
        with pytest.raises(ValidationError) as refused:
            ops.grant_access(
                None,
                db.session.get(ItSystem, reg.portal),
                db.session.get(SystemRole, reg.portal_user),
                ops.Holder.person("Kari Vikar", "Bemanningsbyrå AS"),
                municipality=db.session.get(Municipality, other.id),
                reason="Vikar",
            )
        assert list(refused.value.fields) == ["municipality_id"]


def test_the_database_keeps_what_a_grant_is(app, reg):
    """Whatever the code does, a grant is not deleted, its holder, role and start do not
    change, and it is ended once."""
    grant_id = _grant(app, reg, starts_on=local_today() - timedelta(days=3))
    statements = [
        ("DELETE FROM access_grants WHERE id = :id", {}, "never deleted"),
        ("UPDATE access_grants SET role_id = :v WHERE id = :id", {"v": reg.admin}, "never change"),
        (
            "UPDATE access_grants SET starts_on = :v WHERE id = :id",
            {"v": date(2020, 1, 1)},
            "never change",
        ),
        (
            "UPDATE access_grants SET user_id = :v WHERE id = :id",
            {"v": reg.manager.id},
            "never change",
        ),
    ]
    with app.app_context():
        for statement, values, says in statements:
            with pytest.raises(DBAPIError, match=says):
                db.session.execute(text(statement), {"id": grant_id, **values})
            db.session.rollback()
        ops.end_grant(None, db.session.get(AccessGrant, grant_id), reason="Sluttet")
        db.session.commit()
        with pytest.raises(DBAPIError, match="ended once"):
            db.session.execute(
                text("UPDATE access_grants SET ends_on = NULL WHERE id = :id"), {"id": grant_id}
            )
        db.session.rollback()
        assert db.session.get(AccessGrant, grant_id).ends_on == local_today()


def test_two_people_granting_the_same_role_at_once_give_it_once(app, reg):
    def act(_i, _prepared):
        return ops.grant_access(
            db.session.get(User, reg.it.id),
            db.session.get(ItSystem, reg.system),
            db.session.get(SystemRole, reg.operator),
            ops.Holder.of_user(db.session.get(User, reg.nurse.id)),
            municipality=db.session.get(Municipality, reg.stjordal.id),
            reason="Ny",
        ).id

    outcomes = race(app, act)
    won = [o for o in outcomes if isinstance(o, int)]
    lost = [o for o in outcomes if isinstance(o, ConflictError)]
    assert len(won) == 1, outcomes
    assert len(lost) == 1, outcomes
    with app.app_context():
        assert db.session.scalars(select(AccessGrant.id)).all() == won


def test_named_people_and_relatives_are_one_holder_however_the_name_is_typed(app, reg, factories):
    recipient = factories.recipient(reg.stjordal, "Olga Olsen")
    with app.app_context():
        system = db.session.get(ItSystem, reg.system)
        role = db.session.get(SystemRole, reg.operator)
        s = db.session.get(Municipality, reg.stjordal.id)
        from vftops.equipment.models import Recipient

        olga = db.session.get(Recipient, recipient.id)
        ops.grant_access(
            None,
            system,
            role,
            ops.Holder.relative(olga, "Per Olsen", "sønn"),
            municipality=s,
            reason="Pårørende-app",
        )
        ops.grant_access(
            None,
            system,
            role,
            ops.Holder.person("Kari Vikar", "Byrå AS"),
            municipality=s,
            reason="Vikar",
        )
        db.session.commit()
        for holder in (
            ops.Holder.relative(olga, "  per   OLSEN ", "sønn"),
            ops.Holder.person("KARI vikar", "byrå as"),
        ):
            with pytest.raises(ConflictError):
                ops.grant_access(None, system, role, holder, municipality=s, reason="Igjen")
            db.session.rollback()


def test_vftops_is_in_its_own_register_and_follows_its_users(app, reg, factories):
    """Registering vftops gives each user's roles as grants; a role taken away, a
    membership removed or a login closed ends the grant the same day, and the history
    says who could do what in vftops on any day."""
    from vftops.auth.operations import set_user_active, update_user

    with app.app_context():
        admin = db.session.get(
            User, factories.user("admin", municipalities=[reg.stjordal, reg.meraker]).id
        )
        system = ops.create_system(
            admin,
            db.session.get(Municipality, reg.stjordal.id),
            name="vftops",
            kind="vftops",
            admin_kind="user",
            admin_user_id=admin.id,
            account_source="local",
            shared_with_ids=[reg.meraker.id],
        )
        db.session.commit()

        def held(user_id):
            return sorted(
                (g.role.name, g.municipality.name, g.unit.name if g.unit else None)
                for g in db.session.scalars(
                    select(AccessGrant).where(
                        AccessGrant.system_id == system.id,
                        AccessGrant.user_id == user_id,
                        AccessGrant.ends_on.is_(None),
                    )
                )
            )

        assert held(reg.it.id) == [("IT-drift", "Meråker", None), ("IT-drift", "Stjørdal", None)]
        from vftops.core.audit import AuditEvent

        recorded = db.session.scalars(
            select(AuditEvent.summary).where(AuditEvent.action == "system_role.create")
        ).all()
        assert "Rolle Revisor i vftops registrert" in recorded  # its roles, recorded
        assert held(reg.manager.id) == [("Virksomhetsleder", "Stjørdal", "Hjemmetjenesten Nord")]

        ida = db.session.get(User, reg.it.id)
        update_user(
            admin,
            ida,
            full_name="Ida IT",
            email=None,
            roles=["it", "servicedesk"],
            municipality_ids=[reg.stjordal.id],
            unit_ids=[],
        )
        db.session.commit()
        assert held(reg.it.id) == [
            ("IT-drift", "Stjørdal", None),
            ("Servicedesk", "Stjørdal", None),
        ]
        ended = db.session.scalars(
            select(AccessGrant).where(
                AccessGrant.user_id == reg.it.id, AccessGrant.ends_on.is_not(None)
            )
        ).all()
        assert [(g.municipality.name, g.ends_on) for g in ended] == [("Meråker", local_today())]

        set_user_active(admin, db.session.get(User, reg.manager.id), False)
        db.session.commit()
        assert held(reg.manager.id) == []
        assert [
            g.role.name
            for g in queries.who_had_access(system, local_today(), admin)
            if g.user_id == reg.manager.id
        ] == ["Virksomhetsleder"]  # had it today
        with pytest.raises(ValidationError):
            ops.create_role(admin, system, name="Superhelt")


def _vftops(app, reg, factories):
    with app.app_context():
        admin = factories.user("admin", municipalities=[reg.stjordal, reg.meraker])
        ops.create_system(
            db.session.get(User, admin.id),
            db.session.get(Municipality, reg.stjordal.id),
            name="vftops",
            kind="vftops",
            admin_kind="user",
            admin_user_id=admin.id,
            account_source="local",
            shared_with_ids=[reg.meraker.id],
        )
        db.session.commit()
        return admin


def _open_vftops(user_id):
    return sorted(
        g.role.name
        for g in db.session.scalars(
            select(AccessGrant).where(
                AccessGrant.user_id == user_id,
                AccessGrant.ended_at.is_(None),
                AccessGrant.withdrawn_at.is_(None),
            )
        )
        if g.system.is_vftops
    )


def test_a_login_closed_opened_and_closed_again_the_same_day(app, reg, factories):
    """Someone leaving is let back in by mistake and closed again the same day: each step
    works, and in the end they hold nothing in vftops."""
    from vftops.auth.operations import set_user_active, update_user

    admin = _vftops(app, reg, factories)
    with app.app_context():
        a = db.session.get(User, admin.id)
        for active in (False, True, False):
            set_user_active(a, db.session.get(User, reg.nurse.id), active)
            db.session.commit()
        assert _open_vftops(reg.nurse.id) == []
        for roles in (["it", "servicedesk"], ["it"], ["it", "servicedesk"], ["it"]):
            update_user(
                a,
                db.session.get(User, reg.it.id),
                full_name="Ida IT",
                email=None,
                roles=roles,
                municipality_ids=[reg.stjordal.id, reg.meraker.id],
                unit_ids=[],
            )
            db.session.commit()
        assert _open_vftops(reg.it.id) == ["IT-drift", "IT-drift"]  # one per municipality


def test_vftops_grants_are_not_made_or_ended_by_hand(app, reg, factories):
    from vftops.core.errors import PermissionDeniedError

    _vftops(app, reg, factories)
    with app.app_context():
        ida = db.session.get(User, reg.it.id)
        system = db.session.scalar(select(ItSystem).where(ItSystem.kind == "vftops"))
        admin_role = db.session.scalar(
            select(SystemRole).where(
                SystemRole.system_id == system.id, SystemRole.name == "Administrator"
            )
        )
        with pytest.raises(PermissionDeniedError):
            ops.grant_access(
                ida,
                system,
                admin_role,
                ops.Holder.of_user(db.session.get(User, reg.nurse.id)),
                municipality=db.session.get(Municipality, reg.stjordal.id),
                reason="Snarvei",
            )
        held = db.session.scalars(
            select(AccessGrant).where(
                AccessGrant.system_id == system.id, AccessGrant.user_id == reg.nurse.id
            )
        ).first()
        with pytest.raises(PermissionDeniedError):
            ops.end_grant(ida, held, reason="Snarvei")
        db.session.rollback()
        with pytest.raises(ValidationError) as refused:
            ops.update_role(ida, admin_role, is_active=False)
        assert list(refused.value.fields) == ["is_active"]


def test_a_planned_end_is_brought_earlier_and_an_unstarted_grant_withdrawn(app, reg):
    today = local_today()
    temp = _grant(app, reg, starts_on=today - timedelta(days=5), ends_on=today + timedelta(days=90))
    future = _grant(app, reg, role=reg.admin, starts_on=today + timedelta(days=10))
    with app.app_context():
        ida = db.session.get(User, reg.it.id)
        with pytest.raises(ValidationError) as later:
            ops.end_grant(
                ida,
                db.session.get(AccessGrant, temp),
                ends_on=today + timedelta(days=100),
                reason="Forlenget",
            )
        assert list(later.value.fields) == ["ends_on"]
        db.session.rollback()
        ops.end_grant(ida, db.session.get(AccessGrant, temp), reason="Sluttet tidligere")
        ops.end_grant(ida, db.session.get(AccessGrant, future), reason="Begynte ikke")
        db.session.commit()
        assert db.session.get(AccessGrant, temp).ends_on == today
        withdrawn = db.session.get(AccessGrant, future)
        assert withdrawn.withdrawn_at is not None
        system = db.session.get(ItSystem, reg.system)
        day = today + timedelta(days=10)
        assert [g.id for g in queries.who_had_access(system, day, ida)] == []


def test_a_role_given_by_mistake_is_corrected_the_same_day(app, reg):
    first = _grant(app, reg)  # from today
    with app.app_context():
        ida = db.session.get(User, reg.it.id)
        new = ops.change_role(
            ida,
            db.session.get(AccessGrant, first),
            db.session.get(SystemRole, reg.admin),
            reason="Feil rolle",
        )
        db.session.commit()
        system = db.session.get(ItSystem, reg.system)
        assert [g.role.name for g in queries.who_had_access(system, local_today(), ida)] == [
            "Administrator"
        ]
        assert db.session.get(AccessGrant, first).withdrawn_at is not None
        assert new.replaces_id == first


def test_only_the_municipality_that_runs_a_system_changes_it(app, reg, factories):
    from vftops.core.errors import PermissionDeniedError

    local_it = factories.user("it", municipalities=[reg.stjordal], username="stine")
    with app.app_context():
        system = db.session.get(ItSystem, reg.system)
        with pytest.raises(PermissionDeniedError):  # Mats works in Meråker only
            ops.update_system(db.session.get(User, reg.outsider.id), system, status="retired")
        db.session.rollback()
        # Stine in Stjørdal only sends no shares: Meråker, not hers, stays.
        ops.update_system(db.session.get(User, local_it.id), system, shared_with_ids=[])
        db.session.commit()
        assert [m.name for m in db.session.get(ItSystem, reg.system).shared_with] == ["Meråker"]
        # Ida works in both: she cannot drop Meråker while Meråker's people have access.
        ops.grant_access(
            None,
            system,
            db.session.get(SystemRole, reg.operator),
            ops.Holder.person("Mari Meråker", "Meråker kommune"),
            municipality=db.session.get(Municipality, reg.meraker.id),
            reason="Operatør",
        )
        db.session.commit()
        with pytest.raises(ConflictError) as refused:
            ops.update_system(
                db.session.get(User, reg.it.id),
                db.session.get(ItSystem, reg.system),
                shared_with_ids=[],
            )
        assert list(refused.value.fields) == ["shared_with_ids"]


def test_recipients_and_relatives_are_named_only_for_those_who_see_recipients(app, reg, factories):
    """IT does not see recipients: it cannot register a relative's access, and reads such
    access by the recipient's number. The service desk, which sees recipients, can."""
    from vftops.access.labels import holder_label
    from vftops.equipment.models import Recipient

    desk = factories.user("servicedesk", "it", municipalities=[reg.stjordal], username="siri")
    recipient = factories.recipient(reg.stjordal, "Olga Hemmelig")
    with app.app_context():
        olga = db.session.get(Recipient, recipient.id)
        args = {"municipality": db.session.get(Municipality, reg.stjordal.id), "reason": "App"}
        system = db.session.get(ItSystem, reg.system)
        role = db.session.get(SystemRole, reg.operator)
        with pytest.raises(ValidationError) as refused:
            ops.grant_access(
                db.session.get(User, reg.it.id),
                system,
                role,
                ops.Holder.relative(olga, "Per Hemmelig", "sønn"),
                **args,
            )
        assert list(refused.value.fields) == ["holder_kind"]
        db.session.rollback()
        grant = ops.grant_access(
            db.session.get(User, desk.id),
            system,
            role,
            ops.Holder.relative(olga, "Per Hemmelig", "sønn"),
            **args,
        )
        db.session.commit()
        assert holder_label(grant, db.session.get(User, desk.id)) == "Per Hemmelig"
        assert holder_label(grant, db.session.get(User, reg.it.id)) == (
            f"Pårørende til tjenestemottaker {recipient.id}"
        )


def test_anonymising_a_recipient_ends_their_relatives_access_and_erases_the_names(
    app, reg, factories
):
    from vftops.equipment.models import Recipient
    from vftops.equipment.operations import anonymise_recipient

    recipient = factories.recipient(reg.stjordal, "Olga Hemmelig")
    with app.app_context():
        olga = db.session.get(Recipient, recipient.id)
        grant = ops.grant_access(
            None,
            db.session.get(ItSystem, reg.system),
            db.session.get(SystemRole, reg.operator),
            ops.Holder.relative(olga, "Per Hemmelig", "sønn"),
            municipality=db.session.get(Municipality, reg.stjordal.id),
            starts_on=local_today() - timedelta(days=30),
            reason="App",
        )
        db.session.commit()
        grant_id = grant.id
        from vftops.core.audit import append_only_lifted

        with append_only_lifted():  # as the purge does
            anonymise_recipient(None, db.session.get(Recipient, recipient.id))
        db.session.commit()
        kept = db.session.get(AccessGrant, grant_id)
        assert kept.ends_on == local_today()
        assert (kept.person_name, kept.person_detail) == ("Anonymisert", None)
        assert "Hemmelig" not in kept.holder_key
        # And nothing but erasing is let through: a name cannot be written back.
        with pytest.raises(DBAPIError, match="only erased"):
            db.session.execute(
                text(
                    "UPDATE access_grants SET person_name = 'Per Hemmelig', "
                    "holder_key = 'relative:1:per hemmelig' WHERE id = :id"
                ),
                {"id": grant_id},
            )
        db.session.rollback()
        if db.engine.dialect.name == "postgresql":
            with pytest.raises(DBAPIError, match="never deleted"):
                db.session.execute(text("TRUNCATE access_grants CASCADE"))
            db.session.rollback()
            assert db.session.get(AccessGrant, grant_id) is not None


def test_a_team_that_grants_access_gets_the_systems_access_tickets(app, reg):
    """Choosing a team as the one who grants access writes the municipality's routing rule
    for the system's access tickets; an access ticket on the system goes there; another
    administrator takes the rule away again."""
    from vftops.support import operations as support_ops
    from vftops.support.models import RoutingRule

    with app.app_context():
        desk = support_ops.create_team(
            None, reg.stjordal.id, name="Servicedesk", kind="servicedesk", is_default=True
        )
        it_team = support_ops.create_team(None, reg.stjordal.id, name="IT-drift", kind="other")
        far = support_ops.create_team(None, reg.meraker.id, name="Meråker IT", kind="other")
        db.session.commit()
        it = db.session.get(User, reg.it.id)
        system = db.session.get(ItSystem, reg.system)
        with pytest.raises(ValidationError) as refused:
            ops.update_system(it, system, admin_kind="team", admin_team_id=far.id)
        assert "admin_team_id" in refused.value.fields  # Meråker does not run the system
        ops.update_system(it, system, admin_kind="team", admin_team_id=it_team.id)
        db.session.commit()
        assert queries.with_access_teams([system])[0].access_team.name == "IT-drift"
        ticket = support_ops.create_ticket(
            None,
            reg.stjordal.id,
            title="Tilgang for ny ansatt",
            kind="access",
            channel="web",
            reporter_kind="employee",
            system=system,
        )
        assert ticket.team_id == it_team.id
        other = support_ops.create_ticket(
            None,
            reg.stjordal.id,
            title="Feil i systemet",
            kind="system_fault",
            channel="phone",
            reporter_kind="employee",
            system=system,
        )
        assert other.team_id == desk.id  # the rule is for access tickets only
        ops.update_system(it, system, admin_kind="user", admin_user_id=reg.it.id)
        db.session.commit()
        assert (
            db.session.scalar(select(RoutingRule).where(RoutingRule.system_id == system.id)) is None
        )
        assert queries.with_access_teams([system])[0].access_team is None


def test_a_team_system_whose_rule_was_removed_in_support_still_saves(app, reg):
    """The routing rule is support's to remove: the system's other fields still save, and
    the form asks for the team only when it is being changed."""
    from vftops.support import operations as support_ops
    from vftops.support.models import RoutingRule

    with app.app_context():
        team = support_ops.create_team(None, reg.stjordal.id, name="IT-drift", kind="other")
        it = db.session.get(User, reg.it.id)
        system = db.session.get(ItSystem, reg.system)
        ops.update_system(it, system, admin_kind="team", admin_team_id=team.id)
        db.session.commit()
        rule = db.session.scalars(select(RoutingRule)).one()
        support_ops.delete_rule(None, rule)
        db.session.commit()
        ops.update_system(it, system, note="Ny leverandørkontakt")
        db.session.commit()
        assert system.note == "Ny leverandørkontakt"
