"""Loader and comparison helpers for the float-feature golden data in this folder."""

from __future__ import annotations

import json
import pathlib
import sys

DATA = pathlib.Path(__file__).parent
sys.path.insert(0, str(DATA))
from clips import CASES, make_clip  # noqa: E402

EXPECTED = json.loads((DATA / "expected.json").read_text())

#: Primary outputs are held to 1e-6 absolute; debug sums (float32 totals of up to 1e5) to 1e-6 relative.
ABS_TOL = 1e-6
REL_TOL_SUMS = 1e-6


def is_sum_key(key: str) -> bool:
    return any(part in key for part in ("_num", "_den"))


def assert_close(got: dict, want: dict, keys) -> float:
    worst = 0.0
    for key in keys:
        assert key in got, f"missing {key}"
        diff = abs(got[key] - want[key])
        limit = REL_TOL_SUMS * abs(want[key]) if is_sum_key(key) else ABS_TOL
        assert diff <= max(limit, 0.0), f"{key}: got {got[key]!r}, libvmaf {want[key]!r} (diff {diff:.3g})"
        worst = max(worst, diff)
    return worst


def run_extractor(extractor, refs, diss):
    out: dict[int, dict] = {}
    for index, (ref, dis) in enumerate(zip(refs, diss)):
        for frame, values in extractor.extract(index, ref, dis).items():
            out.setdefault(frame, {}).update(values)
    for frame, values in extractor.flush().items():
        out.setdefault(frame, {}).update(values)
    return [out[i] for i in range(len(refs))]
