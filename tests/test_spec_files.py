"""Reading spec files and their YAML: devices, pipes, deep nesting, aliases, duplicate keys."""

import os
import threading

import pytest

from grader.spec import MAX_SPEC_BYTES, SpecError, load_assignment, parse_assignment
from grader.spec_checks import ReadError, read_capped

HEAD = "id: t\ntitle: T\n"


def problems(text):
    with pytest.raises(SpecError) as info:
        parse_assignment(text, "test.yaml")
    return info.value.problems


def load_problems(path):
    with pytest.raises(SpecError) as info:
        load_assignment(path)
    return info.value.problems


def test_a_device_is_refused_not_read():
    assert load_problems("/dev/zero") == ["cannot read /dev/zero: not a regular file"]


def test_a_pipe_is_refused_without_waiting_for_a_writer(tmp_path):
    fifo = tmp_path / "spec.yaml"
    os.mkfifo(fifo)
    done = []
    worker = threading.Thread(target=lambda: done.append(load_problems(fifo)), daemon=True)
    worker.start()
    worker.join(5)
    assert done == [[f"cannot read {fifo}: not a regular file"]]


def test_a_large_file_is_refused(tmp_path):
    big = tmp_path / "big.yaml"
    big.write_bytes(b"#" * (MAX_SPEC_BYTES + 10))
    assert load_problems(big) == [f"the file is larger than {MAX_SPEC_BYTES} bytes"]


def test_read_capped_reads_at_most_one_byte_more_than_the_limit(tmp_path):
    path = tmp_path / "f"
    path.write_bytes(b"x" * 100)
    assert read_capped(path, 10) == b"x" * 11
    assert read_capped(path, 100) == b"x" * 100
    with pytest.raises(ReadError) as info:
        read_capped(tmp_path, 10)
    assert str(info.value) == f"cannot read {tmp_path}: not a regular file"


def test_deep_nesting_is_refused():
    deep = HEAD + "questions: " + "[" * 5000 + "]" * 5000 + "\n"
    assert problems(deep) == ["the YAML is nested too deeply"]
    assert problems(HEAD + "questions: " + "[" * 60 + "]" * 60 + "\n") == [
        "the YAML is nested too deeply"
    ]


def test_an_alias_bomb_is_refused():
    lines = [HEAD + "a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
    for n in range(1, 9):
        refs = ", ".join([f"*a{n - 1}"] * 10)
        lines.append(f"a{n}: &a{n} [{refs}]")
    assert problems("\n".join(lines) + "\n") == [
        "the YAML has more than 1,000,000 values (aliases?)"
    ]


def test_a_recursive_alias_is_refused():
    assert problems(HEAD + "questions: &q [*q]\n") == ["the YAML is nested too deeply"]


def test_duplicate_keys_are_refused_with_their_line():
    text = "id: t\ntitle: T\ntitle: U\nquestions: []\n"
    assert problems(text) == ["line 3: duplicate key 'title'"]
    nested = "id: t\ntitle: T\nquestions:\n  - {id: q1, kind: softmax, id: q2}\n"
    assert problems(nested) == ["line 4: duplicate key 'id'"]


def test_a_merge_key_may_override_without_being_a_duplicate():
    text = HEAD + (
        "questions:\n"
        "  - &q {id: q1, kind: softmax, parts: [{id: a, points: 1, logits: [1, 2]}]}\n"
        "  - {<<: *q, id: q2}\n"
    )
    assert [q.id for q in parse_assignment(text).questions] == ["q1", "q2"]


def test_a_value_yaml_cannot_build_gives_its_line():
    assert problems("id: t\ntitle: T\ndue: 2026-13-45\n") == ["line 3: month must be in 1..12"]
