r"""Tokenizer for numeric answers: one compiled regex, alternatives tried in order.

Token kinds: num (sign glued to digits, with int/frac/exp groups), nl, comma (',' or '&'),
row (';' or '\\'), open/close ('[' '(' / ']' ')'), begin/end (LaTeX matrix environments),
ellipsis, pow ('^' '**'), times, slash, lbrace, rbrace, sign (not glued to digits), word,
other (any single character), and a final eof. White space and LaTeX spacing are dropped.
"""

from __future__ import annotations

import re

_TOKEN_RE = re.compile(
    r"""
     (?P<ws>[^\S\n]+|\\[,;:!\ ]|\\q?quad(?![A-Za-z])|~|\$
        |\\(?:left|right|[bB]igg?[lr]?)(?![A-Za-z]))
    |(?P<nl>\n)
    |(?P<num>[+-]?(?=\.?[0-9])(?P<int>[0-9]*)(?:\.(?P<frac>[0-9]*))?(?:[eE](?P<exp>[+-]?[0-9]+))?)
    |(?P<comma>[,&])
    |(?P<row>;|\\\\)
    |(?P<open>[\[(])
    |(?P<close>[\])])
    |(?P<begin>\\begin\{(?P<benv>[A-Za-z]*)\*?\}(?:\{[lcr|\ ]*\}|\[[lcr]\])?)
    |(?P<end>\\end\{(?P<eenv>[A-Za-z]*)\*?\})
    |(?P<ellipsis>\.{2,}|\\[cvdl]?dots(?![A-Za-z]))
    |(?P<pow>\^|\*\*)
    |(?P<times>[xX×*·⋅∙](?![A-Za-z_])|\\(?:times|cdot)(?![A-Za-z]))
    |(?P<slash>/)
    |(?P<lbrace>\{)
    |(?P<rbrace>\})
    |(?P<sign>[+-])
    |(?P<word>[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)*|\\[A-Za-z]+)
    |(?P<other>.)
    """,
    re.VERBOSE,
)

Token = tuple[str, int, int, "re.Match[str] | None"]  # kind, start, end, match


def tokenize(text: str) -> list[Token]:
    """All tokens but white space, then ('eof', n, n, None) so look-ahead never runs off."""
    toks: list[Token] = [
        (m.lastgroup, m.start(), m.end(), m)  # type: ignore[misc]
        for m in _TOKEN_RE.finditer(text)
        if m.lastgroup != "ws"
    ]
    toks.append(("eof", len(text), len(text), None))
    return toks
