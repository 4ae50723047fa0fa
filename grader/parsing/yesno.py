"""parse_yes_no: the first word of the answer decides; an explanation may follow.

If the first word is neither, a first sentence that ends in (or has before a comma) exactly
one 'yes' or 'no' decides instead: 'It can still learn, yes.' or 'The answer is: no.'.
"""

from __future__ import annotations

import re

from grader.parsing._text import ParseError, Source, quote, unwrap_code

__all__ = ["parse_yes_no"]

_YES = frozenset({"yes", "true", "y", "ja"})
_NO = frozenset({"no", "false", "n", "nein"})
_MARKS = r"[*_\"'`]*"  # Markdown emphasis and quotes around a word
# Markdown emphasis, quotes or a bullet may come first; the word must end at punctuation or
# space, so 'yesterday' and 'y=3' are not read as yes ('yes/no' is looked at below).
_FIRST_WORD_RE = re.compile(r"[\s*_\"'`(\[>-]*([^\W\d_]+)(?=$|[\s.,;:!?)\]*_\"'`/|&-])")
# 'Yes and no', 'yes/no', 'Yes or no?': after 'and'/'or' the answer must end or break off.
_BOTH_RE = re.compile(
    rf"{_MARKS}\s*(?:[/|&]\s*{_MARKS}([^\W\d_]+)"
    rf"|(?:and|or|und|oder)\s+{_MARKS}([^\W\d_]+){_MARKS}(?=\s*(?:$|[^\w\s])))",
    re.IGNORECASE,
)
# The first sentence ends at '.', '!' or '?' before a space, or at a blank line.
_SENTENCE_END_RE = re.compile(r"[.!?](?=\s|$)|\n\s*\n")
# Only the plain words count there: 'true', 'y' or 'n' in prose mean other things.
_LATE_WORD_RE = re.compile(r"(?<![\w'/-])(yes|no|ja|nein)(?![\w'/-])", re.IGNORECASE)
_LATE_END_RE = re.compile(rf"{_MARKS}[)\]]?\s*(?:,|$)")
_HEDGES = re.compile(
    r"\b(?:perhaps|maybe|probably|possibly|likely|unlikely|might|depends|partly|partially)\b",
    re.IGNORECASE,
)


def parse_yes_no(text: str) -> bool:
    """'Yes. If in the next iterations ...' -> True; 'No, because ...' -> False."""
    src = Source(text)
    body = unwrap_code(src.text)
    if not body.strip():
        raise ParseError("empty answer", 0)
    m = _FIRST_WORD_RE.match(body)
    word = m.group(1).lower() if m else ""
    if word in _YES or word in _NO:
        both = _BOTH_RE.match(body, m.end())
        other = (both.group(1) or both.group(2)).lower() if both else ""
        if other in (_NO if word in _YES else _YES):
            raise src.error("both yes and no", m.start(1), ": say one")
        if body[m.end() : m.end() + 1] not in ("/", "|", "&"):  # not 'yes/maybe'
            return word in _YES
    elif (late := _late_word(body)) is not None:
        return late
    first = body.split(None, 1)[0]
    shown = first.strip(".,;:!?*_\"'`()[]") or first
    raise src.error(f"expected yes or no, found {quote(shown)}", body.index(first))


def _late_word(body: str) -> bool | None:
    """The one 'yes' or 'no' that closes the first sentence (or precedes a comma), if any."""
    end = _SENTENCE_END_RE.search(body)
    sentence = body[: end.start()] if end else body
    if _HEDGES.search(sentence):
        return None  # 'Perhaps yes' is no answer
    words = list(_LATE_WORD_RE.finditer(sentence))
    if len(words) != 1 or not _LATE_END_RE.match(sentence, words[0].end()):
        return None
    return words[0].group().lower() in ("yes", "ja")
