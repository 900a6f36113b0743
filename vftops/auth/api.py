"""`/api/v1/users`: the people who log in, their roles and memberships."""

from __future__ import annotations

from flask.views import MethodView
from flask_login import current_user

from vftops.auth import operations as ops
from vftops.auth.models import User
from vftops.auth.permissions import USERS_MANAGE, USERS_VIEW
from vftops.auth.queries import get_visible_user_or_404, user_list
from vftops.auth.schemas import (
    UserCreateSchema,
    UserPageSchema,
    UserQuerySchema,
    UserSchema,
    UserUpdateSchema,
)
from vftops.core.api import ApiBlueprint
from vftops.core.pagination import cursor_page
from vftops.core.permissions import login_required, require

blp = ApiBlueprint(
    "users", __name__, url_prefix="/api/v1/users", description="Users, roles and memberships"
)


@blp.route("")
class Users(MethodView):
    @require(USERS_VIEW)
    @blp.arguments(UserQuerySchema, location="query")
    @blp.response(200, UserPageSchema)
    def get(self, args):
        """List users who share a municipality with you (or have none yet)."""
        stmt = user_list(
            current_user,
            q=args["q"],
            role=args["role"],
            status=args["status"],
            municipality_id=args["municipality_id"],
        )
        return cursor_page(stmt, User.id, limit=args["limit"], cursor=args["cursor"])

    @require(USERS_MANAGE)
    @blp.arguments(UserCreateSchema)
    @blp.response(201, UserSchema)
    @blp.errors(409)
    def post(self, data):
        """Create a user (administrators)."""
        return ops.create_user(current_user._get_current_object(), **data)


@blp.route("/me")
class Me(MethodView):
    @login_required
    @blp.response(200, UserSchema)
    def get(self):
        """The user behind this session or token."""
        return current_user._get_current_object()


@blp.route("/<int:user_id>")
class UserById(MethodView):
    @require(USERS_VIEW)
    @blp.response(200, UserSchema)
    def get(self, user_id):
        """One user."""
        return get_visible_user_or_404(current_user, user_id)

    @require(USERS_MANAGE)
    @blp.arguments(UserUpdateSchema)
    @blp.response(200, UserSchema)
    @blp.errors(404, 409)
    def patch(self, data, user_id):
        """Change name, e-mail, language, roles, memberships, or deactivate/reactivate."""
        actor = current_user._get_current_object()
        user = get_visible_user_or_404(actor, user_id)
        expected = data.pop("version", None)
        active = data.pop("is_active", None)
        if data:
            mids, uids = ops.editable_memberships(actor, user)
            new_mids = data.get("municipality_ids", mids)
            if "unit_ids" not in data:
                # Units follow their municipality: leaving one leaves its units.
                units = {um.unit_id: um.unit.municipality_id for um in user.unit_memberships}
                uids = [u for u in uids if units[u] in set(new_mids)]
            ops.update_user(
                actor,
                user,
                full_name=data.get("full_name", user.full_name),
                email=data.get("email", user.email),
                locale=data.get("locale", user.locale),
                roles=data.get("roles", [r.role for r in user.role_rows]),
                municipality_ids=new_mids,
                unit_ids=data.get("unit_ids", uids),
                expected_version=expected,
            )
            expected = None
        if active is not None:
            ops.set_user_active(actor, user, active, expected_version=expected)
        return user
