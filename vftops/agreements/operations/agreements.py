"""Registering and changing agreements, and the options to extend them."""

from __future__ import annotations

from datetime import date
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from vftops.agreements.models import (
    MAX_NOTICE_MONTHS,
    MAX_TERM_MONTHS,
    Agreement,
    AgreementKind,
    AgreementStatus,
    ExtensionOption,
)
from vftops.agreements.operations.checks import (
    choice,
    colleague,
    day,
    ident,
    kroner,
    record,
    refuse,
    text,
    whole,
)
from vftops.agreements.terms import extend_term, months_between, term_end
from vftops.core import audit
from vftops.core.db import check_version, operation, take_write_lock
from vftops.core.errors import ConflictError, PermissionDeniedError
from vftops.core.models import local_today, utcnow
from vftops.core.scope import municipality_ids, scoped
from vftops.equipment.models import Product
from vftops.extensions import db
from vftops.org.models import Municipality
from vftops.suppliers.models import Supplier
from vftops.systems.models import ItSystem

AGREEMENT_FIELDS = (
    "title",
    "reference",
    "kind",
    "status",
    "supplier_id",
    "parent_id",
    "owner_id",
    "follow_up_id",
    "procurement_id",
    "starts_on",
    "ends_on",
    "notice_months",
    "renews_automatically",
    "renewal_months",
    "estimated_value",
    "yearly_cost",
    "units_paid",
    "notes",
)
OPTION_FIELDS = ("position", "months", "decide_by", "decision", "decided_on")


def agreement_state(agreement: Agreement) -> dict[str, Any]:
    state = audit.snapshot(agreement, AGREEMENT_FIELDS)
    # «parent_id» is a unit's parent in the audit log: a framework has its own name.
    state["framework_id"] = state.pop("parent_id")
    state["shared_with"] = sorted(m.id for m in agreement.shared_with)
    state["product_ids"] = sorted(p.id for p in agreement.products)
    state["system_ids"] = sorted(s.id for s in agreement.systems)
    return state


def check_manages(actor, agreement: Agreement) -> None:
    """An agreement is changed by the municipality that manages it; those it covers see
    it (and report deviations against it)."""
    if actor is not None and agreement.municipality_id not in municipality_ids(actor):
        message = _l(
            "%(municipality)s manages this agreement: its people change it.",
            municipality=agreement.municipality.name,
        )
        raise PermissionDeniedError(message)


def _ids(value, field: str) -> list[int]:
    if value in (None, ""):
        return []
    if isinstance(value, str | bytes) or not hasattr(value, "__iter__"):
        raise refuse(field, _l("Give a list of ids."))
    found = [ident(v) for v in value]
    if any(v is None or v < 0 for v in found):
        raise refuse(field, _l("Give a list of ids."))
    return sorted(set(found))


def _shared(actor, owner_id: int, value, kept=frozenset()) -> list[Municipality]:
    wanted = set(_ids(value, "shared_with_ids")) - {owner_id}
    if not wanted:
        return []
    allowed = municipality_ids(actor) if actor is not None else None
    found = db.session.scalars(select(Municipality).where(Municipality.id.in_(wanted))).all()
    if len(found) != len(wanted) or (allowed is not None and not wanted - set(kept) <= allowed):
        raise refuse(
            "shared_with_ids", _l("An agreement can only cover municipalities you work in.")
        )
    return sorted(found, key=lambda m: m.name)


def _products(value) -> list[Product]:
    wanted = _ids(value, "product_ids")
    if not wanted:
        return []
    found = db.session.scalars(select(Product).where(Product.id.in_(wanted))).all()
    if len(found) != len(wanted):
        raise refuse("product_ids", _l("Choose products from the catalogue."))
    return list(found)


def _systems(actor, value) -> list[ItSystem]:
    wanted = _ids(value, "system_ids")
    if not wanted:
        return []
    stmt = select(ItSystem).where(ItSystem.id.in_(wanted))
    if actor is not None:
        stmt = scoped(stmt, ItSystem, actor)
    found = db.session.scalars(stmt).all()
    if len(found) != len(wanted):
        raise refuse("system_ids", _l("Choose systems from the register."))
    return list(found)


def _supplier(value) -> Supplier:
    supplier = db.session.get(Supplier, ident(value) or -1) if ident(value) else None
    if supplier is None:
        raise refuse("supplier_id", _l("Choose the supplier."))
    return supplier


def _parent(actor, value, agreement: Agreement) -> Agreement | None:
    wanted = ident(value)
    if wanted is None:
        return None
    stmt = select(Agreement).where(Agreement.id == wanted)
    if actor is not None:
        stmt = scoped(stmt, Agreement, actor)
    parent = db.session.scalars(stmt).first()
    if parent is None or parent is agreement or parent.kind != AgreementKind.FRAMEWORK:
        raise refuse("parent_id", _l("Choose a framework agreement this one is called off."))
    if parent.supplier_id != agreement.supplier_id:
        raise refuse("parent_id", _l("The framework agreement is with another supplier."))
    return parent


def _apply(actor, agreement: Agreement, data: dict[str, Any]) -> None:
    """Every field but the municipalities covered, checked, onto `agreement`."""
    agreement.title = text(
        data.get("title"), "title", required=_l("Give the agreement a title."), limit=200
    )
    agreement.reference = text(data.get("reference"), "reference", limit=60)
    agreement.kind = choice(
        data.get("kind"), AgreementKind, "kind", _l("Choose what kind of agreement it is.")
    )
    agreement.status = choice(
        data.get("status") or AgreementStatus.ACTIVE,
        AgreementStatus,
        "status",
        _l("Choose a status."),
    )
    agreement.supplier = _supplier(data.get("supplier_id"))
    agreement.supplier_id = agreement.supplier.id
    agreement.parent = _parent(actor, data.get("parent_id"), agreement)
    served = agreement.served_municipality_ids
    owner = colleague(
        data.get("owner_id"),
        served,
        "owner_id",
        _l("The agreement owner must work in a municipality the agreement covers."),
    )
    if owner is None:
        raise refuse("owner_id", _l("Choose the agreement owner."))
    agreement.owner = owner
    agreement.follow_up = colleague(
        data.get("follow_up_id"),
        served,
        "follow_up_id",
        _l("The one who follows up must work in a municipality the agreement covers."),
    )
    agreement.procurement = colleague(
        data.get("procurement_id"),
        served,
        "procurement_id",
        _l("The procurement contact must work in a municipality the agreement covers."),
    )
    agreement.starts_on = day(
        data.get("starts_on"), "starts_on", required=_l("Give the date the agreement starts.")
    )
    agreement.ends_on = day(data.get("ends_on"), "ends_on")
    if agreement.ends_on is not None and agreement.ends_on < agreement.starts_on:
        raise refuse("ends_on", _l("The agreement cannot end before it starts."))
    agreement.notice_months = whole(
        data.get("notice_months"),
        "notice_months",
        0,
        MAX_NOTICE_MONTHS,
        _l("Give the notice period in whole months, 0 to %(n)d.", n=MAX_NOTICE_MONTHS),
    )
    if agreement.ends_on is not None and agreement.notice_months:
        term = months_between(agreement.starts_on, agreement.ends_on)
        if agreement.notice_months > term:
            message = _l(
                "The notice period (%(notice)d months) is longer than the agreement "
                "(%(term)d months).",
                notice=agreement.notice_months,
                term=term,
            )
            raise refuse("notice_months", message)
    agreement.renews_automatically = bool(data.get("renews_automatically"))
    agreement.renewal_months = whole(
        data.get("renewal_months"),
        "renewal_months",
        1,
        MAX_TERM_MONTHS,
        _l("Give the renewal period in whole months, 1 to %(n)d.", n=MAX_TERM_MONTHS),
    )
    if agreement.renews_automatically and agreement.ends_on is None:
        raise refuse("ends_on", _l("An agreement that renews by itself needs the end of its term."))
    agreement.estimated_value = kroner(
        data.get("estimated_value"),
        "estimated_value",
        _l("Give the value in kroner, 0 or more, e.g. 1 250 000."),
    )
    agreement.yearly_cost = kroner(
        data.get("yearly_cost"),
        "yearly_cost",
        _l("Give the yearly cost in kroner, 0 or more, e.g. 180 000."),
    )
    agreement.units_paid = whole(
        data.get("units_paid"),
        "units_paid",
        0,
        10_000_000,
        _l("Give the number of licences or units paid for, a whole number."),
    )
    agreement.notes = text(data.get("notes"), "notes")
    for option in agreement.options:
        _check_option_date(agreement, option, field="ends_on")


@operation
def create_agreement(actor, municipality: Municipality, **data) -> Agreement:
    """Register an agreement managed by `municipality`, covering it and `shared_with_ids`."""
    if actor is not None and municipality.id not in municipality_ids(actor):
        raise refuse("municipality_id", _l("Choose a municipality you work in."))
    agreement = Agreement(municipality=municipality, municipality_id=municipality.id)
    agreement.shared_with = _shared(actor, municipality.id, data.get("shared_with_ids"))
    _apply(actor, agreement, data)
    agreement.products = _products(data.get("product_ids"))
    agreement.systems = _systems(actor, data.get("system_ids"))
    db.session.add(agreement)
    db.session.flush()
    record(
        actor,
        "agreement.create",
        agreement,
        f"Avtale {agreement.title} registrert",
        audit.diff({}, agreement_state(agreement)),
    )
    return agreement


@operation
def update_agreement(actor, agreement: Agreement, *, expected_version=None, **data) -> Agreement:
    check_version(agreement, expected_version)
    check_manages(actor, agreement)
    before = agreement_state(agreement)
    merged = {**audit.snapshot(agreement, AGREEMENT_FIELDS), **data}
    if "shared_with_ids" in data:
        agreement.shared_with = _shared(
            actor, agreement.municipality_id, data["shared_with_ids"], kept=before["shared_with"]
        )
    _apply(actor, agreement, merged)
    if "product_ids" in data:
        agreement.products = _products(data["product_ids"])
    if "system_ids" in data:
        agreement.systems = _systems(actor, data["system_ids"])
    changes = audit.diff(before, agreement_state(agreement))
    if changes:
        # The row is written (and its version moves) even when only its links changed.
        agreement.updated_at = utcnow()
        record(
            actor,
            "agreement.update",
            agreement,
            f"Avtale {agreement.title} endret",
            changes,
        )
    return agreement


# --- options to extend ------------------------------------------------------------------


def _term_before(agreement: Agreement, option: ExtensionOption) -> date | None:
    """The end of the term an option extends: the agreement's end, moved by the options
    before it that were (or may still be) exercised."""
    if agreement.ends_on is None:
        return None
    end = agreement.ends_on
    for earlier in agreement.options:
        if earlier is option or earlier.position >= option.position:
            break
        if earlier.decision is None:
            end = extend_term(end, earlier.months)
    return end


def _check_option_date(agreement: Agreement, option: ExtensionOption, field: str) -> None:
    if option.decision is not None:
        return
    end = _term_before(agreement, option)
    if end is None:
        raise refuse("ends_on", _l("An agreement with options to extend needs an end date."))
    if option.decide_by > end:
        message = _l(
            "The option must be decided by the end of the term it extends (%(end)s).",
            end=end.strftime("%d.%m.%Y"),
        )
        raise refuse(field, message)


@operation
def add_option(actor, agreement: Agreement, *, months, decide_by) -> ExtensionOption:
    """One more option to extend the agreement by `months`, to be decided by `decide_by`."""
    check_manages(actor, agreement)
    take_write_lock(Agreement, agreement.id)
    months = whole(
        months,
        "months",
        1,
        MAX_TERM_MONTHS,
        _l("Give the extension in whole months, 1 to %(n)d.", n=MAX_TERM_MONTHS),
        required=True,
    )
    decide_by = day(decide_by, "decide_by", required=_l("Give the last day to decide."))
    if agreement.ends_on is None:
        raise refuse("decide_by", _l("An agreement with options to extend needs an end date."))
    position = max((o.position for o in agreement.options), default=0) + 1
    option = ExtensionOption(position=position, months=months, decide_by=decide_by)
    agreement.options.append(option)
    _check_option_date(agreement, option, field="decide_by")
    if decide_by < agreement.starts_on:
        raise refuse(
            "decide_by", _l("The last day to decide cannot be before the agreement starts.")
        )
    db.session.flush()
    record(
        actor,
        "agreement.option_add",
        agreement,
        f"Opsjon {position} på {months} måneder lagt til avtale {agreement.title}",
        audit.diff({}, audit.snapshot(option, OPTION_FIELDS)),
    )
    return option


@operation
def remove_option(actor, option: ExtensionOption) -> None:
    agreement = option.agreement
    check_manages(actor, agreement)
    if option.decision is not None:
        raise ConflictError(_l("The option is decided: it stays on the agreement."))
    record(
        actor,
        "agreement.option_remove",
        agreement,
        f"Opsjon {option.position} fjernet fra avtale {agreement.title}",
        audit.diff(audit.snapshot(option, OPTION_FIELDS), {}),
    )
    agreement.options.remove(option)


def current_end(agreement: Agreement, today: date | None = None) -> date | None:
    return term_end(agreement, today or local_today())
