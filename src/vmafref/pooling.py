"""Per-clip pooling exactly as libvmaf computes it.

``vmaf_feature_score_pooled`` (``libvmaf/src/libvmaf.c:998-1040``) runs one pass in double:
``sum += s``, ``i_sum += 1/(s+1)``, running min and max; then mean = sum/n and
harmonic_mean = n/i_sum − 1. Summation is sequential, so a reordered or pairwise sum would
differ in the last bits. See specs/score.md §6.
"""

from __future__ import annotations

from collections.abc import Sequence

__all__ = ["POOLING_METHODS", "pool"]

#: In libvmaf's output order (``enum VmafPoolingMethod``: min, max, mean, harmonic_mean).
POOLING_METHODS = ("min", "max", "mean", "harmonic_mean")


def pool(scores: Sequence[float]) -> dict[str, float]:
    """Pool per-frame ``scores`` with libvmaf's four methods.

    Raises ``ValueError`` for an empty sequence (libvmaf divides by zero there).
    """
    if len(scores) == 0:
        raise ValueError("cannot pool an empty score sequence")
    total = 0.0
    inverse_total = 0.0
    low = high = 0.0
    for position, value in enumerate(scores):
        value = float(value)
        total += value
        shifted = value + 1.0
        # C divides by zero to +inf here; Python would raise.
        inverse_total += 1.0 / shifted if shifted != 0.0 else float("inf")
        if position == 0 or value < low:
            low = value
        if position == 0 or value > high:
            high = value
    count = len(scores)
    # C divides by a zero i_sum (every score +inf) to +inf, as above.
    harmonic = count / inverse_total - 1.0 if inverse_total != 0.0 else float("inf")
    return {"min": low, "max": high, "mean": total / count, "harmonic_mean": harmonic}
