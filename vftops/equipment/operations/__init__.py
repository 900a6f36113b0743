"""The only code that changes products, devices, recipients and placements.

Every change of a device's place or status appends a Movement and an audit
event in the same savepoint as the change itself.

The operations are split by subject into the modules of this package; every public name is
imported here, so `from vftops.equipment import operations` keeps working.
"""

from .catalogue import (
    MAX_RENT,
    MAX_TEST_INTERVAL_MONTHS,
    create_product,
    update_product,
)
from .common import (
    DEVICE_FIELDS,
    PERSONAL_RECIPIENT_FIELDS,
    PRODUCT_FIELDS,
    RECIPIENT_FIELDS,
    open_placement,
    recipient_anonymised,
)
from .devices import (
    MAX_COST,
    SHARED_SERIAL_HINT,
    append_movement,
    change_status,
    check_store,
    clean_identifiers,
    duplicate_serial_error,
    import_devices,
    receive_devices,
    register_device,
    serials_elsewhere,
    shared_serial_error,
    status_conflict,
    update_device,
)
from .placements import (
    Destination,
    NeedsConfirmation,
    install,
    install_warnings,
    replace_device,
    return_device,
)
from .recipients import (
    anonymise_recipient,
    anonymised_now,
    create_recipient,
    open_placements_of,
    record_recipient_view,
    update_recipient,
)
from .visits import (
    finish_visit,
    plan_visit,
)

__all__ = [
    "DEVICE_FIELDS",
    "MAX_COST",
    "MAX_RENT",
    "MAX_TEST_INTERVAL_MONTHS",
    "PERSONAL_RECIPIENT_FIELDS",
    "PRODUCT_FIELDS",
    "RECIPIENT_FIELDS",
    "SHARED_SERIAL_HINT",
    "Destination",
    "NeedsConfirmation",
    "anonymise_recipient",
    "anonymised_now",
    "append_movement",
    "change_status",
    "check_store",
    "clean_identifiers",
    "create_product",
    "create_recipient",
    "duplicate_serial_error",
    "finish_visit",
    "import_devices",
    "install",
    "install_warnings",
    "open_placement",
    "open_placements_of",
    "plan_visit",
    "receive_devices",
    "recipient_anonymised",
    "record_recipient_view",
    "register_device",
    "replace_device",
    "return_device",
    "serials_elsewhere",
    "shared_serial_error",
    "status_conflict",
    "update_device",
    "update_product",
    "update_recipient",
]
