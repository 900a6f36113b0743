"""The support module's rows of the permission matrix, one list per part of the module.

World ids available in paths and bodies (per municipality): team (default servicedesk
team), team2 (technicians, with the world's user as member), rule, ticket (new, about
the installed device, with an attachment), ticket_working (in progress, under the
incident), incident, attachment, plus everything the equipment and store rows use.
"""

from tests.support.endpoints_actions import ACTIONS
from tests.support.endpoints_admin import ADMIN
from tests.support.endpoints_api import API
from tests.support.endpoints_pages import PAGES
from tests.support.endpoints_reports import REPORTS

SUPPORT_ENDPOINTS = [*PAGES, *ACTIONS, *ADMIN, *REPORTS, *API]
