"""JSON API for the equipment register: products, devices, recipients,
placements and movements. Stores and stock have their own API (vftops.stock.api).

Thin: parse with marshmallow, load objects through the municipality scope,
call one function in `operations`, dump the result. Another municipality's
object answers 404; a refused change answers the operation's 409/422.
"""

from __future__ import annotations

from flask.views import MethodView
from flask_login import current_user
from sqlalchemy.orm import joinedload, selectinload

from vftops.core.api import ApiBlueprint
from vftops.core.db import writes
from vftops.core.errors import DomainError
from vftops.core.pagination import cursor_page
from vftops.core.permissions import require
from vftops.core.scope import get_scoped_or_404, optional_scoped_or_404
from vftops.core.web import actor
from vftops.equipment import operations as ops
from vftops.equipment import queries
from vftops.equipment.models import Device, Movement, Placement, Product, Recipient, Store, Visit
from vftops.equipment.permissions import (
    CATALOGUE_MANAGE,
    DEVICES_MANAGE,
    EQUIPMENT_VIEW,
    PLACEMENTS_MANAGE,
    RECIPIENTS_MANAGE,
    RECIPIENTS_VIEW,
)
from vftops.equipment.schemas import (
    DeviceCreateSchema,
    DevicePageSchema,
    DeviceQuerySchema,
    DeviceReceiveSchema,
    DeviceSchema,
    DeviceStatusSchema,
    DeviceUpdateSchema,
    InstallSchema,
    MovementPageSchema,
    MovementQuerySchema,
    MovementSchema,
    PlacementPageSchema,
    PlacementQuerySchema,
    PlacementSchema,
    ProductCreateSchema,
    ProductPageSchema,
    ProductQuerySchema,
    ProductSchema,
    ProductUpdateSchema,
    ReceivedDevicesSchema,
    RecipientCreateSchema,
    RecipientPageSchema,
    RecipientQuerySchema,
    RecipientSchema,
    RecipientUpdateSchema,
    ReplaceSchema,
    ReturnSchema,
)
from vftops.extensions import db
from vftops.org.models import Municipality
from vftops.suppliers.models import Supplier

products_blp = ApiBlueprint(
    "products",
    __name__,
    url_prefix="/api/v1/products",
    description="The product catalogue: safety alarms, sensors, dispensers, consumables",
)
devices_blp = ApiBlueprint(
    "devices",
    __name__,
    url_prefix="/api/v1/devices",
    description="Serial-numbered devices: register, receive deliveries, search, change status",
)
recipients_blp = ApiBlueprint(
    "recipients",
    __name__,
    url_prefix="/api/v1/recipients",
    description="Citizens who have welfare technology; every read of one is logged",
)
placements_blp = ApiBlueprint(
    "placements",
    __name__,
    url_prefix="/api/v1/placements",
    description="Devices installed at recipients: install, return, replace",
)
movements_blp = ApiBlueprint(
    "movements",
    __name__,
    url_prefix="/api/v1/movements",
    description="The append-only ledger of every change of a device's place or status",
)
blueprints = (
    products_blp,
    devices_blp,
    recipients_blp,
    placements_blp,
    movements_blp,
)


def _check_supplier(data: dict) -> None:
    if data.get("supplier_id") is not None:
        get_scoped_or_404(Supplier, data["supplier_id"], current_user)


# --- products -------------------------------------------------------------------------


@products_blp.route("")
class Products(MethodView):
    @require(EQUIPMENT_VIEW)
    @products_blp.arguments(ProductQuerySchema, location="query")
    @products_blp.response(200, ProductPageSchema)
    def get(self, args):
        """List the catalogue; filter by category, text and active flag."""
        stmt = queries.product_search(args)
        return cursor_page(stmt, Product.id, limit=args["limit"], cursor=args["cursor"])

    @require(CATALOGUE_MANAGE)
    @products_blp.arguments(
        ProductCreateSchema,
        example={
            "category": "safety_alarm",
            "manufacturer": "Tunstall",
            "model": "Lifeline Vi+",
            "stores_personal_data": True,
            "lifetime_months": 60,
            "return_checklist": ["Nøkkelboks tømt"],
        },
    )
    @products_blp.response(201, ProductSchema)
    @products_blp.errors(409)
    def post(self, data):
        """Add a product to the catalogue."""
        _check_supplier(data)
        return ops.create_product(actor(), **data)


@products_blp.route("/<int:product_id>")
class ProductById(MethodView):
    @require(EQUIPMENT_VIEW)
    @products_blp.response(200, ProductSchema)
    @products_blp.errors(404)
    def get(self, product_id):
        """One product, with its return checklist."""
        return get_scoped_or_404(Product, product_id, current_user)

    @require(CATALOGUE_MANAGE)
    @products_blp.arguments(
        ProductUpdateSchema, example={"standard_configuration": "Volum 8", "version": 1}
    )
    @products_blp.response(200, ProductSchema)
    @products_blp.errors(409)
    def patch(self, data, product_id):
        """Change a product or take it out of use (`is_active`)."""
        product = get_scoped_or_404(Product, product_id, current_user)
        _check_supplier(data)
        expected = data.pop("version", None)
        return ops.update_product(actor(), product, expected_version=expected, **data)


# --- devices --------------------------------------------------------------------------

_DEVICE_LOADS = (joinedload(Device.product), joinedload(Device.store))


def _with_open_placements(devices: list[Device]) -> list[Device]:
    """Attach each device's open placement id with one query for the whole page."""
    open_ids = queries.open_placement_ids([d.id for d in devices])
    for device in devices:
        device._open_placement_id = open_ids.get(device.id)
    return devices


def _fresh(device: Device) -> Device:
    """Operations set store_id directly; reload the store the response shows."""
    db.session.expire(device, ["store"])
    return device


@devices_blp.route("")
class Devices(MethodView):
    @require(EQUIPMENT_VIEW)
    @devices_blp.arguments(DeviceQuerySchema, location="query")
    @devices_blp.response(200, DevicePageSchema)
    def get(self, args):
        """Search devices in your municipalities by serial, IMEI, phone, product, status, store."""
        stmt = queries.device_search(current_user, args, options=_DEVICE_LOADS)
        page = cursor_page(stmt, Device.id, limit=args["limit"], cursor=args["cursor"])
        _with_open_placements(page.items)
        return page

    @require(DEVICES_MANAGE)
    @devices_blp.arguments(
        DeviceCreateSchema,
        example={
            "product_id": 1,
            "store_id": 1,
            "serial_number": "TA-100234",
            "imei": "352099001761481",
            "phone_number": "91234567",
            "ownership": "owned",
            "acquired_on": "2026-01-15",
            "cost": "2490.00",
        },
    )
    @devices_blp.response(201, DeviceSchema)
    @devices_blp.errors(404, 409)
    def post(self, data):
        """Register one device into a store of yours (its serial is normalised)."""
        product = get_scoped_or_404(Product, data.pop("product_id"), current_user)
        store = optional_scoped_or_404(Store, data.pop("store_id"), current_user)
        device = ops.register_device(actor(), product=product, store=store, **data)
        return _fresh(device)


@devices_blp.route("/receive")
class DeviceDelivery(MethodView):
    @require(DEVICES_MANAGE)
    @devices_blp.arguments(
        DeviceReceiveSchema,
        example={
            "product_id": 1,
            "store_id": 1,
            "serials": ["TA-100235", "TA-100236", "TA-100237"],
            "reason": "Levering 2026-114",
        },
    )
    @devices_blp.response(201, ReceivedDevicesSchema)
    @devices_blp.errors(404)
    def post(self, data):
        """Receive a delivery: every serial is registered, or none (422 names each bad line)."""
        product = get_scoped_or_404(Product, data["product_id"], current_user)
        store = optional_scoped_or_404(Store, data["store_id"], current_user)
        devices = ops.receive_devices(
            actor(),
            product=product,
            store=store,
            serial_lines=data["serials"],
            reason=data.get("reason"),
            shared_serial_ok=data["shared_serial_ok"],
        )
        for device in devices:
            device._open_placement_id = None
        return {"items": devices, "count": len(devices)}


@devices_blp.route("/<int:device_id>")
class DeviceById(MethodView):
    @require(EQUIPMENT_VIEW)
    @devices_blp.response(200, DeviceSchema)
    @devices_blp.errors(404)
    def get(self, device_id):
        """One device: product, store, status, allowed next steps and open placement."""
        return get_scoped_or_404(Device, device_id, current_user, options=_DEVICE_LOADS)

    @require(DEVICES_MANAGE)
    @devices_blp.arguments(DeviceUpdateSchema, example={"firmware_version": "4.2.1", "version": 1})
    @devices_blp.response(200, DeviceSchema)
    @devices_blp.errors(409)
    def patch(self, data, device_id):
        """Change identifiers and purchase data (status has its own endpoint)."""
        device = get_scoped_or_404(Device, device_id, current_user, options=_DEVICE_LOADS)
        expected = data.pop("version", None)
        return ops.update_device(actor(), device, expected_version=expected, **data)


@devices_blp.route("/<int:device_id>/status")
class DeviceStatusChange(MethodView):
    @require(DEVICES_MANAGE)
    @devices_blp.arguments(
        DeviceStatusSchema,
        example={
            "to_status": "in_stock",
            "checklist": ["retrieved", "reset", "cleaned", "inspected"],
            "version": 3,
        },
    )
    @devices_blp.response(200, DeviceSchema)
    @devices_blp.errors(409)
    def post(self, data, device_id):
        """Reset, repair, scrap, lose or find a device; 409 lists the allowed next statuses."""
        device = get_scoped_or_404(Device, device_id, current_user, options=_DEVICE_LOADS)
        store = optional_scoped_or_404(Store, data.get("store_id"), current_user)
        ops.change_status(
            actor(),
            device,
            data["to_status"],
            store=store,
            reason=data.get("reason"),
            checklist=data.get("checklist"),
            expected_version=data.get("version"),
        )
        return _fresh(device)


# --- recipients -----------------------------------------------------------------------


@recipients_blp.route("")
class Recipients(MethodView):
    @require(RECIPIENTS_VIEW)
    @recipients_blp.arguments(RecipientQuerySchema, location="query")
    @recipients_blp.response(200, RecipientPageSchema)
    def get(self, args):
        """Find recipients by name or journal reference (minimal data; open one for the rest)."""
        stmt = queries.recipient_search(current_user, args)
        return cursor_page(stmt, Recipient.id, limit=args["limit"], cursor=args["cursor"])

    @require(RECIPIENTS_MANAGE)
    @recipients_blp.arguments(
        RecipientCreateSchema,
        example={
            "municipality_id": 1,
            "name": "Kari Nordmann",
            "address": "Storgata 1",
            "postal_code": "7500",
            "city": "Stjørdal",
            "phone": "91234567",
            "access_note": "Nøkkelboks ved inngangsdøren",
            "journal_ref": "EPJ-1001",
            "is_critical": True,
            "relatives": [
                {
                    "name": "Ola Nordmann",
                    "phone": "98765432",
                    "relation": "Sønn",
                    "responds_to_alarms": True,
                }
            ],
        },
    )
    @recipients_blp.response(201, RecipientSchema)
    @recipients_blp.errors(404)
    def post(self, data):
        """Register a recipient in one of your municipalities."""
        municipality = get_scoped_or_404(Municipality, data.pop("municipality_id"), current_user)
        relatives = data.pop("relatives", None)
        return ops.create_recipient(actor(), municipality, relatives=relatives, **data)


@recipients_blp.route("/<int:recipient_id>")
class RecipientById(MethodView):
    @require(RECIPIENTS_VIEW)
    @recipients_blp.response(200, RecipientSchema)
    @recipients_blp.errors(404)
    @writes  # the read is logged
    def get(self, recipient_id):
        """The whole record with relatives; the read is written to the audit log."""
        recipient = get_scoped_or_404(
            Recipient, recipient_id, current_user, options=(selectinload(Recipient.relatives),)
        )
        ops.record_recipient_view(actor(), recipient, via="api")
        return recipient

    @require(RECIPIENTS_MANAGE)
    @recipients_blp.arguments(
        RecipientUpdateSchema,
        example={"access_note": "Nøkkelboks kode hos sone Nord", "version": 2},
    )
    @recipients_blp.response(200, RecipientSchema)
    @recipients_blp.errors(409)
    def patch(self, data, recipient_id):
        """Change a recipient; `relatives` replaces the whole list when sent."""
        recipient = get_scoped_or_404(
            Recipient, recipient_id, current_user, options=(selectinload(Recipient.relatives),)
        )
        relatives = data.pop("relatives", None)
        expected = data.pop("version", None)
        return ops.update_recipient(
            actor(), recipient, relatives=relatives, expected_version=expected, **data
        )


# --- placements -----------------------------------------------------------------------

_PLACEMENT_LOADS = (
    joinedload(Placement.device).joinedload(Device.product),
    joinedload(Placement.recipient),
)


@placements_blp.route("")
class Placements(MethodView):
    @require(RECIPIENTS_VIEW)
    @placements_blp.arguments(PlacementQuerySchema, location="query")
    @placements_blp.response(200, PlacementPageSchema)
    def get(self, args):
        """Who has which device, now and before; newest first."""
        stmt = queries.placement_search(current_user, args, options=_PLACEMENT_LOADS)
        return cursor_page(
            stmt, Placement.id, limit=args["limit"], cursor=args["cursor"], descending=True
        )

    @require(PLACEMENTS_MANAGE)
    @placements_blp.arguments(
        InstallSchema,
        example={
            "device_id": 1,
            "recipient_id": 1,
            "config_note": "Ekstra høyt volum, sengesensor vekker kl. 06",
            "config_settings": {"volum": "10", "vekketid": "06:00"},
            "training_note": "Kari og sønnen har fått opplæring",
            "follow_up_on": "2026-03-01",
        },
    )
    @placements_blp.response(201, PlacementSchema)
    @placements_blp.errors(404, 409)
    def post(self, data):
        """Install a device from stock at a recipient; 409 says where a busy device is."""
        device = get_scoped_or_404(Device, data.pop("device_id"), current_user)
        recipient = get_scoped_or_404(Recipient, data.pop("recipient_id"), current_user)
        visit = optional_scoped_or_404(Visit, data.pop("visit_id", None), current_user)
        return ops.install(actor(), device, recipient, visit=visit, **data)


@placements_blp.route("/<int:placement_id>")
class PlacementById(MethodView):
    @require(RECIPIENTS_VIEW)
    @placements_blp.response(200, PlacementSchema)
    @placements_blp.errors(404)
    def get(self, placement_id):
        """One placement with its configuration and return checklist."""
        return get_scoped_or_404(Placement, placement_id, current_user, options=_PLACEMENT_LOADS)


@placements_blp.route("/<int:placement_id>/return")
class PlacementReturn(MethodView):
    @require(PLACEMENTS_MANAGE)
    @placements_blp.arguments(
        ReturnSchema,
        example={
            "reason": "service_ended",
            "destination": "store",
            "store_id": 1,
            "checklist": ["retrieved", "reset", "cleaned", "inspected"],
            "note": "Hentet hos pårørende",
        },
    )
    @placements_blp.response(200, PlacementSchema)
    @placements_blp.errors(409)
    def post(self, data, placement_id):
        """Take a device back: to a store (in stock if all ticked), repair, scrap or lost."""
        placement = get_scoped_or_404(
            Placement, placement_id, current_user, options=_PLACEMENT_LOADS
        )
        store = optional_scoped_or_404(Store, data.pop("store_id", None), current_user)
        visit = optional_scoped_or_404(Visit, data.pop("visit_id", None), current_user)
        return ops.return_device(actor(), placement, store=store, visit=visit, **data)


@placements_blp.route("/<int:placement_id>/replace")
class PlacementReplace(MethodView):
    @require(PLACEMENTS_MANAGE)
    @placements_blp.arguments(
        ReplaceSchema,
        example={
            "replacement_device_id": 2,
            "destination": "repair",
            "reason": "faulty",
            "note": "Knapp virker ikke",
        },
    )
    @placements_blp.response(201, PlacementSchema)
    @placements_blp.errors(409)
    def post(self, data, placement_id):
        """Swap a faulty device for one in stock with the same settings; the new placement."""
        placement = get_scoped_or_404(
            Placement, placement_id, current_user, options=_PLACEMENT_LOADS
        )
        replacement = get_scoped_or_404(Device, data["replacement_device_id"], current_user)
        store = optional_scoped_or_404(Store, data.get("store_id"), current_user)
        try:
            return ops.replace_device(
                actor(),
                placement,
                replacement,
                destination=data["destination"],
                store=store,
                reason=data["reason"],
                note=data.get("note"),
                visit=optional_scoped_or_404(Visit, data.get("visit_id"), current_user),
            )
        except DomainError as exc:
            # The operation names the field as the page form does.
            raise exc.renamed({"replacement_id": "replacement_device_id"}) from None


# --- movements ------------------------------------------------------------------------


@movements_blp.route("")
class Movements(MethodView):
    @require(EQUIPMENT_VIEW)
    @movements_blp.arguments(MovementQuerySchema, location="query")
    @movements_blp.response(200, MovementPageSchema)
    def get(self, args):
        """The ledger, newest first; filter by device, kind or placement."""
        stmt = queries.movement_search(current_user, args)
        return cursor_page(
            stmt, Movement.id, limit=args["limit"], cursor=args["cursor"], descending=True
        )


@movements_blp.route("/<int:movement_id>")
class MovementById(MethodView):
    @require(EQUIPMENT_VIEW)
    @movements_blp.response(200, MovementSchema)
    @movements_blp.errors(404)
    def get(self, movement_id):
        """One ledger line."""
        return get_scoped_or_404(
            Movement, movement_id, current_user, options=(joinedload(Movement.actor),)
        )
