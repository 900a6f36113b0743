"""Login, own account and API tokens, and user administration pages."""

from __future__ import annotations

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    g,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user, login_user, logout_user

from vftops.auth import operations as ops
from vftops.auth.forms import (
    ChangePasswordForm,
    LoginForm,
    ProfileForm,
    ResetPasswordForm,
    TokenForm,
    UserFilterForm,
    UserForm,
)
from vftops.auth.models import User
from vftops.auth.permissions import USERS_MANAGE, USERS_VIEW
from vftops.auth.queries import (
    filter_users,
    get_visible_user_or_404,
    own_token_or_404,
    tokens_of,
    visible_users,
)
from vftops.core.errors import DomainError
from vftops.core.forms import ConfirmForm, choices
from vftops.core.inputs import db_int
from vftops.core.permissions import ROLE_LABELS, Role, login_required, require
from vftops.core.web import flash_domain_error, safe_next, submit
from vftops.extensions import db, limiter
from vftops.org.queries import municipalities_of, units_of

bp = Blueprint("auth", __name__)


def _safe_next(target: str | None) -> str:
    return safe_next(target, url_for("core.index"))


def _account_key() -> str:
    return "account:" + ops.normalise_username(request.form.get("username", ""))


def _address_key() -> str:
    return "address:" + (request.remote_addr or "unknown")


def _login_failed(response) -> bool:
    return bool(g.get("login_failed"))


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(
    lambda: current_app.config["LOGIN_FAILURES_PER_ACCOUNT"],
    key_func=_account_key,
    methods=["POST"],
    deduct_when=_login_failed,
    scope="login-account",
)
@limiter.limit(
    lambda: current_app.config["LOGIN_FAILURES_PER_ADDRESS"],
    key_func=_address_key,
    methods=["POST"],
    deduct_when=_login_failed,
    scope="login-address",
)
def login():
    if current_user.is_authenticated:
        return redirect(_safe_next(request.args.get("next")))
    form = LoginForm()
    error = None
    status = 200
    if form.validate_on_submit():
        user = ops.authenticate(form.username.data, form.password.data)
        if user is not None:
            # A fresh session on every login: nothing from before survives it.
            session.clear()
            login_user(user)
            session["sid"] = ops.start_login_session(user)
            session.permanent = True  # the idle limit is PERMANENT_SESSION_LIFETIME
            return redirect(_safe_next(request.args.get("next")))
        g.login_failed = True
        error = _("Wrong username or password.")
        status = 401
        form.password.data = ""
    elif request.method == "POST":
        status = 422
    return render_template("auth/login.html", form=form, error=error), status


@bp.post("/logout")
@login_required
def logout():
    form = ConfirmForm()
    if form.validate_on_submit():
        ops.logout(current_user._get_current_object(), session.get("sid"))
        logout_user()
        session.pop("sid", None)
        flash(_("You are logged out."), "info")
    return redirect(url_for("auth.login"))


@bp.route("/account", methods=["GET", "POST"])
@login_required
def account():
    user = current_user._get_current_object()
    profile = ProfileForm(obj=user, prefix="profile")
    password = ChangePasswordForm(prefix="password")
    status = 422 if request.method == "POST" else 200
    if "profile-full_name" in request.form:
        done = submit(
            profile,
            lambda: ops.update_profile(
                user,
                full_name=profile.full_name.data,
                email=profile.email.data,
                locale=profile.locale.data,
            ),
        )
        if done.ok:
            flash(_("Your profile is saved."), "success")
            return redirect(url_for("auth.account"))
        status = done.status
    elif "password-current_password" in request.form:
        done = submit(
            password,
            lambda: ops.change_own_password(
                user,
                password.current_password.data,
                password.new_password.data,
                keep_sid=session.get("sid"),
            ),
        )
        if done.ok:
            login_user(user)  # the new nonce ended the old session; keep this one
            flash(_("Your password is changed. Other sessions have been logged out."), "success")
            return redirect(url_for("auth.account"))
        status = done.status
    return render_template(
        "auth/account.html", user=user, profile=profile, password=password
    ), status


@bp.route("/account/tokens", methods=["GET", "POST"])
@login_required
def tokens():
    user = current_user._get_current_object()
    form = TokenForm()
    new_token = None
    done = submit(
        form, lambda: ops.create_api_token(user, user, name=form.name.data, days=form.days.data)
    )
    if done.ok:
        _token, new_token = done.result
        flash(_("The token is created. Copy it now: it will not be shown again."), "success")
        form = TokenForm(formdata=None)
    rows = tokens_of(user)
    return render_template(
        "auth/tokens.html", form=form, tokens=rows, new_token=new_token, revoke_form=ConfirmForm()
    ), done.status


@bp.post("/account/tokens/<int:token_id>/revoke")
@login_required
def revoke_token(token_id: int):
    token = own_token_or_404(current_user, token_id)
    if ConfirmForm().validate_on_submit():
        ops.revoke_api_token(current_user._get_current_object(), token)
        flash(_("The token «%(name)s» is revoked.", name=token.name), "success")
    return redirect(url_for("auth.tokens"))


# --- user administration -------------------------------------------------------


def _fill_choices(form: UserForm, actor, user: User | None = None) -> None:
    form.roles.choices = choices((r.value, str(ROLE_LABELS[r])) for r in Role)
    municipalities = municipalities_of(actor)
    form.municipality_ids.choices = choices((m.id, str(m)) for m in municipalities)
    # Active units, plus inactive ones the person still belongs to: saving a
    # name change must not silently drop a membership.
    kept = [um.unit_id for um in user.unit_memberships] if user is not None else []
    units = units_of(actor, keep=kept)
    names = {m.id: m.name for m in municipalities}
    inactive = _("inactive")
    form.unit_ids.choices = choices(
        (
            u.id,
            f"{u.name} ({names[u.municipality_id]})" + ("" if u.is_active else f" – {inactive}"),
        )
        for u in units
    )


@bp.get("/users")
@require(USERS_VIEW)
def users():
    actor = current_user._get_current_object()
    filters = UserFilterForm(request.args)
    filters.role.choices = choices(
        [("", _("All roles"))] + [(r.value, str(ROLE_LABELS[r])) for r in Role]
    )
    stmt = filter_users(
        visible_users(actor),
        q=filters.q.data,
        role=filters.role.data or None,
        status=filters.status.data or "active",
    ).order_by(db.func.lower(User.full_name))
    page = db.paginate(
        stmt, page=request.args.get("page", 1, type=db_int), per_page=50, error_out=False
    )
    return render_template("auth/users.html", page=page, filters=filters)


@bp.route("/users/new", methods=["GET", "POST"])
@require(USERS_MANAGE)
def user_new():
    actor = current_user._get_current_object()
    form = UserForm()
    _fill_choices(form, actor)
    done = submit(
        form,
        lambda: ops.create_user(
            actor,
            username=form.username.data,
            full_name=form.full_name.data,
            email=form.email.data,
            password=form.password.data or "",
            roles=form.roles.data,
            municipality_ids=form.municipality_ids.data,
            unit_ids=form.unit_ids.data,
            locale=form.locale.data,
        ),
    )
    if done.ok:
        flash(_("User %(username)s is created.", username=done.result.username), "success")
        return redirect(url_for("auth.user_detail", user_id=done.result.id))
    return render_template("auth/user_form.html", form=form, user=None), done.status


@bp.get("/users/<int:user_id>")
@require(USERS_VIEW)
def user_detail(user_id: int):
    """A user's page: read by those who see users, a form for those who manage them."""
    return _user_page(user_id)


@bp.post("/users/<int:user_id>")
@require(USERS_MANAGE)
def user_update(user_id: int):
    return _user_page(user_id)


def _user_page(user_id: int):
    actor = current_user._get_current_object()
    user = get_visible_user_or_404(actor, user_id)
    manageable = actor.can(USERS_MANAGE) and ops.can_manage(actor, user)
    if not manageable:
        if request.method == "POST":
            abort(403)
        return render_template("auth/user_detail.html", user=user, form=None)
    form = UserForm(obj=user) if request.method == "GET" else UserForm()
    del form.password
    _fill_choices(form, actor, user)
    if request.method == "GET":
        form.roles.data = sorted(r.role for r in user.role_rows)
        form.municipality_ids.data, form.unit_ids.data = ops.editable_memberships(actor, user)
        form.version.data = user.version
    form.username.data = user.username  # the username never changes
    done = submit(
        form,
        lambda: ops.update_user(
            actor,
            user,
            full_name=form.full_name.data,
            email=form.email.data,
            roles=form.roles.data,
            municipality_ids=form.municipality_ids.data,
            unit_ids=form.unit_ids.data,
            locale=form.locale.data,
            expected_version=form.expected_version(),
        ),
    )
    if done.ok:
        flash(_("The changes are saved."), "success")
        return redirect(url_for("auth.user_detail", user_id=user.id))
    return render_template("auth/user_detail.html", user=user, form=form), done.status


@bp.post("/users/<int:user_id>/deactivate")
@require(USERS_MANAGE)
def user_deactivate(user_id: int):
    return _set_active(user_id, False)


@bp.post("/users/<int:user_id>/activate")
@require(USERS_MANAGE)
def user_activate(user_id: int):
    return _set_active(user_id, True)


def _set_active(user_id: int, active: bool):
    actor = current_user._get_current_object()
    user = get_visible_user_or_404(actor, user_id)
    if ConfirmForm().validate_on_submit():
        try:
            ops.set_user_active(actor, user, active)
        except DomainError as exc:
            flash_domain_error(exc)
        else:
            if active:
                flash(_("%(name)s can log in again.", name=user.full_name), "success")
            else:
                flash(_("%(name)s is deactivated and logged out.", name=user.full_name), "success")
    return redirect(url_for("auth.user_detail", user_id=user.id))


@bp.route("/users/<int:user_id>/password", methods=["GET", "POST"])
@require(USERS_MANAGE)
def user_password(user_id: int):
    actor = current_user._get_current_object()
    user = get_visible_user_or_404(actor, user_id)
    form = ResetPasswordForm()
    done = submit(form, lambda: ops.reset_password(actor, user, form.new_password.data))
    if done.ok:
        flash(_("A new password is set for %(name)s.", name=user.full_name), "success")
        return redirect(url_for("auth.user_detail", user_id=user.id))
    return render_template("auth/user_password.html", form=form, user=user), done.status
