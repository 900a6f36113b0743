"""Support's part of the permission matrix's world: a default team and a technician team
with a rule, a new ticket about the installed device (with a photo), one in progress
under an incident."""

from vftops.extensions import db

PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c489"
    "0000000d4944415478da63f8ffff3f0005fe02fea7d6a1c50000000049454e44ae426082"
)


def build(key, m, w, made) -> None:
    from vftops.support import operations as sp
    from vftops.support.attachments import add_attachment

    target = made["user"]
    desk = sp.create_team(
        None, m.id, name=f"Servicedesk {key}", kind="servicedesk", is_default=True
    )
    technicians = sp.create_team(
        None, m.id, name=f"Teknikere {key}", kind="technicians", members=[target]
    )
    rule = sp.save_rule(None, m.id, team=technicians, position=10, kind="equipment_fault")
    ticket = sp.create_ticket(
        None,
        m.id,
        title=f"Alarmen svarer ikke {key}",
        kind="technical_alarm",
        channel="alarm",
        reporter_kind="monitoring",
        devices=[made["installed"]],
    )
    attachment = add_attachment(None, ticket, "bilde.png", PNG)
    working = sp.create_ticket(
        None,
        m.id,
        title=f"Dispenser feil {key}",
        kind="equipment_fault",
        channel="phone",
        reporter_kind="employee",
        devices=[made["in_stock"]],
    )
    sp.change_status(target, working, "in_progress")
    incident = sp.create_incident(None, m.id, title=f"Nettfeil {key}", tickets=[working])
    db.session.flush()
    w.team, w.team2, w.rule = desk.id, technicians.id, rule.id
    w.ticket, w.ticket_working, w.incident = ticket.id, working.id, incident.id
    w.attachment = attachment.id
