"""How products, devices, recipients and jobs read in the audit log: object kinds, actions,
fields and coded values."""

from flask_babel import lazy_gettext as _l

from vftops.core.audit import names_from
from vftops.core.modules import AuditObject, AuditTexts
from vftops.equipment.forms import VISIT_KIND_LABELS
from vftops.equipment.labels import CATEGORY_LABELS, OWNERSHIP_LABELS
from vftops.equipment.models import Device, Product
from vftops.equipment.status import STATUS_LABELS

ACTIONS = {
    "product.create": _l("Product added to the catalogue"),
    "product.update": _l("Product changed"),
    "device.register": _l("Device registered"),
    "device.update": _l("Device changed"),
    "device.reset": _l("Device reset and back in stock"),
    "device.repair": _l("Device sent to repair"),
    "device.repaired": _l("Device back from repair"),
    "device.scrap": _l("Device scrapped"),
    "device.lost": _l("Device lost"),
    "device.found": _l("Device found"),
    "device.correction": _l("Device status corrected"),
    "recipient.create": _l("Recipient registered"),
    "recipient.update": _l("Recipient changed"),
    "recipient.view": _l("Recipient viewed"),
    "recipient.purge": _l("Recipients anonymised"),
    "placement.install": _l("Device installed"),
    "placement.return": _l("Device taken back"),
    "visit.plan": _l("Job planned"),
    "visit.done": _l("Job done"),
    "visit.cancelled": _l("Job cancelled"),
}

TEXTS = AuditTexts(
    objects={
        "products": AuditObject(
            _l("Product"),
            names_from(Product, Product.manufacturer, Product.model, fmt="{} {}"),
            "equipment.product_edit",
            "product_id",
            "equipment.view",
            "catalogue.manage",
        ),
        "devices": AuditObject(
            _l("Device"),
            names_from(Device, Device.serial_number),
            "equipment.device_detail",
            "device_id",
            "equipment.view",
        ),
        # By number only: a citizen's name is read on their page, where the reading is
        # logged, not in lists of the log.
        "recipients": AuditObject(
            _l("Recipient"),
            None,
            "equipment.recipient_detail",
            "recipient_id",
            "recipients.view",
        ),
        "placements": AuditObject(_l("Installation")),
        "visits": AuditObject(_l("Job")),
    },
    actions=ACTIONS,
    fields={
        "category": _l("Category"),
        "manufacturer": _l("Manufacturer"),
        "model": _l("Model"),
        "is_serialised": _l("Tracked by serial number"),
        "standard_configuration": _l("Standard configuration"),
        "lifetime_months": _l("Expected lifetime (months)"),
        "stores_personal_data": _l("Stores personal data"),
        "return_checklist": _l("Return checklist"),
        "monthly_rent": _l("Monthly rent"),
        "test_interval_months": _l("Function test interval (months)"),
        "serial_number": _l("Serial number"),
        "status": _l("Status"),
        "store_id": _l("Store"),
        "phone_number": _l("Phone number"),
        "ownership": _l("Ownership"),
        "acquired_on": _l("Acquired"),
        "postal_code": _l("Postal code"),
        "city": _l("City"),
        "phone": _l("Phone"),
        "address": _l("Address"),
        "access_note": _l("Access note"),
        "journal_ref": _l("Journal reference"),
        "decision_ref": _l("Decision reference"),
        "next_evaluation_on": _l("Next evaluation"),
        "is_critical": _l("Critical"),
        "unit_id": _l("Unit"),
        "relatives": _l("Relatives"),
        "device": _l("Device"),
        "imei": _l("IMEI"),
        "iccid": _l("SIM card (ICCID)"),
        "mac_address": _l("MAC address"),
        "firmware_version": _l("Firmware version"),
        "cost": _l("Cost"),
        "warranty_until": _l("Warranty until"),
        "service_ended_on": _l("Service ended"),
        "anonymised": _l("Anonymised"),
        "config_settings": _l("Settings"),
    },
    values={
        "category": {str(k): v for k, v in CATEGORY_LABELS.items()},
        "devices.status": {str(k): v for k, v in STATUS_LABELS.items()},
        "ownership": {str(k): v for k, v in OWNERSHIP_LABELS.items()},
        "visits.kind": {str(k): v for k, v in VISIT_KIND_LABELS.items()},
    },
    references={"unit_id": "units", "store_id": "stores"},
)
