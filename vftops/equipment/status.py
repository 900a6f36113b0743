"""The life of a device: which status may follow which, in one table."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from vftops.equipment.models import DeviceStatus as S

STATUS_LABELS = {
    S.IN_STOCK: _l("In stock"),
    S.INSTALLED: _l("Installed"),
    S.AWAITING_RESET: _l("Awaiting reset"),
    S.IN_REPAIR: _l("In repair"),
    S.IN_TRANSIT: _l("In transit"),
    S.SCRAPPED: _l("Scrapped"),
    S.LOST: _l("Lost"),
}

# Installing and returning are the only ways in and out of INSTALLED: they
# need a recipient and a placement. Sending and receiving a transfer are the
# only ways in and out of IN_TRANSIT. These have operations of their own.
OWN_STEPS = frozenset({S.INSTALLED, S.IN_TRANSIT})

TRANSITIONS: dict[S, frozenset[S]] = {
    S.IN_STOCK: frozenset(
        {S.INSTALLED, S.AWAITING_RESET, S.IN_REPAIR, S.IN_TRANSIT, S.SCRAPPED, S.LOST}
    ),
    S.INSTALLED: frozenset({S.IN_STOCK, S.AWAITING_RESET, S.IN_REPAIR, S.SCRAPPED, S.LOST}),
    S.AWAITING_RESET: frozenset({S.IN_STOCK, S.IN_REPAIR, S.IN_TRANSIT, S.SCRAPPED, S.LOST}),
    S.IN_TRANSIT: frozenset({S.IN_STOCK, S.AWAITING_RESET, S.LOST}),
    S.IN_REPAIR: frozenset({S.IN_STOCK, S.AWAITING_RESET, S.SCRAPPED, S.LOST}),
    S.SCRAPPED: frozenset(),
    S.LOST: frozenset({S.IN_STOCK, S.AWAITING_RESET}),
}


def allowed_next(status: str) -> list[str]:
    return sorted(s.value for s in TRANSITIONS[S(status)])
