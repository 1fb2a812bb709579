"""Regenerate the integer ADM expected values from a libvmaf build.

Usage::

    python tests/features/data/integer_adm/make_expected.py --vmaf PATH/TO/vmaf

``PATH/TO/vmaf`` is libvmaf's command-line tool built from commit f85a8536 with its output
printed at full precision (``%.17g``). For every case below, the frame pair is made by
:func:`make_pair` (seeded numpy, integer arithmetic only, so every platform makes the same
pixels), written as a raw YUV 4:4:4 file (luma as generated, chroma mid-grey), and scored
with::

    vmaf -r ref.yuv -d dis.yuv -w W -h H -p 444 -b BITDEPTH -n \
         --feature adm=debug=true[:OPTION=VALUE...] --json -o out.json --cpumask 255

``--cpumask 255`` selects libvmaf's C kernels: its AVX2 / AVX-512 ADM kernels give other
values for some widths at scales 2-3 (specs/integer_adm.md §9). The tests import
:func:`make_pair` and :data:`CASES` from this file, so they see exactly the frames libvmaf saw.
"""

from __future__ import annotations

import argparse
import json
import pathlib
import subprocess
import tempfile

import numpy as np

HERE = pathlib.Path(__file__).resolve().parent
EXPECTED_JSON = HERE / "expected.json"
LIBVMAF_COMMIT = "f85a8536"

#: name -> frame parameters and libvmaf ``adm`` options.
CASES: dict[str, dict] = {
    "noise_8bit_161x91": dict(kind="noise", width=161, height=91, bitdepth=8, seed=1),
    "sharpen_10bit_161x91": dict(kind="sharpen", width=161, height=91, bitdepth=10, seed=2),
    "blur_12bit_161x91": dict(kind="blur", width=161, height=91, bitdepth=12, seed=3),
    "noise_16bit_161x91": dict(kind="noise", width=161, height=91, bitdepth=16, seed=4),
    "identical_8bit_161x91": dict(kind="identical", width=161, height=91, bitdepth=8, seed=5),
    "identical_10bit_161x91": dict(kind="identical", width=161, height=91, bitdepth=10, seed=6),
    "flat_8bit_161x91": dict(kind="flat", width=161, height=91, bitdepth=8, seed=7),
    "black_8bit_161x91": dict(kind="black", width=161, height=91, bitdepth=8, seed=8),
    "black_10bit_161x91": dict(kind="black", width=161, height=91, bitdepth=10, seed=9),
    "random_8bit_161x91": dict(kind="random", width=161, height=91, bitdepth=8, seed=10),
    "min_8bit_33x33": dict(kind="sharpen", width=33, height=33, bitdepth=8, seed=11),
    "min_10bit_33x35": dict(kind="noise", width=33, height=35, bitdepth=10, seed=12),
    "odd_8bit_101x57": dict(kind="sharpen", width=101, height=57, bitdepth=8, seed=13),
    "even_8bit_160x90": dict(kind="blur", width=160, height=90, bitdepth=8, seed=14),
    "egl1_8bit_161x91": dict(kind="sharpen", width=161, height=91, bitdepth=8, seed=15,
                             options={"adm_enhn_gain_limit": 1.0}),
    "egl1_10bit_161x91": dict(kind="noise", width=161, height=91, bitdepth=10, seed=16,
                              options={"adm_enhn_gain_limit": 1.0}),
    "egl1.3_8bit_161x91": dict(kind="sharpen", width=161, height=91, bitdepth=8, seed=17,
                               options={"adm_enhn_gain_limit": 1.3}),
    "nvd4_8bit_161x91": dict(kind="sharpen", width=161, height=91, bitdepth=8, seed=18,
                             options={"adm_norm_view_dist": 4.0}),
    "rdh2160_10bit_161x91": dict(kind="noise", width=161, height=91, bitdepth=10, seed=19,
                                 options={"adm_ref_display_height": 2160}),
    "nw_8bit_161x91": dict(kind="noise", width=161, height=91, bitdepth=8, seed=20,
                           options={"adm_noise_weight": 0.5}),
    "dlmw_min_8bit_161x91": dict(kind="sharpen", width=161, height=91, bitdepth=8, seed=21,
                                 options={"adm_dlm_weight": 0.8, "adm_min_val": 0.9}),
    "ssz_8bit_161x91": dict(kind="sharpen", width=161, height=91, bitdepth=8, seed=22,
                            options={"adm_skip_scale0": True}),
    "skip_aim_10bit_161x91": dict(kind="noise", width=161, height=91, bitdepth=10, seed=23,
                                  options={"adm_skip_aim": True}),
    "scf_8bit_161x91": dict(kind="noise", width=161, height=91, bitdepth=8, seed=24,
                            options={"adm_csf_scale": 2.0, "adm_csf_diag_scale": 0.5}),
}


def _box5(x: np.ndarray) -> np.ndarray:
    """Integer 5x5 box mean with edge padding (floor division)."""
    p = np.pad(x, 2, mode="edge")
    h, w = x.shape
    total = sum(p[i:i + h, j:j + w] for i in range(5) for j in range(5))
    return total // 25


def make_pair(kind: str, width: int, height: int, bitdepth: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """A reference / distorted luma pair (uint8 for 8-bit, uint16 above), seeded, integers only."""
    rng = np.random.default_rng(seed)
    maxv = (1 << bitdepth) - 1
    coarse = rng.integers(0, maxv + 1, size=(height // 8 + 2, width // 8 + 2), dtype=np.int64)
    ref = _box5(np.repeat(np.repeat(coarse, 8, axis=0), 8, axis=1)[:height, :width])
    ref = ref + rng.integers(-(maxv // 40), maxv // 40 + 1, size=ref.shape)
    if kind == "noise":
        dis = ref + rng.integers(-(maxv // 16), maxv // 16 + 1, size=ref.shape)
    elif kind == "blur":
        dis = (ref + np.roll(ref, 1, 0) + np.roll(ref, 1, 1) + np.roll(ref, (1, 1), (0, 1))) // 4
    elif kind == "sharpen":
        blur = (ref + np.roll(ref, 1, 0) + np.roll(ref, -1, 0) + np.roll(ref, 1, 1) + np.roll(ref, -1, 1)) // 5
        dis = ref + (3 * (ref - blur)) // 2
    elif kind == "identical":
        dis = ref.copy()
    elif kind == "flat":
        ref = np.full((height, width), maxv // 2 + 3, dtype=np.int64)
        dis = ref + rng.integers(-2, 3, size=ref.shape)
    elif kind == "black":
        low = 3 << (bitdepth - 8)
        ref = rng.integers(0, low, size=(height, width))
        dis = rng.integers(0, low, size=(height, width))
    elif kind == "random":
        ref = rng.integers(0, maxv + 1, size=(height, width))
        dis = rng.integers(0, maxv + 1, size=(height, width))
    else:
        raise ValueError(f"unknown kind {kind!r}")
    dtype = np.uint8 if bitdepth == 8 else np.uint16
    return np.clip(ref, 0, maxv).astype(dtype), np.clip(dis, 0, maxv).astype(dtype)


def _write_yuv444(path: pathlib.Path, luma: np.ndarray, bitdepth: int) -> None:
    dtype = np.dtype(np.uint8) if bitdepth == 8 else np.dtype("<u2")
    chroma = np.full(luma.shape, 1 << (bitdepth - 1), dtype)
    path.write_bytes(luma.astype(dtype).tobytes() + chroma.tobytes() + chroma.tobytes())


def _option_text(value) -> str:
    return ("true" if value else "false") if isinstance(value, bool) else repr(value)


def run_case(vmaf: str, case: dict) -> dict[str, float]:
    ref, dis = make_pair(case["kind"], case["width"], case["height"], case["bitdepth"], case["seed"])
    feature = "adm=debug=true" + "".join(f":{k}={_option_text(v)}" for k, v in case.get("options", {}).items())
    with tempfile.TemporaryDirectory() as tmp:
        tmp = pathlib.Path(tmp)
        _write_yuv444(tmp / "ref.yuv", ref, case["bitdepth"])
        _write_yuv444(tmp / "dis.yuv", dis, case["bitdepth"])
        subprocess.run([vmaf, "-r", str(tmp / "ref.yuv"), "-d", str(tmp / "dis.yuv"),
                        "-w", str(case["width"]), "-h", str(case["height"]), "-p", "444",
                        "-b", str(case["bitdepth"]), "-n", "--feature", feature,
                        "--json", "-o", str(tmp / "out.json"), "-q", "--cpumask", "255"],
                       check=True, capture_output=True)
        frames = json.loads((tmp / "out.json").read_text())["frames"]
    return frames[0]["metrics"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--vmaf", required=True, help="libvmaf CLI built at commit f85a8536, %%.17g output")
    args = parser.parse_args()
    out = {"libvmaf_commit": LIBVMAF_COMMIT, "cpumask": 255,
           "cases": {name: {**case, "expected": run_case(args.vmaf, case)} for name, case in CASES.items()}}
    EXPECTED_JSON.write_text(json.dumps(out, indent=1, sort_keys=True) + "\n")


if __name__ == "__main__":
    main()
