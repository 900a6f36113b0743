"""Access control's part of the permission matrix's world: a system run by the
municipality, with two roles, a named person's open grant, and an order with its open
task."""

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
    # A unit manager's order for a person of the unit: its task is open.
    from vftops.auth.operations import create_user

    manager = create_user(
        None,
        username=f"leder-{key}",
        full_name=f"Leder {key}",
        password="correct horse battery staple",
        roles=["manager"],
        municipality_ids=[m.id],
        unit_ids=[made["unit"].id],
    )
    order = acc.order_access(
        manager,
        unit=made["unit"],
        holder=acc.Holder.person(f"Ny ansatt {key}", "Kommunen"),
        system=system,
        role=role2,
        starts_on=made["placement"].installed_at.date(),
        reason="Ny ansatt",
    )
    db.session.flush()
    w.system, w.system_role, w.system_role2, w.grant = system.id, role.id, role2.id, grant.id
    w.access_order, w.access_task = order.id, order.tasks[0].id
    w.access_task_version = order.tasks[0].version
    w.grant_holder = f"Vikar {key}"
