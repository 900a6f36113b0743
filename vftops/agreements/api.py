"""JSON API of agreements, their options, deadlines, price lines and service levels."""

from __future__ import annotations

from flask import abort, g, send_file
from flask.views import MethodView
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import joinedload, selectinload

from vftops.agreements import operations as ops
from vftops.agreements import queries
from vftops.agreements.models import (
    Agreement,
    CompetitionBid,
    Deviation,
    ExtensionOption,
    MeetingAction,
    MiniCompetition,
    PriceLine,
    ServiceLevel,
    SupplierMeeting,
)
from vftops.agreements.permissions import AGREEMENTS_MANAGE, AGREEMENTS_VIEW, DEVIATIONS_REPORT
from vftops.agreements.schemas import (
    ActionCreateSchema,
    ActionDoneSchema,
    ActionSchema,
    AgreementCreateSchema,
    AgreementPageSchema,
    AgreementQuerySchema,
    AgreementSchema,
    AgreementUpdateSchema,
    AwardSchema,
    BidCreateSchema,
    BidSchema,
    CancelSchema,
    CompetitionCreateSchema,
    CompetitionPageSchema,
    CompetitionQuerySchema,
    CompetitionSchema,
    CompetitionUpdateSchema,
    DeadlineQuerySchema,
    DeadlineSchema,
    DecisionCreateSchema,
    DecisionSchema,
    DeviationCreateSchema,
    DeviationPageSchema,
    DeviationQuerySchema,
    DeviationSchema,
    DeviationUpdateSchema,
    DocumentSchema,
    DocumentUploadQuerySchema,
    EvaluationQuerySchema,
    EvaluationSchema,
    MeetingCreateSchema,
    MeetingPageSchema,
    MeetingQuerySchema,
    MeetingSchema,
    MeetingUpdateSchema,
    OptionCreateSchema,
    OptionSchema,
    PriceLineCreateSchema,
    PriceLinePageSchema,
    PriceLineQuerySchema,
    PriceLineSchema,
    PriceLineUpdateSchema,
    ServiceLevelCreateSchema,
    ServiceLevelPageSchema,
    ServiceLevelQuerySchema,
    ServiceLevelSchema,
    ServiceLevelUpdateSchema,
    VersionOnlySchema,
)
from vftops.core.api import ApiBlueprint
from vftops.core.inputs import accepts_upload
from vftops.core.models import local_today
from vftops.core.pagination import cursor_page
from vftops.core.permissions import require, require_any
from vftops.core.scope import get_scoped_or_404, id_or_404, scoped
from vftops.core.web import actor
from vftops.extensions import db
from vftops.org.models import Municipality

agreements_blp = ApiBlueprint(
    "agreements",
    __name__,
    url_prefix="/api/v1/agreements",
    description="Supplier agreements: owners, dates, options, deadlines",
)
prices_blp = ApiBlueprint(
    "price_lines",
    __name__,
    url_prefix="/api/v1/price-lines",
    description="What products and services cost on an agreement, from one date to another",
)
levels_blp = ApiBlueprint(
    "service_levels",
    __name__,
    url_prefix="/api/v1/service-levels",
    description="What the supplier promised: times to answer and fix, uptime, delivery time",
)
deviations_blp = ApiBlueprint(
    "deviations",
    __name__,
    url_prefix="/api/v1/deviations",
    description="Deviations against agreements: reported, told to the supplier, answered, closed",
)
meetings_blp = ApiBlueprint(
    "supplier_meetings",
    __name__,
    url_prefix="/api/v1/supplier-meetings",
    description="Supplier meetings on an agreement: minutes and actions followed up until done",
)
competitions_blp = ApiBlueprint(
    "mini_competitions",
    __name__,
    url_prefix="/api/v1/mini-competitions",
    description="Mini-competitions among framework suppliers: bids, award and why",
)
blueprints = (
    agreements_blp,
    prices_blp,
    levels_blp,
    deviations_blp,
    meetings_blp,
    competitions_blp,
)


def _agreement(agreement_id) -> Agreement:
    return queries.agreement_or_404(id_or_404(agreement_id), actor())


@agreements_blp.route("")
class Agreements(MethodView):
    @require(AGREEMENTS_VIEW)
    @agreements_blp.arguments(AgreementQuerySchema, location="query")
    @agreements_blp.response(200, AgreementPageSchema)
    def get(self, args):
        """The agreements of your municipalities (managed by them or covering them)."""
        stmt = queries.agreements(
            actor(),
            q=args["q"],
            status=args["status"],
            kind=args["kind"],
            supplier_id=args["supplier_id"],
        ).order_by(None)
        return cursor_page(
            stmt.options(*queries.AGREEMENT_LISTS),
            Agreement.id,
            limit=args["limit"],
            cursor=args["cursor"],
        )

    @require(AGREEMENTS_MANAGE)
    @agreements_blp.arguments(
        AgreementCreateSchema,
        example={
            "municipality_id": 1,
            "title": "Leie av trygghetsalarmer",
            "reference": "2024/1187",
            "kind": "lease",
            "supplier_id": 1,
            "owner_id": 2,
            "starts_on": "2024-01-01",
            "ends_on": "2026-12-31",
            "notice_months": 6,
            "renews_automatically": True,
            "renewal_months": 12,
        },
    )
    @agreements_blp.response(201, AgreementSchema)
    @agreements_blp.errors(404, 409)
    def post(self, data):
        """Register an agreement."""
        user = actor()
        municipality = get_scoped_or_404(Municipality, data.pop("municipality_id"), user)
        return ops.create_agreement(user, municipality, **data)


@agreements_blp.route("/deadlines")
class Deadlines(MethodView):
    @require(AGREEMENTS_VIEW)
    @agreements_blp.arguments(DeadlineQuerySchema, location="query")
    @agreements_blp.response(200, DeadlineSchema(many=True))
    def get(self, args):
        """Deadlines not yet handled within `days` (default 365), and those passed:
        overdue first, then by date."""
        return queries.deadlines_for(actor(), local_today(), horizon_days=args["days"])


@agreements_blp.route("/<int:agreement_id>")
class AgreementById(MethodView):
    @require(AGREEMENTS_VIEW)
    @agreements_blp.response(200, AgreementSchema)
    @agreements_blp.errors(404)
    def get(self, agreement_id):
        """One agreement, with its options to extend."""
        return _agreement(agreement_id)

    @require(AGREEMENTS_MANAGE)
    @agreements_blp.arguments(AgreementUpdateSchema, example={"notice_months": 3, "version": 1})
    @agreements_blp.response(200, AgreementSchema)
    @agreements_blp.errors(404, 409)
    def patch(self, data, agreement_id):
        """Change an agreement (by the municipality that manages it)."""
        agreement = _agreement(agreement_id)
        expected = data.pop("version", None)
        return ops.update_agreement(actor(), agreement, expected_version=expected, **data)


@agreements_blp.route("/<int:agreement_id>/options")
class AgreementOptions(MethodView):
    @require(AGREEMENTS_MANAGE)
    @agreements_blp.arguments(OptionCreateSchema, example={"months": 12, "decide_by": "2026-06-30"})
    @agreements_blp.response(201, OptionSchema)
    @agreements_blp.errors(404, 409)
    def post(self, data, agreement_id):
        """Add an option to extend, with the last day to decide it."""
        return ops.add_option(actor(), _agreement(agreement_id), **data)


@agreements_blp.route("/<int:agreement_id>/options/<int:option_id>")
class AgreementOption(MethodView):
    @require(AGREEMENTS_MANAGE)
    @agreements_blp.response(204)
    @agreements_blp.errors(404, 409)
    def delete(self, agreement_id, option_id):
        """Remove an option not yet decided."""
        agreement = _agreement(agreement_id)
        option = db.session.get(ExtensionOption, id_or_404(option_id))
        if option is None or option.agreement_id != agreement.id:
            abort(404)
        ops.remove_option(actor(), option)


@agreements_blp.route("/<int:agreement_id>/decisions")
class AgreementDecisions(MethodView):
    @require(AGREEMENTS_MANAGE)
    @agreements_blp.arguments(
        DecisionCreateSchema,
        example={"kind": "notice", "due_on": "2026-06-30", "decision": "extend", "note": "Styret"},
    )
    @agreements_blp.response(201, DecisionSchema)
    @agreements_blp.errors(404, 409)
    def post(self, data, agreement_id):
        """Mark a deadline handled with what was decided: `extend` on an option exercises
        it (the end moves); `end` or `tender` on the notice deadline gives notice."""
        return ops.decide_deadline(actor(), _agreement(agreement_id), **data)


@agreements_blp.route("/<int:agreement_id>/documents")
class AgreementDocuments(MethodView):
    @require(AGREEMENTS_VIEW)
    @agreements_blp.response(200, DocumentSchema(many=True))
    @agreements_blp.errors(404)
    def get(self, agreement_id):
        """The agreement's documents, newest first."""
        return queries.documents(_agreement(agreement_id))

    @accepts_upload("application/pdf", limit_key="ATTACHMENT_MAX_BYTES")
    @require(AGREEMENTS_MANAGE)
    @agreements_blp.arguments(DocumentUploadQuerySchema, location="query")
    @agreements_blp.response(201, DocumentSchema)
    @agreements_blp.errors(404, 413, 415, 422)
    @agreements_blp.doc(
        requestBody={
            "required": True,
            "content": {"application/pdf": {"schema": {"type": "string", "format": "binary"}}},
        }
    )
    def post(self, args, agreement_id):
        """Add a PDF: the file itself is the request body (`Content-Type:
        application/pdf`), checked by its bytes; nothing is stored when it is refused."""
        agreement = _agreement(agreement_id)
        data = g.upload  # read whole by the request checks (vftops.core.api)
        return ops.add_document(actor(), agreement, args["filename"] or "avtale.pdf", data)


def _document(agreement_id, document_id):
    from vftops.agreements.models import AgreementDocument

    agreement = _agreement(agreement_id)
    row = db.session.get(AgreementDocument, id_or_404(document_id))
    if row is None or row.agreement_id != agreement.id:
        abort(404)
    return row


@agreements_blp.route("/<int:agreement_id>/documents/<int:document_id>")
class AgreementDocumentById(MethodView):
    @require(AGREEMENTS_VIEW)
    @agreements_blp.response(
        200, content_type="application/pdf", description="The PDF as it was stored"
    )
    @agreements_blp.errors(404)
    def get(self, agreement_id, document_id):
        """The document's bytes."""
        import io

        row = _document(agreement_id, document_id)
        path = ops.path_of(row)
        if not path.is_file():
            abort(404)
        response = send_file(
            io.BytesIO(path.read_bytes()),
            mimetype="application/pdf",
            as_attachment=True,
            download_name=row.filename,
        )
        response.headers["Cache-Control"] = "no-store"
        response.headers["X-Content-Type-Options"] = "nosniff"
        return response

    @require(AGREEMENTS_MANAGE)
    @agreements_blp.response(204)
    @agreements_blp.errors(404)
    def delete(self, agreement_id, document_id):
        """Take a document off the agreement (audited with its SHA-256)."""
        ops.remove_document(actor(), _document(agreement_id, document_id))


# --- price lines ---------------------------------------------------------------------


def _line(line_id) -> PriceLine:
    line = db.session.get(PriceLine, id_or_404(line_id))
    if line is None:
        abort(404)
    _agreement(line.agreement_id)  # 404 unless the agreement is the reader's
    return line


@prices_blp.route("")
class PriceLines(MethodView):
    @require(AGREEMENTS_VIEW)
    @prices_blp.arguments(PriceLineQuerySchema, location="query")
    @prices_blp.response(200, PriceLinePageSchema)
    def get(self, args):
        """Price lines of the agreements you see; filter by agreement or product."""
        visible = scoped(select(Agreement.id), Agreement, actor())
        stmt = select(PriceLine).where(PriceLine.agreement_id.in_(visible))
        if args["agreement_id"] is not None:
            stmt = stmt.where(PriceLine.agreement_id == args["agreement_id"])
        if args["product_id"] is not None:
            stmt = stmt.where(PriceLine.product_id == args["product_id"])
        return cursor_page(stmt, PriceLine.id, limit=args["limit"], cursor=args["cursor"])

    @require(AGREEMENTS_MANAGE)
    @prices_blp.arguments(
        PriceLineCreateSchema,
        example={
            "agreement_id": 1,
            "product_id": 3,
            "monthly_rent": "149.00",
            "valid_from": "2025-01-01",
        },
    )
    @prices_blp.response(201, PriceLineSchema)
    @prices_blp.errors(404, 409)
    def post(self, data):
        """Add a price; refused (409) when the product or service already has a price on
        the agreement for some of these dates."""
        agreement = _agreement(data.pop("agreement_id"))
        return ops.add_price_line(actor(), agreement, **data)


@prices_blp.route("/<int:line_id>")
class PriceLineById(MethodView):
    @require(AGREEMENTS_VIEW)
    @prices_blp.response(200, PriceLineSchema)
    @prices_blp.errors(404)
    def get(self, line_id):
        """One price line."""
        return _line(line_id)

    @require(AGREEMENTS_MANAGE)
    @prices_blp.arguments(PriceLineUpdateSchema, example={"valid_to": "2026-12-31", "version": 1})
    @prices_blp.response(200, PriceLineSchema)
    @prices_blp.errors(404, 409)
    def patch(self, data, line_id):
        """Change a price line (e.g. end it before a new price starts)."""
        line = _line(line_id)
        expected = data.pop("version", None)
        return ops.update_price_line(actor(), line, expected_version=expected, **data)


# --- service levels ------------------------------------------------------------------


def _level(level_id) -> ServiceLevel:
    level = db.session.get(ServiceLevel, id_or_404(level_id))
    if level is None:
        abort(404)
    _agreement(level.agreement_id)
    return level


@levels_blp.route("")
class ServiceLevels(MethodView):
    @require(AGREEMENTS_VIEW)
    @levels_blp.arguments(ServiceLevelQuerySchema, location="query")
    @levels_blp.response(200, ServiceLevelPageSchema)
    def get(self, args):
        """Service levels of the agreements you see; filter by agreement."""
        visible = scoped(select(Agreement.id), Agreement, actor())
        stmt = select(ServiceLevel).where(ServiceLevel.agreement_id.in_(visible))
        if args["agreement_id"] is not None:
            stmt = stmt.where(ServiceLevel.agreement_id == args["agreement_id"])
        return cursor_page(stmt, ServiceLevel.id, limit=args["limit"], cursor=args["cursor"])

    @require(AGREEMENTS_MANAGE)
    @levels_blp.arguments(
        ServiceLevelCreateSchema,
        example={"agreement_id": 1, "metric": "fix_time", "target": "8", "calendar": "business"},
    )
    @levels_blp.response(201, ServiceLevelSchema)
    @levels_blp.errors(404, 409)
    def post(self, data):
        """Add a service level to an agreement."""
        agreement = _agreement(data.pop("agreement_id"))
        return ops.add_service_level(actor(), agreement, **data)


@levels_blp.route("/<int:level_id>")
class ServiceLevelById(MethodView):
    @require(AGREEMENTS_VIEW)
    @levels_blp.response(200, ServiceLevelSchema)
    @levels_blp.errors(404)
    def get(self, level_id):
        """One service level."""
        return _level(level_id)

    @require(AGREEMENTS_MANAGE)
    @levels_blp.arguments(ServiceLevelUpdateSchema, example={"target": "4", "version": 1})
    @levels_blp.response(200, ServiceLevelSchema)
    @levels_blp.errors(404, 409)
    def patch(self, data, level_id):
        """Change a service level."""
        level = _level(level_id)
        expected = data.pop("version", None)
        return ops.update_service_level(actor(), level, expected_version=expected, **data)

    @require(AGREEMENTS_MANAGE)
    @levels_blp.response(204)
    @levels_blp.errors(404, 409)
    def delete(self, level_id):
        """Remove a service level."""
        ops.remove_service_level(actor(), _level(level_id))


# --- deviations ----------------------------------------------------------------------


def _deviation(deviation_id) -> Deviation:
    deviation = db.session.get(Deviation, id_or_404(deviation_id))
    if deviation is None:
        abort(404)
    _agreement(deviation.agreement_id)
    return deviation


@deviations_blp.route("")
class Deviations(MethodView):
    @require(AGREEMENTS_VIEW)
    @deviations_blp.arguments(DeviationQuerySchema, location="query")
    @deviations_blp.response(200, DeviationPageSchema)
    def get(self, args):
        """Deviations against the agreements you see; filter by agreement and status."""
        visible = scoped(select(Agreement.id), Agreement, actor())
        stmt = select(Deviation).where(Deviation.agreement_id.in_(visible))
        if args["agreement_id"] is not None:
            stmt = stmt.where(Deviation.agreement_id == args["agreement_id"])
        if args["status"] is not None:
            stmt = stmt.where(Deviation.status == args["status"])
        stmt = stmt.options(selectinload(Deviation.tickets), selectinload(Deviation.devices))
        return cursor_page(stmt, Deviation.id, limit=args["limit"], cursor=args["cursor"])

    @require(DEVIATIONS_REPORT)
    @deviations_blp.arguments(
        DeviationCreateSchema,
        example={
            "agreement_id": 1,
            "kind": "late_delivery",
            "severity": "high",
            "title": "20 alarmer levert 12 dager for sent",
        },
    )
    @deviations_blp.response(201, DeviationSchema)
    @deviations_blp.errors(404, 409)
    def post(self, data):
        """Report a deviation against an agreement."""
        agreement = _agreement(data.pop("agreement_id"))
        return ops.report_deviation(actor(), agreement, **data)


@deviations_blp.route("/<int:deviation_id>")
class DeviationById(MethodView):
    @require_any(AGREEMENTS_VIEW, DEVIATIONS_REPORT)
    @deviations_blp.response(200, DeviationSchema)
    @deviations_blp.errors(404)
    def get(self, deviation_id):
        """One deviation."""
        return _deviation(deviation_id)

    @require_any(AGREEMENTS_MANAGE, DEVIATIONS_REPORT)
    @deviations_blp.arguments(
        DeviationUpdateSchema,
        example={"reported_at": "2026-12-01", "reported_how": "E-post", "version": 1},
    )
    @deviations_blp.response(200, DeviationSchema)
    @deviations_blp.errors(404, 409)
    def patch(self, data, deviation_id):
        """Record when and how the supplier was told, and their answer."""
        deviation = _deviation(deviation_id)
        expected = data.pop("version", None)
        return ops.update_deviation(actor(), deviation, expected_version=expected, **data)


@deviations_blp.route("/<int:deviation_id>/close")
class DeviationClose(MethodView):
    @require(AGREEMENTS_MANAGE)
    @deviations_blp.arguments(VersionOnlySchema)
    @deviations_blp.response(200, DeviationSchema)
    @deviations_blp.errors(404, 409)
    def post(self, data, deviation_id):
        """Close the deviation (409 when it is closed already)."""
        return ops.close_deviation(
            actor(), _deviation(deviation_id), expected_version=data["version"]
        )


@deviations_blp.route("/<int:deviation_id>/reopen")
class DeviationReopen(MethodView):
    @require(AGREEMENTS_MANAGE)
    @deviations_blp.arguments(VersionOnlySchema)
    @deviations_blp.response(200, DeviationSchema)
    @deviations_blp.errors(404, 409)
    def post(self, data, deviation_id):
        """Reopen a closed deviation."""
        return ops.reopen_deviation(
            actor(), _deviation(deviation_id), expected_version=data["version"]
        )


@agreements_blp.route("/<int:agreement_id>/evaluation")
class AgreementEvaluation(MethodView):
    @require(AGREEMENTS_VIEW)
    @agreements_blp.arguments(EvaluationQuerySchema, location="query")
    @agreements_blp.response(200, EvaluationSchema)
    @agreements_blp.errors(404, 422)
    def get(self, args, agreement_id):
        """Each service level measured against its target over the period (default: the
        twelve months up to today), month by month with each case; and the licences or
        units paid for against those in use."""
        from vftops.agreements.evaluation import evaluate, year_to
        from vftops.agreements.measure import Period
        from vftops.core.errors import ValidationError

        agreement = _agreement(agreement_id)
        default = year_to(local_today())
        first, last = args["from_"] or default.first, args["to"] or default.last
        if last < first or (last - first).days > 5 * 366 or first.year < 1990 or last.year > 2100:
            message = _l("Give a period from one date to a later one, at most five years.")
            raise ValidationError(message, fields={"to": [message]})
        return evaluate(agreement, Period(first, last))


# --- supplier meetings -----------------------------------------------------------------


def _meeting(meeting_id) -> SupplierMeeting:
    meeting = db.session.get(SupplierMeeting, id_or_404(meeting_id))
    if meeting is None:
        abort(404)
    _agreement(meeting.agreement_id)
    return meeting


@meetings_blp.route("")
class Meetings(MethodView):
    @require(AGREEMENTS_VIEW)
    @meetings_blp.arguments(MeetingQuerySchema, location="query")
    @meetings_blp.response(200, MeetingPageSchema)
    def get(self, args):
        """Supplier meetings on the agreements you see; filter by agreement."""
        visible = scoped(select(Agreement.id), Agreement, actor())
        stmt = select(SupplierMeeting).where(SupplierMeeting.agreement_id.in_(visible))
        if args["agreement_id"] is not None:
            stmt = stmt.where(SupplierMeeting.agreement_id == args["agreement_id"])
        stmt = stmt.options(selectinload(SupplierMeeting.actions))
        return cursor_page(stmt, SupplierMeeting.id, limit=args["limit"], cursor=args["cursor"])

    @require(AGREEMENTS_MANAGE)
    @meetings_blp.arguments(
        MeetingCreateSchema,
        example={"agreement_id": 1, "held_on": "2026-12-10", "attendees": "Ingrid; Kari"},
    )
    @meetings_blp.response(201, MeetingSchema)
    @meetings_blp.errors(404, 409)
    def post(self, data):
        """Register a meeting; its status report covers the time since the last one."""
        agreement = _agreement(data.pop("agreement_id"))
        return ops.create_meeting(actor(), agreement, **data)


@meetings_blp.route("/<int:meeting_id>")
class MeetingById(MethodView):
    @require(AGREEMENTS_VIEW)
    @meetings_blp.response(200, MeetingSchema)
    @meetings_blp.errors(404)
    def get(self, meeting_id):
        """One meeting with its actions."""
        return _meeting(meeting_id)

    @require(AGREEMENTS_MANAGE)
    @meetings_blp.arguments(MeetingUpdateSchema, example={"minutes": "Referat", "version": 1})
    @meetings_blp.response(200, MeetingSchema)
    @meetings_blp.errors(404, 409)
    def patch(self, data, meeting_id):
        """Change a meeting: e.g. write its minutes."""
        meeting = _meeting(meeting_id)
        expected = data.pop("version", None)
        return ops.update_meeting(actor(), meeting, expected_version=expected, **data)


@meetings_blp.route("/<int:meeting_id>/actions")
class MeetingActions(MethodView):
    @require(AGREEMENTS_MANAGE)
    @meetings_blp.arguments(
        ActionCreateSchema,
        example={"text": "Send plan", "owner_name": "Kari (Tunstall)", "due_on": "2026-12-20"},
    )
    @meetings_blp.response(201, ActionSchema)
    @meetings_blp.errors(404, 409)
    def post(self, data, meeting_id):
        """Add an action: what, who (one of ours by id, or a name at the supplier), by when."""
        return ops.add_action(actor(), _meeting(meeting_id), **data)


@meetings_blp.route("/actions/<int:action_id>/done")
class ActionDone(MethodView):
    @require(AGREEMENTS_MANAGE)
    @meetings_blp.arguments(ActionDoneSchema)
    @meetings_blp.response(200, ActionSchema)
    @meetings_blp.errors(404, 409)
    def post(self, data, action_id):
        """Mark an action done (`done: false` reopens it)."""
        action = db.session.get(MeetingAction, id_or_404(action_id))
        if action is None:
            abort(404)
        _meeting(action.meeting_id)
        return ops.complete_action(
            actor(), action, expected_version=data["version"], done=data["done"]
        )


# --- mini-competitions -------------------------------------------------------------


def _bids_with_suppliers():
    return (
        selectinload(MiniCompetition.bids)
        .joinedload(CompetitionBid.agreement)
        .joinedload(Agreement.supplier)
    )


def _competition(competition_id) -> MiniCompetition:
    return get_scoped_or_404(
        MiniCompetition,
        competition_id,
        actor(),
        options=(
            joinedload(MiniCompetition.framework),
            joinedload(MiniCompetition.municipality),
            _bids_with_suppliers(),
        ),
    )


@competitions_blp.route("")
class Competitions(MethodView):
    @require(AGREEMENTS_VIEW)
    @competitions_blp.arguments(CompetitionQuerySchema, location="query")
    @competitions_blp.response(200, CompetitionPageSchema)
    def get(self, args):
        """Mini-competitions held by your municipalities; filter by framework or status."""
        stmt = scoped(select(MiniCompetition), MiniCompetition, actor())
        if args["framework_id"] is not None:
            stmt = stmt.where(MiniCompetition.framework_id == args["framework_id"])
        if args["status"] is not None:
            stmt = stmt.where(MiniCompetition.status == args["status"])
        stmt = stmt.options(_bids_with_suppliers())
        return cursor_page(stmt, MiniCompetition.id, limit=args["limit"], cursor=args["cursor"])

    @require(AGREEMENTS_MANAGE)
    @competitions_blp.arguments(
        CompetitionCreateSchema,
        example={
            "framework_id": 1,
            "title": "40 GPS-klokker",
            "criteria": "Pris 60 %, leveringstid 40 %",
            "answer_by": "2026-12-20",
        },
    )
    @competitions_blp.response(201, CompetitionSchema)
    @competitions_blp.errors(404, 409, 422)
    def post(self, data):
        """Open a mini-competition under a framework agreement you see."""
        framework = _agreement(data.pop("framework_id"))
        return ops.create_competition(actor(), framework, **data)


@competitions_blp.route("/<int:competition_id>")
class CompetitionById(MethodView):
    @require(AGREEMENTS_VIEW)
    @competitions_blp.response(200, CompetitionSchema)
    @competitions_blp.errors(404)
    def get(self, competition_id):
        """One mini-competition with its bids."""
        return _competition(competition_id)

    @require(AGREEMENTS_MANAGE)
    @competitions_blp.arguments(CompetitionUpdateSchema, example={"answer_by": "2026-12-22"})
    @competitions_blp.response(200, CompetitionSchema)
    @competitions_blp.errors(404, 409, 422)
    def patch(self, data, competition_id):
        """Change it while it is open."""
        competition = _competition(competition_id)
        expected = data.pop("version", None)
        return ops.update_competition(actor(), competition, expected_version=expected, **data)


@competitions_blp.route("/<int:competition_id>/bids")
class CompetitionBids(MethodView):
    @require(AGREEMENTS_MANAGE)
    @competitions_blp.arguments(
        BidCreateSchema, example={"agreement_id": 2, "price": "158000", "score": 87.5}
    )
    @competitions_blp.response(201, BidSchema)
    @competitions_blp.errors(404, 409, 422)
    def post(self, data, competition_id):
        """Register a supplier's bid, under its framework agreement, by the last day."""
        return ops.add_bid(actor(), _competition(competition_id), **data)


@competitions_blp.route("/<int:competition_id>/bids/<int:bid_id>")
class CompetitionBidById(MethodView):
    @require(AGREEMENTS_MANAGE)
    @competitions_blp.response(204)
    @competitions_blp.errors(404, 409)
    def delete(self, competition_id, bid_id):
        """Take a bid out while the competition is open (register it again to change it)."""
        competition = _competition(competition_id)
        bid = next((b for b in competition.bids if b.id == bid_id), None)
        if bid is None:
            abort(404)
        ops.remove_bid(actor(), bid)


@competitions_blp.route("/<int:competition_id>/award")
class CompetitionAward(MethodView):
    @require(AGREEMENTS_MANAGE)
    @competitions_blp.arguments(AwardSchema, example={"bid_id": 3, "reason": "Best score"})
    @competitions_blp.response(200, CompetitionSchema)
    @competitions_blp.errors(404, 409, 422)
    def post(self, data, competition_id):
        """Award it to one bid, after the last day to bid, with why it won."""
        return ops.award(
            actor(),
            _competition(competition_id),
            bid_id=data["bid_id"],
            reason=data["reason"],
            expected_version=data.get("version"),
        )


@competitions_blp.route("/<int:competition_id>/cancel")
class CompetitionCancel(MethodView):
    @require(AGREEMENTS_MANAGE)
    @competitions_blp.arguments(CancelSchema, example={"reason": "Behovet falt bort"})
    @competitions_blp.response(200, CompetitionSchema)
    @competitions_blp.errors(404, 409, 422)
    def post(self, data, competition_id):
        """Cancel it, with why."""
        return ops.cancel_competition(
            actor(),
            _competition(competition_id),
            reason=data["reason"],
            expected_version=data.get("version"),
        )
