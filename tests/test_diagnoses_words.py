"""Every label a checker can store has words for the pages."""

import re
from pathlib import Path

from grader.diagnoses import WORDS, in_words

ROOT = Path(__file__).resolve().parent.parent


def test_labels_in_the_code_all_have_words():
    code = "\n".join(p.read_text() for p in (ROOT / "grader").rglob("*.py"))
    labels = set(re.findall(r'"([a-z]+(?:_[a-z]+)+)",\s*(?:\(|f?")', code))
    stored = {
        label
        for label in labels
        if label in code
        and label.split("_")[0]
        in {
            "transposed",
            "sign",
            "constant",
            "wrong",
            "softmax",
            "relu",
            "ceil",
            "floor",
            "divided",
            "padding",
            "pool",
            "size",
            "carried",
            "bias",
            "weights",
            "learnables",
            "internal",
        }
    }
    assert stored <= WORDS.keys(), stored - WORDS.keys()
    assert len(stored) >= 10  # the search really finds them


def test_in_words():
    assert in_words("carried_forward, padding_ignored") == "error carried forward; padding ignored"
    assert in_words("something_new") == "something_new"
    assert in_words(None) == ""
