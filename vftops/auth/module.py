"""Users, roles, memberships, logins and personal API tokens."""

from flask_babel import lazy_gettext as _l

from vftops.auth import api, bench, demo, queries, views
from vftops.auth.audit_texts import TEXTS
from vftops.auth.permissions import PERMISSIONS, USERS_MANAGE, USERS_VIEW
from vftops.core.modules import Link, Module, PagePart, StartPart

module = Module(
    name="auth",
    permissions=PERMISSIONS,
    audit=TEXTS,
    demo=demo.load,
    bench=bench.PART,
    pages=(views.bp,),
    api=(api.blp,),
    navigation=(Link(_l("Users"), "auth.users", USERS_VIEW, "admin", 20),),
    start=(
        StartPart(
            "auth/_start_users_without_municipality.html",
            queries.users_without_municipality,
            "todo",
            30,
        ),
        StartPart("auth/_start_never_logged_in.html", queries.users_never_logged_in, "todo", 40),
        StartPart("auth/_start_expiring_tokens.html", queries.expiring_tokens, "todo", 60),
    ),
    page_parts={
        "org.municipality": (PagePart("auth/_municipality_members.html", queries.active_members),)
    },
    shortcuts=(
        Link(_l("Create a user"), "auth.user_new", USERS_MANAGE, order=10),
        Link(_l("Users and their roles"), "auth.users", USERS_VIEW, order=20),
        Link(_l("My account and password"), "auth.account", None, order=90),
    ),
)
