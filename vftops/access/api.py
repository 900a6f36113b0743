"""JSON API of access control: systems, their roles, grants («who had access to system X
on a day» is `GET /access-grants?system_id=X&at=DAY`), orders and the administrators'
tasks."""

from __future__ import annotations

from flask.views import MethodView

from vftops.access import evidence, queries
from vftops.access import operations as ops
from vftops.access.models import AccessGrant, AccessOrder, AccessReview, HolderKind, OrderKind
from vftops.access.permissions import ACCESS_MANAGE, ACCESS_ORDER, ACCESS_REVIEW, ACCESS_VIEW
from vftops.access.schemas import (
    AccessOrderCreateSchema,
    AccessOrderPageSchema,
    AccessOrderQuerySchema,
    AccessOrderSchema,
    AccessReviewCreateSchema,
    AccessReviewDecideSchema,
    AccessReviewItemPageSchema,
    AccessReviewItemSchema,
    AccessReviewPageSchema,
    AccessReviewSchema,
    AccessReviewStepSchema,
    AccessTaskDoneSchema,
    AccessTaskRefuseSchema,
    AccessTaskSchema,
    AccountListCreateSchema,
    AccountListSchema,
    GrantChangeRoleSchema,
    GrantCreateSchema,
    GrantEndSchema,
    GrantPageSchema,
    GrantQuerySchema,
    GrantSchema,
    RoleCreateSchema,
    RolePageSchema,
    RoleQuerySchema,
    RoleSchema,
    RoleUpdateSchema,
    SystemCreateSchema,
    SystemPageSchema,
    SystemQuerySchema,
    SystemSchema,
    SystemUpdateSchema,
)
from vftops.auth.models import User
from vftops.core.api import ApiBlueprint, CursorQuerySchema
from vftops.core.models import local_today
from vftops.core.pagination import cursor_page
from vftops.core.permissions import require, require_any
from vftops.core.scope import get_scoped_or_404, optional_scoped_or_404
from vftops.core.spreadsheet import CSV_MIMETYPE, download
from vftops.core.web import actor
from vftops.equipment.models import Recipient
from vftops.equipment.permissions import RECIPIENTS_VIEW
from vftops.org.models import Municipality, Unit
from vftops.systems.models import ItSystem, SystemRole

systems_blp = ApiBlueprint(
    "systems",
    __name__,
    url_prefix="/api/v1/systems",
    description="The systems register: systems whose access the municipality controls",
)
roles_blp = ApiBlueprint(
    "system_roles",
    __name__,
    url_prefix="/api/v1/system-roles",
    description="Each system's roles: what they allow, privileged or not, who normally needs them",
)
grants_blp = ApiBlueprint(
    "access_grants",
    __name__,
    url_prefix="/api/v1/access-grants",
    description="The authorisation register: who has, and who had, which role in which system",
)
orders_blp = ApiBlueprint(
    "access_orders",
    __name__,
    url_prefix="/api/v1/access-orders",
    description="Orders and leavers: access ordered by a unit manager, done by the "
    "system's administrator",
)
tasks_blp = ApiBlueprint(
    "access_tasks",
    __name__,
    url_prefix="/api/v1/access-tasks",
    description="The access administrators' tasks: give, end or change access, then mark done",
)
reviews_blp = ApiBlueprint(
    "access_reviews",
    __name__,
    url_prefix="/api/v1/access-reviews",
    description="Access reviews: campaigns, each reviewer's items and decisions, evidence",
)
lists_blp = ApiBlueprint(
    "account_lists",
    __name__,
    url_prefix="/api/v1/account-lists",
    description="Systems' account lists read against the register (reconciliation)",
)
blueprints = (systems_blp, roles_blp, grants_blp, orders_blp, tasks_blp, reviews_blp, lists_blp)


@systems_blp.route("")
class Systems(MethodView):
    @require(ACCESS_VIEW)
    @systems_blp.arguments(SystemQuerySchema, location="query")
    @systems_blp.response(200, SystemPageSchema)
    def get(self, args):
        """The systems of your municipalities."""
        stmt = queries.systems_statement(actor(), include_retired=args["include_retired"])
        page = cursor_page(stmt, ItSystem.id, limit=args["limit"], cursor=args["cursor"])
        queries.with_access_teams(page.items)
        return page

    @require(ACCESS_MANAGE)
    @systems_blp.arguments(
        SystemCreateSchema,
        example={
            "name": "Responssenterløsning",
            "municipality_id": 1,
            "kind": "response_centre",
            "admin_kind": "supplier",
            "supplier_id": 1,
            "account_source": "supplier",
        },
    )
    @systems_blp.response(201, SystemSchema)
    @systems_blp.errors(404, 409)
    def post(self, data):
        """Register a system. A team that grants access (`admin_team_id`) gets the
        system's access tickets: the municipality's routing gets a rule for them."""
        user = actor()
        municipality = get_scoped_or_404(Municipality, data.pop("municipality_id"), user)
        return queries.with_access_teams([ops.create_system(user, municipality, **data)])[0]


@systems_blp.route("/<int:system_id>")
class SystemById(MethodView):
    @require(ACCESS_VIEW)
    @systems_blp.response(200, SystemSchema)
    @systems_blp.errors(404)
    def get(self, system_id):
        """One system."""
        return queries.with_access_teams([get_scoped_or_404(ItSystem, system_id, actor())])[0]

    @require(ACCESS_MANAGE)
    @systems_blp.arguments(SystemUpdateSchema, example={"review_interval_months": 12, "version": 1})
    @systems_blp.response(200, SystemSchema)
    @systems_blp.errors(404, 409)
    def patch(self, data, system_id):
        """Change a system."""
        user = actor()
        system = get_scoped_or_404(ItSystem, system_id, user)
        expected = data.pop("version", None)
        system = ops.update_system(user, system, expected_version=expected, **data)
        return queries.with_access_teams([system])[0]


@roles_blp.route("")
class Roles(MethodView):
    @require(ACCESS_VIEW)
    @roles_blp.arguments(RoleQuerySchema, location="query")
    @roles_blp.response(200, RolePageSchema)
    def get(self, args):
        """The roles of the systems of your municipalities; `system_id` for one system's."""
        stmt = queries.roles_statement(actor(), system_id=args["system_id"])
        return cursor_page(stmt, SystemRole.id, limit=args["limit"], cursor=args["cursor"])

    @require(ACCESS_MANAGE)
    @roles_blp.arguments(
        RoleCreateSchema,
        example={
            "system_id": 1,
            "name": "Operatør",
            "description": "Tar imot og håndterer alarmer",
            "job_functions": ["response_centre"],
        },
    )
    @roles_blp.response(201, RoleSchema)
    @roles_blp.errors(404, 409)
    def post(self, data):
        """Add a role to a system."""
        user = actor()
        system = get_scoped_or_404(ItSystem, data.pop("system_id"), user)
        return ops.create_role(user, system, **data)


@roles_blp.route("/<int:role_id>")
class RoleById(MethodView):
    @require(ACCESS_VIEW)
    @roles_blp.response(200, RoleSchema)
    @roles_blp.errors(404)
    def get(self, role_id):
        """One role."""
        return queries.role_or_404(role_id, actor())

    @require(ACCESS_MANAGE)
    @roles_blp.arguments(RoleUpdateSchema, example={"is_privileged": True, "version": 1})
    @roles_blp.response(200, RoleSchema)
    @roles_blp.errors(404, 409)
    def patch(self, data, role_id):
        """Change a role."""
        user = actor()
        role = queries.role_or_404(role_id, user)
        expected = data.pop("version", None)
        return ops.update_role(user, role, expected_version=expected, **data)


@grants_blp.route("")
class Grants(MethodView):
    @require(ACCESS_VIEW)
    @grants_blp.arguments(GrantQuerySchema, location="query")
    @grants_blp.response(200, GrantPageSchema)
    def get(self, args):
        """Who has access (or had it on `at`); `ended=true` for every grant, past ones too."""
        wanted = queries.GrantFilter(
            system_id=args["system_id"],
            role_id=args["role_id"],
            unit_id=args["unit_id"],
            municipality_id=args["municipality_id"],
            holder=args["holder"],
            at=args["at"],
            ended=args["ended"],
        )
        stmt = queries.with_details(queries.grants_statement(actor(), wanted, local_today()))
        return cursor_page(stmt, AccessGrant.id, limit=args["limit"], cursor=args["cursor"])

    @require(ACCESS_MANAGE)
    @grants_blp.arguments(
        GrantCreateSchema,
        example={
            "system_id": 1,
            "role_id": 2,
            "municipality_id": 1,
            "holder_kind": "person",
            "person_name": "Kari Nordmann",
            "person_detail": "Stjørdal kommune",
            "account_name": "kari.nordmann",
            "reason": "Ny i hjemmetjenesten",
        },
    )
    @grants_blp.response(201, GrantSchema)
    @grants_blp.errors(404, 409)
    def post(self, data):
        """Register access. Refused (409) while the person has that role in the system."""
        user = actor()
        system = get_scoped_or_404(ItSystem, data["system_id"], user)
        kind = data["holder_kind"]
        # Whether a recipient exists is not told to those who may not see recipients:
        # the operation refuses them the same way either way.
        names_recipient = kind in (HolderKind.RELATIVE, HolderKind.RECIPIENT)
        holder = ops.Holder(
            kind,
            user=optional_scoped_or_404(User, data.get("user_id"), user)
            if kind == HolderKind.USER
            else None,
            recipient=optional_scoped_or_404(Recipient, data.get("recipient_id"), user)
            if names_recipient and user.can(RECIPIENTS_VIEW)
            else None,
            name=data.get("person_name"),
            detail=data.get("person_detail"),
        )
        return ops.grant_access(
            user,
            system,
            get_scoped_or_404(SystemRole, data["role_id"], user),
            holder,
            municipality=get_scoped_or_404(Municipality, data["municipality_id"], user),
            unit=optional_scoped_or_404(Unit, data.get("unit_id"), user),
            account_name=data.get("account_name"),
            starts_on=data.get("starts_on"),
            ends_on=data.get("ends_on"),
            reason=data["reason"],
        )


@grants_blp.route("/<int:grant_id>")
class GrantById(MethodView):
    @require(ACCESS_VIEW)
    @grants_blp.response(200, GrantSchema)
    @grants_blp.errors(404)
    def get(self, grant_id):
        """One grant."""
        return queries.grant_or_404(grant_id, actor())


@grants_blp.route("/<int:grant_id>/end")
class GrantEnd(MethodView):
    @require(ACCESS_MANAGE)
    @grants_blp.arguments(GrantEndSchema, example={"reason": "Sluttet", "version": 1})
    @grants_blp.response(200, GrantSchema)
    @grants_blp.errors(404, 409)
    def post(self, data, grant_id):
        """End access (the last day is `ends_on`, default today). Ended once: 409 after."""
        user = actor()
        grant = queries.grant_or_404(grant_id, user)
        return ops.end_grant(
            user,
            grant,
            ends_on=data.get("ends_on"),
            reason=data["reason"],
            expected_version=data.get("version"),
        )


@grants_blp.route("/<int:grant_id>/change-role")
class GrantChangeRole(MethodView):
    @require(ACCESS_MANAGE)
    @grants_blp.arguments(
        GrantChangeRoleSchema, example={"role_id": 3, "reason": "Ny stilling", "version": 1}
    )
    @grants_blp.response(201, GrantSchema)
    @grants_blp.errors(404, 409)
    def post(self, data, grant_id):
        """Another role from `starts_on`: the grant ends the day before and a new one starts."""
        user = actor()
        grant = queries.grant_or_404(grant_id, user)
        return ops.change_role(
            user,
            grant,
            get_scoped_or_404(SystemRole, data["role_id"], user),
            on=data.get("starts_on"),
            reason=data["reason"],
            expected_version=data.get("version"),
        )


# --- orders and tasks -------------------------------------------------------------------


@orders_blp.route("")
class Orders(MethodView):
    @require_any(ACCESS_ORDER, ACCESS_VIEW)
    @orders_blp.arguments(AccessOrderQuerySchema, location="query")
    @orders_blp.response(200, AccessOrderPageSchema)
    def get(self, args):
        """Orders newest first: a unit manager's units' and their own; all of your
        municipalities' for the register's keepers. `open=true`: not yet closed."""
        stmt = queries.orders_statement(actor(), open_only=args["open"])
        return cursor_page(
            stmt, AccessOrder.id, limit=args["limit"], cursor=args["cursor"], descending=True
        )

    @require(ACCESS_ORDER)
    @orders_blp.arguments(
        AccessOrderCreateSchema,
        example={
            "kind": "access",
            "unit_id": 3,
            "holder_kind": "user",
            "user_id": 12,
            "role_id": 2,
            "starts_on": "2026-12-07",
            "reason": "Ny sykepleier i sone nord",
        },
    )
    @orders_blp.response(201, AccessOrderSchema)
    @orders_blp.errors(404, 409)
    def post(self, data):
        """Order access for someone in your unit (`kind` access: `role_id`, `starts_on`), or
        the end of all of a leaver's access (`kind` leaver: `ends_on`, their last day).
        Each task is an access ticket for the administrator of its system."""
        user = actor()
        unit = get_scoped_or_404(Unit, data["unit_id"], user)
        if data["holder_kind"] == HolderKind.USER:
            holder = ops.Holder.of_user(optional_scoped_or_404(User, data.get("user_id"), user))
        else:
            holder = ops.Holder.person(data.get("person_name"), data.get("person_detail"))
        if data["kind"] == OrderKind.LEAVER:
            return ops.order_leaver(
                user, unit=unit, holder=holder, last_day=data.get("ends_on"), reason=data["reason"]
            )
        role = optional_scoped_or_404(SystemRole, data.get("role_id"), user)
        return ops.order_access(
            user,
            unit=unit,
            holder=holder,
            system=role.system if role is not None else None,
            role=role,
            starts_on=data.get("starts_on"),
            reason=data["reason"],
        )


@orders_blp.route("/<int:order_id>")
class OrderById(MethodView):
    @require_any(ACCESS_ORDER, ACCESS_VIEW)
    @orders_blp.response(200, AccessOrderSchema)
    @orders_blp.errors(404)
    def get(self, order_id):
        """One order with its tasks."""
        return queries.order_or_404(order_id, actor())


@tasks_blp.route("")
class Tasks(MethodView):
    @require(ACCESS_MANAGE)
    @tasks_blp.response(200, AccessTaskSchema(many=True))
    def get(self):
        """The open tasks of your municipalities and of the systems they run, oldest first
        (at most 200)."""
        return queries.open_tasks(actor())


@tasks_blp.route("/<int:task_id>/done")
class TaskDone(MethodView):
    @require(ACCESS_MANAGE)
    @tasks_blp.arguments(AccessTaskDoneSchema, example={"account_name": "nina.s", "version": 2})
    @tasks_blp.response(200, AccessTaskSchema)
    @tasks_blp.errors(404, 409)
    def post(self, data, task_id):
        """Done: the grant is written (given with `account_name`, or ended on the order's
        day), the ticket resolved, the orderer told. Done or refused already: 409 naming
        who and when."""
        user = actor()
        return ops.complete_task(
            user,
            queries.task_or_404(task_id, user),
            account_name=data.get("account_name"),
            note=data.get("note"),
            expected_version=data["version"],
        )


@tasks_blp.route("/<int:task_id>/refuse")
class TaskRefuse(MethodView):
    @require(ACCESS_MANAGE)
    @tasks_blp.arguments(
        AccessTaskRefuseSchema, example={"reason": "Rollen er for ledere", "version": 2}
    )
    @tasks_blp.response(200, AccessTaskSchema)
    @tasks_blp.errors(404, 409)
    def post(self, data, task_id):
        """Refused, with why: the ticket is resolved and the orderer told."""
        user = actor()
        return ops.refuse_task(
            user,
            queries.task_or_404(task_id, user),
            reason=data["reason"],
            expected_version=data["version"],
        )


# --- access reviews -----------------------------------------------------------------------


@reviews_blp.route("")
class Reviews(MethodView):
    @require(ACCESS_VIEW)
    @reviews_blp.arguments(CursorQuerySchema, location="query")
    @reviews_blp.response(200, AccessReviewPageSchema)
    def get(self, args):
        """The access reviews of your municipalities, newest first."""
        stmt = queries.reviews_statement(actor()).order_by(None)
        return cursor_page(
            stmt, AccessReview.id, limit=args["limit"], cursor=args["cursor"], descending=True
        )

    @require(ACCESS_MANAGE)
    @reviews_blp.arguments(
        AccessReviewCreateSchema,
        example={
            "name": "Tilgangskontroll høst 2026",
            "municipality_id": 1,
            "system_ids": [1, 2],
            "due_on": "2026-12-18",
            "fallback_reviewer_id": 3,
        },
    )
    @reviews_blp.response(201, AccessReviewSchema)
    @reviews_blp.errors(404, 409)
    def post(self, data):
        """A review in draft: its systems and municipalities, dates, and what happens to
        what nobody answers (`unanswered`: keep, or end with an `approver_id`)."""
        user = actor()
        municipality = get_scoped_or_404(Municipality, data.pop("municipality_id"), user)
        return ops.create_review(user, municipality, **data)


@reviews_blp.route("/<int:review_id>")
class ReviewById(MethodView):
    @require(ACCESS_VIEW)
    @reviews_blp.response(200, AccessReviewSchema)
    @reviews_blp.errors(404)
    def get(self, review_id):
        """One review."""
        return queries.review_or_404(review_id, actor())


@reviews_blp.route("/<int:review_id>/start")
class ReviewStart(MethodView):
    @require(ACCESS_MANAGE)
    @reviews_blp.arguments(AccessReviewStepSchema, example={"version": 1})
    @reviews_blp.response(200, AccessReviewSchema)
    @reviews_blp.errors(404, 409)
    def post(self, data, review_id):
        """Start: every grant active today in scope becomes an item for its reviewer."""
        user = actor()
        review = queries.review_or_404(review_id, user)
        ops.start_review(user, review, expected_version=data["version"])
        return review


@reviews_blp.route("/<int:review_id>/close")
class ReviewClose(MethodView):
    @require(ACCESS_MANAGE)
    @reviews_blp.arguments(AccessReviewStepSchema, example={"version": 2})
    @reviews_blp.response(200, AccessReviewSchema)
    @reviews_blp.errors(404, 409)
    def post(self, data, review_id):
        """Close: what nobody answered is decided by the review's rule; read-only after."""
        user = actor()
        review = queries.review_or_404(review_id, user)
        return ops.close_review(user, review, expected_version=data["version"])


@reviews_blp.route("/<int:review_id>/items")
class ReviewItems(MethodView):
    @require(ACCESS_REVIEW)
    @reviews_blp.response(200, AccessReviewItemPageSchema)
    @reviews_blp.errors(404)
    def get(self, review_id):
        """Your items in the review (only yours), by unit and person."""
        user = actor()
        review = get_scoped_or_404(AccessReview, review_id, user)
        items = queries.my_items(review, user)
        return {"items": items, "next_cursor": None, "limit": len(items)}


@reviews_blp.route("/<int:review_id>/items/<int:item_id>/decide")
class ReviewDecide(MethodView):
    @require(ACCESS_REVIEW)
    @reviews_blp.arguments(
        AccessReviewDecideSchema,
        example={"decision": "end", "reason": "Sluttet i mai", "version": 1},
    )
    @reviews_blp.response(200, AccessReviewItemSchema)
    @reviews_blp.errors(404, 409)
    def post(self, data, review_id, item_id):
        """Keep, end or change role (`new_role_id`). A reason is needed to end, to change,
        and to keep a privileged or warned item. Someone else decided since you read it:
        409 with the decision made. Not your item: 404; the unit sent or the review
        closed: 409."""
        user = actor()
        review = get_scoped_or_404(AccessReview, review_id, user)
        item = queries.my_item_or_404(review, item_id, user)
        new_role = (
            optional_scoped_or_404(SystemRole, data.get("new_role_id"), user)
            if data["decision"] == "change"
            else None
        )
        return ops.decide(
            user,
            item,
            decision=data["decision"],
            reason=data.get("reason"),
            new_role=new_role,
            expected_version=data["version"],
        )


@reviews_blp.route("/<int:review_id>/evidence.csv")
class ReviewEvidence(MethodView):
    @require(ACCESS_VIEW)
    @reviews_blp.response(200, description="The evidence as CSV (streamed)")
    @reviews_blp.errors(404)
    def get(self, review_id):
        """Every item with reviewer, decision, time, reason and confirmed removal."""
        user = actor()
        review = queries.review_or_404(review_id, user)
        return download(
            evidence.csv_chunks(review, user), evidence.filename(review, "csv"), CSV_MIMETYPE
        )


# --- reconciliation ---------------------------------------------------------------------------


@systems_blp.route("/<int:system_id>/account-lists")
class SystemAccountLists(MethodView):
    @require(ACCESS_MANAGE)
    @systems_blp.arguments(
        AccountListCreateSchema,
        example={
            "accounts": [
                {"account": "nina.s", "role": "Operatør", "last_login": "2026-12-01 08:15"}
            ],
            "dry_run": True,
        },
    )
    @systems_blp.response(201, AccountListSchema)
    @systems_blp.errors(404, 409)
    def post(self, data, system_id):
        """Reconcile the system's account list with the register. `dry_run` (the default)
        says what applying would do; `false` applies it: last logins stored, access whose
        account is gone ended, removals verified or reopened. All or nothing: bad rows are
        named (422)."""
        user = actor()
        system = get_scoped_or_404(ItSystem, system_id, user)
        listing = ops.read_account_list(
            user, system, "api.csv", _as_csv(data["accounts"]), dict(API_MAPPING)
        )
        if not data["dry_run"]:
            ops.apply_account_list(user, listing)
        return listing


@lists_blp.route("/<int:list_id>")
class AccountListById(MethodView):
    @require(ACCESS_MANAGE)
    @lists_blp.response(200, AccountListSchema)
    @lists_blp.errors(404)
    def get(self, list_id):
        """One account list read, and what it found."""
        return queries.account_list_or_404(list_id, actor())


@lists_blp.route("/<int:list_id>/apply")
class AccountListApply(MethodView):
    @require(ACCESS_MANAGE)
    @lists_blp.arguments(AccessReviewStepSchema, example={"version": 1})
    @lists_blp.response(200, AccountListSchema)
    @lists_blp.errors(404, 409)
    def post(self, data, list_id):
        """Apply a list read in a dry run (read again against the register as it is now)."""
        user = actor()
        listing = queries.account_list_or_404(list_id, user)
        return ops.apply_account_list(user, listing, expected_version=data["version"])


API_MAPPING = {
    "account": "account",
    "display_name": "display_name",
    "role": "role",
    "last_login": "last_login",
}


def _as_csv(accounts: list[dict]) -> bytes:
    """The accounts as the file the reconciliation reads (a header row, then one a row)."""
    import csv
    import io

    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
    writer.writerow(list(API_MAPPING))
    for account in accounts:
        writer.writerow([account.get(name) or "" for name in API_MAPPING])
    return buffer.getvalue().encode("utf-8")
