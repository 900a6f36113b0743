"""What the server-drawn charts share (the stock history, the support reports)."""

from __future__ import annotations

import math


def nice_step(top: int) -> int:
    """The distance between gridlines for an axis up to `top`: 1, 2 or 5 times a power
    of ten, about five lines."""
    if top <= 6:
        return 1
    raw = top / 5
    magnitude = 10 ** math.floor(math.log10(raw))
    for factor in (1, 2, 5, 10):
        if factor * magnitude >= raw:
            return factor * magnitude
    return 10 * magnitude  # pragma: no cover
