"""Equipment's part of the permission matrix's world: the shared catalogue, a store with a
device in stock, a recipient with another device installed, and a job to take it back."""

from vftops.extensions import db


def catalogue() -> dict:
    """Products and their supplier belong to no municipality: both share them."""
    from vftops.equipment import operations as eq
    from vftops.suppliers.operations import create_supplier

    supplier = create_supplier(None, name="Leverandør Matrise AS")
    product = eq.create_product(
        None,
        category="safety_alarm",
        manufacturer="Tunstall",
        model="Lifeline Matrise",
        supplier_id=supplier.id,
    )
    consumable = eq.create_product(
        None,
        category="other",
        manufacturer="Varta",
        model="CR2 batteri",
        is_serialised=False,
        supplier_id=supplier.id,
    )
    return {"supplier": supplier, "product": product, "consumable": consumable}


def build(key, m, w, made) -> None:
    from vftops.equipment import operations as eq
    from vftops.stock.operations import create_store

    product = made["product"]
    store = create_store(None, m, name=f"Lager {key}")
    in_stock = eq.register_device(None, product=product, store=store, serial_number=f"STOCK-{key}")
    installed = eq.register_device(None, product=product, store=store, serial_number=f"INST-{key}")
    recipient = eq.create_recipient(None, m, name=f"Mottaker {key}")
    placement = eq.install(None, installed, recipient)
    db.session.flush()
    visit = eq.plan_visit(
        None,
        recipient,
        kind="return",
        assigned_to=made["user"],
        planned_on=placement.installed_at.date(),
        placement=placement,
    )
    db.session.flush()
    made.update(store=store, in_stock=in_stock, installed=installed, placement=placement)
    w.product, w.supplier, w.consumable = product.id, made["supplier"].id, made["consumable"].id
    w.store, w.device, w.installed = store.id, in_stock.id, installed.id
    w.recipient, w.placement, w.visit = recipient.id, placement.id, visit.id
