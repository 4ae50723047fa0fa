"""reference.training: mini-batch iteration arithmetic."""

import numpy as np
import pytest

from reference import iterations_per_epoch, samples_for_iterations, total_iterations


def test_homework_155_iterations_of_32():
    assert samples_for_iterations(155, 32) == (4960, 4991)
    assert samples_for_iterations(155, 32, drop_last=False) == (4929, 4960)


@pytest.mark.parametrize(
    ("n", "b", "drop_last", "expected"),
    [
        (4960, 32, True, 155),
        (4991, 32, True, 155),
        (4992, 32, True, 156),
        (4960, 32, False, 155),
        (4961, 32, False, 156),
        (10, 32, True, 0),
        (10, 32, False, 1),
        (1, 1, True, 1),
    ],
)
def test_iterations_per_epoch(n, b, drop_last, expected):
    assert iterations_per_epoch(n, b, drop_last) == expected


@pytest.mark.parametrize("drop_last", [True, False])
@pytest.mark.parametrize("batch", [1, 7, 32])
def test_sample_range_is_exactly_the_set_of_n_giving_those_iterations(batch, drop_last):
    for iterations in (1, 2, 5):
        matching = [
            n for n in range(1, 300) if iterations_per_epoch(n, batch, drop_last) == iterations
        ]
        assert samples_for_iterations(iterations, batch, drop_last) == (matching[0], matching[-1])


def test_total_iterations():
    assert total_iterations(5000, 32, 10) == 1560  # 156 full batches per epoch
    assert total_iterations(5000, 32, 10, drop_last=False) == 1570
    assert total_iterations(np.int64(64), 32, 3) == 6


@pytest.mark.parametrize("bad", [0, -1, 2.5, 32.0, "32", True, None])
def test_invalid_arguments(bad):
    with pytest.raises(ValueError):
        iterations_per_epoch(bad, 32)
    with pytest.raises(ValueError):
        iterations_per_epoch(100, bad)
    with pytest.raises(ValueError):
        samples_for_iterations(bad, 32)
    with pytest.raises(ValueError):
        samples_for_iterations(10, bad)
    with pytest.raises(ValueError):
        total_iterations(100, 32, bad)
