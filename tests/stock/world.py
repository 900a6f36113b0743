"""The store's part of the permission matrix's world: a second store, consumables, a
minimum, a transfer on its way, a draft and a sent order, and an open count."""

from vftops.extensions import db


def build(key, m, w, made) -> None:
    from vftops.equipment import operations as eq
    from vftops.stock import operations as st

    store, product, consumable = made["store"], made["product"], made["consumable"]
    supplier = made["supplier"]
    store2 = st.create_store(None, m, name=f"Bil {key}", kind="local")
    st.receive_consumables(None, store, consumable, 10, reason="Levering")
    minimum = st.set_minimum(None, store, product, minimum=2, reorder_target=4)
    eq.register_device(None, product=product, store=store, serial_number=f"TRANS-{key}")
    transfer = st.send_transfer(None, store, store2, serials=[f"TRANS-{key}"])
    draft = st.create_order(None, store, supplier, lines=[(consumable, 5)])
    sent = st.create_order(None, store, supplier, lines=[(consumable, 5)])
    st.send_order(None, sent)
    count = st.start_count(None, store2)
    db.session.flush()
    w.store2, w.minimum, w.transfer = store2.id, minimum.id, transfer.id
    w.order, w.order_sent, w.order_line_sent = draft.id, sent.id, sent.lines[0].id
    w.count = count.id
