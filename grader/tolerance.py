"""Tolerances students already know (relabs, sigfig, decdig), made rounding-aware.

Rounding-aware means: an answer equal to the reference rounded to the precision the
student wrote is right, provided they wrote at least the precision the part requires.
So 0.073 for 0.0734 is right when 3 decimals are required, and 0.07 is not.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import numpy as np

MODES = ("relabs", "sigfig", "decdig")
# Float fuzz: 0.0735 -> 0.074 must not fail because 0.074 - 0.0735 is 0.000500000001.
_FUZZ = 1e-9


class ToleranceError(ValueError):
    """A tolerance setting in a spec is invalid."""


@dataclass(frozen=True)
class Tolerance:
    mode: str = "relabs"
    rtol: float = 1e-3
    atol: float = 1e-6
    digits: int = 3
    min_decimals: int | None = None
    min_sigfigs: int | None = None
    rounding_aware: bool = True

    @classmethod
    def from_spec(cls, spec: dict[str, Any] | None, base: Tolerance | None = None) -> Tolerance:
        """Build from a YAML mapping; keys not given come from `base` (assignment defaults)."""
        base = base or cls()
        if spec is None:
            return base
        if not isinstance(spec, dict):
            raise ToleranceError("tolerance must be a mapping like {mode: relabs, rtol: 1e-3}")
        known = {"mode", "rtol", "atol", "digits", "min_decimals", "min_sigfigs", "rounding_aware"}
        unknown = sorted(set(spec) - known)
        if unknown:
            raise ToleranceError(f"unknown tolerance key(s): {', '.join(unknown)}")
        # Another mode starts from that mode's defaults: a relabs default's min_sigfigs
        # must not quietly loosen a part's decdig tolerance.
        same_mode = spec.get("mode", base.mode) == base.mode
        start = (
            base.__dict__
            if same_mode
            else {**cls().__dict__, "rounding_aware": base.rounding_aware}
        )
        values = {**start, **spec}
        tol = cls(**values)
        tol.validate()
        return tol

    def validate(self) -> None:
        if self.mode not in MODES:
            raise ToleranceError(
                f"tolerance mode must be one of {', '.join(MODES)}, not {self.mode!r}"
            )
        for name in ("rtol", "atol"):
            value = getattr(self, name)
            if not isinstance(value, int | float) or isinstance(value, bool) or not value >= 0:
                hint = ""
                if isinstance(value, str) and "e" in value.lower():
                    hint = " (YAML reads 1e-3 as text: write 1.0e-3)"
                raise ToleranceError(f"tolerance {name} must be a number >= 0, not {value!r}{hint}")
            if not math.isfinite(value):
                raise ToleranceError(f"tolerance {name} must be a finite number, not {value!r}")
        for name in ("digits", "min_decimals", "min_sigfigs"):
            value = getattr(self, name)
            if value is None and name != "digits":
                continue
            if not isinstance(value, int) or isinstance(value, bool) or not 0 <= value <= 15:
                raise ToleranceError(f"tolerance {name} must be a whole number from 0 to 15")
        if self.mode == "sigfig" and self.digits < 1:
            raise ToleranceError("tolerance digits must be at least 1 for sigfig")
        if self.mode == "relabs" and self.rtol == 0 and self.atol == 0:
            raise ToleranceError("relabs tolerance needs rtol or atol above 0")

    def allowed_error(self, ref: np.ndarray) -> np.ndarray:
        """Largest |answer - ref| the mode accepts, per element."""
        ref = np.abs(np.asarray(ref, dtype=float))
        if self.mode == "relabs":
            return self.atol + self.rtol * ref
        if self.mode == "decdig":
            return np.full(ref.shape, 0.5 * 10.0**-self.digits)
        # sigfig: half a unit in the digits-th significant place; a zero reference
        # falls back to digits decimals (a purely relative test could never pass).
        with np.errstate(divide="ignore"):
            exponent = np.where(ref > 0, np.floor(np.log10(np.where(ref > 0, ref, 1.0))), 0.0)
        return np.where(
            ref > 0, 0.5 * 10.0 ** (exponent - self.digits + 1), 0.5 * 10.0**-self.digits
        )

    def precise_enough(
        self, ref: np.ndarray, resolution: np.ndarray, sigfigs: np.ndarray
    ) -> np.ndarray:
        """Did the student write at least the precision this part requires?"""
        resolution = np.asarray(resolution, dtype=float)
        exact = resolution == 0
        if self.min_decimals is not None:
            ok = resolution <= 10.0**-self.min_decimals * (1 + _FUZZ)
        elif self.min_sigfigs is not None:
            ok = np.asarray(sigfigs) >= self.min_sigfigs
        elif self.mode == "decdig":
            ok = resolution <= 10.0**-self.digits * (1 + _FUZZ)
        elif self.mode == "sigfig":
            ok = np.asarray(sigfigs) >= self.digits
        else:
            ok = resolution / 2 <= self.allowed_error(ref) * (1 + _FUZZ)
        return ok | exact

    def matches(
        self,
        answer: np.ndarray,
        ref: np.ndarray,
        resolution: np.ndarray | None = None,
        sigfigs: np.ndarray | None = None,
    ) -> np.ndarray:
        """Per-element verdict. Without resolution the answer is taken as exact."""
        answer = np.asarray(answer, dtype=float)
        ref = np.asarray(ref, dtype=float)
        error = np.abs(answer - ref)
        ok = error <= self.allowed_error(ref) * (1 + _FUZZ) + 1e-300
        if ok.all() or not self.rounding_aware or resolution is None:
            return ok
        resolution = np.broadcast_to(np.asarray(resolution, dtype=float), answer.shape)
        sig = np.broadcast_to(np.asarray(sigfigs if sigfigs is not None else 99), answer.shape)
        rounded_right = error <= resolution / 2 * (1 + _FUZZ) + 1e-300
        return ok | (rounded_right & self.precise_enough(ref, resolution, sig))

    def describe(self) -> str:
        """Say what was checked, in words a student understands."""
        return _describe(self)


@lru_cache(maxsize=256)
def _describe(self: Tolerance) -> str:
    if self.mode == "relabs":
        text = f"|answer - reference| <= {self.atol:g} + {self.rtol:g}·|reference|"
    elif self.mode == "decdig":
        text = f"correct to {self.digits} decimal places"
    else:
        text = f"correct to {self.digits} significant figures"
    if self.rounding_aware and self.mode != "relabs":
        text += " (a correctly rounded answer counts)"
    elif self.rounding_aware and (self.min_decimals is not None or self.min_sigfigs is not None):
        need = (
            f"{self.min_decimals} decimals"
            if self.min_decimals is not None
            else f"{self.min_sigfigs} significant figures"
        )
        text += f", or correctly rounded to at least {need}"
    return text
