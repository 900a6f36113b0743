"""Password hashing and the password rules."""

from __future__ import annotations

from flask import current_app
from flask_babel import lazy_gettext as _l
from werkzeug.security import check_password_hash, generate_password_hash

from vftops.core.errors import ValidationError

# Compared against when the username is unknown, so an unknown user and a wrong
# password cost the same time and give the same answer.
_DUMMY_HASHES: dict[str, str] = {}


def hash_password(password: str) -> str:
    return generate_password_hash(password, method=current_app.config["PASSWORD_HASH_METHOD"])


def verify_password(password_hash: str | None, password: str) -> bool:
    if password_hash is None:
        method = current_app.config["PASSWORD_HASH_METHOD"]
        if method not in _DUMMY_HASHES:
            _DUMMY_HASHES[method] = generate_password_hash("not-a-password", method=method)
        check_password_hash(_DUMMY_HASHES[method], password)
        return False
    return check_password_hash(password_hash, password)


def check_password_rules(password: str, *, username: str | None = None, field: str = "password"):
    minimum = current_app.config["PASSWORD_MIN_LENGTH"]
    problems = []
    if len(password) < minimum:
        problems.append(_l("The password must be at least %(n)d characters long.", n=minimum))
    if len(password) > 256:
        problems.append(_l("The password can be at most 256 characters long."))
    if username and username.lower() in password.lower():
        problems.append(_l("The password must not contain the username."))
    if problems:
        raise ValidationError(problems[0], fields={field: problems})
