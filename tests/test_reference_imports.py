"""reference/ must stay importable with numpy and the standard library only."""

import json
import subprocess
import sys
from pathlib import Path

import reference

ROOT = Path(__file__).resolve().parents[1]
FORBIDDEN = {"grader", "flask", "sqlalchemy", "celery"}

_PROBE = """
import json, sys
before = set(sys.modules)
{statement}
print(json.dumps(sorted(set(sys.modules) - before)))
"""


def _new_modules(statement: str) -> set[str]:
    """Top-level names of modules that `statement` loads in a fresh interpreter."""
    done = subprocess.run(
        [sys.executable, "-c", _PROBE.format(statement=statement)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    return {name.split(".")[0] for name in json.loads(done.stdout)}


def test_reference_loads_only_numpy_and_the_standard_library():
    loaded = _new_modules("import reference")
    assert "reference" in loaded  # the probe really imported it
    assert not loaded & FORBIDDEN
    # Whatever numpy itself pulls in is allowed; anything else must be standard library.
    allowed = _new_modules("import numpy") | set(sys.stdlib_module_names) | {"reference"}
    assert loaded <= allowed, sorted(loaded - allowed)


def test_tests_import_the_package_from_this_repository():
    assert Path(reference.__file__).resolve().parent == ROOT / "reference"


def test_public_names_are_exported():
    expected = {
        "softmax", "log_softmax", "GraphError", "evaluate", "gradients", "OPS",
        "LayerSpecError", "Learnable", "LayerRow", "LayerTable", "Rules", "parse_padding",
        "apply_layer", "layer_table", "iterations_per_epoch", "samples_for_iterations",
        "total_iterations", "NeuronResult", "neuron",
    }  # fmt: skip
    assert expected <= set(reference.__all__)
    assert all(hasattr(reference, name) for name in reference.__all__)
