"""The checks the agreements' operations share: each refuses with a translated message
that names the field."""

from __future__ import annotations

from datetime import date
from decimal import Decimal, InvalidOperation

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from vftops.auth.models import User
from vftops.core import audit
from vftops.core.errors import ValidationError
from vftops.core.validation import text_or_none
from vftops.extensions import db
from vftops.org.models import Membership

# numeric(14, 2): twelve digits of kroner.
MAX_KRONER = Decimal("1000000000000")
FIRST_DAY = date(1990, 1, 1)
LAST_DAY = date(2100, 12, 31)


def refuse(field: str, message) -> ValidationError:
    return ValidationError(message, fields={field: [message]})


def text(value, field: str, *, required=None, limit: int | None = None) -> str | None:
    if value is not None and not isinstance(value, str):
        raise refuse(field, _l("Write it as text."))
    found = text_or_none(value)
    if found is None and required is not None:
        raise refuse(field, required)
    if found is not None and limit is not None and len(found) > limit:
        raise refuse(field, _l("At most %(max)s characters.", max=limit))
    return found


def choice(value, allowed, field: str, message) -> str:
    if not isinstance(value, str) or value not in {k.value for k in allowed}:
        raise refuse(field, message)
    return value


def day(value, field: str, *, required=None) -> date | None:
    """A date (YYYY-MM-DD in a body), or None when not given and not required."""
    if value in (None, ""):
        if required is not None:
            raise refuse(field, required)
        return None
    if isinstance(value, str):
        try:
            value = date.fromisoformat(value.strip())
        except ValueError:
            value = None
    if not isinstance(value, date):
        raise refuse(field, _l("Give the date as YYYY-MM-DD."))
    if not FIRST_DAY <= value <= LAST_DAY:
        raise refuse(
            field,
            _l(
                "Give a date from %(first)s to %(last)s.",
                first=FIRST_DAY.strftime("%d.%m.%Y"),
                last=LAST_DAY.strftime("%d.%m.%Y"),
            ),
        )
    return value


def whole(value, field: str, low: int, high: int, message, *, required=False) -> int | None:
    if value in (None, "") and not required:
        return None
    try:
        if isinstance(value, bool) or (isinstance(value, float) and not value.is_integer()):
            raise ValueError(value)
        number = int(value) if isinstance(value, int | float) else int(str(value).strip())
    except (TypeError, ValueError, OverflowError):
        raise refuse(field, message) from None
    if not low <= number <= high:
        raise refuse(field, message)
    return number


def kroner(value, field: str, message, *, limit: Decimal = MAX_KRONER) -> Decimal | None:
    """An amount in kroner, 0 or more, with at most two decimals («1 234,50» reads)."""
    if value in (None, ""):
        return None
    if isinstance(value, bool):
        raise refuse(field, message)
    try:
        amount = Decimal(str(value).replace(" ", "").replace("\u00a0", "").replace(",", "."))
        if not amount.is_finite() or not 0 <= amount < limit:
            raise InvalidOperation
        if amount != amount.quantize(Decimal("0.01")):
            raise InvalidOperation
    except (InvalidOperation, ValueError):
        raise refuse(field, message) from None
    return amount.quantize(Decimal("0.01"))


def ident(value) -> int | None:
    if value in (None, ""):
        return None
    if isinstance(value, bool):
        return -1
    try:
        number = int(value)
    except (TypeError, ValueError, OverflowError):
        return -1
    return number if 0 < number < 2**31 else -1


def colleague(user_id, municipality_ids: set[int], field: str, message) -> User | None:
    """An active user who works in one of these municipalities."""
    wanted = ident(user_id)
    if wanted is None:
        return None
    user = db.session.scalars(
        select(User)
        .join(Membership, Membership.user_id == User.id)
        .where(
            User.id == wanted,
            Membership.municipality_id.in_(municipality_ids),
            User.is_active_user.is_(True),
        )
        .limit(1)
    ).first()
    if user is None:
        raise refuse(field, message)
    return user


def record(actor, action: str, agreement, summary: str, changes: dict) -> None:
    """An audit event about an agreement, in the municipality that manages it (auditors
    there read it)."""
    audit.record(
        actor,
        action,
        agreement,
        summary,
        changes=changes,
        municipality_id=agreement.municipality_id,
        object_type="agreements",
    )
