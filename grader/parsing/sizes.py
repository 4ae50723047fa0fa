"""parse_size and parse_learnables: tensor sizes such as '2808 x 33 x 64' and named sizes."""

from __future__ import annotations

import re

from grader.parsing._text import ParseError, Source, quote, strip_full_stop, unwrap_code

__all__ = ["MAX_DIMS", "parse_learnables", "parse_size"]

MAX_DIMS = 8
_MAX_DIM_DIGITS = 18  # fits an int64 and stops int() from chewing on huge digit strings

_SIZE_TOKEN_RE = re.compile(
    r"""
     (?P<ws>\s+|\$|\\[,;:!\ ]|~|\\(?:left|right)(?![A-Za-z]))
    |(?P<num>[+-]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?)
    |(?P<sep>[xX×*·⋅∙](?![A-Za-z_])|\\(?:times|cdot)(?![A-Za-z])|(?i:by)(?![A-Za-z_]))
    |(?P<comma>[,;])
    |(?P<open>[\[(])
    |(?P<close>[\])])
    |(?P<word>[A-Za-z_][A-Za-z0-9_]*|\\[A-Za-z]+|.)
    """,
    re.VERBOSE,
)
_CLOSING = {"[": "]", "(": ")"}

# Learnable names: a word not glued to digits (so the 'x' in '3x3' is no name), or 'n/a'.
_NAME_RE = re.compile(r"(?<![\w./])(?:n/a|[A-Za-z][A-Za-z_]*)", re.IGNORECASE)
_NOT_NAMES = frozenset({"x", "by", "none", "n/a"})
_ALIASES = {
    **dict.fromkeys(("weight", "weights", "w", "kernel", "kernels", "filters"), "weights"),
    **dict.fromkeys(("bias", "biases", "b"), "bias"),
    **dict.fromkeys(("scale", "scales", "gamma"), "scale"),
    **dict.fromkeys(("offset", "offsets", "beta", "shift"), "offset"),
}
_NOTHING = frozenset({"", "0", "none", "-", "--", "n/a", "na", "nothing", "no learnables"})
_ABSENT_SIZE = frozenset({"0", "none", "-", "--", "n/a"})
_PUNCT = " \t\n,;.:=-"


def parse_size(text: str) -> tuple[int, ...]:
    """'2808 x 33 x 64', '2808×33×64', '2808 by 33', '[2808, 33, 64]', '256' -> ints."""
    src = Source(text)
    body = strip_full_stop(unwrap_code(src.text))
    return _read_size(src, body, 0, len(body))


def parse_learnables(text: str) -> dict[str, tuple[int, ...]]:
    """'Weights: 3 x 3 x 64 Bias: 64' -> {'weights': (3, 3, 64), 'bias': (64,)}.

    Names are canonical (weights, bias, scale, offset); a size of 0 means absent, and an
    answer such as '0', 'none' or '-' means no learnables at all.
    """
    src = Source(text)
    body = strip_full_stop(unwrap_code(src.text))
    if " ".join(body.lower().split()).strip("$ ") in _NOTHING:
        return {}
    names = [m for m in _NAME_RE.finditer(body) if m.group().lower() not in _NOT_NAMES]
    if not names:
        raise ParseError(
            f"no learnable names in {quote(body.strip())}: write e.g. 'Weights: 3 x 3 Bias: 1'", 0
        )
    lead = body[: names[0].start()].strip(_PUNCT)
    if lead:
        raise src.error(f"unexpected {quote(lead)}", body.index(lead), " before the first name")
    found: dict[str, tuple[int, ...]] = {}
    seen: set[str] = set()
    for k, m in enumerate(names):
        end = names[k + 1].start() if k + 1 < len(names) else len(body)
        name, size = _learnable(src, body, m, end)
        if name in seen:
            raise src.error(f"{name} given twice", m.start(), f" (as {quote(m.group())})")
        seen.add(name)
        if size is not None:
            found[name] = size
    return found


def _learnable(src: Source, body: str, m: re.Match[str], end: int):
    """One 'Name: size' segment -> (canonical name, size or None when absent)."""
    name = _ALIASES.get(m.group().lower())
    if name is None:
        raise src.error(
            f"unknown learnable {quote(m.group())}",
            m.start(),
            ": expected weights, bias, scale or offset",
        )
    segment = body[m.end() : end]
    start = m.end() + len(segment) - len(segment.lstrip(" \t\n:="))
    stop = m.end() + len(segment.rstrip(" \t\n,;"))
    if start >= stop:
        raise src.error(f"no size given for {name}", m.start())
    if body[start:stop].lower() in _ABSENT_SIZE:
        return name, None
    try:
        return name, _read_size(src, body, start, stop)
    except ParseError as err:
        raise ParseError(f"{name}: {err.message}", err.position) from None


def _read_size(src: Source, body: str, start: int, end: int) -> tuple[int, ...]:
    """Size in body[start:end]; messages use offsets into the whole answer."""
    toks = [
        (m.lastgroup, m.start(), m.group())
        for m in _SIZE_TOKEN_RE.finditer(body, start, end)
        if m.lastgroup != "ws"
    ]
    if not toks:
        raise ParseError("empty size", src.offset(start))
    bracket = toks[0][0] == "open"
    if bracket:
        _check_brackets(src, toks)
        toks = toks[1:-1]
    dims = _dimensions(src, toks, bracket, end)
    if not dims:
        raise src.error("empty size", start)
    if len(dims) > MAX_DIMS:
        raise src.error(f"too many dimensions: {len(dims)} (at most {MAX_DIMS})", start)
    return tuple(dims)


def _check_brackets(src: Source, toks: list[tuple[str, int, str]]) -> None:
    kind, start, text = toks[-1]
    if len(toks) < 2 or kind != "close" or text != _CLOSING[toks[0][2]]:
        raise src.error(f"unbalanced brackets: {quote(toks[0][2])}", toks[0][1], " is never closed")


def _dimensions(src: Source, toks: list[tuple[str, int, str]], bracket: bool, end: int):
    """Numbers separated by 'x' (or, in brackets, by commas or spaces)."""
    dims: list[int] = []
    last = "start"  # start, dim, sep or comma
    for kind, start, text in toks:
        if kind == "num":
            if last == "dim" and not bracket:
                raise src.error(
                    "missing 'x'", start, ": write sizes as 2808 x 33 x 64 or [2808, 33, 64]"
                )
            dims.append(_dimension(src, text, start))
        elif kind == "sep" or (kind == "comma" and bracket):
            if last != "dim":
                raise src.error(f"missing dimension before {quote(text)}", start)
        elif kind == "comma":
            raise src.error(
                f"unexpected {quote(text)}", start, ": write 2808 x 33 x 64 or [2808, 33, 64]"
            )
        else:
            raise src.error(f"unexpected {quote(text)}", start, " in a size")
        last = "dim" if kind == "num" else kind
    if last == "sep":
        raise src.error("missing dimension after the last 'x'", end)
    return dims


def _dimension(src: Source, text: str, start: int) -> int:
    if not re.fullmatch(r"[+-]?[0-9]+", text):
        raise src.error(f"sizes are whole numbers, found {quote(text)}", start)
    digits = text.lstrip("+-").lstrip("0")
    if len(digits) > _MAX_DIM_DIGITS:
        raise src.error(f"size too large: {quote(text)}", start)
    value = -int(digits or "0") if text[0] == "-" else int(digits or "0")
    if value <= 0:
        raise src.error(f"sizes are positive, found {quote(text)}", start)
    return value
