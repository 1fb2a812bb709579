"""The tolerance rules vmafref is held to against libvmaf: the goldens' table
(``tools/make_golden.py`` writes it into ``golden/manifest.json``, ``tests/test_golden.py``
applies it, through :func:`within`) and the rule
``vmafref conformance`` applies (specs/conformance.md §3).

A value passes when ``|got - expected| <= atol + rtol * |expected|``; NaN matches NaN and an
infinity only itself.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

__all__ = ["TOLERANCES", "CPU_FAMILY_LIMIT", "EXACT", "POOLING_METHODS", "Mismatch", "compare_run", "within"]

#: Tolerance per key family: a value passes when ``|got - expected| <= atol + rtol*|expected|``.
#: ``goal`` is the target the float path aims at; ``limit`` is what the tests enforce.
TOLERANCES: dict[str, dict] = {
    "fixed_point": {"limit": {"rtol": 0.0, "atol": 0.0},
                    "why": "the fixed-point path is integer arithmetic: bit-exact"},
    "vmaf": {"limit": {"rtol": 1e-9, "atol": 0.0},
             "why": "model score from bit-exact features; the SVM sums in double"},
    "float": {"limit": {"rtol": 1e-5, "atol": 1e-6}, "goal": {"rtol": 1e-6, "atol": 1e-7},
              "why": "libvmaf's float path accumulates in float32 in its own order"},
    "float_strict": {"limit": {"rtol": 1e-6, "atol": 1e-7},
                     "why": "float features whose float32 order vmafref follows step for step (specs/float_psnr.md, "
                            "float_moment.md, float_ansnr.md); measured: identical doubles"},
}

#: How far libvmaf's float ADM keys (and the scores built on them) move between CPU families,
#: whose ``rcpss`` estimates differ (specs/float_adm.md §4).
CPU_FAMILY_LIMIT = {"rtol": 1e-6, "atol": 1e-12}

#: The same double (NaN matching NaN).
EXACT = {"rtol": 0.0, "atol": 0.0}

#: libvmaf's pooled statistics, in its output order (``libvmaf.c:998-1040``).
POOLING_METHODS = ("min", "max", "mean", "harmonic_mean")


def within(expected: float, got: float, limit: dict) -> bool:
    """Whether ``got`` is within ``limit`` (``{"rtol", "atol"}``) of ``expected``."""
    if math.isnan(expected) or math.isnan(got):
        return math.isnan(expected) and math.isnan(got)
    if math.isinf(expected) or math.isinf(got):
        return expected == got
    return abs(got - expected) <= limit["atol"] + limit["rtol"] * abs(expected)


@dataclass(frozen=True)
class Mismatch:
    """One disagreement between a stored run and a recomputed one.

    ``kind`` is ``"frames"`` (frame counts differ), ``"keys"`` (a frame's or the pooled keys
    differ) or ``"value"`` (a value outside its limit); ``where`` is ``"frame N"`` or
    ``"pooled METHOD"``; for a value, ``expected``, ``got`` and ``allowed`` (the limit's
    ``atol + rtol*|expected|``) are set.
    """

    kind: str
    where: str
    key: str | None = None
    expected: float | None = None
    got: float | None = None
    allowed: float | None = None
    detail: str = ""

    def describe(self) -> str:
        if self.kind == "value":
            return (f"{self.where} {self.key}: expected {self.expected!r}, got {self.got!r} "
                    f"(diff {self.got - self.expected:.3g}, allowed {self.allowed:.1e})")
        return f"{self.where}: {self.detail}"


def compare_run(expected: Mapping, frames: Sequence[Mapping[str, float]], pooled: Mapping[str, Mapping[str, float]],
                limit_for: Callable[[str], Mapping[str, float]] = lambda key: EXACT) -> list[Mismatch]:
    """Every :class:`Mismatch` between a stored run (``{"frames": [...], "pooled": {...}}``, as
    ``golden/*/expected.json`` holds them) and recomputed ``frames`` and ``pooled`` values,
    each key held to ``limit_for(key)``. An empty stored ``pooled`` (values never recorded,
    docs/golden.md) is not compared. The one comparer of the goldens: ``tests/test_golden.py``
    and ``tools/make_golden.py`` both call it.
    """
    problems: list[Mismatch] = []
    want_frames = expected["frames"]
    if len(want_frames) != len(frames):
        problems.append(Mismatch("frames", "frames", detail=f"{len(want_frames)} stored, {len(frames)} recomputed"))
    for index, (want, have) in enumerate(zip(want_frames, frames)):
        missing, extra = sorted(set(want) - set(have)), sorted(set(have) - set(want))
        if missing or extra:
            problems.append(Mismatch("keys", f"frame {index}", detail=f"keys missing {missing}, unexpected {extra}"))
        for key in sorted(set(want) & set(have)):
            limit = limit_for(key)
            if not within(want[key], have[key], limit):
                problems.append(Mismatch("value", f"frame {index}", key, want[key], have[key],
                                         limit["atol"] + limit["rtol"] * abs(want[key])))
    stored = expected["pooled"]
    if not stored:
        return problems
    for key in sorted(set(stored) | set(pooled)):
        if key not in stored or key not in pooled:
            problems.append(Mismatch("keys", "pooled", key, detail=f"key {key} only in the "
                                     f"{'stored' if key in stored else 'recomputed'} values"))
            continue
        limit = limit_for(key)
        for method in POOLING_METHODS:
            want, have = stored[key].get(method, math.nan), pooled[key].get(method, math.nan)
            if not within(want, have, limit):
                problems.append(Mismatch("value", f"pooled {method}", key, want, have,
                                         limit["atol"] + limit["rtol"] * abs(want)))
    return problems
