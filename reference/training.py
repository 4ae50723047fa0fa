"""Mini-batch arithmetic: iterations per epoch and the sample counts that produce them."""

from __future__ import annotations

import operator

__all__ = ["iterations_per_epoch", "samples_for_iterations", "total_iterations"]


def _positive_int(value, name: str) -> int:
    # bool is an int subclass, but True as a batch size is a caller bug, not 1.
    if isinstance(value, bool):
        raise ValueError(f"{name} must be a positive integer, got {value!r}")
    try:
        number = operator.index(value)  # int and numpy integers; refuses 32.0 and "32"
    except TypeError:
        raise ValueError(f"{name} must be a positive integer, got {value!r}") from None
    if number <= 0:
        raise ValueError(f"{name} must be a positive integer, got {value!r}")
    return number


def iterations_per_epoch(n_samples: int, batch_size: int, drop_last: bool = True) -> int:
    """floor(N / B) when the last partial batch is dropped (MATLAB's default), else ceil."""
    n = _positive_int(n_samples, "n_samples")
    b = _positive_int(batch_size, "batch_size")
    return n // b if drop_last else -(-n // b)


def samples_for_iterations(
    iterations: int, batch_size: int, drop_last: bool = True
) -> tuple[int, int]:
    """Inclusive range (lo, hi) of sample counts N giving exactly `iterations` per epoch."""
    it = _positive_int(iterations, "iterations")
    b = _positive_int(batch_size, "batch_size")
    if drop_last:
        return it * b, it * b + b - 1
    return (it - 1) * b + 1, it * b


def total_iterations(n_samples: int, batch_size: int, epochs: int, drop_last: bool = True) -> int:
    """Iterations over `epochs` full passes: every epoch has the same number of iterations."""
    return iterations_per_epoch(n_samples, batch_size, drop_last) * _positive_int(epochs, "epochs")
