"""The only code that changes agreements: `from vftops.agreements import operations`
gives all of it."""

from vftops.agreements.operations.agreements import (  # noqa: F401
    AGREEMENT_FIELDS,
    OPTION_FIELDS,
    add_option,
    agreement_state,
    check_manages,
    create_agreement,
    remove_option,
    update_agreement,
)
from vftops.agreements.operations.calloffs import (  # noqa: F401
    place_on_agreement,
    take_off_agreement,
)
from vftops.agreements.operations.competitions import (  # noqa: F401
    BID_FIELDS,
    COMPETITION_FIELDS,
    add_bid,
    award,
    bidders,
    cancel_competition,
    create_competition,
    remove_bid,
    update_competition,
)
from vftops.agreements.operations.deadlines import (  # noqa: F401
    DECISION_FIELDS,
    decide_deadline,
    end_run_out,
)
from vftops.agreements.operations.deviations import (  # noqa: F401
    DEVIATION_FIELDS,
    breach_reported,
    close_deviation,
    reopen_deviation,
    report_breach,
    report_deviation,
    update_deviation,
)
from vftops.agreements.operations.documents import (  # noqa: F401
    add_document,
    path_of,
    remove_document,
)
from vftops.agreements.operations.handover import (  # noqa: F401
    add_handover_item,
    confirm_handover_item,
    remove_handover_item,
)
from vftops.agreements.operations.meetings import (  # noqa: F401
    ACTION_FIELDS,
    MEETING_FIELDS,
    add_action,
    complete_action,
    create_meeting,
    update_meeting,
)
from vftops.agreements.operations.prices import (  # noqa: F401
    LEVEL_FIELDS,
    PRICE_FIELDS,
    add_price_line,
    add_service_level,
    price_on,
    remove_service_level,
    update_price_line,
    update_service_level,
)
