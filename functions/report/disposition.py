"""``Content-Disposition`` for the download link (RFC 6266, with an RFC 5987 UTF-8 file name)."""

from __future__ import annotations

import unicodedata
from urllib.parse import quote

from domain.keys import LATIN_FOLDS
from report.text import clean, cut

SUFFIX = " - analytics.pdf"
DEFAULT_NAME = "report"
MAX_NAME = 80  # characters of the user's name kept in the file name

# Path separators, quotes and what Windows refuses in file names; "%" because some browsers
# percent-decode the plain filename parameter.
_UNSAFE = set('"\\/:*?<>|%')


def _name(user_name: str) -> str:
    name = "".join(
        " " if char in _UNSAFE else char
        for char in clean(user_name)
        if unicodedata.category(char) != "Co"  # private-use code points mean nothing to a file system
    )
    return cut(" ".join(name.split()), MAX_NAME).strip(" .") or DEFAULT_NAME


def _ascii(name: str) -> str:
    """Accents dropped (``Zoë`` → ``Zoe``, ``Søren`` → ``Soren``), anything else non-ASCII removed."""
    decomposed = (
        unicodedata.normalize("NFKD", name.translate(LATIN_FOLDS)).encode("ascii", "ignore").decode("ascii")
    )
    text = " ".join("".join(c for c in decomposed if c.isprintable() and c not in _UNSAFE).split())
    return text.strip(" .") if any(c.isalnum() for c in text) else DEFAULT_NAME


def content_disposition(user_name: str) -> str:
    """``attachment; filename="Zoe - analytics.pdf"; filename*=UTF-8''Zo%C3%AB%20-%20analytics.pdf``."""
    name = _name(user_name)
    fallback = _ascii(name) + SUFFIX
    return f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(name + SUFFIX, safe='')}"
