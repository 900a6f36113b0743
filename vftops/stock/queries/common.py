"""What the stock reads share: what counts as on the shelf, and the figures of the suggestion."""

from __future__ import annotations

from decimal import Decimal

from vftops.equipment.models import (
    DeviceStatus,
)

ON_SHELF = (DeviceStatus.IN_STOCK.value, DeviceStatus.AWAITING_RESET.value)
IDLE = ON_SHELF  # a leased device on a shelf earns nothing and costs rent
SERVICE_LEVEL_Z = Decimal("1.65")  # 95 %: the safety margin of the suggested minimum
DAYS_PER_MONTH = Decimal("30.44")
