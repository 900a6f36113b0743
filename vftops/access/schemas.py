"""JSON shapes of systems, their roles and grants. Input schemas reject unknown fields; the
operations check the rest with the same translated messages as the pages."""

from __future__ import annotations

import marshmallow as ma
from flask_login import current_user

from vftops.access.labels import holder_label
from vftops.access.models import (
    Decision,
    HolderKind,
    OrderKind,
    ReviewStatus,
    ReviewWarning,
    TaskAction,
    TaskStatus,
    Unanswered,
)
from vftops.core.api import CursorQuerySchema, StrictSchema, list_envelope, optional_text
from vftops.systems.models import AccountSource, AdminKind, JobFunction, SystemKind, SystemStatus


def _one_of(enum, **metadata):
    return ma.fields.String(validate=ma.validate.OneOf([k.value for k in enum]), **metadata)


class NamedRefSchema(ma.Schema):
    id = ma.fields.Integer()
    name = ma.fields.String()


class SystemSchema(ma.Schema):
    id = ma.fields.Integer(dump_only=True)
    name = ma.fields.String()
    kind = ma.fields.String()
    municipality_id = ma.fields.Integer(metadata={"description": "The municipality that runs it"})
    shared_with_ids = ma.fields.Method("_shared", metadata={"description": "Also used by"})
    supplier_id = ma.fields.Integer(allow_none=True)
    owner_id = ma.fields.Integer(allow_none=True, metadata={"description": "System owner (user)"})
    admin_kind = ma.fields.String(
        metadata={"description": "Who grants access: user, team or supplier"}
    )
    admin_user_id = ma.fields.Integer(allow_none=True)
    admin_team_id = ma.fields.Function(
        lambda s: s.access_team.id if getattr(s, "access_team", None) is not None else None,
        metadata={
            "type": "integer",
            "nullable": True,
            "description": "The team the routing sends the system's access tickets to",
        },
    )
    holds_health_data = ma.fields.Boolean()
    account_source = ma.fields.String()
    review_interval_months = ma.fields.Integer()
    status = ma.fields.String()
    note = ma.fields.String(allow_none=True)
    created_at = ma.fields.AwareDateTime()
    updated_at = ma.fields.AwareDateTime()
    version = ma.fields.Integer()

    def _shared(self, system) -> list[int]:
        return sorted(m.id for m in system.shared_with)


class _SystemFields(StrictSchema):
    kind = _one_of(SystemKind)
    shared_with_ids = ma.fields.List(ma.fields.Integer())
    supplier_id = ma.fields.Integer(allow_none=True)
    owner_id = ma.fields.Integer(allow_none=True)
    admin_kind = _one_of(AdminKind)
    admin_user_id = ma.fields.Integer(allow_none=True)
    admin_team_id = ma.fields.Integer(allow_none=True)
    holds_health_data = ma.fields.Boolean()
    account_source = _one_of(AccountSource)
    review_interval_months = ma.fields.Integer(
        validate=ma.validate.Range(min=1, max=36), metadata={"description": "1–36, default 6"}
    )
    status = _one_of(SystemStatus)
    note = optional_text()


class SystemCreateSchema(_SystemFields):
    name = ma.fields.String(required=True, validate=ma.validate.Length(max=120))
    municipality_id = ma.fields.Integer(required=True)
    kind = _one_of(SystemKind, required=True)
    admin_kind = _one_of(AdminKind, required=True)
    account_source = _one_of(AccountSource, required=True)


class SystemUpdateSchema(_SystemFields):
    name = ma.fields.String(validate=ma.validate.Length(max=120))
    version = ma.fields.Integer(metadata={"description": "The version you read; 409 if stale"})


class SystemQuerySchema(CursorQuerySchema):
    include_retired = ma.fields.Boolean(load_default=False)


class RoleSchema(ma.Schema):
    id = ma.fields.Integer(dump_only=True)
    system_id = ma.fields.Integer()
    name = ma.fields.String()
    description = ma.fields.String(allow_none=True)
    is_privileged = ma.fields.Boolean()
    job_functions = ma.fields.List(ma.fields.String())
    is_active = ma.fields.Boolean()
    version = ma.fields.Integer()


class RoleCreateSchema(StrictSchema):
    system_id = ma.fields.Integer(required=True)
    name = ma.fields.String(required=True, validate=ma.validate.Length(max=120))
    description = optional_text()
    is_privileged = ma.fields.Boolean(load_default=False)
    job_functions = ma.fields.List(_one_of(JobFunction), load_default=list)


class RoleUpdateSchema(StrictSchema):
    name = ma.fields.String(validate=ma.validate.Length(max=120))
    description = optional_text()
    is_privileged = ma.fields.Boolean()
    job_functions = ma.fields.List(_one_of(JobFunction))
    is_active = ma.fields.Boolean()
    version = ma.fields.Integer()


class RoleQuerySchema(CursorQuerySchema):
    system_id = ma.fields.Integer(load_default=None)


class GrantSchema(ma.Schema):
    id = ma.fields.Integer(dump_only=True)
    system = ma.fields.Nested(NamedRefSchema)
    role = ma.fields.Nested(NamedRefSchema)
    municipality_id = ma.fields.Integer()
    unit_id = ma.fields.Integer(allow_none=True)
    holder_kind = ma.fields.String()
    holder_name = ma.fields.Method(
        "_holder",
        metadata={"description": "A recipient's or relative's name needs recipients.view"},
    )
    user_id = ma.fields.Integer(allow_none=True)
    recipient_id = ma.fields.Integer(allow_none=True)
    person_detail = ma.fields.String(allow_none=True)
    account_name = ma.fields.String(allow_none=True)
    starts_on = ma.fields.Date()
    ends_on = ma.fields.Date(allow_none=True, metadata={"description": "Last day; null: open"})
    reason = ma.fields.String(allow_none=True)
    ordered_by_id = ma.fields.Integer(allow_none=True)
    granted_by_id = ma.fields.Integer(allow_none=True)
    ended_at = ma.fields.AwareDateTime(allow_none=True)
    end_reason = ma.fields.String(allow_none=True)
    replaces_id = ma.fields.Integer(allow_none=True)
    last_login_at = ma.fields.AwareDateTime(allow_none=True)
    created_at = ma.fields.AwareDateTime()
    version = ma.fields.Integer()

    def _holder(self, grant) -> str:
        return holder_label(grant, current_user)


class GrantCreateSchema(StrictSchema):
    system_id = ma.fields.Integer(required=True)
    role_id = ma.fields.Integer(required=True)
    municipality_id = ma.fields.Integer(required=True)
    unit_id = ma.fields.Integer(allow_none=True)
    holder_kind = _one_of(HolderKind, required=True)
    user_id = ma.fields.Integer(allow_none=True)
    recipient_id = ma.fields.Integer(allow_none=True)
    person_name = optional_text(validate=ma.validate.Length(max=120))
    person_detail = optional_text(
        validate=ma.validate.Length(max=120),
        metadata={"description": "Employer of a person, or a relative's relation"},
    )
    account_name = optional_text(validate=ma.validate.Length(max=120))
    starts_on = ma.fields.Date(allow_none=True, metadata={"description": "Default today"})
    ends_on = ma.fields.Date(allow_none=True, metadata={"description": "Last day; null: open"})
    reason = ma.fields.String(required=True, validate=ma.validate.Length(min=1, max=2000))


class GrantEndSchema(StrictSchema):
    ends_on = ma.fields.Date(allow_none=True, metadata={"description": "Last day; default today"})
    reason = ma.fields.String(required=True, validate=ma.validate.Length(min=1, max=2000))
    version = ma.fields.Integer()


class GrantChangeRoleSchema(StrictSchema):
    role_id = ma.fields.Integer(required=True)
    starts_on = ma.fields.Date(allow_none=True, metadata={"description": "Default today"})
    reason = ma.fields.String(required=True, validate=ma.validate.Length(min=1, max=2000))
    version = ma.fields.Integer()


class GrantQuerySchema(CursorQuerySchema):
    system_id = ma.fields.Integer(load_default=None)
    role_id = ma.fields.Integer(load_default=None)
    unit_id = ma.fields.Integer(load_default=None)
    municipality_id = ma.fields.Integer(load_default=None)
    holder = ma.fields.String(
        load_default=None,
        validate=ma.validate.Length(max=120),
        metadata={"description": "Part of a name or account name"},
    )
    at = ma.fields.Date(
        load_default=None,
        metadata={"description": "Who had access on that day (default today)"},
    )
    ended = ma.fields.Boolean(
        load_default=False, metadata={"description": "Every grant, ended and future ones too"}
    )


class AccessTaskSchema(ma.Schema):
    id = ma.fields.Integer(dump_only=True)
    order_id = ma.fields.Integer(allow_none=True)
    action = ma.fields.String(metadata={"enum": [a.value for a in TaskAction]})
    status = ma.fields.String(metadata={"enum": [s.value for s in TaskStatus]})
    system = ma.fields.Nested(NamedRefSchema)
    role = ma.fields.Nested(NamedRefSchema, allow_none=True)
    grant_id = ma.fields.Integer(allow_none=True, metadata={"description": "The grant to end"})
    made_grant_id = ma.fields.Integer(
        allow_none=True, metadata={"description": "The grant the task wrote"}
    )
    ticket_id = ma.fields.Integer(allow_none=True, metadata={"description": "Its access ticket"})
    account_name = ma.fields.String(allow_none=True)
    outcome = ma.fields.String(allow_none=True, metadata={"description": "Note, or why refused"})
    done_at = ma.fields.AwareDateTime(allow_none=True)
    done_by_id = ma.fields.Integer(allow_none=True)
    created_at = ma.fields.AwareDateTime()
    version = ma.fields.Integer()


class AccessOrderSchema(ma.Schema):
    id = ma.fields.Integer(dump_only=True)
    kind = ma.fields.String(metadata={"enum": [k.value for k in OrderKind]})
    municipality_id = ma.fields.Integer()
    unit_id = ma.fields.Integer()
    holder_kind = ma.fields.String()
    holder_name = ma.fields.String()
    user_id = ma.fields.Integer(allow_none=True)
    person_detail = ma.fields.String(allow_none=True)
    effective_on = ma.fields.Date(metadata={"description": "From (access), last day (leaver)"})
    reason = ma.fields.String()
    ordered_by_id = ma.fields.Integer()
    created_at = ma.fields.AwareDateTime()
    closed_at = ma.fields.AwareDateTime(allow_none=True)
    tasks = ma.fields.List(ma.fields.Nested(AccessTaskSchema))


class AccessOrderCreateSchema(StrictSchema):
    kind = _one_of(OrderKind, required=True)
    unit_id = ma.fields.Integer(required=True)
    holder_kind = ma.fields.String(required=True, validate=ma.validate.OneOf(["user", "person"]))
    user_id = ma.fields.Integer(allow_none=True)
    person_name = optional_text(validate=ma.validate.Length(max=120))
    person_detail = optional_text(
        validate=ma.validate.Length(max=120), metadata={"description": "Employer"}
    )
    role_id = ma.fields.Integer(
        allow_none=True, metadata={"description": "The role to give (kind access)"}
    )
    starts_on = ma.fields.Date(allow_none=True, metadata={"description": "Kind access"})
    ends_on = ma.fields.Date(allow_none=True, metadata={"description": "Kind leaver: last day"})
    reason = ma.fields.String(required=True, validate=ma.validate.Length(min=1, max=2000))


class AccessOrderQuerySchema(CursorQuerySchema):
    open = ma.fields.Boolean(load_default=False, metadata={"description": "Open orders only"})


class AccessTaskDoneSchema(StrictSchema):
    account_name = optional_text(
        validate=ma.validate.Length(max=120),
        metadata={"description": "Required to give access: the account the person got"},
    )
    note = optional_text(validate=ma.validate.Length(max=2000))
    version = ma.fields.Integer(required=True)


class AccessTaskRefuseSchema(StrictSchema):
    reason = ma.fields.String(required=True, validate=ma.validate.Length(min=1, max=2000))
    version = ma.fields.Integer(required=True)


class AccessReviewSchema(ma.Schema):
    id = ma.fields.Integer(dump_only=True)
    name = ma.fields.String()
    status = ma.fields.String(metadata={"enum": [s.value for s in ReviewStatus]})
    municipality_id = ma.fields.Integer()
    system_ids = ma.fields.Method("_systems")
    municipality_ids = ma.fields.Method("_municipalities")
    starts_on = ma.fields.Date()
    due_on = ma.fields.Date()
    escalate_on = ma.fields.Date()
    reminder_days = ma.fields.Integer()
    unanswered = ma.fields.String(metadata={"enum": [u.value for u in Unanswered]})
    approver_id = ma.fields.Integer(allow_none=True)
    fallback_reviewer_id = ma.fields.Integer()
    second_stage = ma.fields.Boolean()
    owner_id = ma.fields.Integer()
    started_at = ma.fields.AwareDateTime(allow_none=True)
    closed_at = ma.fields.AwareDateTime(allow_none=True)
    version = ma.fields.Integer()

    def _systems(self, review) -> list[int]:
        return sorted(s.id for s in review.systems)

    def _municipalities(self, review) -> list[int]:
        return sorted(m.id for m in review.municipalities)


class AccessReviewCreateSchema(StrictSchema):
    name = ma.fields.String(required=True, validate=ma.validate.Length(min=1, max=120))
    municipality_id = ma.fields.Integer(
        required=True, metadata={"description": "The municipality that runs the review"}
    )
    municipality_ids = ma.fields.List(ma.fields.Integer(), load_default=None)
    system_ids = ma.fields.List(ma.fields.Integer(), required=True)
    starts_on = ma.fields.Date(allow_none=True)
    due_on = ma.fields.Date(required=True)
    escalate_on = ma.fields.Date(allow_none=True, metadata={"description": "Default due + 7"})
    reminder_days = ma.fields.Integer(load_default=7, validate=ma.validate.Range(1, 60))
    unanswered = _one_of(Unanswered)
    approver_id = ma.fields.Integer(allow_none=True)
    fallback_reviewer_id = ma.fields.Integer(required=True)
    second_stage = ma.fields.Boolean(load_default=False)


class AccessReviewStepSchema(StrictSchema):
    version = ma.fields.Integer(required=True)


class AccessReviewItemSchema(ma.Schema):
    id = ma.fields.Integer(dump_only=True)
    grant_id = ma.fields.Integer()
    system = ma.fields.Nested(NamedRefSchema)
    role = ma.fields.Function(lambda i: {"id": i.grant.role.id, "name": i.grant.role.name})
    holder_name = ma.fields.Method("_holder")
    account_name = ma.fields.Function(lambda i: i.grant.account_name)
    starts_on = ma.fields.Function(lambda i: i.grant.starts_on.isoformat())
    last_login_at = ma.fields.Function(
        lambda i: i.grant.last_login_at.isoformat() if i.grant.last_login_at else None
    )
    unit_id = ma.fields.Integer(allow_none=True)
    warnings = ma.fields.List(ma.fields.String(metadata={"enum": [w.value for w in ReviewWarning]}))
    is_privileged = ma.fields.Boolean()
    decision = ma.fields.String(allow_none=True)
    new_role_id = ma.fields.Integer(allow_none=True)
    reason = ma.fields.String(allow_none=True)
    decided_at = ma.fields.AwareDateTime(allow_none=True)
    submitted_at = ma.fields.AwareDateTime(allow_none=True)
    version = ma.fields.Integer()

    def _holder(self, item) -> str:
        return holder_label(item.grant, current_user)


class AccessReviewDecideSchema(StrictSchema):
    decision = _one_of(Decision, required=True)
    reason = optional_text(validate=ma.validate.Length(max=2000))
    new_role_id = ma.fields.Integer(allow_none=True)
    version = ma.fields.Integer(
        required=True, metadata={"description": "The item's version you read: 409 if stale"}
    )


class AccountSchema(StrictSchema):
    account = ma.fields.String(required=True, validate=ma.validate.Length(min=1, max=120))
    display_name = optional_text(validate=ma.validate.Length(max=120))
    role = optional_text(validate=ma.validate.Length(max=120))
    last_login = optional_text(
        validate=ma.validate.Length(max=40),
        metadata={"description": "YYYY-MM-DD HH:MM (Norwegian time) or ISO 8601"},
    )


class AccountListCreateSchema(StrictSchema):
    accounts = ma.fields.List(
        ma.fields.Nested(AccountSchema),
        required=True,
        validate=ma.validate.Length(max=50_000),
        metadata={"description": "As exported from the system; row numbers count from 2"},
    )
    dry_run = ma.fields.Boolean(
        load_default=True, metadata={"description": "true: only say what applying would do"}
    )


class AccountListSchema(ma.Schema):
    id = ma.fields.Integer(dump_only=True)
    system_id = ma.fields.Integer()
    rows = ma.fields.Integer()
    summary = ma.fields.Dict(
        metadata={
            "description": "matched, unknown (and unknown_accounts), gone, leavers, "
            "role_mismatch, not_removed, verified"
        }
    )
    applied_at = ma.fields.AwareDateTime(allow_none=True)
    created_at = ma.fields.AwareDateTime()
    version = ma.fields.Integer()


SystemPageSchema = list_envelope(SystemSchema)
AccessReviewPageSchema = list_envelope(AccessReviewSchema)
AccessReviewItemPageSchema = list_envelope(AccessReviewItemSchema)
AccessOrderPageSchema = list_envelope(AccessOrderSchema)
RolePageSchema = list_envelope(RoleSchema)
GrantPageSchema = list_envelope(GrantSchema)
