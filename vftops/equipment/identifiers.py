"""Serial numbers and device identifiers: normalised on the way in, checked, never guessed."""

from __future__ import annotations

import re

from flask_babel import lazy_gettext as _l

from vftops.core.validation import digits

_WS = re.compile(r"\s+")


def normalise_serial(value: str | None) -> str:
    """Trimmed, upper case, inner spaces removed: «ab 12 34 » → «AB1234»."""
    return _WS.sub("", value or "").upper()


def _luhn_ok(digits: str) -> bool:
    total = 0
    for i, ch in enumerate(reversed(digits)):
        n = int(ch)
        if i % 2 == 1:
            n *= 2
            if n > 9:
                n -= 9
        total += n
    return total % 10 == 0


def clean_imei(value: str | None):
    """15 digits with a valid check digit, or None. Returns (value, error)."""
    raw = _WS.sub("", value or "").replace("-", "")
    if not raw:
        return None, None
    if not (digits(raw) and len(raw) == 15 and _luhn_ok(raw)):
        return raw, _l("An IMEI has 15 digits with a valid check digit.")
    return raw, None


def clean_iccid(value: str | None):
    """A SIM card number: 18–22 digits starting with 89."""
    raw = _WS.sub("", value or "")
    if not raw:
        return None, None
    if not (digits(raw) and 18 <= len(raw) <= 22 and raw.startswith("89")):
        return raw, _l("A SIM card number (ICCID) has 18–22 digits and starts with 89.")
    return raw, None


def clean_phone(value: str | None):
    """Norwegian numbers become +47 and eight digits; other countries keep their +code."""
    raw = re.sub(r"[\s()-]", "", value or "")
    if not raw:
        return None, None
    if raw.startswith("0047"):
        raw = "+47" + raw[4:]
    if digits(raw) and len(raw) == 8:
        raw = "+47" + raw
    if re.fullmatch(r"\+47\d{8}", raw) or re.fullmatch(r"\+(?!47)\d{7,15}", raw):
        return raw, None
    return raw, _l("A phone number has eight digits, or + and a country code.")


def clean_mac(value: str | None):
    """Twelve hexadecimal digits, written AA:BB:CC:DD:EE:FF."""
    raw = re.sub(r"[\s:.-]", "", value or "").upper()
    if not raw:
        return None, None
    if not re.fullmatch(r"[0-9A-F]{12}", raw):
        return value, _l("A MAC address has twelve hexadecimal digits, e.g. 00:1A:2B:3C:4D:5E.")
    return ":".join(raw[i : i + 2] for i in range(0, 12, 2)), None


# A delivery, transfer or count is scanned in batches; a longer list is refused whole.
MAX_SERIAL_LINES = 10_000


def numbered_serials(lines, *, field: str = "serials") -> tuple[list[tuple[int, str]], list[str]]:
    """Scanned or pasted lines as (line number, serial), blank lines skipped, each serial
    once: a repeat is named with the line it repeats. More than MAX_SERIAL_LINES
    serials are refused before any is looked at."""
    from vftops.core.errors import ValidationError
    from vftops.core.i18n import format_number

    lines = list(lines or [])
    if sum(1 for line in lines if str(line).strip()) > MAX_SERIAL_LINES:
        message = _l(
            "At most %(max)s serial numbers at a time. Split the list.",
            max=format_number(MAX_SERIAL_LINES),
        )
        raise ValidationError(message, fields={field: [message]})
    seen: dict[str, int] = {}
    out: list[tuple[int, str]] = []
    problems: list[str] = []
    for number, line in enumerate(lines, 1):
        serial = normalise_serial(line)
        if not serial:
            continue
        if serial in seen:
            problems.append(
                str(
                    _l(
                        "Line %(n)d: %(serial)s is also on line %(first)d.",
                        n=number,
                        serial=serial,
                        first=seen[serial],
                    )
                )
            )
            continue
        seen[serial] = number
        out.append((number, serial))
    return out, problems
