"""QR codes for device labels (segno, rendered as inline SVG: crisp when printed)."""

from __future__ import annotations

import segno
from markupsafe import Markup


def qr_svg(data: str, *, scale: int = 3) -> Markup:
    """An inline SVG QR code. Error correction M survives a scuffed label."""
    code = segno.make(data, error="m", micro=False)
    return Markup(code.svg_inline(scale=scale, border=2, dark="#000", light="#fff"))  # noqa: S704 - segno's own SVG
