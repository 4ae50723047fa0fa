"""Parsers for student answers: numbers, tensor sizes, learnable parameters, yes/no.

Every parser raises ParseError (a ValueError) with a message that says what is wrong and
where; nothing here evaluates student text as code.
"""

from grader.parsing._text import MAX_CHARS, MAX_NUMBERS, ParseError
from grader.parsing.numbers import EXACT_SIGFIGS, Numbers, parse_numbers
from grader.parsing.sizes import parse_learnables, parse_size
from grader.parsing.yesno import parse_yes_no

__all__ = [
    "EXACT_SIGFIGS",
    "MAX_CHARS",
    "MAX_NUMBERS",
    "Numbers",
    "ParseError",
    "parse_learnables",
    "parse_numbers",
    "parse_size",
    "parse_yes_no",
]
