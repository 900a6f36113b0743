"""JSON API for suppliers (shared by all municipalities)."""

from __future__ import annotations

from flask import abort
from flask.views import MethodView
from sqlalchemy.orm import selectinload

from vftops.core.api import ApiBlueprint
from vftops.core.pagination import cursor_page
from vftops.core.permissions import require
from vftops.core.scope import id_or_404
from vftops.core.web import actor
from vftops.extensions import db
from vftops.suppliers import operations as ops
from vftops.suppliers import queries
from vftops.suppliers.models import Supplier, SupplierContact
from vftops.suppliers.permissions import SUPPLIERS_MANAGE, SUPPLIERS_VIEW
from vftops.suppliers.schemas import (
    ContactCreateSchema,
    ContactSchema,
    ContactUpdateSchema,
    SupplierCreateSchema,
    SupplierPageSchema,
    SupplierQuerySchema,
    SupplierSchema,
    SupplierUpdateSchema,
    VersionSchema,
)

suppliers_blp = ApiBlueprint(
    "suppliers",
    __name__,
    url_prefix="/api/v1/suppliers",
    description="Suppliers that deliver, lease or repair equipment (shared by all municipalities)",
)
blueprints = (suppliers_blp,)


@suppliers_blp.route("")
class Suppliers(MethodView):
    @require(SUPPLIERS_VIEW)
    @suppliers_blp.arguments(SupplierQuerySchema, location="query")
    @suppliers_blp.response(200, SupplierPageSchema)
    def get(self, args):
        """List suppliers; filter by name and active flag."""
        stmt = (
            queries.suppliers(q=args["q"], is_active=args["is_active"])
            .order_by(None)
            .options(selectinload(Supplier.contacts))
        )
        return cursor_page(stmt, Supplier.id, limit=args["limit"], cursor=args["cursor"])

    @require(SUPPLIERS_MANAGE)
    @suppliers_blp.arguments(
        SupplierCreateSchema,
        example={
            "name": "Tunstall AS",
            "org_number": "974760673",
            "support_phone": "+4722334455",
            "support_email": "support@tunstall.example",
        },
    )
    @suppliers_blp.response(201, SupplierSchema)
    @suppliers_blp.errors(409)
    def post(self, data):
        """Register a supplier."""
        return ops.create_supplier(actor(), **data)


@suppliers_blp.route("/<int:supplier_id>")
class SupplierById(MethodView):
    @require(SUPPLIERS_VIEW)
    @suppliers_blp.response(200, SupplierSchema)
    @suppliers_blp.errors(404)
    def get(self, supplier_id):
        """One supplier, with its contacts."""
        return queries.supplier_or_404(id_or_404(supplier_id), with_contacts=True)

    @require(SUPPLIERS_MANAGE)
    @suppliers_blp.arguments(
        SupplierUpdateSchema, example={"support_phone": "+4722334466", "version": 1}
    )
    @suppliers_blp.response(200, SupplierSchema)
    @suppliers_blp.errors(409)
    def patch(self, data, supplier_id):
        """Change a supplier's details or deactivate it."""
        supplier = queries.supplier_or_404(id_or_404(supplier_id))
        expected = data.pop("version", None)
        return ops.update_supplier(actor(), supplier, expected_version=expected, **data)


def _contact_or_404(supplier_id, contact_id) -> SupplierContact:
    contact = db.session.get(SupplierContact, id_or_404(contact_id))
    if contact is None or contact.supplier_id != id_or_404(supplier_id):
        abort(404)
    return contact


@suppliers_blp.route("/<int:supplier_id>/contacts")
class SupplierContacts(MethodView):
    @require(SUPPLIERS_VIEW)
    @suppliers_blp.response(200, ContactSchema(many=True))
    @suppliers_blp.errors(404)
    def get(self, supplier_id):
        """The supplier's contacts: who to reach about what."""
        return queries.supplier_or_404(id_or_404(supplier_id), with_contacts=True).contacts

    @require(SUPPLIERS_MANAGE)
    @suppliers_blp.arguments(
        ContactCreateSchema,
        example={
            "name": "Kari Nordmann",
            "role": "account_manager",
            "email": "kari@tunstall.example",
        },
    )
    @suppliers_blp.response(201, ContactSchema)
    @suppliers_blp.errors(404)
    def post(self, data, supplier_id):
        """Add a contact."""
        supplier = queries.supplier_or_404(id_or_404(supplier_id))
        return ops.add_contact(actor(), supplier, **data)


@suppliers_blp.route("/<int:supplier_id>/contacts/<int:contact_id>")
class SupplierContactById(MethodView):
    @require(SUPPLIERS_MANAGE)
    @suppliers_blp.arguments(ContactUpdateSchema, example={"phone": "+4791234567", "version": 1})
    @suppliers_blp.response(200, ContactSchema)
    @suppliers_blp.errors(404, 409)
    def patch(self, data, supplier_id, contact_id):
        """Change a contact."""
        contact = _contact_or_404(supplier_id, contact_id)
        expected = data.pop("version", None)
        return ops.update_contact(actor(), contact, expected_version=expected, **data)

    @require(SUPPLIERS_MANAGE)
    @suppliers_blp.arguments(VersionSchema, location="query")
    @suppliers_blp.response(204)
    @suppliers_blp.errors(404, 409)
    def delete(self, args, supplier_id, contact_id):
        """Remove a contact."""
        contact = _contact_or_404(supplier_id, contact_id)
        ops.remove_contact(actor(), contact, expected_version=args["version"])
