"""Permission-matrix rows for the support module: reports and exports.

`{municipality}` in the query string makes a row scoped: another municipality's id
answers 404 (see tests/support/endpoints.py for the world)."""

from tests.matrix import Endpoint
from vftops.support.permissions import TICKETS_VIEW

REPORTS: list[Endpoint] = [
    Endpoint("GET", "/support/reports", TICKETS_VIEW),
    Endpoint("GET", "/support/reports?weeks=52&municipality_id={municipality}", TICKETS_VIEW),
    Endpoint("GET", "/support/export.csv?queue=all", TICKETS_VIEW),
    Endpoint(
        "GET",
        "/support/export.csv?queue=open&kind=technical_alarm&municipality_id={municipality}",
        TICKETS_VIEW,
    ),
    Endpoint("GET", "/support/export.xlsx?queue=all", TICKETS_VIEW),
    Endpoint("GET", "/support/export.xlsx?queue=open&municipality_id={municipality}", TICKETS_VIEW),
]
