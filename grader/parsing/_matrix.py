r"""The shape-finding half of parse_numbers: one bracket level at a time.

Inside a level, ';', '\\' or a newline between runs of numbers starts a new row (MATLAB,
LaTeX, plain text), while nested brackets are the rows (Python, numpy). Mixing the two is an
error rather than a guess. One exception: inside brackets, newline-separated rows of unequal
length with no ';' are numpy's wrapped printout of one long vector. Numbers themselves are
read by ``Reader`` in flat row-major order, so the shape found here is all that is needed to
reshape them (or, for a trailing transpose mark such as '^T', to reorder them).
"""

from __future__ import annotations

from grader.parsing._literals import FRACS, NONFINITE, Reader
from grader.parsing._text import ParseError, Source, quote

_MAX_DEPTH = 32  # far beyond any real answer; keeps the recursion bounded
_ENDS = frozenset({"close", "end", "eof"})
_ENVS = frozenset({"matrix", "bmatrix", "pmatrix", "vmatrix", "Vmatrix", "Bmatrix"})
_ENVS |= {"smallmatrix", "array"}
_WRAPPERS = frozenset({"array", "np.array", "numpy.array", "tensor", "torch.tensor"})
_KEYWORDS = frozenset({"dtype", "device", "requires_grad", "grad_fn"})
_KEYWORD_VALUE = frozenset({"word", "num", "other", "sign", "nl"})
# What may follow the whole answer to transpose it, with white space and newlines dropped.
_TRANSPOSE = frozenset(
    {"'", "\u2019", "\u2032"}
    | {
        f"^{brace[:1]}{mark}{brace[1:]}"
        for mark in ("T", "t", "\\top", "\\intercal", "\\mathsf{T}", "\\mathrm{T}")
        for brace in ("", "{}")
    }
)


def _entries(n: int) -> str:
    return "1 entry" if n == 1 else f"{n} entries"


class Level:
    """Bookkeeping for one bracket level: entries per row, or the shapes of nested groups."""

    __slots__ = (
        "counts",
        "row_starts",
        "groups",
        "last",
        "explicit_row",
        "explicit_any",
        "env",
        "sep",
    )

    def __init__(self) -> None:
        self.counts = [0]  # entries in each row of numbers
        self.row_starts = [0]  # where each row's first entry starts (for messages)
        self.groups: list[tuple[tuple[int, ...], int]] = []  # (shape, start) of nested groups
        self.last = "start"  # what came last: start, item, comma or row
        self.explicit_row = False  # was the last row break a ';' or '\\' (not a newline)?
        self.explicit_any = False  # was any row break at this level a ';' or '\\'?
        self.env = False  # was the last group a LaTeX environment?
        self.sep = ""  # ',' or ' ' once known: mixing them suggests decimal commas ('0,5 0,25')


class MatrixParser(Reader):
    """Recursive descent over the token list; numbers go to flat row-major lists."""

    def __init__(self, src: Source, body: str) -> None:
        super().__init__(src, body)
        self.in_numpy = 0  # inside array(...): numpy wraps long rows, newlines mean nothing

    def parse(self) -> tuple[int, ...]:
        """Read the whole answer; the shape of what was read."""
        return self._level(None, 0, newline_rows=True, latex=False)

    # ---- one bracket level -------------------------------------------------------------

    def _level(self, opener, depth: int, newline_rows: bool, latex: bool) -> tuple[int, ...]:
        lv = Level()
        while (kind := self.toks[self.i][0]) not in _ENDS:
            if kind == "comma":
                self._comma(lv)
            elif kind == "row" or kind == "nl":
                self._row(lv, kind == "row", newline_rows)
            else:
                self._entry(lv, depth)
        self._close(opener)
        return self._shape(lv, opener, latex)

    def _entry(self, lv: Level, depth: int) -> None:
        kind, start, _, m = self.toks[self.i]
        if kind == "num" and start == self.last_num[1]:
            self._adjacent(m)
        shape, env = self._item(depth)
        if shape is not None and depth == 0 and (after := self._transpose_mark()):
            shape = self._transpose(lv, shape, after)
        if shape is None:
            if lv.groups:
                raise self.fail("a number", start, " mixed with bracketed rows at the same level")
            if lv.counts[-1] == 0:
                lv.row_starts[-1] = start
            elif lv.last != "row":  # a trailing comma is no separator, so check here
                self._separator(lv, " " if lv.last == "item" else ",", start)
            lv.counts[-1] += 1
        else:
            if any(lv.counts):
                raise self.fail("brackets", start, " mixed with plain numbers at the same level")
            lv.groups.append((shape, start))
            lv.env = env
        lv.last = "item"

    def _adjacent(self, m) -> None:
        """Two numbers with nothing between them: '1-2', '1.2.3', '1e5.5'."""
        start = self.last_num[0]
        written = quote(self.text[start : m.end()])
        if m.group()[0] in "+-":
            raise self.fail(
                written, start, ": separate numbers with a space or comma (no arithmetic)"
            )
        raise self.fail(f"malformed number {written}", start)

    def _comma(self, lv: Level) -> None:
        if lv.last != "item":
            start = self.toks[self.i][1]
            raise self.fail("empty entry", start, ": remove the extra separator or fill it in")
        lv.last = "comma"
        self.i += 1

    def _separator(self, lv: Level, sep: str, start: int) -> None:
        if lv.sep and lv.sep != sep:
            raise self.fail(
                "commas and spaces both separate numbers",
                start,
                ": use one kind (and a decimal point: 0.5, not 0,5)",
            )
        lv.sep = sep

    def _row(self, lv: Level, explicit: bool, newline_rows: bool) -> None:
        _, start, _, m = self.toks[self.i]
        self.i += 1
        if not explicit and not (newline_rows and lv.last == "item" and not lv.groups):
            return  # a newline that separates nothing is just white space
        if lv.groups:
            raise self.fail(
                quote(m.group()),
                start,
                " mixes MATLAB rows with nested brackets: write [[1, 2], [3, 4]] or [1, 2; 3, 4]",
            )
        if lv.last == "start" or (lv.last == "row" and lv.explicit_row and explicit):
            raise self.fail("empty row", start)
        lv.explicit_any = lv.explicit_any or explicit
        if lv.last == "row":  # ';' next to a newline is one row break, not two
            lv.explicit_row = lv.explicit_row or explicit
            return
        lv.counts.append(0)
        lv.row_starts.append(start)
        lv.last = "row"
        lv.explicit_row = explicit

    def _close(self, opener) -> None:
        kind, start, _, m = self.toks[self.i]
        if opener is None:
            if kind != "eof":
                raise self.fail(
                    f"unbalanced brackets: {quote(m.group())}", start, " has no opening bracket"
                )
            return
        okind, ostart, _, om = opener
        if kind == "eof":
            raise self.fail(f"unbalanced brackets: {quote(om.group())}", ostart, " is never closed")
        if okind == "open":
            if kind == "close" and m.group() == ("]" if om.group() == "[" else ")"):
                self.i += 1
                return
        elif kind == "end" and m.group("eenv") == om.group("benv"):
            self.i += 1
            return
        raise self.fail(
            f"mismatched brackets: {quote(om.group())} at {self.src.where(ostart)} "
            f"is closed by {quote(m.group())}",
            start,
        )

    def _shape(self, lv: Level, opener, latex: bool) -> tuple[int, ...]:
        if lv.groups:
            return self._stack(lv, opener is None)
        counts = lv.counts
        if len(counts) > 1 and counts[-1] == 0:
            counts.pop()  # a trailing ';' before the closing bracket
        if counts == [0]:
            if opener is None:
                raise ParseError("empty answer", 0)
            pair = "[]" if opener[3].group() == "[" else "()"
            empty = "empty matrix" if latex else f"empty brackets {quote(pair)}"
            raise self.fail(empty, opener[1])
        if opener is not None and not lv.explicit_any and lv.sep != "," and len(set(counts)) > 1:
            return (sum(counts),)  # numpy wraps a long vector: '[0.1 0.2 0.3\n 0.4]'
        for k, n in enumerate(counts[1:], 2):
            if n != counts[0]:
                raise self.fail(
                    f"row {k} has {_entries(n)} but row 1 has {counts[0]}", lv.row_starts[k - 1]
                )
        if latex or len(counts) > 1:
            return (len(counts), counts[0])
        return () if opener is None and counts[0] == 1 else (counts[0],)

    def _stack(self, lv: Level, top: bool) -> tuple[int, ...]:
        first = lv.groups[0][0]
        for k, (shape, start) in enumerate(lv.groups[1:], 2):
            if shape != first:
                if len(shape) == len(first) == 1:
                    what = f"row {k} has {_entries(shape[0])} but row 1 has {first[0]}"
                else:
                    what = f"item {k} has shape {shape} but item 1 has shape {first}"
                raise self.fail(what, start)
        if len(lv.groups) == 1 and (top or lv.env):
            return first  # the answer's outer bracket, or \left[ \begin{matrix}...\right]
        return (len(lv.groups), *first)

    # ---- a transpose mark after the whole answer ----------------------------------------

    def _transpose_mark(self) -> int:
        """Index of the eof token if only a transpose mark ('^T', "'") is left, else 0."""
        i = self.i
        marks: list[str] = []
        while self.toks[i][0] != "eof" and len(marks) < 8:
            if self.toks[i][0] != "nl":
                marks.append(self.toks[i][3].group())
            i += 1
        if self.toks[i][0] == "eof" and "".join(marks) in _TRANSPOSE:
            return i
        return 0

    def _transpose(self, lv: Level, shape: tuple[int, ...], after: int) -> tuple[int, ...]:
        """Transpose what was just read, which must be all of the answer."""
        mark = self.text[self.toks[self.i][1] : self.toks[after - 1][2]]
        if lv.groups or any(lv.counts):
            raise self.fail(
                f"transpose mark {quote(mark)}",
                self.toks[self.i][1],
                " after several rows: put the whole matrix in one pair of brackets",
            )
        if len(shape) > 2:
            raise self.fail(
                f"transpose mark {quote(mark)}",
                self.toks[self.i][1],
                f": only a vector or matrix can be transposed, not shape {shape}",
            )
        self.i = after
        if len(shape) == 1:
            return (shape[0], 1)  # a row vector written flat becomes a column
        rows, cols = shape
        if rows > 1 and cols > 1:
            order = [r * cols + c for c in range(cols) for r in range(rows)]
            self.vals[:] = [self.vals[k] for k in order]
            self.res[:] = [self.res[k] for k in order]
            self.sig[:] = [self.sig[k] for k in order]
        return (cols, rows)

    # ---- entries -----------------------------------------------------------------------

    def _item(self, depth: int) -> tuple[tuple[int, ...] | None, bool]:
        """Parse one entry: (None, False) for a number, else (shape, is_latex_env)."""
        kind, start, _, m = tok = self.toks[self.i]
        if kind == "num":
            self.number()
            return None, False
        if kind == "open" or kind == "begin":
            return self._group(depth), kind == "begin"
        if kind == "word":
            return self._word(depth), False
        if kind == "sign":
            self._signed()
            return None, False
        if kind == "other" and m.group() in NONFINITE:
            raise self.fail(f"not a finite number: {quote(m.group())}", start)
        raise self.unexpected(tok)

    def _group(self, depth: int) -> tuple[int, ...]:
        opener = self.toks[self.i]
        if depth >= _MAX_DEPTH:
            raise self.fail(f"brackets nested more than {_MAX_DEPTH} deep", opener[1])
        latex = opener[0] == "begin"
        if latex and opener[3].group("benv") not in _ENVS:
            raise self.fail(
                f"unsupported LaTeX environment {quote(opener[3].group())}",
                opener[1],
                ": use bmatrix or pmatrix",
            )
        self.i += 1
        newline_rows = depth == 0 and not self.in_numpy and not latex
        return self._level(opener, depth + 1, newline_rows, latex)

    def _word(self, depth: int) -> tuple[int, ...] | None:
        _, start, _, m = tok = self.toks[self.i]
        low = m.group().lower()
        if low in NONFINITE:
            raise self.fail(f"not a finite number: {quote(m.group())}", start)
        nxt = self.toks[self.i + 1]
        if low in _WRAPPERS and nxt[0] == "open" and nxt[3].group() == "(":
            return self._wrapper(depth)
        if low in FRACS:
            self.latex_fraction("", start)
            return None
        raise self.unexpected(tok)

    def _signed(self) -> None:
        """A sign not glued to digits: '-inf', '-\\frac{1}{2}', or a stray sign."""
        _, start, end, m = self.toks[self.i]
        nkind, nstart, _, nm = self.toks[self.i + 1]
        if nstart == end and nkind in ("word", "other"):
            low = nm.group().lower()
            if low in NONFINITE:
                raise self.fail(f"not a finite number: {quote(m.group() + nm.group())}", start)
            if low in FRACS:
                self.i += 1
                self.latex_fraction(m.group(), start)
                return
        raise self.fail(
            f"stray {quote(m.group())}", start, ": a sign must touch its number (write -2, not - 2)"
        )

    def _wrapper(self, depth: int) -> tuple[int, ...]:
        """numpy/torch repr: array([...]), tensor(0.5), with optional ', dtype=...'."""
        _, name_start, _, name = self.toks[self.i]
        self.i += 2
        self._skip_newlines()
        self.in_numpy += 1
        kind = self.toks[self.i][0]
        if kind == "num" or kind == "sign":
            shape: tuple[int, ...] = ()
            self._item(depth)
        elif kind == "open":
            shape = self._group(depth)
        else:
            raise self.unexpected(self.toks[self.i])
        self.in_numpy -= 1
        self._keywords()
        kind, start, _, m = self.toks[self.i]
        if kind == "eof":
            opening = quote(name.group() + "(")
            raise self.fail(f"unbalanced brackets: {opening}", name_start, " is never closed")
        if kind != "close" or m.group() != ")":
            raise self.fail("expected ')'", start, f", found {quote(m.group())}")
        self.i += 1
        return shape

    def _keywords(self) -> None:
        """Skip ', dtype=float32' and friends after the data of array(...)."""
        self._skip_newlines()
        while self.toks[self.i][0] == "comma":
            self.i += 1
            self._skip_newlines()
            kind, start, _, m = tok = self.toks[self.i]
            if kind == "close":
                return
            if kind != "word" or m.group().lower() not in _KEYWORDS:
                raise self.unexpected(tok)
            self.i += 1
            self.expect("other", "=", m.group())
            while self.toks[self.i][0] in _KEYWORD_VALUE:
                self.i += 1

    def _skip_newlines(self) -> None:
        while self.toks[self.i][0] == "nl":
            self.i += 1
