"""Access control's part of the permission matrix's world: a system run by the
municipality, with two roles, and a named person's open grant."""

from vftops.extensions import db


def build(key, m, w, made) -> None:
    from vftops.access import operations as acc

    system = acc.create_system(
        None,
        m,
        name=f"Responssenter {key}",
        kind="response_centre",
        admin_kind="user",
        admin_user_id=made["user"].id,
        account_source="local",
    )
    role = acc.create_role(None, system, name="Operatør")
    role2 = acc.create_role(None, system, name="Administrator")
    grant = acc.grant_access(
        None,
        system,
        role,
        acc.Holder.person(f"Vikar {key}", "Byrå AS"),
        municipality=m,
        unit=made["unit"],
        starts_on=made["placement"].installed_at.date().replace(day=1),
        reason="Vikar",
    )
    db.session.flush()
    w.system, w.system_role, w.system_role2, w.grant = system.id, role.id, role2.id, grant.id
