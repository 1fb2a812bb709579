"""The tolerance rules vmafref is held to against libvmaf: the goldens' table
(``tools/make_golden.py`` writes it into ``golden/manifest.json``, ``tests/test_golden.py``
applies it, through :func:`within`) and the rule
``vmafref conformance`` applies (specs/conformance.md §3).

A value passes when ``|got - expected| <= atol + rtol * |expected|``; NaN matches NaN and an
infinity only itself.
"""

from __future__ import annotations

import math

__all__ = ["TOLERANCES", "CPU_FAMILY_LIMIT", "within"]

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


def within(expected: float, got: float, limit: dict) -> bool:
    """Whether ``got`` is within ``limit`` (``{"rtol", "atol"}``) of ``expected``."""
    if math.isnan(expected) or math.isnan(got):
        return math.isnan(expected) and math.isnan(got)
    if math.isinf(expected) or math.isinf(got):
        return expected == got
    return abs(got - expected) <= limit["atol"] + limit["rtol"] * abs(expected)
