"""Permission-matrix rows for the support module: reports and exports.

`{municipality}` in the query string makes a row scoped: another municipality's id
answers 404 (see tests/support/endpoints.py for the world)."""

from tests.matrix import Endpoint
from vftops.core.permissions import Permission

P = Permission

REPORTS: list[Endpoint] = [
    Endpoint("GET", "/support/reports", P.TICKETS_VIEW),
    Endpoint("GET", "/support/reports?weeks=52&municipality_id={municipality}", P.TICKETS_VIEW),
    Endpoint("GET", "/support/export.csv?queue=all", P.TICKETS_VIEW),
    Endpoint(
        "GET",
        "/support/export.csv?queue=open&kind=technical_alarm&municipality_id={municipality}",
        P.TICKETS_VIEW,
    ),
    Endpoint("GET", "/support/export.xlsx?queue=all", P.TICKETS_VIEW),
    Endpoint(
        "GET", "/support/export.xlsx?queue=open&municipality_id={municipality}", P.TICKETS_VIEW
    ),
]
