"""Agreements' part of the permission matrix's world: a lease managed by the municipality
that renews by itself (its notice deadline open), with an option to extend, a price and a
service level; and a contact at the shared supplier."""

from datetime import timedelta

from vftops.core.models import local_today

PDF = b"%PDF-1.4\n1 0 obj << >> endobj\ntrailer << >>\n%%EOF\n"


def build(key, m, w, made) -> None:
    from vftops.agreements import operations as agr
    from vftops.agreements.terms import add_months
    from vftops.suppliers.operations import add_contact

    today = local_today()
    supplier = made["supplier"]
    contact = add_contact(None, supplier, name=f"Kontakt {key}", role="support", phone="123")
    ends = add_months(today, 8)
    agreement = agr.create_agreement(
        None,
        m,
        title=f"Leie av alarmer {key}",
        kind="lease",
        supplier_id=supplier.id,
        owner_id=made["user"].id,
        starts_on=add_months(today, -28),
        ends_on=ends,
        notice_months=6,
        renews_automatically=True,
        renewal_months=12,
        product_ids=[made["product"].id],
    )
    option = agr.add_option(None, agreement, months=12, decide_by=ends - timedelta(days=60))
    line = agr.add_price_line(
        None, agreement, product_id=made["product"].id, monthly_rent="149", valid_from=today
    )
    level = agr.add_service_level(None, agreement, metric="fix_time", target="8")
    deviation = agr.report_deviation(
        None, agreement, kind="late_delivery", title=f"Forsinket levering {key}"
    )
    closed = agr.report_deviation(None, agreement, kind="invoice", title=f"Feil faktura {key}")
    agr.close_deviation(None, closed)
    w.deviation, w.closed_deviation = deviation.id, closed.id
    meeting = agr.create_meeting(None, agreement, held_on=today, minutes="Referat")
    action = agr.add_action(
        None, meeting, text="Sende plan", owner_name="Leverandøren", due_on=today
    )
    document = agr.add_document(None, agreement, "avtale.pdf", PDF)
    w.agreement_document = document.id
    item = agr.add_handover_item(None, agreement, section="open", text="Opplæring av nye teknikere")
    w.handover_item, w.handover_version = item.id, item.version
    w.meeting, w.meeting_action, w.meeting_action_version = meeting.id, action.id, action.version
    w.contact, w.agreement, w.agreement_option = contact.id, agreement.id, option.id
    w.price_line, w.service_level = line.id, level.id
    w.notice_due = add_months(ends, -6).isoformat()
    w.option_decide_by = (ends - timedelta(days=30)).isoformat()
    w.agreement_starts = agreement.starts_on.isoformat()
    # A framework with two mini-competitions: one open (bids until today), one whose
    # last day to bid has passed, with a bid to award.
    framework = agr.create_agreement(
        None,
        m,
        title=f"Rammeavtale alarmer {key}",
        kind="framework",
        supplier_id=supplier.id,
        owner_id=made["user"].id,
        starts_on=add_months(today, -12),
        ends_on=add_months(today, 24),
    )
    open_one = agr.create_competition(
        None, framework, title=f"Alarmer {key}", criteria="Pris", answer_by=today
    )
    due = agr.create_competition(
        None, framework, title=f"Sensorer {key}", criteria="Pris", answer_by=today
    )
    bid = agr.add_bid(None, due, agreement_id=framework.id, price="1000")
    due.answer_by = today - timedelta(days=1)  # the day to bid has passed since
    w.framework, w.competition, w.competition_due = framework.id, open_one.id, due.id
    w.competition_bid, w.today = bid.id, today.isoformat()
