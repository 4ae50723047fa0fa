"""parse_yes_no: the first word of the answer decides; an explanation may follow."""

from __future__ import annotations

import re

from grader.parsing._text import ParseError, Source, quote

__all__ = ["parse_yes_no"]

_YES = frozenset({"yes", "true", "y", "ja"})
_NO = frozenset({"no", "false", "n", "nein"})
# Markdown emphasis, quotes or a bullet may come first; the word must end at punctuation or
# space, so 'yesterday', 'yes/no' and 'y=3' are not read as yes.
_FIRST_WORD_RE = re.compile(r"[\s*_\"'`(\[>-]*([^\W\d_]+)(?=$|[\s.,;:!?)\]*_\"'`-])")


def parse_yes_no(text: str) -> bool:
    """'Yes. If in the next iterations ...' -> True; 'No, because ...' -> False."""
    src = Source(text)
    body = src.text
    if not body.strip():
        raise ParseError("empty answer", 0)
    m = _FIRST_WORD_RE.match(body)
    word = m.group(1).lower() if m else ""
    if word in _YES:
        return True
    if word in _NO:
        return False
    first = body.split(None, 1)[0]
    shown = first.strip(".,;:!?*_\"'`()[]") or first
    raise src.error(f"expected yes or no, found {quote(shown)}", body.index(first))
