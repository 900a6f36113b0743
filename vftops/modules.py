"""The modules of vftops, in the order their packages depend on each other: each may
import those before it, never one after it (a test holds the code to this order).
Adding a module: its package with a `module.py`, a line here, a migration and its
translations."""

import vftops.models  # noqa: F401  (every model mapped before any module's code runs)
from vftops.access.module import module as access
from vftops.agreements.module import module as agreements
from vftops.audit.module import module as audit
from vftops.auth.module import module as auth
from vftops.core.module import module as core
from vftops.equipment.module import module as equipment
from vftops.org.module import module as org
from vftops.stock.module import module as stock
from vftops.suppliers.module import module as suppliers
from vftops.support.module import module as support
from vftops.systems.module import module as systems

MODULES = (
    core,
    org,
    auth,
    audit,
    suppliers,
    equipment,
    stock,
    systems,
    support,
    access,
    agreements,
)
