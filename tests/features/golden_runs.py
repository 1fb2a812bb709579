"""Feature tests against the golden cases (``golden/``): clips, libvmaf's values, a runner.

The values are libvmaf's own (written by ``tools/make_golden.py`` from a real libvmaf build);
these helpers only read them and feed the clips frame by frame to one extractor.
"""

from __future__ import annotations

import functools
import json
import lzma
import math
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[2]
GOLDEN = ROOT / "golden"
sys.path.insert(0, str(ROOT / "tools"))
from golden_clips import read_frames  # noqa: E402

from vmafref.tolerances import within  # noqa: E402

#: The float ADM/VIF/motion tests' own bound, tighter than the goldens' ``float`` family:
#: primary outputs within 1e-6 absolute, the debug sums (float32 totals up to 1e5) within 1e-6
#: relative (specs/float_adm.md §10, specs/float_vif.md §8).
FLOAT_FEATURE_LIMITS = {"value": {"rtol": 0.0, "atol": 1e-6}, "sum": {"rtol": 1e-6, "atol": 0.0}}

#: The float ADM/VIF/motion golden cases (tools/golden_cases.py FLOAT_FEATURE_CASES), made by an
#: Intel CPU's libvmaf: the 64x48 ones (the first has the egl1 run too) and the odd sizes.
FLOAT_FEATURE_CASES_64X48 = ("float_small_64x48_444_8bit", "float_identical_64x48_444_8bit",
                             "float_flat_64x48_444_8bit", "float_dark_64x48_444_8bit")
FLOAT_FEATURE_CASES_ODD = ("float_odd_99x67_444_8bit", "float_odd_75x53_444_10bit")

__all__ = ["GOLDEN", "FLOAT_FEATURE_CASES_64X48", "FLOAT_FEATURE_CASES_ODD", "FLOAT_FEATURE_LIMITS",
           "assert_float_features_close", "case", "cases_with_runs", "clip_frames", "expected_run", "extractor_for",
           "golden_run", "run_extractor", "to_array", "worst_difference"]


@functools.lru_cache(maxsize=None)
def _manifest() -> dict:
    return {entry["id"]: entry for entry in json.loads((GOLDEN / "manifest.json").read_text())["cases"]}


def case(case_id: str) -> dict:
    """The manifest entry of a golden case."""
    return _manifest()[case_id]


def extractor_for(extractor_class, case_id: str, **options):
    """``extractor_class`` built for the case's geometry (width, height, bit depth) with ``options``."""
    entry = case(case_id)
    return extractor_class(width=entry["width"], height=entry["height"], bitdepth=entry["bitdepth"], **options)


def golden_run(case_id: str, run_id: str) -> dict:
    """The manifest entry of one run of a case (its features and options, its families)."""
    return next(run for run in case(case_id)["runs"] if run["id"] == run_id)


def cases_with_runs(prefix: str, run_prefix: str) -> dict[str, str]:
    """``case id -> run id`` for the cases whose id starts with ``prefix``, each with the one run
    whose id starts with ``run_prefix``."""
    out = {}
    for case_id, entry in _manifest().items():
        if case_id.startswith(prefix):
            (run_id,) = [run["id"] for run in entry["runs"] if run["id"].startswith(run_prefix)]
            out[case_id] = run_id
    return out


@functools.lru_cache(maxsize=None)
def clip_frames(case_id: str) -> tuple[list, list]:
    """``(reference, distorted)``: per frame the list of planes ``[y, u, v]``."""
    entry = case(case_id)
    geometry = (entry["container"], entry["width"], entry["height"], entry["pixel_format"], entry["bitdepth"])
    out = []
    for role in ("reference", "distorted"):
        data = lzma.decompress((GOLDEN / entry[role]["file"]).read_bytes())
        out.append(read_frames(data, *geometry))
    return out[0], out[1]


def expected_run(case_id: str, run_id: str) -> dict:
    """libvmaf's ``{"frames", "pooled", "model_keys"}`` of one run of a case."""
    return json.loads((GOLDEN / case(case_id)["expected"]).read_text())["runs"][run_id]


def run_extractor(extractor, case_id: str, planes: bool = False) -> list[dict[str, float]]:
    """Feed every frame of a case to ``extractor``; per-frame values in frame order.

    ``planes`` passes each picture as its tuple of planes (extractors that read chroma).
    """
    reference, distorted = clip_frames(case_id)
    values: dict[int, dict[str, float]] = {}
    for index, (ref, dis) in enumerate(zip(reference, distorted)):
        args = (tuple(ref), tuple(dis)) if planes else (ref[0], dis[0])
        for i, row in extractor.extract(index, *args).items():
            values.setdefault(i, {}).update(row)
    for i, row in extractor.flush().items():
        values.setdefault(i, {}).update(row)
    return [values[i] for i in sorted(values)]


def worst_difference(expected: list[dict], got: list[dict], keys) -> tuple[float, float]:
    """Largest absolute and relative difference over the frames and ``keys`` (NaN = NaN)."""
    worst_abs = worst_rel = 0.0
    for want, have in zip(expected, got, strict=True):
        for key in keys:
            a, b = want[key], have[key]
            if a == b or (math.isnan(a) and math.isnan(b)):
                continue
            worst_abs = max(worst_abs, abs(a - b))
            worst_rel = max(worst_rel, abs(a - b) / abs(a) if a else math.inf)
    return worst_abs, worst_rel


def to_array(frames, plane: int = 0) -> np.ndarray:
    """One plane of every frame, stacked ``(N, H, W)``."""
    return np.stack([frame[plane] for frame in frames])


def assert_float_features_close(got: list[dict], expected: list[dict], keys) -> None:
    """Every frame's ``keys`` within :data:`FLOAT_FEATURE_LIMITS` of libvmaf's."""
    for index, (have, want) in enumerate(zip(got, expected, strict=True)):
        for key in keys:
            limit = FLOAT_FEATURE_LIMITS["sum" if ("_num" in key or "_den" in key) else "value"]
            assert within(want[key], have[key], limit), (
                f"frame {index} {key}: vmafref {have[key]!r}, libvmaf {want[key]!r} (diff {have[key] - want[key]:.3g})")
