"""Personal data: what stands in for it once it is gone, and how the audit log keeps it out.

The audit log records that a personal field changed, never its value
(`redact`): the log is kept for ever, the person's data is not. Free text
about a person who has been anonymised has their name and number taken out
(`scrub`) where it appears word for word.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

# What an anonymised citizen is called from then on, in every list and export.
ANONYMISED_NAME = "Anonymisert tjenestemottaker"
# What replaces a name or number found in free text.
SCRUBBED = "[anonymisert]"
# The audit log's record of a personal field: it changed, and nothing more.
CHANGED = {"changed": True}

# Words shorter than this are not searched for in free text: «Bo» or «Li» would
# take pieces out of ordinary words.
_MIN_WORD = 3


def redact(changes: dict[str, Any], fields: Iterable[str]) -> dict[str, Any]:
    """`changes` with the listed fields' before and after values replaced by CHANGED."""
    personal = set(fields)
    return {k: (dict(CHANGED) if k in personal else v) for k, v in changes.items()}


def is_redacted(change: Any) -> bool:
    return isinstance(change, dict) and change.get("changed") is True


def _word_pattern(word: str) -> str:
    """A phone or other number matches with or without spaces, dots or dashes between
    its digits; a name also in the genitive («Solveigs»)."""
    digits = re.sub(r"\D", "", word)
    if len(digits) >= 5 and not re.search(r"[^\d\s.+-]", word):
        return r"[\s.-]?".join(digits)
    escaped = re.escape(word)
    return escaped + r"(?:s|'s|’s)?" if word[-1:].isalpha() else escaped


def scrubber(words: Iterable[str | None]):
    """A function that takes `words` (names, phone numbers) out of a text.

    Case is ignored and the match is whole words only, so «Moen» does not take a
    piece out of «Moene»; an underscore separates words («Solveig_Asheim.png»).
    `scrub(text, limit)` cuts the result to `limit` characters, for a column of that
    length. Returns None when there is nothing to look for."""
    wanted = sorted(
        {w.strip() for w in words if w and len(w.strip()) >= _MIN_WORD},
        key=len,
        reverse=True,  # «Arne Moen» before «Arne»
    )
    if not wanted:
        return None
    pattern = re.compile(
        r"(?<![^\W_])(?:" + "|".join(_word_pattern(w) for w in wanted) + r")(?![^\W_])",
        re.IGNORECASE,
    )

    def scrub(text: str | None, limit: int | None = None) -> str | None:
        if not text:
            return text
        result = pattern.sub(SCRUBBED, text)
        return result[:limit] if limit else result

    return scrub
