"""Access control's part of the permission matrix's world: a system run by the
municipality, with two roles, a named person's open grant, and an order with its open
task."""

from datetime import timedelta

from sqlalchemy import select, update

from vftops.access.models import AccessReviewItem
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
    # A second person's access, kept by the manager: the system owner confirms it.
    kept = acc.grant_access(
        None,
        system,
        role2,
        acc.Holder.person(f"Superbruker {key}", "Byrå AS"),
        municipality=m,
        unit=made["unit"],
        starts_on=made["placement"].installed_at.date().replace(day=1),
        reason="Superbruker",
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
    # An access review running (the grant above is its one item, the manager's to review)
    # and one in draft.
    running = acc.create_review(
        manager,
        m,
        name=f"Tilgangskontroll {key}",
        system_ids=[system.id],
        municipality_ids=[m.id],
        due_on=made["placement"].installed_at.date() + timedelta(days=400),
        fallback_reviewer_id=manager.id,
        second_stage=True,
    )
    acc.start_review(manager, running)
    draft = acc.create_review(
        manager,
        m,
        name=f"Neste kontroll {key}",
        system_ids=[system.id],
        municipality_ids=[m.id],
        due_on=made["placement"].installed_at.date() + timedelta(days=400),
        fallback_reviewer_id=manager.id,
    )
    db.session.flush()
    item, kept_item = (
        db.session.scalars(
            select(AccessReviewItem).where(
                AccessReviewItem.review_id == running.id, AccessReviewItem.grant_id == g.id
            )
        ).one()
        for g in (grant, kept)
    )
    w.access_review, w.access_review_version = running.id, running.version
    w.access_review_draft, w.access_review_draft_version = draft.id, draft.version
    w.review_item, w.review_item_version = item.id, item.version
    w.review_item_holder = item.holder_key
    w.kept_item, w.kept_item_version = kept_item.id, kept_item.version
    w.access_order, w.access_task = order.id, order.tasks[0].id
    # An account list read in a dry run.
    listing = acc.read_account_list(
        manager,
        system,
        "kontoer.csv",
        f"Konto;Navn\r\nvikar.{key};Vikar\r\nukjent.{key};Ukjent\r\n".encode(),
        {"account": "Konto", "display_name": "Navn"},
    )
    db.session.flush()
    w.account_list, w.account_list_version = listing.id, listing.version
    w.access_task_version = order.tasks[0].version
    w.grant_holder = f"Vikar {key}"


def for_actor(w, user_id: int) -> None:
    """Before each call of a role: the review item is that person's to decide (only a
    reviewer's own items answer), and the system theirs to own, with a privileged role
    kept and sent for them to confirm."""
    from vftops.core.models import utcnow
    from vftops.systems.models import ItSystem

    db.session.execute(
        update(AccessReviewItem)
        .where(AccessReviewItem.id == w.review_item)
        .values(reviewer_id=user_id, decision=None, submitted_at=None)
    )
    db.session.execute(update(ItSystem).where(ItSystem.id == w.system).values(owner_id=user_id))
    db.session.execute(
        update(AccessReviewItem)
        .where(AccessReviewItem.id == w.kept_item)
        .values(
            is_privileged=True,
            decision="keep",
            reason="Trengs",
            submitted_at=utcnow(),
            confirmed_at=None,
            confirmed_by_id=None,
        )
    )
